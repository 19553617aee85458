"""Multivariate normality tests (Mardia, Henze–Zirkler, energy): exact identities, calibration under
their nulls (false-alarm rate = level within binomial error), power on alternatives, ill conditioning."""

import zlib

import numpy as np
import pytest

from infonce_gauss.simulations.multivariate import (_mean_distance_to_gaussian, bhep_statistic, energy_test, henze_zirkler,
                                                   mardia_tests, standardize)
from infonce_gauss.simulations.sampling import uniform_sphere


def test_mardia_matches_the_pairwise_definition():
    x = np.random.default_rng(12).standard_normal((60, 3)) ** 2
    y = standardize(x)
    b1 = np.mean((y @ y.T) ** 3)   # Mardia (1970): (1/m^2) sum_ij (y_i . y_j)^3
    b2 = np.mean(np.sum(y * y, axis=1) ** 2)
    skew, kurt = mardia_tests(x)
    assert skew.effect == pytest.approx(b1, rel=1e-10)
    assert kurt.effect == pytest.approx(b2 / 15 - 1, rel=1e-10)

def test_bhep_chunked_equals_the_full_double_sum():
    y = standardize(np.random.default_rng(13).standard_normal((90, 4)))
    beta = 0.8
    d2 = np.sum((y[:, None, :] - y[None, :, :]) ** 2, axis=2)
    full = (np.exp(-beta**2 / 2 * d2).sum() / 90 - 2 * (1 + beta**2) ** -2 * np.exp(-beta**2 * np.sum(y * y, 1) / (2 * (1 + beta**2))).sum()
            + 90 * (1 + 2 * beta**2) ** -2)
    assert bhep_statistic(y, beta, chunk_rows=7) == pytest.approx(full, rel=1e-12)

def test_mean_distance_to_gaussian_closed_form():
    a = np.array([0.0, 1.5, 4.0])
    z = np.random.default_rng(14).standard_normal((400_000, 3))
    mc = [np.linalg.norm(z - np.r_[r, 0, 0], axis=1).mean() for r in a]
    np.testing.assert_allclose(_mean_distance_to_gaussian(a**2, 3), mc, rtol=3e-3)

@pytest.mark.parametrize("name", ["mardia_skewness", "mardia_kurtosis", "henze_zirkler", "energy"])
def test_multivariate_false_alarm_rates(name, within):
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    m, k, reps = (60, 3, 250) if name == "energy" else (300, 4, 500)

    def p_value(x):
        if name == "henze_zirkler":
            return henze_zirkler(x).pvalue
        if name == "energy":
            return energy_test(x, replicates=39, seed=int(rng.integers(2**31))).pvalue
        return dict((t.name, t.pvalue) for t in mardia_tests(x))[name]

    rejected = sum(p_value(rng.standard_normal((m, k)) @ rng.standard_normal((k, k))) <= 0.05 for _ in range(reps))
    assert within(rejected, reps, 0.05), rejected

def test_multivariate_power_on_alternatives():
    rng = np.random.default_rng(15)
    laplace = rng.laplace(size=(800, 4))
    skewed = rng.exponential(size=(800, 4))
    mixture = rng.standard_normal((800, 4)) + np.outer(rng.choice([-2.5, 2.5], 800), [1, 0, 0, 0])
    sphere = uniform_sphere(2000, 6, rng=rng)[:, :4]  # platykurtic: a k-projection of the 6-d sphere
    assert dict((t.name, t.pvalue) for t in mardia_tests(laplace))["mardia_kurtosis"] < 1e-6
    assert dict((t.name, t.pvalue) for t in mardia_tests(skewed))["mardia_skewness"] < 1e-6
    assert henze_zirkler(mixture).pvalue < 1e-6
    assert energy_test(mixture[:300], replicates=99).pvalue <= 0.01
    kurt = mardia_tests(sphere)[1]
    assert kurt.pvalue < 1e-6 and kurt.effect < 0

def test_standardize_rejects_singular_samples():
    x = np.random.default_rng(16).standard_normal((50, 3))
    with pytest.raises(ValueError, match="singular"):
        standardize(np.column_stack([x, x[:, 0]]))
    with pytest.raises(ValueError, match="more samples"):
        standardize(x[:3])

def test_affine_invariant_tests_survive_ill_conditioning():
    # Mardia's b1, b2 and Henze–Zirkler's statistic are affine invariant, so on x A + b they equal their values
    # on x exactly in exact arithmetic. With cond(A) = 3e7 (cond(S) ≈ 1e15 would be refused; 9e14 is not), a
    # QR standardization keeps them to ~1e-6, where a Cholesky factor of S (squared condition number) moved
    # them by percents.
    rng = np.random.default_rng(12)
    x = rng.standard_normal((4000, 6))
    q = np.linalg.qr(rng.standard_normal((6, 6)))[0]
    a = (q * np.logspace(0, np.log10(3e7), 6)) @ np.linalg.qr(rng.standard_normal((6, 6)))[0]
    y = x @ a + 1e3
    for ours, ref in zip(mardia_tests(y), mardia_tests(x)):
        assert ours.statistic == pytest.approx(ref.statistic, rel=1e-5)
    assert henze_zirkler(y).statistic == pytest.approx(henze_zirkler(x).statistic, rel=1e-5)
    np.testing.assert_allclose(standardize(x), np.linalg.solve(np.linalg.cholesky(np.cov(x.T, bias=True)),
                                                                  (x - x.mean(0)).T).T, atol=1e-10)
