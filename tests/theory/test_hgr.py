"""theory.hgr: maximal correlation closed forms, η₂ numerics and the solvable model, against independent facts.

Independent references used here: Rényi's axioms and Witsenhausen's tensorization (1975); the binary
symmetric channel's maximal correlation |1 − 2p| (e.g. Anantharam et al. 2013); Lancaster/Mehler for
Gaussian pairs (singular values |ρ|^k); Sheppard's formula E sign(X)sign(Y) = (2/π) arcsin ρ; Gaussian
integrals done by hand for the tail test functions; mpmath quadrature.
"""

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate

from infonce_gauss.theory import hgr as H


# ------------------------------------------------------------------ strategies
def _pmf(seed, shape):
    P = np.random.default_rng(seed).gamma(0.4, size=shape) + 1e-9
    return P / P.sum()


def _kernel(seed, n_in, n_out):
    K = np.random.default_rng(seed).gamma(0.4, size=(n_in, n_out)) + 1e-9
    return K / K.sum(axis=1, keepdims=True)


sizes = st.integers(2, 7)
seeds = st.integers(0, 2**32 - 1)


# ------------------------------------------------------------------ finite pmfs
@given(seeds, sizes, sizes)
def test_maximal_correlation_lies_in_unit_interval_and_is_symmetric(seed, a, b):
    P = _pmf(seed, (a, b))
    rho = H.pmf_maximal_correlation(P)
    assert 0.0 <= rho <= 1.0
    assert H.pmf_maximal_correlation(P.T) == pytest.approx(rho, abs=1e-12)
    perm = np.random.default_rng(seed).permutation(a)
    assert H.pmf_maximal_correlation(P[perm]) == pytest.approx(rho, abs=1e-12)


@given(seeds, sizes, sizes)
def test_product_pmfs_have_zero_maximal_correlation(seed, a, b):
    # Rényi: ρ_m = 0 iff independent.
    P = _pmf(seed, (a, b))
    assert H.pmf_maximal_correlation(np.outer(P.sum(1), P.sum(0))) < 1e-12


def test_a_deterministic_relation_has_maximal_correlation_one():
    # ρ_m = 1 when a non-constant function of X equals one of Y (X = Y here).
    assert H.pmf_maximal_correlation(np.diag([0.2, 0.3, 0.5])) == pytest.approx(1.0, abs=1e-12)


@given(seeds, sizes, sizes)
def test_singular_functions_are_orthonormal_and_diagonalize_the_joint_law(seed, a, b):
    P = _pmf(seed, (a, b))
    svd = H.pmf_svd(P)
    px, py = P.sum(1), P.sum(0)
    k = svd.values.size
    np.testing.assert_allclose(svd.left.T @ (px[:, None] * svd.left), np.eye(k), atol=1e-9)
    np.testing.assert_allclose(svd.right.T @ (py[:, None] * svd.right), np.eye(k), atol=1e-9)
    np.testing.assert_allclose(svd.left.T @ P @ svd.right, np.diag(svd.values), atol=1e-9)
    np.testing.assert_allclose(svd.left[:, 0], 1.0, atol=1e-9)


@given(seeds, sizes, sizes, sizes)
def test_tensorization_is_the_maximum(seed, a, b, c):
    # Witsenhausen (1975): ρ_m of independent pairs is the largest ρ_m.
    P, Q = _pmf(seed, (a, b)), _pmf(seed + 1, (c, a))
    expected = max(H.pmf_maximal_correlation(P), H.pmf_maximal_correlation(Q))
    assert H.pmf_maximal_correlation(H.product_pmf(P, Q)) == pytest.approx(expected, abs=1e-10)
    assert H.tensorized_maximal_correlation([H.pmf_maximal_correlation(P), H.pmf_maximal_correlation(Q)]) == pytest.approx(expected)


@given(seeds, sizes, sizes, sizes)
def test_data_processing_inequality_on_random_markov_chains(seed, a, b, c):
    px = _pmf(seed, (a,))
    K1, K2 = _kernel(seed + 1, a, b), _kernel(seed + 2, b, c)
    rho_xy = H.pmf_maximal_correlation(H.channel_pmf(px, K1))
    rho_yz = H.pmf_maximal_correlation(H.channel_pmf(px @ K1, K2))
    rho_xz = H.pmf_maximal_correlation(H.channel_pmf(px, K1 @ K2))
    assert rho_xz <= H.data_processing_bound(rho_xy, rho_yz) + 1e-12


@given(seeds, sizes, sizes)
def test_two_conditionally_iid_views_have_maximal_correlation_eta2(seed, a, b):
    # Views: ρ_m(X, Y) = ρ_m(X, X0)² exactly (the pair matrix is BᵀB).
    p0, K = _pmf(seed, (a,)), _kernel(seed + 1, a, b)
    channel = H.pmf_svd(H.channel_pmf(p0, K)).values
    views = H.pmf_svd(H.views_pmf(p0, K)).values
    k = min(channel.size, views.size)
    np.testing.assert_allclose(views[:k], channel[:k] ** 2, atol=1e-10)


@given(seeds, sizes, sizes, st.floats(0.01, 0.95))
def test_an_independent_erasure_multiplies_eta2_by_one_minus_p(seed, a, b, p):
    # The dropout identity of mixing_channel_eta2, checked on finite channels with an explicit atom.
    p0, K = _pmf(seed, (a,)), _kernel(seed + 1, a, b)
    erased = np.column_stack([(1 - p) * K, np.full(a, p)])
    eta = H.pmf_maximal_correlation(H.channel_pmf(p0, K)) ** 2
    assert H.pmf_maximal_correlation(H.channel_pmf(p0, erased)) ** 2 == pytest.approx((1 - p) * eta, abs=1e-10)


@given(st.floats(0.001, 0.999))
def test_binary_symmetric_channel_is_one_minus_two_p(p):
    # BSC with uniform input: ρ_m = |1 - 2p| (every function of a bit is affine).
    assert H.binary_channel_maximal_correlation(0.5, p, p) == pytest.approx(abs(1 - 2 * p), abs=1e-14)
    P = H.channel_pmf([0.5, 0.5], [[1 - p, p], [p, 1 - p]])
    assert H.pmf_maximal_correlation(P) == pytest.approx(abs(1 - 2 * p), abs=1e-12)


@given(st.floats(0.01, 0.99), st.floats(0.0, 0.9), st.floats(0.0, 0.9))
def test_binary_channel_closed_form_matches_the_pmf(q, f01, f10):
    P = H.channel_pmf([1 - q, q], [[1 - f01, f01], [f10, 1 - f10]])
    if abs(1 - f01 - f10) < 1e-9:
        return
    assert H.binary_channel_maximal_correlation(q, f01, f10) == pytest.approx(H.pmf_maximal_correlation(P), abs=1e-12)


def test_sparse_flip_eta2_formula():
    # Z-channel: η₂ = q(1-p)/(q + (1-q)p), worked by hand for q = 0.05, p = 0.001.
    assert H.binary_channel_maximal_correlation(0.05, 0.001, 0.0) ** 2 == pytest.approx(0.04995 / 0.05095, rel=1e-12)


@pytest.mark.parametrize(
    "bad, match",
    [
        (np.array([[0.5, -0.1], [0.3, 0.3]]), "negative"),
        (np.array([[0.5, 0.1], [0.3, 0.3]]), "normalize"),
        (np.array([0.5, 0.5]), "2-D"),
        (np.array([[0.5, 0.5], [0.0, 0.0]]), "constant"),
        (np.array([[np.nan, 0.5], [0.25, 0.25]]), "NaN"),
    ],
)
def test_bad_pmfs_raise_clear_errors(bad, match):
    with pytest.raises(ValueError, match=match):
        H.pmf_maximal_correlation(bad)


def test_bad_kernels_and_correlations_raise():
    with pytest.raises(ValueError, match="Markov kernel"):
        H.channel_pmf([0.5, 0.5], [[0.5, 0.6], [0.5, 0.5]])
    with pytest.raises(ValueError, match="shape"):
        H.views_pmf([0.5, 0.5], [[1.0]])
    with pytest.raises(ValueError, match="constant"):
        H.binary_channel_maximal_correlation(0.0, 0.1, 0.1)
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        H.gaussian_maximal_correlation(1.5)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        H.alignment_bound(1.2, 0.0)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        H.data_processing_bound(0.5, 1.5)
    with pytest.raises(ValueError, match="non-empty"):
        H.tensorized_maximal_correlation([])


# ------------------------------------------------------------------ Gaussian laws
@given(st.floats(-0.99, 0.99), st.floats(-0.99, 0.99), seeds)
def test_canonical_correlations_of_independent_gaussian_pairs(r1, r2, seed):
    # X = (Z1, Z2), Y = (r1 Z1 + ..., r2 Z2 + ...): canonical correlations |r1|, |r2|, invariant under
    # invertible linear maps of X and of Y.
    cov = np.eye(4)
    cov[0, 2] = cov[2, 0] = r1
    cov[1, 3] = cov[3, 1] = r2
    rng = np.random.default_rng(seed)
    M = np.eye(4)
    M[:2, :2] = rng.standard_normal((2, 2)) + 3 * np.eye(2)
    M[2:, 2:] = rng.standard_normal((2, 2)) + 3 * np.eye(2)
    mixed = M @ cov @ M.T
    expected = sorted([abs(r1), abs(r2)], reverse=True)
    np.testing.assert_allclose(H.canonical_correlations(mixed, 2), expected, atol=1e-8)
    assert H.gaussian_vector_maximal_correlation(mixed, 2) == pytest.approx(expected[0], abs=1e-8)


def test_canonical_correlations_reject_singular_blocks():
    cov = np.array([[1.0, 1.0, 0.5], [1.0, 1.0, 0.5], [0.5, 0.5, 1.0]])
    with pytest.raises(ValueError, match="singular"):
        H.canonical_correlations(cov, 2)


@pytest.mark.parametrize("A", [0.2, 0.6, 0.9, -0.6])
def test_discretized_gaussian_channel_has_mehler_spectrum(A):
    # Lancaster/Mehler: singular values |A|^k.
    P = H.discretized_mixing_pmf(A, base="gaussian", truncation=12.0)[2]
    np.testing.assert_allclose(H.pmf_svd(P).values[:6], [abs(A) ** k for k in range(6)], atol=1e-9)


@settings(max_examples=10)
@given(st.floats(0.1, 0.95), st.floats(0.0, 1.0))
def test_discretized_gaussian_channel_with_noise_matches_lancaster(A, noise):
    # (X0, A X0 + noise) is a Gaussian pair with ρ² = A²/(1 + σ²).
    expected = A * A / (1 + noise * noise)
    assert H.truncated_mixing_eta2(A, base="gaussian", noise_std=noise, truncation=12.0) == pytest.approx(expected, abs=1e-9)
    assert H.gaussian_mixing_eta2(A, noise_std=noise, dropout=0.25) == pytest.approx(0.75 * expected, rel=1e-14)


def test_gaussian_mixing_eta2_is_A_squared():
    assert H.mixing_channel_eta2(0.6, base="gaussian").value == pytest.approx(0.36, abs=1e-15)
    assert H.mixing_channel_eta2(0.0).value == 0.0
    assert H.mixing_channel_eta2(1.0, dropout=0.1).value == pytest.approx(0.9)


# ------------------------------------------------------------------ Laplace input: the tail edge
def _tail_quotient(A, S, centre, width):
    r"""Var(E[g(X)|X0]) / Var g(X) for g(x) = exp(x/(2A) - (x-c)²/(2w²)), X0 ~ Laplace(0,1), X | t ~ N(At, S).

    Every conditional moment is a Gaussian integral done by hand: for power p,
    E[g(X)^p | t] = sqrt(2π/a) exp(b²/(2a) + k)/sqrt(2πS), a = p/w² + 1/S, b = p/(2A) + pc/w² + At/S,
    k = -pc²/(2w²) - (At)²/(2S). Any g gives a lower bound on η₂ (its definition, paper Eq. 5).
    """
    def log_cond(t, p):
        m = A * t
        a = p / width**2 + 1 / S
        b = p / (2 * A) + p * centre / width**2 + m / S
        k = -p * centre**2 / (2 * width**2) - m * m / (2 * S) - 0.5 * math.log(2 * math.pi * S)
        return 0.5 * math.log(2 * math.pi / a) + b * b / (2 * a) + k

    t0 = centre / A
    shift = 2 * log_cond(t0, 1) - t0
    edges = np.linspace(t0 - 40 * width / A - 50, t0 + 40 * width / A + 50, 21)

    def integral(fn):
        return sum(integrate.quad(lambda t: math.exp(fn(t) - abs(t) - shift) / 2, lo, hi, epsabs=0, epsrel=1e-10, limit=200)[0]
                   for lo, hi in zip(edges[:-1], edges[1:]))

    m1 = integral(lambda t: log_cond(t, 1) + shift / 2)
    tg2 = integral(lambda t: 2 * log_cond(t, 1))
    g2 = integral(lambda t: log_cond(t, 2))
    return (tg2 - m1 * m1) / (g2 - m1 * m1)


def test_tail_test_functions_approach_the_edge_and_beat_every_truncation():
    # Independent of the discretization: functions escaping into the tail give Rayleigh quotients
    # increasing towards exp(-S/(4A²)), above the discretized value at the largest truncation.
    A, S = 0.6, 0.64
    edge = H.laplace_tail_edge(A, S)
    q = [_tail_quotient(A, S, c, w) for c, w in ((60, 5), (150, 20), (300, 40))]
    assert q[0] < q[1] < q[2] < edge
    assert q[2] > H.truncated_mixing_eta2(A, truncation=128.0)
    assert edge - q[2] < 2e-4


def test_laplace_channel_at_the_paper_default_is_the_tail_edge():
    result = H.mixing_channel_eta2(0.6)
    edge = math.exp(-4 / 9)  # exp(-(1 - A²)/(4A²)) at A = 0.6
    assert result.value == pytest.approx(edge, abs=1e-15)
    assert result.details["edge_is_supremum"]
    assert result.error < 1e-5
    values = result.details["truncated_values"]
    assert np.all(np.diff(values) > 0) and values[-1] < edge
    # HGR beyond linear: η₂ > Pearson² = 2A²/(1 + A²).
    assert result.lower > 2 * 0.36 / 1.36


def test_truncation_deficit_has_the_predicted_leading_constant():
    # Lowest mode of the tail box: edge - v(T) ≈ edge·π²S/(A²(T + T0)²); the fitted (T + T0)^-2
    # constant agrees with the prediction to 3%.
    A, S = 0.6, 0.64
    edge = H.laplace_tail_edge(A, S)
    T = np.array([64.0, 96.0, 128.0])
    root = 1 / np.sqrt(edge - np.array([H.truncated_mixing_eta2(A, truncation=t) for t in T]))
    slope = np.polyfit(T, root, 1)[0]  # 1/sqrt(deficit) is linear in T with slope 1/sqrt(constant)
    assert slope**-2 == pytest.approx(edge * math.pi**2 * S / A**2, rel=0.03)


def test_weak_laplace_channel_has_an_attained_eigenvalue_above_the_edge():
    result = H.mixing_channel_eta2(0.3)
    edge = H.laplace_tail_edge(0.3, 1 - 0.09)
    assert not result.details["edge_is_supremum"]
    assert result.value > edge + 0.05
    assert result.error < 1e-9
    assert result.value > 2 * 0.09 / 1.09  # above Pearson²


def test_jitter_lowers_eta2_and_dropout_is_exact():
    plain = H.mixing_channel_eta2(0.6)
    noisy = H.mixing_channel_eta2(0.6, noise_std=0.2)
    dropped = H.mixing_channel_eta2(0.6, noise_std=0.2, dropout=0.1)
    scaled = H.mixing_channel_eta2(0.6, noise_std=0.2, dropout=0.1, log_scale_std=0.1)
    assert scaled.upper < dropped.lower < noisy.lower < plain.lower  # DPI at each step
    assert dropped.value == pytest.approx(0.9 * noisy.value, rel=1e-12)
    assert noisy.value == pytest.approx(H.laplace_tail_edge(0.6, 0.68), abs=1e-12)
    assert scaled.details["tail_edge"] == 0 and scaled.error < 1e-9


def test_grid_refinement_does_not_change_the_discretization():
    for kwargs in ({}, {"noise_std": 0.2, "log_scale_std": 0.1}):
        coarse = H.truncated_mixing_eta2(0.6, truncation=48.0, **kwargs)
        fine = H.truncated_mixing_eta2(0.6, truncation=48.0, refine=2.0, **kwargs)
        assert abs(coarse - fine) < 1e-11


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"A": 1.2}, r"\[-1, 1\]"),
        ({"A": 0.6, "base": "cauchy"}, "base"),
        ({"A": 0.6, "dropout": 1.0}, "dropout"),
        ({"A": 0.6, "noise_std": -1.0}, "noise_std"),
        ({"A": 1.0, "log_scale_std": 0.1}, "degenerate"),
        ({"A": 0.6, "truncations": [10.0, 20.0]}, "truncations"),
    ],
)
def test_mixing_channel_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        H.mixing_channel_eta2(**kwargs)


# ------------------------------------------------------------------ the solvable model
@settings(max_examples=15)
@given(st.integers(1, 300), st.floats(-0.98, 0.98))
def test_closed_form_mean_cosine_matches_the_independent_quadrature(d, rho):
    assert H.gaussian_cosine_mean(d, rho) == pytest.approx(H.gaussian_cosine_mean_quadrature(d, rho), abs=1e-12)


@given(st.floats(-1, 1))
def test_one_dimension_is_sheppards_formula(rho):
    # Sheppard: E[sign X sign Y] = (2/π) arcsin ρ.
    assert H.gaussian_cosine_mean(1, rho) == pytest.approx(2 / math.pi * math.asin(rho), abs=1e-14)


@given(st.floats(0.05, 0.99))
def test_alignment_increases_to_eta2_from_below(A):
    # Prop 1 at m = 0 (μ = σ): E[u·v] <= η₂ = A², approached monotonically as d grows.
    values = [H.solvable_alignment(d, A) for d in (2, 3, 5, 10, 50, 500, 5000)]
    assert np.all(np.diff(values) > 0)
    assert values[-1] < A * A


def test_sympy_expansion_matches_the_stated_and_the_exact_values():
    rho = sp.symbols("rho", positive=True)
    c0, c1, c2, c3 = H.derive_solvable_expansion(3)
    assert sp.simplify(c0 - rho) == 0
    assert sp.simplify(c1 + rho * (1 - rho**2) / 2) == 0
    # By hand: (μ_d²/d)·2F1 = (1 - 1/(2d) + 1/(8d²))(1 + ρ²/(2d) + (9ρ⁴/8 - ρ²)/d²) + O(d^-3).
    assert sp.simplify(c2 - rho * (1 - rho**2) * (1 - 9 * rho**2) / 8) == 0
    for r in (0.2, 0.36, 0.9):
        d = 10**4
        remainder = d * d * (H.gaussian_cosine_mean(d, r) - r - float(c1.subs(rho, r)) / d)
        assert remainder == pytest.approx(float(c2.subs(rho, r) + c3.subs(rho, r) / d), rel=1e-5)


def test_delta_times_d_tends_to_the_derived_constant():
    for A in (0.3, 0.6, 0.8):
        c = H.solvable_delta_constant(A)
        assert 10**6 * H.solvable_delta(10**6, A) == pytest.approx(c, rel=1e-5)
        np.testing.assert_allclose(H.solvable_delta(np.array([4, 64]), A), [H.solvable_delta(4, A), H.solvable_delta(64, A)])


def test_first_order_inequality_fails_when_A_squared_exceeds_one_third():
    # δ(d) <= A²(1 - A⁴)/(2d) is not a bound for every A: by the second-order term it fails at large d iff A² > 1/3.
    for A, fails in ((0.5, False), (0.6, True), (0.8, True)):
        assert (H.solvable_delta(4096, A) > H.solvable_delta_constant(A) / 4096) is fails


def test_solvable_model_bad_input():
    with pytest.raises(ValueError, match="d"):
        H.solvable_alignment(0, 0.5)
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        H.solvable_delta(10, 1.5)
