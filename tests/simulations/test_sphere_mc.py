"""Monte Carlo estimators of simulations.sphere: unbiased for the exact values, calibrated standard errors."""

import numpy as np
import pytest

from infonce_gauss.simulations.estimates import cv_estimate, mean_estimate
from infonce_gauss.simulations.sphere import kurtosis_estimate, mc_distances, mc_radial_projection_kurtosis, sphere_rate_fits, sphere_rate_table
from infonce_gauss.theory.sphere import (
    PerturbedRadius,
    chi_norm_moments,
    kl_to_gaussian,
    kolmogorov_to_gaussian,
    rotation_invariant_kurtosis,
    tv_to_gaussian,
)


@pytest.mark.parametrize("d, k", [(6, 1), (50, 1), (50, 3), (2000, 2)])
def test_distance_estimators_agree_with_exact_values(d, k):
    est = mc_distances(d, k, n=100_000, seed=d + k)
    exact = {"tv": tv_to_gaussian(d, k), "kl": kl_to_gaussian(d, k)}
    if k == 1:
        exact["kolmogorov"] = kolmogorov_to_gaussian(d)
    assert set(est) == set(exact)
    for name, value in exact.items():
        assert abs(est[name].z_score(value)) < 4.5, name
        assert est[name].n == 100_000 and est[name].seed == d + k


def _z_scores(estimator, truth, reps=300):
    return np.array([estimator(np.random.default_rng(i)).z_score(truth) for i in range(reps)])


def test_kurtosis_standard_error_is_calibrated():
    # Gaussian data: kurtosis 3; the sd of z over 300 replicates is 1 ± 0.04 if the SE is right.
    z = _z_scores(lambda g: kurtosis_estimate(g.standard_normal(4000)), 3.0)
    assert 0.85 < z.std() < 1.15 and abs(z.mean()) < 0.3


def test_cv_standard_error_is_calibrated():
    d = 20
    z = _z_scores(lambda g: cv_estimate(np.linalg.norm(g.standard_normal((2000, d)), axis=1)), chi_norm_moments(d).cv)
    assert 0.85 < z.std() < 1.15 and abs(z.mean()) < 0.3


def test_radial_kurtosis_estimate_matches_identity():
    fam = PerturbedRadius(0.4, 0.0)
    est = mc_radial_projection_kurtosis(fam, 32, n=200_000, seed=1)
    assert abs(est.z_score(rotation_invariant_kurtosis(32, *fam.scaled_radius_moments(32)))) < 4.5


def test_estimates_need_enough_draws():
    with pytest.raises(ValueError, match="at least 2"):
        mean_estimate([1.0])
    with pytest.raises(ValueError, match="at least 8"):
        kurtosis_estimate(np.ones(3))
    with pytest.raises(ValueError, match="positive spread"):
        cv_estimate(np.ones(10))


def test_rate_table_and_fits_cover_the_predictions():
    table = sphere_rate_table([1, 2], [8, 16, 32, 64, 128, 256, 512, 1024], n=20_000, seeds=[0, 1], progress=False)
    sources = {(r["metric"], r["source"]) for r in table}
    assert {("tv", "exact"), ("tv", "mc"), ("tv", "bound"), ("kl", "asymptotic"), ("kolmogorov", "bound")} <= sources
    fits = sphere_rate_fits(table)
    assert {(f["k"], f["metric"], f["source"]) for f in fits} >= {(1, "tv", "exact"), (2, "kl", "mc"), (1, "kolmogorov", "mc")}
    assert all(f["slope_covers_prediction"] for f in fits)
    with pytest.raises(ValueError, match="no \\(k, d\\) pair"):
        sphere_rate_table([5], [3, 4], n=10, seeds=[0], progress=False)
