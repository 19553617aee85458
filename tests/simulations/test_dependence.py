"""Design effects and null bands of per-coordinate summaries under dependent coordinates."""

import math

import numpy as np
import pytest
from hypothesis import given, strategies as st
from scipy import stats

from infonce_gauss.encoder_check.calibration import outcome_map
from infonce_gauss.simulations import dependence as dep
from infonce_gauss.simulations.null_rates import null_pass_rates, pass_rate_band
from infonce_gauss.simulations.estimates import Estimate


def _factor_correlation(d, seed=1):
    load = np.random.default_rng(seed).standard_normal((d, 3))
    cov = load @ load.T + 0.01 * np.eye(d)
    s = 1 / np.sqrt(np.diag(cov))
    return cov * s[:, None] * s[None, :]


def test_factor_model_is_exact_at_full_rank_and_keeps_unit_variances_at_low_rank():
    r = _factor_correlation(12)
    loadings, noise = dep.factor_model(r)
    assert np.allclose(loadings @ loadings.T + np.diag(noise**2), r, atol=1e-10)
    low, rest = dep.factor_model(r, rank=3)
    assert low.shape == (12, 3)
    assert np.allclose(np.einsum("ij,ij->i", low, low) + rest**2, 1.0)


def test_correlated_columns_have_the_factor_models_covariance():
    r = _factor_correlation(6)
    cols = dep.correlated_columns(*dep.factor_model(r), 200_000, rng=3, dtype=np.float64)
    assert np.abs(np.cov(cols) - r).max() < 0.02  # sampling sd of a covariance entry at n = 2e5: <= 0.0032


def test_outcome_map_is_a_correlation_function_with_the_mehler_shape():
    m = outcome_map()
    for s in dep.SUMMARIES:
        assert math.isclose(sum(m.weights[s]), 1.0) and min(m.weights[s]) >= 0
        assert m(s, 1.0) == pytest.approx(1.0) and m(s, 0.0) == 0.0
        # location and scale are estimated, so no weight on r² (Mehler's first terms vanish): pairs of moderate
        # correlation barely share outcomes, nearly identical ones do; ρ rises with |r|
        assert m(s, 0.5) < 0.1 and m(s, 0.99) > 0.4
        grid = np.linspace(0, 1, 21)
        assert np.all(np.diff(m(s, grid)) >= 0)


@given(st.integers(2, 12), st.floats(-0.99, 0.99))
def test_design_effect_runs_from_one_to_d(d, r):
    m = outcome_map()
    identical, independent = dep.design_effects(np.ones((d, d)), m), dep.design_effects(np.eye(d), m)
    equi = dep.design_effects(np.full((d, d), r) + (1 - r) * np.eye(d), m)
    for s in dep.SUMMARIES:
        assert identical[s] == pytest.approx(d) and independent[s] == pytest.approx(1.0)
        assert 1.0 - 1e-9 <= equi[s] <= d + 1e-9
        assert equi[s] == pytest.approx(1 + (d - 1) * m(s, r))  # equicorrelated: D = 1 + (d − 1) ρ(r)


def test_band_of_independent_coordinates_is_the_binomial_band():
    rate = Estimate(0.94, 0.004, 1000)
    band = dep.summary_band("dp_pass", d=64, design_effect=1.0, mean=rate.value, mean_se=rate.se)
    assert (band.low, band.high) == pass_rate_band(rate, 64)
    one = dep.summary_band("ad_pass", d=64, design_effect=64.0, mean=0.95)  # identical coordinates: one Bernoulli
    assert (one.low, one.high) == (0.0, 1.0) and one.effective == pytest.approx(1.0)


def test_beta_binomial_variance_matches_the_design_effect():
    # the beta-binomial with intra-class correlation (D − 1)/(d − 1) has Var(count) = d p(1 − p) D
    d, p, deff = 64, 0.95, 7.5
    rho = (deff - 1) / (d - 1)
    law = stats.betabinom(d, p * (1 / rho - 1), (1 - p) * (1 / rho - 1))
    assert law.var() == pytest.approx(d * p * (1 - p) * deff)
    assert dep.share_lower_tail(50, d=d, design_effect=deff, rate=p) == pytest.approx(law.cdf(50))


def test_map_fitted_at_small_n_predicts_the_variance_at_larger_n():
    # The map is simulated once at n = 500; the Monte Carlo variance of the DP and AD pass shares and of the mean
    # A² at n = 3000 under the factor correlation (participation ratio ~3) agrees with σ²D/d within its sampling
    # error (400 replicates: the variance of a variance is ~2σ⁴/R, i.e. a relative SE of 7%; 4 SE allowed).
    r = _factor_correlation(32)
    m = outcome_map()
    deff = dep.design_effects(r, m)
    law = dep.null_summaries(r, n=3000, replicates=400, seed=11)
    rates = null_pass_rates(3000, 32, law="gaussian", replicates=2000, seed=12)
    for i, s in enumerate(dep.SUMMARIES[:3]):
        est = getattr(rates, s)
        one = est.value * (1 - est.value) if s.endswith("_pass") else (est.se * math.sqrt(rates.replicates)) ** 2
        predicted = one * deff[s] / 32
        assert law[:, i].var(ddof=1) == pytest.approx(predicted, rel=4 * math.sqrt(2 / 400) + 0.1), s
    assert deff["dp_pass"] > 3  # far from independent: the band must widen


def test_participation_ratio():
    # the participation ratio (tr R)²/‖R‖²_F of a correlation matrix is d/P₂
    assert 10 / dep.power_sums(np.eye(10))[2] == pytest.approx(10)
    assert 10 / dep.power_sums(np.ones((10, 10)))[2] == pytest.approx(1)


@pytest.mark.parametrize("bad", [np.ones((3, 4)), np.full((2, 2), np.nan), np.ones(3)])
def test_bad_correlation_is_refused(bad):
    with pytest.raises(ValueError, match="square"):
        dep.design_effects(bad, outcome_map())


# --- power sums, the summary SE under dependence -------------------------------------------------

@given(st.integers(2, 40), st.floats(-0.99, 0.99))
def test_power_sums_have_their_closed_forms(d, r):
    # (1/d)Σ_jl R_jl^k: d diagonal ones over d for R = I; d² ones over d for the all-ones matrix; for the
    # equicorrelated matrix d ones and d(d − 1) entries r^k over d, i.e. 1 + (d − 1) r^k
    equi = np.full((d, d), r) + (1 - r) * np.eye(d)
    for k, value in dep.power_sums(np.eye(d)).items():
        assert value == 1.0
    for k, value in dep.power_sums(np.ones((d, d))).items():
        assert value == pytest.approx(d)
    for k, value in dep.power_sums(equi).items():
        assert value == pytest.approx(1 + (d - 1) * r**k, rel=1e-9, abs=1e-12)


def test_design_effects_are_the_weighted_power_sums():
    r, m = _factor_correlation(20), outcome_map()
    sums = dep.power_sums(r)
    by_hand = {s: sum(w * float(np.sum(r**k)) / 20 for w, k in zip(m.weights[s], dep.POWERS)) for s in dep.SUMMARIES}
    assert dep.design_effects(r, m) == pytest.approx(by_hand, rel=1e-12)
    assert dep.weighted_design_effects({str(k): v for k, v in sums.items()}, m) == pytest.approx(by_hand, rel=1e-12)
    assert dep.weighted_design_effects(dep.power_sums(np.eye(20)), m) == pytest.approx(dict.fromkeys(dep.SUMMARIES, 1.0))
    with pytest.raises(ValueError, match="powers"):
        dep.weighted_design_effects({2: 1.0}, m)


@given(st.integers(2, 16), st.integers(1, 5), st.integers(0, 2**32 - 1), st.floats(0.0, 1.0))
def test_every_correlation_matrix_has_power_sums_and_design_effects_between_1_and_d(d, rank, seed, noise):
    # every k in POWERS is even, so each off-diagonal R_jl^k is >= 0 and <= 1: 1 <= P_k <= d, and P_k does not
    # grow with k; with non-negative weights summing to 1, D = Σ w_k P_k lies in [1, d] too (any symmetric R with
    # unit diagonal and |R_jl| <= 1; positive semi-definiteness is not needed)
    load = np.random.default_rng(seed).standard_normal((d, rank))
    cov = load @ load.T + noise * np.eye(d)  # rank-deficient at noise = 0
    r = cov / np.sqrt(np.outer(np.diag(cov), np.diag(cov)))
    sums = np.array(list(dep.power_sums(r).values()))
    assert np.all(sums >= 1.0) and np.all(sums <= d * (1 + 1e-12)) and np.all(np.diff(sums) <= 1e-12)
    for s, deff in dep.design_effects(r, outcome_map()).items():
        assert 1.0 - 1e-12 <= deff <= d * (1 + 1e-12)
        se = dep.summary_se(0.3, d=d, design_effect=min(deff, d - 1e-6))
        assert se >= 0.3 / math.sqrt(d) * (1 - 1e-12)  # corrected SE >= the independent sd/√d


def test_summary_se_of_exchangeable_values_matches_their_law():
    # d exchangeable values s_j = a + b_j (a, b_j independent normals): Var S = Var a + Var b / d, D = d·Var S / σ²
    # with σ² = Var a + Var b; the corrected SE from the sample SD averages (in variance) to Var S exactly
    d, va, vb, reps = 16, 0.3, 0.7, 20_000
    gen = np.random.default_rng(5)
    values = np.sqrt(va) * gen.standard_normal((reps, 1)) + np.sqrt(vb) * gen.standard_normal((reps, d))
    deff = d * (va + vb / d) / (va + vb)
    var_se = np.mean([dep.summary_se(1.0, d=d, design_effect=deff) ** 2 * v for v in values.var(axis=1, ddof=1)])
    assert var_se == pytest.approx(va + vb / d, rel=0.03)  # 2e4 replicates: relative SE of the mean of s² ~ 1%
    assert values.mean(axis=1).var() == pytest.approx(va + vb / d, rel=0.03)
    assert dep.summary_se(0.5, d=d, design_effect=1.0) == pytest.approx(0.5 / 4)
    assert math.isnan(dep.summary_se(0.5, d=d, design_effect=d))
    with pytest.raises(ValueError, match="design_effect"):
        dep.summary_se(0.5, d=d, design_effect=0.5)


def test_column_correlation_is_the_sample_correlation_with_constant_columns_uncorrelated():
    x = np.random.default_rng(2).standard_normal((300, 5))
    x[:, 1] += x[:, 0]
    assert np.allclose(dep.column_correlation(x), np.corrcoef(x.T), atol=1e-12)
    x[:, 3] = 7.0
    r = dep.column_correlation(x)
    assert r[3, 3] == 1.0 and np.all(r[3, [0, 1, 2, 4]] == 0) and np.all(r[[0, 1, 2, 4], 3] == 0)
    with pytest.raises(ValueError, match="rows"):
        dep.column_correlation(np.ones((1, 3)))
