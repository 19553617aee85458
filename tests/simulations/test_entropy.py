"""Kozachenko–Leonenko entropy: pinned to Gaussian and uniform closed forms in low dimension, calibrated
standard errors, ties, input errors."""

import math

import numpy as np
import pytest

from infonce_gauss.simulations.entropy import knn_entropy, log_unit_ball_volume


@pytest.mark.parametrize("d", [1, 2, 3])
def test_gaussian_entropy_in_low_dimension(d):
    # h(N(0, Σ)) = ½ log((2πe)^d det Σ) (Cover & Thomas, Thm 8.4.1); 0.05 nat covers the estimator's bias at
    # d <= 3 and n = 20000 (measured: a few hundredths), far below what a wrong constant (log V_d, ψ terms) shifts
    lam = np.array([0.5, 2.0, 7.0][:d])
    x = np.random.default_rng(d).standard_normal((20_000, d)) * np.sqrt(lam)
    est = knn_entropy(x, seed=d)
    exact = 0.5 * (d * math.log(2 * math.pi * math.e) + np.log(lam).sum())
    assert abs(est.value - exact) < 4 * est.se + 0.05, (est, exact)
    assert est.n == 20_000 and est.seed == d


def test_uniform_entropy_is_the_log_volume():
    # uniform on [0, 3]^2: h = log 9; on an interval of width 0.2: h = log 0.2 (negative)
    rng = np.random.default_rng(4)
    for x, exact in ((rng.uniform(0, 3, (20_000, 2)), math.log(9)), (rng.uniform(1, 1.2, 20_000), math.log(0.2))):
        est = knn_entropy(x, seed=1)
        assert abs(est.value - exact) < 4 * est.se + 0.05


def test_standard_error_is_calibrated_on_gaussians():
    # across independent samples the z-scores (estimate - truth)/SE should have spread about 1
    z = []
    for seed in range(30):
        x = np.random.default_rng(100 + seed).standard_normal((3000, 2))
        est = knn_entropy(x, seed=seed, n_boot=100)
        z.append((est.value - math.log(2 * math.pi * math.e)) / est.se)
    assert 0.6 < np.std(z) < 1.6, np.std(z)


def test_unit_ball_volume():
    # V_1 = 2, V_2 = π, V_3 = 4π/3
    for d, v in ((1, 2.0), (2, math.pi), (3, 4 * math.pi / 3)):
        assert math.exp(log_unit_ball_volume(d)) == pytest.approx(v, rel=1e-14)


def test_ties_need_jitter():
    x = np.repeat(np.random.default_rng(0).standard_normal((500, 2)), 5, axis=0)  # every point five times
    with pytest.raises(ValueError, match="duplicates"):
        knn_entropy(x, seed=0, jitter=0.0)
    assert np.isfinite(knn_entropy(x, seed=0).value)


def test_reproducible_for_a_seed():
    x = np.random.default_rng(0).standard_normal((2000, 2))
    assert knn_entropy(x, seed=5) == knn_entropy(x, seed=5)


@pytest.mark.parametrize("kwargs, message", [
    ({"x": np.ones((3, 2)), "k": 3}, "more than k"),
    ({"x": np.ones((10, 2, 2))}, r"\(n, d\)"),
    ({"x": [[0.0, np.nan]] * 10}, "NaN"),
    ({"x": np.ones((10, 2)), "k": 0}, "k"),
    ({"x": np.ones((10, 2)), "jitter": -1.0}, "jitter"),
])
def test_bad_input_is_explained(kwargs, message):
    with pytest.raises(ValueError, match=message):
        knn_entropy(**{"seed": 0, **kwargs})
