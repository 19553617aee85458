"""Rayleigh and Bingham uniformity tests: calibration under the null, power, effect sizes, input errors; the Φ gap
on uniform and concentrated samples."""

import numpy as np
import pytest
from scipy import stats

from infonce_gauss.simulations.sampling import uniform_sphere
from infonce_gauss.simulations.uniformity import bingham_test, phi_gap, rayleigh_test


def test_false_alarm_rate_matches_level():
    # 1000 null replicates at level 0.05: the rejection count is Binomial(1000, 0.05) (sd 6.9);
    # accept within 4 sd. A wrong df or scaling moves it by far more (e.g. df d-1 -> ~0.09).
    rng = np.random.default_rng(11)
    p = np.array([[t(u).pvalue for t in (rayleigh_test, bingham_test)]
                  for u in (uniform_sphere(400, 4, rng=rng) for _ in range(1000))])
    rejections = (p < 0.05).sum(axis=0)
    assert np.all(np.abs(rejections - 50) <= 4 * np.sqrt(1000 * 0.05 * 0.95)), rejections


def test_effect_sizes_are_exact_moments():
    u = np.eye(3)[[0, 0, 1, 1]]  # mean (1/2, 1/2, 0): |m|^2 = 1/2; S = diag(1/2, 1/2, 0): d tr S^2 - 1 = 1/2
    assert rayleigh_test(u).effect == pytest.approx(0.5)
    assert bingham_test(u).effect == pytest.approx(0.5)


def test_power_against_a_tilted_and_an_axial_law():
    rng = np.random.default_rng(3)
    tilted = uniform_sphere(2000, 8, rng=rng) + np.r_[0.3, np.zeros(7)]
    axial = uniform_sphere(2000, 8, rng=rng) * np.r_[2.0, np.ones(7)]  # symmetric, anisotropic
    assert rayleigh_test(tilted).pvalue < 1e-6
    assert rayleigh_test(axial).pvalue > 1e-3
    assert bingham_test(axial).pvalue < 1e-6


def test_statistic_follows_chi2_with_d_degrees_of_freedom():
    rng = np.random.default_rng(5)
    stat = [rayleigh_test(uniform_sphere(300, 6, rng=rng)).statistic for _ in range(600)]
    assert stats.kstest(stat, stats.chi2(6).cdf).pvalue > 1e-3


@pytest.mark.parametrize("bad, message", [
    (np.ones(5), "shape"),
    (np.ones((5, 1)), "d >= 2"),
    (np.array([[1.0, np.nan], [0.0, 1.0]]), "NaN"),
    (np.array([[0.0, 0.0], [0.0, 1.0]]), "zero norm"),
])
def test_bad_input_is_explained(bad, message):
    with pytest.raises(ValueError, match=message):
        rayleigh_test(bad)


def test_phi_gap_uniform_and_concentrated():
    rng = np.random.default_rng(18)
    uniform = phi_gap(uniform_sphere(400, 16, rng=rng), replicates=10, seed=1)
    assert abs(uniform["excess"]) <= 4 * uniform["null_gap_sd"]
    cone = uniform_sphere(400, 16, rng=rng) + 2 * np.eye(16)[0]
    cone /= np.linalg.norm(cone, axis=1, keepdims=True)
    tilted = phi_gap(cone, replicates=10, seed=1)
    m2 = float(np.sum(cone.mean(axis=0) ** 2))
    assert tilted["phi"] >= 10 * m2 - 0.05        # Jensen: Φ(μ) >= α||m||², α = 10
    assert tilted["excess"] > 50 * tilted["null_gap_sd"]
