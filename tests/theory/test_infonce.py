"""Tests of theory.infonce: the empirical loss, Φ and its bounds, Φ on non-uniform families, Funk–Hecke,
and the finite-batch bias constant. Expected values come from hand computation, mpmath, scipy's
Bessel/Gegenbauer functions or plain quadratures written out here, never from the module itself."""

import math

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, special

from infonce_gauss.theory import infonce as nce
from infonce_gauss.theory.special import bessel_ratio


def _unit(x):
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def _log_hyp0f1_mp(b, z):
    return float(mpmath.log(mpmath.hyp0f1(b, z, maxterms=10**6)))


# --------------------------------------------------------------------------------------------
# Empirical loss and W&I metrics
# --------------------------------------------------------------------------------------------
def test_infonce_loss_by_hand():
    # u = v = (e1, e2), alpha = 1: each row is -log(e/(e + 1)) = log(1 + 1/e)
    u = np.eye(2)
    assert nce.infonce_loss(u, u, 1.0) == pytest.approx(math.log1p(math.exp(-1)), rel=1e-14)
    # v = (e2, e1): the positives are orthogonal, the negatives aligned: -log(1/(1 + e)) = log(1 + e)
    assert nce.infonce_loss(u, u[::-1], 1.0) == pytest.approx(math.log1p(math.e), rel=1e-14)


@settings(max_examples=20)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 12), d=st.integers(2, 9), alpha=st.floats(0.1, 50))
def test_infonce_loss_invariant_to_pair_permutations_and_rotations(seed, n, d, alpha):
    rng = np.random.default_rng(seed)
    u, v = _unit(rng.standard_normal((n, d))), _unit(rng.standard_normal((n, d)))
    loss = nce.infonce_loss(u, v, alpha)
    perm = rng.permutation(n)
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    assert nce.infonce_loss(u[perm], v[perm], alpha) == pytest.approx(loss, rel=1e-12, abs=1e-12)
    assert nce.infonce_loss(u @ q, v @ q, alpha) == pytest.approx(loss, rel=1e-10, abs=1e-10)
    # -log of a softmax probability: 0 <= loss <= 2 alpha + log n
    assert 0 <= loss <= 2 * alpha + math.log(n) + 1e-12


def test_symmetric_loss_and_batches():
    rng = np.random.default_rng(0)
    u, v = _unit(rng.standard_normal((3, 5, 4))), _unit(rng.standard_normal((3, 5, 4)))
    batched = nce.infonce_loss(u, v, 3.0)
    assert batched == pytest.approx([nce.infonce_loss(u[b], v[b], 3.0) for b in range(3)], rel=1e-14)
    sym = nce.symmetric_infonce_loss(u, v, 3.0)
    assert sym == pytest.approx(0.5 * (batched + nce.infonce_loss(v, u, 3.0)), rel=1e-14)
    assert nce.symmetric_infonce_loss(u[0], u[0], 3.0) == pytest.approx(nce.infonce_loss(u[0], u[0], 3.0), rel=1e-14)


def test_no_overflow_at_tau_001_d_4096():
    rng = np.random.default_rng(1)
    u = _unit(rng.standard_normal((32, 4096)))
    loss = nce.infonce_loss(u, u, 100.0)
    assert math.isfinite(loss) and loss >= 0
    assert math.isfinite(nce.phi_uniform(4096, 100.0))
    assert math.isfinite(nce.empirical_phi(u, 100.0))


@pytest.mark.parametrize("bad, match", [
    (dict(u=np.ones((3, 4))), "unit vectors"),
    (dict(v=_unit(np.ones((2, 4)))), "same shape"),
    (dict(alpha=0.0), "alpha"),
    (dict(u=np.ones(4) / 2), "d\\) array"),
])
def test_loss_rejects_bad_input(bad, match):
    args = dict(u=_unit(np.ones((3, 4))), v=_unit(np.ones((3, 4))), alpha=1.0) | bad
    with pytest.raises(ValueError, match=match):
        nce.infonce_loss(args["u"], args["v"], args["alpha"])


def test_wang_isola_metrics_and_conversions():
    # two antipodal points: ||u - v||^2 = 4
    pts = np.array([[1.0, 0.0], [-1.0, 0.0]])
    assert nce.l_uniform(pts, t=2.0) == pytest.approx(-8.0)
    assert nce.l_align(pts, pts[::-1]) == pytest.approx(4.0)
    rng = np.random.default_rng(2)
    u, v = _unit(rng.standard_normal((50, 6))), _unit(rng.standard_normal((50, 6)))
    alpha = 7.0
    assert nce.alignment_term_from_l_align(nce.l_align(u, v), alpha) == pytest.approx(-alpha * np.mean(np.sum(u * v, 1)), rel=1e-12)
    i, j = np.triu_indices(50, 1)
    direct = math.log(np.mean(np.exp(alpha * np.sum(u[i] * u[j], 1))))
    assert nce.log_pair_mgf_from_l_uniform(nce.l_uniform(u, t=alpha / 2), alpha / 2) == pytest.approx(direct, rel=1e-12)


def test_empirical_phi_by_loops():
    rng = np.random.default_rng(3)
    u = _unit(rng.standard_normal((7, 3)))
    alpha = 4.0
    gram = np.exp(alpha * u @ u.T)
    without = np.mean([math.log((gram[i].sum() - gram[i, i]) / 6) for i in range(7)])
    with_self = np.mean([math.log(gram[i].sum() / 7) for i in range(7)])
    assert nce.empirical_phi(u, alpha) == pytest.approx(without, rel=1e-13)
    assert nce.empirical_phi(u, alpha, include_self=True) == pytest.approx(with_self, rel=1e-13)


def test_population_loss():
    assert nce.population_loss(0.5, 1.25, 10.0) == pytest.approx(-3.75)
    with pytest.raises(ValueError, match="mean cosine"):
        nce.population_loss(1.5, 0.0, 1.0)


# --------------------------------------------------------------------------------------------
# Φ(σ), its bounds, optimal uniformity
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("d, alpha", [(2, 1.0), (3, 10.0), (32, 10.0), (256, 10.0), (1024, 100.0), (4096, 3.0)])
def test_phi_uniform_against_mpmath(d, alpha):
    # Φ(σ) = log 0F1(; d/2; α²/4), evaluated by mpmath
    assert nce.phi_uniform(d, alpha) == pytest.approx(_log_hyp0f1_mp(d / 2, alpha**2 / 4), rel=1e-11)


@given(d=st.integers(2, 5000), alpha=st.floats(1e-3, 400))
def test_phi_uniform_bounds_hold(d, alpha):
    lo, hi = nce.phi_uniform_bounds(d, alpha)
    value = nce.phi_uniform(d, alpha)
    assert lo <= value * (1 + 1e-10) and value <= hi * (1 + 1e-10)
    # the lower bound is itself >= α²/(2d) − α⁴/(4d²(d+2)) (log(1+x) >= x − x²/2)
    assert lo >= alpha**2 / (2 * d) - alpha**4 / (4 * d**2 * (d + 2)) - 1e-12 * max(1.0, lo)


def test_continued_fraction_bound_on_the_bessel_ratio():
    # Gauss's continued fraction: κ/(d + κ²/(d+2)) <= A_d(κ) <= κ/d (the integrands of the bounds)
    for d in (2, 5, 64, 1000):
        for kappa in (0.01, 1.0, 30.0, 1000.0):
            a = bessel_ratio(d, kappa)
            assert kappa / (d + kappa**2 / (d + 2)) <= a * (1 + 1e-12) and a <= kappa / d * (1 + 1e-12)


def test_derived_bounds_are_the_stated_ones():
    derived = nce.derive_phi_uniform_bounds()
    d, a = sp.symbols("d alpha", positive=True)
    assert sp.simplify(derived["series"] - (a**2 / (2 * d) - a**4 / (4 * d**2 * (d + 2)) + a**6 / (3 * d**3 * (d + 2) * (d + 4)))) == 0
    assert sp.simplify(derived["upper"] - a**2 / (2 * d)) == 0
    assert sp.simplify(sp.expand_log(derived["lower"] - (d + 2) / 2 * sp.log(1 + a**2 / (d * (d + 2))), force=True)) == 0
    assert sp.simplify(derived["lower_series"].coeff(a, 4) - derived["series"].coeff(a, 4)) == 0
    # the cumulant series: κ2 = 1/d and κ4 = -6/(d²(d+2)) for a coordinate of σ
    assert sp.simplify(derived["series"].coeff(a, 4) * 24 + 6 / (d**2 * (d + 2))) == 0


@given(d=st.integers(2, 3000), t=st.floats(0.01, 20))
def test_optimal_uniformity(d, t):
    # W&I: L_uniform(σ; t) = −2t + log 0F1(; d/2; t²) ∈ [−2t, −2t + 2t²/d]
    value = nce.optimal_uniformity(d, t)
    assert -2 * t - 1e-12 <= value <= -2 * t + 2 * t * t / d + 1e-12
    assert nce.optimal_uniformity(d + 1, t) <= value + 1e-12


def test_optimal_uniformity_against_mpmath():
    assert nce.optimal_uniformity(16, 2.0) == pytest.approx(-4.0 + _log_hyp0f1_mp(8, 4.0), rel=1e-12)


def test_jensen_lower_bound_validation():
    assert nce.jensen_lower_bound(0.5, 4.0) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        nce.jensen_lower_bound(1.5, 4.0)


# --------------------------------------------------------------------------------------------
# Quadrature machinery
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("d", [2, 3, 5, 32, 1024, 4096])
@pytest.mark.parametrize("kappa", [0.0, 0.1, 5.0, 50.0, 1000.0, 1e4])
def test_angle_rule_mass_is_the_vmf_normalizer(d, kappa):
    # ∫_0^π sin^{d-2}θ e^{κ cos θ} dθ = B((d-1)/2, 1/2) · 0F1(; d/2; κ²/4)
    _, weights, log_mass = nce._angle_rule(d - 2, kappa)
    exact = special.betaln((d - 1) / 2, 0.5) + _log_hyp0f1_mp(d / 2, kappa**2 / 4)
    assert log_mass == pytest.approx(exact, abs=1e-10 * max(1.0, abs(exact)))
    assert weights.sum() == pytest.approx(1.0, rel=1e-14)


@pytest.mark.parametrize("b, lo, hi", [(1.0, 0.0, 100.0), (0.5, 0.0, 50.0), (16.0, 2.0, 60.0), (2048.0, 0.0, 100.0)])
def test_log_hyp0f1_interpolant(b, lo, hi):
    f = nce._log_hyp0f1_interpolant(b, lo, hi)
    xs = np.linspace(lo, hi, 13)
    expected = np.array([_log_hyp0f1_mp(b, x * x) for x in xs])
    assert np.allclose(f(xs), expected, rtol=1e-11, atol=1e-11)


# --------------------------------------------------------------------------------------------
# Φ on non-uniform families
# --------------------------------------------------------------------------------------------
def _phi_vmf_d3_by_quad(kappa, alpha):
    # d = 3: t = w·u has density ∝ e^{κt} on [-1, 1]; the inner MGF is sinh(x)/x at x = ||κw + αu||
    def log_inner(t):
        x = math.sqrt(kappa**2 + alpha**2 + 2 * kappa * alpha * t)
        return x + math.log(-math.expm1(-2 * x) / (2 * x)) - (kappa + math.log(-math.expm1(-2 * kappa) / (2 * kappa)))

    z = integrate.quad(lambda t: math.exp(kappa * (t - 1)), -1, 1, epsabs=0, epsrel=1e-13)[0]
    return integrate.quad(lambda t: math.exp(kappa * (t - 1)) * log_inner(t), -1, 1, epsabs=0, epsrel=1e-13)[0] / z


@pytest.mark.parametrize("kappa, alpha", [(0.5, 10.0), (4.0, 10.0), (40.0, 3.0)])
def test_phi_vmf_d3_by_quadrature(kappa, alpha):
    assert nce.phi_vmf(3, kappa, alpha) == pytest.approx(_phi_vmf_d3_by_quad(kappa, alpha), rel=1e-10)


def _circle_phi(density, alpha, m=4096):
    # d = 2: Φ = E_θ log E_θ' e^{α cos(θ-θ')}, periodic trapezoid (spectrally accurate)
    theta = 2 * np.pi * np.arange(m) / m
    f = density(theta)
    f = f / f.mean()
    kernel = np.exp(alpha * np.cos(theta[:, None] - theta[None, :]))
    return float(np.mean(f * np.log(kernel @ f / m)))


def test_phi_on_the_circle_by_trapezoid():
    alpha = 5.0
    weights, kappas, angles = [0.3, 0.7], [2.0, 6.0], [0.4, 2.5]

    def mixture(theta):
        return sum(w * np.exp(k * np.cos(theta - a)) / special.i0(k) for w, k, a in zip(weights, kappas, angles))

    assert nce.phi_vmf_mixture(2, weights, kappas, angles, alpha) == pytest.approx(_circle_phi(mixture, alpha), rel=1e-9)
    s = 3.0  # ACG on the circle: density ∝ (cos²θ/s + sin²θ)^{-1}
    assert nce.phi_axial_acg(2, s, alpha) == pytest.approx(
        _circle_phi(lambda th: 1 / (np.cos(th) ** 2 / s + np.sin(th) ** 2), alpha), rel=1e-9)


def test_phi_acg_d3_by_double_quadrature():
    # d = 3: u = (t, sqrt(1-t²) e^{iφ}); the φ' integral gives I0(α sqrt((1-t²)(1-t'²))), t-density ∝ f(t)
    s, alpha = 4.0, 6.0
    x, w = np.polynomial.legendre.leggauss(400)

    def f(t):
        return s**-0.5 * (t * t / s + 1 - t * t) ** -1.5

    ft = f(x) * w / 2
    r = np.sqrt(np.outer(1 - x * x, 1 - x * x))
    inner = (np.exp(alpha * np.outer(x, x)) * special.i0e(alpha * r) * np.exp(alpha * r)) @ ft
    expected = float(ft @ np.log(inner))
    assert nce.phi_axial_acg(3, s, alpha) == pytest.approx(expected, rel=1e-8)


@pytest.mark.parametrize("d", [2, 3, 16, 512])
def test_families_reduce_to_sigma(d):
    assert nce.phi_vmf(d, 0.0, 10.0) == pytest.approx(nce.phi_uniform(d, 10.0), rel=1e-12)
    assert nce.phi_axial_acg(d, 1.0, 10.0) == pytest.approx(nce.phi_uniform(d, 10.0), rel=1e-11)


@settings(max_examples=15)
@given(seed=st.integers(0, 2**32 - 1), d=st.integers(2, 40), components=st.integers(1, 3), alpha=st.floats(0.5, 20))
def test_phi_of_random_vmf_mixtures_is_above_sigma_and_jensen(seed, d, components, alpha):
    # W&I uniqueness and Jensen: Φ(μ) >= max(Φ(σ), α‖m‖²)
    rng = np.random.default_rng(seed)
    weights = rng.dirichlet(np.ones(components))
    kappas = rng.uniform(0.05, 3 * d, components)
    angles = rng.uniform(0, 2 * np.pi, components)
    phi = nce.phi_vmf_mixture(d, weights, kappas, angles, alpha)
    m = np.linalg.norm(nce.vmf_mixture_mean(d, weights, kappas, angles))
    assert phi > nce.phi_uniform(d, alpha)
    assert phi >= nce.jensen_lower_bound(m, alpha) - 1e-10


def test_mixture_invariances():
    d, alpha = 7, 5.0
    single = nce.phi_vmf(d, 3.0, alpha)
    assert nce.phi_vmf_mixture(d, [1.0], [3.0], [1.234], alpha) == pytest.approx(single, rel=1e-12)
    assert nce.phi_vmf_mixture(d, [0.5, 0.5], [3.0, 3.0], [0.7, 0.7], alpha) == pytest.approx(single, rel=1e-12)
    a = nce.phi_vmf_mixture(d, [0.2, 0.8], [1.0, 9.0], [0.3, 2.0], alpha)
    b = nce.phi_vmf_mixture(d, [0.8, 0.2], [9.0, 1.0], [2.3, 0.6], alpha)  # permuted and rotated by 0.3
    assert a == pytest.approx(b, rel=1e-11)


@pytest.mark.parametrize("d", [3, 32, 256])
def test_acg_is_above_sigma(d):
    for s in (0.1, 0.5, 2.0, 10.0):
        assert nce.phi_axial_acg(d, s, 10.0) > nce.phi_uniform(d, 10.0)


def test_mixture_rejects_bad_input():
    with pytest.raises(ValueError, match="sum to 1"):
        nce.phi_vmf_mixture(4, [0.5, 0.6], [1, 1], [0, 0], 1.0)
    with pytest.raises(ValueError, match="one weight"):
        nce.phi_vmf_mixture(4, [1.0], [1, 2], [0, 0], 1.0)
    with pytest.raises(ValueError, match="scale"):
        nce.phi_axial_acg(4, -1.0, 1.0)


# --------------------------------------------------------------------------------------------
# Funk–Hecke and the local curvature
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("d", [3, 6, 20])
def test_funk_hecke_against_bessel_i(d):
    # λ_n = Γ(d/2) (2/α)^{d/2-1} I_{n+d/2-1}(α), with scipy's Bessel I
    alpha = 7.0
    for n in range(6):
        expected = special.gammaln(d / 2) + (d / 2 - 1) * math.log(2 / alpha) + math.log(special.iv(n + d / 2 - 1, alpha))
        assert nce.log_funk_hecke_eigenvalue(d, alpha, n) == pytest.approx(expected, rel=1e-11, abs=1e-11)


@given(d=st.integers(2, 10**5), alpha=st.floats(0.01, 200))
def test_local_curvature_below_alpha_and_ratios_decrease(d, alpha):
    q = nce.local_curvature(d, alpha)
    assert 0 < q < alpha  # d A_d(α) < α since A_d(α) < α/d
    ratios = nce.funk_hecke_ratio(d, alpha, np.arange(5))
    assert ratios[0] == pytest.approx(1.0) and np.all(np.diff(ratios) < 0)


def test_local_curvature_limit_and_vmf_second_variation():
    assert nce.derive_local_curvature_limit() == sp.Symbol("alpha", positive=True)
    assert nce.local_curvature(10**6, 10.0) == pytest.approx(10.0, rel=1e-5)
    # Φ(vMF_κ) − Φ(σ) = q*‖m‖² (1 + O(κ²)), ‖m‖ = A_d(κ)
    d, alpha = 12, 10.0
    errs = [abs((nce.phi_vmf(d, k, alpha) - nce.phi_uniform(d, alpha)) / bessel_ratio(d, k) ** 2 / nce.local_curvature(d, alpha) - 1)
            for k in (0.4, 0.2, 0.1)]
    assert errs[2] < errs[1] < errs[0] and errs[1] / errs[0] == pytest.approx(0.25, rel=0.1)


# --------------------------------------------------------------------------------------------
# Pair laws and the bias constant
# --------------------------------------------------------------------------------------------
def test_vmf_augmentation_closed_forms():
    law = nce.VMFAugmentation(d=10, kappa=7.0, alpha=4.0)
    a = float(special.iv(5, 7.0) / special.iv(4, 7.0))
    assert law.alignment() == pytest.approx(a, rel=1e-12)
    g = _log_hyp0f1_mp(5, 4.0)
    assert law.population_loss() == pytest.approx(-4.0 * a + g, rel=1e-12)
    positive = math.exp(_log_hyp0f1_mp(5, 11.0**2 / 4) - _log_hyp0f1_mp(5, 49 / 4) - g)
    expected = positive - 1 - 0.5 * (math.exp(_log_hyp0f1_mp(5, 16.0) - 2 * g) - 1)
    assert law.bias_constant() == pytest.approx(expected, rel=1e-11)


def test_copy_or_fresh_at_sigma_matches_the_closed_form():
    # κ = 0: g ≡ 0F1(; d/2; α²/4), so c1 = p(e^α/g − 1) − s²/(2g²)
    law = nce.CopyOrFresh(d=9, kappa=0.0, p=0.3, alpha=5.0)
    g = _log_hyp0f1_mp(4.5, 25 / 4)
    expected = 0.3 * (math.exp(5.0 - g) - 1) - 0.5 * (math.exp(_log_hyp0f1_mp(4.5, 25.0) - 2 * g) - 1)
    assert law.bias_constant() == pytest.approx(expected, rel=1e-10)
    assert law.alignment() == pytest.approx(0.3)
    assert nce.CopyOrFresh(d=9, kappa=2.0, p=1.0, alpha=5.0).alignment() == 1.0


@pytest.mark.parametrize("cls, kwargs, match", [
    (nce.VMFAugmentation, dict(d=1, kappa=1.0, alpha=1.0), "d"),
    (nce.VMFAugmentation, dict(d=4, kappa=-1.0, alpha=1.0), "kappa"),
    (nce.CopyOrFresh, dict(d=4, kappa=1.0, p=1.5, alpha=1.0), "probability"),
    (nce.CopyOrFresh, dict(d=4, kappa=1.0, p=0.5, alpha=0.0), "alpha"),
])
def test_pair_laws_reject_bad_input(cls, kwargs, match):
    with pytest.raises(ValueError, match=match):
        cls(**kwargs)
