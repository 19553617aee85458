"""Null pass rates of the coordinate tests (Gaussian and finite-d sphere laws) and the band of a pass fraction."""

import math

import numpy as np
import pytest
from scipy import stats

from infonce_gauss.simulations.null_rates import null_columns, null_pass_rates, pass_rate_band
from infonce_gauss.simulations.univariate import coordinate_tests


def test_null_pass_rates_gaussian_and_sphere():
    gauss = null_pass_rates(2000, 8, law="gaussian", replicates=600, seed=3)
    sphere = null_pass_rates(2000, 8, law="sphere", replicates=600, seed=4)
    assert abs(gauss.ad_pass.value - 0.95) <= 4 * gauss.ad_pass.se
    assert abs(gauss.dp_pass.value - 0.95) <= 4 * gauss.dp_pass.se
    # sphere coordinates at d = 8 have excess kurtosis -6/(d+2) = -0.6; DP's noncentrality is about
    # 1.5 n/(d+2)^2 = 30, so almost every coordinate fails.
    assert sphere.dp_pass.value < 0.05
    assert sphere.ad_pass.value < gauss.ad_pass.value - 4 * math.hypot(sphere.ad_pass.se, gauss.ad_pass.se)

def test_sphere_null_columns_have_the_sphere_moments():
    cols = null_columns(200_000, 10, 1, law="sphere", rng=5)[0]
    assert cols.var() == pytest.approx(1.0, abs=0.01)              # Var(sqrt(d) U_1) = 1
    assert stats.kurtosis(cols) == pytest.approx(-6 / 12, abs=0.03)  # -6/(d+2)

def test_pass_rate_band_covers_independent_null_columns():
    # 300 replicate "embeddings" of 64 independent Gaussian coordinates: the observed DP pass fraction
    # lies inside the 95% band in at least 95% of them (up to 4 binomial sd).
    rate = null_pass_rates(200, 64, law="gaussian", replicates=2000, seed=6).dp_pass
    lo, hi = pass_rate_band(rate, 64)
    rng = np.random.default_rng(7)
    inside = sum(lo <= coordinate_tests(rng.standard_normal((64, 200)), columns_first=True).dp_pass.mean() <= hi
                 for _ in range(300))
    assert inside >= 300 * 0.95 - 4 * math.sqrt(300 * 0.05 * 0.95)
