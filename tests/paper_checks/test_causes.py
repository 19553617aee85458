"""The factorial's instruments: route 1's prediction on laws with known answers, the non-Gaussian input laws, and the
grading of CAUSE-UNIFORM over seeds (on made-up factorial rows)."""

import math

import numpy as np
import pytest

from infonce_gauss.causes import claims as cause_claims
from infonce_gauss.causes.factorial import ENCODERS, INIT, INPUTS, OBJECTIVES, PRESET, route1
from infonce_gauss.claim import PROFILES, ClaimContext
from infonce_gauss.simulations.channels import SCALE_MIXTURE_LOG_STD, STABLE_ALPHA, scale_mixture_base, stable_base
from infonce_gauss.simulations.projections import random_directions


def _sphere(n, d, rng):
    g = rng.standard_normal((n, d))
    return g / np.linalg.norm(g, axis=1, keepdims=True)


def test_route1_on_the_uniform_sphere_gives_its_exact_kurtosis():
    d, rng = 16, np.random.default_rng(0)
    out = route1(_sphere(20_000, d, rng), directions=random_directions(d, 16, rng=1), seed=2)
    assert out["kurt_sphere"] == pytest.approx(-6 / (d + 2))  # Lemma 3's coordinate law: excess kurtosis -6/(d+2)
    # sample excess kurtosis of n = 20000 draws has SE about sqrt(24/n) = 0.035 per direction, 16 directions
    assert out["kurt_measured"] == pytest.approx(-6 / (d + 2), abs=0.04)
    assert out["kurt_predicted"] == pytest.approx(-6 / (d + 2), abs=0.04)


def test_route1_tells_clusters_from_their_second_moment():
    # four tight clusters on S^{d-1}: the angular Gaussian with their mean and covariance is spread out, while fixed
    # projections of the clusters are discrete (four atoms), far lighter-tailed than that prediction
    d, rng = 8, np.random.default_rng(3)
    centres = _sphere(4, d, rng)
    u = centres[rng.integers(4, size=5000)] + 0.01 * rng.standard_normal((5000, d))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    out = route1(u, directions=random_directions(d, 8, rng=4), seed=5)
    assert out["kurt_measured"] < out["kurt_predicted"] - 0.3
    assert out["sliced_ep_p"] < 1e-6


def test_stable_base_has_the_stable_characteristic_function():
    # symmetric alpha-stable with unit scale (Chambers, Mallows & Stuck 1976): E cos(tX) = exp(-|t|^alpha)
    x = stable_base(200_000, 1, np.random.default_rng(6)).ravel()
    for t in (0.5, 1.0, 2.0):
        assert np.mean(np.cos(t * x)) == pytest.approx(math.exp(-t ** STABLE_ALPHA), abs=0.005)


def test_scale_mixture_base_shares_one_log_normal_scale_per_item():
    x = scale_mixture_base(20_000, 64, np.random.default_rng(7))
    # E x_j^2 = E s^2 = exp(2 sigma^2); and the per-item RMS is s (up to chi fluctuations of 64 coordinates)
    assert np.mean(x ** 2) == pytest.approx(math.exp(2 * SCALE_MIXTURE_LOG_STD ** 2), rel=0.1)
    log_rms = np.log(np.sqrt(np.mean(x ** 2, axis=1)))
    assert np.std(log_rms) == pytest.approx(SCALE_MIXTURE_LOG_STD, rel=0.05)


def test_the_factorial_preset_has_every_cell():
    runs = PRESET.runs_for("quick")
    assert len(runs) == len(INPUTS) * len(ENCODERS) * len(OBJECTIVES)
    assert {(r.tags["input"], r.tags["encoder"], r.tags["objective_label"]) for r in runs} == {
        (i, e, o) for i in INPUTS for e in ENCODERS for o in OBJECTIVES}


def _rows(infonce_after: float, spread: float = 0.01):
    rng = np.random.default_rng(8)
    rows = []
    for i in INPUTS:
        for e in ENCODERS:
            for seed in range(4):
                for objective in (INIT, *OBJECTIVES):
                    target = {INIT: 2.0, "alignment": 8.0}.get(objective, 1.1)
                    if objective.startswith("infonce"):
                        target = infonce_after
                    rows.append({"input": i, "encoder": e, "objective": objective, "seed": seed, "n": 500, "d": 16,
                                 "d_neg_cos_sq": target + spread * rng.standard_normal(), "m_sq": 0.0,
                                 "alignment": 0.5})
    return rows


@pytest.mark.parametrize("after,status,finding", [(1.1, "passed", None), (3.0, "passed", "not reproduced"),
                                                   (2.0, "cannot tell", None)])
def test_cause_uniform_grades_by_welch_over_seeds(monkeypatch, tmp_path, after, status, finding):
    rows = _rows(after)
    monkeypatch.setattr(cause_claims, "_factorial", lambda ctx: rows)
    ctx = ClaimContext(profile=PROFILES["quick"], out_dir=tmp_path, seed=0)
    verdict = cause_claims.uniform_directions(ctx)
    assert (verdict.status, verdict.finding) == (status, finding)
    assert cause_claims.CLAIMS["CAUSE-UNIFORM"].refusal(verdict) is None


def test_cause_uniform_is_not_the_stated_cause_when_alignment_alone_makes_directions_uniform(monkeypatch, tmp_path):
    rows = [{**r, "d_neg_cos_sq": 1.1 + 0.01 * (r["seed"] % 2)} if r["objective"] == "alignment" else r
            for r in _rows(1.1)]
    monkeypatch.setattr(cause_claims, "_factorial", lambda ctx: rows)
    verdict = cause_claims.uniform_directions(ClaimContext(profile=PROFILES["quick"], out_dir=tmp_path, seed=0))
    assert verdict.finding == "not the stated cause" and verdict.details["control"]["effect_without_cause"]
