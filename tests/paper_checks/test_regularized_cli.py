"""``infonce-gauss rates regularized`` on a tiny setting, and the REG- registrations."""

import csv
import json

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
