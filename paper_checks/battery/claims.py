"""CHK- claims: the paper's per-coordinate protocol calibrated (null pass rates, sphere detectability, Table 1's 100%) and the `check` battery
on laws with known answers and on a real InfoNCE text encoder (Table 2's CLIP-text row).

Paper references are to arXiv 2602.24012 by its own numbering.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, stats

from infonce_gauss.claim import ClaimContext, ClaimSet, Verdict
from infonce_gauss.simulations import geometry
from infonce_gauss.simulations.null_rates import null_pass_rates, pass_rate_band
from infonce_gauss.simulations.univariate import AD_THRESHOLD, DP_LEVEL, paper_rule
from infonce_gauss.simulations.estimates import MC_AGREEMENT_Z, Estimate, proportion_estimate
from infonce_gauss.simulations.sampling import derive_seed, uniform_sphere

CLAIMS = ClaimSet("CHK-")


def _fmt(value) -> str:
    """A scale of n/(d+2)² for a reason, or 'none of these cells'."""
    return "none of these cells" if value is None else f"{value:.3g}"

TABLE2_CLIP_TEXT = {"unnormalized": {"ad_avg": 0.53, "ad_pass_pct": 94.0, "dp_avg": 0.38, "dp_pass_pct": 99.4},
                    "normalized": {"ad_avg": 0.54, "ad_pass_pct": 93.6, "dp_avg": 0.38, "dp_pass_pct": 99.7}}


@CLAIMS.claim(
    "CHK-NULL-CALIBRATION",
    finding="classical",
    title="Exact Gaussian coordinates pass each of the paper's tests 95% of the time, both about 92%, never 100%",
    paper_ref="Sec. 5 metrics; Table 1",
    statement=f"Under an exact N(0,1) null a coordinate passes AD < {AD_THRESHOLD:g} and DP p > {DP_LEVEL:g} with "
              "probability 0.95 each (the tests' 5% level), at every n; it passes both less often, with a probability "
              "between the independent 0.95² and 0.95 (the two tests are positively correlated).",
)
def null_calibration(ctx: ClaimContext) -> Verdict:
    reps = ctx.profile.pick(quick=2000, full=20000)
    rows, z = [], []
    for i, n in enumerate((1000, 5000, 10000)):
        r = null_pass_rates(n, 2, law="gaussian", replicates=reps, seed=derive_seed(ctx.seed, i))
        rows.append(r.to_dict())
        z += [abs(r.ad_pass.z_score(0.95)), abs(r.dp_pass.z_score(0.95))]
    ctx.save_table("null_calibration", rows)
    return Verdict.from_checks(
        {f"AD and DP pass rates within {MC_AGREEMENT_Z:g} binomial SE of 0.95 at n = 1000, 5000, 10000": max(z) <= MC_AGREEMENT_Z,
         f"both tests: pass rate more than {MC_AGREEMENT_Z:g} SE below 0.95, and not below 0.95² (positively correlated tests)": all(
             0.95**2 - MC_AGREEMENT_Z * r["both_pass_se"] <= r["both_pass"] < 0.95 - MC_AGREEMENT_Z * r["both_pass_se"] for r in rows),
         "no null pass rate reaches 99%": all(max(r["ad_pass"], r["dp_pass"]) < 0.99 for r in rows)},
        measured={f"n={r['n']}": f"AD {r['ad_pass']:.4f}, DP {r['dp_pass']:.4f}, both {r['both_pass']:.4f}" for r in rows},
        expected=0.95, uncertainty=rows[0]["ad_pass_se"],
        rule=f"{reps} simulated N(0,1) columns per n; |rate - 0.95| <= {MC_AGREEMENT_Z:g} SE",
        details={"source": "the tests' level under their null: Anderson–Darling, case 3 (D'Agostino & Stephens, Goodness-of-Fit Techniques, 1986) and D'Agostino–Pearson (D'Agostino & Pearson, Biometrika 1973)", "rows": rows, "threshold_source": f"{AD_THRESHOLD:g} = SciPy's large-n 5% point of A² (D'Agostino & Stephens case 3)"},
    )


@CLAIMS.claim(
    "CHK-SPHERE-DETECT",
    finding="sharpened",
    title="The paper's tests detect the finite-d sphere law on three scales of n/(d+2)²: pooled share, one column, the average rule",
    paper_ref="Sec. 5 metrics vs Lemma 3",
    statement="Exact coordinates of the uniform sphere (excess kurtosis -6/(d+2)) pass DP with probability "
              "P(χ²₂(λ) ≤ 5.99), λ ≈ 1.5 n/(d+2)², so (d+2)² is the scale of one column: DP rejects it half the time "
              "at λ ≈ 4.96, n ≈ 3.3(d+2)². The pass share pooled over d columns leaves the band of d independent Gaussian "
              "coordinates earlier (at d ≤ 64 and n ≥ 5000), and the paper's average rule (AD avg < 0.752, DP avg p > "
              "0.05) keeps saying 'Gaussian' later.",
)
def sphere_detect(ctx: ClaimContext) -> Verdict:
    budget = ctx.profile.pick(quick=3 * 10**6, full=3 * 10**7)
    rows = []
    for i, d in enumerate((16, 64, 256)):
        for j, n in enumerate((1000, 5000, 20000)):
            reps = int(np.clip(budget // n, 150, 2000))
            sphere = null_pass_rates(n, d, law="sphere", replicates=reps, seed=derive_seed(ctx.seed, i, j))
            gauss_band = pass_rate_band(Estimate(0.95, 0.0, reps), d)
            lam = 1.5 * n / (d + 2) ** 2
            rows.append({"d": d, "n": n, "replicates": reps, "sphere_dp_pass": sphere.dp_pass.value,
                         "sphere_dp_pass_se": sphere.dp_pass.se, "sphere_ad_pass": sphere.ad_pass.value,
                         "sphere_ad_mean": sphere.ad_mean.value, "sphere_dp_mean": sphere.dp_mean.value,
                         "noncentrality": lam, "predicted_dp_pass": float(stats.ncx2.cdf(stats.chi2.ppf(0.95, 2), 2, lam)),
                         "gaussian_band_low": gauss_band[0],
                         "paper_rule_passes": paper_rule(sphere.ad_mean.value, sphere.dp_mean.value)})
    ctx.save_table("sphere_detect", rows)
    gap = max(abs(r["sphere_dp_pass"] - r["predicted_dp_pass"]) for r in rows)
    flagged = [r for r in rows if r["d"] <= 64 and r["n"] >= 5000]
    level = stats.chi2.ppf(0.95, 2)
    lam_half = optimize.brentq(lambda lam: stats.ncx2.cdf(level, 2, lam) - 0.5, 1e-3, 100.0)  # one column: 50% power
    for r in rows:
        r["n_over_d2_sq"] = r["n"] / (r["d"] + 2) ** 2
        r["pooled_flags"] = bool(r["sphere_dp_pass"] < r["gaussian_band_low"])
    scale = lambda cells: min((r["n_over_d2_sq"] for r in cells), default=None)
    scales = {"pooled_share_leaves_band_from": scale(r for r in rows if r["pooled_flags"]),
              "one_column_half_rejected_from": scale(r for r in rows if r["sphere_dp_pass"] <= 0.5),
              "one_column_half_power_first_order": lam_half / 1.5,
              "paper_average_rule_gaussian_up_to": max(
                  (r["n_over_d2_sq"] for r in rows if r["paper_rule_passes"]), default=None)}
    return Verdict.from_checks(
        {"simulated DP pass rates within 0.15 of the first-order noncentral-χ² prediction": gap <= 0.15,
         "d <= 64, n >= 5000: sphere pass fraction below the Gaussian band of d coordinates": all(
             r["sphere_dp_pass"] < r["gaussian_band_low"] for r in flagged),
         "d = 256, n <= 5000: indistinguishable from Gaussian (within the band)": all(
             r["sphere_dp_pass"] >= r["gaussian_band_low"] for r in rows if r["d"] == 256 and r["n"] <= 5000),
         "the pooled share flags at a smaller n/(d+2)² than one column is rejected half the time": None not in (
             scales["pooled_share_leaves_band_from"], scales["one_column_half_rejected_from"]) and
             scales["pooled_share_leaves_band_from"] < scales["one_column_half_rejected_from"],
         "the paper's average rule says 'Gaussian' in a cell where one column is rejected at least half the time": any(
             r["paper_rule_passes"] and r["sphere_dp_pass"] <= 0.5 for r in rows)},
        measured={f"d={r['d']},n={r['n']}": round(r["sphere_dp_pass"], 3) for r in rows},
        expected={f"d={r['d']},n={r['n']}": round(r["predicted_dp_pass"], 3) for r in rows},
        rule="exact sphere-coordinate columns; prediction P(χ²₂(1.5n/(d+2)²) <= 5.99) (first order in the excess kurtosis −6/(d+2); derived here)",
        reason=("three scales of n/(d+2)² in this run: the pooled pass share leaves the Gaussian band from "
                f"{_fmt(scales['pooled_share_leaves_band_from'])}; one column fails DP half the time near "
                f"{scales['one_column_half_power_first_order']:.2f} (first order; simulated: from "
                f"{_fmt(scales['one_column_half_rejected_from'])}); the paper's average rule still "
                f"says 'Gaussian' up to {_fmt(scales['paper_average_rule_gaussian_up_to'])}"),
        details={"adds": "the scale at which the paper's tests tell the finite-d sphere from a Gaussian, on three levels: the "
                         "pooled pass share, one column ((d+2)², 50% power near 3.3(d+2)²) and the paper's average rule",
                 "scales_n_over_d_plus_2_squared": scales, "lambda_half_power": lam_half,
                 "max_abs_gap": gap, "paper_rule_still_says_gaussian": [f"d={r['d']},n={r['n']}" for r in rows if r["paper_rule_passes"]],
                 "note": "the paper's own rule (AD avg < 0.752, DP avg p > 0.05) keeps saying 'Gaussian' in some of these "
                         "cells while the pass fraction has already dropped: it compares averages, not fractions"},
    )


@CLAIMS.claim(
    "CHK-COMPLIANCE",
    finding="inconsistent",
    title="Table 1's '100%' of coordinates passing both tests is improbable for independent exactly Gaussian coordinates",
    paper_ref="Table 1 (Laplace, GMM: 100% pass)",
    statement="Table 1 reports every coordinate passing both tests. If the 256 coordinates were independent and "
              "exactly Gaussian (or exact sphere coordinates) at n = 5000, each would pass both with probability "
              "p₂ ≈ 0.92 (not 0.95: that is one test), so all 256 would pass with probability p₂²⁵⁶ of order "
              "10⁻⁹–10⁻¹⁰, far below the single-test 0.95²⁵⁶ ≈ 2·10⁻⁶; even reading 255/256 (99.6%) as '100%' "
              "leaves a probability below 10⁻⁷. Assumptions: independent coordinates, the paper's thresholds.",
)
def compliance(ctx: ClaimContext) -> Verdict:
    reps = ctx.profile.pick(quick=1500, full=20000)
    d = 256
    out = {}
    for i, law in enumerate(("gaussian", "sphere")):
        r = null_pass_rates(5000, d, law=law, replicates=reps, seed=derive_seed(ctx.seed, i))
        p, se = r.both_pass.value, r.both_pass.se
        upper = min(1.0, p + 2 * se)
        out[law] = {"p_ad": r.ad_pass.value, "p_dp": r.dp_pass.value, "p_both": p, "p_both_se": se,
                    "all_256": p**d, "all_256_upper": upper**d,
                    "at_least_255_upper": upper**d + d * upper ** (d - 1) * (1 - upper)}
    worst_all = max(v["all_256_upper"] for v in out.values())
    worst_255 = max(v["at_least_255_upper"] for v in out.values())
    # the Laplace column does not state d: P(all d pass both) = p₂^d under the Gaussian null, for each d of the sweep
    p2 = out["gaussian"]["p_both"]
    laplace = {dim: p2**dim for dim in (32, 64, 128, 256)}
    return Verdict.from_checks(
        {"P(all 256 pass both) < 1e-6 under both null laws (upper 2-SE end of p₂)": worst_all < 1e-6,
         "P(at least 255 of 256 pass both) < 1e-5 under both null laws (upper 2-SE end)": worst_255 < 1e-5},
        measured=out["gaussian"]["all_256"], expected="< 1e-6 (Table 1 prints 100%)",
        uncertainty=None,
        rule=f"{reps} simulated columns per law at n = 5000, d = 256; P(all pass) = p₂^256 for independent "
             "coordinates, p₂ the rate of passing both tests",
        reason=(f"firm for the GMM column (d = 256 stated): P(all pass both) = {out['gaussian']['all_256']:.2g}; the Laplace "
                "column does not state d, so there the probability depends on it: "
                + ", ".join(f"{v:.2g} at d = {dim}" for dim, v in laplace.items())
                + "; all under independent coordinates, which trained embeddings need not have"),
        details={"statements": ["Table 1: 100% of the coordinates pass both AD and DP (Laplace, GMM columns)",
                                "Table 1's verdict 'Gaussian' with the paper's tests at their 5% level: independent exactly "
                                "Gaussian coordinates pass both with probability p₂ < 1 each"],
                 "scope": "firm for GMM (d = 256 stated); for Laplace conditional on the unstated d; assumes independent "
                          "coordinates (dependent coordinates can all pass together far more often)",
                 "laplace_all_pass_by_d": laplace,
                 "laws": out, "single_test_product": 0.95**d,
                 "reading": "100% needs dependent coordinates, coarser tests, fewer coordinates or a tighter-"
                 "than-null law; the check battery flags a pass fraction above the null band"},
    )


def _battery_verdicts(x, options: dict) -> dict:
    from infonce_gauss.encoder_check.check import check

    return check(x, **options).verdicts


@CLAIMS.claim(
    "CHK-BATTERY",
    finding="calibration",
    title="The check battery's verdicts on laws whose answer is known",
    paper_ref="Cor 1, Prop 2, Assumption 2",
    statement="On N(0, I_d) every assumption holds; exactly uniform directions at d = 8 fail the Gaussian band but "
              "hold against the sphere band; Laplace coordinates, class clusters and a wide radial law fail.",
)
def battery(ctx: ClaimContext) -> Verdict:
    rng = np.random.default_rng(ctx.seed)
    n = ctx.profile.pick(quick=3000, full=20000)
    cfg = {"null_replicates": ctx.profile.pick(quick=300, full=2000), "subsample": 500, "seed": ctx.seed}
    unn, nor = "coordinates.unnormalized", "coordinates.normalized"
    gauss = _battery_verdicts(rng.standard_normal((n, 32)), cfg)
    sphere = _battery_verdicts(3.0 * uniform_sphere(n, 8, rng=rng), cfg)
    laplace = _battery_verdicts(rng.laplace(size=(n, 32)), cfg)
    labels = rng.integers(0, 5, n)
    clusters = _battery_verdicts(6 * rng.standard_normal((5, 32))[labels] + rng.standard_normal((n, 32)), cfg)
    wide = _battery_verdicts(rng.standard_normal((n, 32)) * rng.exponential(size=(n, 1)), cfg)
    return Verdict.from_checks(
        {"Gaussian: every line holds": all(v == "holds" for v in gauss.values()),
         "uniform sphere d=8: unnormalized fails the Gaussian band, normalized holds against the sphere band":
             sphere[unn] == "fails" and sphere[nor] == "holds",
         "Laplace coordinates: coordinate Gaussianity fails": laplace[unn] == "fails",
         "5 separated classes: uniformity and isotropy fail": clusters["uniformity"] == "fails"
             and clusters["isotropy"] == "fails",
         "exponential radius: thin shell fails": wide["thin_shell"] == "fails"},
        measured={"gaussian": gauss}, expected="see statement",
        rule=f"n = {n}; verdict rules of infonce_gauss.encoder_check.rules",
        details={"sphere_d8": sphere, "laplace": laplace, "clusters": clusters, "wide_radius": wide},
    )


# The verdicts whose assumption is true of each exact law: N(0, I_d) satisfies all of them (its directions are
# exactly uniform, so its normalized coordinates follow the sphere law); N(0, Σ) with Σ not a multiple of I has
# Gaussian coordinates (unnormalized and whitened) and projections, but neither a thin shell nor isotropic or
# uniform directions, so its normalized coordinates are not sphere-law coordinates; exactly uniform directions of
# a fixed radius satisfy the thin shell, the sphere band of the normalized coordinates, isotropy and uniformity,
# but not Gaussian coordinates or projections at finite d.
NULL_TRUE = {"gaussian": ("thin_shell", "coordinates", "coordinates.unnormalized", "coordinates.normalized",
                          "coordinates.whitened", "projections", "joint", "isotropy", "uniformity"),
             "correlated": ("coordinates", "coordinates.unnormalized", "coordinates.whitened", "projections", "joint"),
             "sphere": ("thin_shell", "coordinates.normalized", "isotropy", "uniformity")}
COVARIANCES = ("isotropic", "factor", "power-law", "block")
PAPER_PROTOCOL = "coordinates.unnormalized, independent band"


def null_covariance(name: str, d: int, *, seed: int) -> np.ndarray:
    r"""A covariance of the calibration's Gaussian data, from isotropic to strongly factor-structured.

    ``isotropic``: :math:`I_d`. ``factor``: :math:`LL^\top+0.01I_d`, L a d × 3 standard normal matrix (three
    factors plus small independent noise; participation ratio about 3). ``power-law``: eigenvalues :math:`1/k`,
    k = 1..d, on Haar-random eigenvectors. ``block``: blocks of 8 coordinates with within-block correlation 0.9
    (d a multiple of 8). L and the eigenvectors are drawn from ``seed``.
    """
    rng = np.random.default_rng(seed)
    if name == "isotropic":
        return np.eye(d)
    if name == "factor":
        load = rng.standard_normal((d, 3))
        return load @ load.T + 0.01 * np.eye(d)
    if name == "power-law":
        q, r = np.linalg.qr(rng.standard_normal((d, d)))
        q *= np.sign(np.diag(r))
        return (q / np.arange(1, d + 1)) @ q.T
    if name == "block":
        if d % 8:
            raise ValueError(f"the block covariance needs d a multiple of 8, got d = {d}.")
        return np.kron(np.eye(d // 8), np.full((8, 8), 0.9)) + 0.1 * np.eye(d)
    raise ValueError(f"covariance must be one of {', '.join(COVARIANCES)}, got {name!r}.")


def false_fail_rates(law: str, *, replicates: int, n: int, d: int, seed: int, level: float = 0.05,
                     covariance: str = "isotropic", **options) -> dict[str, Estimate]:
    r"""How often each verdict of :func:`~infonce_gauss.encoder_check.check.check` says "fails" on exact null data
    (the check battery's own calibration, CHK-BATTERY-CALIBRATION).

    ``replicates`` data sets of n rows are drawn from ``law`` (``"gaussian"``: N(0, Σ) with Σ the
    :func:`null_covariance` named ``covariance``, drawn once from ``seed``; ``"sphere"``: uniform on the sphere of
    radius √d), each from its own child of ``SeedSequence(seed)``, and checked with one fixed configuration
    (``seed=0``, ``level``, ``options``: the directions and the null calibration are those a user gets). For each
    verdict in :data:`NULL_TRUE` of the law (``"correlated"`` for a Gaussian with Σ ≠ I; the whitened coordinates'
    only with ``whiten=True``), the rate of "fails" is an
    :class:`~infonce_gauss.simulations.estimates.Estimate` with its binomial standard error (floored at
    :math:`\sqrt{1/(4R^2)}`): a calibrated rule fails at most ``level`` of the time. On Gaussian data the entry
    :data:`PAPER_PROTOCOL` is the rate at which the unnormalized pass fractions fall below the band of d
    independent coordinates (Sec. 5's protocol), the band the verdict used before it was calibrated under the
    measured dependence.
    """
    from infonce_gauss.encoder_check.check import check

    if law == "sphere" and covariance != "isotropic":
        raise ValueError("exactly uniform directions have an isotropic covariance; give covariance='isotropic'.")
    keys = [key for key in NULL_TRUE["correlated" if covariance != "isotropic" else law]
            if key != "coordinates.whitened" or options.get("whiten")]
    root = np.random.SeedSequence(seed)
    factor = np.linalg.cholesky(null_covariance(covariance, d, seed=derive_seed(seed, 1)))
    fails = dict.fromkeys((*keys, PAPER_PROTOCOL) if law == "gaussian" else keys, 0)
    for child in root.spawn(replicates):
        rng = np.random.default_rng(child)
        x = rng.standard_normal((n, d)) @ factor.T if law == "gaussian" else np.sqrt(d) * uniform_sphere(n, d, rng=rng)
        result = check(x, level=level, seed=0, **options)
        verdicts = result.verdicts
        for key in keys:
            fails[key] += verdicts[key] == "fails"
        if law == "gaussian":
            fails[PAPER_PROTOCOL] += bool(result.coordinates.parts["unnormalized"].details["below_independent_band"])
    return {key: proportion_estimate(count, replicates, seed) for key, count in fails.items()}


@CLAIMS.claim(
    "CHK-BATTERY-CALIBRATION",
    finding="calibration",
    title="On exact null data each verdict of the check says 'fails' at most at its level, correlated coordinates included",
    paper_ref="Cor 1, Prop 2, Assumption 2 (the assumptions the check tests); Sec. 5 (per-coordinate protocol)",
    statement="Across many seeds of exact Gaussian data N(0, Σ), with Σ isotropic, factor-structured (three factors "
              "plus small noise), of power-law spectrum or block-correlated, every verdict whose assumption holds for "
              "that law, and across exactly uniform directions of a fixed radius the thin shell, the sphere band of "
              "normalized coordinates, isotropy and uniformity, say 'fails' at most at the test level 0.05 within two "
              "binomial standard errors. The band of d independent coordinates (the paper's protocol) is not "
              "calibrated under dependence; the band under the measured dependence is.",
)
def battery_calibration(ctx: ClaimContext) -> Verdict:
    level = 0.05
    reps, n, d = ctx.profile.pick(quick=15, full=150), ctx.profile.pick(quick=1000, full=5000), ctx.profile.pick(quick=16, full=64)
    options = {"null_replicates": ctx.profile.pick(quick=300, full=1000), "subsample": 300, "whiten": True}
    bound = level + 2 * math.sqrt(level * (1 - level) / reps)
    cases = [("gaussian", c) for c in COVARIANCES] + [("sphere", "isotropic")]
    rates, structure = {}, {}
    for i, (law, cov) in enumerate(cases):
        name = law if law == "sphere" else f"gaussian, {cov}"
        rates[name] = false_fail_rates(law, replicates=reps, n=n, d=d, seed=derive_seed(ctx.seed, i), level=level,
                                       covariance=cov, **options)
        sigma = null_covariance(cov, d, seed=derive_seed(derive_seed(ctx.seed, i), 1))
        structure[name] = geometry.participation_ratio(np.linalg.eigvalsh(sigma))
    ctx.save_table("false_fail_rates", [{"data": name, "participation_ratio": structure[name], "verdict": key,
                                         "fails": r.value, "se": r.se, "replicates": reps, "bound": bound}
                                        for name, part in rates.items() for key, r in part.items()])
    judged = {(name, key): r for name, part in rates.items() for key, r in part.items() if key != PAPER_PROTOCOL}
    worst = max((r.value, name, key) for (name, key), r in judged.items())
    paper = {name: part[PAPER_PROTOCOL] for name, part in rates.items() if name != "sphere"}
    return Verdict.from_checks(
        {f"{name}: '{key}' fails at most {level:g} + 2 binomial SE": r.value <= bound for (name, key), r in judged.items()},
        measured=worst[0], expected=f"<= {level:g} (bound {bound:.3f} with binomial error)",
        uncertainty=rates[worst[1]][worst[2]].se,
        rule=f"{reps} seeds per law (SeedSequence children), n = {n}, d = {d}, one check configuration (seed 0, "
             f"whitened coordinates too); a rule is calibrated if its rate of 'fails' is at most "
             f"level + 2·√(level(1−level)/R)",
        reason=("worst verdict: " + f"{worst[2]} on {worst[1]} ({worst[0]:.3f}); the paper's independent-coordinate band "
                "would say 'fails' on exact Gaussian data at " + ", ".join(
                    f"{r.value:.3f} ± {r.se:.3f} ({name}, participation ratio {structure[name]:.1f})" for name, r in paper.items())),
        details={"rates": {name: {key: r.to_dict() for key, r in part.items()} for name, part in rates.items()},
                 "participation_ratio": structure, "worst": {"data": worst[1], "verdict": worst[2], "rate": worst[0]}},
    )


def _text_encoder_check(encoder: str, sentences, positives, labels, seed: int):
    """The battery on one packaged encoder: its paper columns (the normalized and whitened ones only for an
    encoder whose outputs are L2-normalized), thin shell, Prop 1's alignment and the label structure."""
    from infonce_gauss.encoder_check.check import check
    from infonce_gauss.simulations.text import ENCODERS, embed_sentences

    n = len(sentences)
    z = embed_sentences(list(sentences) + list(positives), encoder=encoder)
    res = check(z[:n], positives=z[n:], labels=labels, seed=seed, whiten=True)
    normalized_output = ENCODERS[encoder][1]
    kinds = ("normalized", "whitened") if normalized_output else ("unnormalized", "normalized", "whitened")
    parts = res.coordinates.parts
    cols = {k: parts[k].details["paper_columns"] for k in kinds if k in parts and "paper_columns" in parts[k].details}
    shell, align = res.thin_shell.details, res.alignment.details
    return {"encoder": encoder, "n": n, "columns": cols, "normalized_output": normalized_output,
            "cv": None if normalized_output else shell["cv"], "cv_ratio_to_chi": None if normalized_output else shell["ratio"],
            "alignment": align["alignment"], "mean_norm_sq": align["mean_norm_sq_views"],
            "alignment_gap": align["alignment_minus_mean_norm_sq"], "alignment_se": align["alignment_se"],
            "eta2_lower_bound": align["eta2_lower_bound_from_prop1"], "whitening_rank": res.spectrum["whitening_rank"],
            "between_topic_share": res.labels["between_class_share"], "verdicts": res.verdicts}


_COLUMN_KEYS = ("ad_avg", "ad_pass_pct", "dp_avg", "dp_pass_pct")


@CLAIMS.claim(
    "CHK-TEXT-ENCODER",
    finding="not comparable",
    title="Two real InfoNCE text encoders (all-MiniLM-L6-v2, multilingual-e5-small) measured with the paper's protocol, "
          "beside Table 2's CLIP text",
    paper_ref="Table 2 (CLIP text, COCO); Fig. 6; Prop 1",
    statement="all-MiniLM-L6-v2 and multilingual-e5-small (both contrastively trained with in-batch negatives) on one "
              "offline template corpus are different models on different data from Table 2's CLIP ViT-L/14 text encoder "
              "on MS-COCO, so their columns are shown side by side and beside Table 2's, not compared with them; what "
              "is checked is what Prop 1 and Assumption 2 say of any InfoNCE encoder: paraphrase alignment exceeds "
              "||m||² (Prop 1's decomposition, conditionally i.i.d. views) for both, and MiniLM's unnormalized norms form "
              "a thin shell (E5's packaged outputs are L2-normalized, so the thin-shell test does not apply to it).",
)
def text_encoder(ctx: ClaimContext) -> Verdict:
    from infonce_gauss.simulations.text import E5, MINILM, encoder_unavailable, generate_corpus

    if reason := encoder_unavailable(MINILM):
        return Verdict.skipped(reason)
    from infonce_gauss.encoder_check.rules import THIN_SHELL_MAX_RATIO

    n = ctx.profile.pick(quick=500, full=5000)
    seed = ctx.seed % 2**31
    sentences, positives, labels = generate_corpus(n, seed=seed)
    runs = {MINILM: _text_encoder_check(MINILM, sentences, positives, labels, seed)}
    e5_reason = encoder_unavailable(E5)
    if e5_reason is None:
        runs[E5] = _text_encoder_check(E5, sentences, positives, labels, seed)
    mini = runs[MINILM]
    ctx.save_table("text_encoder_columns",
                   [{"encoder": r["encoder"], "embeddings": k, "n": r["n"], **v} for r in runs.values()
                    for k, v in r["columns"].items()]
                   + [{"encoder": "paper: CLIP ViT-L/14 text (COCO)", "embeddings": k, **v} for k, v in TABLE2_CLIP_TEXT.items()])
    gaussian = paper_rule(mini["columns"]["unnormalized"]["ad_avg"], mini["columns"]["unnormalized"]["dp_avg"])
    side = "; ".join(
        f"{r['encoder']} ({next(iter(r['columns']))}): AD avg {next(iter(r['columns'].values()))['ad_avg']:.2f}, "
        f"DP avg {next(iter(r['columns'].values()))['dp_avg']:.2f}, ||m||² = {r['mean_norm_sq']:.2f} (0 for uniform "
        f"directions), E[u·v] − ||m||² = {r['alignment_gap']:.3f}"
        for r in runs.values())
    checks = {f"MiniLM thin shell: CV within {THIN_SHELL_MAX_RATIO:g}× the Gaussian CV_chi(d)": mini["cv_ratio_to_chi"] < THIN_SHELL_MAX_RATIO}
    checks.update({f"{r['encoder']}: E[u·v] - ||m||² > 0 (Prop 1: equals Σ_k Var E[u_k|X₀] for conditionally i.i.d. views)":
                   r["alignment_gap"] - 2 * r["alignment_se"] > 0 for r in runs.values()})
    return Verdict.from_checks(
        checks,
        measured={r["encoder"]: {k: {kk: round(v[kk], 3) for kk in _COLUMN_KEYS} for k, v in r["columns"].items()}
                  for r in runs.values()},
        expected=TABLE2_CLIP_TEXT,
        rule=f"{n} template sentences with a paraphrase each, the same for both encoders; all-MiniLM-L6-v2 mean-pooled "
             "(before its Normalize layer); multilingual-e5-small as packaged (4-bit, L2-normalized, 'query: ' prefix)",
        reason=("not comparable with Table 2 (other models, another corpus); on this corpus MiniLM's unnormalized "
                f"coordinates {'pass' if gaussian else 'fail'} the paper's rule at n = {n} (AD and DP gain power with n, "
                f"so the averages are read at one n for both encoders); {side}; a templated 8-topic corpus is "
                f"clustered (between-topic share {mini['between_topic_share']:.2f})"
                + ("" if e5_reason is None else f"; multilingual-e5-small not run: {e5_reason}")),
        details={"setting_difference": "two open text encoders (all-MiniLM-L6-v2, multilingual-e5-small) on a templated corpus instead of CLIP ViT-L/14 on COCO captions: other models and other data than Table 2", "encoders": runs, "paper_fig6_cv_clip_text": 0.055,
                 "thin_shell": {MINILM: {"cv": mini["cv"], "cv_ratio_to_chi": mini["cv_ratio_to_chi"]},
                                E5: "not applicable: the packaged encoder returns L2-normalized embeddings only"},
                 **({} if e5_reason is None else {"e5_skipped": e5_reason})},
    )


@CLAIMS.claim(
    "CHK-CLIP-MOMENTS",
    finding="outside premise",
    title="The authors' own CLIP ViT-L/14 moments lie outside route 1's premise: a large mean, an anisotropic covariance",
    paper_ref="Table 2 (CLIP image and text, COCO); Lemma 3 and Lemma 2 (route 1: uniform sphere); Fig. 6",
    statement="Route 1 explains Gaussian coordinates by embeddings uniform on a sphere, which has mean 0 and covariance "
              "(R²/d)·I; the paper does not state that CLIP's embeddings are uniform on a sphere. The mean and covariance of "
              "CLIP ViT-L/14 image and text embeddings that the same authors released with W_CLIP (ICML 2025) put CLIP "
              "outside route 1's premise: the mean carries a large share of E‖z‖² and the participation ratio of the "
              "spectrum is a small fraction of d = 768. So Table 2's Gaussian-looking CLIP rows cannot support route 1's "
              "mechanism (a finding about scope, not a contradiction). Table 2's per-coordinate AD and DP tests estimate "
              "location and scale, so they are blind to both moments. Moments alone cannot show (or refute) Gaussianity "
              "or a thin shell.",
)
def clip_moments(ctx: ClaimContext) -> Verdict:
    from infonce_gauss.simulations.clip_moments import isotropic_sample_size_for, load_clip_moments

    moments = load_clip_moments()
    rows = []
    for mod, m in moments.items():
        rows.append({"encoder": f"CLIP ViT-L/14 {mod}", "d": m.d, "mean_norm_sq": m.mean_norm_sq, "trace_cov": m.trace,
                     "second_moment": m.second_moment, "rms_norm": math.sqrt(m.second_moment), "mean_share": m.mean_share,
                     "mean_share_top10": m.mean_share_in_top(10), "participation_ratio": m.participation_ratio,
                     "effective_rank": m.spectrum["effective_rank"], "top_eigenvalue_share": m.spectrum["top_share"],
                     "isotropic_n_for_this_pr": isotropic_sample_size_for(m.d, m.participation_ratio),
                     "zero_mean_markov_n_times_p": m.trace / m.mean_norm_sq,
                     "orthogonality_defect": m.orthogonality_defect, "inverse_gap": m.inverse_gap,
                     "duplicate_pairs": m.duplicate_pairs, "resolved": m.resolved,
                     "replaced_coordinates": int(np.sum(np.abs(m.coordinate_variances - 0.01) < 5e-4))})
    ctx.save_table("clip_moments", rows)
    img, txt = rows
    normalized = [r["encoder"] for r in rows if abs(r["second_moment"] - 1) < 0.05]
    fmt = lambda r: (f"{r['encoder']}: ‖μ‖² = {r['mean_norm_sq']:.1f}, tr Σ = {r['trace_cov']:.1f} (mean share "
                     f"{r['mean_share']:.2f}), participation ratio {r['participation_ratio']:.1f} of {r['d']}")
    return Verdict.from_checks(
        {"covariance recovered: eigenvector columns orthonormal within 0.01 on the resolved directions": all(
             r["orthogonality_defect"] < 0.01 for r in rows),
         "image (invertible W): spectrum of inv(W Wᵀ) within 1% of 1/‖w_i‖² on the resolved directions":
             img["inverse_gap"] < 0.01,
         "zero mean refuted: ‖μ‖² ≥ tr Σ / 10 (a zero-mean law gives E‖μ̂‖² = tr Σ / N; Markov: p ≤ 10/N)": all(
             r["mean_norm_sq"] >= r["trace_cov"] / 10 for r in rows),
         "isotropy refuted: participation ratio below that of an isotropic sample of 1000 (≈ 0.57 d)": all(
             r["isotropic_n_for_this_pr"] < 1000 for r in rows)},
        measured={r["encoder"]: {k: round(r[k], 3) for k in ("mean_norm_sq", "trace_cov", "mean_share",
                                                              "participation_ratio")} for r in rows},
        expected="uniform sphere of radius R: ‖μ‖² = 0 (mean share 0), Σ = (R²/d) I (participation ratio d = 768)",
        rule="moments vendored from the W_CLIP release (CC BY 4.0); λ_i = 1/‖w_i‖² from W = V S^(-1/2); zero mean "
             "against Markov's bound p ≤ tr Σ/(N ‖μ‖²) for N reference embeddings; isotropy against the Wishart ratio of "
             "expectations (dn+2)/(n+d+1)",
        reason=("; ".join(fmt(r) for r in rows)
                + f". E‖z‖² = {img['second_moment']:.1f} (image), {txt['second_moment']:.1f} (text), far from 1: "
                + ("the embeddings were not L2-normalized (raw encoder outputs, RMS norm "
                   f"{img['rms_norm']:.1f} and {txt['rms_norm']:.1f})" if not normalized else
                   f"{', '.join(normalized)} look L2-normalized")
                + f". An isotropic covariance would show a participation ratio this low only from about "
                  f"{img['isotropic_n_for_this_pr']:.0f} (image) and {txt['isotropic_n_for_this_pr']:.0f} (text) samples."),
        details={"premise": "route 1 (Lemmas 2–3, Corollary 1): the directions are uniform on the sphere, so the embedding "
                            "has mean 0 and an isotropic covariance; CLIP's released moments have neither (mean share "
                            + ", ".join(f"{r['mean_share']:.2f}" for r in rows) + "; participation ratio "
                            + ", ".join(f"{r['participation_ratio'] / r['d']:.0%}" for r in rows) + " of d, image and text)",
                 "scope": "the moments of CLIP ViT-L/14 on the W_CLIP reference set; they say nothing about Gaussianity or a "
                          "thin shell, and the per-coordinate AD/DP of Table 2, being location- and scale-invariant, cannot "
                          "see the mean or unequal variances",
                 "rows": rows,
                 "route1_reading": "for a constant radius R, ‖E u‖² = ‖μ‖²/R² = the mean share; with Fig. 6's thin "
                                   "shells (CV ≈ 0.054) the normalized directions u = z/‖z‖ keep a mean of that size, "
                                   "whereas the uniform law σ has E u = 0 (Lemma 2's minimizer of Φ)",
                 "table2_reading": "AD (case 3) and DP estimate location and scale, so Table 2's per-coordinate "
                                   "tests are blind to the mean, to unequal variances and to correlations: exactly "
                                   "what separates these moments from the uniform sphere. Gaussian coordinates fit "
                                   "N(μ, Σ) with these moments; route 1's sphere is excluded by the moments, not by "
                                   "Table 2.",
                 "what_moments_cannot_show": "Gaussianity of any projection, a thin shell (needs the law of ‖z‖), "
                                             "or independence: infinitely many laws share a mean and covariance",
                 "caveats": "the text W is singular (3 pairs of equal columns); 2 text coordinates were replaced by "
                            "0.1·N(0,1) noise in the release's code (variance ≈ 0.01), so the text covariance differs "
                            "from the embeddings' there; float32 eigenvalues below 1e-4 λ₁ are at noise level",
                 "source": "Betser, Levi & Gilboa, Whitened CLIP, ICML 2025 (arXiv 2505.06934), folder w_mats/, CC BY 4.0"},
    )
