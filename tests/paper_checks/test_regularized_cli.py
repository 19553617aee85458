"""``infonce-gauss rates regularized`` on a tiny setting, and the REG- registrations."""

import csv
import json
import math

import pytest

from infonce_gauss.cli import main
from infonce_gauss.catalog import select
from infonce_gauss.theory.regularized import beta_threshold


def test_reg_claims_are_registered():
    ids = [c.id for c in select(["REG-"])]
    assert ids[0] == "REG-BETA0" and "REG-SWEEP" in ids and len(ids) == len(set(ids)) == 11


def test_rates_regularized_cli(tmp_path):
    out = tmp_path / "rates"
    code = main(["rates", "regularized", "--dims", "16", "32", "64", "128", "256", "512", "--eta2", "0", "--particle-dims", "8",
                 "--factors", "0", "1", "--particles", "16", "--steps", "5", "--device", "cpu", "--out", str(out),
                 "--no-progress"])
    assert code == 0
    rows = list(csv.DictReader(open(out / "table.csv")))
    particles = [r for r in rows if r["experiment"] == "particles"]
    assert sorted(float(r["c"]) for r in particles) == [0.0, 1.0]
    # β₀ = 2α(1−η₂)/(d−1) (Theorem 1 with C = 1/2), α = 10, η₂ = alignment 0.5
    for r in particles:
        assert float(r["beta"]) == pytest.approx(float(r["c"]) * 10 / 7, rel=1e-12)
        assert float(r["beta0"]) == pytest.approx(beta_threshold(8, 10.0, 0.5), rel=1e-12)
    fits = {f["term"]: f for f in csv.DictReader(open(out / "fits.csv"))}
    assert float(fits["beta0"]["slope_ci_low"]) <= -1 <= float(fits["beta0"]["slope_ci_high"])
    assert (out / "rates_regularized.png").stat().st_size > 0
    assert json.loads((out / "run.json").read_text())["config"]["factors"] == [0.0, 1.0]


@pytest.mark.parametrize("power, finding", [(0.0, "confirmed"), (0.5, "not reproduced")])
def test_encoder_dims_judges_each_distance_against_its_sampling_floor(monkeypatch, tmp_path, power, finding):
    # Four d, three seeds: each scale-free distance is its sampling floor (KS 0.87/√n, covariance √((d+1)/n))
    # times d^power and a seed wobble of ±1%: power 0 follows the floors (every interval spans 0: "confirmed"),
    # power 0.5 grows faster than them (every interval above 0: the encoders move away from the law as d grows,
    # "not reproduced"); Prop 1 never rejected
    from infonce_gauss.claim import PROFILES, ClaimContext
    from infonce_gauss.regularized import claims

    n = 2000

    def rows(name, ctx):
        out = []
        for d in (8, 16, 32, 64):
            for seed, wobble in enumerate((0.99, 1.0, 1.01)):
                for estimator, c in (("none", 0.0), ("knn", 1.0), ("radial", 1.0)):
                    ks = 0.87 / math.sqrt(n) * d**power * wobble
                    out.append({"d": d, "encoder": "free-norm", "estimator": estimator, "c": c, "seed": seed, "n": n,
                                "ks_crit": 1.358 / math.sqrt(n), "align_excess_z": 0.0, "ks_radius_sf": ks, "ks_coord_sf": ks,
                                "ks_proj_sf": ks, "cv_ratio": wobble, "scale_ratio": wobble, "ks_radius": ks,
                                "cov_sf": math.sqrt((d + 1) / n) * d**power * wobble})
        return out

    monkeypatch.setattr(claims, "_encoder_rows", rows)
    claim = select(["REG-ENCODER-DIMS"])[0]
    verdict = claim.check(ClaimContext(profile=PROFILES["quick"], out_dir=tmp_path, seed=0))
    assert verdict.status == "passed" and claim.finding_of(verdict) == finding
    assert claim.refusal(verdict) is None
    assert verdict.reason.count("follows its floor") == (3 if finding == "confirmed" else 0)
    assert verdict.reason.count("grows faster than its floor") == (0 if finding == "confirmed" else 3)
