"""theory.sphere: exact laws, distances, bounds and sympy derivations against independent computations.

Independent references used here: mpmath quadrature of the density of a sphere projection (a Beta law) at 40
digits, scipy's Beta and chi laws, Hermite-polynomial identities, and closed forms derived by hand.
"""

import math

import mpmath as mp
import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st
from scipy import integrate, special, stats

from infonce_gauss.theory import sphere as S


# ------------------------------------------------------------------ independent references
def _mp_densities(d, k):
    """Radial densities (in the radius) of sqrt(d)·U_{1..k} and of N(0, I_k)."""
    mp.mp.dps = 40
    dd, kk = mp.mpf(d), mp.mpf(k)
    const = dd ** (-kk / 2) * mp.gamma(dd / 2) / (mp.pi ** (kk / 2) * mp.gamma((dd - kk) / 2))
    area = 2 * mp.pi ** (kk / 2) / mp.gamma(kk / 2)

    def f(r):
        return area * r ** (k - 1) * const * (1 - r**2 / dd) ** ((dd - kk - 2) / 2) if r**2 < dd else mp.mpf(0)

    def g(r):
        return area * r ** (k - 1) * (2 * mp.pi) ** (-kk / 2) * mp.exp(-(r**2) / 2)

    return f, g


def _mp_tv(d, k):
    f, g = _mp_densities(d, k)
    root = mp.sqrt(d)
    r1, r2 = S.density_crossings(d, k)
    inside = mp.quad(lambda r: abs(f(r) - g(r)), [0, r1, r2, root])
    return float((inside + mp.quad(g, [root, mp.inf])) / 2)


def _mp_kl(d, k):
    f, g = _mp_densities(d, k)
    return float(mp.quad(lambda r: f(r) * mp.log(f(r) / g(r)) if f(r) > 0 else 0, [0, 1, mp.sqrt(d)]))


# ------------------------------------------------------------------ the projected law
@pytest.mark.parametrize("d", [3, 5, 20, 300])
def test_one_coordinate_density_is_the_beta_law(d):
    # (1 + U_1)/2 ~ Beta((d-1)/2, (d-1)/2), so s = sqrt(d)(2B - 1).
    s = np.linspace(-0.99, 0.99, 41) * math.sqrt(d)
    beta = stats.beta((d - 1) / 2, (d - 1) / 2)
    expected = beta.pdf((1 + s / math.sqrt(d)) / 2) / (2 * math.sqrt(d))
    np.testing.assert_allclose(S.projected_pdf(s, d), expected, rtol=1e-11)
    np.testing.assert_allclose(S.projected_cdf(s, d), beta.cdf((1 + s / math.sqrt(d)) / 2), rtol=1e-11, atol=1e-14)


@pytest.mark.parametrize("d, k", [(3, 1), (6, 2), (9, 3), (40, 5), (12, 11)])
def test_density_integrates_to_one(d, k):
    area = 2 * math.pi ** (k / 2) / math.gamma(k / 2)

    def radial(r):
        return area * r ** (k - 1) * S.projected_pdf(np.r_[r, np.zeros(k - 1)] if k > 1 else r, d, k)

    total = integrate.quad(radial, 0, math.sqrt(d), epsabs=1e-13, limit=200)[0]
    assert total == pytest.approx(1.0, abs=1e-9)


def test_density_is_zero_outside_the_ball_and_takes_vectors():
    assert S.projected_pdf(np.array([[3.0, 0.0], [0.1, 0.2]]), 9, 2)[0] == 0.0
    assert S.projected_logpdf(np.array([[0.1, 0.2]]), 9, 2).shape == (1,)
    with pytest.raises(ValueError, match="shape"):
        S.projected_pdf(np.ones((4, 3)), 9, 2)


@pytest.mark.parametrize("d", [2, 5, 64, 10**5])
def test_closed_form_moments(d):
    # E U_1^2 = 1/d, E U_1^4 = 3/(d(d+2)); E U_1^6 = 15/(d(d+2)(d+4)) (Beta moments).
    assert S.projected_moment(d, 2) == pytest.approx(1.0, rel=1e-14)
    assert S.projected_moment(d, 4) == pytest.approx(3 * d / (d + 2), rel=1e-14)
    assert S.projected_moment(d, 6) == pytest.approx(15 * d**2 / ((d + 2) * (d + 4)), rel=1e-14)
    assert S.projected_moment(d, 3) == 0.0
    assert S.projected_excess_kurtosis(d) == pytest.approx(-6 / (d + 2))


def test_squared_norm_law_matches_beta():
    law = S.squared_norm_law(10, 3)
    assert law.mean() == pytest.approx(3.0)  # E||s||^2 = k
    assert law.cdf(10.0) == pytest.approx(1.0)


# ------------------------------------------------------------------ distances
@pytest.mark.parametrize("d, k", [(5, 1), (6, 2), (8, 5), (10, 7), (10, 8), (12, 1), (40, 37), (100, 3), (2000, 1), (5000, 4)])
def test_tv_matches_40_digit_quadrature(d, k):
    assert S.tv_to_gaussian(d, k) == pytest.approx(_mp_tv(d, k), rel=1e-9)


@pytest.mark.parametrize("d, k", [(4, 1), (7, 3), (50, 2), (1000, 1)])
def test_kl_closed_form_matches_quadrature(d, k):
    assert S.kl_to_gaussian(d, k) == pytest.approx(_mp_kl(d, k), rel=1e-9)


@pytest.mark.parametrize("d", [5, 17, 300])
def test_kolmogorov_is_the_supremum_of_the_cdf_gap(d):
    t = np.linspace(0, 6, 200001)
    gap = np.abs(S.projected_cdf(t, d) - special.ndtr(t))
    assert S.kolmogorov_to_gaussian(d) == pytest.approx(gap.max(), rel=1e-6)
    assert S.kolmogorov_to_gaussian(d) >= gap.max() - 1e-15


@pytest.mark.parametrize("d", [5, 40, 1000])
def test_wasserstein_matches_the_quantile_form(d):
    # W1 = ∫_0^1 |F^-1(u) - Φ^-1(u)| du, with F^-1 from the Beta law (independent of the CDF-gap form).
    beta = stats.beta((d - 1) / 2, (d - 1) / 2)
    value = integrate.quad(lambda u: abs(math.sqrt(d) * (2 * beta.ppf(u) - 1) - stats.norm.ppf(u)),
                           0, 1, limit=400, points=[0.1, 0.5, 0.9], epsabs=1e-13)[0]
    assert S.wasserstein1_to_gaussian(d) == pytest.approx(value, rel=1e-6)


def test_huge_dimension_is_finite_and_at_the_asymptote():
    d = 10**6
    assert d * S.tv_to_gaussian(d) == pytest.approx(S.asymptotic_constants(1).tv_value, rel=1e-5)
    assert d**2 * S.kl_to_gaussian(d) == pytest.approx(0.75, rel=1e-5)
    assert d * S.kolmogorov_to_gaussian(d) == pytest.approx(S.asymptotic_constants(1).kolmogorov_value, rel=1e-5)


def test_array_of_dimensions():
    out = S.tv_to_gaussian(np.array([[10, 20], [30, 40]]), 2)
    assert out.shape == (2, 2)
    assert out[0, 1] == S.tv_to_gaussian(20, 2)


@given(d=st.integers(5, 10**5), k=st.integers(1, 50))
def test_diaconis_freedman_bound_dominates_exact_tv(d, k):
    k = min(k, d - 4)
    assert S.tv_to_gaussian(d, k) <= S.diaconis_freedman_bound(d, k)


@given(d=st.integers(3, 10**5), k=st.integers(1, 20))
def test_pinsker(d, k):
    k = min(k, d - 1)
    assert S.tv_to_gaussian(d, k) <= math.sqrt(S.kl_to_gaussian(d, k) / 2) * (1 + 1e-12)


@given(d=st.integers(16, 5 * 10**4), step=st.integers(1, 5 * 10**4), k=st.integers(1, 4))
def test_d_times_tv_decreases_to_its_limit(d, step, k):
    # d·TV is monotone, decreasing to c_k.
    hi = d + step
    assert hi * S.tv_to_gaussian(hi, k) < d * S.tv_to_gaussian(d, k)
    assert hi * S.tv_to_gaussian(hi, k) > S.asymptotic_constants(k).tv_value


@given(d=st.integers(5, 10**5))
def test_kolmogorov_below_pinelis(d):
    assert S.kolmogorov_to_gaussian(d) <= S.pinelis_kolmogorov_bound(d)


def test_bound_is_about_23_times_the_exact_tv_at_k1():
    # Theorem 2: the exact TV is about 23× smaller than the bound at k = 1.
    ratio = S.diaconis_freedman_bound(10**4, 1) / S.tv_to_gaussian(10**4, 1)
    assert 22 < ratio < 24
    assert S.diaconis_freedman_bound(10, 2) == pytest.approx(2 * 5 / 5)


# ------------------------------------------------------------------ sympy derivations
def test_first_order_density_ratio_is_minus_he4_over_4():
    # Derived here: f_d/φ - 1 ≈ -(1/(4d))(|s|^4 - 2(k+2)|s|^2 + k(k+2)); for k = 1, -He_4(s)/(4d).
    l0, l1 = S.derive_density_ratio_expansion(1)
    x, k, s = sp.Symbol("x", positive=True), sp.Symbol("k", positive=True), sp.Symbol("s")
    assert l0 == 0
    assert sp.expand(l1 + (x**2 - 2 * (k + 2) * x + k * (k + 2)) / 4) == 0
    he4 = s**4 - 6 * s**2 + 3
    assert sp.expand(l1.subs({k: 1, x: s**2}) + he4 / 4) == 0


@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_asymptotic_constants_against_hand_closed_forms(k):
    # KL: (1/32)·E(X^2 - 2(k+2)X + k(k+2))^2 = k(k+2)/4 for X ~ χ²_k (k = 1: E He_4^2 = 4! = 24, 24/32).
    # TV: the antiderivative of poly·q_k is 2x(k+2-x)q_k(x), so c = ½√(2(k+2))·(r₁q_k(r₁) + r₂q_k(r₂)),
    # with r = k+2 ∓ √(2(k+2)) the roots and q_k the χ²_k density.
    c = S.asymptotic_constants(k)
    assert c.kl == sp.Rational(k * (k + 2), 4)
    r = [k + 2 - math.sqrt(2 * (k + 2)), k + 2 + math.sqrt(2 * (k + 2))]
    hand = 0.5 * math.sqrt(2 * (k + 2)) * sum(x * stats.chi2.pdf(x, k) for x in r)
    assert c.tv_value == pytest.approx(hand, rel=1e-13)


def test_kolmogorov_constant_is_max_of_he3_phi_over_4():
    # F_d(t) - Φ(t) ≈ (1/d)∫_{-∞}^t -He_4(s)φ(s)/4 ds = He_3(t)φ(t)/(4d), maximal at t² = 3 - √6.
    t = math.sqrt(3 - math.sqrt(6))
    assert S.asymptotic_constants(1).kolmogorov_value == pytest.approx(abs(t**3 - 3 * t) * stats.norm.pdf(t) / 4, rel=1e-13)
    assert S.asymptotic_constants(2).kolmogorov is None


def test_derived_normalizing_constant_and_moments():
    d, k = sp.symbols("d k", positive=True)
    assert sp.simplify(S.derive_normalizing_constant() - sp.gamma(d / 2) / (sp.pi ** (k / 2) * sp.gamma((d - k) / 2))) == 0
    m = S.derive_projected_moments()
    assert sp.simplify(m["second"] - 1 / d) == 0
    assert sp.simplify(m["fourth"] - 3 / (d * (d + 2))) == 0
    assert sp.simplify(m["excess_kurtosis"] + 6 / (d + 2)) == 0


def test_chi_expansions_match_exact_values():
    series = S.derive_chi_expansions(3)
    d = sp.Symbol("d", positive=True)
    for dim in (100, 1000):
        mp.mp.dps = 40
        mu = mp.sqrt(2) * mp.gamma(mp.mpf(dim + 1) / 2) / mp.gamma(mp.mpf(dim) / 2)
        exact = {"mean/sqrt(d)": mu / mp.sqrt(dim), "variance": dim - mu**2, "cv*sqrt(2d)": mp.sqrt(2 * dim * (dim - mu**2)) / mu}
        for name, value in exact.items():
            assert abs(float(series[name].subs(d, dim)) - float(value)) < 5 / dim**4, name


# ------------------------------------------------------------------ thin shell and Prop 2
@pytest.mark.parametrize("d", [1, 2, 30, 700])
def test_chi_norm_moments_match_scipy(d):
    m = S.chi_norm_moments(d, scale=2.0)
    law = stats.chi(d, scale=2.0)
    assert m.mean == pytest.approx(law.mean(), rel=1e-12)
    assert m.variance == pytest.approx(law.var(), rel=1e-9)


def test_cv_tends_to_one_over_sqrt_2d():
    assert S.chi_norm_moments(10**6).cv * math.sqrt(2e6) == pytest.approx(1 + 1 / 8e6, rel=1e-10)


def test_rotation_invariant_kurtosis():
    assert S.rotation_invariant_kurtosis(50, *S.ChiRadius().scaled_radius_moments(50)) == pytest.approx(3.0, rel=1e-12)
    assert S.rotation_invariant_kurtosis(50, 1.0, 1.0) == pytest.approx(150 / 52)
    with pytest.raises(ValueError, match="Jensen"):
        S.rotation_invariant_kurtosis(10, 2.0, 1.0)


def test_chi_radius_tv_is_tv_between_two_gaussians():
    d = 20
    c = math.sqrt(d) / S.chi_norm_moments(d).mean  # (sqrt(d)/r0) z_1 ~ N(0, c²)
    cross = c * math.sqrt(2 * math.log(c) / (c * c - 1))  # φ(x/c)/c = φ(x) at |x| = cross
    gap = lambda x: abs(stats.norm.pdf(x, scale=c) - stats.norm.pdf(x))  # noqa: E731
    direct = integrate.quad(gap, 0, cross, epsabs=1e-15)[0] + integrate.quad(gap, cross, 40, epsabs=1e-15)[0]
    assert S.ChiRadius().projection_tv(d) == pytest.approx(direct, rel=1e-7)


def test_vanishing_perturbation_recovers_the_sphere_law():
    for d, k in [(16, 1), (64, 3), (1024, 1)]:
        assert S.PerturbedRadius(1e-8, 0.0).projection_tv(d, k) == pytest.approx(S.tv_to_gaussian(d, k), rel=1e-6)


def test_perturbed_radius_tv_by_brute_force():
    # Independent: density of W·sqrt(d)·U_1 with W uniform on [1-e, 1+e], integrated on a fine grid.
    d, fam = 10, S.PerturbedRadius(0.6, 0.0)
    w = np.linspace(1 - 0.6, 1 + 0.6, 4001)
    s = np.linspace(-5, 5, 8001)
    mix = np.trapezoid([S.projected_pdf(s / wi, d) / wi for wi in w], w, axis=0) / 1.2
    brute = 0.5 * np.trapezoid(np.abs(mix - stats.norm.pdf(s)), s)
    assert fam.projection_tv(d) == pytest.approx(brute, rel=2e-4)


def test_perturbed_family_moments_and_epsilon():
    fam = S.PerturbedRadius(0.5, 0.5)
    assert fam.epsilon(100) == pytest.approx(0.05)
    e2 = 0.05**2
    assert fam.scaled_radius_moments(100) == pytest.approx((1 + e2 / 3, 1 + 2 * e2 + e2**2 / 5))
    with pytest.raises(ValueError, match=">= 1"):
        S.PerturbedRadius(2.0, 0.0).epsilon(10)


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("call, message", [
    (lambda: S.tv_to_gaussian(1), ">= 2"),
    (lambda: S.tv_to_gaussian(5, 5), "k must be smaller than d"),
    (lambda: S.tv_to_gaussian(10.5), "integer"),
    (lambda: S.kl_to_gaussian(float("nan")), "finite"),
    (lambda: S.tv_to_gaussian(True), "boolean"),
    (lambda: S.tv_to_gaussian("ten"), "integer"),
    (lambda: S.diaconis_freedman_bound(6, 3), "k <= d - 4"),
    (lambda: S.pinelis_kolmogorov_bound(4), ">= 5"),
    (lambda: S.projected_pdf([np.nan], 5), "NaN"),
    (lambda: S.log_density_ratio([-1.0], 5), ">= 0"),
    (lambda: S.projected_moment(5, -2), ">= 0"),
])
def test_bad_input_raises_a_clear_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_integral_floats_are_accepted():
    assert S.tv_to_gaussian(32.0) == S.tv_to_gaussian(32)
