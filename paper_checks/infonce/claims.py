"""NCE- claims: the InfoNCE population objective (Eq. 4), Φ and its unique minimizer, the finite-batch
rate, and the plateau route Lemma 2 → Corollary 1 shown on free particles.

Paper references are to arXiv 2602.24012 by its own numbering.
"""

from __future__ import annotations

import math

import numpy as np
import sympy as sp
from scipy import integrate, special

from infonce_gauss.infonce.plots import plot_bias, plot_particles
from infonce_gauss.infonce.settings import BIAS_LAW, LIMIT_LAWS
from infonce_gauss.claim import ClaimContext, ClaimSet, Verdict
from infonce_gauss.simulations.estimates import MC_AGREEMENT_Z, mean_estimate
from infonce_gauss.simulations.infonce import batch_loss_estimates, bias_rate_fits, bias_sweep, particle_sweep, sample_vmf
from infonce_gauss.simulations.rates import fit_rate
from infonce_gauss.simulations.sampling import derive_seed, projected_sphere, spawn_seeds, uniform_sphere
from infonce_gauss.theory.infonce import (
    PAPER_ALPHA,
    alignment_term_from_l_align,
    derive_local_curvature_limit,
    derive_phi_uniform_bounds,
    funk_hecke_ratio,
    infonce_loss,
    jensen_lower_bound,
    l_align,
    l_uniform,
    local_curvature,
    log_funk_hecke_eigenvalue,
    log_pair_mgf_from_l_uniform,
    optimal_uniformity,
    phi_axial_acg,
    phi_uniform,
    phi_uniform_bounds,
    phi_vmf,
    phi_vmf_mixture,
    vmf_mixture_mean,
)
from infonce_gauss.theory.special import bessel_ratio
from infonce_gauss.theory.sphere import diaconis_freedman_bound, tv_to_gaussian
from infonce_gauss.theory.vmf import vmf_log_normalizer

CLAIMS = ClaimSet("NCE-")



def _sphere_mgf_by_quadrature(d: int, alpha: float) -> float:
    r""":math:`\log E_\sigma e^{\alpha u_1}` by adaptive quadrature of the Beta-type marginal
    :math:`c_d(1-t^2)^{(d-3)/2}` (scaled at its mode), independent of the ₀F₁ series."""
    log_c = special.gammaln(d / 2) - special.gammaln((d - 1) / 2) - 0.5 * math.log(math.pi)
    mode = (-(d - 3) + math.sqrt((d - 3) ** 2 + 4 * alpha**2)) / (2 * alpha) if d > 3 else 1.0

    def log_f(t):
        return alpha * t + 0.5 * (d - 3) * math.log1p(-t * t) if abs(t) < 1 else -math.inf

    top = log_f(min(mode, 1 - 1e-15))
    value, _ = integrate.quad(lambda t: math.exp(log_f(t) - top), -1, 1, points=[mode] if mode < 1 else None,
                              epsabs=0, epsrel=1e-13, limit=400)
    return log_c + top + math.log(value)


@CLAIMS.claim(
    "NCE-PHI-UNIFORM",
    finding="sharpened",
    title="Φ at the uniform law: exact value and bounds α²/(2d) − O(α⁴/d³) ≤ Φ(σ) ≤ α²/(2d)",
    paper_ref="Eq. 4; W&I Thm 1",
    statement="Φ(σ) = log 0F1(; d/2; α²/4), with ((d+2)/2)·log(1 + α²/(d(d+2))) ≤ Φ(σ) ≤ α²/(2d) for all d ≥ 2 and α > 0.",
)
def phi_uniform_claim(ctx: ClaimContext) -> Verdict:
    derived = derive_phi_uniform_bounds()
    d, a = sp.symbols("d alpha", positive=True)
    grid_d = [2, 3, 4, 8, 32, 128, 1024, 4096]
    grid_a = np.geomspace(0.01, 300, 25)
    gaps = [(n, al, *phi_uniform_bounds(n, al), phi_uniform(n, al)) for n in grid_d for al in grid_a]
    # slack 1e-10 relative: log_hyp0f1 is accurate to ~2e-12 relative at d = 4096 and small α, where the
    # lower bound is within α⁶/d⁵ of the value
    bounds_hold = all(lo <= v * (1 + 1e-10) and v <= hi * (1 + 1e-10) for _, _, lo, hi, v in gaps)
    quad = {(n, al): abs(phi_uniform(n, al) - _sphere_mgf_by_quadrature(n, al)) / max(phi_uniform(n, al), 1e-300)
            for n in (3, 8, 64, 512) for al in (1.0, 10.0, 100.0)}
    n_mc = ctx.profile.pick(quick=400_000, full=4_000_000)
    s = projected_sphere(n_mc, 32, 1, rng=ctx.seed) / math.sqrt(32)
    weights = np.exp(PAPER_ALPHA * s - PAPER_ALPHA)
    mc = mean_estimate(weights, seed=ctx.seed)
    log_mc, log_se = math.log(mc.value) + PAPER_ALPHA, mc.se / mc.value
    rng = np.random.default_rng(ctx.seed)
    u = uniform_sphere(64, 4096, rng=rng)
    extreme_loss = infonce_loss(u, sample_vmf(u, 2000.0, rng=rng), 100.0)
    exact = phi_uniform(32, PAPER_ALPHA)
    return Verdict.from_checks(
        {
            "sympy: cumulant series = α²/(2d) − α⁴/(4d²(d+2)) + O(α⁶)":
                sp.simplify(derived["series"].coeff(a, 2) - 1 / (2 * d)) == 0
                and sp.simplify(derived["series"].coeff(a, 4) + 1 / (4 * d**2 * (d + 2))) == 0,
            "sympy: ∫ of the continued-fraction convergents gives α²/(2d) and ((d+2)/2)log(1+α²/(d(d+2)))":
                sp.simplify(derived["upper"] - a**2 / (2 * d)) == 0
                and sp.simplify(sp.expand_log(derived["lower"] - (d + 2) / 2 * sp.log(1 + a**2 / (d * (d + 2))), force=True)) == 0,
            "sympy: the lower bound matches the series to order α⁴": sp.simplify(derived["lower_series"].coeff(a, 4) - derived["series"].coeff(a, 4)) == 0,
            "bounds hold on the (d, α) grid (d in 2..4096, α in 0.01..300)": bounds_hold,
            "log 0F1 equals an independent quadrature of E_σ e^{α u_1} to 1e-9 relative": max(quad.values()) < 1e-9,
            f"Monte Carlo log E_σ e^{{α u_1}} within {MC_AGREEMENT_Z:g} SE (d = 32, α = 10)": abs(log_mc - exact) <= MC_AGREEMENT_Z * log_se,
            "no overflow at τ = 0.01, d = 4096: Φ(σ) and the batch loss are finite": math.isfinite(phi_uniform(4096, 100.0)) and math.isfinite(extreme_loss),
        },
        measured=exact,
        expected={"lower": phi_uniform_bounds(32, PAPER_ALPHA)[0], "upper": phi_uniform_bounds(32, PAPER_ALPHA)[1]},
        rule="sympy identities exact; bounds with 1e-10 relative slack; quadrature 1e-9; MC |z| <= 4 (delta-method SE of a log mean)",
        details={"adds": "Φ(σ) in closed form, log 0F1(; d/2; α²/4), with two-sided bounds; the paper uses Φ(σ) without a value", "d": 32, "alpha": PAPER_ALPHA, "series": str(derived["series"]), "lower": str(derived["lower"]),
                 "max_rel_err_vs_quadrature": max(quad.values()), "mc": {"value": log_mc, "se": log_se, "n": n_mc, "seed": ctx.seed},
                 "phi_uniform_tau0.1": {n: phi_uniform(n, PAPER_ALPHA) for n in (32, 64, 128, 256, 512, 768, 1024)}},
    )


def _mixture_log_inner(u, weights, kappas, axes, alpha):
    r""":math:`\log E_{v\sim\mu}e^{\alpha u\cdot v}` for a vMF mixture, with the Bessel form
    :math:`\log{}_0F_1(;b;x^2/4)=\log\Gamma(b)+(1-b)\log(x/2)+\log I_{b-1}(x)` (scipy's ``ive``; x > 0 here),
    independent of the quadrature's series and interpolants."""
    d, b = u.shape[1], u.shape[1] / 2
    x = np.sqrt(kappas[None, :] ** 2 + alpha**2 + 2 * alpha * kappas[None, :] * (u @ axes.T))
    log_hyp = special.gammaln(b) + (1 - b) * np.log(x / 2) + np.log(special.ive(b - 1, x)) + x
    terms = log_hyp - np.asarray(vmf_log_normalizer(d, kappas)).reshape(1, -1)
    return special.logsumexp(terms, b=weights[None, :], axis=1)


@CLAIMS.claim(
    "NCE-PHI-UNIQUE",
    finding="confirmed",
    title="σ is the unique minimizer of Φ on every family tried (vMF tilts, vMF mixtures, angular central Gaussians)",
    paper_ref="Lemma 2, App. C.1, Eq. 47; W&I App. A",
    statement="Φ(μ) > Φ(σ) for every μ ≠ σ tried, and Φ(μ) ≥ α‖m(μ)‖² (Jensen); so at fixed alignment the objective is minimized at σ only.",
)
def phi_unique(ctx: ClaimContext) -> Verdict:
    rng = np.random.default_rng(ctx.seed)
    dims = ctx.profile.pick(quick=(3, 16, 128), full=(2, 3, 8, 16, 64, 128, 512, 1024))
    rows = []
    for d in dims:
        base = phi_uniform(d, PAPER_ALPHA)
        for kappa in (0.01, 0.3, 3.0, 30.0, 300.0):
            rows.append({"family": "vMF", "d": d, "param": kappa, "gap": phi_vmf(d, kappa, PAPER_ALPHA) - base,
                         "jensen": jensen_lower_bound(bessel_ratio(d, kappa), PAPER_ALPHA) - base})
        for kappa in (10.0, 100.0):
            rows.append({"family": "antipodal mixture (m = 0)", "d": d, "param": kappa,
                         "gap": phi_vmf_mixture(d, [0.5, 0.5], [kappa, kappa], [0.0, math.pi], PAPER_ALPHA) - base, "jensen": -base})
        for i in range(ctx.profile.pick(quick=3, full=10)):
            weights = rng.dirichlet(np.ones(3))
            kappas, angles = rng.uniform(0, 3 * d ** 0.5 + 5, 3), rng.uniform(0, 2 * math.pi, 3)
            m = np.linalg.norm(vmf_mixture_mean(d, weights, kappas, angles))
            rows.append({"family": "planar 3-component mixture", "d": d, "param": i,
                         "gap": phi_vmf_mixture(d, weights, kappas, angles, PAPER_ALPHA) - base,
                         "jensen": jensen_lower_bound(m, PAPER_ALPHA) - base})
        for scale in (0.2, 0.5, 2.0, 5.0):
            rows.append({"family": "axial ACG", "d": d, "param": scale, "gap": phi_axial_acg(d, scale, PAPER_ALPHA) - base, "jensen": -base})
    ctx.save_table("phi_families", rows)
    # Monte Carlo of one mixture at d = 8: u from the mixture, the inner expectation exact (no interpolant)
    d, weights, kappas, angles = 8, np.array([0.2, 0.3, 0.5]), np.array([4.0, 12.0, 1.0]), np.array([0.0, 2.0, 4.0])
    axes = np.zeros((3, d))
    axes[:, 0], axes[:, 1] = np.cos(angles), np.sin(angles)
    n = ctx.profile.pick(quick=20_000, full=200_000)
    component = rng.choice(3, size=n, p=weights)
    u = np.concatenate([sample_vmf(np.tile(axes[j], (int(np.sum(component == j)), 1)), kappas[j], rng=rng) for j in range(3)])
    mc = mean_estimate(_mixture_log_inner(u, weights, kappas, axes, PAPER_ALPHA), seed=ctx.seed)
    exact = phi_vmf_mixture(d, weights, kappas, angles, PAPER_ALPHA)
    at_sigma = max(abs(phi_vmf(n_, 0.0, PAPER_ALPHA) - phi_uniform(n_, PAPER_ALPHA)) + abs(phi_axial_acg(n_, 1.0, PAPER_ALPHA) - phi_uniform(n_, PAPER_ALPHA))
                   for n_ in dims)
    min_gap = min(r["gap"] for r in rows)
    return Verdict.from_checks(
        {
            "Φ(μ) − Φ(σ) > 0 for every μ ≠ σ tried": min_gap > 0,
            "Jensen: Φ(μ) ≥ α‖m(μ)‖² for every μ tried": all(r["gap"] >= r["jensen"] - 1e-9 for r in rows),
            "vMF(κ = 0) and ACG(Σ = I) give Φ(σ) to 1e-12": at_sigma < 1e-12,
            f"Monte Carlo Φ of a 3-component mixture (d = 8) within {MC_AGREEMENT_Z:g} SE of the quadrature": abs(mc.z_score(exact)) <= MC_AGREEMENT_Z,
        },
        measured=min_gap,
        expected="> 0",
        uncertainty=None,
        rule=f"min over {len(rows)} laws of Φ(μ) − Φ(σ) by quadrature (α = {PAPER_ALPHA:g}); MC |z| <= {MC_AGREEMENT_Z:g}",
        details={"smallest_gap_law": min(rows, key=lambda r: r["gap"]), "mc": {**mc.to_dict(), "exact": exact},
                 "note": "the antipodal mixtures and ACGs have m = 0, so Jensen gives only Φ ≥ 0: their gap is W&I's uniqueness, not the mean"},
    )


@CLAIMS.claim(
    "NCE-WI-UNIFORMITY",
    finding="classical",
    title="W&I optimal uniformity −2t + log 0F1(; d/2; t²) → −2t, and the notation conversions",
    paper_ref="W&I 2020 Thm 1, App. A",
    statement="L_uniform(σ; t) = log E e^{−t‖u−v‖²} = −2t + log 0F1(; d/2; t²), within 2t²/d of −2t; −αE[u·v] = −α + (α/2)L_align and log E e^{αu·v} = α + L_uniform(α/2).",
)
def wi_uniformity(ctx: ClaimContext) -> Verdict:
    t = 2.0
    dims = [2 ** j for j in range(2, 15)]
    gaps = np.array([optimal_uniformity(d, t) + 2 * t for d in dims])
    fit = fit_rate(dims, gaps, exact=True, corrections=1, predicted_slope=-1.0, predicted_constant=2 * t * t)
    rng = np.random.default_rng(ctx.seed)
    n = ctx.profile.pick(quick=200_000, full=2_000_000)
    d = 16
    u, v = uniform_sphere(n, d, rng=rng), uniform_sphere(n, d, rng=rng)
    kernel = np.exp(-t * np.sum((u - v) ** 2, axis=1) + 4 * t)  # scaled by e^{4t} (its maximum): no underflow
    mc = mean_estimate(kernel, seed=ctx.seed)
    log_mc, log_se = math.log(mc.value) - 4 * t, mc.se / mc.value
    pts = uniform_sphere(300, d, rng=rng)
    pos = sample_vmf(pts, 20.0, rng=rng)
    align_identity = abs(alignment_term_from_l_align(l_align(pts, pos), PAPER_ALPHA) + PAPER_ALPHA * np.mean(np.sum(pts * pos, 1)))
    i, j = np.triu_indices(300, 1)
    direct = special.logsumexp(PAPER_ALPHA * np.sum(pts[i] * pts[j], 1)) - math.log(i.size)
    uniform_identity = abs(log_pair_mgf_from_l_uniform(l_uniform(pts, t=PAPER_ALPHA / 2), PAPER_ALPHA / 2) - direct)
    return Verdict.from_checks(
        {
            "0 <= L_uniform(σ; t) + 2t <= 2t²/d for d = 4 ... 16384": bool(np.all(gaps >= 0) and np.all(gaps <= 2 * t * t / np.array(dims))),
            "gap to −2t falls like 2t²/d: slope interval covers −1": fit.slope_covers_prediction,
            "d·gap → 2t² (constant interval covers it)": fit.constant_ci[0] <= 2 * t * t <= fit.constant_ci[1],
            f"Monte Carlo log E e^{{−t‖u−v‖²}} within {MC_AGREEMENT_Z:g} SE (d = 16, t = 2)": abs(log_mc - optimal_uniformity(d, t)) <= MC_AGREEMENT_Z * log_se,
            "conversions: −αE[u·v] = −α + (α/2)L_align and log E e^{αu·v} = α + L_uniform(α/2) to 1e-10": max(align_identity, uniform_identity) < 1e-10,
        },
        measured=fit.slope,
        uncertainty=(fit.slope_ci[1] - fit.slope_ci[0]) / 2,
        expected=-1.0,
        rule="exact fit of log(gap) = log C + s log d + b/d on d = 4..16384; MC |z| <= 4; identities to 1e-10",
        details={"source": "Wang & Isola, Understanding contrastive representation learning through alignment and uniformity, ICML 2020 (Thm 1, App. A)", "optimal_uniformity_t2": {d_: optimal_uniformity(d_, t) for d_ in (32, 64, 128, 256, 512)},
                 "mc": {"value": log_mc, "se": log_se, "n": n, "seed": ctx.seed}, "constant": fit.constant},
    )


@CLAIMS.claim(
    "NCE-FUNK-HECKE",
    finding="confirmed",
    title="Funk–Hecke eigenvalues of e^{αu·v} and the local curvature q*(d, α) = d A_d(α)(1 − A_d(α)/2) → α",
    paper_ref="Appendix D, Eq. 52",
    statement="λ_n = Γ(d/2)(2/α)^{d/2−1} I_{n+d/2−1}(α), λ_1/λ_0 = A_d(α), and Φ(μ) − Φ(σ) = q*‖m‖² + o(‖m‖²) along the mean direction, with q* → α as d → ∞.",
)
def funk_hecke(ctx: ClaimContext) -> Verdict:
    errors = []
    for d in (3, 8, 32):
        lam = (d - 2) / 2
        log_c = special.gammaln(d / 2) - special.gammaln((d - 1) / 2) - 0.5 * math.log(math.pi)
        for n in range(5):
            norm = special.eval_gegenbauer(n, lam, 1.0) if d > 2 else 1.0
            value, _ = integrate.quad(lambda t: math.exp(PAPER_ALPHA * (t - 1)) * special.eval_gegenbauer(n, lam, t) / norm
                                      * (1 - t * t) ** ((d - 3) / 2), -1, 1, epsabs=0, epsrel=1e-13, limit=400)
            errors.append(abs(math.log(value) + PAPER_ALPHA + log_c - log_funk_hecke_eigenvalue(d, PAPER_ALPHA, n)))
    dims = [8, 32, 128, 1024, 10**4, 10**5]
    ratio_a = max(abs(funk_hecke_ratio(d, PAPER_ALPHA, 1) / bessel_ratio(d, PAPER_ALPHA) - 1) for d in dims)
    decreasing = all(np.all(np.diff(funk_hecke_ratio(d, PAPER_ALPHA, np.arange(8))) < 0) for d in dims)
    scaled = [d * (1 - local_curvature(d, PAPER_ALPHA) / PAPER_ALPHA) for d in dims]
    kappas = [1.0, 0.3, 0.1, 0.03, 0.01]
    curvature = {d: [abs((phi_vmf(d, k, PAPER_ALPHA) - phi_uniform(d, PAPER_ALPHA)) / bessel_ratio(d, k) ** 2 / local_curvature(d, PAPER_ALPHA) - 1)
                     for k in kappas] for d in (3, 16, 128)}
    n_mc = ctx.profile.pick(quick=400_000, full=4_000_000)
    d = 8
    s = projected_sphere(n_mc, d, 1, rng=ctx.seed) / math.sqrt(d)
    # K applied to the first harmonic h(v) = v_1 at u = e_1: E_σ[e^{α v_1} v_1] = λ_1 (both scaled by e^{-α})
    mc = mean_estimate(np.exp(PAPER_ALPHA * (s - 1)) * s, seed=ctx.seed)
    target = math.exp(log_funk_hecke_eigenvalue(d, PAPER_ALPHA, 1) - PAPER_ALPHA)
    return Verdict.from_checks(
        {
            "λ_n (n = 0..4, d = 3, 8, 32) equals the Funk–Hecke quadrature with Gegenbauer polynomials to 1e-9": max(errors) < 1e-9,
            "λ_1/λ_0 = A_d(α) to 1e-10 and λ_n/λ_0 decreases in n": ratio_a < 1e-10 and decreasing,
            "sympy: lim_{d→∞} q*(d, α) = α (squeezed between continued-fraction convergents)": derive_local_curvature_limit() == sp.Symbol("alpha", positive=True),
            "d·(1 − q*/α) → α/2 (within 1% at d = 1e5)": abs(scaled[-1] / (PAPER_ALPHA / 2) - 1) < 0.01,
            "(Φ(vMF_κ) − Φ(σ))/(q*‖m‖²) → 1 as κ → 0, error decreasing, < 1e-3 at κ = 0.01": all(
                np.all(np.diff(v) < 0) and v[-1] < 1e-3 for v in curvature.values()),
            f"Monte Carlo E_σ[e^{{α v·e1}} (v·e1)] = λ_1 within {MC_AGREEMENT_Z:g} SE (d = 8)": abs(mc.z_score(target)) <= MC_AGREEMENT_Z,
        },
        measured={"q*(d=256, α=10)": local_curvature(256, PAPER_ALPHA), "q*(d=1024)": local_curvature(1024, PAPER_ALPHA)},
        expected=f"→ α = {PAPER_ALPHA:g}",
        rule="quadrature 1e-9 (log λ_n); identities 1e-10; sympy limit exact; vMF second variation relative error monotone in κ",
        details={"q_star": {d_: local_curvature(d_, PAPER_ALPHA) for d_ in (16, 64, 256, 1024, 4096)},
                 "second_variation_rel_err": {str(d_): v for d_, v in curvature.items()}, "kappas": kappas,
                 "max_log_lambda_err": max(errors), "mc": {**mc.to_dict(), "target": target},
                 "appendix_d_threshold": "σ is a local minimizer of Φ − α(1−η₂)‖m‖² along m iff q* > α(1−η₂)"},
    )


@CLAIMS.claim(
    "NCE-WI-LIMIT",
    finding="classical",
    title="Infinite-batch limit: E[L_N] − log N → −αE_π[u·v] + Φ(μ)",
    paper_ref="Eq. 2 → Eq. 4; W&I 2020 Thm 1",
    statement="For i.i.d. batches of N positive pairs, E[L_InfoNCE] − log N converges to the population loss 𝓛(μ, π), with first-order residual c1/N.",
)
def wi_limit(ctx: ClaimContext) -> Verdict:
    sizes = ctx.profile.pick(quick=[16, 64, 256], full=[16, 64, 256, 1024])
    pairs = ctx.profile.pick(quick=8_192, full=131_072)
    rows, checks, summary = [], {}, {}
    for i, (name, law) in enumerate(LIMIT_LAWS.items()):
        c1, target = law.bias_constant(), law.population_loss()
        ests = {n: batch_loss_estimates(law, n, batches=max(8, pairs // n), seed=derive_seed(ctx.seed, i)) for n in sizes}
        for n, e in ests.items():
            rows.append({"law": name, "n_batch": n, "loss_minus_log_n": e["loss"].value, "loss_se": e["loss"].se,
                         "population_loss": target, "bias": e["bias"].value, "bias_se": e["bias"].se,
                         "predicted_bias": c1 / n, "symmetric_minus_loss": e["symmetric_minus_loss"].value,
                         "symmetric_minus_loss_se": e["symmetric_minus_loss"].se, "seed": derive_seed(ctx.seed, i)})
        first, last = ests[sizes[0]]["bias"], ests[sizes[-1]]["bias"]
        n_last = sizes[-1]
        biases = [ests[n]["bias"].value for n in sizes]
        checks[f"{name}: |E L_N − log N − 𝓛| decreases in N and shrinks ≥ 8× over N = {sizes[0]}..{n_last}"] = (
            all(abs(b1) > abs(b2) for b1, b2 in zip(biases, biases[1:])) and abs(last.value) * 8 <= abs(first.value))
        checks[f"{name}: N·bias within 15% + 4 SE of c1 at N = {n_last}"] = (
            abs(n_last * last.value - c1) <= 0.15 * abs(c1) + MC_AGREEMENT_Z * n_last * last.se)
        checks[f"{name}: symmetric and one-sided losses agree in expectation (4 SE)"] = all(
            abs(e["symmetric_minus_loss"].z_score(0.0)) <= MC_AGREEMENT_Z for e in ests.values())
        summary[name] = {"population_loss": target, "c1": c1, f"loss_minus_log_n_at_N{n_last}": ests[n_last]["loss"].value,
                         "se": ests[n_last]["loss"].se, f"N_bias_at_N{n_last}": n_last * last.value, "N_bias_se": n_last * last.se}
    ctx.save_table("infonce_limit", rows)
    main = summary[next(iter(LIMIT_LAWS))]
    return Verdict.from_checks(
        checks,
        measured=main[f"loss_minus_log_n_at_N{sizes[-1]}"],
        uncertainty=main["se"],
        expected=main["population_loss"],
        rule="bias E L_N − log N − 𝓛 estimated with the exact alignment term (SE ∝ 1/N); first-order agreement with c1/N at the largest N",
        details={"source": "Wang & Isola, ICML 2020, Thm 1: the infinite-batch limit of the InfoNCE loss", "laws": summary, "sizes": sizes, "pairs_per_size": pairs},
    )


@CLAIMS.claim(
    "NCE-BIAS-RATE",
    finding="sharpened",
    title="The finite-batch loss bias is Θ(1/N) with the derived constant c1 (the suite's own result; the paper's O(N^{-1/2}) for minimizers is untested)",
    paper_ref="Discussion rates (O(N^{-1/2}), 'W&I Thm 1'); Eq. 2 → Eq. 4",
    statement="Derived here: E[L_N] − log N − 𝓛 = c1/N + O(N^{-2}) with c1 = E_π[e^{αu·v}/g(u)] − 1 − E_μ[s²(u)/(2g(u)²)] "
    "(:meth:`~infonce_gauss.theory.infonce.VMFAugmentation.bias_constant`), and the batch loss's standard deviation scales "
    "as N^{-1/2}. The paper's sentence is about another quantity: the empirical minimizer deviates from the population "
    "minimizer by O(N^{-1/2}) ('according to W&I Thm 1', which bounds loss values for a fixed encoder); the suite does "
    "not test the minimizer's deviation.",
)
def bias_rate(ctx: ClaimContext) -> Verdict:
    sizes = ctx.profile.pick(quick=[16, 32, 64, 128, 256], full=[16, 32, 64, 128, 256, 512, 1024, 2048])
    pairs = ctx.profile.pick(quick=16_384, full=65_536)
    seeds = spawn_seeds(ctx.seed, ctx.profile.pick(quick=1, full=3))
    table = bias_sweep(BIAS_LAW, sizes, pairs=pairs, seeds=seeds)
    fits = bias_rate_fits(table, BIAS_LAW, confidence_level=0.99)
    ctx.save_table("infonce_bias", table)
    ctx.save_table("infonce_bias_fits", list(fits.values()))
    ctx.save_figure("infonce_bias", plot_bias(table, bias_constant=BIAS_LAW.bias_constant()))
    bias, spread = fits["bias"], fits["loss_sd"]
    c1 = BIAS_LAW.bias_constant()
    return Verdict.from_checks(
        {
            "bias: fitted slope interval covers −1": bias["slope_covers_prediction"],
            "bias: fitted slope interval lies below −1/2 (faster than the cited O(N^-1/2) upper bound)": bias["slope_ci_high"] < -0.5,
            "bias: fitted constant interval covers the derived c1": bias["constant_ci_low"] <= abs(c1) <= bias["constant_ci_high"],
            "std. dev. of L_N: fitted slope interval covers −1/2": spread["slope_covers_prediction"],
        },
        measured=bias["slope"],
        uncertainty=(bias["slope_ci_high"] - bias["slope_ci_low"]) / 2,
        expected=-1.0,
        rule="WLS fit of log(bias) = log C + s log N + b/N on the Monte Carlo SEs (99% interval), N in "
             f"[{sizes[0]}, {sizes[-1]}]; the SD fitted the same way",
        details={"adds": "the expected loss's finite-batch bias Θ(1/N) with its constant c1 derived in closed form, and the "
                         "N^{-1/2} order of the batch loss's spread; the paper states neither",
                 "untested": "the paper's O(N^{-1/2}) deviation of the empirical InfoNCE minimizer from the population "
                             "minimizer is not tested here (it needs minimizers, not loss values at a fixed law)",
                 "law": repr(BIAS_LAW), "alignment": BIAS_LAW.alignment(), "c1": c1,
                 "bias_fit": bias, "sd_fit": spread, "pairs_per_size": pairs, "seeds": seeds,
                 "on_the_paper": "the sentence cites Wang & Isola's Thm 1, which is about loss values for a fixed encoder; "
                 "as a bound on the loss bias O(N^-1/2) would hold and be loose (the bias is Θ(1/N)), but the sentence speaks "
                 "of minimizers"},
    )


def _sparse_sentence(sparse, ks_keys) -> str:
    """What this run's uniform-start runs with n < 4d particles show (empty when the profile has none)."""
    if not sparse:
        return ""
    worst = min(sparse, key=lambda r: min(r[k] for k in ks_keys))
    return (f" With n < 4d particles (here d >= {min(r['d'] for r in sparse)}) even the uniform start ends in a "
            f"configuration whose fixed projections reject the sphere law (this run: KS p down to "
            f"{min(worst[k] for k in ks_keys):.1g} at d = {worst['d']}, pooled kurtosis {worst['kurtosis']:.3g} against "
            f"{worst['kurtosis_sphere']:.3g}): a finite-n InfoNCE optimum is a spherical code, not σ, and the "
            "population statement needs n >> d.")


@CLAIMS.claim(
    "NCE-PLATEAU-PARTICLES",
    finding="confirmed",
    title="Plateau route end to end: particles trained with InfoNCE at fixed alignment become uniform, with Gaussian fixed projections",
    paper_ref="Assumption 1, Lemma 2, Corollary 1, Eqs. 7–8",
    statement="With alignment held fixed, InfoNCE drives the representation towards σ (Lemma 2), whose fixed k-projections are within c_k/d of N(0, I_k) (Corollary 1).",
)
def plateau_particles(ctx: ClaimContext) -> Verdict:
    dims = ctx.profile.pick(quick=[16, 32], full=[8, 16, 32, 64, 128, 256, 512, 1024])
    n = ctx.profile.pick(quick=128, full=512)
    steps = ctx.profile.pick(quick=120, full=300)
    table = particle_sweep(dims, n=n, steps=steps, seed=ctx.seed, alpha=PAPER_ALPHA, alignment=0.5)
    ctx.save_table("infonce_particles", table)
    ctx.save_figure("infonce_particles", plot_particles(table))

    def rows(start, state):
        return sorted((r for r in table if r["start"] == start and r["state"] == state), key=lambda r: r["d"])

    trained = rows("cap", "trained") + rows("uniform", "trained")
    iid = {r["d"]: r for r in rows("uniform", "initial")}
    ks_keys = [k for k in trained[0] if k.startswith("ks_") and k.endswith("_p") and "gauss" not in k]
    # n particles stand for a population law only when n >> d: with n < d the optimum is a spherical code
    # (rank-n second moment, d·tr S² − 1 >= d/n − 1); measured (full profile, n = 512), the fixed
    # projections reject the sphere law from n = 2d down, and follow it for n >= 4d
    populous = [r for r in rows("uniform", "trained") if r["n"] >= 4 * r["d"]]
    sparse = [r for r in rows("uniform", "trained") if r["n"] < 4 * r["d"]]
    min_p = min(r[k] for r in populous for k in ks_keys)
    ref_dims = sorted({int(v) for v in np.geomspace(min(dims), 4096, 12)})
    tv_fits = {k: fit_rate(ref_dims, [tv_to_gaussian(d, k) for d in ref_dims], exact=True, corrections=1, predicted_slope=-1.0)
               for k in (1, 2, 3)}
    cap = {r["d"]: r for r in rows("cap", "trained")}
    uni = {r["d"]: r for r in rows("uniform", "trained")}
    return Verdict.from_checks(
        {
            "alignment held at its level (0.5) in every run: |mean batch cosine − 0.5| <= 4 SE": all(
                abs(r["alignment_mean"] - r["alignment_target"]) <= MC_AGREEMENT_Z * r["alignment_se"] for r in trained),
            "cap start is far from uniform (Rayleigh and Bingham effects > 10× their i.i.d. values)": all(
                r["rayleigh_effect"] > 10 * r["rayleigh_iid"] and r["bingham_effect"] > 10 * r["bingham_iid"] for r in rows("cap", "initial")),
            "trained: Rayleigh and Bingham effects below their i.i.d. values (both starts, every d)": all(
                r["rayleigh_effect"] < r["rayleigh_iid"] and r["bingham_effect"] < r["bingham_iid"] for r in trained),
            "trained: Φ gap below that of i.i.d. uniform points (both starts, every d)": all(
                r["phi_gap"] < iid[r["d"]]["phi_gap"] for r in trained),
            "trained from a uniform start, n >= 4d: fixed k-projections (k = 1, 2, 3; two blocks) follow the exact sphere law (KS p > 1e-3)": bool(populous) and min_p > 1e-3,
            "the sphere law's exact TV to N(0, I_k) is below Diaconis–Freedman and falls like 1/d (slope interval covers −1)": all(
                f.slope_covers_prediction for f in tv_fits.values()) and all(
                tv_to_gaussian(d, k) <= diaconis_freedman_bound(d, k) for d in dims for k in (1, 2, 3) if k <= d - 4),
        },
        measured={"bingham_over_iid_max": max(r["bingham_effect"] / r["bingham_iid"] for r in trained), "min_ks_p_uniform_start": min_p},
        expected={"bingham_over_iid_max": "< 1", "min_ks_p_uniform_start": "> 1e-3"},
        rule=f"n = {n} particles, {steps} Adam steps, α = {PAPER_ALPHA:g}, alignment 0.5 (vMF views), d in {dims}; KS against d·Beta(k/2, (d−k)/2) and the exact coordinate CDF on the runs with n >= 4d",
        details={
            "tv_slopes": {k: (f.slope, f.slope_ci) for k, f in tv_fits.items()},
            "cap_start_projection_ks_p": {d: {k: cap[d][k] for k in ks_keys} for d in cap},
            "uniform_start_n_below_4d_projection_min_ks_p": {r["d"]: min(r[k] for k in ks_keys) for r in sparse},
            "uniform_start_n_below_4d_pooled_kurtosis": {r["d"]: (r["kurtosis"], r["kurtosis_sphere"]) for r in sparse},
            "phi_gap": {"cap_trained": {d: cap[d]["phi_gap"] for d in cap}, "uniform_trained": {d: uni[d]["phi_gap"] for d in uni},
                        "iid": {d: iid[d]["phi_gap"] for d in iid}},
            "pooled_kurtosis": {"cap_trained": {d: cap[d]["kurtosis"] for d in cap}, "uniform_trained": {d: uni[d]["kurtosis"] for d in uni},
                                "sphere_law": {d: uni[d]["kurtosis_sphere"] for d in uni}},
            "finding": "From the cap start the first two moments become uniform quickly, but fixed projections (along and "
                       "orthogonal to the cap axis) keep a structure the Rayleigh/Bingham tests do not see, and the Φ gap stays "
                       "above the uniform start's: finite-time training does not reach the minimizer whose projections "
                       "Corollary 1 describes (Φ's curvature on degree-n harmonics, (λ_n/λ_0)(1 − λ_n/(2λ_0)), is tiny for n ≥ 3 in high d). "
                       + _sparse_sentence(sparse, ks_keys),
        },
    )
