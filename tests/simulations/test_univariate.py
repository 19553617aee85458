"""Per-coordinate normality tests (Anderson–Darling, D'Agostino–Pearson): agreement with SciPy, the paper's
columns, input errors, calibration under the null (false-alarm rate = level within binomial error)."""

import warnings

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats

from infonce_gauss.simulations.univariate import CoordinateTests, anderson_pvalue, coordinate_tests, paper_columns


def _scipy_ad(col):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return stats.anderson(np.asarray(col, dtype=np.float64), dist="norm").statistic

@pytest.mark.parametrize("n", [20, 137, 5000])
def test_ad_and_dp_match_scipy_per_column(n):
    rng = np.random.default_rng(n)
    x = np.column_stack([rng.standard_normal(n), rng.laplace(size=n), rng.standard_t(2, size=n),
                         rng.uniform(size=n), rng.exponential(size=n) * 1e6, rng.standard_normal(n) + 1e4])
    x[0, 2] = 1e3  # a far outlier: the lower tail underflows ndtr and must fall back to log_ndtr
    res = coordinate_tests(x)
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
    np.testing.assert_allclose(coordinate_tests(x).ad, [_scipy_ad(c) for c in x.T], rtol=1e-8, atol=1e-10)

def test_float32_columns_threads_and_column_layout_agree():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((300, 40)).astype(np.float32)
    one = coordinate_tests(x, workers=1)
    two = coordinate_tests(np.ascontiguousarray(x.T), columns_first=True, workers=2)
    np.testing.assert_array_equal(one.ad, two.ad)
    np.testing.assert_allclose(one.ad, [_scipy_ad(c) for c in x.T], rtol=1e-9)  # sorted in float32, tested in float64

def test_paper_columns_are_means_and_pass_percentages():
    tests = CoordinateTests(ad=np.array([0.3, 0.8, 0.7, 2.0]), dp_statistic=np.zeros(4),
                              dp_pvalue=np.array([0.5, 0.01, 0.2, 0.06]), skewness=np.zeros(4),
                              excess_kurtosis=np.zeros(4), n=100)
    cols = paper_columns(tests)
    assert (cols.ad_avg, cols.ad_pass_pct, cols.dp_avg, cols.dp_pass_pct) == pytest.approx((0.95, 50.0, 0.1925, 75.0))

@pytest.mark.parametrize("bad, message", [
    (np.ones(30), "2-D"),
    (np.ones((10, 3)), "at least 20"),
    (np.column_stack([np.arange(30.0), np.full(30, 2.0)]), "constant"),
])
def test_bad_input_is_explained(bad, message):
    with pytest.raises(ValueError, match=message):
        coordinate_tests(bad)

def test_coordinate_tests_false_alarm_rate_is_five_percent(within):
    # 0.752 is D'Agostino & Stephens' (1986, Table 4.7) 5% point of case 3 and normaltest's p is uniform
    # under the null: 3000 N(0,1) columns of n = 400 reject at 5% each, within 4 binomial sd.
    res = coordinate_tests(np.random.default_rng(2).standard_normal((3000, 400)), columns_first=True)
    assert within(int(np.sum(~res.ad_pass)), 3000, 0.05)
    assert within(int(np.sum(~res.dp_pass)), 3000, 0.05)

@pytest.mark.parametrize("a_star, level", [(0.631, 0.10), (0.752, 0.05), (0.873, 0.025), (1.035, 0.01)])
def test_anderson_pvalue_reproduces_the_critical_values(a_star, level):
    # D'Agostino & Stephens (1986) Table 4.7, case 3: A* = A^2 (1 + 0.75/n + 2.25/n^2) critical points.
    n = 10**6
    assert anderson_pvalue(a_star / (1 + 0.75 / n + 2.25 / n**2), n) == pytest.approx(level, rel=0.04)

def test_anderson_pvalue_is_monotone_and_finite_for_huge_statistics():
    a = np.geomspace(1e-3, 1e6, 2000)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow in any branch
        p = anderson_pvalue(a, 500)
    assert np.all(np.diff(p) <= 0) and p[0] > 0.999 and 0 <= p[-1] < 1e-150

def test_anderson_pvalue_is_calibrated(within):
    res = coordinate_tests(np.random.default_rng(8).standard_normal((3000, 150)), columns_first=True)
    p = anderson_pvalue(res.ad, 150)
    for level in (0.01, 0.05, 0.10):
        assert within(int(np.sum(p <= level)), 3000, level), level


def test_the_papers_rule_is_strict_on_both_columns():
    from infonce_gauss.simulations.univariate import AD_THRESHOLD, DP_LEVEL, paper_rule

    assert paper_rule(0.38, 0.49)  # Table 1, Laplace column: Gaussian
    assert not paper_rule(1.64, 0.02)  # Table 1, binary E0: not
    assert not paper_rule(AD_THRESHOLD, 0.5) and not paper_rule(0.3, DP_LEVEL)  # both inequalities strict
