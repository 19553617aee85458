"""``infonce-gauss rates regularized`` on a tiny setting, and the REG- registrations."""

import csv
import json

import numpy as np
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


@pytest.mark.parametrize("scale, finding", [(0.0, "sharpened"), (1.0, "confirmed")])
def test_encoder_dims_is_sharpened_only_when_every_trend_interval_excludes_zero(monkeypatch, tmp_path, scale, finding):
    # Four d: each distance falls exactly like d^-1/2 (scale 0: every slope interval tight around -0.5) or
    # with alternating noise of a factor e (scale 1: the intervals span 0), Prop 1 never rejected.
    from infonce_gauss.claim import PROFILES, ClaimContext
    from infonce_gauss.regularized import claims

    def rows(name, ctx):
        out = []
        for i, d in enumerate((16, 32, 64, 128)):
            for state, c in (("trained", 1.0), ("trained", 0.0)):
                wobble = np.exp(scale * (-1) ** i)
                out.append({"state": state, "c": c, "d": d, "n": 4000, "align_excess_z": 0.0,
                            **{k: wobble * d**-0.5 for k in ("ks_radius", "radius_cv", "ks_coord_mean", "ks_proj_mean",
                                                             "cov_rel_error")}})
        return out

    monkeypatch.setattr(claims, "_encoder_rows", rows)
    claim = select(["REG-ENCODER-DIMS"])[0]
    verdict = claim.check(ClaimContext(profile=PROFILES["quick"], out_dir=tmp_path, seed=0))
    assert verdict.status == "passed" and claim.finding_of(verdict) == finding
    assert ("not resolved" in verdict.reason) == (finding == "confirmed")
