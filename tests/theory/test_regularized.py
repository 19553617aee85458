"""theory.regularized: β₀, the objectives, the sympy chain of Eqs. 17–19, the vMF critical β, the
stability and Jensen bounds (derived here), Appendix D's tilt scan, and input errors."""

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from infonce_gauss.theory.gaussian_reference import max_entropy_minimum
from infonce_gauss.theory.infonce import local_curvature, phi_uniform, phi_vmf
from infonce_gauss.theory.regularized import (
    VMFRegularizedModel,
    beta_threshold,
    derive_theorem1_chain,
    full_objective,
    is_nonnegative_combination,
    jensen_objective_lower_bound,
    jensen_value_gap_bound,
    pinsker_tv_bound,
    reduced_objective,
    stability_kl_bound,
    tilt_objective_gap,
    tilt_stationary_points,
)
from infonce_gauss.theory.vmf import vmf_kl_to_uniform, vmf_mean_length


# --- β₀ ---------------------------------------------------------------------------------------
def test_beta_threshold_paper_example():
    # Theorem 1 with the explicit C = 1/2: α = 10, η₂ = 0.5, d = 256 gives 2α(1−η₂)/(d−1) ≈ 0.039
    assert beta_threshold(256, 10, 0.5) == pytest.approx(10 / 255, rel=1e-15)
    assert beta_threshold(256, 10, 0.5, sharp=True) == pytest.approx(10 / 256, rel=1e-15)
    assert beta_threshold(256, 10, 0.5, constant=0.25) == pytest.approx(20 / 255, rel=1e-15)
    assert beta_threshold(9, 3.0, 1.0) == 0.0


# --- the chain, symbolically ------------------------------------------------------------------
def test_chain_steps_are_inequalities():
    chain = derive_theorem1_chain()
    s = chain["symbols"]
    for key in ("drops", "stability_drops", "jensen_drops"):
        for drop in chain[key]:
            assert drop != 0 or key == "drops"
            assert is_nonnegative_combination(drop), (key, drop)
    # each drop, written out: Φ gap + α·(Prop 1 slack); (β−β₀ + β₀)·(Lemma 1 slack); C(d−1)(β−β₀)m²
    s_phi, s_a, s_k = sp.symbols("s_Phi s_A s_K", nonnegative=True)
    alpha, C, D, e, m, w = s["alpha"], s["C"], s["D"], s["e"], s["m"], s["w"]
    assert sp.simplify(chain["drops"][0] - (s_phi + alpha * s_a)) == 0
    assert sp.simplify(chain["drops"][1] - (e + alpha * w / (C * D)) * s_k) == 0
    assert sp.simplify(chain["drops"][2] - C * D * e * m**2) == 0
    assert sp.simplify(chain["steps"][-1] + alpha * s["delta"]) == 0


def testis_nonnegative_combination_can_fail():
    x, y = sp.symbols("x y", nonnegative=True)
    assert is_nonnegative_combination(x + 2 * y)
    assert not is_nonnegative_combination(x - y)


def test_beta0_is_root_and_vanishes_like_one_over_d():
    chain = derive_theorem1_chain()
    s = chain["symbols"]
    assert sp.simplify(chain["beta0"] - s["alpha"] * (1 - s["eta2"]) / (s["C"] * (s["d"] - 1))) == 0
    assert sp.simplify(chain["beta0_limit"] - 2 * s["alpha"] * (1 - s["eta2"])) == 0


# --- the vMF family ---------------------------------------------------------------------------
@given(d=st.integers(2, 400), alpha=st.floats(0.5, 30), eta2=st.floats(0, 1), kappa=st.floats(1e-3, 2e3),
       excess=st.floats(0, 3), delta_fraction=st.floats(0, 1))
def test_theorem1_value_bound_on_vmf(d, alpha, eta2, kappa, excess, delta_fraction):
    # Theorem 1 (Eq. 19) and the derived stability form: for β >= β₀,
    # J̃(μ_κ) − J̃(σ) >= (β − β₀)KL − αδ >= −αδ. δ = η₂ − Align(σ) enters both sides as −αδ, so any
    # δ ∈ [0, η₂] exercises the same inequality; it is drawn to check the bookkeeping of δ as well.
    delta = delta_fraction * eta2
    model = VMFRegularizedModel(d, alpha, eta2, delta)
    beta = model.beta0 * (1 + excess)
    gap = model.gap(kappa, beta)
    floor = (beta - model.beta0) * model.kl(kappa) - alpha * delta
    assert gap >= floor - 1e-10 * (1 + abs(floor))
    assert gap >= -alpha * delta - 1e-10


def test_gap_terms_match_their_definitions():
    d, alpha, eta2, delta, kappa, beta = 12, 10.0, 0.3, 0.02, 5.0, 0.7
    model = VMFRegularizedModel(d, alpha, eta2, delta)
    a = vmf_mean_length(d, kappa)
    expected = (phi_vmf(d, kappa, alpha) - phi_uniform(d, alpha) - alpha * ((1 - eta2) * a * a + delta)
                + beta * vmf_kl_to_uniform(d, kappa))
    assert model.gap(kappa, beta) == pytest.approx(expected, rel=1e-13)
    j_mu = reduced_objective(phi_vmf(d, kappa, alpha), eta2 + (1 - eta2) * a * a, vmf_kl_to_uniform(d, kappa), alpha=alpha, beta=beta)
    j_sigma = reduced_objective(phi_uniform(d, alpha), eta2 - delta, 0.0, alpha=alpha, beta=beta)
    assert j_mu - j_sigma == pytest.approx(expected, rel=1e-13)


@pytest.mark.parametrize("d, eta2", [(8, 0.0), (64, 0.0), (8, 0.5), (64, 0.5)])
def test_critical_beta_is_the_threshold(d, eta2):
    model = VMFRegularizedModel(d, 10.0, eta2)
    crit = model.critical_beta(points=32)
    # small-κ limit: KL ≈ dA²/2 and ΔΦ ≈ q*A² (Appendix D), so the ratio tends to 2(α(1−η₂) − q*)/d
    assert crit.small_kappa_limit == pytest.approx(2 * (10 * (1 - eta2) - local_curvature(d, 10.0)) / d, rel=1e-12)
    kappa = 1e-3
    ratio = (10 * (1 - eta2) * vmf_mean_length(d, kappa) ** 2 - model.phi_gap(kappa)) / model.kl(kappa)
    assert ratio == pytest.approx(crit.small_kappa_limit, abs=1e-4 * abs(crit.small_kappa_limit) + 1e-9)
    # Φ(μ) >= Φ(σ) and KL >= dA²/2 put it below 2α(1−η₂)/d < β₀
    assert crit.value <= 2 * 10 * (1 - eta2) / d < crit.beta0
    kappas = np.geomspace(1e-2, 30 * (d + 10), 80)
    assert np.min(model.gap(kappas, crit.value * (1 + 1e-6) + 1e-12)) >= -1e-12
    if crit.value > 0:
        below = model.gap(np.r_[kappas, 1e-3], 0.98 * crit.value)
        assert np.min(below) < 0


def test_critical_beta_vanishes_when_sigma_beats_every_tilt():
    # η₂ = 0.5, d = 64: q* ≈ 9.03 > α(1−η₂) = 5, and no tilt wins even at β = 0
    model = VMFRegularizedModel(64, 10.0, 0.5)
    crit = model.critical_beta(points=24)
    assert crit.value == 0.0 and crit.sup_ratio < 0
    assert np.min(model.gap(np.geomspace(1e-2, 1e4, 60), 0.0)) > 0


# --- derived here: stability and the Jensen observation -----------------------------------------
def test_stability_bound_and_pinsker():
    assert stability_kl_bound(2.0, 1.0, 10.0, 0.01, 0.05) == pytest.approx(0.15)
    assert pinsker_tv_bound(0.02) == pytest.approx(0.1)
    assert pinsker_tv_bound(8.0) == 1.0


@given(d=st.integers(2, 300), alpha=st.floats(0.5, 30), eta2=st.floats(0, 1), kappa=st.floats(1e-3, 2e3))
def test_jensen_observation_on_vmf(d, alpha, eta2, kappa):
    # Derived here (REG-THM1-ASYMPTOTIC): Φ(μ) >= α‖m‖² gives J̃₀(μ) >= −αη₂(1 − ‖m‖²) with Align at its bound,
    # and J̃₀(σ) − J̃₀(μ) <= Φ(σ) + αδ <= α²/(2d) + αδ
    a = float(vmf_mean_length(d, kappa))
    j0 = phi_vmf(d, kappa, alpha) - alpha * (eta2 + (1 - eta2) * a * a)
    assert j0 >= jensen_objective_lower_bound(alpha, eta2, a) - 1e-10
    gap = VMFRegularizedModel(d, alpha, eta2).jensen_gap(kappa)
    assert -gap <= jensen_value_gap_bound(d, alpha, 0.0) + 1e-10
    assert jensen_value_gap_bound(d, alpha, 0.0) <= alpha**2 / (2 * d) * (1 + 1e-12)


def test_full_objective_at_the_gaussian_optimum():
    # Corollary 2: at N(0,(2λ)⁻¹I), −H + λE‖Z‖² = −(d/2)log(π/λ)
    d, lam = 16, 0.7
    entropy = 0.5 * d * math.log(2 * math.pi * math.e / (2 * lam))
    value = full_objective(1.0, 0.4, entropy, d / (2 * lam), alpha=10.0, beta=0.3, lam=lam)
    assert value == pytest.approx(1.0 - 4.0 + 0.3 * max_entropy_minimum(d, lam), rel=1e-13)


# --- Appendix D -------------------------------------------------------------------------------
@pytest.mark.parametrize("d", [3, 16, 128])
def test_appendix_d_local_condition_matches_the_scan(d):
    q_star = local_curvature(d, 10.0)
    assert tilt_stationary_points(d, 10.0, 0.95 * q_star, points=16)[0].kind == "min"
    assert tilt_stationary_points(d, 10.0, 1.05 * q_star, points=16)[0].kind == "max"
    small = 1e-3
    # J_q(μ_κ) − J_q(σ) ≈ (q* − q)A² for small κ
    q = 0.5 * q_star
    assert tilt_objective_gap(d, 10.0, q, small) == pytest.approx((q_star - q) * vmf_mean_length(d, small) ** 2, rel=1e-3)


def test_appendix_d_without_penalty_sigma_is_the_unique_minimum():
    # q = 0: J_q = Φ, uniquely minimized at σ (W&I): no interior stationary point, σ a minimum
    found = tilt_stationary_points(8, 10.0, 0.0, points=24)
    assert [p.kind for p in found] == ["min"]


# --- input errors -----------------------------------------------------------------------------
@pytest.mark.parametrize("call, match", [
    (lambda: beta_threshold(1, 10, 0.5), "d"),
    (lambda: beta_threshold(8, -1, 0.5), "alpha"),
    (lambda: beta_threshold(8, 10, 1.5), "eta2"),
    (lambda: VMFRegularizedModel(8, 10, 0.2, 0.3), "delta"),
    (lambda: VMFRegularizedModel(8, 10, 0.2).gap(-1.0, 0.1), "kappa"),
    (lambda: VMFRegularizedModel(8, 10, 0.2).gap(1.0, -0.1), "beta"),
    (lambda: VMFRegularizedModel(8, 10, 0.2).critical_beta(kappa_min=5, kappa_max=1), "kappa_max"),
    (lambda: stability_kl_bound(1.0, 1.0, 10, 0.1), "beta > beta0"),
    (lambda: reduced_objective(0.0, 0.5, -0.1, alpha=10, beta=1), "kl"),
    (lambda: jensen_objective_lower_bound(10, 0.5, 1.2), "mean_length"),
    (lambda: tilt_objective_gap(8, 10, -1.0, 1.0), "q"),
])
def test_bad_input_raises_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_local_critical_beta_over_all_laws_is_the_small_tilt_limit_of_the_vmf_scan():
    """The sympy second variation (spherical harmonics) against the exact vMF quadrature: the tilt's ratio
    [α(1−η₂)A² − ΔΦ]/KL at κ = 1e-2 is the root of Q₁ to O(κ²); the scan's critical β can only exceed it."""
    import sympy as sp

    from infonce_gauss.theory.infonce import local_curvature
    from infonce_gauss.theory.regularized import derive_local_critical_beta, local_critical_beta

    derived = derive_local_critical_beta()
    s = derived["symbols"]
    assert derived["cross"] == 0
    assert sp.simplify(derived["Qn"] - (s["r"] - s["r"] ** 2 / 2 + s["beta"] / 2)) == 0
    root = sp.lambdify((s["d"], s["alpha"], s["eta2"], s["a"]), derived["beta_local"])
    for d, eta2 in ((8, 0.0), (32, 0.0), (8, 0.5), (64, 0.5)):
        model = VMFRegularizedModel(d, 10.0, eta2)
        a = local_curvature(d, 10.0) / d  # a(1 − a/2) = q*/d: solve for a = A_d(α)
        a = 1 - (1 - 2 * a) ** 0.5
        exact = root(d, 10.0, eta2, a)
        assert abs(float(model._ratio(1e-2)) - exact) <= 1e-4 * max(abs(exact), 1e-3)
        assert abs(local_critical_beta(d, 10.0, eta2) - max(0.0, exact)) < 1e-12
        assert local_critical_beta(d, 10.0, eta2) <= model.critical_beta(points=24).value + 1e-12 < model.beta0
