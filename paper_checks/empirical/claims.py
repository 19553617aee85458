"""EMP- claims: trained encoders, the paper's experiments (Table 1, Figs. 2–4) and its consistency questions.

Training runs come from the result's training presets (:mod:`infonce_gauss.empirical.presets`): CPU-sized in the ``quick``
and ``full`` profiles, paper-sized in ``gpu``. The tolerance rule for the Table-1 columns is the
calibrated null: a column "reproduces Gaussian" when it lies in the band that d independent N(0, 1)
coordinates at the same n fall in with probability 0.99 (simulated by
:func:`infonce_gauss.simulations.null_rates.null_pass_rates`), next to the paper's own rule (mean A² < 0.752 and
mean DP p-value > 0.05). Paper references are to arXiv 2602.24012 by its own numbering.
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter

import numpy as np

from infonce_gauss.claim import ClaimContext, ClaimSet, Verdict
from infonce_gauss.simulations.device import one_torch_thread
from infonce_gauss.simulations.univariate import AD_THRESHOLD, DP_LEVEL
from infonce_gauss.simulations.sampling import derive_seed

CLAIMS = ClaimSet("EMP-")

CONTRAST_Z = 3.0  # a difference (alignment − bound, trained − initial, one arm − another) counts beyond 3 standard errors
BAND_LEVEL = 0.99
TABLE1 = {  # paper Table 1, synthetic part (unnormalized embeddings)
    "laplace": {"cv": 0.08, "ad_avg": 0.38, "ad_pass_pct": 100.0, "dp_avg": 0.49, "dp_pass_pct": 100.0},
    "gmm": {"cv": 0.08, "ad_avg": 0.39, "ad_pass_pct": 100.0, "dp_avg": 0.46, "dp_pass_pct": 100.0},
    "binary_e0": {"cv": 0.36, "ad_avg": 1.64, "ad_pass_pct": 30.0, "dp_avg": 0.02, "dp_pass_pct": 15.0},
    "binary_e50": {"cv": 0.12, "ad_avg": 0.41, "ad_pass_pct": 93.0, "dp_avg": 0.44, "dp_pass_pct": 89.0},
    "binary_e100": {"cv": 0.09, "ad_avg": 0.42, "ad_pass_pct": 97.0, "dp_avg": 0.46, "dp_pass_pct": 98.0},
}
FIG2_ALIGNMENT = 0.95  # positive-pair cosine read off Fig. 2 / the project-page violins [FIG]
COLUMNS = ("ad_avg", "ad_pass_pct", "dp_avg", "dp_pass_pct")


def _trained(name: str, ctx: ClaimContext) -> tuple[list, list[dict]]:
    """Train preset ``name`` at the claim's profile and seed; save its diagnostics table and curves (with the
    null bands of the Gaussian and sphere laws where every run has the same n and d)."""
    from infonce_gauss.empirical.plots import plot_training_curves
    from infonce_gauss.empirical.presets import PRESETS
    from infonce_gauss.training_presets import preset_rows

    with one_torch_thread():
        trained = PRESETS[name].train(ctx.profile, seed=ctx.seed, progress=False)
    rows = preset_rows(name, trained)
    ctx.save_table(f"train_{name}", rows)
    sizes = {(r["n"], r["d"]) for r in rows}
    bands = None
    if len(sizes) == 1:
        (n, d), = sizes
        bands = {law: null_bands(n, d, seed=ctx.seed, law=law) for law in ("gaussian", "sphere")}
    ctx.save_figure(f"train_{name}", plot_training_curves(rows, title=f"preset {name} ({ctx.profile.name} profile)",
                                                          bands=bands))
    return trained, rows


def _train(name: str, ctx: ClaimContext) -> list[dict]:
    return _trained(name, ctx)[1]


def _final(rows, **match) -> dict:
    picked = [r for r in rows if all(r.get(k) == v for k, v in match.items())]
    return max(picked, key=lambda r: r["epoch"])


def null_bands(n: int, d: int, *, seed: int, replicates: int = 1000, law: str = "gaussian") -> dict:
    """The 99% band of each Table-1 column for d independent coordinates of n samples under ``law``:
    ``gaussian`` (N(0, 1): the reference for unnormalized embeddings) or ``sphere`` (a coordinate of the
    exact uniform law on the sphere of dimension d, scaled by √d: the reference for normalized ones).

    Pass percentages: binomial quantiles at the simulated pass rate
    (:func:`infonce_gauss.simulations.null_rates.pass_rate_band`); means of A² and of the p-value: the simulated
    null mean ± z·sd/sqrt(d), widened by 2 Monte Carlo standard errors.
    """
    from scipy import stats

    from infonce_gauss.simulations.null_rates import null_pass_rates, pass_rate_band

    rates = null_pass_rates(n, d, law=law, replicates=replicates, seed=seed)
    z = stats.norm.ppf(0.5 + BAND_LEVEL / 2)
    bands = {}
    for col, est in (("ad_avg", rates.ad_mean), ("dp_avg", rates.dp_mean)):
        half = z * est.se * math.sqrt(est.n) / math.sqrt(d) + 2 * est.se
        bands[col] = (est.value - half, est.value + half)
    for col, est in (("ad_pass_pct", rates.ad_pass), ("dp_pass_pct", rates.dp_pass)):
        lo, hi = pass_rate_band(est, d, confidence_level=BAND_LEVEL)
        bands[col] = (100 * lo, 100 * hi)
    return bands


CONTROL_STATS = ("cv", "ad_avg", "ad_pass_pct", "dp_avg", "dp_pass_pct", "norm_ad_avg", "norm_ad_pass_pct", "alignment")


def diagnostic_se(row: dict, stat: str) -> float:
    r"""Standard error of one diagnostic of a training row.

    CV, alignment and ‖m‖² carry their own (``cv_se``, ``alignment_se``, ``m_sq_se``); a mean over the d coordinates gets
    ``sd/√d`` and a pass percentage the binomial :math:`100\sqrt{p(1-p)/d}`, both treating the d coordinates
    as independent (they are correlated in general, so these are indicative, not exact).
    """
    d = row["d"]
    if stat in ("cv", "alignment", "m_sq"):
        return row[f"{stat}_se"]
    prefix, base = ("norm_", stat[5:]) if stat.startswith("norm_") else ("", stat)
    if base.endswith("pass_pct"):
        p = row[stat] / 100
        return 100 * math.sqrt(max(p * (1 - p), 1 / (4 * d * d)) / d)
    return row[f"{prefix}{base[:2]}_sd"] / math.sqrt(d)


def change_z(before: dict, after: dict, stat: str) -> float:
    r"""``after − before`` of one diagnostic in units of :math:`\sqrt{se_0^2+se_1^2}` (:func:`diagnostic_se`)."""
    se = math.hypot(diagnostic_se(before, stat), diagnostic_se(after, stat))
    return (after[stat] - before[stat]) / max(se, 1e-12)


def init_control(rows) -> list[dict]:
    """Each run's diagnostics at initialization (epoch 0) beside the trained encoder's (last epoch).

    One row per run and statistic of :data:`CONTROL_STATS`: both values with their standard errors
    (:func:`diagnostic_se`), ``z`` = change / √(se₀² + se₁²), and ``moved`` = |z| > :data:`CONTRAST_Z`.
    """
    out = []
    for run in dict.fromkeys(r["run"] for r in rows):
        runs = [r for r in rows if r["run"] == run]
        e0, end = min(runs, key=lambda r: r["epoch"]), max(runs, key=lambda r: r["epoch"])
        for stat in CONTROL_STATS:
            z = change_z(e0, end, stat)
            out.append({"run": run, "statistic": stat, "initialization": e0[stat],
                        "initialization_se": diagnostic_se(e0, stat), "trained": end[stat],
                        "trained_se": diagnostic_se(end, stat), "epochs": end["epoch"], "z": z, "moved": abs(z) > CONTRAST_Z})
    return out


ORIGINS = {(True, True): "Gaussian already at initialization", (False, True): "made Gaussian by training",
           (True, False): "Gaussian at initialization, not after training",
           (False, False): "not Gaussian at initialization nor after training"}


def gaussianity_origin(rows) -> dict[str, dict]:
    """Per run, where the trained encoder's Gaussianity (the paper's rule on the unnormalized coordinates)
    came from: one of :data:`ORIGINS` (at initialization and after training), with the mean A² and CV of both."""
    out = {}
    for run in dict.fromkeys(r["run"] for r in rows):
        runs = [r for r in rows if r["run"] == run]
        e0, end = min(runs, key=lambda r: r["epoch"]), max(runs, key=lambda r: r["epoch"])
        out[run] = {"origin": ORIGINS[_paper_rule(e0), _paper_rule(end)], "ad_avg": [e0["ad_avg"], end["ad_avg"]],
                    "cv": [e0["cv"], end["cv"]]}
    return out


def _control(rows) -> tuple[dict, str]:
    """The runs' control at initialization: ``details`` entries (:func:`init_control`,
    :func:`gaussianity_origin`) and a one-line summary."""
    origin = gaussianity_origin(rows)
    if len(origin) <= 3:
        summary = "; ".join(f"{run}: {o['origin']} (mean A² {o['ad_avg'][0]:.3g} → {o['ad_avg'][1]:.3g}, CV "
                            f"{o['cv'][0]:.3g} → {o['cv'][1]:.3g})" for run, o in origin.items())
    else:
        counts = Counter(o["origin"] for o in origin.values())
        summary = "; ".join(f"{text} in {n} of {len(origin)} runs" for text, n in counts.most_common())
    return {"init_control": init_control(rows), "gaussianity_origin": origin}, f"control at initialization: {summary}"


def _verdict(rows, checks: dict, *, details: dict | None = None, **fields) -> Verdict:
    """:meth:`Verdict.from_checks` with the runs' control at initialization (:func:`_control`) in ``details``
    and ``reason``."""
    control, summary = _control(rows)
    return Verdict.from_checks(checks, details={**(details or {}), **control}, reason=summary, **fields)


def _in_band(row: dict, bands: dict, prefix: str = "") -> dict:
    return {col: bands[col][0] <= row[prefix + col] <= bands[col][1] for col in COLUMNS}


def _paper_rule(row: dict, prefix: str = "") -> bool:
    """Table 1's "Gaussian?" column: mean A² < :data:`AD_THRESHOLD` and mean DP p-value > :data:`DP_LEVEL`."""
    return row[prefix + "ad_avg"] < AD_THRESHOLD and row[prefix + "dp_avg"] > DP_LEVEL


def _side_by_side(row: dict, paper: dict, bands: dict | None = None) -> list[dict]:
    out = []
    for col in ("cv", *COLUMNS):
        entry = {"column": col, "paper": paper.get(col), "measured": row[col], "normalized": row.get("norm_" + col)}
        if bands and col in bands:
            entry.update(null_low=bands[col][0], null_high=bands[col][1])
        out.append(entry)
    return out


@CLAIMS.claim(
    "EMP-LAPLACE",
    finding="confirmed",
    title="Table 1, Laplace column: a linear InfoNCE encoder gives Gaussian coordinates",
    paper_ref="Table 1; Sec. 5; App. E.1",
    statement="After training on Laplace data with the A = 0.6 mixing channel and jitter, the unnormalized embeddings "
              "have CV ≈ 0.08, mean A² ≈ 0.38 and mean DP p ≈ 0.49 with ~100% of coordinates passing (Gaussian ✓).",
)
def laplace_table1(ctx: ClaimContext) -> Verdict:
    from infonce_gauss.simulations.traces import detect_plateau

    rows = sorted(_train("table1-laplace", ctx), key=lambda r: r["epoch"])
    first, last = rows[0], rows[-1]
    plateau = detect_plateau([r["alignment"] for r in rows], epochs=[r["epoch"] for r in rows], eta2=last["eta2"])
    bands = null_bands(last["n"], last["d"], seed=ctx.seed)
    table = _side_by_side(last, TABLE1["laplace"], bands)
    ctx.save_table("laplace_table1", table)
    in_band = _in_band(last, bands)
    return _verdict(
        rows, {
            f"Gaussian? by the paper's rule (mean A² < {AD_THRESHOLD:g}, mean DP p > {DP_LEVEL:g}), unnormalized and normalized":
                _paper_rule(last) and _paper_rule(last, "norm_"),
            f"all four columns inside the {BAND_LEVEL:.0%} band of d independent N(0,1) coordinates at this n": all(in_band.values()),
            "the paper's 100% pass rates lie above that band (100% is improbable under the null: CHK-COMPLIANCE)":
                bands["ad_pass_pct"][1] < 100 or bands["dp_pass_pct"][1] < 100,
            "alignment reaches its plateau (simulations.traces.detect_plateau) below η₂ (Assumption 1: r_plat <= 0)":
                plateau.reached and plateau.r_plat <= 0,
        },
        measured={c: round(last[c], 4) for c in ("cv", *COLUMNS)},
        expected=TABLE1["laplace"],
        rule=f"Table-1 columns vs the {BAND_LEVEL:.0%} null band (1000 simulated N(0,1) columns at n = {last['n']}, "
             f"d = {last['d']}); paper's values beside",
        details={"side_by_side": table, "null_bands": bands, "epoch": last["epoch"],
                 "epoch0": {c: first[c] for c in ("cv", *COLUMNS)},
                 "note": "the columns are already Gaussian at epoch 0: a random linear map of 1024 i.i.d. Laplace "
                         "coordinates is Gaussian by the CLT (reviewer 4's question), so this column cannot "
                         "distinguish InfoNCE from the architecture",
                 "cv_chi_reference": _chi_cv(last["d"]), "eta2": last["eta2"], "alignment": last["alignment"],
                 "plateau": dataclasses.asdict(plateau)},
    )


def _cv_sqrt_binomial(n: int, p: float) -> float:
    """Exact CV of √K for K ~ Binomial(n, p): the norm's CV of a linear map of n-bit inputs with K ones and
    orthogonal equal-norm columns, ‖Wx‖ ∝ √K."""
    from scipy import stats

    k = np.arange(n + 1)
    w = stats.binom.pmf(k, n, p)
    m1 = float(w @ np.sqrt(k))
    return math.sqrt(max(n * p - m1 * m1, 0.0)) / m1


def _chi_cv(d: int) -> float:
    from infonce_gauss.theory.sphere import chi_norm_moments

    return chi_norm_moments(d).cv


def _monotone(values, *, decreasing: bool, tolerance: float = 0.0) -> bool:
    v = np.asarray(values, float)
    steps = np.diff(v)
    return bool(np.all(steps <= tolerance) if decreasing else np.all(steps >= -tolerance))


@CLAIMS.claim(
    "EMP-FIG2-FIG3",
    finding="confirmed",
    title="Figs. 2–3: thin shell sharpens with d; alignment constant across configurations, uniformity improves with N",
    paper_ref="Figs. 2, 3, 7, 8; Sec. 5",
    statement="Over linear encoders trained on Laplace data with d ∈ {32..256} and N ∈ {8..128}: CV of the norms "
              "decreases in d (and in N), positive alignment is the same for every configuration, and uniformity "
              "(d·E[(u·u')²] → 1, its value under σ) improves with the batch size.",
)
def fig2_fig3(ctx: ClaimContext) -> Verdict:
    rows = _train("fig3-sweep", ctx)
    final = [r for r in rows if r["epoch"] == max(x["epoch"] for x in rows)]
    dims = sorted({r["d"] for r in final})
    batches = sorted({r["N"] for r in final})
    at = {(r["d"], r["N"]): r for r in final}
    cv_d = {n: [at[d, n]["cv"] for d in dims] for n in batches}
    cv_n = {d: [at[d, n]["cv"] for n in batches] for d in dims}
    aniso = {d: [at[d, n]["d_neg_cos_sq"] for n in batches] for d in dims}
    align = np.array([r["alignment"] for r in final])
    se = max(r["alignment_se"] for r in final)
    ctx.save_table("fig3_final", final)
    from infonce_gauss.empirical.plots import plot_training_sweep

    ctx.save_figure("fig3_sweep", plot_training_sweep(final))
    checks = {
        "CV decreases in d at every N": all(_monotone(v, decreasing=True) for v in cv_d.values()),
        "alignment is the same in every configuration (range <= 0.02 + 4 SE)": float(np.ptp(align)) <= 0.02 + 4 * se,
        "uniformity d·E[(u·u')²] decreases (towards 1) as N grows, at every d":
            all(_monotone(v, decreasing=True, tolerance=0.01) for v in aniso.values()),
    }
    if ctx.profile.name != "quick":
        checks["CV decreases in N at every d"] = all(_monotone(v, decreasing=True, tolerance=0.002) for v in cv_n.values())
    return _verdict(
        rows, checks,
        measured={"cv_by_d": {str(n): [round(x, 4) for x in v] for n, v in cv_d.items()},
                  "alignment_range": [round(float(align.min()), 4), round(float(align.max()), 4)]},
        expected="CV ↓ in d (and N); alignment flat; uniformity ↑ with N",
        rule=f"final epoch of {len(final)} runs (d ∈ {dims}, N ∈ {batches}); monotone with 0.01 slack for d·E[(u·u')²]",
        details={"cv_by_N": {str(d): v for d, v in cv_n.items()}, "d_E_cos2_by_N": {str(d): v for d, v in aniso.items()},
                 "cv_chi_reference": {str(d): _chi_cv(d) for d in dims},
                 "quick_profile_note": "CV vs N is checked in the full and gpu profiles only: at 4 epochs the runs "
                                       "differ by too few steps for a training-length effect (the paper trains 150 epochs)"},
    )


@CLAIMS.claim(
    "EMP-BINARY",
    finding="not reproduced",
    title="Table 1, binary columns: Gaussian coordinates from a discrete input law",
    paper_ref="Table 1; Sec. 5",
    statement="On sparse binary data (positives flip 0.1% of zeros) a linear InfoNCE encoder ends Gaussian at density 0.05, "
              "where it is Gaussian from epoch 0 on (CLT); at density 0.005 it starts non-Gaussian like the paper's epoch 0 "
              "(30%, 15%, CV 0.36), but training does not make the unnormalized coordinates Gaussian: their AD/DP pass "
              "fractions fall and the norm keeps the thick shell set by the number K of ones (CV ≈ CV(√K)); only the "
              "normalized coordinates become more Gaussian. The paper's rise to AD 97% / DP 98% / CV 0.09 is not reproduced.",
)
def binary_table1(ctx: ClaimContext) -> Verdict:
    rows = _train("table1-binary", ctx)
    dense = [r for r in rows if r["density"] == 0.05]
    last = _final(dense)
    bands = null_bands(last["n"], last["d"], seed=ctx.seed)
    table = _side_by_side(last, TABLE1["binary_e100"], bands)
    ctx.save_table("binary_table1", table)
    checks = {"end of training: Gaussian? by the paper's rule (density 0.05)": _paper_rule(last),
              f"end of training: AD and DP pass fractions inside the {BAND_LEVEL:.0%} null band (density 0.05)":
                  all(v for k, v in _in_band(last, bands).items() if k.endswith("pass_pct"))}
    sparse = [r for r in rows if r["density"] == 0.005]
    e0, end = min(sparse, key=lambda r: r["epoch"]), _final(sparse)
    trend = {"E0": {c: e0[c] for c in ("cv", *COLUMNS)}, "end": {c: end[c] for c in ("cv", *COLUMNS)},
             "E0_normalized": {c: e0["norm_" + c] for c in COLUMNS}, "end_normalized": {c: end["norm_" + c] for c in COLUMNS},
             "cv_count_reference": _cv_sqrt_binomial(1024, 0.005)}

    def moved(col: str) -> float:
        """End minus epoch 0 of a pass percentage, in binomial SEs over the d coordinates (taken as independent)."""
        p0, p1 = e0[col] / 100, end[col] / 100
        return (p1 - p0) / math.sqrt((p0 * (1 - p0) + p1 * (1 - p1)) / end["d"])

    checks["density 0.005: non-Gaussian at epoch 0 by the paper's rule (the paper's E0)"] = not _paper_rule(e0)
    checks[f"density 0.005: training does not make them Gaussian: non-Gaussian at the end, AD and DP pass fractions "
           f"fall by > {CONTRAST_Z:g} binomial SE"] = (
        not _paper_rule(end) and moved("ad_pass_pct") < -CONTRAST_Z and moved("dp_pass_pct") < -CONTRAST_Z)
    checks[f"density 0.005: the normalized coordinates' AD pass fraction rises by > {CONTRAST_Z:g} binomial SE"] = (
        moved("norm_ad_pass_pct") > CONTRAST_Z)
    trend["moves_in_binomial_se"] = {c: moved(c) for c in ("ad_pass_pct", "dp_pass_pct", "norm_ad_pass_pct")}
    e0_dense = min(dense, key=lambda r: r["epoch"])
    return _verdict(
        rows, checks,
        measured={c: round(last[c], 4) for c in ("cv", *COLUMNS)},
        expected=TABLE1["binary_e100"],
        rule=f"end-of-training columns vs the paper's rule and the {BAND_LEVEL:.0%} null band; the E0 → end trend at "
             f"density 0.005 in binomial SEs over d coordinates, one-sided at {CONTRAST_Z:g}",
        details={"side_by_side": table, "null_bands": bands, "paper_e0_e50": [TABLE1["binary_e0"], TABLE1["binary_e50"]],
                 "density_0.05_epoch0": {c: e0_dense[c] for c in ("cv", *COLUMNS)}, "density_0.005": trend,
                 "note": "the paper does not state the density. At 0.05 (~51 ones) a random linear map is already "
                         "Gaussian at epoch 0 (CLT); the paper's non-Gaussian E0 needs far sparser inputs (0.005, ~5 "
                         "ones), where training makes the unnormalized coordinates less Gaussian, not more. InfoNCE sees "
                         "only u = z/‖z‖: it shapes the directions (their pass fractions rise) but leaves the norm to the "
                         "linear map, ‖Wx‖ ≈ c√K for K ones with near-orthogonal columns, so z = r·u is a scale mixture "
                         "(CV ≈ CV(√K), K ~ Bin(1024, p): 0.242 at p = 0.005) whose coordinates the tests reject; a CV "
                         "of 0.09 would need ~31 ones, where epoch 0 is already Gaussian"},
    )


@CLAIMS.claim(
    "EMP-GMM-REGIMES",
    finding="confirmed",
    title="GMM: Gaussian with overlapping components, clustered with separated ones (Table 1 GMM column)",
    paper_ref="Table 1 (GMM); Sec. 5; reviewer 4",
    statement="With positives drawn from the same component, a linear encoder gives Gaussian coordinates (Table 1) when "
              "the components overlap; when they are separated (η₂ → 1) training learns the cluster structure, which is "
              "not Gaussian, and a flexible encoder (MLP) aligns at least as well.",
)
def gmm_regimes(ctx: ClaimContext) -> Verdict:
    rows = _train("gmm-regimes", ctx)
    over, sep_lin, sep_mlp = (_final(rows, run=label) for label in ("overlapping linear", "separated linear", "separated mlp"))
    bands = null_bands(over["n"], over["d"], seed=ctx.seed)
    table = [{"run": r["run"], "eta2": r["eta2"], "alignment": r["alignment"], **{c: r[c] for c in ("cv", *COLUMNS)}}
             for r in (over, sep_lin, sep_mlp)]
    ctx.save_table("gmm_regimes", table)
    return _verdict(
        rows, {
            "overlapping components, linear: Gaussian? by the paper's rule and AD/DP pass fractions in the null band":
                _paper_rule(over) and all(v for k, v in _in_band(over, bands).items() if k.endswith("pass_pct")),
            "separated components: η₂ > 0.95": sep_lin["eta2"] > 0.95,
            f"separated components, linear: not Gaussian (mean A² > {AD_THRESHOLD:g})": sep_lin["ad_avg"] > AD_THRESHOLD,
            f"separated components, MLP: not Gaussian (mean A² > {AD_THRESHOLD:g})": sep_mlp["ad_avg"] > AD_THRESHOLD,
            "separated: MLP alignment >= linear alignment - 3 SE":
                sep_mlp["alignment"] >= sep_lin["alignment"] - 3 * sep_lin["alignment_se"],
        },
        measured={r["run"]: {"ad_avg": round(r["ad_avg"], 3), "alignment": round(r["alignment"], 3)} for r in (over, sep_lin, sep_mlp)},
        expected=TABLE1["gmm"],
        rule=f"paper's rule (mean A² < {AD_THRESHOLD:g}, mean DP p > {DP_LEVEL:g}) and the 99% null band; η₂ of the channel by simulation",
        details={"runs": table, "null_bands": bands,
                 "note": "the paper states neither the mean spread nor the variance of its GMM; its Gaussian column is "
                         "reproduced only with overlapping components (mean spread 0.05 per coordinate, η₂ ≈ 0.24)"},
    )


@CLAIMS.claim(
    "EMP-ALIGN-ETA2",
    finding="confirmed",
    title="Prop 1 on trained encoders: alignment below η₂ + (1 − η₂)‖m‖² for the stated channels; Fig. 2's 0.95 is not",
    paper_ref="Prop 1, Eq. 6; Fig. 2; App. E.1",
    statement="For every channel, the trained encoder's positive alignment E[u·v] is at most η₂ + (1 − η₂)‖m‖² with η₂ "
              "of that channel; at A = 0.6 with the E.1 jitter this bound is far below Fig. 2's ≈ 0.95.",
)
def align_eta2(ctx: ClaimContext) -> Verdict:
    from infonce_gauss.simulations.hgr import alignment_check

    trained, rows = _trained("align-eta2", ctx)
    n = ctx.profile.pick(quick=20_000, full=100_000)
    table, checks = [], []
    for i, (run, task, result) in enumerate(trained):
        check = alignment_check(result.model.cpu().eval(), task.data.channel, n=n, seed=derive_seed(ctx.seed, i))
        checks.append((run.label, check))
        table.append({"channel": run.label, **check.to_dict(), "holds": check.holds(CONTRAST_Z)})
    ctx.save_table("align_eta2", table)
    paper = dict(checks)["laplace A=0.6"]
    tightest = min(table, key=lambda r: r["slack"] / max(r["slack_se"], 1e-12))
    return _verdict(
        rows, {
            f"Prop 1 not rejected for any channel (slack + {CONTRAST_Z:g} SE + η₂ error >= 0)": all(r["holds"] for r in table),
            "Fig. 2's 0.95 exceeds the bound of the stated channel (A = 0.6, jitter) on the trained encoder":
                FIG2_ALIGNMENT > paper.bound + (1 - paper.mean_sq_norm.value) * paper.eta2.error,
        },
        measured={r["channel"]: round(r["alignment"], 4) for r in table},
        expected={r["channel"]: f"<= {r['bound']:.4f}" for r in table},
        uncertainty=tightest["slack_se"],
        rule=f"simulations.hgr.alignment_check on {n} fresh positive pairs per trained encoder (unbiased ‖m‖², slack "
             f"SE with covariances); one-sided at {CONTRAST_Z:g} SE plus the η₂ error",
        details={"table": table, "fig2_alignment": FIG2_ALIGNMENT,
                 "note": "a linear encoder reaches about the Pearson correlation of the views (2A²/(1+A²) = 0.53 at "
                         "A = 0.6 before jitter), below the HGR bound; 0.95 would need a much milder channel"},
    )


def _channel_share(row: dict) -> tuple[float, float]:
    r""":math:`c=(E[u\cdot v]-\|m\|^2)/(1-\|m\|^2)=\sum_k\mathrm{Var}(E[u_k|X_0])/(1-\|m\|^2)\le\eta_2` (Prop 1's
    sharper identity) with a conservative SE: :math:`(\mathrm{se}_a+(1-c)\,\mathrm{se}_{m^2})/(1-\|m\|^2)`, the
    delta method with the triangle inequality for the two SDs in place of their unknown covariance."""
    keep = 1 - row["m_sq"]
    share = (row["alignment"] - row["m_sq"]) / keep
    return share, (row["alignment_se"] + (1 - share) * row["m_sq_se"]) / keep


@CLAIMS.claim(
    "EMP-VIOLATIONS",
    finding="sharpened",
    title="Violations (reviewer 2): what breaks the Gaussian coordinates of a linear InfoNCE encoder",
    paper_ref="Reviews (R2: weak augmentation, moderate d); Corollary 1",
    statement="On Laplace data the unnormalized coordinates of a linear encoder stay Gaussian under a tiny batch, strong "
              "and weak augmentation and low d (a random projection of i.i.d. inputs is Gaussian by the CLT), while at "
              "low d the normalized coordinates follow the sphere law, which the tests reject (Corollary 1 needs d → ∞). "
              "Prop 1 holds in every case, and the channel's share of the alignment, (E[u·v] − ‖m‖²)/(1 − ‖m‖²) ≤ η₂, "
              "follows the channel; the raw alignment need not: where App. D's criterion q*(d, α) < α(1 − η₂) puts σ off "
              "the local minimizers (strong augmentation, d = 4) the mean direction drifts off zero during training and "
              "E[u·v] rises with ‖m‖².",
)
def violations(ctx: ClaimContext) -> Verdict:
    from infonce_gauss.theory.infonce import local_curvature

    trained, rows = _trained("violations", ctx)
    alpha = {run.tags["case"]: 1 / run.config.tau for run, _, _ in trained}
    final = {r["case"]: r for r in (_final(rows, run=label) for label in dict.fromkeys(r["run"] for r in rows))}
    first = {case: min((r for r in rows if r["case"] == case), key=lambda r: r["epoch"]) for case in final}
    table = []
    for case, r in final.items():
        share, share_se = _channel_share(r)
        e0 = first[case]
        table.append({"case": case, "d": r["d"], "N": r["batch_size"], "eta2": r["eta2"], "alignment": r["alignment"],
                      "alignment_se": r["alignment_se"], "m_sq": r["m_sq"], "m_sq_se": r["m_sq_se"],
                      "align_bound": r["align_bound"], "align_slack_se": r["align_slack_se"],
                      "prop1_holds": r["align_excess_z"] <= CONTRAST_Z, "channel_share": share, "channel_share_se": share_se,
                      "m_sq_epoch0": e0["m_sq"], "m_sq_epoch0_se": e0["m_sq_se"],
                      "mean_drifts": r["m_sq"] - e0["m_sq"] > CONTRAST_Z * math.hypot(r["m_sq_se"], e0["m_sq_se"]),
                      "q_star": local_curvature(r["d"], alpha[case]), "q": alpha[case] * (1 - r["eta2"]),
                      "sigma_unstable_app_d": local_curvature(r["d"], alpha[case]) < alpha[case] * (1 - r["eta2"]),
                      "gaussian_unnormalized": _paper_rule(r), "gaussian_normalized": _paper_rule(r, "norm_"),
                      **{c: r[c] for c in ("cv", *COLUMNS)}, **{f"norm_{c}": r[f"norm_{c}"] for c in COLUMNS}})
    ctx.save_table("violations", table)
    low = final["low d (d=4)"]
    at = {t["case"]: t for t in table}
    order = [at[c] for c in ("strong augmentation (A=0.05)", "baseline", "weak augmentation (A=0.8)")]
    return _verdict(
        rows, {
            "unnormalized: Gaussian? by the paper's rule in every case": all(r["gaussian_unnormalized"] for r in table),
            f"low d: normalized coordinates rejected (mean A² > {AD_THRESHOLD:g})": low["norm_ad_avg"] > AD_THRESHOLD,
            "every other case: normalized coordinates Gaussian? by the paper's rule":
                all(r["gaussian_normalized"] for r in table if r["case"] != "low d (d=4)"),
            f"Prop 1 not rejected in any case (alignment − bound <= {CONTRAST_Z:g} SE of the slack; ‖m‖² of the view law)":
                all(t["prop1_holds"] for t in table),
            f"the channel's share (E[u·v] − ‖m‖²)/(1 − ‖m‖²) follows the channel: strong < baseline < weak augmentation, "
            f"each gap beyond {CONTRAST_Z:g} conservative SE":
                all(b["channel_share"] - a["channel_share"] > CONTRAST_Z * (a["channel_share_se"] + b["channel_share_se"])
                    for a, b in zip(order, order[1:])),
            f"the mean direction drifts off zero in training (‖m‖² rises by > {CONTRAST_Z:g} SE) only where App. D's criterion "
            "q*(d, α) < α(1 − η₂) says σ is not a local minimizer, and it does at strong augmentation":
                all(t["sigma_unstable_app_d"] for t in table if t["mean_drifts"])
                and at["strong augmentation (A=0.05)"]["mean_drifts"],
        }
        | ({} if ctx.profile.name == "quick" else {
            "... and it drifts in every case where App. D says σ is not a local minimizer (strong augmentation, d = 4)":
                all(t["mean_drifts"] for t in table if t["sigma_unstable_app_d"])}),
        measured={r["case"]: {"ad_avg": round(r["ad_avg"], 3), "norm_ad_avg": round(r["norm_ad_avg"], 3),
                              "alignment": round(r["alignment"], 4), "m_sq": round(r["m_sq"], 4),
                              "channel_share": round(r["channel_share"], 4)} for r in table},
        expected="unnormalized Gaussian everywhere; normalized rejected only at low d; channel share ordered by η₂; "
                 "‖m‖² drifts where App. D says σ is unstable",
        rule=f"the paper's rule (mean A² < {AD_THRESHOLD:g}, mean DP p > {DP_LEVEL:g}) on the final unnormalized and normalized embeddings; "
             f"Prop 1 and the ‖m‖² drift one-sided at {CONTRAST_Z:g} SE (simulations.training.embedding_diagnostics)",
        details={"table": table,
                 "alignment_note": "raw E[u·v] = ‖m‖² + Σ_k Var(E[u_k|X₀]) is not ordered by the channel: with a bias the "
                                   "encoder can buy alignment by collapsing towards one direction, which pays where "
                                   "α(1 − η₂) exceeds Φ's curvature q* (App. D; at d = 64, τ = 0.1: q* = 9.03 against "
                                   "9.95 at A = 0.05 and 3.59 at A = 0.6); the full profile's 30 epochs show it "
                                   "(A = 0.05: E[u·v] ≈ ‖m‖² ≈ 0.75, above the baseline's 0.53), 4 quick epochs barely",
                 "quick_profile_note": "that every App. D-unstable case drifts is checked outside the quick profile only: "
                                       "in 4 epochs the d = 4 encoder's ‖m‖² has not yet moved beyond its SE (it has "
                                       "after the full profile's 30), while the A = 0.05 one has",
                 "note": "none of the violations the reviewers proposed breaks the unnormalized Gaussianity of a linear "
                         "encoder on i.i.d. inputs: it comes from the architecture (CLT), not from InfoNCE; the GMM "
                         "with separated components (EMP-GMM-REGIMES) is the violation that does"},
    )


def _image_skip(ctx: ClaimContext, dataset: str, preset: str) -> str | None:
    """Why an image claim cannot run here (no data, or paper scale without a GPU), or None."""
    import torch

    from infonce_gauss.simulations.datasets import missing_reason

    if ctx.profile.name != "gpu":
        return f"runs in the gpu profile (paper-scale {dataset} training); CPU-sized: infonce-gauss train --preset {preset} --data-dir DIR"
    if not torch.cuda.is_available():
        return "the gpu profile needs a CUDA device for paper-scale training; none is available"
    return missing_reason(dataset)


@CLAIMS.claim(
    "EMP-CIFAR-MLP",
    finding="confirmed",
    title="Fig. 4: CIFAR-10 two-layer MLP, CV falls and mean AD enters the accepted range during training",
    paper_ref="Fig. 4; Sec. 5",
    statement="Over 100 epochs of InfoNCE on CIFAR-10 with a two-layer MLP, CV falls (≈0.21 → 0.157) and mean A² "
              f"drops below {AD_THRESHOLD:g} around epoch 30 (≈0.57 at 100).",
)
def cifar_mlp(ctx: ClaimContext) -> Verdict:
    if reason := _image_skip(ctx, "cifar10", "fig4-cifar-mlp"):
        return Verdict.skipped(reason)
    rows = _train("fig4-cifar-mlp", ctx)
    first, last = min(rows, key=lambda r: r["epoch"]), _final(rows)
    return _verdict(
        rows, {"CV falls": last["cv"] < first["cv"], f"mean A² ends below {AD_THRESHOLD:g}": last["ad_avg"] < AD_THRESHOLD},
        measured={"cv": last["cv"], "ad_avg": last["ad_avg"]}, expected={"cv": 0.157, "ad_avg": 0.57},
        rule="final vs first evaluation; the paper's AD threshold",
    )


@CLAIMS.claim(
    "EMP-CIFAR-RESNET",
    finding="confirmed",
    title="Table 1, CIFAR rows: ResNet-18 contrastive is Gaussian, supervised is not",
    paper_ref="Table 1; Sec. 5",
    statement="ResNet-18 trained with InfoNCE gives CV ≈ 0.09, AD 0.43 (96.1%), DP 0.39 (94.5%); the same network "
              "trained with cross-entropy gives CV ≈ 0.5, AD 3.3 (6.2%), DP 0.041 (3.9%).",
)
def cifar_resnet(ctx: ClaimContext) -> Verdict:
    if reason := _image_skip(ctx, "cifar10", "table1-cifar-resnet18"):
        return Verdict.skipped(reason)
    return _contrastive_vs_supervised(_train("table1-cifar-resnet18", ctx))


def _contrastive_vs_supervised(rows) -> Verdict:
    con, sup = _final(rows, objective="infonce"), _final(rows, objective="supervised")
    return _verdict(
        rows, {"contrastive: Gaussian? by the paper's rule": _paper_rule(con),
         "supervised: not Gaussian by the paper's rule": not _paper_rule(sup),
         "contrastive CV below supervised CV": con["cv"] < sup["cv"]},
        measured={k: {c: round(r[c], 4) for c in ("cv", *COLUMNS)} for k, r in (("contrastive", con), ("supervised", sup))},
        expected={"contrastive": {"cv": 0.09, "ad_avg": 0.43, "dp_avg": 0.39}, "supervised": {"cv": 0.5, "ad_avg": 3.3, "dp_avg": 0.041}},
        rule=f"the paper's rule (mean A² < {AD_THRESHOLD:g}, mean DP p > {DP_LEVEL:g}) on each objective's final embeddings",
    )


def _contrast(a: dict, b: dict, stat: str) -> dict:
    """``a − b`` of one diagnostic of two final training rows, with its standard error (:func:`diagnostic_se`)
    and ``z`` = difference / se."""
    return {"statistic": stat, "contrastive": a[stat], "supervised": b[stat], "difference": a[stat] - b[stat],
            "se": math.hypot(diagnostic_se(a, stat), diagnostic_se(b, stat)), "z": change_z(b, a, stat)}


@CLAIMS.claim(
    "EMP-FMNIST",
    finding="not comparable",
    title="Fashion-MNIST stand-in for the CIFAR rows: contrastive closer to Gaussian than supervised, but not Gaussian, "
          "and with the thicker shell",
    paper_ref="Table 1 (CIFAR rows), Fig. 4; stand-in on offline data",
    statement="The same small CNN (same initialization) trained on Fashion-MNIST with InfoNCE and with cross-entropy: the "
              "contrastive coordinates are closer to Gaussian (lower mean A²) than the supervised ones, but neither passes "
              "the paper's rule, and the contrastive norms have the larger CV — Table 1's CIFAR contrast (contrastive "
              "Gaussian with a thin shell, CV 0.09; supervised not, CV 0.5) holds here only in the direction of the "
              "coordinates' Gaussianity. A different network on different data: not a reproduction of Table 1.",
)
def fmnist(ctx: ClaimContext) -> Verdict:
    from infonce_gauss.simulations.datasets import missing_reason

    if reason := missing_reason("fashion-mnist"):
        return Verdict.skipped(reason)
    rows = _train("fmnist-contrastive-vs-supervised", ctx)
    con, sup = _final(rows, objective="infonce"), _final(rows, objective="supervised")
    contrasts = {stat: _contrast(con, sup, stat) for stat in ("ad_avg", "cv", "dp_avg", "norm_ad_avg")}
    ctx.save_table("fmnist_contrast", list(contrasts.values()))
    fields = dict(
        measured={k: {c: round(r[c], 4) for c in ("cv", *COLUMNS)} for k, r in (("contrastive", con), ("supervised", sup))},
        expected={"contrastive": {"cv": 0.09, "ad_avg": 0.43, "dp_avg": 0.39}, "supervised": {"cv": 0.5, "ad_avg": 3.3, "dp_avg": 0.041},
                  "source": "Table 1, CIFAR-10 ResNet-18 rows (not this data set or network)"},
        rule=f"final epoch; each objective difference in units of its SE (CV: its own SE; mean A²: sd/√d per objective, "
             f"coordinates taken as independent), resolved when |z| > {CONTRAST_Z:g}; the paper's rule (mean A² < "
             f"{AD_THRESHOLD:g}, mean DP p > {DP_LEVEL:g})",
        details={"contrasts": list(contrasts.values()), "n": con["n"], "d": con["d"], "epochs": con["epoch"],
                 "ablation": "EMP-FMNIST-ABLATION (full profile) varies training length, width, architecture, d, "
                             "batch size and augmentation strength, and measures the backbone before the head"},
    )
    unresolved = [s for s in ("ad_avg", "cv") if abs(contrasts[s]["z"]) <= CONTRAST_Z]
    if unresolved:
        control, summary = _control(rows)
        fields["details"].update(control)
        return Verdict.cannot_tell(
            f"at this size the objectives' {' and '.join(unresolved)} differ by less than {CONTRAST_Z:g} SE ("
            + ", ".join(f"{s}: z = {contrasts[s]['z']:.2g}" for s in unresolved) + f"); {summary}", **fields)
    return _verdict(rows, {
        f"contrastive mean A² below the supervised one by > {CONTRAST_Z:g} SE": contrasts["ad_avg"]["z"] < -CONTRAST_Z,
        "contrastive coordinates not Gaussian by the paper's rule": not _paper_rule(con),
        "supervised coordinates not Gaussian by the paper's rule": not _paper_rule(sup),
        f"contrastive CV of the norms above the supervised one by > {CONTRAST_Z:g} SE": contrasts["cv"]["z"] > CONTRAST_Z,
    }, **fields)


@CLAIMS.claim(
    "EMP-FMNIST-ABLATION",
    finding="not comparable",
    title="Why the Fashion-MNIST stand-in is not Gaussian: training length, width, ResNet-18, d, batch size, augmentation "
          "and the layer measured, each against its control at initialization",
    paper_ref="Table 1 (CIFAR rows); Sec. 4 (route 1: uniformity, thin shell); stand-in on offline data",
    statement="Changing one setting of the contrastive Fashion-MNIST run at a time (3x epochs, 4x width, ResNet-18, "
              "d = 16 and 256, N = 64 and 1024, weak and strong augmentation) makes no run's coordinates Gaussian by the "
              "paper's rule, nor the backbone's before the head. Training does what route 1 starts from — ‖m‖² falls "
              "towards the uniform law's 0 in every run — but the norms' CV rises in every run (the shell thickens) and "
              "the direction law stays far from isotropic (d·E[(u·u')²] well above its uniform value 1): the premises of "
              "Maxwell–Poincaré (uniformity, a thin shell) are not reached at these sizes, so the paper's conclusion is "
              "not tested here, and the stand-in says nothing against it.",
)
def fmnist_ablation(ctx: ClaimContext) -> Verdict:
    from infonce_gauss.simulations.datasets import missing_reason
    from infonce_gauss.simulations.training import backbone_diagnostics, build_model

    if ctx.profile.name == "quick":
        return Verdict.skipped("runs in the full profile (ten CNN trainings, tens of minutes on one CPU core); or: "
                               "infonce-gauss train --preset fmnist-ablation --profile full")
    if reason := missing_reason("fashion-mnist"):
        return Verdict.skipped(reason)
    trained, rows = _trained("fmnist-ablation", ctx)
    run, task, result = trained[0]
    backbone = [{"run": "baseline backbone", "epoch": 0, **backbone_diagnostics(build_model(run.config, task), task, run.config)},
                {"run": "baseline backbone", "epoch": run.config.epochs,
                 **backbone_diagnostics(result.model.cpu().eval(), task, run.config)}]
    table = []
    for label in dict.fromkeys(r["run"] for r in rows):
        runs = [r for r in rows if r["run"] == label]
        e0, end = min(runs, key=lambda r: r["epoch"]), max(runs, key=lambda r: r["epoch"])
        table.append({"run": label, "epochs": end["epoch"],
                      **{f"{c}_{when}": r[c] for c in ("cv", "ad_avg", "ad_pass_pct", "m_sq", "d_neg_cos_sq")
                         for when, r in (("init", e0), ("trained", end))},
                      "cv_z": change_z(e0, end, "cv"), "m_sq_z": change_z(e0, end, "m_sq"),
                      "gaussian_trained": _paper_rule(end)})
    ctx.save_table("fmnist_ablation", table)
    ctx.save_table("fmnist_backbone", backbone)
    return _verdict(
        rows + backbone,
        {
            "no run's coordinates are Gaussian by the paper's rule after training": not any(t["gaussian_trained"] for t in table),
            "the baseline's backbone (before the head) is not Gaussian by the paper's rule either": not _paper_rule(backbone[1]),
            f"‖m‖² falls in training by > {CONTRAST_Z:g} SE in every run (towards uniformity)": all(t["m_sq_z"] < -CONTRAST_Z for t in table),
            f"the CV of the norms rises in training by > {CONTRAST_Z:g} SE in every run (the shell thickens)":
                all(t["cv_z"] > CONTRAST_Z for t in table),
        },
        measured={t["run"]: {"ad_avg": round(t["ad_avg_trained"], 3), "cv": round(t["cv_trained"], 3),
                             "m_sq": round(t["m_sq_trained"], 3), "d_E_cos2": round(t["d_neg_cos_sq_trained"], 2)} for t in table},
        expected="Table 1, CIFAR ResNet-18 contrastive: CV 0.09, mean A² 0.43 (uniform sphere: ‖m‖² = 0, d·E[(u·u')²] = 1)",
        rule=f"each run's last epoch against its epoch 0 (same seed); CV and ‖m‖² changes in units of their SEs, one-sided "
             f"at {CONTRAST_Z:g}; the paper's rule (mean A² < {AD_THRESHOLD:g}, mean DP p > {DP_LEVEL:g})",
        details={"table": table, "backbone": [{k: r[k] for k in ("epoch", "cv", "ad_avg", "ad_pass_pct", "m_sq", "d_neg_cos_sq")}
                                              for r in backbone],
                 "isotropy_range": [min(t["d_neg_cos_sq_trained"] for t in table), max(t["d_neg_cos_sq_trained"] for t in table)],
                 "note": "N = 1024 also takes 4x fewer steps per epoch on the 10k training images; ‖m‖² and d·E[(u·u')²] "
                         "are of the view law and of the anchors respectively (simulations.training.embedding_diagnostics)"},
    )
