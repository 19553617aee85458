"""HGR- claims: maximal correlation, augmentation mildness η₂, Prop 1, Assumption 3, and Fig. 2 against Prop 1.

Paper references are to arXiv 2602.24012 by its own numbering.
"""

from __future__ import annotations

import math

import numpy as np
import sympy as sp

from infonce_gauss.hgr.plots import plot_alignment_rates
from infonce_gauss.claim import ClaimContext, ClaimSet, Verdict
from infonce_gauss.simulations.channels import PAPER_JITTER, GMMChannel, Jitter, MixingChannel, SparseBinaryChannel
from infonce_gauss.simulations.estimates import MC_AGREEMENT_Z
from infonce_gauss.simulations.hgr import (
    alignment_check,
    conditional_alignment,
    eta2_from_pairs,
    hgr_ace,
    hgr_histogram,
    mc_solvable_alignment,
    random_linear_encoder,
    random_mlp_encoder,
    solvable_rate_fits,
)
from infonce_gauss.simulations.sampling import derive_seed
from infonce_gauss.theory.hgr import (
    binary_channel_maximal_correlation,
    channel_pmf,
    derive_solvable_expansion,
    discretized_mixing_pmf,
    gaussian_cosine_mean,
    gaussian_cosine_mean_quadrature,
    gaussian_mixing_eta2,
    laplace_tail_edge,
    mixing_channel_eta2,
    pmf_maximal_correlation,
    pmf_svd,
    product_pmf,
    solvable_alignment,
    solvable_delta,
    solvable_delta_constant,
    truncated_mixing_eta2,
    views_pmf,
)

CLAIMS = ClaimSet("HGR-")

PAPER_A = 0.6  # App. E.1 default mixing coefficient
FIG2_ALIGNMENT = 0.95  # positive-pair cosine read off Fig. 2 (the text gives no number)
FIG2_MEAN_SQ_NORM = 0.05  # generous reading of ||m||² = mean negative-pair cosine, centred at 0 in Fig. 2



@CLAIMS.claim(
    "HGR-GAUSSIAN",
    finding="classical",
    title="Gaussian channel: ρ_m(X, X0) = |A| and η₂ = A²",
    paper_ref="App. A.2 worked example",
    statement="For X0 ~ N(0,1) and X = A·X0 + sqrt(1-A²)·ε, the maximal correlation is |A| (Lancaster/Mehler), "
    "so η₂ = A²; two views then have ρ_m(X, Y) = A².",
)
def gaussian_example(ctx: ClaimContext) -> Verdict:
    A_values = (0.2, 0.6, 0.9)
    spectra = {A: pmf_svd(discretized_mixing_pmf(A, base="gaussian", truncation=12.0)[2]).values[:5] for A in A_values}
    mehler = max(abs(spectra[A][k] - abs(A) ** k) for A in A_values for k in range(5))
    noisy = abs(truncated_mixing_eta2(PAPER_A, base="gaussian", noise_std=0.2, truncation=12.0)
                - gaussian_mixing_eta2(PAPER_A, noise_std=0.2))
    n = ctx.profile.pick(quick=40_000, full=400_000)
    rng = np.random.default_rng(ctx.seed)
    channel = MixingChannel(A=PAPER_A, base="gaussian", dim=1)
    x0 = channel.sample_base(n, rng)
    x, y = channel.sample_pair(x0, rng)
    estimates = {
        "ACE rho_m(X, X0)": (hgr_ace(x0[:, 0], x[:, 0], seed=ctx.seed), PAPER_A),
        "histogram rho_m(X, X0)": (hgr_histogram(x0[:, 0], x[:, 0], seed=ctx.seed), PAPER_A),
        "ACE rho_m(X, Y) from positive pairs": (eta2_from_pairs(x, y, seed=ctx.seed), PAPER_A**2),
    }
    z = {name: abs(est.z_score(exact)) for name, (est, exact) in estimates.items()}
    return Verdict.from_checks(
        {
            "discretized SVD: singular values |A|^k (Mehler), k = 0..4, A in {0.2, 0.6, 0.9}, to 1e-9": mehler < 1e-9,
            "discretized SVD with extra noise 0.2: η₂ = A²/(1 + 0.2²) to 1e-9": noisy < 1e-9,
            f"cross-fitted estimators from {n} samples within {MC_AGREEMENT_Z:g} SE of |A| and of A² (views)": max(z.values()) <= MC_AGREEMENT_Z,
        },
        measured={"rho_m (discretized SVD, A = 0.6)": float(spectra[PAPER_A][1]),
                  **{name: est.value for name, (est, _) in estimates.items()}},
        expected={"rho_m": PAPER_A, "rho_m(X, Y) = eta2": PAPER_A**2},
        uncertainty=max(est.se for est, _ in estimates.values()),
        rule=f"quadrature-discretized joint pmf (Gauss–Legendre × trapezoid, |X0| <= 12) exact to 1e-9; "
             f"Monte Carlo |z| <= {MC_AGREEMENT_Z:g} (cross-fitted estimates; SE (1 - r²)/sqrt(n))",
        details={"source": "Gebelein (1941) and Lancaster (1957): the maximal correlation of a Gaussian pair is |ρ| (Mehler's expansion)", "max_abs_error_mehler": mehler, "abs_error_noisy": noisy, "z": z, "mc_n": n,
                 "estimates": {name: est.to_dict() for name, (est, _) in estimates.items()}},
    )


def _random_pmf(rng, shape) -> np.ndarray:
    P = rng.gamma(0.5, size=shape)
    return P / P.sum()


def _random_kernel(rng, n_in, n_out) -> np.ndarray:
    K = rng.gamma(0.5, size=(n_in, n_out)) + 1e-12
    return K / K.sum(axis=1, keepdims=True)


@CLAIMS.claim(
    "HGR-DISCRETE",
    finding="classical",
    title="Maximal correlation of finite laws: σ₂(B), tensorization, data processing, views",
    paper_ref="App. A.3 steps 2–3; Witsenhausen (1975) for σ₂ of the normalized pmf",
    statement="For a finite joint pmf ρ_m = σ₂(P/sqrt(p_x p_y)) ∈ [0,1] (0 for product laws); ρ_m tensorizes as a max "
    "over independent pairs; ρ_m(X,Z) <= ρ_m(X,Y)·ρ_m(Y,Z) on Markov chains; two conditionally i.i.d. views have ρ_m(X,Y) = η₂.",
)
def discrete_laws(ctx: ClaimContext) -> Verdict:
    rng = np.random.default_rng(ctx.seed)
    trials = ctx.profile.pick(quick=200, full=2000)
    worst = {"range": 0.0, "product": 0.0, "tensorization": 0.0, "dpi": -np.inf, "views": 0.0, "binary": 0.0}
    for _ in range(trials):
        a, b, c = rng.integers(2, 7, size=3)
        P = _random_pmf(rng, (a, b))
        rho = pmf_maximal_correlation(P)
        worst["range"] = max(worst["range"], -rho, rho - 1)
        worst["product"] = max(worst["product"], pmf_maximal_correlation(np.outer(P.sum(1), P.sum(0))))
        Q = _random_pmf(rng, (c, a))
        worst["tensorization"] = max(worst["tensorization"],
                                     abs(pmf_maximal_correlation(product_pmf(P, Q)) - max(rho, pmf_maximal_correlation(Q))))
        px = P.sum(1)
        K1, K2 = _random_kernel(rng, a, b), _random_kernel(rng, b, c)
        chain = (pmf_maximal_correlation(channel_pmf(px, K1)), pmf_maximal_correlation(channel_pmf(px @ K1, K2)))
        worst["dpi"] = max(worst["dpi"], pmf_maximal_correlation(channel_pmf(px, K1 @ K2)) - chain[0] * chain[1])
        worst["views"] = max(worst["views"], abs(pmf_maximal_correlation(views_pmf(px, K1)) - chain[0] ** 2))
        q, f01, f10 = rng.uniform(0.05, 0.95), rng.uniform(0, 0.5), rng.uniform(0, 0.5)
        binary = channel_pmf([1 - q, q], [[1 - f01, f01], [f10, 1 - f10]])
        worst["binary"] = max(worst["binary"], abs(pmf_maximal_correlation(binary) - binary_channel_maximal_correlation(q, f01, f10)))
    n = ctx.profile.pick(quick=40_000, full=400_000)
    P = _random_pmf(np.random.default_rng(derive_seed(ctx.seed, 1)), (4, 5))
    cells = np.random.default_rng(derive_seed(ctx.seed, 2)).choice(P.size, size=n, p=P.ravel())
    est = hgr_histogram(*np.divmod(cells, 5), seed=ctx.seed)
    exact = pmf_maximal_correlation(P)
    return Verdict.from_checks(
        {
            f"ρ_m in [0, 1] on {trials} random pmfs": worst["range"] <= 1e-12,
            "ρ_m = 0 for product pmfs (to 1e-12)": worst["product"] <= 1e-12,
            "tensorization: ρ_m(P ⊗ Q) = max (to 1e-10)": worst["tensorization"] <= 1e-10,
            "DPI: ρ_m(X,Z) <= ρ_m(X,Y)·ρ_m(Y,Z) on random chains": worst["dpi"] <= 1e-12,
            "views: ρ_m(X,Y) = ρ_m(X,X0)² (to 1e-10)": worst["views"] <= 1e-10,
            "binary channels: σ₂(B) = |1-f01-f10|·sqrt(q(1-q)/(r(1-r))) (|1-2p| symmetric) to 1e-12": worst["binary"] <= 1e-12,
            f"histogram estimator on {n} categorical samples within {MC_AGREEMENT_Z:g} SE of σ₂(B)": abs(est.z_score(exact)) <= MC_AGREEMENT_Z,
        },
        measured={"worst": worst, "estimate_4x5": est.value},
        expected={"estimate_4x5": exact},
        uncertainty=est.se,
        rule="exact identities to 1e-10..1e-12 over random pmfs and kernels (Gamma(1/2) entries); MC |z| <= 4",
        details={"source": "Rényi (1959) and Witsenhausen (1975): σ₂ of the normalized pmf, tensorization and data processing", "trials": trials, "mc_n": n, "z": abs(est.z_score(exact))},
    )


@CLAIMS.claim(
    "HGR-ETA2-DEFAULT",
    finding="sharpened",
    title="η₂ of the paper's default channel (A = 0.6, Laplace input, with and without jitter)",
    paper_ref="App. E.1, Eq. 53; paper Eq. 5",
    statement="η₂ of X = 0.6·X0 + 0.8·ε on Laplace(0,1) coordinates exceeds Pearson² = 2A²/(1+A²); the jitter "
    "(noise 0.2, dropout 0.1, log-normal scale 0.1) can only lower it (DPI).",
)
def eta2_default(ctx: ClaimContext) -> Verdict:
    plain = mixing_channel_eta2(PAPER_A)
    coord = MixingChannel(A=PAPER_A, jitter=Jitter(scale_per="coordinate")).eta2()
    shared = MixingChannel(A=PAPER_A, jitter=PAPER_JITTER).eta2()
    pearson2 = 2 * PAPER_A**2 / (1 + PAPER_A**2)
    edge = laplace_tail_edge(PAPER_A, 1 - PAPER_A**2)
    n = ctx.profile.pick(quick=2_000, full=20_000)
    dim = 32
    rng = np.random.default_rng(ctx.seed)
    samples = {}
    for name, channel in (("no jitter", MixingChannel(A=PAPER_A, dim=dim)),
                          ("jitter (shared scale)", MixingChannel(A=PAPER_A, dim=dim, jitter=PAPER_JITTER))):
        x, y = channel.sample_pair(channel.sample_base(n, rng), rng)
        samples[name] = eta2_from_pairs(x, y, seed=ctx.seed, max_pairs=n * dim)
    d = plain.details
    return Verdict.from_checks(
        {
            "numerical error of each η₂ below 1e-4": max(plain.error, coord.error) < 1e-4,
            "η₂ >= tail edge exp(-(1-A²)/(4A²)) and the Richardson extrapolation does not exceed it (η₂ = edge)": d["edge_is_supremum"],
            "truncated values increase towards the edge (T = 48..128)": bool(np.all(np.diff(d["truncated_values"]) > 0) and d["truncated_values"][-1] < edge),
            "η₂ > Pearson² = 2A²/(1+A²) (HGR beyond linear)": plain.lower > pearson2,
            "jitter lowers η₂ (DPI), for either scale convention": max(coord.upper, shared.upper) < plain.lower,
            "η₂ estimated from positive pairs (cross-fitted ACE) <= η₂ + 4 SE and > Pearson² + 4 SE (no jitter)":
                samples["no jitter"].value <= plain.upper + MC_AGREEMENT_Z * samples["no jitter"].se
                and samples["no jitter"].value > pearson2 + MC_AGREEMENT_Z * samples["no jitter"].se,
            "η₂ from jittered positive pairs <= the bracket's upper end + 4 SE":
                samples["jitter (shared scale)"].value <= shared.upper + MC_AGREEMENT_Z * samples["jitter (shared scale)"].se,
        },
        measured={"eta2_no_jitter": plain.value, "eta2_no_jitter_error": plain.error,
                  "eta2_jitter_per_coordinate_scale": coord.value, "eta2_jitter_per_coordinate_scale_error": coord.error,
                  "eta2_jitter_shared_scale_bracket": [shared.lower, shared.upper]},
        expected={"pearson2": pearson2, "tail_edge_exp(-4/9)": edge},
        uncertainty=plain.error,
        rule="discretized SVD of the joint law on |X0| <= T (grid error from 1.5x refinement), Richardson in T to "
             "T = ∞; dropout handled exactly (η₂ = 0.9·η₂ of the rest); shared scale: bracket between the "
             "per-coordinate values with and without the scale",
        details={"adds": "η₂ of the paper's default channel, computed (with its numerical error) where the paper gives none, and the bracket the jitter puts on it", "no_jitter": {"value": plain.value, "error": plain.error, **d},
                 "jitter_per_coordinate": {"value": coord.value, "error": coord.error, **coord.details},
                 "jitter_shared_scale": dict(shared.details),
                 "from_positive_pairs": {name: est.to_dict() for name, est in samples.items()},
                 "pairs_per_estimate": n * dim,
                 "note": "the sup is not attained: functions escaping into the exponential tail reach the edge "
                         "exp(-S/(4A²)) (theory/hgr.py); a finite sample sees the bulk only, so sample estimates sit below it"},
    )


def _prop1_channels(seed: int) -> dict:
    return {
        "Gaussian A=0.6": MixingChannel(A=PAPER_A, base="gaussian", dim=32),
        "Laplace A=0.6": MixingChannel(A=PAPER_A, dim=32),
        "Laplace A=0.6 + jitter": MixingChannel(A=PAPER_A, dim=32, jitter=PAPER_JITTER),
        "GMM (5 components, overlapping)": GMMChannel.random(5, 16, mean_std=1.0, std=2.0, rng=seed),
        "sparse binary": SparseBinaryChannel(dim=64),
    }


@CLAIMS.claim(
    "HGR-PROP1",
    finding="confirmed",
    title="Prop 1: E[u·v] <= η₂ + (1-η₂)‖m‖² for any encoder",
    paper_ref="Prop 1, Sec. 3.1, Eq. 6; App. A.3",
    statement="For conditionally i.i.d. views and any encoder, E[u·v] <= η₂ + (1-η₂)‖m(μ)‖², with the sharper identity "
    "E[u·v] = E‖E[u|X0]‖²; the bound is nearly tight for the isotropic linear encoder on the Gaussian channel.",
)
def prop1(ctx: ClaimContext) -> Verdict:
    n = ctx.profile.pick(quick=4_000, full=40_000)
    n_base, n_views = ctx.profile.pick(quick=(800, 6), full=(8_000, 10))
    rows, identity_z = [], []
    for i, (name, channel) in enumerate(_prop1_channels(ctx.seed).items()):
        eta = channel.eta2()
        encoders = {"random linear": random_linear_encoder(channel.dim, 16, rng=derive_seed(ctx.seed, 0, i)),
                    "random tanh MLP": random_mlp_encoder(channel.dim, 16, hidden=64, rng=derive_seed(ctx.seed, 1, i)),
                    "random ReLU MLP": random_mlp_encoder(channel.dim, 16, hidden=64, activation="relu", rng=derive_seed(ctx.seed, 2, i))}
        for enc_name, encoder in encoders.items():
            seed = derive_seed(ctx.seed, 3, i, len(rows))
            check = alignment_check(encoder, channel, n=n, seed=seed, eta2=eta)
            cond = conditional_alignment(encoder, channel, n_base=n_base, n_views=n_views, seed=derive_seed(seed, 1))
            z_id = (cond.value - check.alignment.value) / math.hypot(cond.se, check.alignment.se)
            identity_z.append(abs(z_id))
            rows.append({"channel": name, "encoder": enc_name, **check.to_dict(), "holds": check.holds(MC_AGREEMENT_Z),
                         "slack_z": check.slack.value / check.slack.se if check.slack.se > 0 else math.inf,
                         "conditional_alignment": cond.value, "conditional_alignment_se": cond.se, "identity_z": z_id})
    ctx.save_table("prop1_encoders", rows)
    d = 256
    tight = alignment_check(lambda x: x, MixingChannel(A=PAPER_A, base="gaussian", dim=d), n=n, seed=derive_seed(ctx.seed, 4))
    exact_delta = solvable_delta(d, PAPER_A)
    return Verdict.from_checks(
        {
            f"bound holds (slack + {MC_AGREEMENT_Z:g} SE + η₂ error >= 0) for {len(rows)} encoder/channel pairs": all(r["holds"] for r in rows),
            f"identity E[u·v] = E‖E[u|X0]‖² within {MC_AGREEMENT_Z:g} SE for every pair": max(identity_z) <= MC_AGREEMENT_Z,
            f"identity encoder, Gaussian channel, d = {d}: slack matches the exact δ(d) within {MC_AGREEMENT_Z:g} SE": abs(tight.slack.z_score(exact_delta)) <= MC_AGREEMENT_Z,
            f"… and is nearly tight: slack < 1% of η₂ (+{MC_AGREEMENT_Z:g} SE)": tight.slack.value - MC_AGREEMENT_Z * tight.slack.se < 0.01 * PAPER_A**2,
        },
        measured={"min_slack_z": min(r["slack_z"] for r in rows), "max_explained_minus_eta2": max(r["explained"] - r["eta2"] for r in rows),
                  "tight_slack_d256": tight.slack.value},
        expected={"min_slack_z": f">= -{MC_AGREEMENT_Z:g}", "tight_slack_d256": exact_delta},
        uncertainty=tight.slack.se,
        rule=f"one-sided: slack/SE >= -{MC_AGREEMENT_Z:g} after adding the η₂ error; identity two-sided |z| <= {MC_AGREEMENT_Z:g}; "
             f"{n} pairs per check, inner Monte Carlo {n_base} items × {n_views} views",
        details={"cases": [{k: r[k] for k in ("channel", "encoder", "alignment", "mean_sq_norm", "eta2", "bound", "slack", "slack_se", "explained")} for r in rows],
                 "max_abs_identity_z": max(identity_z), "mc_n": n},
    )


@CLAIMS.claim(
    "HGR-ASSUMPTION3",
    finding="sharpened",
    title="Assumption 3 in the solvable model: δ(d) <= η₂ - E[u·v] of the identity encoder ~ A²(1-A⁴)/(2d)",
    paper_ref="Assumption 3, Theorem 1",
    statement="For the Gaussian vector channel with the identity encoder (μ = σ, η₂ = A²), E[u·v] = "
    "ρ(2/d)(Γ((d+1)/2)/Γ(d/2))² 2F1(1/2,1/2;d/2+1;ρ²), ρ = A², so its gap δ_id(d) = η₂ − E[u·v] = A²(1-A⁴)/(2d) + "
    "O(d^-2) (slope -1). Align(σ) is a supremum over encoders, so δ(d) = η₂ − Align(σ) <= δ_id(d) → 0: Assumption 3 "
    "holds in this channel. This bounds δ(d) from above; it does not give δ's rate.",
)
def assumption3(ctx: ClaimContext) -> Verdict:
    rho = sp.symbols("rho", positive=True)
    c0, c1, c2 = derive_solvable_expansion(2)
    quad = max(abs(gaussian_cosine_mean(d, r) - gaussian_cosine_mean_quadrature(d, r)) for d, r in ((1, 0.36), (2, -0.9), (7, 0.5), (64, 0.36)))
    n = ctx.profile.pick(quick=20_000, full=200_000)
    mc_rows = []
    for A in (0.3, PAPER_A, 0.8):
        for d in (2, 8, 64):
            est = mc_solvable_alignment(d, A, n=n, seed=derive_seed(ctx.seed, d)).alignment
            mc_rows.append({"A": A, "d": d, "quantity": "delta", "source": "mc", "value": A * A - est.value, "se": est.se,
                            "seed": est.seed, "n": n, "z": est.z_score(solvable_alignment(d, A))})
    z_mc = max(abs(r["z"]) for r in mc_rows)
    dims = sorted({int(round(v)) for v in np.geomspace(2, ctx.profile.pick(quick=4096, full=65536), 25)})
    table = [{"A": A, "d": d, "quantity": "delta", "source": "exact", "value": solvable_delta(d, A)}
             for A in (0.3, PAPER_A, 0.8) for d in dims]
    table += [{"A": A, "d": d, "quantity": "delta", "source": "asymptotic", "value": solvable_delta_constant(A) / d}
              for A in (0.3, PAPER_A, 0.8) for d in dims]
    fits = solvable_rate_fits(table, d_min=32)
    ctx.save_table("solvable_delta", table + mc_rows)
    ctx.save_table("solvable_delta_fits", fits)
    if ctx.profile.name != "quick":  # drawing the three log panels costs seconds; `rates hgr` draws it too
        ctx.save_figure("solvable_delta", plot_alignment_rates(table + mc_rows))
    far = 10**5
    limit_gap = max(abs(far * solvable_delta(far, A) / solvable_delta_constant(A) - 1) for A in (0.3, PAPER_A, 0.8))
    # δ(d) <= A²(1-A⁴)/(2d) is not an upper bound for every A: as δ = -c1/d - c2/d² + ..., the first-order
    # value is exceeded at large d exactly when c2 < 0, i.e. A² > 1/3.
    exceeds = {A: bool(solvable_delta(4096, A) > solvable_delta_constant(A) / 4096) for A in (0.3, 0.5, PAPER_A, 0.8)}
    predicted = {A: bool(c2.subs(rho, A * A) < 0) for A in exceeds}
    excess_at_64 = 64 * solvable_delta(64, PAPER_A) / solvable_delta_constant(PAPER_A) - 1
    fit_a = next(f for f in fits if f["A"] == PAPER_A)
    alpha = 10.0
    return Verdict.from_checks(
        {
            "closed form = independent quadrature over ‖X‖ ~ χ_d (1F1 route), to 1e-12": quad < 1e-12,
            f"Monte Carlo E[u·v] within {MC_AGREEMENT_Z:g} SE of the closed form (A in {{0.3, 0.6, 0.8}}, d in {{2, 8, 64}})": z_mc <= MC_AGREEMENT_Z,
            "sympy: E[u·v] = ρ - ρ(1-ρ²)/(2d) + O(d^-2)": sp.simplify(c0 - rho) == 0 and sp.simplify(c1 + rho * (1 - rho**2) / 2) == 0,
            "d·δ(d) -> A²(1-A⁴)/2 (relative gap < 1e-4 at d = 1e5)": limit_gap < 1e-4,
            "fitted slope intervals cover -1 and constant intervals cover A²(1-A⁴)/2 (d >= 32)":
                all(f["slope_covers_prediction"] and f["constant_ci_low"] <= f["predicted_constant"] <= f["constant_ci_high"] for f in fits),
            "sign of the sympy second-order term predicts where δ exceeds its first-order value": exceeds == predicted,
        },
        measured=fit_a["slope"],
        uncertainty=(fit_a["slope_ci_high"] - fit_a["slope_ci_low"]) / 2,
        expected=-1.0,
        rule="exact fit log δ = log C + s log d + b/d on d in [32, d_max] (interval + truncation error); MC |z| <= 4; sympy identities exact",
        details={"adds": "an explicit upper bound δ(d) <= δ_id(d) = A²(1-A⁴)/(2d) + O(d^-2) in the Gaussian channel (the "
                         "identity encoder's gap), so Assumption 3 holds there; the paper leaves its realizability open",
                 "scope": "δ_id(d) is the identity encoder's gap; Align(σ) is a supremum over encoders with uniform marginal, "
                          "so δ(d) <= δ_id(d): an upper bound, not δ's rate (δ could vanish faster)",
                 "second_order_coefficient": str(c2), "d_delta_limit": {A: solvable_delta_constant(A) for A in (0.3, PAPER_A, 0.8)},
                 "alpha_delta_at_dmax (alpha = 10)": alpha * solvable_delta(dims[-1], PAPER_A),
                 "first_order_exceeded_at_d4096": {str(A): v for A, v in exceeds.items()},
                 "delta_over_first_order_minus_1_at_d64_A0.6": excess_at_64,
                 "first_order_is_not_a_bound": "δ(d) <= A²(1-A⁴)/(2d) holds for all d only when A² <= 1/3. "
                                        "For A² > 1/3 (the paper's A = 0.6 included) δ exceeds it for large d, since "
                                        "δ = A²(1-A⁴)/(2d) - A²(1-A⁴)(1-9A⁴)/(8d²) + O(d^-3). The rate and constant are unaffected.",
                 "fits": fits, "mc_z_max": z_mc, "mc_n": n},
    )


@CLAIMS.claim(
    "HGR-E1-FIG2",
    finding="inconsistent",
    title="Alignment ≈ 0.95 (read off the project page's violin plot, taken to show Fig. 2's data) against Prop 1's cap for App. E.1's channel",
    paper_ref="Fig. 2; App. E.1, Eq. 53; Prop 1",
    statement="Prop 1 caps the alignment of any encoder at η₂ + (1-η₂)‖m‖². The ≈ 0.95 is read off a violin plot of the "
    "authors' project page that is taken to show Fig. 2's data (positive-pair cosine ≈ 0.95–0.97 at every d); the paper's "
    "text says only 'near-optimal alignment' and gives no number. With the channel App. E.1 states (A = 0.6, Laplace input, with its jitter) and the "
    "negative cosines of Fig. 2 centred at 0 (‖m‖² <= 0.05), the cap is far below it, with or without the jitter.",
)
def e1_fig2(ctx: ClaimContext) -> Verdict:
    """Verdict rule: the claim *passes* when the suite's figures are established (every η₂ with a numerical
    error below 1e-4, the jitter bracket ordered as the data-processing inequality demands, the A that
    would reach 0.95 confirmed); whether Fig. 2 is consistent with its stated channel is the *finding*."""
    plain = mixing_channel_eta2(PAPER_A)
    shared = MixingChannel(A=PAPER_A, jitter=PAPER_JITTER).eta2()
    coord = MixingChannel(A=PAPER_A, jitter=Jitter(scale_per="coordinate")).eta2()
    ceilings = {name: eta.upper + (1 - eta.upper) * FIG2_MEAN_SQ_NORM for name, eta in
                (("no jitter", plain), ("jitter, shared scale", shared), ("jitter, per-coordinate scale", coord))}
    needed_m2 = {name: (FIG2_ALIGNMENT - eta.upper) / (1 - eta.upper) for name, eta in
                 (("no jitter", plain), ("jitter, shared scale", shared))}
    # η₂ >= edge(A) = exp(-(1-A²)/(4A²)); edge(A*) = 0.95 at A*² = 1/(1 - 4 log 0.95). Confirm η₂(A*) = edge there.
    a_star = 1 / math.sqrt(1 - 4 * math.log(FIG2_ALIGNMENT))
    at_star = mixing_channel_eta2(a_star)
    dropout_cap = 1 - PAPER_JITTER.dropout
    consistent = FIG2_ALIGNMENT <= max(ceilings.values())
    summary = (f"the ≈{FIG2_ALIGNMENT} read off the project page's violin plot (taken as Fig. 2's data; the paper's text says "
               f"only 'near-optimal alignment') exceeds Prop 1's cap for the stated channel: "
               f"<= {ceilings['jitter, shared scale']:.3f} with the stated jitter (η₂ <= {shared.upper:.4f}), "
               f"{ceilings['no jitter']:.3f} without it (η₂ = {plain.value:.6f} ± {plain.error:.1e}), at ‖m‖² <= "
               f"{FIG2_MEAN_SQ_NORM}; dropout 0.1 alone caps η₂ at {dropout_cap:g} for any A. Without jitter and with "
               f"‖m‖² = 0, A >= {a_star:.4f} would be needed.") if not consistent else \
        f"Fig. 2's ≈{FIG2_ALIGNMENT} is within Prop 1's cap {max(ceilings.values()):.3f} of the stated channel."
    return Verdict.from_checks(
        {
            "η₂ of the stated channel computed with numerical error < 1e-4 (with and without jitter)": max(plain.error, coord.error, shared.details["upper_error"]) < 1e-4,
            "the jitter can only lower η₂ (data processing): bracket below the no-jitter value": shared.upper <= plain.value + plain.error,
            "A* solving η₂(A*) = 0.95 confirmed by the discretized SVD (edge is the supremum at A*)": at_star.details["edge_is_supremum"] and abs(at_star.value - FIG2_ALIGNMENT) < 1e-9 + at_star.error,
        },
        measured={"fig2_alignment": FIG2_ALIGNMENT, "eta2_no_jitter": plain.value, "eta2_no_jitter_error": plain.error,
                  "eta2_jitter_bracket": [shared.lower, shared.upper], "ceilings_at_m2_0.05": ceilings,
                  "m2_needed_for_0.95": needed_m2, "A_needed_without_jitter_at_m2_0": a_star, "consistent": consistent},
        expected=f"alignment <= η₂ + (1-η₂)‖m‖² (Prop 1); Fig. 2 shows ≈ {FIG2_ALIGNMENT} with ‖m‖² ≈ 0",
        uncertainty=plain.error,
        rule="passes when every η₂ is computed to < 1e-4 and the bracket obeys the data-processing inequality; the "
             "finding is inconsistent when 0.95 exceeds every cap (the upper end of each η₂ bracket), else confirmed",
        reason=summary,
        finding="inconsistent" if not consistent else "confirmed",
        details={"statements": ["the project page's violin plot, taken to show Fig. 2's data: positive-pair cosine ≈ "
                                f"{FIG2_ALIGNMENT} with negative cosines centred at 0 (the paper's text: 'near-optimal alignment')",
                                "App. E.1's channel (A = 0.6, Laplace input, the stated jitter) with Prop 1's cap η₂ + (1-η₂)‖m‖²"],
                 "attribution": "0.95 is a reading of a figure on the authors' project page, not a number in the paper",
                 "dropout_cap_on_eta2": dropout_cap, "eta2_at_A_star": {"value": at_star.value, "error": at_star.error},
                 "gaussian_input_A_needed": math.sqrt(FIG2_ALIGNMENT),
                 "reading": "mean negative-pair cosine = ‖m‖² exactly; Fig. 2's negative cosines are centred at 0",
                 "explanations": "the figure was made with other channel parameters than App. E.1 states (A >= 0.91 "
                                 "and no dropout would do); or it plots another alignment measure than E[cos(u, v)] "
                                 "over positive pairs of the stated channel (e.g. of unnormalized embeddings, or of "
                                 "views without the jitter); or the 0.95 is misread from the figure's axis"},
    )
