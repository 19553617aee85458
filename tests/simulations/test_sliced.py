"""Sliced Epps–Pulley: the quadrature against the closed form, the null law against Henze (1990)'s
approximation and the asymptotic mean, and the Bonferroni family's false-alarm rate."""

import numpy as np
import pytest
from hypothesis import given, strategies as st

from infonce_gauss.simulations.multivariate import bhep_statistic
from infonce_gauss.simulations.sliced import epps_pulley, epps_pulley_pvalue, sliced_epps_pulley


def _closed_form(x):
    y = (x - x.mean(axis=0)) / x.std(axis=0)
    return np.array([bhep_statistic(y[:, [j]], 1.0) for j in range(x.shape[1])])


@pytest.mark.parametrize("law, rtol", [("normal", 1e-4), ("laplace", 2e-3), ("uniform", 1e-3)])
def test_quadrature_equals_the_closed_form(law, rtol):
    # Epps & Pulley (1983): T = n ∫ |ψ_n(t) − e^{−t²/2}|² φ(t) dt = (1/n) Σ_jk e^{−(y_j−y_k)²/2} − √2 Σ_j e^{−y_j²/4} + n/√3
    x = getattr(np.random.default_rng(0), law)(size=(1500, 4))
    np.testing.assert_allclose(epps_pulley(x), _closed_form(x), rtol=rtol)


@given(st.floats(0.1, 100), st.floats(-50, 50))
def test_affine_invariance(scale, shift):
    x = np.random.default_rng(1).exponential(size=(400, 2))
    np.testing.assert_allclose(epps_pulley(scale * x + shift), epps_pulley(x), rtol=1e-4)


def test_null_mean_and_henze_pvalues_are_calibrated():
    # Under normality E T → 1 − 3^{-1/2}(1 + 1/3 + 1/6) = 1 − √3/2 (the BHEP mean at β = 1, k = 1);
    # Henze's Johnson S_B approximation gives p-values whose rejection rates match their levels.
    n, reps = 300, 4000
    t = epps_pulley(np.random.default_rng(2).standard_normal((n, reps)))
    assert abs(t.mean() - (1 - np.sqrt(3) / 2)) < 4 * t.std() / np.sqrt(reps)
    p = epps_pulley_pvalue(t, n)
    for level in (0.1, 0.05, 0.01):
        se = np.sqrt(level * (1 - level) / reps)
        assert abs((p <= level).mean() - level) < 4 * se, level


def test_bonferroni_family_holds_its_level():
    # 400 exact-null data sets, 32 directions each: the family rejects at most 5% of the time (+ 3 SE)
    rng = np.random.default_rng(3)
    w = np.linalg.qr(rng.standard_normal((32, 32)))[0]
    rejected = [sliced_epps_pulley(rng.standard_normal((200, 32)) @ w).pvalue <= 0.05 for _ in range(400)]
    assert np.mean(rejected) <= 0.05 + 3 * np.sqrt(0.05 * 0.95 / 400)


def test_sliced_test_detects_a_bimodal_direction():
    # A Gaussian mixture along one axis: some random directions see it
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3000, 8))
    x[:, 0] += 3 * rng.choice([-1, 1], size=3000)
    w = np.linalg.qr(rng.standard_normal((8, 8)))[0]
    assert sliced_epps_pulley(x @ w).pvalue < 1e-6
