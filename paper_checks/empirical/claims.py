"""EMP- claims: trained encoders, the paper's experiments (Table 1, Figs. 2–4) and its consistency questions.

Training runs come from the result's training presets (:mod:`infonce_gauss.empirical.presets`): CPU-sized in the ``quick``
and ``full`` profiles, paper-sized in ``gpu``. Seeds, not coordinates, are the replicates of a trained encoder: every
claim trains each run of its preset with :data:`SEEDS` replicate seeds (:meth:`Preset.train_seeds`) and reports each
statistic as the mean over seeds with the seed-level standard error; arms (trained against initialization, one
objective against another, one ablation against another) are compared by Welch's test over seeds
(:func:`infonce_gauss.simulations.replicates.contrast`), resolved at level
:data:`~infonce_gauss.simulations.replicates.CONTRAST_LEVEL`. A check that rests on an unresolved contrast makes the
claim "cannot tell". The within-run standard error of one encoder (:func:`diagnostic_se`) is reported beside, twice:
treating the d coordinates as independent (the paper's protocol) and corrected for their measured dependence (the
design effect of each per-coordinate summary, :func:`design_effect`, with the effective number of coordinates d/D).

The tolerance rule for the Table-1 columns is the calibrated null: a column "reproduces Gaussian" when it lies in the
band that d independent N(0, 1) coordinates at the same n fall in with probability 0.99 (simulated by
:func:`infonce_gauss.simulations.null_rates.null_pass_rates`), in every seed, next to the paper's own rule (mean
A² < 0.752 and mean DP p-value > 0.05) on the seed means. Paper references are to arXiv 2602.24012 by its own
numbering.
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter

import numpy as np

from infonce_gauss.claim import ClaimContext, ClaimSet, Profile, Verdict
from infonce_gauss.simulations.device import one_torch_thread
from infonce_gauss.simulations.replicates import CONTRAST_LEVEL, contrast, summarize
from infonce_gauss.simulations.univariate import AD_THRESHOLD, DP_LEVEL, paper_rule
from infonce_gauss.simulations.sampling import derive_seed

CLAIMS = ClaimSet("EMP-")

CONTRAST_Z = 3.0  # a within-run difference over i.i.d. samples (alignment − bound) counts beyond 3 standard errors
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


def seeds(profile: Profile) -> int:
    """Replicate seeds per run: 3 in the quick profile, 5 in the full and gpu profiles."""
    return profile.pick(quick=3, full=5)


SEED_RULE = (f"seeds are the replicates: each statistic is the mean over seeds ± its seed-level SE; arms are compared "
             f"by Welch's test over seeds, resolved at level {CONTRAST_LEVEL:g}")


def _trained(name: str, ctx: ClaimContext) -> tuple[dict, list[dict]]:
    """Train preset ``name`` at the claim's profile with :func:`seeds` replicate seeds of the claim's seed;
    save its diagnostics table (a ``seed`` column) and curves (with the null bands of the Gaussian and sphere
    laws where every run has the same n and d). Returns ``({seed: [(run, task, result), ...]}, rows)``."""
    from infonce_gauss.empirical.plots import plot_training_curves
    from infonce_gauss.empirical.presets import PRESETS
    from infonce_gauss.training_presets import preset_rows

    with one_torch_thread():
        trained = PRESETS[name].train_seeds(ctx.profile, seeds=seeds(ctx.profile), seed=ctx.seed, progress=False)
    rows = [{**row, "seed": s} for s, done in trained.items() for row in preset_rows(name, done)]
    ctx.save_table(f"train_{name}", rows)
    sizes = {(r["n"], r["d"]) for r in rows}
    bands = None
    if len(sizes) == 1:
        (n, d), = sizes
        bands = {law: null_bands(n, d, seed=ctx.seed, law=law) for law in ("gaussian", "sphere")}
    ctx.save_figure(f"train_{name}", plot_training_curves(rows, title=f"preset {name} ({ctx.profile.name} profile, "
                                                                      f"{len(trained)} seeds)", bands=bands))
    return trained, rows


def _train(name: str, ctx: ClaimContext) -> list[dict]:
    return _trained(name, ctx)[1]


def _ends(rows, **match) -> tuple[list[dict], list[dict]]:
    """The rows at initialization (first epoch) and after training (last epoch) of the runs matching ``match``,
    one of each per seed, in seed order."""
    picked = [r for r in rows if all(r.get(k) == v for k, v in match.items())]
    by_seed = {}
    for r in picked:
        by_seed.setdefault(r["seed"], []).append(r)
    if not by_seed:
        raise ValueError(f"no training rows match {match}.")
    return ([min(v, key=lambda r: r["epoch"]) for v in by_seed.values()],
            [max(v, key=lambda r: r["epoch"]) for v in by_seed.values()])


def _final(rows, **match) -> list[dict]:
    """The last-epoch row of each seed of the runs matching ``match``."""
    return _ends(rows, **match)[1]


def _mean(rows, stat: str) -> float:
    return summarize([r[stat] for r in rows]).mean


def seed_statistic(rows, stat: str) -> dict:
    """One statistic over the seeds' rows: per-seed values, their mean and seed-level SE
    (:func:`infonce_gauss.simulations.replicates.summarize`), and the mean within-run SE (:func:`diagnostic_se`)
    with the coordinates taken as independent (``within_run_se``) and corrected for their dependence
    (``within_run_se_corrected``), beside the mean design effect D and effective number of coordinates d/D over the
    seeds (None for a statistic that is not a per-coordinate summary, :func:`design_effect`)."""
    s = summarize([r[stat] for r in rows])
    within, corrected = ([diagnostic_se(r, stat, corrected=c) for r in rows] for c in (False, True))
    deff = [design_effect(r, stat) for r in rows]
    return {"mean": s.mean, "se": s.se, "values": list(s.values),
            "within_run_se": None if None in within else float(np.mean(within)),
            "within_run_se_corrected": None if None in corrected else float(np.mean(corrected)),
            "design_effect": None if None in deff else float(np.mean(deff)),
            "effective_coordinates": None if None in deff else float(np.mean([r["d"] / v for r, v in zip(rows, deff)]))}


def seed_contrast(a_rows, b_rows, stat: str) -> dict:
    """Welch's contrast ``b − a`` of one statistic over seeds (:func:`infonce_gauss.simulations.replicates.contrast`),
    with both arms' per-seed values."""
    return {"statistic": stat, "a": [r[stat] for r in a_rows], "b": [r[stat] for r in b_rows],
            **contrast([r[stat] for r in a_rows], [r[stat] for r in b_rows]).to_dict()}


def directed(c: dict, sign: int) -> bool | None:
    """A contrast as a check that ``b − a`` has the sign ``sign``: True when resolved that way, False when
    resolved the other way, None (cannot tell) when not resolved."""
    if not c["resolved"]:
        return None
    return bool(np.sign(c["difference"]) == sign)


def every(outcomes) -> bool | None:
    """All of several checks (True, False or None as from :func:`directed`): False when one is False, else None
    when one is unresolved, else True."""
    outcomes = list(outcomes)
    return False if False in outcomes else (None if None in outcomes else True)


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
WITHIN_RUN_SE = (
    "within_run_se: the standard error within one encoder (diagnostic_se) with the d coordinates taken as independent "
    "(the paper's protocol): sd/√d for a mean over the coordinates and the binomial 100·√(p(1−p)/d) for a pass "
    "percentage; the coordinates are correlated, so these understate the error. within_run_se_corrected: the same "
    "corrected for the measured dependence, sd·√(D(d−1)/(d(d−D))) with the summary's design effect D from the "
    "correlation matrix of the coordinates (its power sums in the row) and the outcome map of Gaussian coordinates, d/D "
    "the effective number of coordinates. It is calibrated for Gaussian coordinates; for far-from-Gaussian ones it sees "
    "their correlation but not other dependence (e.g. normalized coordinates under a strong common factor, whose tails "
    "the shared norm couples), so it can still understate the error there. The SE of CV, alignment and ‖m‖² is over "
    "i.i.d. samples (the same in both). The replicates are the seeds (se)")
SUMMARY_OF = {"ad_avg": "ad_mean", "dp_avg": "dp_mean", "ad_pass_pct": "ad_pass", "dp_pass_pct": "dp_pass"}
"""The per-coordinate summary (:data:`infonce_gauss.simulations.dependence.SUMMARIES`) of each Table-1 column."""


def _coordinate_stat(stat: str) -> tuple[str, str]:
    """``(prefix, column)`` of a Table-1 column of the unnormalized (``""``) or normalized (``"norm_"``) coordinates."""
    return ("norm_", stat[5:]) if stat.startswith("norm_") else ("", stat)


def design_effect(row: dict, stat: str) -> float | None:
    r"""The design effect :math:`D=\sum_kw_kP_k` of a Table-1 column of a training row: the power sums :math:`P_k` of
    its coordinates' correlation matrix (:func:`infonce_gauss.simulations.training.row_power_sums`; the normalized
    coordinates' for a ``norm_`` column) weighted by the outcome map of the column's summary (:data:`SUMMARY_OF`,
    :func:`infonce_gauss.encoder_check.calibration.outcome_map`). None for a statistic that is not one.

    The outcome map is that of jointly Gaussian coordinates, so D is exact for them (up to the map's fit) and
    counts only the correlation of coordinates that are not (:data:`WITHIN_RUN_SE`)."""
    from infonce_gauss.encoder_check.calibration import outcome_map
    from infonce_gauss.simulations.dependence import weighted_design_effects
    from infonce_gauss.simulations.training import row_power_sums

    prefix, base = _coordinate_stat(stat)
    if base not in SUMMARY_OF:
        return None
    return weighted_design_effects(row_power_sums(row, prefix), outcome_map())[SUMMARY_OF[base]]


def diagnostic_se(row: dict, stat: str, *, corrected: bool = False) -> float | None:
    r"""Within-run standard error of one diagnostic of a training row (:data:`WITHIN_RUN_SE`).

    CV, alignment, ‖m‖² and the channel share carry their own (``cv_se``, ``alignment_se``, ``m_sq_se``,
    ``channel_share_se``, over i.i.d. samples; the same either way). A mean over the d coordinates gets ``sd/√d``
    and a pass percentage the binomial :math:`100\sqrt{p(1-p)/d}` with the coordinates taken as independent; with
    ``corrected``, the SE of the same mean of d dependent coordinates with the column's :func:`design_effect` D
    (:func:`infonce_gauss.simulations.dependence.summary_se`: :math:`s\sqrt{D(d-1)/(d(d-D))}` from the sample SD s
    over the coordinates, :math:`100\sqrt{p(1-p)D/(d-D)}` for a pass percentage), at least the independent one.
    None for a statistic without one (e.g. ``d_neg_cos_sq``).
    """
    from infonce_gauss.simulations.dependence import summary_se

    d = row["d"]
    if stat in ("cv", "alignment", "m_sq", "channel_share"):
        return row[f"{stat}_se"]
    prefix, base = _coordinate_stat(stat)
    if base not in COLUMNS:
        return None
    if base.endswith("pass_pct"):
        p = row[stat] / 100
        variance = max(p * (1 - p), 1 / (4 * d * d))
        if not corrected:
            return 100 * math.sqrt(variance / d)
        sd = 100 * math.sqrt(variance * d / (d - 1))  # the sample SD (ddof 1) of the d pass indicators
    else:
        sd = row[f"{prefix}{base[:2]}_sd"]
        if not corrected:
            return sd / math.sqrt(d)
    return summary_se(sd, d=d, design_effect=design_effect(row, stat))


def change_z(before: dict, after: dict, stat: str, *, corrected: bool = False) -> float:
    r"""``after − before`` of one diagnostic of one run in units of :math:`\sqrt{se_0^2+se_1^2}` of the
    within-run SEs (:func:`diagnostic_se`; ``corrected`` for the dependence of the coordinates, else with the
    coordinates taken as independent)."""
    se = math.hypot(diagnostic_se(before, stat, corrected=corrected), diagnostic_se(after, stat, corrected=corrected))
    return (after[stat] - before[stat]) / max(se, 1e-12)


def _runs(rows) -> list:
    return list(dict.fromkeys(r["run"] for r in rows))


def init_control(rows, stats=CONTROL_STATS) -> list[dict]:
    """Each run's diagnostics at initialization (epoch 0) beside the trained encoder's (last epoch), over seeds.

    One row per run and statistic: both arms' seed means, seed-level SEs and per-seed values, the mean
    within-run SE of each (:func:`diagnostic_se`) with the coordinates taken as independent and (``_corrected``)
    corrected for their dependence, with the mean design effect and effective number of coordinates
    (:func:`seed_statistic`), each seed's within-run z both ways (``z_within_run``, ``z_within_run_corrected``,
    :func:`change_z`), Welch's contrast trained − initialization over seeds (``difference``, ``se``, ``t``, ``df``,
    ``pvalue``) and ``moved`` = that contrast is resolved.
    """
    out = []
    for run in _runs(rows):
        e0, end = _ends(rows, run=run)
        for stat in stats:
            c = seed_contrast(e0, end, stat)
            init, trained = seed_statistic(e0, stat), seed_statistic(end, stat)
            out.append({"run": run, "statistic": stat, "epochs": end[0]["epoch"], "seeds": len(end),
                        "initialization": init["mean"], "initialization_se": init["se"],
                        "initialization_values": init["values"],
                        "trained": trained["mean"], "trained_se": trained["se"], "trained_values": trained["values"],
                        **{f"{arm}_{k}": v[k] for arm, v in (("initialization", init), ("trained", trained))
                           for k in ("within_run_se", "within_run_se_corrected", "design_effect", "effective_coordinates")},
                        "z_within_run": [change_z(a, b, stat) for a, b in zip(e0, end)],
                        "z_within_run_corrected": [change_z(a, b, stat, corrected=True) for a, b in zip(e0, end)],
                        **{k: c[k] for k in ("difference", "se", "t", "df", "pvalue")}, "moved": c["resolved"]})
    return out


ORIGINS = {(True, True): "Gaussian already at initialization", (False, True): "made Gaussian by training",
           (True, False): "Gaussian at initialization, not after training",
           (False, False): "not Gaussian at initialization nor after training"}


def _mean_row(rows) -> dict:
    """The seed means of the Table-1 columns of one run's rows (for the paper's rule on seed means)."""
    return {c: _mean(rows, c) for c in ("ad_avg", "dp_avg", "norm_ad_avg", "norm_dp_avg")}


def gaussianity_origin(rows) -> dict[str, dict]:
    """Per run, where the trained encoder's Gaussianity (the paper's rule on the seed means of the unnormalized
    coordinates' columns) came from: one of :data:`ORIGINS` (at initialization and after training), the origin of
    each seed, and the seed means of mean A² and CV at both ends."""
    out = {}
    for run in _runs(rows):
        e0, end = _ends(rows, run=run)
        out[run] = {"origin": ORIGINS[_paper_rule(_mean_row(e0)), _paper_rule(_mean_row(end))],
                    "per_seed": [ORIGINS[_paper_rule(a), _paper_rule(b)] for a, b in zip(e0, end)],
                    "ad_avg": [_mean(e0, "ad_avg"), _mean(end, "ad_avg")], "cv": [_mean(e0, "cv"), _mean(end, "cv")]}
    return out


def _control(rows) -> tuple[dict, str]:
    """The runs' control at initialization: ``details`` entries (:func:`init_control`,
    :func:`gaussianity_origin`) and a one-line summary."""
    origin = gaussianity_origin(rows)
    k = len({r["seed"] for r in rows})
    if len(origin) <= 3:
        summary = "; ".join(f"{run}: {o['origin']} (mean A² {o['ad_avg'][0]:.3g} → {o['ad_avg'][1]:.3g}, CV "
                            f"{o['cv'][0]:.3g} → {o['cv'][1]:.3g})" for run, o in origin.items())
    else:
        counts = Counter(o["origin"] for o in origin.values())
        summary = "; ".join(f"{text} in {n} of {len(origin)} runs" for text, n in counts.most_common())
    return ({"init_control": init_control(rows), "gaussianity_origin": origin, "seeds": k, "within_run_se": WITHIN_RUN_SE},
            f"control at initialization (seed means over {k} seeds): {summary}")


def cause_control(rows, cause: str) -> dict:
    """The control of a claim that credits ``cause`` (e.g. InfoNCE training) with Gaussian coordinates: the same
    encoders and seeds at initialization. ``effect_without_cause`` is true when every run whose trained coordinates
    are Gaussian by the paper's rule (seed means) was Gaussian already at epoch 0 (:func:`gaussianity_origin`): the
    architecture, not the cause, gave the effect (the rule of the finding "not the stated cause", claim.FINDINGS)."""
    origin = gaussianity_origin(rows)
    gaussian = [run for run, o in origin.items() if o["origin"] in (ORIGINS[True, True], ORIGINS[False, True])]
    already = [run for run in gaussian if origin[run]["origin"] == ORIGINS[True, True]]
    return {"what": "the same encoders and seeds at initialization (epoch 0)", "cause": cause,
            "effect": "Gaussian unnormalized coordinates by the paper's rule on the seed means",
            "runs_with_effect": gaussian, "already_at_initialization": already,
            "effect_without_cause": bool(gaussian) and len(already) == len(gaussian)}


def _verdict(rows, checks: dict, *, details: dict | None = None, control: dict | None = None, **fields) -> Verdict:
    """The claim's verdict with the runs' control at initialization (:func:`_control`) in ``details`` and
    ``reason``: failed when a check is False, "cannot tell" when none is False but some rest on an unresolved
    contrast (None, :func:`directed`), passed otherwise. A claim that credits a cause carries its ``control``
    (e.g. :func:`cause_control`: what it is, ``effect_without_cause``); where the control shows the effect without
    the cause, a passed check is graded "not the stated cause" instead of "confirmed" (claim.FINDINGS)."""
    init, summary = _control(rows)
    details = {**(details or {}), **init}
    without_cause = False
    if control is not None:
        details["control"] = control
        without_cause = control["effect_without_cause"]
        if without_cause:
            summary = f"{control['effect']} already in the control ({control['what']}); {summary}"
    undecided = [name for name, ok in checks.items() if ok is None]
    if undecided and all(ok is not False for ok in checks.values()):
        k = init["seeds"]
        return Verdict.cannot_tell(
            f"not resolved at {k} seeds (Welch, level {CONTRAST_LEVEL:g}): {', '.join(undecided)}; {summary}",
            details={**details, "checks": {name: ok for name, ok in checks.items()}}, **fields)
    verdict = Verdict.from_checks({name: bool(ok) for name, ok in checks.items()}, details=details, reason=summary, **fields)
    return dataclasses.replace(verdict, finding="not the stated cause") if without_cause and verdict.status == "passed" else verdict


def _in_band(row: dict, bands: dict, prefix: str = "") -> dict:
    return {col: bands[col][0] <= row[prefix + col] <= bands[col][1] for col in COLUMNS}


def _in_band_every_seed(rows, bands: dict, columns=COLUMNS) -> bool:
    return all(_in_band(r, bands)[col] for r in rows for col in columns)


def _paper_rule(row: dict, prefix: str = "") -> bool:
    """Table 1's "Gaussian?" column: mean A² < :data:`AD_THRESHOLD` and mean DP p-value > :data:`DP_LEVEL`."""
    return paper_rule(row[prefix + "ad_avg"], row[prefix + "dp_avg"])


def _side_by_side(rows, paper: dict, bands: dict | None = None) -> list[dict]:
    """Table-1 columns of the seeds' final rows (seed mean ± seed SE, per-seed values) beside the paper's."""
    out = []
    for col in ("cv", *COLUMNS):
        s = summarize([r[col] for r in rows])
        entry = {"column": col, "paper": paper.get(col), "measured": s.mean, "measured_se": s.se,
                 "per_seed": list(s.values), "normalized": _mean(rows, "norm_" + col) if "norm_" + col in rows[0] else None}
        if bands and col in bands:
            entry.update(null_low=bands[col][0], null_high=bands[col][1])
        out.append(entry)
    return out


def _means(rows, columns=("cv", *COLUMNS), digits: int = 4) -> dict:
    return {c: round(_mean(rows, c), digits) for c in columns}


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

    rows = _train("table1-laplace", ctx)
    first, last = _ends(rows)
    epochs = sorted({r["epoch"] for r in rows})
    trace = [_mean([r for r in rows if r["epoch"] == e], "alignment") for e in epochs]
    eta2 = last[0]["eta2"]
    plateau = detect_plateau(trace, epochs=epochs, eta2=eta2)
    n, d = last[0]["n"], last[0]["d"]
    bands = null_bands(n, d, seed=ctx.seed)
    table = _side_by_side(last, TABLE1["laplace"], bands)
    ctx.save_table("laplace_table1", table)
    return _verdict(
        rows, {
            f"Gaussian? by the paper's rule (mean A² < {AD_THRESHOLD:g}, mean DP p > {DP_LEVEL:g}) on the seed means, "
            "unnormalized and normalized": _paper_rule(_mean_row(last)) and _paper_rule(_mean_row(last), "norm_"),
            f"all four columns inside the {BAND_LEVEL:.0%} band of d independent N(0,1) coordinates at this n, in every seed":
                _in_band_every_seed(last, bands),
            "the paper's 100% pass rates lie above that band (100% is improbable under the null: CHK-COMPLIANCE)":
                bands["ad_pass_pct"][1] < 100 or bands["dp_pass_pct"][1] < 100,
            "the seed-mean alignment reaches its plateau (simulations.traces.detect_plateau) below η₂ (Assumption 1: "
            "r_plat <= 0)": plateau.reached and plateau.r_plat <= 0,
        },
        measured=_means(last),
        expected=TABLE1["laplace"],
        uncertainty=summarize([r["ad_avg"] for r in last]).se,
        rule=f"seed means of the Table-1 columns vs the paper's rule; every seed's columns vs the {BAND_LEVEL:.0%} null "
             f"band (1000 simulated N(0,1) columns at n = {n}, d = {d}); paper's values beside; {SEED_RULE}",
        details={"side_by_side": table, "uncertainty": "the seed-level SE of the mean A²; every column's in side_by_side",
                 "null_bands": bands, "epoch": last[0]["epoch"],
                 "epoch0": {c: seed_statistic(first, c) for c in ("cv", *COLUMNS)},
                 "note": "the columns are already Gaussian at epoch 0: a random linear map of 1024 i.i.d. Laplace "
                         "coordinates is Gaussian by the CLT (reviewer 4's question), so this column cannot "
                         "distinguish InfoNCE from the architecture",
                 "cv_chi_reference": _chi_cv(d), "eta2": eta2, "alignment": seed_statistic(last, "alignment"),
                 "alignment_trace": dict(zip(epochs, trace)), "plateau": dataclasses.asdict(plateau)},
        control=cause_control(rows, "InfoNCE training"),
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
    dims = sorted({r["d"] for r in rows})
    batches = sorted({r["N"] for r in rows})
    final = {(d, n): _final(rows, d=d, N=n) for d in dims for n in batches}
    sweep = [{"d": d, "N": n, **{s: _mean(f, s) for s in ("cv", "alignment", "d_neg_cos_sq")},
              **{f"{s}_se": summarize([r[s] for r in f]).se for s in ("cv", "alignment", "d_neg_cos_sq")},
              **{f"{s}_within_run_se": float(np.mean([r[f"{s}_se"] for r in f])) for s in ("cv", "alignment")}}
             for (d, n), f in final.items()]
    at = {(r["d"], r["N"]): r for r in sweep}
    cv_d = {n: [at[d, n]["cv"] for d in dims] for n in batches}
    cv_n = {d: [at[d, n]["cv"] for n in batches] for d in dims}
    aniso = {d: [at[d, n]["d_neg_cos_sq"] for n in batches] for d in dims}
    cv_steps = {f"N={n}: d={a} -> {b}": seed_contrast(final[a, n], final[b, n], "cv")
                for n in batches for a, b in zip(dims, dims[1:])}
    first = {(d, n): _ends(rows, d=d, N=n)[0] for d in dims for n in batches}
    cv_steps_init = {f"N={n}: d={a} -> {b}": seed_contrast(first[a, n], first[b, n], "cv")
                     for n in batches for a, b in zip(dims, dims[1:])}
    control = {"what": "the same encoders and seeds at initialization (epoch 0)", "cause": "InfoNCE training",
               "effect": "the CV of the norms decreasing in d", "cv_steps_in_d": cv_steps_init,
               "effect_without_cause": every(directed(c, -1) for c in cv_steps_init.values()) is True,
               "what_training_did": "uniformity d·E[(u·u')²] improving with N: N is the training batch size, so the "
                                    "encoder at initialization has no N"}
    align = np.array([r["alignment"] for r in sweep])
    se = max(r["alignment_se"] for r in sweep)
    ctx.save_table("fig3_final", sweep)
    from infonce_gauss.empirical.plots import plot_training_sweep

    ctx.save_figure("fig3_sweep", plot_training_sweep(sweep))
    checks = {
        "CV decreases in d at every N (each step a Welch contrast over seeds)":
            every(directed(c, -1) for c in cv_steps.values()),
        "alignment is the same in every configuration (range of the seed means <= 0.02 + 4 seed-level SE)":
            float(np.ptp(align)) <= 0.02 + 4 * se,
        "uniformity d·E[(u·u')²] decreases (towards 1) as N grows, at every d (seed means)":
            all(_monotone(v, decreasing=True, tolerance=0.01) for v in aniso.values()),
    }
    if ctx.profile.name != "quick":
        checks["CV decreases in N at every d (seed means)"] = all(_monotone(v, decreasing=True, tolerance=0.002)
                                                                  for v in cv_n.values())
    return _verdict(
        rows, checks,
        measured={"cv_by_d": {str(n): [round(x, 4) for x in v] for n, v in cv_d.items()},
                  "alignment_range": [round(float(align.min()), 4), round(float(align.max()), 4)]},
        expected="CV ↓ in d (and N); alignment flat; uniformity ↑ with N",
        uncertainty=se,
        rule=f"final epoch of {len(sweep)} configurations (d ∈ {dims}, N ∈ {batches}); monotone with 0.01 slack for "
             f"d·E[(u·u')²]; {SEED_RULE}",
        details={"sweep": sweep, "cv_steps_in_d": cv_steps, "cv_by_N": {str(d): v for d, v in cv_n.items()},
                 "d_E_cos2_by_N": {str(d): v for d, v in aniso.items()},
                 "cv_chi_reference": {str(d): _chi_cv(d) for d in dims},
                 "uncertainty": "the largest seed-level SE of the alignment",
                 "quick_profile_note": "CV vs N is checked in the full and gpu profiles only: in the quick profile the "
                                       "runs differ by too few steps for a training-length effect (the paper trains "
                                       "150 epochs)"},
        control=control,
    )


@CLAIMS.claim(
    "EMP-BINARY",
    finding="not reproduced",
    title="Table 1, binary columns: training lowers the unnormalized pass shares of sparse inputs and raises the "
          "normalized ones; the paper's rise to Gaussian is not reproduced",
    paper_ref="Table 1; Sec. 5",
    statement="On sparse binary data (positives flip 0.1% of zeros) a linear InfoNCE encoder ends Gaussian at density 0.05, "
              "where it is Gaussian from epoch 0 on (CLT); at density 0.005 it starts non-Gaussian like the paper's epoch 0 "
              "(30%, 15%, CV 0.36), but training does not make the unnormalized coordinates Gaussian: their AD/DP pass "
              "fractions fall and the norm keeps the thick shell set by the number K of ones (CV ≈ CV(√K)); only the "
              "normalized coordinates become more Gaussian. The paper's rise to AD 97% / DP 98% / CV 0.09 is not reproduced.",
)
def binary_table1(ctx: ClaimContext) -> Verdict:
    rows = _train("table1-binary", ctx)
    e0_dense, last = _ends(rows, density=0.05)
    bands = null_bands(last[0]["n"], last[0]["d"], seed=ctx.seed)
    table = _side_by_side(last, TABLE1["binary_e100"], bands)
    ctx.save_table("binary_table1", table)
    e0, end = _ends(rows, density=0.005)
    moves = {c: seed_contrast(e0, end, c) for c in ("ad_pass_pct", "dp_pass_pct", "norm_ad_pass_pct")}
    falls = [directed(moves[c], -1) for c in ("ad_pass_pct", "dp_pass_pct")]
    trend = {"E0": _means(e0, ("cv", *COLUMNS), 6), "end": _means(end, ("cv", *COLUMNS), 6),
             "E0_normalized": _means(e0, [f"norm_{c}" for c in COLUMNS], 6),
             "end_normalized": _means(end, [f"norm_{c}" for c in COLUMNS], 6),
             "cv_count_reference": _cv_sqrt_binomial(1024, 0.005), "contrasts_end_minus_E0": moves}
    checks = {
        "end of training: Gaussian? by the paper's rule on the seed means (density 0.05)": _paper_rule(_mean_row(last)),
        f"end of training: AD and DP pass fractions inside the {BAND_LEVEL:.0%} null band in every seed (density 0.05)":
            _in_band_every_seed(last, bands, ("ad_pass_pct", "dp_pass_pct")),
        "density 0.005: non-Gaussian at epoch 0 by the paper's rule on the seed means (the paper's E0)":
            not _paper_rule(_mean_row(e0)),
        "density 0.005: training does not make them Gaussian: non-Gaussian at the end (seed means), AD and DP pass "
        "fractions fall (Welch contrasts over seeds)":
            every([not _paper_rule(_mean_row(end)), *falls]),
        "density 0.005: the normalized coordinates' AD pass fraction rises (Welch contrast over seeds)":
            directed(moves["norm_ad_pass_pct"], +1),
    }
    return _verdict(
        rows, checks,
        measured=_means(last),
        expected=TABLE1["binary_e100"],
        uncertainty=summarize([r["ad_avg"] for r in last]).se,
        rule=f"end-of-training columns (density 0.05) vs the paper's rule and the {BAND_LEVEL:.0%} null band; the E0 → "
             f"end trend at density 0.005 as Welch contrasts over seeds; {SEED_RULE}",
        details={"tried": f"densities 0.05 and 0.005 of 1024 bits (the paper states none), positives flipping 0.1% of "
                          f"the zeros, a linear encoder, {last[0]['epoch']} epochs, {len(last)} seeds; the paper's E0/E50/"
                          "E100 columns (AD 30% → 97%, DP 15% → 98%, CV 0.36 → 0.09)",
                 "side_by_side": table, "null_bands": bands, "paper_e0_e50": [TABLE1["binary_e0"], TABLE1["binary_e50"]],
                 "density_0.05_epoch0": _means(e0_dense, ("cv", *COLUMNS), 6), "density_0.005": trend,
                 "uncertainty": "the seed-level SE of the mean A² (density 0.05)",
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
    labels = ("overlapping linear", "separated linear", "separated mlp")
    over, sep_lin, sep_mlp = (_final(rows, run=label) for label in labels)
    bands = null_bands(over[0]["n"], over[0]["d"], seed=ctx.seed)
    table = [{"run": label, "eta2": summarize([r["eta2"] for r in f]).to_dict(),
              **{c: seed_statistic(f, c) for c in ("alignment", "cv", *COLUMNS)}}
             for label, f in zip(labels, (over, sep_lin, sep_mlp))]
    ctx.save_table("gmm_regimes", [{"run": t["run"], **{c: t[c]["mean"] for c in t if c != "run"},
                                    **{f"{c}_se": t[c]["se"] for c in t if c != "run"}} for t in table])
    mlp_vs_linear = seed_contrast(sep_lin, sep_mlp, "alignment")
    return _verdict(
        rows, {
            "overlapping components, linear: Gaussian? by the paper's rule (seed means) and AD/DP pass fractions in the "
            "null band in every seed":
                _paper_rule(_mean_row(over)) and _in_band_every_seed(over, bands, ("ad_pass_pct", "dp_pass_pct")),
            "separated components: η₂ > 0.95 (every seed's mixture)": all(r["eta2"] > 0.95 for r in sep_lin),
            f"separated components, linear: not Gaussian (mean A² > {AD_THRESHOLD:g} in every seed)":
                all(r["ad_avg"] > AD_THRESHOLD for r in sep_lin),
            f"separated components, MLP: not Gaussian (mean A² > {AD_THRESHOLD:g} in every seed)":
                all(r["ad_avg"] > AD_THRESHOLD for r in sep_mlp),
            "separated: MLP alignment not below the linear one (Welch contrast over seeds not resolved negative)":
                not (mlp_vs_linear["resolved"] and mlp_vs_linear["difference"] < 0),
        },
        measured={label: {"ad_avg": round(_mean(f, "ad_avg"), 3), "alignment": round(_mean(f, "alignment"), 3)}
                  for label, f in zip(labels, (over, sep_lin, sep_mlp))},
        expected=TABLE1["gmm"],
        rule=f"paper's rule (mean A² < {AD_THRESHOLD:g}, mean DP p > {DP_LEVEL:g}) and the 99% null band; η₂ of the "
             f"channel by simulation; {SEED_RULE}",
        details={"runs": table, "null_bands": bands, "mlp_minus_linear_alignment": mlp_vs_linear,
                 "note": "the paper states neither the mean spread nor the variance of its GMM; its Gaussian column is "
                         "reproduced only with overlapping components (mean spread 0.05 per coordinate, η₂ ≈ 0.24), where "
                         "the input is effectively one Gaussian; with separated components training makes the "
                         "coordinates non-Gaussian"},
        control=cause_control(rows, "InfoNCE training"),
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
    n = ctx.profile.pick(quick=10_000, full=50_000)
    per_seed = []
    for s, done in trained.items():
        for i, (run, task, result) in enumerate(done):
            check = alignment_check(result.model.cpu().eval(), task.data.channel, n=n, seed=derive_seed(s, i))
            per_seed.append({"channel": run.label, "seed": s, **check.to_dict(), "holds": check.holds(CONTRAST_Z),
                             "fig2_above_bound": FIG2_ALIGNMENT > check.bound + (1 - check.mean_sq_norm.value) * check.eta2.error})
    channels = list(dict.fromkeys(r["channel"] for r in per_seed))
    table = [{"channel": c, **{k: summarize([r[k] for r in per_seed if r["channel"] == c]).to_dict()
                               for k in ("alignment", "bound", "slack", "eta2")},
              "slack_within_run_se": float(np.mean([r["slack_se"] for r in per_seed if r["channel"] == c])),
              "holds_in_every_seed": all(r["holds"] for r in per_seed if r["channel"] == c)} for c in channels]
    ctx.save_table("align_eta2", per_seed)
    tightest = min(table, key=lambda r: r["slack"]["mean"] / max(r["slack"]["se"], 1e-12))
    return _verdict(
        rows, {
            f"Prop 1 not rejected for any channel in any seed (slack + {CONTRAST_Z:g} SE + η₂ error >= 0, over {n} i.i.d. "
            "pairs)": all(r["holds"] for r in per_seed),
            "Fig. 2's 0.95 exceeds the bound of the stated channel (A = 0.6, jitter) on the trained encoder of every seed":
                all(r["fig2_above_bound"] for r in per_seed if r["channel"] == "laplace A=0.6"),
        },
        measured={t["channel"]: round(t["alignment"]["mean"], 4) for t in table},
        expected={t["channel"]: f"<= {t['bound']['mean']:.4f}" for t in table},
        uncertainty=tightest["slack"]["se"],
        rule=f"simulations.hgr.alignment_check on {n} fresh positive pairs per trained encoder and seed (unbiased ‖m‖², "
             f"slack SE with covariances); one-sided at {CONTRAST_Z:g} SE plus the η₂ error in every seed; {SEED_RULE}",
        details={"table": table, "per_seed": per_seed, "fig2_alignment": FIG2_ALIGNMENT,
                 "uncertainty": f"the seed-level SE of the slack of the tightest channel ({tightest['channel']})",
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
    finding="confirmed",
    title="Violations (reviewer 2) and App. D's drift: the mean direction leaves zero only where σ is not a local "
          "minimizer",
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
    alpha = {run.tags["case"]: 1 / run.config.tau for run, _, _ in next(iter(trained.values()))}
    for r in rows:
        r["channel_share"], r["channel_share_se"] = _channel_share(r)
    table, share, drift = [], {}, {}
    for case in alpha:
        e0, end = _ends(rows, case=case)
        share[case] = end
        drift[case] = seed_contrast(e0, end, "m_sq")
        q_star, q = local_curvature(end[0]["d"], alpha[case]), alpha[case] * (1 - end[0]["eta2"])
        table.append({"case": case, "d": end[0]["d"], "N": end[0]["batch_size"], "eta2": end[0]["eta2"],
                      **{s: seed_statistic(end, s) for s in ("alignment", "m_sq", "channel_share")},
                      "m_sq_epoch0": seed_statistic(e0, "m_sq"), "m_sq_drift": drift[case],
                      "prop1_holds_every_seed": all(r["align_excess_z"] <= CONTRAST_Z for r in end),
                      "mean_drifts": directed(drift[case], +1),
                      "q_star": q_star, "q": q, "sigma_unstable_app_d": q_star < q,
                      "gaussian_unnormalized": _paper_rule(_mean_row(end)),
                      "gaussian_normalized": _paper_rule(_mean_row(end), "norm_"),
                      **{c: _mean(end, c) for c in ("cv", *COLUMNS)}, **{f"norm_{c}": _mean(end, f"norm_{c}") for c in COLUMNS}})
    ctx.save_table("violations", [{k: (v["mean"] if isinstance(v, dict) and "mean" in v else v) for k, v in t.items()
                                   if k != "m_sq_drift"} for t in table])
    at = {t["case"]: t for t in table}
    order = ("strong augmentation (A=0.05)", "baseline", "weak augmentation (A=0.8)")
    share_steps = {f"{a} -> {b}": seed_contrast(share[a], share[b], "channel_share") for a, b in zip(order, order[1:])}
    ordered = [directed(c, +1) for c in share_steps.values()]
    drifting_stable = [t["case"] for t in table if t["mean_drifts"] and not t["sigma_unstable_app_d"]]
    unstable_drifts = [t["mean_drifts"] for t in table if t["sigma_unstable_app_d"]]
    checks = {
        "unnormalized: Gaussian? by the paper's rule (seed means) in every case": all(t["gaussian_unnormalized"] for t in table),
        f"low d: normalized coordinates rejected (seed-mean mean A² > {AD_THRESHOLD:g})":
            at["low d (d=4)"]["norm_ad_avg"] > AD_THRESHOLD,
        "every other case: normalized coordinates Gaussian? by the paper's rule (seed means)":
            all(t["gaussian_normalized"] for t in table if t["case"] != "low d (d=4)"),
        f"Prop 1 not rejected in any case and seed (alignment − bound <= {CONTRAST_Z:g} within-run SE of the slack over "
        "i.i.d. pairs; ‖m‖² of the view law)": all(t["prop1_holds_every_seed"] for t in table),
        "the channel's share (E[u·v] − ‖m‖²)/(1 − ‖m‖²) follows the channel: strong < baseline < weak augmentation "
        "(Welch contrasts over seeds)": every(ordered),
        "the mean direction drifts off zero in training (‖m‖² rises, a resolved Welch contrast over seeds) only where "
        "App. D's criterion q*(d, α) < α(1 − η₂) says σ is not a local minimizer":
            not drifting_stable,
        "... and it drifts at strong augmentation": at["strong augmentation (A=0.05)"]["mean_drifts"],
    }
    if ctx.profile.name != "quick":
        checks["... and in every case where App. D says σ is not a local minimizer (strong augmentation, d = 4)"] = \
            every(unstable_drifts)
    control = {"what": "the cases where App. D's criterion says σ is a local minimizer (q*(d, α) >= α(1 − η₂)), same "
                       "encoders and seeds", "cause": "σ not a local minimizer (App. D)",
               "effect": "‖m‖² rising in training (a resolved Welch contrast over seeds)",
               "cases_with_effect": drifting_stable, "effect_without_cause": bool(drifting_stable)}
    return _verdict(
        rows, checks, control=control,
        measured={t["case"]: {"ad_avg": round(t["ad_avg"], 3), "norm_ad_avg": round(t["norm_ad_avg"], 3),
                              "alignment": round(t["alignment"]["mean"], 4), "m_sq": round(t["m_sq"]["mean"], 4),
                              "channel_share": round(t["channel_share"]["mean"], 4)} for t in table},
        expected="unnormalized Gaussian everywhere; normalized rejected only at low d; channel share ordered by η₂; "
                 "‖m‖² drifts where App. D says σ is unstable",
        rule=f"the paper's rule (mean A² < {AD_THRESHOLD:g}, mean DP p > {DP_LEVEL:g}) on the seed means of the final "
             f"unnormalized and normalized embeddings; Prop 1 one-sided at {CONTRAST_Z:g} within-run SE in every seed; "
             f"the channel-share order and the ‖m‖² drift as Welch contrasts; {SEED_RULE}",
        details={"table": table, "channel_share_steps": share_steps,
                 "channel_share_note": "channel_share.within_run_se is _channel_share's conservative within-run SE",
                 "alignment_note": "raw E[u·v] = ‖m‖² + Σ_k Var(E[u_k|X₀]) is not ordered by the channel: with a bias the "
                                   "encoder can buy alignment by collapsing towards one direction, which pays where "
                                   "α(1 − η₂) exceeds Φ's curvature q* (App. D; at d = 64, τ = 0.1: q* = 9.03 against "
                                   "9.95 at A = 0.05 and 3.59 at A = 0.6); longer training shows it more",
                 "quick_profile_note": "that every App. D-unstable case drifts is checked outside the quick profile only: "
                                       "in the quick profile's few epochs the d = 4 encoder's ‖m‖² has not yet moved "
                                       "beyond its seed-level SE, while the A = 0.05 one has",
                 "note": "none of the violations the reviewers proposed breaks the unnormalized Gaussianity of a linear "
                         "encoder on i.i.d. inputs: it comes from the architecture (CLT), not from InfoNCE; the GMM "
                         "with separated components (EMP-GMM-REGIMES) is the violation that does",
                 "gaussianity": {"cause_control": cause_control(rows, "InfoNCE training"),
                                 "grade": "the Gaussian coordinates of every case are there at initialization, so they do "
                                          "not discriminate; the finding rests on App. D's drift, checked against the "
                                          "App.-D-stable cases as the control"}},
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
    first, last = _ends(rows)
    return _verdict(
        rows, {"CV falls (Welch contrast over seeds)": directed(seed_contrast(first, last, "cv"), -1),
               f"mean A² ends below {AD_THRESHOLD:g} (seed mean)": _mean(last, "ad_avg") < AD_THRESHOLD},
        measured=_means(last, ("cv", "ad_avg")), expected={"cv": 0.157, "ad_avg": 0.57},
        control=cause_control(rows, "InfoNCE training"),
        rule=f"final vs first evaluation; the paper's AD threshold; {SEED_RULE}",
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
    rows = _train("table1-cifar-resnet18", ctx)
    con, sup = _final(rows, objective="infonce"), _final(rows, objective="supervised")
    return _verdict(
        rows, {"contrastive: Gaussian? by the paper's rule (seed means)": _paper_rule(_mean_row(con)),
               "supervised: not Gaussian by the paper's rule (seed means)": not _paper_rule(_mean_row(sup)),
               "contrastive CV below supervised CV (Welch contrast over seeds)": directed(seed_contrast(sup, con, "cv"), -1)},
        measured={k: _means(r) for k, r in (("contrastive", con), ("supervised", sup))},
        expected={"contrastive": {"cv": 0.09, "ad_avg": 0.43, "dp_avg": 0.39}, "supervised": {"cv": 0.5, "ad_avg": 3.3, "dp_avg": 0.041}},
        control=cause_control([r for r in rows if r["objective"] == "infonce"], "InfoNCE training"),
        rule=f"the paper's rule (mean A² < {AD_THRESHOLD:g}, mean DP p > {DP_LEVEL:g}) on each objective's final embeddings; "
             f"{SEED_RULE}",
    )


def _objective_contrast(con, sup, stat: str) -> dict:
    """Contrastive − supervised of one diagnostic over seeds (:func:`seed_contrast`), with each seed's within-run
    z = difference / √(se₁² + se₂²) of :func:`diagnostic_se`: ``z_within_run`` with the coordinates taken as
    independent, ``z_within_run_corrected`` corrected for their dependence; each arm's :func:`seed_statistic`
    carries its design effect and effective number of coordinates."""
    return {**seed_contrast(sup, con, stat), "contrastive": seed_statistic(con, stat),
            "supervised": seed_statistic(sup, stat), "z_within_run": [change_z(b, a, stat) for a, b in zip(con, sup)],
            "z_within_run_corrected": [change_z(b, a, stat, corrected=True) for a, b in zip(con, sup)]}


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
    contrasts = {stat: _objective_contrast(con, sup, stat) for stat in ("ad_avg", "cv", "dp_avg", "norm_ad_avg")}
    ctx.save_table("fmnist_contrast", [{k: v for k, v in c.items() if k not in ("contrastive", "supervised")}
                                       for c in contrasts.values()])
    return _verdict(rows, {
        "contrastive mean A² below the supervised one (Welch contrast over seeds)": directed(contrasts["ad_avg"], -1),
        "contrastive coordinates not Gaussian by the paper's rule (seed means)": not _paper_rule(_mean_row(con)),
        "supervised coordinates not Gaussian by the paper's rule (seed means)": not _paper_rule(_mean_row(sup)),
        "contrastive CV of the norms above the supervised one (Welch contrast over seeds)": directed(contrasts["cv"], +1),
    },
        measured={k: _means(r) for k, r in (("contrastive", con), ("supervised", sup))},
        expected={"contrastive": {"cv": 0.09, "ad_avg": 0.43, "dp_avg": 0.39}, "supervised": {"cv": 0.5, "ad_avg": 3.3, "dp_avg": 0.041},
                  "source": "Table 1, CIFAR-10 ResNet-18 rows (not this data set or network)"},
        uncertainty=contrasts["ad_avg"]["se"],
        rule=f"final epoch; each objective difference as Welch's contrast over seeds (level {CONTRAST_LEVEL:g}); each "
             f"seed's within-run z beside (CV: its own SE; mean A²: sd/√d per objective with the coordinates taken as "
             f"independent, and corrected for their dependence with the design effect D, d/D effective coordinates); "
             f"the paper's rule (mean A² < {AD_THRESHOLD:g}, mean DP p > {DP_LEVEL:g}) on the seed means",
        details={"setting_difference": "a small CNN trained on CPU-sized Fashion-MNIST subsamples (offline data) for a few epochs, not Table 1's ResNet-18 on CIFAR-10 at paper scale; the statistics and rules are the paper's", "contrasts": list(contrasts.values()), "n": con[0]["n"], "d": con[0]["d"], "epochs": con[0]["epoch"],
                 "uncertainty": "the seed-level SE of the contrastive − supervised mean A²",
                 "ablation": "EMP-FMNIST-ABLATION (full profile) varies training length, width, architecture, d, "
                             "batch size and augmentation strength, and measures the backbone before the head"},
    )


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
        return Verdict.skipped("runs in the full profile (ten CNN trainings per seed, many minutes on one CPU core); or: "
                               "infonce-gauss train --preset fmnist-ablation --profile full")
    if reason := missing_reason("fashion-mnist"):
        return Verdict.skipped(reason)
    trained, rows = _trained("fmnist-ablation", ctx)
    backbone = []
    for s, done in trained.items():
        run, task, result = done[0]
        backbone += [{"run": "baseline backbone", "seed": s, "epoch": 0,
                      **backbone_diagnostics(build_model(run.config, task), task, run.config)},
                     {"run": "baseline backbone", "seed": s, "epoch": run.config.epochs,
                      **backbone_diagnostics(result.model.cpu().eval(), task, run.config)}]
    table = []
    for label in _runs(rows):
        e0, end = _ends(rows, run=label)
        cv, m_sq = seed_contrast(e0, end, "cv"), seed_contrast(e0, end, "m_sq")
        table.append({"run": label, "epochs": end[0]["epoch"],
                      **{f"{c}_{when}": seed_statistic(r, c) for c in ("cv", "ad_avg", "ad_pass_pct", "m_sq", "d_neg_cos_sq")
                         for when, r in (("init", e0), ("trained", end))},
                      "cv_change": cv, "m_sq_change": m_sq, "cv_rises": directed(cv, +1), "m_sq_falls": directed(m_sq, -1),
                      "gaussian_trained": _paper_rule(_mean_row(end)),
                      "gaussian_trained_seeds": sum(_paper_rule(r) for r in end)})
    ctx.save_table("fmnist_ablation", [{"run": t["run"], **{k: v["mean"] for k, v in t.items() if isinstance(v, dict) and "mean" in v},
                                        **{f"{k}_t": v["t"] for k, v in t.items() if isinstance(v, dict) and "t" in v}}
                                       for t in table])
    ctx.save_table("fmnist_backbone", backbone)
    falls, rises = [t["m_sq_falls"] for t in table], [t["cv_rises"] for t in table]
    backbone_end = _final(backbone)
    return _verdict(
        rows + backbone,
        {
            "no run's coordinates are Gaussian by the paper's rule after training (seed means)":
                not any(t["gaussian_trained"] for t in table),
            "the baseline's backbone (before the head) is not Gaussian by the paper's rule either (seed means)":
                not _paper_rule(_mean_row(backbone_end)),
            "‖m‖² falls in training in every run (towards uniformity; Welch contrasts over seeds)":
                every(falls),
            "the CV of the norms rises in training in every run (the shell thickens; Welch contrasts over seeds)":
                every(rises),
        },
        measured={t["run"]: {"ad_avg": round(t["ad_avg_trained"]["mean"], 3), "cv": round(t["cv_trained"]["mean"], 3),
                             "m_sq": round(t["m_sq_trained"]["mean"], 3),
                             "d_E_cos2": round(t["d_neg_cos_sq_trained"]["mean"], 2)} for t in table},
        expected="Table 1, CIFAR ResNet-18 contrastive: CV 0.09, mean A² 0.43 (uniform sphere: ‖m‖² = 0, d·E[(u·u')²] = 1)",
        rule=f"each run's last epoch against its epoch 0 over seeds; CV and ‖m‖² changes as Welch contrasts; the paper's "
             f"rule (mean A² < {AD_THRESHOLD:g}, mean DP p > {DP_LEVEL:g}) on the seed means; {SEED_RULE}",
        details={"setting_difference": "a small CNN trained on CPU-sized Fashion-MNIST subsamples (offline data) for a few epochs, not Table 1's ResNet-18 on CIFAR-10 at paper scale; the statistics and rules are the paper's", "table": table, "backbone": [{k: r[k] for k in ("seed", "epoch", "cv", "ad_avg", "ad_pass_pct", "m_sq",
                                                                 "d_neg_cos_sq")} for r in backbone],
                 "isotropy_range": [min(t["d_neg_cos_sq_trained"]["mean"] for t in table),
                                    max(t["d_neg_cos_sq_trained"]["mean"] for t in table)],
                 "note": "N = 1024 also takes 4x fewer steps per epoch on the training subsample; ‖m‖² and d·E[(u·u')²] "
                         "are of the view law and of the anchors respectively (simulations.training.embedding_diagnostics)"},
    )
