"""REG- claims: the regularized route (Theorem 1, β₀, Corollary 2, Appendix D) and the stability and
Jensen observations derived for this project (marked as derived in their statements).

Paper references are to arXiv 2602.24012 by its own numbering.
"""

from __future__ import annotations

import math

import numpy as np
import sympy as sp

from infonce_gauss.claim import ClaimContext, ClaimSet, Verdict
from infonce_gauss.regularized.rates import critical_beta_table
from infonce_gauss.simulations.rates import fit_rate
from infonce_gauss.theory.gaussian_reference import GaussianReference, max_entropy_minimum
from infonce_gauss.theory.hgr import solvable_delta, solvable_delta_constant
from infonce_gauss.theory.infonce import PAPER_ALPHA, local_curvature, phi_axial_acg, phi_uniform, phi_vmf
from infonce_gauss.theory.polar_coordinates import chi_radius
from infonce_gauss.theory.polar_laws import GaussianLaw, ProductLaw
from infonce_gauss.theory.regularized import (
    VMFRegularizedModel,
    beta_threshold,
    derive_local_critical_beta,
    derive_theorem1_chain,
    full_objective,
    is_nonnegative_combination,
    jensen_value_gap_bound,
    local_critical_beta,
    pinsker_tv_bound,
    stability_kl_bound,
    tilt_stationary_points,
)
from infonce_gauss.theory.vmf import vmf_kl_to_uniform, vmf_mean_length

CLAIMS = ClaimSet("REG-")

KAPPAS = np.geomspace(1e-2, 3e4, 40)  # the vMF tilts scanned by the value claims


@CLAIMS.claim(
    "REG-BETA0",
    finding="confirmed",
    title="Theorem 1's threshold β₀ = α(1−η₂)/(C(d−1)) with C = 1/2, vanishing like 1/d",
    paper_ref="Theorem 1, Sec. 4.2 (bullet 3); Lemma 1",
    statement="β₀ is the root in β of Eq. 18's coefficient βC(d−1) − α(1−η₂); with Lemma 1's C = 1/2 (the best universal constant of the form C(d−1)), β₀ = 2α(1−η₂)/(d−1) and d·β₀ → 2α(1−η₂): slope −1.",
)
def beta0_claim(ctx: ClaimContext) -> Verdict:
    chain = derive_theorem1_chain()
    s = chain["symbols"]
    dims = np.array([8, 16, 32, 64, 128, 256, 512, 1024, 2048])
    beta0 = np.array([beta_threshold(d, PAPER_ALPHA, 0.5) for d in dims])
    fit = fit_rate(dims, beta0, exact=True, corrections=1, predicted_slope=-1.0)
    # C = 1/2 is the best universal constant of the form C(d-1): inf KL / ((d-1)‖m‖²) -> d/(2(d-1)) -> 1/2
    worst = {d: float(np.min(vmf_kl_to_uniform(d, KAPPAS) / ((d - 1) * vmf_mean_length(d, KAPPAS) ** 2))) for d in (2, 8, 64, 1024)}
    rows = [{"d": int(d), "beta0": b, "beta0_sharp": beta_threshold(d, PAPER_ALPHA, 0.5, sharp=True)} for d, b in zip(dims, beta0)]
    ctx.save_table("beta0", rows)
    return Verdict.from_checks(
        {
            "sympy: root of βC(d−1) − α(1−η₂) is α(1−η₂)/(C(d−1))":
                sp.simplify(chain["beta0"] - s["alpha"] * (1 - s["eta2"]) / (s["C"] * (s["d"] - 1))) == 0,
            "sympy: lim d·β₀ = 2α(1−η₂) at C = 1/2 (β₀ → 0 like 1/d)": sp.simplify(chain["beta0_limit"] - 2 * s["alpha"] * (1 - s["eta2"])) == 0,
            "β₀(d=256, α=10, η₂=0.5) = 10/255 ≈ 0.039": abs(beta_threshold(256, 10, 0.5) - 10 / 255) < 1e-15,
            "fitted slope of β₀(d) covers −1": fit.slope_covers_prediction,
            "C = 1/2 valid in the (d−1) form on vMF tilts: KL/((d−1)‖m‖²) >= 1/2 and → d/(2(d−1)) as κ → 0":
                all(v >= 0.5 and abs(v - d / (2 * (d - 1))) < 1e-4 * v for d, v in worst.items()),
        },
        measured={"slope": fit.slope, "slope_ci": fit.slope_ci, "min_kl_ratio": worst},
        expected="slope −1; β₀ = 2α(1−η₂)/(d−1)",
        rule="symbolic identities exact; exact-curve slope fit with one correction term",
        details={"fit": fit.to_dict()},
    )


@CLAIMS.claim(
    "REG-CHAIN",
    finding="confirmed",
    title="The proof's chain (Eqs. 17–19) and the derived stability and Jensen chains, step by step in sympy",
    paper_ref="Theorem 1 proof, Eqs. 17–19",
    statement="With the hypotheses as non-negative slacks (Φ gap, Prop 1, Lemma 1, β = β₀ + e), every step of J̃(μ) − J̃(σ) >= (βC(d−1) − α(1−η₂))‖m‖² − αδ >= −αδ drops by a sum of non-negative terms; likewise (derived here) J̃(μ) − J̃(σ) >= (β − β₀)KL − αδ and, at β = 0, >= −Φ(σ) − αδ + αη₂‖m‖².",
)
def chain_claim(ctx: ClaimContext) -> Verdict:
    chain = derive_theorem1_chain()
    checks = {f"{name} step {i + 1} drops by non-negative terms": is_nonnegative_combination(drop)
              for name in ("drops", "stability_drops", "jensen_drops") for i, drop in enumerate(chain[name])}
    s = chain["symbols"]
    checks["Eq. 19 ends at −αδ"] = sp.simplify(chain["steps"][-1] + s["alpha"] * s["delta"]) == 0
    return Verdict.from_checks(checks, measured={k: str(v) for k, v in chain.items() if k.endswith("drops")},
                               expected="every drop a positive combination of non-negative symbols",
                               rule="sympy: numerator and denominator polynomials with positive coefficients")


@CLAIMS.claim(
    "REG-THM1-VMF",
    finding="sharpened",
    title="Theorem 1, bullet 2: σ minimizes J̃ for β >= β₀; the local critical β over all laws in closed form, and the vMF critical β",
    paper_ref="Theorem 1, Sec. 4.2 (bullet 2); Appendix D",
    statement="With Align(μ) at Prop 1's bound and Align(σ) = η₂ (δ = 0): (i) on the vMF family J̃(μ_κ) − J̃(σ) >= (β−β₀)KL >= 0 "
              "for all κ at β = β₀; (ii) derived here, over all laws: the second variation of J̃ at σ splits over spherical "
              "harmonics and only the degree-1 part moves ‖m‖, so σ is a strict local minimizer against every perturbation iff "
              "β > β_loc = max(0, 2(α(1−η₂) − q*(d, α))/d), the vMF tilt being the worst direction; β_loc < β₀, and β_loc = 0 "
              "once q*(d, α) > α(1−η₂); (iii) the least β making σ beat every vMF tilt (any κ) lies in [β_loc, 2α(1−η₂)/d]. "
              "Both are lower bounds on the global critical β over all laws, which stays open.",
)
def thm1_vmf(ctx: ClaimContext) -> Verdict:
    dims = ctx.profile.pick(quick=[8, 32, 64, 128], full=[4, 8, 16, 32, 64, 128, 256, 512, 1024])
    rows = critical_beta_table(dims, ctx.profile.pick(quick=(0.0, 0.5), full=(0.0, 0.2, 0.5, 0.8)),
                               points=ctx.profile.pick(quick=24, full=64))
    for r in rows:
        model = VMFRegularizedModel(r["d"], PAPER_ALPHA, r["eta2"])
        r["beta_local"] = local_critical_beta(r["d"], PAPER_ALPHA, r["eta2"])
        r["vmf_ratio_at_kappa_1e-2"] = float(model._ratio(1e-2))
    ctx.save_table("critical_beta", rows)
    gaps = []
    for d in ctx.profile.pick(quick=(8, 64), full=(4, 16, 64, 256, 1024)):
        model = VMFRegularizedModel(d, PAPER_ALPHA, 0.5)
        gap, kl = model.gap(KAPPAS[::2], model.beta0), model.kl(KAPPAS[::2])
        gaps.append(float(np.min(gap)))
        gaps.append(float(np.min(model.gap(KAPPAS[::2], 2 * model.beta0) - model.beta0 * kl)))
    local = derive_local_critical_beta()
    s = local["symbols"]
    zero_rows = [r for r in rows if r["eta2"] == 0.0 and r["d"] >= 32]
    fit = fit_rate([r["d"] for r in zero_rows], [r["beta_critical"] for r in zero_rows], predicted_slope=-2.0) if len(zero_rows) >= 3 else None
    # the closed form against the vMF scan: the tilt's ratio [α(1−η₂)A² − ΔΦ]/KL at small κ tends to the root of Q₁
    scan_gap = max(abs(r["vmf_ratio_at_kappa_1e-2"] - (r["small_kappa_limit"])) / max(abs(r["small_kappa_limit"]), 1e-3) for r in rows)
    checks = {
        "J̃(μ_κ) − J̃(σ) >= (β−β₀)KL(μ_κ‖σ) >= 0 at β = β₀ and 2β₀ (40 tilts κ ∈ [1e-2, 3e4])": min(gaps) >= -1e-12,
        "sympy, all laws: the second variation splits over harmonics (no c₁c_n term), degree n >= 2 has Q_n = r(1 − r/2) + β/2 > 0":
            local["cross"] == 0 and sp.simplify(local["Qn"] - (s["r"] * (1 - s["r"] / 2) + s["beta"] / 2)) == 0,
        "sympy, all laws: Q₁'s root is β_loc = 2(α(1−η₂) − q*)/d": sp.simplify(
            local["beta_local"] - 2 * (s["alpha"] * (1 - s["eta2"]) - local["q_star"]) / s["d"]) == 0,
        "closed form = the vMF scan's ratio at κ = 1e-2 (relative 1e-4) at every (d, η₂)": scan_gap < 1e-4,
        "β_loc <= vMF critical β <= 2α(1−η₂)/d < β₀ at every (d, η₂)": all(
            r["beta_local"] <= r["beta_critical"] + 1e-12 and r["beta_critical"] <= 2 * PAPER_ALPHA * (1 - r["eta2"]) / r["d"] + 1e-12 < r["beta0"]
            for r in rows),
        "β_loc = 0 exactly where q*(d, α) > α(1−η₂), and that happens in the table": all(
            (r["beta_local"] == 0.0) == (r["q_star"] > PAPER_ALPHA * (1 - r["eta2"])) for r in rows) and any(r["beta_local"] == 0.0 for r in rows),
    }
    if fit is not None:
        checks["η₂ = 0: vMF critical β decays faster than β₀ (fitted slope < −1.5)"] = fit.slope_ci[1] < -1.5
    above_local = [f"d={r['d']}, η₂={r['eta2']}" for r in rows if r["beta_critical"] > r["beta_local"] * (1 + 1e-6) + 1e-12]
    return Verdict.from_checks(
        checks,
        measured={f"d={r['d']}, η₂={r['eta2']}": (r["beta_local"], r["beta_critical"], r["beta0"]) for r in rows},
        expected="β_loc <= vMF critical β <= β₀ (triples: β_loc over all laws, vMF critical β, β₀)",
        rule="sympy second variation over spherical harmonics; exact quadrature of Φ on the vMF tilt; vMF critical β by a "
             "log-κ scan refined by bounded maximization",
        reason=(f"β₀ exceeds the local critical β over all laws everywhere; a finite vMF tilt needs more than β_loc at "
                f"{', '.join(above_local) if above_local else 'no (d, η₂)'} of this table"),
        details={"adds": "the local critical β over all laws in closed form, β_loc = max(0, 2(α(1−η₂) − q*(d, α))/d) "
                         "(sympy, spherical harmonics: only the first harmonic moves ‖m‖, so the vMF tilt is the worst "
                         "direction to second order), and the vMF family's critical β; the paper gives β₀ only",
                 "scope": "β_loc decides local minimality against every law; the global critical β over all laws lies "
                          "between max(β_loc, vMF critical β) and β₀ and is not computed, so β₀'s looseness is shown "
                          "locally over all laws and globally on the vMF family only",
                 "vmf_needs_more_than_local": above_local, "rows": rows, "fit_eta2_0": fit.to_dict() if fit else None},
    )


@CLAIMS.claim(
    "REG-THM1-ASYMPTOTIC",
    finding="confirmed",
    title="Theorem 1, bullet 1, in the solvable Gaussian channel: J̃(σ) − inf J̃ <= αδ(d) → 0; also at β = 0 (derived)",
    paper_ref="Theorem 1 (bullet 1), Assumption 3",
    statement="With η₂ = A² and δ(d) = A² − E[u·v] of the identity encoder (Assumption 3 holds, αδ ~ αA²(1−A⁴)/(2d)), J̃(σ) − min_κ J̃(μ_κ) <= αδ(d) at β = β₀ on the vMF family with worst-case alignment; derived here: at β = 0 the gap is <= Φ(σ) + αδ <= α²/(2d) + αδ.",
)
def thm1_asymptotic(ctx: ClaimContext) -> Verdict:
    A = 0.6
    dims = ctx.profile.pick(quick=[16, 64, 256], full=[8, 16, 32, 64, 128, 256, 512, 1024])
    rows = []
    for d in dims:
        delta = float(solvable_delta(d, A))
        model = VMFRegularizedModel(d, PAPER_ALPHA, A * A, delta)
        gap_beta0 = float(np.min(model.gap(KAPPAS, model.beta0)))
        gap_jensen = float(np.min(model.jensen_gap(KAPPAS)))
        rows.append({"d": d, "A": A, "delta": delta, "alpha_delta": PAPER_ALPHA * delta, "value_gap_beta0": max(0.0, -gap_beta0),
                     "value_gap_beta_zero": max(0.0, -gap_jensen), "jensen_bound": jensen_value_gap_bound(d, PAPER_ALPHA, delta),
                     "alpha2_over_2d_plus_alpha_delta": PAPER_ALPHA**2 / (2 * d) + PAPER_ALPHA * delta})
    ctx.save_table("value_gaps", rows)
    rate_dims = np.array([16, 32, 64, 128, 256, 512, 1024, 2048])
    fit = fit_rate(rate_dims, PAPER_ALPHA * solvable_delta(rate_dims, A), exact=True, corrections=1, predicted_slope=-1.0)
    return Verdict.from_checks(
        {
            "β = β₀: J̃(σ) − min_κ J̃(μ_κ) <= αδ(d)": all(r["value_gap_beta0"] <= r["alpha_delta"] * (1 + 1e-9) for r in rows),
            "β = 0 (derived): gap <= Φ(σ) + αδ <= α²/(2d) + αδ":
                all(r["value_gap_beta_zero"] <= r["jensen_bound"] * (1 + 1e-9) <= r["alpha2_over_2d_plus_alpha_delta"] * (1 + 1e-9) for r in rows),
            "αδ(d) → 0: fitted slope covers −1": fit.slope_covers_prediction,
        },
        measured={"slope": fit.slope, "slope_ci": fit.slope_ci, "alpha_delta": {r["d"]: r["alpha_delta"] for r in rows}},
        expected="slope −1",
        rule="exact closed forms and quadrature; exact-curve slope fit with one correction term",
        details={"rows": rows, "fit": fit.to_dict()},
    )


@CLAIMS.claim(
    "REG-STABILITY",
    finding="sharpened",
    title="Stability (derived here, not in the paper): (β − β₀)·KL(μ‖σ) <= αδ(d) + ε for ε-minimizers",
    paper_ref="Theorem 1 (stability: not in the paper, derived here)",
    statement="For β > β₀ every μ with J̃(μ) <= inf J̃ + ε has KL(μ‖σ) <= (αδ + ε)/(β − β₀) and TV(μ, σ) <= √((αδ+ε)/(2(β−β₀))); checked on every vMF tilt, whose own ε is J̃(μ_κ) − J̃(σ) + αδ at most.",
)
def stability(ctx: ClaimContext) -> Verdict:
    A = 0.6
    rows = []
    for d in ctx.profile.pick(quick=(16, 256), full=(8, 32, 128, 512, 2048)):
        delta = float(solvable_delta(d, A))
        model = VMFRegularizedModel(d, PAPER_ALPHA, A * A, delta)
        kl = model.kl(KAPPAS[::2])
        for c in (1.5, 2.0, 4.0):
            beta = c * model.beta0
            eps = np.maximum(model.gap(KAPPAS[::2], beta) + PAPER_ALPHA * delta, 0.0)  # J̃(μ) − J̃(σ) + αδ >= J̃(μ) − inf J̃
            bound = np.array([stability_kl_bound(beta, model.beta0, PAPER_ALPHA, delta, e) for e in eps])
            rows += [{"d": d, "c": c, "kappa": k, "kl": v, "kl_bound": b, "tv_bound": pinsker_tv_bound(b)}
                     for k, v, b in zip(KAPPAS[::2], kl, bound)]
    ctx.save_table("stability", rows)
    worst = max(r["kl"] / r["kl_bound"] for r in rows)
    # with β = cβ₀ ∝ 1/d and δ ~ 1/d the bound at ε = 0 tends to a constant: KL = O(1), no convergence to σ
    c, far = 2.0, (64, 1024, 16384, 262144)
    kl_bound_far = {d: stability_kl_bound(c * beta_threshold(d, PAPER_ALPHA, A * A), beta_threshold(d, PAPER_ALPHA, A * A),
                                          PAPER_ALPHA, float(solvable_delta(d, A))) for d in far}
    limit = solvable_delta_constant(A) / (2 * (c - 1) * (1 - A * A))  # αδ(d−1)/(2(c−1)α(1−η₂)) with dδ → A²(1−A⁴)/2
    return Verdict.from_checks(
        {"KL(μ_κ‖σ) <= (αδ + ε)/(β − β₀) on every tilt, c = β/β₀ ∈ {1.5, 2, 4}": worst <= 1 + 1e-9,
         "β = 2β₀, δ of the Gaussian channel: the ε = 0 bound tends to A²(1−A⁴)/(4(c−1)(1−A²)) > 0 (relative 1e-3 at d = 262144)":
             abs(kl_bound_far[far[-1]] / limit - 1) < 1e-3},
        measured=worst, expected="<= 1", rule="max over tilts of KL / stability bound",
        reason=(f"the bound holds on every tilt; with β = cβ₀ ∝ 1/d and δ ~ 1/d it keeps KL = O(1) (here → {limit:.3f} "
                "at c = 2, A = 0.6), so it gives convergence to σ in the vanishing-β regime only when δ = o(1/d)"),
        details={"adds": "the stability bound (β − β₀)·KL(μ‖σ) <= αδ(d) + ε and its Pinsker TV form, which the paper does not "
                         "state (Theorem 1 is a statement about values)",
                 "caveat": "with β = cβ₀ ∝ 1/d and δ ~ 1/d (the Gaussian channel) the bound keeps KL(μ‖σ) = O(1): it gives "
                           "convergence of ε-minimizers to σ in the vanishing-β regime only when δ = o(1/d); for a fixed β > 0 "
                           "(not vanishing) it gives KL = O(δ + ε)",
                 "kl_bound_eps0_c2_A0.6": kl_bound_far, "kl_bound_limit": limit},
    )


@CLAIMS.claim(
    "REG-COR2",
    finding="confirmed",
    title="Corollary 2: N(0, (2λ)⁻¹I_d) is an optimal ρ of J when Align(σ) = η₂ and β >= β₀",
    paper_ref="Corollary 2, Sec. 4.2; Eqs. 11–14",
    statement="KL(N(0,(2λ)⁻¹I)‖γ_λ) = 0 and its regularizer −H + λE‖Z‖² equals −(d/2)log(π/λ); every product law vMF(κ) ⊗ sχ_d and every anisotropic Gaussian N(0, c·diag(s,1,…,1)) has J(ρ) >= J(N(0,(2λ)⁻¹I)) (worst-case alignment), with equality only at the Gaussian.",
)
def corollary2(ctx: ClaimContext) -> Verdict:
    lam, eta2 = 0.5, 0.5
    rows = []
    for d in ctx.profile.pick(quick=(8, 64), full=(4, 16, 64, 256)):
        beta = beta_threshold(d, PAPER_ALPHA, eta2)
        ref = GaussianReference(d, lam)
        gauss = GaussianLaw.isotropic(d, 1 / (2 * lam))
        j_opt = full_objective(phi_uniform(d, PAPER_ALPHA), eta2, gauss.entropy, gauss.second_moment, alpha=PAPER_ALPHA, beta=beta, lam=lam)
        rows.append({"d": d, "family": "gaussian optimum", "kappa": 0.0, "scale": 1.0, "gap": 0.0,
                     "kl_to_reference": gauss.kl_to_reference(ref),
                     "regularizer_minus_minimum": gauss.second_moment * lam - gauss.entropy - max_entropy_minimum(d, lam)})
        for kappa in (0.0, 1.0, 10.0, 100.0):
            for scale in (0.8, 1.0, 1.25):
                if kappa == 0.0 and scale == 1.0:
                    continue
                law = ProductLaw(chi_radius(d, scale / math.sqrt(2 * lam)), d, kappa)
                a2 = float(vmf_mean_length(d, kappa)) ** 2
                j = full_objective(phi_vmf(d, kappa, PAPER_ALPHA), eta2 + (1 - eta2) * a2, law.entropy, law.second_moment,
                                   alpha=PAPER_ALPHA, beta=beta, lam=lam)
                rows.append({"d": d, "family": "vMF x scaled chi", "kappa": kappa, "scale": scale, "gap": j - j_opt,
                             "kl_to_reference": law.kl_to_reference(ref)})
        for s in (0.25, 4.0):
            for c in (0.5, 1.0):
                law = GaussianLaw.from_eigenvalues(c / (2 * lam) * np.r_[s, np.ones(d - 1)])
                j = full_objective(phi_axial_acg(d, s, PAPER_ALPHA), eta2, law.entropy, law.second_moment, alpha=PAPER_ALPHA, beta=beta, lam=lam)
                rows.append({"d": d, "family": "anisotropic gaussian", "kappa": 0.0, "scale": s, "gap": j - j_opt,
                             "kl_to_reference": law.kl_to_reference(ref)})
    ctx.save_table("corollary2", rows)
    optimum = [r for r in rows if r["family"] == "gaussian optimum"]
    others = [r for r in rows if r["family"] != "gaussian optimum"]
    return Verdict.from_checks(
        {
            "KL(N(0,(2λ)⁻¹I)‖γ_λ) = 0 and regularizer = −(d/2)log(π/λ)":
                all(abs(r["kl_to_reference"]) < 1e-12 and abs(r["regularizer_minus_minimum"]) < 1e-9 for r in optimum),
            f"J(ρ) − J(Gaussian) > 0 on {len(others)} other laws": min(r["gap"] for r in others) > 0,
        },
        measured=min(r["gap"] for r in others),
        expected="> 0",
        rule="exact terms: Φ by quadrature, entropies and KLs in closed form (theory.polar, theory.polar_laws)",
    )


@CLAIMS.claim(
    "REG-APPD",
    finding="confirmed",
    title="Appendix D: σ is a local minimizer of J_q = Φ − q‖m‖² along the vMF tilt iff q*(d, α) > q",
    paper_ref="Appendix D, Eq. 52",
    statement="q*(d, α) = dA_d(α)(1 − A_d(α)/2); a direct scan of κ ↦ J_q(μ_κ) finds σ a local minimum for q = 0.97q* and a local maximum for q = 1.03q*, and at the paper's q = α(1−η₂) the scan agrees with q* > α(1−η₂).",
)
def appendix_d(ctx: ClaimContext) -> Verdict:
    rows = []
    points = ctx.profile.pick(quick=24, full=64)
    for d in ctx.profile.pick(quick=(4, 64), full=(3, 8, 32, 128, 512)):
        q_star = local_curvature(d, PAPER_ALPHA)
        cases = [("0.97 q*", 0.97 * q_star), ("1.03 q*", 1.03 * q_star)] + [(f"α(1−η₂), η₂={e}", PAPER_ALPHA * (1 - e)) for e in (0.0, 0.5)]
        for label, q in cases:
            found = tilt_stationary_points(d, PAPER_ALPHA, q, points=points)
            interior = [p for p in found if p.kappa > 0]
            rows.append({"d": d, "q_label": label, "q": q, "q_star": q_star, "local_condition": q_star > q,
                         "scan_sigma": found[0].kind, "interior": "; ".join(f"{p.kind} at κ={p.kappa:.3g} (gap {p.gap:.3g})" for p in interior)})
    ctx.save_table("appendix_d", rows)
    agree = [r["local_condition"] == (r["scan_sigma"] == "min") for r in rows]
    return Verdict.from_checks(
        {f"scan agrees with q* > q in {sum(agree)}/{len(rows)} cases": all(agree),
         "q*(d, α) < α at every d (so η₂ = 0 makes σ a saddle along the tilt)": all(r["q_star"] < PAPER_ALPHA for r in rows)},
        measured={f"d={r['d']}, {r['q_label']}": r["scan_sigma"] for r in rows},
        expected="min iff q* > q",
        rule="sign of J_q(μ_κ) − J_q(σ) at the first scan point κ = 1e-2; interior extrema refined by bounded minimization",
        details={"rows": rows},
    )


@CLAIMS.claim(
    "REG-SWEEP",
    finding="confirmed",
    title="Regularizer sweep on free particles: β = c·β₀ gives the radial law of γ_λ for every c > 0, none at c = 0",
    paper_ref="Theorem 1, Corollary 2; reviewers' sensitivity question",
    statement="Free particles trained with InfoNCE plus β(−H + λE‖z‖²), β = c·β₀(d, α, η₂), λ = d/2, from a cap start: "
              "for every c > 0 the radii follow χ_d/√(2λ) (KS), for c = 0 they keep their initial radius 1; the "
              "direction diagnostics (Lemma 1's (d/2)‖ā‖², Bingham, Φ gap) and the KS of the cap-axis and of a "
              "transverse coordinate against N(0, (2λ)⁻¹) are reported for every c.",
)
def regularizer_sweep_claim(ctx: ClaimContext) -> Verdict:
    from infonce_gauss.simulations.regularized import regularizer_sweep

    factors = ctx.profile.pick(quick=(0.0, 1.0), full=(0.0, 0.5, 1.0, 2.0, 4.0))
    rows = regularizer_sweep(ctx.profile.pick(quick=(16,), full=(16, 64, 256, 512)), factors,
                             n=ctx.profile.pick(quick=128, full=512), steps=ctx.profile.pick(quick=150, full=400),
                             seed=ctx.seed % 2**31, alpha=PAPER_ALPHA)
    ctx.save_table("regularizer_sweep", rows)
    on = [r for r in rows if r["c"] > 0]
    off = [r for r in rows if r["c"] == 0]
    return Verdict.from_checks(
        {"c > 0: radii not rejected as χ_d/√(2λ) (KS p > 1e-3) at every d": all(r["ks_radius_chi_p"] > 1e-3 for r in on),
         "c = 0: radii rejected as χ_d/√(2λ) (KS p < 1e-3): the regularizer is what sets them": all(r["ks_radius_chi_p"] < 1e-3 for r in off)},
        measured={f"d={r['d']}, c={r['c']:g}": round(r["ks_radius_chi"], 3) for r in rows},
        expected="KS of the radii small for c > 0",
        rule=f"{rows[0]['steps']} Adam steps, n = {ctx.profile.pick(quick=128, full=512)} particles, α = {PAPER_ALPHA:g}, η₂ = "
             "0.5 (β₀'s plateau alignment), seed in run.json; KS of the n radii against the chi law of N(0, (2λ)⁻¹I)",
        details={"rows": rows,
                 "projection_ks_p": {f"d={r['d']}, c={r['c']:g}": {"cap_axis": r["ks_first_coordinate_gamma_p"],
                                                                   "transverse": r["ks_last_coordinate_gamma_p"]} for r in rows},
                 "note": "the radii do not depend on c > 0: the radial entropy term fixes them for any positive weight. "
                         "The directions do: from the cap start the cap-axis coordinate can still be far from N(0, (2λ)⁻¹) "
                         f"after {rows[0]['steps']} steps (this run's KS p of the cap-axis coordinate: "
                         + "; ".join(f"d = {d}: " + ", ".join(f"c = {r['c']:g} {r['ks_first_coordinate_gamma_p']:.1g}"
                                                             for r in rows if r["d"] == d)
                                     for d in sorted({r["d"] for r in rows}))
                         + "); with n < 4d the projections cannot be tested at all (NCE-PLATEAU-PARTICLES)"},
    )


# --- the regularizer on trained encoders (route 2) ------------------------------------------------------

SHAPE_KEYS = ("ks_radius_sf", "cv_ratio", "ks_coord_sf", "ks_proj_sf", "cov_sf")  # scale-free distances
ARM_KEYS = SHAPE_KEYS + ("scale_ratio", "ks_radius")
SEEDS = {"quick": 2, "full": 5, "gpu": 5}  # replicate seeds per arm (the quick profile's 2 keep it to seconds)
SCALE_TOLERANCE = 0.05  # |E‖z‖²·2λ/d − 1| within which the scale counts as reached


def _encoder_rows(preset: str, ctx: ClaimContext) -> list[dict]:
    """Train every run of ``preset`` once per replicate seed (:meth:`~infonce_gauss.training_presets.Preset.train_seeds`);
    one row per run and seed with :func:`infonce_gauss.simulations.regularized.gaussian_target_distances` of the
    unnormalized embeddings of one held-out view per item (the law the regularizer is trained on), the run's β and
    Prop 1's slack on the final embeddings."""
    from infonce_gauss.regularized.presets import PRESETS
    from infonce_gauss.simulations.device import one_torch_thread
    from infonce_gauss.simulations.regularized import gaussian_target_distances

    with one_torch_thread():
        trained = PRESETS[preset].train_seeds(ctx.profile, seeds=SEEDS[ctx.profile.name], seed=ctx.seed % 2**31,
                                              device="cpu", progress=False)
    rows = []
    for seed, runs in trained.items():
        for run, task, result in runs:
            reg = run.config.regularizer(task.eta2())
            final = result.final
            rows.append({"run": run.label, **run.tags, "beta": 0.0 if reg is None else reg.beta, "epochs": run.config.epochs,
                         "seed": seed, **gaussian_target_distances(result.positives_b, lam=run.config.reg_lambda, seed=seed),
                         **{k: final[k] for k in ("alignment", "alignment_se", "align_bound", "align_slack",
                                                  "align_excess_z", "eta2")}})
    return rows


def _arms(rows) -> dict:
    """Seed-level summaries (:func:`~infonce_gauss.simulations.replicates.summarize`) of :data:`ARM_KEYS` per arm
    (d, encoder, estimator, c), with the arm's n and d."""
    from infonce_gauss.simulations.replicates import summarize

    keys = sorted({(r["d"], r["encoder"], r["estimator"], r["c"]) for r in rows})
    out = {}
    for key in keys:
        sel = [r for r in rows if (r["d"], r["encoder"], r["estimator"], r["c"]) == key]
        out[key] = {"n": sel[0]["n"], "d": key[0], "crit": sel[0]["ks_crit"],
                    **{k: summarize([r[k] for r in sel]) for k in ARM_KEYS}}
    return out


def _shape_reached(arm) -> bool:
    """Corollary 2's law up to scale: the RMS-normalized radii, coordinates and projections within the 5% KS
    critical value and the covariance error within 3√((d+1)/n), on the seed means."""
    return (arm["ks_radius_sf"].mean < arm["crit"] and arm["ks_coord_sf"].mean < arm["crit"]
            and arm["ks_proj_sf"].mean < arm["crit"] and arm["cov_sf"].mean < 3 * math.sqrt((arm["d"] + 1) / arm["n"]))


def _scale_reached(arm) -> bool:
    return abs(arm["scale_ratio"].mean - 1) < SCALE_TOLERANCE


def _arm_text(key, arm) -> str:
    d, encoder, estimator, c = key
    fmt = lambda k: f"{arm[k].mean:.3f} ± {arm[k].se:.3f}"  # noqa: E731
    return (f"{encoder} {estimator} c={c:g}: radius KS (RMS-normalized) {fmt('ks_radius_sf')}, CV/CV_χ {fmt('cv_ratio')}, "
            f"coord KS {fmt('ks_coord_sf')}, proj KS {fmt('ks_proj_sf')}, cov error {fmt('cov_sf')}, scale E‖z‖²·2λ/d "
            f"{fmt('scale_ratio')} (shape {'reached' if _shape_reached(arm) else 'missed'}, scale "
            f"{'reached' if _scale_reached(arm) else 'missed'})")


def _route2_verdict(rows, ctx, *, name: str, realizable: str | None) -> Verdict:
    """Grade by rule. The decisive arm is the radial instrument at c = 1 on the encoder ``realizable`` (one that can
    realize any radial law), else on the preset's only encoder. Corollary 2's law is reached when the decisive
    arm reaches the shape (scale-free distances, :func:`_shape_reached`) and the scale; "confirmed" needs the
    control (c = 0, same encoder) to miss it; a miss on a realizable encoder is "not reproduced"; a miss on an
    encoder not known to realize the law cannot tell (the encoder class may decide)."""
    from infonce_gauss.regularized.plots import plot_encoder_sweep

    ctx.save_table(name, rows)
    arms = _arms(rows)
    ctx.save_figure(name, plot_encoder_sweep(arms, title=name))
    encoder = realizable or next(iter(arms))[1]
    d = next(iter(arms))[0]
    decisive, control = arms[(d, encoder, "radial", 1.0)], arms[(d, encoder, "none", 0.0)]
    reached = _shape_reached(decisive) and _scale_reached(decisive)
    control_reached = _shape_reached(control) and _scale_reached(control)
    others = [k for k, a in arms.items() if k[3] >= 1 and k[1:3] != (encoder, "radial") and not (_shape_reached(a) and _scale_reached(a))]
    text = "; ".join(_arm_text(k, a) for k, a in arms.items())
    seeds = len({r["seed"] for r in rows})
    fields = dict(
        measured={f"{k[1]} {k[2]} c={k[3]:g}": {m: [round(a[m].mean, 4), round(a[m].se, 4)] for m in ARM_KEYS}
                  for k, a in arms.items()},
        expected=f"radial instrument at c = 1 on the {encoder} encoder: shape and scale of N(0, (2λ)⁻¹I) (Corollary 2); "
                 "c = 0 misses it",
        rule=f"n = {decisive['n']} held-out views, d = {d}, {seeds} seeds per arm (mean ± seed-level SE); shape reached "
             f"when the seed means of the RMS-normalized radius KS, coordinate KS and projection KS are below the 5% "
             f"critical value {decisive['crit']:.3f} and the covariance error below 3√((d+1)/n); scale reached when "
             f"|E‖z‖²·2λ/d − 1| < {SCALE_TOLERANCE}; 'not reproduced' only where the radial instrument on an encoder "
             "that can realize the law misses it; 'cannot tell' where the encoder class may decide",
        details={"rows": rows, "arms": {f"{k[1]} {k[2]} c={k[3]:g}": {m: a[m].to_dict() for m in ARM_KEYS} for k, a in arms.items()},
                 "decisive_arm": f"{encoder} radial c=1", "missed_elsewhere": [f"{k[1]} {k[2]} c={k[3]:g}" for k in others],
                 "control": {"what": f"the {encoder} encoder unregularized (c = 0)",
                             "effect_without_cause": control_reached},
                 "tried": f"{', '.join(sorted({k[1] for k in arms}))} encoders, d = {d}, the kNN and radial instruments at "
                          f"β = c·β₀ for c in {sorted({k[3] for k in arms})}, {seeds} seeds per arm, the preset's epochs"},
    )
    prop1 = all(r["align_excess_z"] is None or r["align_excess_z"] < 3 for r in rows)
    if not _scale_reached(decisive):
        # both instruments are exactly scale-equivariant, so the batch objective is stationary only at
        # E‖z‖² = d/(2λ): a missed scale means training stopped before the regularizer's fixed point
        return Verdict.cannot_tell(f"the radial arm on the {encoder} encoder has not reached the regularizer's fixed scale "
                                   f"(E‖z‖²·2λ/d = {decisive['scale_ratio'].mean:.3f} ± {decisive['scale_ratio'].se:.3f}): "
                                   f"training too short to grade the shape. {text}", **fields)
    if not reached and realizable is None:
        return Verdict.cannot_tell(f"the radial instrument on the {encoder} encoder misses N(0, (2λ)⁻¹I), and no encoder "
                                   f"known to realize the law was trained here: the encoder class may decide. {text}", **fields)
    finding = ("confirmed" if reached and not control_reached else "not reproduced" if not reached else None)
    if finding is None:
        return Verdict.cannot_tell(f"the control (c = 0) reaches the law too: the regularizer is not shown to be the cause. {text}",
                                   **fields)
    blame = (f" Missed by {', '.join(f'{k[1]} {k[2]}' for k in others)}: there the instrument or the encoder class decides."
             if others and reached else "")
    return Verdict.from_checks(
        {"Prop 1 not rejected on any trained encoder (alignment − bound < 3 SE)": prop1}, finding=finding,
        reason=f"the radial instrument on the {encoder} encoder {'reaches' if reached else 'misses'} N(0, (2λ)⁻¹I) at β = β₀ "
               f"(the control c = 0 {'reaches' if control_reached else 'misses'} it).{blame} {text}", **fields)


@CLAIMS.claim(
    "REG-ENCODER-LAPLACE",
    finding="confirmed",
    title="Route 2 on trained encoders (Laplace): do β = β₀ regularized embeddings reach N(0, (2λ)⁻¹I)?",
    paper_ref="Theorem 1, Corollary 2, Eq. 11; Prop 3; Prop 1",
    statement="A linear encoder and a free-norm encoder (linear direction, MLP norm: every radial law realizable) trained "
              "on Laplace data with InfoNCE on the directions, unregularized (c = 0) or plus β(−Ĥ + λ·mean‖z‖²) at "
              "β = β₀(d, α, η₂), λ = d/2, with Ĥ the batch kNN entropy or the radial instrument (Prop 3's radial term, "
              "m-spacings of the norms; the angular part left to InfoNCE): the unnormalized embeddings of held-out views "
              "against N(0, (2λ)⁻¹I) on scale-free distances (RMS-normalized radius KS, CV/CV_χ, coordinate and "
              "projection KS, covariance error) with the scale E‖z‖²·2λ/d apart, over seeds; Prop 1's bound on every "
              "encoder. The finding says whether Corollary 2's law is reached by the radial instrument on the "
              "free-norm encoder.",
)
def encoder_laplace_claim(ctx: ClaimContext) -> Verdict:
    return _route2_verdict(_encoder_rows("regularized-laplace", ctx), ctx, name="route2_laplace", realizable="free-norm")


@CLAIMS.claim(
    "REG-ENCODER-FMNIST",
    finding="confirmed",
    title="Route 2 on a trained CNN (Fashion-MNIST): do β = β₀ regularized embeddings reach N(0, (2λ)⁻¹I)?",
    paper_ref="Theorem 1, Corollary 2, Eq. 11; Prop 3",
    statement="As REG-ENCODER-LAPLACE with a small CNN on Fashion-MNIST and SimCLR views (β₀ at η₂ = 0.5, the views' "
              "η₂ being unknown); the CNN is not known to realize every radial law, so a miss cannot tell; full profile.",
)
def encoder_fmnist_claim(ctx: ClaimContext) -> Verdict:
    from infonce_gauss.simulations.datasets import missing_reason

    if ctx.profile.name == "quick":
        return Verdict.skipped("runs in the full profile (CNN training on a CPU; or: infonce-gauss train --preset "
                               "regularized-fmnist)")
    if reason := missing_reason("fashion-mnist"):
        return Verdict.skipped(reason)
    return _route2_verdict(_encoder_rows("regularized-fmnist", ctx), ctx, name="route2_fmnist", realizable=None)


FLOORS = {"ks_radius_sf": (lambda d, n: 0.87 / math.sqrt(n), 0.0), "ks_coord_sf": (lambda d, n: 0.87 / math.sqrt(n), 0.0),
          "cov_sf": (lambda d, n: math.sqrt((d + 1) / n), 0.5)}
"""Sampling floor of each scale-free distance on exact target samples (n rows, dimension d) and its slope in d: the
mean KS statistic ≈ 0.87/√n (the mean of Kolmogorov's law, 0.8687, over √n), any d; the covariance error
≈ √((d+1)/n) (Wishart: E‖Σ̂ − Σ‖²_F/‖Σ‖²_F = (d+1)/n)."""


@CLAIMS.claim(
    "REG-ENCODER-DIMS",
    finding="confirmed",
    title="Route 2 on trained free-norm encoders as d grows: scale-free distance to N(0, (2λ)⁻¹I) against its sampling floor",
    paper_ref="Theorem 1 (bullet 3), Corollary 2",
    statement="The REG-ENCODER-LAPLACE arms on the free-norm encoder for several d. The theory predicts no finite-d rate "
              "for trained encoders, so the trend is reported: for the radial instrument at c = 1, the fitted log–log "
              "slope of each scale-free distance over its sampling floor (RMS-normalized radius KS and coordinate KS: "
              "floor 0.87/√n, slope 0; covariance error: floor √((d+1)/n), slope 0.5) against d, with 95% intervals over "
              "seeds. 'confirmed' when no distance grows faster than its floor (the law is approached as well at "
              "every d as sampling allows), 'not reproduced' when one does (its interval above 0: the trained "
              "encoders move away from the law as d grows).",
)
def encoder_dims_claim(ctx: ClaimContext) -> Verdict:
    rows = _encoder_rows("regularized-laplace-dims", ctx)
    ctx.save_table("route2_dims", rows)
    on = [r for r in rows if r["estimator"] == "radial" and r["c"] == 1]
    dims = sorted({r["d"] for r in on})
    trend = {}
    for key, (floor, floor_slope) in FLOORS.items():
        fit = fit_rate([r["d"] for r in on], [r[key] / floor(r["d"], r["n"]) for r in on])
        trend[key] = {"slope_over_floor": fit.slope, "interval": list(fit.slope_ci), "floor_slope": floor_slope,
                      "resolved": not fit.slope_ci[0] <= 0 <= fit.slope_ci[1]}
    text = "; ".join(f"{k}/floor: slope {v['slope_over_floor']:+.2f} [{v['interval'][0]:+.2f}, {v['interval'][1]:+.2f}]"
                     + (f" ({'grows' if v['slope_over_floor'] > 0 else 'shrinks'} faster than its floor)" if v["resolved"] else " (follows its floor)")
                     for k, v in trend.items())
    arms = _arms(rows)
    arms_text = "; ".join(f"d={k[0]} " + _arm_text(k, a) for k, a in arms.items() if k[3] >= 1)
    away = [k for k, v in trend.items() if v["resolved"] and v["slope_over_floor"] > 0]
    return Verdict.from_checks(
        {"Prop 1 not rejected on any trained encoder (alignment − bound < 3 SE)":
            all(r["align_excess_z"] is None or r["align_excess_z"] < 3 for r in rows)},
        finding="not reproduced" if away else None,
        measured={f"d={k[0]} {k[1]} {k[2]} c={k[3]:g}": {m: [round(a[m].mean, 4), round(a[m].se, 4)] for m in ARM_KEYS}
                  for k, a in arms.items()},
        expected="no rate predicted for trained encoders; each distance over its sampling floor against d, with its interval",
        rule=f"free-norm encoder, radial instrument, c = 1; d in {dims}, n = {on[0]['n']} held-out views, "
             f"{len({r['seed'] for r in on})} seeds per d (OLS of log(distance/floor) on log d over seed-level points, "
             "t interval from the scatter)",
        reason=f"at c = 1 (radial), against d: {text}. {arms_text}",
        details={"rows": rows, "trend": trend, "growing_faster_than_floor": away,
                 "tried": f"the free-norm encoder with the radial instrument at β = β₀, d in {dims}, "
                          f"{len({r['seed'] for r in on})} seeds per d, the preset's epochs"},
    )
