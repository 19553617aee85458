"""Coordinate, projection and multivariate normality tests: agreement with SciPy, calibration under
their nulls (false-alarm rate = level within binomial error), power on alternatives, exact identities."""

import math
import zlib
import warnings

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats

from infonce_gauss.simulations import gaussianity as g
from infonce_gauss.simulations.sampling import uniform_sphere


def _scipy_ad(col):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return stats.anderson(np.asarray(col, dtype=np.float64), dist="norm").statistic


def _within(count, trials, p, sds=4.0):
    """|count - trials·p| within ``sds`` binomial standard deviations."""
    return abs(count - trials * p) <= sds * math.sqrt(trials * p * (1 - p))


# ------------------------------------------------------------------ agreement with SciPy

@pytest.mark.parametrize("n", [20, 137, 5000])
def test_ad_and_dp_match_scipy_per_column(n):
    rng = np.random.default_rng(n)
    x = np.column_stack([rng.standard_normal(n), rng.laplace(size=n), rng.standard_t(2, size=n),
                         rng.uniform(size=n), rng.exponential(size=n) * 1e6, rng.standard_normal(n) + 1e4])
    x[0, 2] = 1e3  # a far outlier: the lower tail underflows ndtr and must fall back to log_ndtr
    res = g.coordinate_tests(x)
    np.testing.assert_allclose(res.ad, [_scipy_ad(c) for c in x.T], rtol=1e-9)
    ref = stats.normaltest(x, axis=0)
    np.testing.assert_allclose(res.dp_statistic, ref.statistic, rtol=1e-9)
    np.testing.assert_allclose(res.dp_pvalue, ref.pvalue, rtol=1e-8, atol=1e-300)
    np.testing.assert_allclose(res.skewness, stats.skew(x, axis=0), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(res.excess_kurtosis, stats.kurtosis(x, axis=0), rtol=1e-9, atol=1e-9)


@given(arrays(np.float64, st.tuples(st.integers(20, 120), st.integers(1, 3)),
              elements=st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)))
def test_ad_matches_scipy_on_arbitrary_columns(x):
    assume(np.all(x.std(axis=0) > 1e-3))
    np.testing.assert_allclose(g.coordinate_tests(x).ad, [_scipy_ad(c) for c in x.T], rtol=1e-8, atol=1e-10)


def test_float32_columns_threads_and_column_layout_agree():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((300, 40)).astype(np.float32)
    one = g.coordinate_tests(x, workers=1)
    two = g.coordinate_tests(np.ascontiguousarray(x.T), columns_first=True, workers=2)
    np.testing.assert_array_equal(one.ad, two.ad)
    np.testing.assert_allclose(one.ad, [_scipy_ad(c) for c in x.T], rtol=1e-9)  # sorted in float32, tested in float64


def test_paper_columns_are_means_and_pass_percentages():
    tests = g.CoordinateTests(ad=np.array([0.3, 0.8, 0.7, 2.0]), dp_statistic=np.zeros(4),
                              dp_pvalue=np.array([0.5, 0.01, 0.2, 0.06]), skewness=np.zeros(4),
                              excess_kurtosis=np.zeros(4), n=100)
    cols = g.paper_columns(tests)
    assert (cols.ad_avg, cols.ad_pass_pct, cols.dp_avg, cols.dp_pass_pct) == pytest.approx((0.95, 50.0, 0.1925, 75.0))


@pytest.mark.parametrize("bad, message", [
    (np.ones(30), "2-D"),
    (np.ones((10, 3)), "at least 20"),
    (np.column_stack([np.arange(30.0), np.full(30, 2.0)]), "constant"),
])
def test_bad_input_is_explained(bad, message):
    with pytest.raises(ValueError, match=message):
        g.coordinate_tests(bad)


# ------------------------------------------------------------------ calibration of the coordinate tests

def test_coordinate_tests_false_alarm_rate_is_five_percent():
    # 0.752 is D'Agostino & Stephens' (1986, Table 4.7) 5% point of case 3 and normaltest's p is uniform
    # under the null: 3000 N(0,1) columns of n = 400 reject at 5% each, within 4 binomial sd.
    res = g.coordinate_tests(np.random.default_rng(2).standard_normal((3000, 400)), columns_first=True)
    assert _within(int(np.sum(~res.ad_pass)), 3000, 0.05)
    assert _within(int(np.sum(~res.dp_pass)), 3000, 0.05)


def test_null_pass_rates_gaussian_and_sphere():
    gauss = g.null_pass_rates(2000, 8, law="gaussian", replicates=600, seed=3)
    sphere = g.null_pass_rates(2000, 8, law="sphere", replicates=600, seed=4)
    assert abs(gauss.ad_pass.value - 0.95) <= 4 * gauss.ad_pass.se
    assert abs(gauss.dp_pass.value - 0.95) <= 4 * gauss.dp_pass.se
    # sphere coordinates at d = 8 have excess kurtosis -6/(d+2) = -0.6; DP's noncentrality is about
    # 1.5 n/(d+2)^2 = 30, so almost every coordinate fails.
    assert sphere.dp_pass.value < 0.05
    assert sphere.ad_pass.value < gauss.ad_pass.value - 4 * math.hypot(sphere.ad_pass.se, gauss.ad_pass.se)


def test_sphere_null_columns_have_the_sphere_moments():
    cols = g.null_columns(200_000, 10, 1, law="sphere", rng=5)[0]
    assert cols.var() == pytest.approx(1.0, abs=0.01)              # Var(sqrt(d) U_1) = 1
    assert stats.kurtosis(cols) == pytest.approx(-6 / 12, abs=0.03)  # -6/(d+2)


def test_pass_rate_band_covers_independent_null_columns():
    # 300 replicate "embeddings" of 64 independent Gaussian coordinates: the observed DP pass fraction
    # lies inside the 95% band in at least 95% of them (up to 4 binomial sd).
    rate = g.null_pass_rates(200, 64, law="gaussian", replicates=2000, seed=6).dp_pass
    lo, hi = g.pass_rate_band(rate, 64)
    rng = np.random.default_rng(7)
    inside = sum(lo <= g.coordinate_tests(rng.standard_normal((64, 200)), columns_first=True).dp_pass.mean() <= hi
                 for _ in range(300))
    assert inside >= 300 * 0.95 - 4 * math.sqrt(300 * 0.05 * 0.95)


# ------------------------------------------------------------------ projections

@pytest.mark.parametrize("a_star, level", [(0.631, 0.10), (0.752, 0.05), (0.873, 0.025), (1.035, 0.01)])
def test_anderson_pvalue_reproduces_the_critical_values(a_star, level):
    # D'Agostino & Stephens (1986) Table 4.7, case 3: A* = A^2 (1 + 0.75/n + 2.25/n^2) critical points.
    n = 10**6
    assert g.anderson_pvalue(a_star / (1 + 0.75 / n + 2.25 / n**2), n) == pytest.approx(level, rel=0.04)


def test_anderson_pvalue_is_monotone_and_finite_for_huge_statistics():
    a = np.geomspace(1e-3, 1e6, 2000)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow in any branch
        p = g.anderson_pvalue(a, 500)
    assert np.all(np.diff(p) <= 0) and p[0] > 0.999 and 0 <= p[-1] < 1e-150


def test_anderson_pvalue_is_calibrated():
    res = g.coordinate_tests(np.random.default_rng(8).standard_normal((3000, 150)), columns_first=True)
    p = g.anderson_pvalue(res.ad, 150)
    for level in (0.01, 0.05, 0.10):
        assert _within(int(np.sum(p <= level)), 3000, level), level


def test_random_directions_are_orthonormal():
    w = g.random_directions(20, 7, rng=9)
    np.testing.assert_allclose(w.T @ w, np.eye(7), atol=1e-12)


def test_projection_family_false_alarm_rate():
    # Orthonormal projections of an isotropic Gaussian are independent N(0,1) columns, so Bonferroni's
    # family rejects with probability 1 - (1 - 0.05/16)^16 = 0.0488.
    rng = np.random.default_rng(10)
    level = 1 - (1 - 0.05 / 16) ** 16
    rejected = sum(g.projection_tests(rng.standard_normal((300, 16)) @ g.random_directions(16, 16, rng=rng)).rejected
                   for _ in range(800))
    assert _within(rejected, 800, level)


def test_projection_power_on_low_dimensional_structure():
    rng = np.random.default_rng(11)
    laplace = rng.laplace(size=(3000, 3))
    mixture = rng.standard_normal((3000, 16)) + np.outer(rng.choice([-3.0, 3.0], 3000), np.ones(16) / 4)
    for x in (laplace, mixture):
        w = g.random_directions(x.shape[1], x.shape[1], rng=rng)
        assert g.projection_tests(x @ w).rejected


# ------------------------------------------------------------------ multivariate tests

def test_mardia_matches_the_pairwise_definition():
    x = np.random.default_rng(12).standard_normal((60, 3)) ** 2
    y = g.standardize(x)
    b1 = np.mean((y @ y.T) ** 3)   # Mardia (1970): (1/m^2) sum_ij (y_i . y_j)^3
    b2 = np.mean(np.sum(y * y, axis=1) ** 2)
    skew, kurt = g.mardia_tests(x)
    assert skew.effect == pytest.approx(b1, rel=1e-10)
    assert kurt.effect == pytest.approx(b2 / 15 - 1, rel=1e-10)


def test_bhep_chunked_equals_the_full_double_sum():
    y = g.standardize(np.random.default_rng(13).standard_normal((90, 4)))
    beta = 0.8
    d2 = np.sum((y[:, None, :] - y[None, :, :]) ** 2, axis=2)
    full = (np.exp(-beta**2 / 2 * d2).sum() / 90 - 2 * (1 + beta**2) ** -2 * np.exp(-beta**2 * np.sum(y * y, 1) / (2 * (1 + beta**2))).sum()
            + 90 * (1 + 2 * beta**2) ** -2)
    assert g.bhep_statistic(y, beta, chunk_rows=7) == pytest.approx(full, rel=1e-12)


def test_mean_distance_to_gaussian_closed_form():
    a = np.array([0.0, 1.5, 4.0])
    z = np.random.default_rng(14).standard_normal((400_000, 3))
    mc = [np.linalg.norm(z - np.r_[r, 0, 0], axis=1).mean() for r in a]
    np.testing.assert_allclose(g._mean_distance_to_gaussian(a**2, 3), mc, rtol=3e-3)


@pytest.mark.parametrize("name", ["mardia_skewness", "mardia_kurtosis", "henze_zirkler", "energy"])
def test_multivariate_false_alarm_rates(name):
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    m, k, reps = (60, 3, 250) if name == "energy" else (300, 4, 500)

    def p_value(x):
        if name == "henze_zirkler":
            return g.henze_zirkler(x).pvalue
        if name == "energy":
            return g.energy_test(x, replicates=39, seed=int(rng.integers(2**31))).pvalue
        return dict((t.name, t.pvalue) for t in g.mardia_tests(x))[name]

    rejected = sum(p_value(rng.standard_normal((m, k)) @ rng.standard_normal((k, k))) <= 0.05 for _ in range(reps))
    assert _within(rejected, reps, 0.05), rejected


def test_multivariate_power_on_alternatives():
    rng = np.random.default_rng(15)
    laplace = rng.laplace(size=(800, 4))
    skewed = rng.exponential(size=(800, 4))
    mixture = rng.standard_normal((800, 4)) + np.outer(rng.choice([-2.5, 2.5], 800), [1, 0, 0, 0])
    sphere = uniform_sphere(2000, 6, rng=rng)[:, :4]  # platykurtic: a k-projection of the 6-d sphere
    assert dict((t.name, t.pvalue) for t in g.mardia_tests(laplace))["mardia_kurtosis"] < 1e-6
    assert dict((t.name, t.pvalue) for t in g.mardia_tests(skewed))["mardia_skewness"] < 1e-6
    assert g.henze_zirkler(mixture).pvalue < 1e-6
    assert g.energy_test(mixture[:300], replicates=99).pvalue <= 0.01
    kurt = g.mardia_tests(sphere)[1]
    assert kurt.pvalue < 1e-6 and kurt.effect < 0


def test_standardize_rejects_singular_samples():
    x = np.random.default_rng(16).standard_normal((50, 3))
    with pytest.raises(ValueError, match="singular"):
        g.standardize(np.column_stack([x, x[:, 0]]))
    with pytest.raises(ValueError, match="more samples"):
        g.standardize(x[:3])


# ------------------------------------------------------------------ radius, spectrum, Φ

def test_thin_shell_against_the_chi_reference():
    rng = np.random.default_rng(17)
    gauss = g.thin_shell(np.linalg.norm(rng.standard_normal((40_000, 64)), axis=1), 64)
    assert abs(gauss["ratio"] - 1) <= 4 * gauss["ratio_se"]
    assert abs(gauss["implied_excess_kurtosis"]) < 0.03      # 0 for the Gaussian
    fixed = g.thin_shell(np.full(100, 3.0) + 1e-11 * np.arange(100), 64)
    assert fixed["cv"] < 1e-6  # cv_estimate uses raw moments: its floor is about sqrt(machine eps)
    assert fixed["implied_excess_kurtosis"] == pytest.approx(-6 / 66, abs=1e-6)  # the sphere's -6/(d+2)


def test_spectrum_summary_exact_cases():
    iso = g.spectrum_summary(np.full(10, 2.0))
    assert iso["effective_rank"] == pytest.approx(10) and iso["participation_ratio"] == pytest.approx(10)
    spike = g.spectrum_summary(np.r_[1.0, np.zeros(9)])
    assert spike["effective_rank"] == pytest.approx(1) and spike["participation_ratio"] == pytest.approx(1)
    with pytest.raises(ValueError, match="constant"):
        g.spectrum_summary(np.zeros(4))


def test_phi_gap_uniform_and_concentrated():
    rng = np.random.default_rng(18)
    uniform = g.phi_gap(uniform_sphere(400, 16, rng=rng), replicates=10, seed=1)
    assert abs(uniform["excess"]) <= 4 * uniform["null_gap_sd"]
    cone = uniform_sphere(400, 16, rng=rng) + 2 * np.eye(16)[0]
    cone /= np.linalg.norm(cone, axis=1, keepdims=True)
    tilted = g.phi_gap(cone, replicates=10, seed=1)
    m2 = float(np.sum(cone.mean(axis=0) ** 2))
    assert tilted["phi"] >= 10 * m2 - 0.05        # Jensen: Φ(μ) >= α||m||², α = 10
    assert tilted["excess"] > 50 * tilted["null_gap_sd"]


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
    for ours, ref in zip(g.mardia_tests(y), g.mardia_tests(x)):
        assert ours.statistic == pytest.approx(ref.statistic, rel=1e-5)
    assert g.henze_zirkler(y).statistic == pytest.approx(g.henze_zirkler(x).statistic, rel=1e-5)
    np.testing.assert_allclose(g.standardize(x), np.linalg.solve(np.linalg.cholesky(np.cov(x.T, bias=True)),
                                                                  (x - x.mean(0)).T).T, atol=1e-10)
