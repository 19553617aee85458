r"""The rules of the check: one declared :class:`Rule` per assumption of the paper (:data:`RULES`), each
with its statistic, its null and its verdict rule, evaluated on the :class:`Evidence` the passes over the
rows gather. Adding a statistic to ``check`` is one function here, its entry in :data:`RULES` and its test.

The verdict rules (each is also stated in the report beside its verdict; ``level`` is the test level):

* :func:`thin_shell` (Assumption 2): :math:`\mathrm{CV}(\|z\|)` against the isotropic Gaussian's
  :math:`\mathrm{CV}_\chi(d)\approx1/\sqrt{2d}`: holds if the 95% interval of the ratio lies below
  :data:`THIN_SHELL_MAX_RATIO` (3: the paper's contrastive encoders sit at 1.3–2.5×, its supervised
  ones at ≥ 3.8×), fails if it lies above, cannot tell otherwise.
* :func:`coordinates` (the paper's protocol, Tables 1–2): the observed pass fractions of
  :math:`A^2<0.752` and :math:`p_{DP}>0.05` against the band a pass fraction over d coordinates
  falls in with probability 1 − level under the null *with the data's own correlation matrix* R̂
  (:mod:`infonce_gauss.simulations.dependence`: the beta-binomial over d with the null pass rate and the
  design effect :math:`D=\frac1d\sum_{jk}\rho(\hat R_{jk})`, d/D effective coordinates): fails if either
  fraction is below its band, holds otherwise. The null is Gaussian for unnormalized embeddings (every
  coordinate N(0, 1), jointly N(0, R̂)) and for whitened ones (R̂ = I by construction); for normalized
  embeddings every coordinate follows the exact uniform-sphere coordinate law of the same (n, d) (the paper's
  claim about normalized coordinates, unchanged) and the dependence between coordinates is that of the
  normalized coordinates' own correlation matrix, through the same map. That is the right null for the
  question the variant asks, "is each normalized coordinate distributed as a coordinate of uniform
  directions?", with the dependence as a nuisance; the angular central Gaussian (the directions of
  N(0, R̂)) would instead ask again whether z is Gaussian. Directions uniform on the sphere are
  uncorrelated, so on them the band is the independent one. The band of d independent coordinates (the
  paper's protocol, Sec. 5) stays in the details (``independent_bands``) and the report. The headline
  verdict is the unnormalized one (Table 1); each variant's is in ``parts``.
* :func:`projections` (Cramér–Wold): Bonferroni over the Anderson–Darling p-values of K random
  orthonormal directions and the sliced Epps–Pulley family of
  :func:`~infonce_gauss.simulations.sliced.sliced_epps_pulley` (Bonferroni over the two families).
* :func:`joint` (k-dimensional projections): Bonferroni over Mardia skewness, Mardia kurtosis,
  Henze–Zirkler and the energy test.
* :func:`uniformity` (first two moments of u): :math:`\|m\|^2` (Rayleigh) and
  :math:`d\,E(u\cdot v')^2-1` (Bingham; 0 iff isotropic): holds if both 95% intervals lie below
  their tolerances :math:`1/\sqrt d` and 1 (participation ratio above d/2), fails if either lies
  above, cannot tell otherwise.
* :func:`isotropy` (no dimensional collapse): participation ratio of the covariance of z at least
  d/2 (needs n ≥ 2d); the effective rank (Roy & Vetterli) of the covariance's eigenvalues beside it.
* :func:`alignment` (Prop 1): with η₂ given, fails if the 1 − level interval of
  :math:`E[u\cdot v]-\eta_2-(1-\eta_2)\|m\|^2` lies above 0.
* :func:`plateau` (Assumption 1), from a training trace:
  :func:`infonce_gauss.simulations.traces.detect_plateau`'s rule; with η₂, the plateau must also
  not lie significantly above η₂ (4 standard errors).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats

from infonce_gauss.encoder_check.calibration import phi_null
from infonce_gauss.encoder_check.result import Assumption, CheckConfig, Effect
from infonce_gauss.simulations import geometry, univariate
from infonce_gauss.simulations.estimates import mean_estimate, mean_norm_sq_from_sums
from infonce_gauss.simulations.geometry import spectrum_summary
from infonce_gauss.simulations.moments import Moments
from infonce_gauss.simulations.multivariate import energy_test, henze_zirkler, mardia_tests
from infonce_gauss.simulations.dependence import (SUMMARIES, power_sums, share_lower_tail, summary_band,
                                                  weighted_design_effects)
from infonce_gauss.simulations.null_rates import pass_rate_band
from infonce_gauss.simulations.projections import projection_tests
from infonce_gauss.simulations.sampling import derive_seed
from infonce_gauss.simulations.uniformity import bingham_from_scatter, phi_gap, rayleigh_from_mean
from infonce_gauss.simulations.univariate import AD_THRESHOLD, DP_LEVEL, CoordinateTests, paper_rule
from infonce_gauss.simulations.verdicts import (ISOTROPY_MIN_FRACTION, THIN_SHELL_MAX_RATIO, Z95, bound_verdict,
                                                interval_verdict, mean_tolerance)

__all__ = ["THIN_SHELL_MAX_RATIO", "ISOTROPY_MIN_FRACTION", "Evidence", "Rule", "RULES", "ASSUMPTIONS", "evaluate_ready",
           "spectrum", "norm_histogram", "spectrum_rows", "pass_rate_rows", "labels", "qq_rows"]


@dataclass
class Evidence:
    """What the passes over the rows have gathered so far; a field is None until its pass has run.

    ``trace`` and ``positives`` are the optional inputs (a rule that needs one is not evaluated without it);
    the rest are computed by :func:`~infonce_gauss.encoder_check.check.check` in this order: ``norms``,
    ``moments`` (:class:`~infonce_gauss.simulations.moments.Moments`) and ``sample_u`` (unit rows of the
    subsample), ``spectrum``, ``nulls`` (null pass rates by law) and ``outcome_map`` (the correlation of two
    coordinates' test outcomes as a function of theirs, :func:`~infonce_gauss.encoder_check.calibration.outcome_map`),
    ``variants`` (per-coordinate tests by
    variant), then ``projections`` (n × K), ``sliced`` (the sliced Epps–Pulley test) and ``joint_rows``.
    """

    config: CheckConfig
    d: int | None = None
    trace: tuple | None = None
    positives: bool = False
    norms: np.ndarray | None = None
    moments: Moments | None = None
    sample_u: np.ndarray | None = None
    spectrum: dict | None = None
    nulls: dict | None = None
    outcome_map: object | None = None
    variants: dict | None = None
    projections: np.ndarray | None = None
    sliced: object | None = None
    joint_rows: np.ndarray | None = None


@dataclass(frozen=True)
class Rule:
    """One assumption of the paper as a check: what is measured, against which law, and how it is decided.

    ``evaluate(rule, evidence)`` returns the :class:`~infonce_gauss.encoder_check.result.Assumption`; it runs
    once every :class:`Evidence` field named in ``inputs`` is there, and not at all (the outcome is None)
    when ``given`` names an optional input the user did not give (``"positives"``, ``"trace"``).
    """

    key: str
    title: str
    reference: str
    statistic: str
    null: str
    evaluate: Callable[[Rule, Evidence], Assumption]
    inputs: tuple[str, ...] = ()
    given: str | None = None

    def applies(self, ev: Evidence) -> bool:
        """Whether the optional input this rule needs was given."""
        return self.given is None or bool(getattr(ev, self.given))

    def ready(self, ev: Evidence) -> bool:
        """Whether every input of the rule has been gathered."""
        return all(getattr(ev, name) is not None for name in self.inputs)

    def assumption(self, **fields) -> Assumption:
        """The :class:`~infonce_gauss.encoder_check.result.Assumption` of this rule, built by keyword (``key``,
        ``title`` and ``reference`` default to the rule's)."""
        return Assumption(**{"key": self.key, "title": self.title, "reference": self.reference, **fields})


def _interval(name: str, value: float, se: float) -> Effect:
    return Effect(name, float(value), float(value - Z95 * se), float(value + Z95 * se))


def thin_shell(rule: Rule, ev: Evidence) -> Assumption:
    """Assumption 2 from the norms."""
    sec = geometry.thin_shell(ev.norms, ev.d)
    return rule.assumption(
        verdict=interval_verdict(sec["ratio"], sec["ratio_se"], THIN_SHELL_MAX_RATIO),
        effects=(_interval("CV / CV_chi(d)", sec["ratio"], sec["ratio_se"]), _interval("CV of norms", sec["cv"], sec["cv_se"])),
        rule=f"holds if the 95% interval of CV/CV_chi(d) lies below {THIN_SHELL_MAX_RATIO:g}, fails if above",
        figure=f"CV of norms {sec['cv']:.4f} ± {sec['cv_se']:.4f} = {sec['ratio']:.2f}× the Gaussian's {sec['cv_chi']:.4f}; "
               f"implied coordinate excess kurtosis {sec['implied_excess_kurtosis']:+.3f}",
        details=sec)


def norm_histogram(norms: np.ndarray, d: int, mean_norm: float) -> list[dict]:
    """The histogram table of the norms beside the χ density of N(0, s²I) with the same E r²."""
    lo, hi = float(norms.min()), float(norms.max())
    if hi - lo < 1e-3 * mean_norm:  # (nearly) normalized input: widen the range so bins have width
        lo, hi = mean_norm * (1 - 5e-3), mean_norm * (1 + 5e-3)
    counts, edges = np.histogram(norms, bins=60, range=(lo, hi))
    density = counts / (counts.sum() * np.diff(edges))
    scale = math.sqrt(np.mean(norms * norms) / d)  # N(0, s²I) with the same E r²
    centers = (edges[:-1] + edges[1:]) / 2
    return [{"left": float(a), "right": float(b), "density": float(p), "chi_density": float(stats.chi.pdf(c / scale, d) / scale),
             "mean_norm": mean_norm} for a, b, p, c in zip(edges[:-1], edges[1:], density, centers)]


def _coordinate_variant(rule: Rule, name: str, tests: CoordinateTests | str, ev: Evidence, level: float) -> Assumption:
    key, title = f"coordinates.{name}", f"{rule.title} ({name})"
    if isinstance(tests, str):
        return rule.assumption(key=key, title=title, verdict="cannot tell", figure=tests, details={"skipped": tests})
    reference = "sphere" if name == "normalized" else "gaussian"
    nulls = ev.nulls
    cols = univariate.paper_columns(tests)
    d = tests.ad.size
    observed = {"ad": cols.ad_pass_count, "dp": cols.dp_pass_count}
    values = {"ad_pass": cols.ad_pass_count / d, "dp_pass": cols.dp_pass_count / d, "ad_mean": cols.ad_avg,
              "dp_mean": cols.dp_avg}
    independent = {law: {t: pass_rate_band(getattr(r, f"{t}_pass"), d, confidence_level=1 - level) for t in ("ad", "dp")}
                   for law, r in nulls.items()}
    dep = dependence(_correlation(ev.moments, name, d), ev.outcome_map)
    rates = nulls[reference]
    bands = {s: summary_band(s, d=d, design_effect=dep["design_effects"][s], mean=getattr(rates, s).value,
                             sd=getattr(rates, s).se * math.sqrt(rates.replicates), mean_se=getattr(rates, s).se,
                             confidence_level=1 - level) for s in SUMMARIES}
    below = [t.upper() for t in ("ad", "dp") if values[f"{t}_pass"] < bands[f"{t}_pass"].low]
    above = [t.upper() for t in ("ad", "dp") if values[f"{t}_pass"] > bands[f"{t}_pass"].high]
    # p-value of "pass fraction this low": beta-binomial lower tail at the null rate moved 2 SE down (as the band is)
    lower = {t: share_lower_tail(observed[t], d=d, design_effect=dep["design_effects"][f"{t}_pass"],
                                 rate=max(getattr(rates, f"{t}_pass").value - 2 * getattr(rates, f"{t}_pass").se, 0.0))
             for t in ("ad", "dp")}
    paper = independent[reference]
    details = {"paper_columns": cols.to_dict(), "reference_law": reference,
               "calibrated_bands": {s: b.to_dict() for s, b in bands.items()}, "dependence": dep,
               "independent_bands": independent,
               "below_independent_band": [t.upper() for t in ("ad", "dp") if observed[t] / d < paper[t][0]],
               "all_pass_probability": {law: {"ad": r.ad_pass.value ** d, "dp": r.dp_pass.value ** d} for law, r in nulls.items()},
               "below_band": below, "above_band": above, "lower_tail_pvalues": lower,
               "paper_rule_gaussian": paper_rule(cols.ad_avg, cols.dp_avg),
               "mean_skewness": float(tests.skewness.mean()), "mean_excess_kurtosis": float(tests.excess_kurtosis.mean()),
               "ad": tests.ad, "dp_pvalue": tests.dp_pvalue, "excess_kurtosis": tests.excess_kurtosis}
    ad, dp = bands["ad_pass"], bands["dp_pass"]
    figure = (f"AD avg {cols.ad_avg:.3f}, {cols.ad_pass_pct:.1f}% pass; DP avg p {cols.dp_avg:.3f}, {cols.dp_pass_pct:.1f}% pass "
              f"({reference} null band under the measured dependence AD {100 * ad.low:.1f}–{100 * ad.high:.1f}%, "
              f"DP {100 * dp.low:.1f}–{100 * dp.high:.1f}%, {dp.effective:.1f} effective of {d} coordinates; "
              f"of {d} independent coordinates, the paper's protocol: AD {100 * paper['ad'][0]:.1f}–{100 * paper['ad'][1]:.1f}%, "
              f"DP {100 * paper['dp'][0]:.1f}–{100 * paper['dp'][1]:.1f}%)")
    if above:
        figure += f"; {'/'.join(above)} above the band (more passes than {reference} coordinates give)"
    effects = tuple(Effect(label, values[s], bands[s].low, bands[s].high) for s, label in
                    (("ad_pass", "AD pass fraction"), ("dp_pass", "DP pass fraction"), ("ad_mean", "mean A²"),
                     ("dp_mean", "mean DP p")))
    return rule.assumption(
        key=key, title=title, verdict="fails" if below else "holds", effects=effects, pvalue=min(1.0, 2 * min(lower.values())),
        rule=f"fails if a pass fraction lies below the {100 * (1 - level):g}% band of d {reference} coordinates with the "
             "data's correlation matrix (beta-binomial with its design effect; the interval shown); the band of d "
             "independent coordinates (the paper's protocol) is shown beside it",
        figure=figure, details=details)


def _correlation(m: Moments, variant: str, d: int) -> np.ndarray:
    r"""The correlation matrix of the coordinates a variant tests: of z (unnormalized), of :math:`u=z/\|z\|`
    (normalized), the identity for whitened coordinates (uncorrelated by construction). A coordinate whose variance
    the streamed sums lost to cancellation (an offset far above its spread) is taken as uncorrelated with the rest."""
    if variant == "whitened":
        return np.eye(d)
    if variant == "unnormalized":
        cov = m.covariance()
    else:
        mean_u = m.sum_u / m.n
        cov = m.gram_u / m.n - np.outer(mean_u, mean_u)
    var = np.diag(cov).copy()
    lost = ~(var > 0) | ~np.isfinite(var)  # a variance lost to cancellation (a huge offset): taken as uncorrelated
    var[lost] = 1.0
    scale = 1 / np.sqrt(var)
    r = np.clip(np.nan_to_num(cov * scale[:, None] * scale[None, :]), -1.0, 1.0)
    r[lost, :] = r[:, lost] = 0.0
    np.fill_diagonal(r, 1.0)
    return r


def dependence(correlation: np.ndarray, outcome_map) -> dict:
    """The participation ratio of a correlation matrix (d/P₂, P₂ its second power sum), each summary's design effect
    and the effective number of coordinates d/D (:func:`~infonce_gauss.simulations.dependence.power_sums`,
    :func:`~infonce_gauss.simulations.dependence.weighted_design_effects`)."""
    sums = power_sums(correlation)
    deff = weighted_design_effects(sums, outcome_map)
    d = correlation.shape[0]
    return {"participation_ratio": d / sums[2], "design_effects": deff,
            "effective_coordinates": {s: d / v for s, v in deff.items()}}


def coordinates(rule: Rule, ev: Evidence) -> Assumption:
    """Sec. 5's per-coordinate protocol on each variant (unnormalized, normalized, whitened), judged against the
    band under the measured dependence; the headline verdict is the unnormalized one, each variant's is in
    ``parts``."""
    level = ev.config.level
    parts = {name: _coordinate_variant(rule, name, tests, ev, level) for name, tests in ev.variants.items()}
    head = parts["unnormalized"]
    return rule.assumption(verdict=head.verdict, effects=head.effects, pvalue=head.pvalue,
                           rule=head.rule + "; headline: unnormalized coordinates", figure=head.figure,
                           details={"distinguishable": _distinguishable(ev.nulls, head.details["ad"].size, level)}, parts=parts)


def _distinguishable(nulls: dict, d: int, level: float) -> dict:
    """Whether the Gaussian and the sphere-law pass-rate bands are disjoint at this (n, d), for each test."""
    out = {}
    for test in ("ad", "dp"):
        ga = pass_rate_band(getattr(nulls["gaussian"], f"{test}_pass"), d, confidence_level=1 - level)
        sp = pass_rate_band(getattr(nulls["sphere"], f"{test}_pass"), d, confidence_level=1 - level)
        out[test] = bool(ga[0] > sp[1] or sp[0] > ga[1])
    return out


def qq_rows(series: str, column: np.ndarray, d: int, points: int = 120) -> list[dict]:
    """Standardized sample quantiles against N(0,1) quantiles, with the sphere-coordinate law's quantiles."""
    col = np.sort(np.asarray(column, dtype=np.float64))
    col = (col - col.mean()) / col.std(ddof=1)
    n = col.size
    idx = np.unique(np.linspace(0, n - 1, min(points, n)).round().astype(int))
    prob = (idx + 0.5) / n
    normal = stats.norm.ppf(prob)
    sphere = np.sign(prob - 0.5) * np.sqrt(d * stats.beta.ppf(np.abs(2 * prob - 1), 0.5, (d - 1) / 2))
    return [{"series": series, "normal": float(a), "sample": float(b), "sphere": float(c)}
            for a, b, c in zip(normal, col[idx], sphere)]


def projections(rule: Rule, ev: Evidence) -> Assumption:
    """Cor 1 one direction at a time: Anderson–Darling on the K projections (n × K) and the sliced
    Epps–Pulley family (a :class:`~infonce_gauss.simulations.sliced.SlicedTest`)."""
    proj, sliced, level = ev.projections, ev.sliced, ev.config.level
    one = projection_tests(proj, level=level, workers=ev.config.workers)
    p = min(1.0, 2 * min(one.family_pvalue, sliced.pvalue))
    details = {"anderson_darling": {"directions": proj.shape[1], "ad": one.ad, "pvalue": one.pvalue, "effect": one.effect,
                                    "family_pvalue": one.family_pvalue, "rule": "Bonferroni: K·min p"},
               "epps_pulley": sliced.to_dict()}
    figure = (f"{proj.shape[1]} directions: AD Bonferroni p = {one.family_pvalue:.3g}, median A²/n = {np.median(one.effect):.2e}, "
              f"max {one.effect.max():.2e}; {sliced.directions} directions: sliced Epps–Pulley p = {sliced.pvalue:.3g}, "
              f"max T/n = {sliced.effect:.2e}")
    return rule.assumption(
        verdict="fails" if p <= level else "holds",
        effects=(Effect("max A²/n over directions", float(one.effect.max())), Effect("max Epps–Pulley T/n", sliced.effect)),
        pvalue=p, rule=f"fails if 2·min(p_AD, p_EP) <= {level:g}: p_AD = K·min p (Anderson–Darling, D'Agostino–Stephens), "
                       f"p_EP = {sliced.rule}",
        figure=figure, details=details)


def joint(rule: Rule, ev: Evidence) -> Assumption:
    """Cor 1 on a k-dimensional projection (the first k of the projections, n × k): Mardia skewness and
    kurtosis on all rows, Henze–Zirkler on the subsample, the energy test on at most 500 of its rows;
    Bonferroni over the four."""
    low = ev.projections[:, :min(ev.config.k, ev.projections.shape[1])].astype(np.float64)
    sample_rows, level, seed = ev.joint_rows, ev.config.level, ev.config.seed
    n, k = low.shape
    title = f"{k}-dim {rule.title}"
    if n <= 4 * k:
        reason = f"needs more than {4 * k} rows for a {k}-dimensional test, got {n}"
        return rule.assumption(title=title, verdict="cannot tell", figure=reason, details={"skipped": reason})
    tests = [*mardia_tests(low), henze_zirkler(low[sample_rows])]
    energy_rows = sample_rows[: min(sample_rows.size, 500)]
    tests.append(energy_test(low[energy_rows], replicates=99, seed=derive_seed(seed, 3)))
    family = min(1.0, len(tests) * min(t.pvalue for t in tests))
    return rule.assumption(
        title=title, verdict="fails" if family <= level else "holds",
        effects=tuple(Effect(f"{t.name} effect", t.effect) for t in tests), pvalue=family,
        rule=f"fails if 4·min p <= {level:g} (Mardia skewness and kurtosis on all rows; HZ on {sample_rows.size} rows; "
             f"energy on {energy_rows.size})",
        figure="; ".join(f"{t.name} p = {t.pvalue:.2g} (effect {t.effect:.3g})" for t in tests),
        details={"k": k, "tests": [t.to_dict() for t in tests], "family_pvalue": family, "rule": "Bonferroni over the four tests"})


def spectrum(m: Moments, d: int) -> dict:
    """The spectra of the covariance of z and of the second moment of u (eigenvalues in decreasing order,
    ``eigenvalues_second_moment_u`` kept for :func:`spectrum_rows` only), their summaries, and the
    Marchenko–Pastur edges of an isotropic Gaussian sample of the same (n, d)."""
    n = m.n
    eig_z = np.linalg.eigvalsh(m.covariance())[::-1]
    eig_u = np.linalg.eigvalsh(m.gram_u / n)[::-1]
    return {"covariance": spectrum_summary(eig_z), "second_moment_u": spectrum_summary(eig_u),
            "eigenvalues_covariance": eig_z, "marchenko_pastur_edges": [(1 - math.sqrt(d / n)) ** 2, (1 + math.sqrt(d / n)) ** 2],
            "eigenvalues_second_moment_u": eig_u}


def spectrum_rows(spec: dict, d: int) -> list[dict]:
    """The spectrum table: eigenvalues of both matrices by rank, scaled to mean 1."""
    eig_z, eig_u = spec["eigenvalues_covariance"], spec["eigenvalues_second_moment_u"]
    return ([{"source": "covariance of z", "rank": i + 1, "eigenvalue": float(v * d / eig_z.sum())} for i, v in enumerate(eig_z)]
            + [{"source": "second moment of u", "rank": i + 1, "eigenvalue": float(v * d / eig_u.sum())} for i, v in enumerate(eig_u)])


def isotropy(rule: Rule, ev: Evidence) -> Assumption:
    """No dimensional collapse, from the spectrum of the covariance of z."""
    n, d = ev.moments.n, ev.d
    c = ev.spectrum["covariance"]
    pr, erank = c["participation_ratio"], c["effective_rank"]
    return rule.assumption(
        verdict="cannot tell" if n < 2 * d else "holds" if pr >= ISOTROPY_MIN_FRACTION * d else "fails",
        effects=(Effect("participation ratio / d", pr / d), Effect("effective rank (covariance eigenvalues) / d", erank / d)),
        rule=f"holds if the participation ratio is at least {ISOTROPY_MIN_FRACTION:g}·d (needs n >= 2d)",
        figure=f"participation ratio {pr:.1f} of d = {d}, effective rank {erank:.1f}, "
               f"top eigenvalue {100 * c['top_share']:.1f}% of the variance",
        details=dict(c))


def uniformity(rule: Rule, ev: Evidence) -> Assumption:
    """The first two moments of the directions against σ, and the Φ gap at inverse temperature 1/τ."""
    m, sample_u, d, tau, seed = ev.moments, ev.sample_u, ev.d, ev.config.tau, ev.config.seed
    n = m.n
    mean_u = m.sum_u / n
    scatter = m.gram_u / n
    ray, bing = rayleigh_from_mean(mean_u, n), bingham_from_scatter(scatter, n)
    cov_u = scatter - np.outer(mean_u, mean_u)
    m_sq = m.mean_norm_sq()
    m2, m2_se = m_sq.value, m_sq.se
    tr2 = (n * float(np.sum(scatter * scatter)) - 1) / (n - 1)  # unbiased tr M² = E (u·v')²
    q = np.einsum("ij,jk,ik->i", sample_u, scatter, sample_u)
    tr2_se = 2 * float(q.std(ddof=1)) / math.sqrt(n)
    iso, iso_se = d * tr2 - 1, d * tr2_se
    mean_tol, iso_tol = mean_tolerance(d), 1 / ISOTROPY_MIN_FRACTION - 1
    verdicts = [interval_verdict(m2, m2_se, mean_tol), interval_verdict(iso, iso_se, iso_tol)]
    verdict = "fails" if "fails" in verdicts else "holds" if verdicts == ["holds", "holds"] else "cannot tell"
    m_phi, phi_seed = sample_u.shape[0], derive_seed(seed, 2)
    phi = phi_gap(sample_u, alpha=1 / tau, seed=phi_seed,
                    null=phi_null(m_phi, d, alpha=1 / tau, replicates=10, seed=phi_seed))
    std_u = np.sqrt(np.clip(np.diag(cov_u), 0, None)) * math.sqrt(d)
    details = {"rayleigh": asdict(ray), "bingham": asdict(bing), "mean_norm_sq": m2, "mean_norm_sq_se": m2_se,
               "mean_norm_sq_tolerance": mean_tol, "neg_cos_second_moment_times_d": d * tr2, "isotropy_effect": iso,
               "isotropy_effect_se": iso_se, "isotropy_tolerance": iso_tol,
               "neg_cos_variance_times_d": d * (tr2 - m2 * m2), "participation_ratio_u": 1 / tr2 if tr2 > 0 else math.inf,
               "phi": phi, "sqrt_d_std_u": {"min": float(std_u.min()), "median": float(np.median(std_u)), "max": float(std_u.max())}}
    return rule.assumption(
        verdict=verdict, effects=(_interval("||m||²", m2, m2_se), _interval("d·E(u·v')² − 1", iso, iso_se)),
        pvalue=min(1.0, 2 * min(ray.pvalue, bing.pvalue)),
        rule="holds if both 95% intervals lie below their tolerances (1/√d; participation ratio > d/2), fails if either "
             "lies above (the p-value, Bonferroni over Rayleigh and Bingham, tests exact uniformity and is not the rule)",
        figure=f"||m||² = {m2:.4f} ± {m2_se:.4f} (tol {mean_tol:.4f}, Rayleigh p = {ray.pvalue:.2g}); "
               f"d·E(u·v')² − 1 = {iso:.3f} ± {iso_se:.3f} (tol {iso_tol:g}, Bingham p = {bing.pvalue:.2g}); "
               f"Φ gap {phi['gap']:.3g} nats (uniform sample of the same size: {phi['null_gap_mean']:.3g} ± {phi['null_gap_sd']:.2g})",
        details=details)


def alignment(rule: Rule, ev: Evidence) -> Assumption:
    r"""Prop 1 on the positive pairs: :math:`E[u\cdot v]\le\eta_2+(1-\eta_2)\|m\|^2`, with :math:`\|m\|^2` of the
    view law, unbiased from the pair means :math:`w_i=(u_i+v_i)/2`
    (:func:`~infonce_gauss.simulations.estimates.mean_norm_sq_from_sums`), and the slack's standard error
    including the covariance :math:`\tfrac2n\mathrm{Cov}(u_i\cdot v_i,\,m\cdot w_i)` of the two estimates."""
    m, eta2, level = ev.moments, ev.config.eta2, ev.config.level
    cos = m.cosines
    n = m.n
    align = mean_estimate(cos)
    half = (1 + cos) / 2  # ||w_i||²
    sum_w = (m.sum_u + m.sum_v) / 2
    m_sq = mean_norm_sq_from_sums(sum_w, m.gram_w, n, sum_sq=half.sum(), sum_sq2=half @ half)
    m2 = m_sq.value
    mean_w = sum_w / n
    cov = 2.0 / n * (float(mean_w @ m.sum_cos_w) / n - align.value * float(mean_w @ mean_w)) * n / (n - 1)
    implied = (align.value - m2) / (1 - m2) if m2 < 1 else math.nan
    details = {"alignment": align.value, "alignment_se": align.se, "n_pairs": align.n, "mean_norm_sq_views": m2,
               "mean_norm_sq_views_se": m_sq.se,
               "quantiles": dict(zip(("q05", "q25", "q50", "q75", "q95"), np.quantile(cos, [0.05, 0.25, 0.5, 0.75, 0.95]).tolist())),
               "fraction_above_0.9": float(np.mean(cos > 0.9)), "eta2_lower_bound_from_prop1": implied,
               "alignment_minus_mean_norm_sq": align.value - m2}
    figure = (f"E[u·v] = {align.value:.4f} ± {align.se:.4f}, ||m||² = {m2:.4f} ± {m_sq.se:.4f}: "
              f"Prop 1 needs η₂ >= {implied:.3f}")
    gap_se = math.sqrt(max(m_sq.se**2 + align.se**2 - 2 * cov, 0.0))
    if eta2 is None:
        return rule.assumption(verdict="cannot tell", effects=(_interval("E[u·v] − ||m||²", align.value - m2, gap_se),),
                               rule="needs η₂ of the augmentation", figure=figure + " (give eta2 / --eta2 to test the bound)",
                               details=details)
    keep = 1 - eta2
    bound = eta2 + keep * m2
    slack = bound - align.value
    slack_se = math.sqrt(max(keep * keep * m_sq.se**2 + align.se**2 - 2 * keep * cov, 0.0))
    details.update(eta2=eta2, bound=bound, bound_se=keep * m_sq.se, slack=slack, slack_se=slack_se)
    p = float(stats.norm.cdf(slack / slack_se)) if slack_se > 0 else float(slack < 0)
    verdict = bound_verdict(slack, slack_se, level)
    return rule.assumption(
        verdict=verdict, effects=(_interval("slack η₂ + (1−η₂)||m||² − E[u·v]", slack, slack_se),), pvalue=p,
        rule=f"fails if the {100 * (1 - level):g}% interval of E[u·v] − bound lies above 0 (||m||² of the views, "
             "unbiased); p is one-sided",
        figure=figure + f"; bound η₂ + (1−η₂)||m||² = {bound:.4f}, slack {slack:.4f} ± {slack_se:.4f}", details=details)


def plateau(rule: Rule, ev: Evidence) -> Assumption:
    """Assumption 1 from a training trace (epochs, alignment)."""
    from infonce_gauss.simulations.traces import detect_plateau

    (epochs, values), eta2 = ev.trace, ev.config.eta2
    p = detect_plateau(values, epochs=epochs, eta2=eta2)
    details = {"epochs": len(values), **asdict(p)}
    figure = (f"{len(values)} evaluations: plateau from epoch {p.start_epoch:g} at {p.value:.4f} ± {p.se:.4f} "
              f"(band ± {p.tolerance:.4f}, drift {p.drift:+.4f})")
    if not p.reached:
        verdict = "fails"
    elif p.feasible_at_uniform is False:
        verdict, figure = "fails", figure + f", above η₂ = {eta2:g}"
    else:
        verdict = "holds"
        figure += "" if eta2 is None else f", r_plat = {p.r_plat:+.4f} vs η₂ = {eta2:g}"
    return rule.assumption(
        verdict=verdict, effects=(_interval("plateau value", p.value, p.se),),
        rule="reached if the trace stays within the band around its tail mean for at least the last quarter "
             "and drifts less than the band; with η₂, the plateau is not 4 SE above η₂",
        figure=figure, details=details)


def labels(m: Moments, names: np.ndarray) -> dict:
    """Share of the directions' variance explained by the class means."""
    n = m.n
    mean_u = m.sum_u / n
    total = n - n * float(mean_u @ mean_u)  # sum_i ||u_i - ū||² = n - n||ū||²
    between = sum(count * float(((s / count) - mean_u) @ ((s / count) - mean_u)) for s, count in m.class_sums.values())
    norms = {str(names[c]): float(np.linalg.norm(s / count)) for c, (s, count) in m.class_sums.items()}
    return {"classes": len(m.class_sums), "between_class_share": between / total if total > 0 else math.nan,
            "class_mean_lengths": norms,
            "note": "share of the directions' variance explained by class means; near 1 means class-collapsed "
                    "clusters (a mixture, reviewer 4's concern), near 0 means classes overlap on the sphere"}


def pass_rate_rows(coordinates: Assumption) -> list[dict]:
    """The pass-rate table: each variant's observed AD and DP pass fractions beside the band under the measured
    dependence (``calibrated_low``/``_high``, its reference law's; it decides) and both independent-coordinate bands."""
    return [{"variant": name, "test": test.upper(), "observed": part.details["paper_columns"][f"{test}_pass_pct"] / 100,
             "calibrated_low": part.details["calibrated_bands"][f"{test}_pass"]["low"],
             "calibrated_high": part.details["calibrated_bands"][f"{test}_pass"]["high"],
             **{f"{law}_{edge}": part.details["independent_bands"][law][test][i]
                for law in ("gaussian", "sphere") for i, edge in enumerate(("low", "high"))}}
            for name, part in coordinates.parts.items() if "paper_columns" in part.details for test in ("ad", "dp")]


RULES: tuple[Rule, ...] = (
    Rule("thin_shell", "Thin shell (Assumption 2)", "Assumption 2, Eq. 9; Eq. 20",
         statistic="CV of the norms over the isotropic Gaussian's CV_chi(d)",
         null=f"an interval below {THIN_SHELL_MAX_RATIO:g}× the Gaussian's CV", evaluate=thin_shell, inputs=("norms",)),
    Rule("coordinates", "Coordinates Gaussian, paper's protocol",
         f"Sec. 5, Tables 1–2 (AD < {AD_THRESHOLD:g}, DP p > {DP_LEVEL:g})",
         statistic="pass fractions of the per-coordinate Anderson–Darling and D'Agostino–Pearson tests",
         null="the pass-fraction band of d Gaussian (sphere-law, for normalized) coordinates with the data's correlation "
              "matrix (the band of d independent ones, the paper's protocol, beside it)",
         evaluate=coordinates, inputs=("variants", "nulls", "outcome_map", "moments")),
    Rule("projections", "Random 1-D projections Gaussian (Cramér–Wold)", "Cor 1, Eq. 8; Prop 2, Eq. 10",
         statistic="Anderson–Darling on K random directions and the sliced Epps–Pulley statistic",
         null="Gaussian projections, Bonferroni over the two families", evaluate=projections,
         inputs=("projections", "sliced")),
    Rule("joint", "projections jointly Gaussian", "Cor 1, Eq. 8 (k-dim projections)",
         statistic="Mardia skewness and kurtosis, Henze–Zirkler and energy on a k-dimensional projection",
         null="a jointly Gaussian projection, Bonferroni over the four tests", evaluate=joint,
         inputs=("projections", "joint_rows")),
    Rule("isotropy", "No dimensional collapse (isotropic covariance)", "Cor 1 (isotropy of σ); collapse diagnostics",
         statistic="participation ratio and effective rank of the covariance of z",
         null=f"a participation ratio of at least {ISOTROPY_MIN_FRACTION:g}·d", evaluate=isotropy,
         inputs=("moments", "spectrum")),
    Rule("uniformity", "Uniform directions on the sphere (first two moments)", "Lemma 2, Cor 1 (μ = σ)",
         statistic="||m||² (Rayleigh), d·E(u·v')² − 1 (Bingham) and the Φ gap",
         null="the uniform law σ on the sphere, within tolerances 1/√d and 1", evaluate=uniformity,
         inputs=("moments", "sample_u")),
    Rule("alignment", "Alignment within Prop 1's bound", "Prop 1, Eq. 6; Assumption 1",
         statistic="slack η₂ + (1 − η₂)||m||² − E[u·v] of the positive pairs",
         null="a non-negative slack (Prop 1)", evaluate=alignment, inputs=("moments",), given="positives"),
    Rule("plateau", "Alignment plateau (Assumption 1)", "Assumption 1, Eq. 7",
         statistic="the tail of the training trace's alignment",
         null="a trace that stays within its band for the last quarter", evaluate=plateau, inputs=("trace",),
         given="trace"),
)
"""The assumptions ``check`` tests, in the order it reports them."""

ASSUMPTIONS = tuple(rule.key for rule in RULES)


def evaluate_ready(ev: Evidence, outcomes: dict) -> None:
    """Add to ``outcomes`` every rule not yet in it whose inputs ``ev`` now holds, and None for a rule whose
    optional input was not given."""
    for rule in RULES:
        if rule.key not in outcomes and (not rule.applies(ev) or rule.ready(ev)):
            outcomes[rule.key] = rule.evaluate(rule, ev) if rule.applies(ev) else None
