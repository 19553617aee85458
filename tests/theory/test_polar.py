"""The polar layer of theory: polar coordinates (theory.polar_coordinates), the reference γ_λ^B, Eq. 13 and
maximum entropy (theory.gaussian_reference), the Gaussian and product families term by term (theory.polar_laws),
the chain rules (theory.polar), Lemma 1 and the MGF bound (theory.mean_kl)."""

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st
from scipy import integrate, special, stats

from infonce_gauss.theory.gaussian_reference import (
    GaussianReference,
    derive_max_entropy_optimum,
    derive_reference_normalizer,
    max_entropy_minimum,
    regularizer,
)
from infonce_gauss.theory.mean_kl import (
    LEMMA1_CONSTANT,
    derive_lemma1,
    lemma1_lower_bound,
    sphere_log_mgf,
    subgaussian_mgf_bound,
)
from infonce_gauss.theory.polar import polar_terms
from infonce_gauss.theory.polar_coordinates import (
    RadialLaw,
    chi_radius,
    derive_polar_jacobian,
    derive_sphere_area,
    log_sphere_area,
    sphere_area,
    uniform_ball_radius,
)
from infonce_gauss.theory.polar_laws import GaussianLaw, ProductLaw
from infonce_gauss.theory.vmf import vmf_kl_to_uniform, vmf_min_kl_at_mean_length

spectra = st.lists(st.floats(0.2, 5.0), min_size=2, max_size=10)


# --- polar coordinates ----------------------------------------------------------------------
def test_sphere_area_textbook_values():
    # |S^0| = 2, |S^1| = 2π, |S^2| = 4π, |S^3| = 2π², |S^4| = 8π²/3 (any calculus text)
    for d, value in ((1, 2.0), (2, 2 * math.pi), (3, 4 * math.pi), (4, 2 * math.pi**2), (5, 8 * math.pi**2 / 3)):
        assert sphere_area(d) == pytest.approx(value, rel=1e-14)
    assert log_sphere_area(10**5) == pytest.approx(math.log(2) + 5e4 * math.log(math.pi) - math.lgamma(5e4), rel=1e-15)


def test_sympy_derivations_of_the_change_of_variables():
    d = sp.symbols("d", positive=True)
    assert sp.simplify(derive_sphere_area() - 2 * sp.pi ** (d / 2) / sp.gamma(d / 2)) == 0
    r = sp.symbols("r", positive=True)
    for dim in (2, 3):
        jac = derive_polar_jacobian(dim)
        assert sp.simplify(jac["determinant"] - r ** (dim - 1) * jac["angular_factor"]) == 0
        assert sp.simplify(jac["area"] - sphere_area(dim)) == 0 or abs(float(jac["area"]) - sphere_area(dim)) < 1e-12
    phi1 = sp.Symbol("phi1", positive=True)
    assert sp.simplify(derive_polar_jacobian(3)["angular_factor"] - sp.sin(phi1)) == 0  # dS = sin φ dφ dθ on S²


# --- the reference gamma_lambda^B -------------------------------------------------------------
@pytest.mark.parametrize("d, lam, radius", [(2, 0.5, None), (3, 2.0, 0.7), (10, 0.1, 5.0), (40, 1.0, 4.0)])
def test_reference_normalizer_second_moment_and_radial_law_by_quadrature(d, lam, radius):
    ref = GaussianReference(d, lam, radius)
    top = math.inf if radius is None else radius
    mode = math.sqrt((d - 1) / (2 * lam))
    pieces = [(0, min(mode, top)), (min(mode, top), top)]

    def integral(power):
        return sum(integrate.quad(lambda r: r ** (d - 1 + power) * math.exp(-lam * r * r), a, b, epsrel=1e-13)[0] for a, b in pieces if b > a)

    assert ref.log_normalizer == pytest.approx(log_sphere_area(d) + math.log(integral(0)), rel=1e-11)
    assert ref.second_moment == pytest.approx(integral(2) / integral(0), rel=1e-11)
    assert ref.entropy == pytest.approx(ref.log_normalizer + lam * ref.second_moment, rel=1e-14)
    density = integrate.quad(lambda r: math.exp(float(ref.radial_logpdf(r))), *pieces[0], epsrel=1e-12)[0]
    density += integrate.quad(lambda r: math.exp(float(ref.radial_logpdf(r))), *pieces[1], epsrel=1e-12)[0] if pieces[1][1] > pieces[1][0] else 0
    assert density == pytest.approx(1.0, rel=1e-10)
    xi = ref.radial  # the radial law as a distribution: same second moment, support inside the ball
    assert xi.second_moment == pytest.approx(ref.second_moment, rel=1e-10)
    assert xi.upper == pytest.approx(top, rel=1e-14)


def test_sympy_normalizers():
    d, lam, rad = sp.symbols("d lambda R", positive=True)
    assert sp.simplify(derive_reference_normalizer() - (sp.pi / lam) ** (d / 2)) == 0
    ball = sp.lambdify((d, lam, rad), derive_reference_normalizer(ball=True), "mpmath")
    # c^{-1} = (π/λ)^{d/2} P(χ²_d <= 2λR²)
    for args in ((3, 0.5, 1.0), (8, 2.0, 1.5)):
        assert float(ball(*args)) == pytest.approx((math.pi / args[1]) ** (args[0] / 2) * stats.chi2.cdf(2 * args[1] * args[2] ** 2, args[0]), rel=1e-12)


@given(d=st.integers(1, 50), lam=st.floats(0.05, 20), factor=st.floats(0.05, 20))
def test_max_entropy_gap_is_the_gaussian_kl(d, lam, factor):
    # -h + λE‖Z‖² for N(0, s²I) with s² = factor/(2λ): the gap to -(d/2)log(π/λ) is KL(N(0,s²I)‖γ_λ) = (d/2)(c-1-log c)
    s2 = factor / (2 * lam)
    gap = regularizer(0.5 * d * math.log(2 * math.pi * math.e * s2), d * s2, lam) - max_entropy_minimum(d, lam)
    assert gap == pytest.approx(0.5 * d * (factor - 1 - math.log(factor)), abs=1e-11 * d * (1 + abs(math.log(lam))))
    assert gap >= -1e-11 * d * (1 + abs(math.log(lam)))


def test_sympy_max_entropy_optimum():
    d, lam = sp.symbols("d lambda", positive=True)
    derived = derive_max_entropy_optimum()
    assert sp.simplify(derived["variance"] - 1 / (2 * lam)) == 0
    assert sp.simplify(derived["minimum"] + d / 2 * sp.log(sp.pi / lam)) == 0


def test_eq13_on_a_ball_and_infinite_outside():
    ref = GaussianReference(3, 0.5, radius=2.0)
    inside, outside = ProductLaw(uniform_ball_radius(3, 1.0), 3), ProductLaw(uniform_ball_radius(3, 2.5), 3)
    vol = 4 / 3 * math.pi
    log_c_inv = ref.log_normalizer
    # ∫ p log(p/γ) for p uniform on the unit ball: -log vol + log c^{-1} + λ E‖Z‖², E‖Z‖² = 3/5
    assert inside.kl_to_reference(ref) == pytest.approx(-math.log(vol) + log_c_inv + 0.5 * 0.6, rel=1e-12)
    assert outside.kl_to_reference(ref) == math.inf
    assert GaussianLaw.isotropic(3).kl_to_reference(ref) == math.inf


# --- Gaussian laws ---------------------------------------------------------------------------
def test_two_dimensional_closed_forms():
    l1, l2 = 0.4, 2.5
    law = GaussianLaw.from_eigenvalues([l1, l2])
    # E log(l1 g1² + l2 g2²) = log 2 - γ + 2 log((√l1 + √l2)/2) (Gradshteyn & Ryzhik 4.224.9 with E log χ²_2)
    expected = math.log(2) - np.euler_gamma + 2 * math.log((math.sqrt(l1) + math.sqrt(l2)) / 2)
    assert 2 * law.mean_log_radius == pytest.approx(expected, rel=1e-12)
    # KL of the angular central Gaussian on the circle, by quadrature of its density (Tyler 1987)
    p = lambda th: 1 / math.sqrt(l1 * l2) / (math.cos(th) ** 2 / l1 + math.sin(th) ** 2 / l2)  # noqa: E731
    kl = integrate.quad(lambda th: p(th) * math.log(p(th)) / (2 * math.pi), 0, 2 * math.pi, epsabs=1e-14)[0]
    assert law.angular_kl == pytest.approx(kl, rel=1e-10)
    # density of Q = l1 g1² + l2 g2²: e^{-q(1/l1+1/l2)/4} I_0(q(1/l1-1/l2)/4) / (2√(l1 l2)) (Simon 2002, §2)
    q = np.array([0.05, 0.7, 2.0, 9.0, 30.0, 400.0])  # 400: beyond the quadrature range, the series is extended
    x = q * (1 / l1 - 1 / l2) / 4
    f_q = np.exp(-q * (1 / l1 + 1 / l2) / 4 + x) * special.ive(0, x) / (2 * math.sqrt(l1 * l2))
    np.testing.assert_allclose(np.exp(law.radial_logpdf(np.sqrt(q))), 2 * np.sqrt(q) * f_q, rtol=1e-11)


@pytest.mark.parametrize("d", [2, 3, 50, 1000])
def test_isotropic_gaussian_is_uniform_times_chi(d):
    law, ref = GaussianLaw.isotropic(d, 2.0), GaussianReference(d, 0.25)
    terms = polar_terms(law, ref)
    assert terms.angular_kl == pytest.approx(0, abs=1e-10) and terms.angular_kl_given_radius == 0
    assert terms.radial_entropy == pytest.approx(float(stats.chi(float(d), scale=math.sqrt(2)).entropy()), rel=1e-11)
    assert terms.kl_to_reference == pytest.approx(0, abs=1e-12)  # N(0, 2I) = γ_{1/4}
    assert max(abs(v) for v in terms.residuals().values()) < 1e-9


@given(lam=spectra, lam_ref=st.floats(0.05, 5.0))
def test_every_term_is_nonnegative_and_the_identities_hold(lam, lam_ref):
    law = GaussianLaw.from_eigenvalues(lam)
    terms = polar_terms(law, GaussianReference(law.d, lam_ref))
    for name in ("kl_to_reference", "angular_kl", "radial_kl", "radial_kl_given_direction", "angular_kl_given_radius"):
        assert getattr(terms, name) >= -1e-12, name
    assert law.radial_mass == pytest.approx(1.0, abs=1e-11)
    residuals = terms.residuals()
    assert max(abs(v) for v in residuals.values()) < 1e-9 * max(1.0, terms.kl_to_reference, abs(terms.entropy)), residuals
    # KL(μ‖σ) <= KL(ρ‖γ) for every rotation-invariant γ (chain rule), likewise the radial marginal
    assert terms.angular_kl <= terms.kl_to_reference + 1e-12 and terms.radial_kl <= terms.kl_to_reference + 1e-12


@given(lam=spectra)
def test_terms_depend_only_on_the_spectrum(lam):
    rotation, _ = np.linalg.qr(np.random.default_rng(len(lam)).standard_normal((len(lam), len(lam))))
    diagonal = GaussianLaw.from_eigenvalues(lam)
    rotated = GaussianLaw(rotation @ np.diag(lam) @ rotation.T)
    assert rotated.angular_kl == pytest.approx(diagonal.angular_kl, rel=1e-9, abs=1e-12)
    assert rotated.radial_entropy == pytest.approx(diagonal.radial_entropy, rel=1e-9)
    u = np.eye(len(lam))[:1]
    assert float(rotated.angular_log_density(rotation @ u[0])[0]) == pytest.approx(float(diagonal.angular_log_density(u)[0]), rel=1e-9)


# --- products ---------------------------------------------------------------------------------
def test_products_reproduce_gaussian_and_uniform_ball_entropies():
    d, s = 5, 1.7
    gaussian = ProductLaw(chi_radius(d, s), d)  # σ ⊗ sχ_d is N(0, s²I)
    assert gaussian.entropy == pytest.approx(0.5 * d * math.log(2 * math.pi * math.e * s * s), rel=1e-12)
    ball = ProductLaw(uniform_ball_radius(d, 1.3), d)  # entropy of the uniform law = log volume
    assert ball.entropy == pytest.approx(log_sphere_area(d) + d * math.log(1.3) - math.log(d), rel=1e-12)


@pytest.mark.parametrize("radius", [None, 1.5])
@pytest.mark.parametrize("kappa", [0.0, 3.0, 40.0])
def test_prop3_reference_radial_law_zeroes_the_radial_term(radius, kappa):
    ref = GaussianReference(4, 0.7, radius)
    terms = polar_terms(ProductLaw(ref.radial, 4, kappa=kappa), ref)
    assert terms.radial_kl == pytest.approx(0, abs=1e-11)
    assert terms.kl_to_reference == pytest.approx(vmf_kl_to_uniform(4, kappa), abs=1e-10)


# --- Lemma 1 and the MGF bound ------------------------------------------------------------
@given(d=st.integers(2, 20_000), t=st.floats(0, 2e4))
def test_mgf_bound_holds_for_all_d_and_t(d, t):
    value = float(sphere_log_mgf(d, t))
    bound = float(subgaussian_mgf_bound(d, t))
    assert 0 <= value <= bound * (1 + 1e-12) + 1e-300
    assert float(sphere_log_mgf(d, -t)) == value


def test_mgf_is_the_expectation_over_the_sphere():
    # E_σ e^{t u_1} with u_1 having density (1-s²)^{(d-3)/2}/B(1/2, (d-1)/2) on [-1, 1]
    for d, t in ((3, 2.0), (7, 0.5), (20, 9.0)):
        integral = integrate.quad(lambda s: math.exp(t * s) * (1 - s * s) ** ((d - 3) / 2), -1, 1, epsrel=1e-13)[0]
        assert math.exp(float(sphere_log_mgf(d, t))) == pytest.approx(integral / special.beta(0.5, (d - 1) / 2), rel=1e-11)


@given(d=st.integers(2, 3000), r=st.floats(1e-4, 0.999))
def test_lemma1_with_c_one_half(d, r):
    exact = vmf_min_kl_at_mean_length(d, r)  # the infimum of KL at ‖m‖ = r
    assert exact >= lemma1_lower_bound(d, r) * (1 - 1e-12) >= lemma1_lower_bound(d, r, paper_form=True) * (1 - 1e-12)
    assert LEMMA1_CONSTANT == 0.5


def test_sympy_lemma1():
    derived = derive_lemma1()
    d, m, t = sp.symbols("d m t", positive=True)
    assert derived["optimal_t"] == d * m
    assert sp.simplify(derived["bound"] - d * m**2 / 2) == 0
    assert sp.simplify(derived["log_mgf_series"] - (t**2 / (2 * d) - t**4 / (4 * d**2 * (d + 2)))) == 0
    n = sp.symbols("n", integer=True, nonnegative=True)
    ratio = sp.lambdify((d, n), derived["term_ratio"])
    assert all(ratio(dim, k) <= 1 for dim in (2, 5, 100) for k in range(30))


# --- bad input --------------------------------------------------------------------------------
@pytest.mark.parametrize("call, message", [
    (lambda: GaussianLaw(np.array([[1.0, 2.0], [2.0, 1.0]])), "positive definite"),
    (lambda: GaussianLaw(np.array([[1.0, 0.5], [0.0, 1.0]])), "symmetric"),
    (lambda: GaussianLaw(np.ones((2, 3))), "square"),
    (lambda: GaussianLaw(np.ones((1, 1))), "d >= 2"),
    (lambda: GaussianLaw.from_eigenvalues([1.0, np.nan]), "NaN"),
    (lambda: ProductLaw(chi_radius(3), 3, kappa=-1.0), "kappa"),
    (lambda: ProductLaw(chi_radius(3), 1), "d"),
    (lambda: GaussianReference(3, -1.0), "lam"),
    (lambda: GaussianReference(3, 1.0, radius=0.0), "radius"),
    (lambda: GaussianReference(1, 1.0), "d"),
    (lambda: polar_terms(GaussianLaw.isotropic(3), GaussianReference(4, 0.5)), "same d"),
    (lambda: RadialLaw(stats.norm()), "radial law"),
    (lambda: lemma1_lower_bound(3, 1.5), "mean length"),
    (lambda: GaussianLaw.isotropic(2).radial_logpdf([-1.0]), "radii"),
])
def test_bad_input_is_explained(call, message):
    with pytest.raises(ValueError, match=message):
        call()
