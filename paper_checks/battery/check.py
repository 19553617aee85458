r"""``infonce-gauss check``: the paper's assumptions measured on embeddings a user brings.

:func:`run_check` takes an (n, d) array or an :class:`~infonce_gauss.battery.embeddings.EmbeddingMatrix`
(optionally positive-pair embeddings row by row, and class labels) and returns a
:class:`CheckResult`: one :class:`Finding` per assumption (holds / fails / cannot tell, with the
figure and the rule that decided it) and every number behind them. :func:`write_check_report` writes
``report.md`` with figures, ``check.json`` with every number, the tidy tables behind the figures and
``run.json``; :func:`summary_text` is the terminal summary.

The input is read in row chunks (three passes: validity, moments, column blocks for the
per-coordinate tests), so a memory-mapped file far larger than memory is processed with memory
bounded by ``CheckConfig.memory_mb`` plus O(n) vectors and O(d²) matrices.

Decision rules (each stated in the report beside its verdict):

* **Thin shell** (Assumption 2): :math:`\mathrm{CV}(\|z\|)` against the isotropic Gaussian's
  :math:`\mathrm{CV}_\chi(d)\approx1/\sqrt{2d}`: holds if the 95% interval of the ratio lies below
  :data:`THIN_SHELL_MAX_RATIO` (3: the paper's contrastive encoders sit at 1.3–2.5×, its supervised ones
  at ≥ 3.8×), fails if it lies above, cannot tell otherwise.
* **Per-coordinate Gaussianity** (the paper's protocol, Tables 1–2): the observed pass fractions of
  :math:`A^2<0.752` and :math:`p_{DP}>0.05` against the band a pass fraction over d independent
  coordinates falls in under the null (Gaussian for unnormalized and whitened embeddings, the exact
  uniform-sphere coordinate law of the same (n, d) for normalized ones): fails if either fraction is
  below its band, holds otherwise.
* **Random projections** (Cramér–Wold): Bonferroni on the Anderson–Darling p-values of K random
  orthonormal directions at level α; **k-dimensional projections**: Bonferroni over Mardia skewness,
  Mardia kurtosis, Henze–Zirkler and the energy test at level α.
* **Uniform directions** (first two moments of u): the mean negative cosine :math:`\|m\|^2` (Rayleigh)
  and :math:`d\,E(u\cdot v')^2-1` (Bingham; 0 iff isotropic): holds if both 95% intervals lie below
  their tolerances :math:`1/\sqrt d` (one null standard deviation of a single negative cosine) and 1
  (participation ratio above d/2), fails if either interval lies above, cannot tell otherwise.
* **No dimensional collapse**: participation ratio of the covariance of z at least d/2.
* **Alignment** (Prop 1): with η₂ given, holds if :math:`E[u\cdot v]` is not significantly above
  :math:`\eta_2+(1-\eta_2)\|m\|^2`.
* **Alignment plateau** (Assumption 1), from a training trace: :func:`infonce_gauss.simulations.traces.detect_plateau`'s
  rule (the trace stays in a band around its tail mean for at least the tail, with drift inside the
  band); with η₂ given, the plateau must also not lie significantly above η₂ (4 standard errors).
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from scipy import stats

from infonce_gauss.battery.embeddings import EmbeddingMatrix, as_matrix, bad_rows_text, scan
from infonce_gauss.report import format_value
from infonce_gauss.simulations import gaussianity as g
from infonce_gauss.simulations.estimates import mean_estimate, mean_norm_sq_from_sums
from infonce_gauss.simulations.sampling import derive_seed
from infonce_gauss.simulations.uniformity import bingham_from_scatter, rayleigh_from_mean

__all__ = ["CheckConfig", "Finding", "CheckResult", "run_check", "summary_text", "write_check_report",
           "THIN_SHELL_MAX_RATIO", "ISOTROPY_MIN_FRACTION", "VERDICTS"]

THIN_SHELL_MAX_RATIO = 3.0
ISOTROPY_MIN_FRACTION = 0.5
VERDICTS = ("holds", "fails", "cannot tell")
_Z95 = 1.959963984540054


@dataclass(frozen=True)
class CheckConfig:
    """Options of the battery (the command-line flags of ``infonce-gauss check``)."""

    directions: int = 32          # random directions for the 1-D projection tests
    k: int = 8                    # dimension of the projection for the multivariate tests
    subsample: int = 1000         # rows for Henze–Zirkler, the Φ gap (energy uses at most 500)
    null_replicates: int | None = None  # simulated null columns per law (None: ~2e7 / n, in [200, 2000])
    alpha: float = 0.05
    tau: float = 0.1              # temperature of the Φ potential (alpha = 1/tau)
    eta2: float | None = None     # augmentation mildness for Prop 1's bound, if known
    whiten: bool = False
    drop_nonfinite: bool = False  # drop rows with NaN/inf or zero norm instead of failing
    drop_constant: bool = False   # drop constant columns instead of failing
    seed: int = 0
    memory_mb: int = 1024
    workers: int | None = None

    def __post_init__(self):
        for name in ("directions", "k", "subsample", "memory_mb"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be a positive integer, got {getattr(self, name)}.")
        if not 0 < self.alpha < 1:
            raise ValueError(f"alpha must lie in (0, 1), got {self.alpha}.")
        if not self.tau > 0:
            raise ValueError(f"tau must be positive, got {self.tau}.")
        if self.eta2 is not None and not 0 <= self.eta2 <= 1:
            raise ValueError(f"eta2 (the augmentation mildness η₂) must lie in [0, 1], got {self.eta2}.")


@dataclass(frozen=True)
class Finding:
    """One line of the summary: an assumption, its verdict, the figure, the rule and the paper reference."""

    assumption: str
    verdict: str
    figure: str
    rule: str
    paper_ref: str

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}.")


@dataclass
class CheckResult:
    """Findings, every number (``sections``, JSON-ready) and the tidy tables behind the figures."""

    findings: list[Finding]
    sections: dict
    tables: dict[str, list[dict]] = field(default_factory=dict)

    def as_json(self) -> dict:
        return {"findings": [asdict(f) for f in self.findings], **self.sections}


def _interval_verdict(value: float, se: float, tolerance: float) -> str:
    """holds if the 95% interval lies below ``tolerance``, fails if above, cannot tell if it straddles."""
    lo, hi = value - _Z95 * se, value + _Z95 * se
    return "holds" if hi < tolerance else "fails" if lo > tolerance else "cannot tell"


# ---------------------------------------------------------------- passes over the rows


def _select_rows(x: EmbeddingMatrix, keep: np.ndarray, cols: np.ndarray):
    """Yield (start, float64 chunk of kept rows and columns) over the whole matrix."""
    step = x.chunk_rows()
    all_cols = cols.size == x.shape[1]
    for a in range(0, x.shape[0], step):
        chunk = x.rows(a, a + step)
        mask = keep[a:a + chunk.shape[0]]
        chunk = chunk[mask] if all_cols else chunk[mask][:, cols]
        yield a, np.asarray(chunk, dtype=np.float64)


@dataclass
class _Moments:
    """Sufficient statistics of one pass: sums and scatter of z and u, norms, projections, a subsample."""

    n: int = 0
    sum_z: np.ndarray = None
    gram_z: np.ndarray = None
    sum_u: np.ndarray = None
    gram_u: np.ndarray = None
    norms: list = field(default_factory=list)
    projections: list = field(default_factory=list)
    sample: list = field(default_factory=list)
    cosines: list = field(default_factory=list)
    sum_v: np.ndarray = None
    gram_w: np.ndarray = None     # pair means w = (u + v)/2: sum of w wᵀ and of (u·v) w
    sum_cos_w: np.ndarray = None
    class_sums: dict = field(default_factory=dict)

    def add(self, z: np.ndarray, directions: np.ndarray, sample_mask: np.ndarray, v=None, codes=None):
        norms = np.sqrt(np.einsum("ij,ij->i", z, z))
        u = z / norms[:, None]
        if self.sum_z is None:
            d = z.shape[1]
            self.sum_z, self.sum_u = np.zeros(d), np.zeros(d)
            self.gram_z, self.gram_u = np.zeros((d, d)), np.zeros((d, d))
        self.n += z.shape[0]
        self.sum_z += z.sum(axis=0)
        self.sum_u += u.sum(axis=0)
        self.gram_z += z.T @ z
        self.gram_u += u.T @ u
        self.norms.append(norms)
        self.projections.append((z @ directions).astype(np.float32))
        self.sample.append(z[sample_mask])
        if v is not None:
            v = v / np.sqrt(np.einsum("ij,ij->i", v, v))[:, None]
            cos = np.einsum("ij,ij->i", u, v)
            w = (u + v) / 2
            self.cosines.append(cos)
            if self.sum_v is None:
                self.sum_v, self.gram_w, self.sum_cos_w = np.zeros_like(self.sum_u), np.zeros_like(self.gram_u), np.zeros_like(self.sum_u)
            self.sum_v += v.sum(axis=0)
            self.gram_w += w.T @ w
            self.sum_cos_w += cos @ w
        if codes is not None:
            order = np.argsort(codes, kind="stable")
            uniq, starts = np.unique(codes[order], return_index=True)
            counts = np.diff(np.append(starts, codes.size))
            for c, s, k in zip(uniq, np.add.reduceat(u[order], starts, axis=0), counts):
                total, count = self.class_sums.get(int(c), (0.0, 0))
                self.class_sums[int(c)] = (total + s, count + int(k))


def _block_width(n: int, d: int, cfg: CheckConfig) -> int:
    """Columns per block so that one float32 (columns × n) block and its working copies fit in ``memory_mb``."""
    return max(1, min(d, cfg.memory_mb * 2**20 // (8 * n)))


def _column_blocks(x: EmbeddingMatrix, keep: np.ndarray, cols: np.ndarray, width: int):
    """Yield (column indices, (b, n_kept) float32 block), filled chunk by chunk: the rows are read once per block."""
    step = x.chunk_rows()
    n_kept = int(keep.sum())
    for j in range(0, cols.size, width):
        idx = cols[j:j + width]
        block = np.empty((idx.size, n_kept), dtype=np.float32)
        filled = 0
        for a in range(0, x.shape[0], step):
            chunk = x.rows(a, a + step)
            part = chunk[keep[a:a + chunk.shape[0]]][:, idx]
            block[:, filled:filled + part.shape[0]] = part.T
            filled += part.shape[0]
        yield idx, block


# ---------------------------------------------------------------- the battery


def _calibration(n: int, d: int, cfg: CheckConfig) -> dict:
    reps = cfg.null_replicates or int(np.clip(2 * 10**7 // n, 200, 2000))
    return {law: g.null_pass_rates(n, d, law=law, replicates=reps, seed=derive_seed(cfg.seed, 1, i), workers=cfg.workers)
            for i, law in enumerate(("gaussian", "sphere"))}


def _coordinate_section(tests: g.CoordinateTests, nulls: dict, reference: str) -> dict:
    cols = g.paper_columns(tests)
    d = tests.ad.size
    out = {"paper_columns": cols.as_dict(), "reference_law": reference, "bands": {}, "all_pass_probability": {}}
    for law, rates in nulls.items():
        out["bands"][law] = {"ad": g.pass_rate_band(rates.ad_pass, d), "dp": g.pass_rate_band(rates.dp_pass, d)}
        out["all_pass_probability"][law] = {"ad": rates.ad_pass.value ** d, "dp": rates.dp_pass.value ** d}
    band = out["bands"][reference]
    below = [name for name, frac in (("AD", cols.ad_pass_pct / 100), ("DP", cols.dp_pass_pct / 100))
             if frac < band[name.lower()][0]]
    above = [name for name, frac in (("AD", cols.ad_pass_pct / 100), ("DP", cols.dp_pass_pct / 100))
             if frac > band[name.lower()][1]]
    out.update(below_band=below, above_band=above, paper_rule_gaussian=bool(cols.ad_avg < g.AD_THRESHOLD and cols.dp_avg > g.DP_LEVEL),
               mean_skewness=float(tests.skewness.mean()), mean_excess_kurtosis=float(tests.excess_kurtosis.mean()),
               ad=tests.ad, dp_pvalue=tests.dp_pvalue, excess_kurtosis=tests.excess_kurtosis)
    return out


def _coordinate_finding(name: str, sec: dict, reference: str, ref: str) -> Finding:
    c = sec["paper_columns"]
    band = sec["bands"][reference]
    figure = (f"AD avg {c['ad_avg']:.3f}, {c['ad_pass_pct']:.1f}% pass; DP avg p {c['dp_avg']:.3f}, {c['dp_pass_pct']:.1f}% pass "
              f"({reference} null band AD {100 * band['ad'][0]:.1f}–{100 * band['ad'][1]:.1f}%, "
              f"DP {100 * band['dp'][0]:.1f}–{100 * band['dp'][1]:.1f}%)")
    if sec["above_band"]:
        figure += f"; {'/'.join(sec['above_band'])} above the band (more passes than independent {reference} coordinates give)"
    return Finding(name, "fails" if sec["below_band"] else "holds", figure,
                   f"fails if a pass fraction lies below the 95% band of d independent {reference} coordinates", ref)


def _distinguishable(nulls: dict, d: int) -> dict:
    """Whether the Gaussian and the sphere-law pass-rate bands overlap at this (n, d) for each test."""
    out = {}
    for test in ("ad", "dp"):
        ga = g.pass_rate_band(getattr(nulls["gaussian"], f"{test}_pass"), d)
        sp = g.pass_rate_band(getattr(nulls["sphere"], f"{test}_pass"), d)
        out[test] = bool(ga[0] > sp[1] or sp[0] > ga[1])
    return out


def _qq_rows(series: str, column: np.ndarray, d: int, points: int = 120) -> list[dict]:
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


def _thin_shell_section(norms: np.ndarray, d: int) -> tuple[dict, Finding, list[dict]]:
    sec = g.thin_shell(norms, d)
    verdict = _interval_verdict(sec["ratio"], sec["ratio_se"], THIN_SHELL_MAX_RATIO)
    finding = Finding("Thin shell (Assumption 2)", verdict,
                      f"CV of norms {sec['cv']:.4f} ± {sec['cv_se']:.4f} = {sec['ratio']:.2f}× the Gaussian's {sec['cv_chi']:.4f}; "
                      f"implied coordinate excess kurtosis {sec['implied_excess_kurtosis']:+.3f}",
                      f"holds if the 95% interval of CV/CV_chi(d) lies below {THIN_SHELL_MAX_RATIO:g}, fails if above",
                      "Assumption 2, Eq. 9; Eq. 20")
    lo, hi = float(norms.min()), float(norms.max())
    if hi - lo < 1e-3 * sec["mean_norm"]:  # (nearly) normalized input: widen the range so bins have width
        lo, hi = sec["mean_norm"] * (1 - 5e-3), sec["mean_norm"] * (1 + 5e-3)
    counts, edges = np.histogram(norms, bins=60, range=(lo, hi))
    width = np.diff(edges)
    density = counts / (counts.sum() * width)
    scale = math.sqrt(np.mean(norms * norms) / d)  # N(0, s²I) with the same E r²
    centers = (edges[:-1] + edges[1:]) / 2
    table = [{"left": float(a), "right": float(b), "density": float(p), "chi_density": float(stats.chi.pdf(c / scale, d) / scale),
              "mean_norm": sec["mean_norm"]} for a, b, p, c in zip(edges[:-1], edges[1:], density, centers)]
    return sec, finding, table


def _uniformity_section(m: _Moments, sample_u: np.ndarray, d: int, cfg: CheckConfig) -> tuple[dict, Finding]:
    n = m.n
    mean_u = m.sum_u / n
    scatter = m.gram_u / n
    ray, bing = rayleigh_from_mean(mean_u, n), bingham_from_scatter(scatter, n)
    cov_u = scatter - np.outer(mean_u, mean_u)
    m_sq = mean_norm_sq_from_sums(m.sum_u, m.gram_u, n)
    m2, m2_se = m_sq.value, m_sq.se
    tr2 = (n * float(np.sum(scatter * scatter)) - 1) / (n - 1)  # unbiased tr M² = E (u·v')²
    q = np.einsum("ij,jk,ik->i", sample_u, scatter, sample_u)
    tr2_se = 2 * float(q.std(ddof=1)) / math.sqrt(n)
    iso, iso_se = d * tr2 - 1, d * tr2_se
    mean_tol, iso_tol = 1 / math.sqrt(d), 1 / ISOTROPY_MIN_FRACTION - 1
    verdicts = [_interval_verdict(m2, m2_se, mean_tol), _interval_verdict(iso, iso_se, iso_tol)]
    verdict = "fails" if "fails" in verdicts else "holds" if verdicts == ["holds", "holds"] else "cannot tell"
    phi = g.phi_gap(sample_u, alpha=1 / cfg.tau, replicates=10, seed=derive_seed(cfg.seed, 2))
    std_u = np.sqrt(np.clip(np.diag(cov_u), 0, None)) * math.sqrt(d)
    sec = {"rayleigh": ray.__dict__, "bingham": bing.__dict__, "mean_norm_sq": m2, "mean_norm_sq_se": m2_se,
           "mean_norm_sq_tolerance": mean_tol, "neg_cos_second_moment_times_d": d * tr2, "isotropy_effect": iso,
           "isotropy_effect_se": iso_se, "isotropy_tolerance": iso_tol,
           "neg_cos_variance_times_d": d * (tr2 - m2 * m2), "participation_ratio_u": 1 / tr2 if tr2 > 0 else math.inf,
           "phi": phi, "sqrt_d_std_u": {"min": float(std_u.min()), "median": float(np.median(std_u)), "max": float(std_u.max())}}
    finding = Finding("Uniform directions on the sphere (first two moments)", verdict,
                      f"||m||² = {m2:.4f} ± {m2_se:.4f} (tol {mean_tol:.4f}, Rayleigh p = {ray.p_value:.2g}); "
                      f"d·E(u·v')² − 1 = {iso:.3f} ± {iso_se:.3f} (tol {iso_tol:g}, Bingham p = {bing.p_value:.2g}); "
                      f"Φ gap {phi['gap']:.3g} nats (uniform sample of the same size: {phi['null_gap_mean']:.3g} ± {phi['null_gap_sd']:.2g})",
                      "holds if both 95% intervals lie below their tolerances (1/√d; participation ratio > d/2), fails if either lies above",
                      "Lemma 2, Cor 1 (μ = σ)")
    return sec, finding


def _spectrum_section(m: _Moments, d: int) -> tuple[dict, Finding, list[dict]]:
    n = m.n
    mean_z = m.sum_z / n
    cov = (m.gram_z / n - np.outer(mean_z, mean_z)) * n / (n - 1)
    eig_z = np.linalg.eigvalsh(cov)[::-1]
    eig_u = np.linalg.eigvalsh(m.gram_u / n)[::-1]
    sec = {"covariance": g.spectrum_summary(eig_z), "second_moment_u": g.spectrum_summary(eig_u),
           "eigenvalues_covariance": eig_z, "marchenko_pastur_edges": [(1 - math.sqrt(d / n)) ** 2, (1 + math.sqrt(d / n)) ** 2]}
    pr = sec["covariance"]["participation_ratio"]
    verdict = "cannot tell" if n < 2 * d else "holds" if pr >= ISOTROPY_MIN_FRACTION * d else "fails"
    finding = Finding("No dimensional collapse (isotropic covariance)", verdict,
                      f"participation ratio {pr:.1f} of d = {d}, effective rank {sec['covariance']['effective_rank']:.1f}, "
                      f"top eigenvalue {100 * sec['covariance']['top_share']:.1f}% of the variance",
                      f"holds if the participation ratio is at least {ISOTROPY_MIN_FRACTION:g}·d (needs n >= 2d)",
                      "Cor 1 (isotropy of σ); collapse diagnostics")
    table = ([{"source": "covariance of z", "rank": i + 1, "eigenvalue": float(v * d / eig_z.sum())} for i, v in enumerate(eig_z)]
             + [{"source": "second moment of u", "rank": i + 1, "eigenvalue": float(v * d / eig_u.sum())} for i, v in enumerate(eig_u)])
    return sec, finding, table


def _projection_sections(proj: np.ndarray, sample_rows: np.ndarray, cfg: CheckConfig) -> tuple[dict, list[Finding]]:
    findings = []
    one = g.projection_tests(proj, alpha=cfg.alpha, workers=cfg.workers)
    sec = {"one_dimensional": {"directions": proj.shape[1], "ad": one.ad, "pvalue": one.pvalue, "effect": one.effect,
                               "family_pvalue": one.family_pvalue, "rule": "Bonferroni: reject if K·min p <= alpha"}}
    findings.append(Finding("Random 1-D projections Gaussian (Cramér–Wold)", "fails" if one.rejected else "holds",
                            f"{proj.shape[1]} directions: Bonferroni p = {one.family_pvalue:.3g}; median A²/n = {np.median(one.effect):.2e}, "
                            f"max {one.effect.max():.2e}",
                            f"fails if K·min p <= {cfg.alpha:g} (Anderson–Darling p-values, D'Agostino–Stephens)",
                            "Cor 1, Eq. 8; Prop 2, Eq. 10"))
    k = min(cfg.k, proj.shape[1])
    low = proj[:, :k].astype(np.float64)
    if low.shape[0] <= 4 * k:
        sec["multivariate"] = {"skipped": f"needs more than {4 * k} rows for a {k}-dimensional test, got {low.shape[0]}"}
        findings.append(Finding(f"{k}-dim projections jointly Gaussian", "cannot tell", sec["multivariate"]["skipped"], "", "Cor 1, Eq. 8"))
        return sec, findings
    tests = list(g.mardia_tests(low))
    tests.append(g.henze_zirkler(low[sample_rows]))
    energy_rows = sample_rows[: min(sample_rows.size, 500)]
    tests.append(g.energy_test(low[energy_rows], replicates=99, seed=derive_seed(cfg.seed, 3)))
    family = min(1.0, len(tests) * min(t.pvalue for t in tests))
    sec["multivariate"] = {"k": k, "tests": [t.as_dict() for t in tests], "family_pvalue": family,
                           "rule": "Bonferroni over the four tests"}
    findings.append(Finding(f"{k}-dim projections jointly Gaussian", "fails" if family <= cfg.alpha else "holds",
                            "; ".join(f"{t.name} p = {t.pvalue:.2g} (effect {t.effect:.3g})" for t in tests),
                            f"fails if 4·min p <= {cfg.alpha:g} (Mardia skewness and kurtosis on all rows; HZ on {sample_rows.size} rows; energy on {energy_rows.size})",
                            "Cor 1, Eq. 8 (k-dim projections)"))
    return sec, findings


def _alignment_section(m: _Moments, cfg: CheckConfig) -> tuple[dict, Finding]:
    r"""Prop 1 on the positive pairs: :math:`E[u\cdot v]\le\eta_2+(1-\eta_2)\|m\|^2`, with :math:`\|m\|^2` of the
    view law, unbiased from the pair means :math:`w_i=(u_i+v_i)/2`
    (:func:`~infonce_gauss.simulations.estimates.mean_norm_sq_from_sums`), and the slack's standard error
    including the covariance :math:`\tfrac2n\mathrm{Cov}(u_i\cdot v_i,\,m\cdot w_i)` of the two estimates."""
    cos = np.concatenate(m.cosines)
    n = m.n
    align = mean_estimate(cos)
    half = (1 + cos) / 2  # ||w_i||²
    sum_w = (m.sum_u + m.sum_v) / 2
    m_sq = mean_norm_sq_from_sums(sum_w, m.gram_w, n, sum_sq=half.sum(), sum_sq2=half @ half)
    m2 = m_sq.value
    mean_w = sum_w / n
    cov = 2.0 / n * (float(mean_w @ m.sum_cos_w) / n - align.value * float(mean_w @ mean_w)) * n / (n - 1)
    implied = (align.value - m2) / (1 - m2) if m2 < 1 else math.nan
    sec = {"alignment": align.value, "alignment_se": align.se, "n_pairs": align.n, "mean_norm_sq_views": m2,
           "mean_norm_sq_views_se": m_sq.se,
           "quantiles": dict(zip(("q05", "q25", "q50", "q75", "q95"), np.quantile(cos, [0.05, 0.25, 0.5, 0.75, 0.95]).tolist())),
           "fraction_above_0.9": float(np.mean(cos > 0.9)), "eta2_lower_bound_from_prop1": implied,
           "alignment_minus_mean_norm_sq": align.value - m2}
    figure = (f"E[u·v] = {align.value:.4f} ± {align.se:.4f}, ||m||² = {m2:.4f} ± {m_sq.se:.4f}: "
              f"Prop 1 needs η₂ >= {implied:.3f}")
    if cfg.eta2 is None:
        return sec, Finding("Alignment within Prop 1's bound", "cannot tell", figure + " (give --eta2 to test the bound)",
                            "needs η₂ of the augmentation", "Prop 1, Eq. 6; Assumption 1")
    keep = 1 - cfg.eta2
    bound = cfg.eta2 + keep * m2
    slack = bound - align.value
    slack_se = math.sqrt(max(keep * keep * m_sq.se**2 + align.se**2 - 2 * keep * cov, 0.0))
    sec.update(eta2=cfg.eta2, bound=bound, bound_se=keep * m_sq.se, slack=slack, slack_se=slack_se)
    verdict = "fails" if slack + _Z95 * slack_se < 0 else "holds"
    return sec, Finding("Alignment within Prop 1's bound", verdict,
                        figure + f"; bound η₂ + (1−η₂)||m||² = {bound:.4f}, slack {slack:.4f} ± {slack_se:.4f}",
                        "fails if the 95% interval of E[u·v] − bound lies above 0 (||m||² of the views, unbiased)",
                        "Prop 1, Eq. 6; Assumption 1")


def _plateau_section(trace, cfg: CheckConfig) -> tuple[dict, Finding]:
    from infonce_gauss.simulations.traces import detect_plateau

    epochs, alignment = trace
    p = detect_plateau(alignment, epochs=epochs, eta2=cfg.eta2)
    sec = {"epochs": len(alignment), **asdict(p)}
    figure = (f"{len(alignment)} evaluations: plateau from epoch {p.start_epoch:g} at {p.value:.4f} ± {p.se:.4f} "
              f"(band ± {p.tolerance:.4f}, drift {p.drift:+.4f})")
    if not p.reached:
        verdict = "fails"
    elif p.feasible_at_uniform is False:
        verdict, figure = "fails", figure + f", above η₂ = {cfg.eta2:g}"
    else:
        verdict = "holds"
        figure += "" if cfg.eta2 is None else f", r_plat = {p.r_plat:+.4f} vs η₂ = {cfg.eta2:g}"
    return sec, Finding("Alignment plateau (Assumption 1)", verdict, figure,
                        "reached if the trace stays within the band around its tail mean for at least the last quarter "
                        "and drifts less than the band; with η₂, the plateau is not 4 SE above η₂", "Assumption 1, Eq. 7")


def _labels_section(m: _Moments, names: np.ndarray) -> dict:
    n = m.n
    mean_u = m.sum_u / n
    total = n - n * float(mean_u @ mean_u)  # sum_i ||u_i - ū||² = n - n||ū||²
    between = sum(count * float(((s / count) - mean_u) @ ((s / count) - mean_u)) for s, count in m.class_sums.values())
    norms = {str(names[c]): float(np.linalg.norm(s / count)) for c, (s, count) in m.class_sums.items()}
    return {"classes": len(m.class_sums), "between_class_share": between / total if total > 0 else math.nan,
            "class_mean_lengths": norms,
            "note": "share of the directions' variance explained by class means; near 1 means class-collapsed "
                    "clusters (a mixture, reviewer 4's concern), near 0 means classes overlap on the sphere"}


def _as_matrix(x, name: str) -> EmbeddingMatrix:
    if isinstance(x, EmbeddingMatrix):
        return x
    arr = np.asarray(x)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be an n × d array, got shape {arr.shape}.")
    return as_matrix(arr, name)


def _input_rows(x: EmbeddingMatrix, pos: EmbeddingMatrix | None, cfg: CheckConfig) -> tuple[np.ndarray, np.ndarray, dict]:
    """The kept rows and columns, or a ValueError that says what is wrong and which flag drops it."""
    info = scan(x)  # also rescales extreme-magnitude input (x.scale)
    bad = info["bad"]
    described = {"source": x.source, "rows": x.shape[0], "columns": x.shape[1], "nonfinite_rows": info["nonfinite_rows"],
                 "zero_rows": info["zero_rows"] + info["tiny_rows"], "rescaled_by": info["scale"]}
    faults = [bad_rows_text(info, x.source)] if bad.any() else []
    if pos is not None:
        pinfo = scan(pos)
        described.update(positives_nonfinite_rows=pinfo["nonfinite_rows"],
                         positives_zero_rows=pinfo["zero_rows"] + pinfo["tiny_rows"])
        faults += [bad_rows_text(pinfo, pos.source)] if pinfo["bad"].any() else []
        bad = bad | pinfo["bad"]
    if bad.any() and not cfg.drop_nonfinite:
        raise ValueError(f"{int(bad.sum())} row(s) have NaN/inf values or zero norm ({'; '.join(faults)}; e.g. row "
                         f"{int(np.flatnonzero(bad)[0])}); pass --drop-nonfinite to drop them (pairs are dropped together).")
    keep = ~bad
    constant = info["constant"]
    if constant.size and not cfg.drop_constant:
        raise ValueError(f"{constant.size} column(s) are constant (e.g. {constant[:5].tolist()}): dead dimensions, on which "
                         "the normality tests are undefined; pass --drop-constant to drop them (the report says how many).")
    cols = np.setdiff1d(np.arange(x.shape[1]), constant)
    if cols.size < 2:
        raise ValueError(f"only {cols.size} non-constant column(s) left; the battery needs d >= 2.")
    n_kept = int(keep.sum())
    if n_kept < 20:
        raise ValueError(f"only {n_kept} usable row(s); the battery needs at least 20 (the coordinate tests' minimum).")
    described.update(dropped_rows=int(bad.sum()), dropped_constant_columns=constant.tolist(), n=n_kept, d=int(cols.size))
    return keep, cols, described


def _accumulate(x, pos, keep, cols, directions, sample_flag, codes) -> _Moments:
    """One pass over the kept rows (and their positives) collecting the :class:`_Moments`."""
    m = _Moments()
    done = 0
    pos_rows = _select_rows(pos, keep, cols) if pos is not None else None
    for _, z in _select_rows(x, keep, cols):
        rows = z.shape[0]
        v = next(pos_rows)[1] if pos_rows is not None else None
        m.add(z, directions, sample_flag[done:done + rows], v=v, codes=None if codes is None else codes[done:done + rows])
        done += rows
    return m


def _coordinate_variants(x, keep, cols, norms, m: _Moments, cfg: CheckConfig, rng, say) -> tuple[dict, list[dict]]:
    """Coordinate tests on unnormalized, normalized (and whitened) embeddings, one column block at a time,
    and QQ rows for three random coordinates."""
    n, d = m.n, cols.size
    parts = {"unnormalized": [], "normalized": []}
    qq_cols = set(cols[rng.choice(d, size=min(3, d), replace=False)].tolist())
    qq = []
    inverse_norms = (1 / norms).astype(np.float32)[None, :]
    for idx, block in _column_blocks(x, keep, cols, _block_width(n, d, cfg)):
        parts["unnormalized"].append(g.coordinate_tests(block, columns_first=True, workers=cfg.workers))
        qq += [row for j, col in zip(idx, block) if int(j) in qq_cols for row in _qq_rows(f"coordinate {int(j)}", col, d)]
        block *= inverse_norms
        parts["normalized"].append(g.coordinate_tests(block, columns_first=True, workers=cfg.workers))
    variants = {name: _merge(p) for name, p in parts.items()}
    if cfg.whiten:
        say("whitened coordinates")
        white = _whitened_tests(x, keep, cols, m, cfg)
        variants["whitened"] = white if isinstance(white, str) else white[0]
        variants["whitening_rank"] = None if isinstance(white, str) else white[1]
    return variants, qq


def run_check(embeddings, *, positives=None, labels=None, trace=None, config: CheckConfig | None = None,
              progress: bool = False) -> CheckResult:
    """Run the battery on ``embeddings`` (n × d array or EmbeddingMatrix); see the module docstring.

    ``positives``: the positive-pair embedding of each row (same shape); ``labels``: one class label per
    row; ``trace``: (epochs, alignment) of the training run, for the plateau of Assumption 1. Raises
    ``ValueError`` (before anything is written) on unusable input.
    """
    cfg = config or CheckConfig()
    start = time.perf_counter()
    x = _as_matrix(embeddings, "embeddings")
    pos = None if positives is None else _as_matrix(positives, "positives")
    if pos is not None and pos.shape != x.shape:
        raise ValueError(f"positives have shape {pos.shape} but the embeddings {x.shape}; row i of the positives must be "
                         "the positive view of row i of the embeddings.")
    if labels is not None and len(labels) != x.shape[0]:
        raise ValueError(f"{len(labels)} labels for {x.shape[0]} embeddings; give one label per row.")
    plateau = None if trace is None else _plateau_section(trace, cfg)  # a bad trace fails before the heavy work
    keep, cols, described = _input_rows(x, pos, cfg)
    n, d = described["n"], described["d"]
    say = (lambda msg: print(f"[{time.perf_counter() - start:6.1f}s] {msg}", flush=True)) if progress else (lambda msg: None)
    rng = np.random.default_rng(cfg.seed)
    directions = g.random_directions(d, min(cfg.directions, d), rng=rng)
    sample_idx = np.sort(rng.choice(n, size=min(n, cfg.subsample), replace=False))
    sample_flag = np.zeros(n, dtype=bool)
    sample_flag[sample_idx] = True
    codes = names = None
    if labels is not None:
        names, codes = np.unique(np.asarray(labels)[keep], return_inverse=True)

    say(f"moments of {n} × {d} rows")
    m = _accumulate(x, pos, keep, cols, directions, sample_flag, codes)
    norms, proj, sample_z = (np.concatenate(parts) for parts in (m.norms, m.projections, m.sample))
    m.norms = m.projections = m.sample = None  # keep one copy of the O(n) arrays
    sample_u = sample_z / np.linalg.norm(sample_z, axis=1, keepdims=True)

    sections = {"input": described, "config": asdict(cfg)}
    findings, tables = [], {}
    sections["thin_shell"], finding, tables["norms"] = _thin_shell_section(norms, d)
    findings.append(finding)

    say("null calibration (Gaussian and uniform-sphere coordinates)")
    nulls = _calibration(n, d, cfg)
    sections["calibration"] = {law: r.as_dict() for law, r in nulls.items()}
    sections["calibration"]["distinguishable"] = _distinguishable(nulls, d)

    say("per-coordinate Anderson–Darling and D'Agostino–Pearson tests")
    variants, qq = _coordinate_variants(x, keep, cols, norms, m, cfg, rng, say)
    sections["whitening_rank"] = variants.pop("whitening_rank", None)
    sections["coordinates"] = {}
    for name, tests in variants.items():
        title = f"Coordinates Gaussian, paper's protocol ({name})"
        if isinstance(tests, str):
            sections["coordinates"][name] = {"skipped": tests}
            findings.append(Finding(title, "cannot tell", tests, "", "Table 2 (whitened)"))
            continue
        reference = "sphere" if name == "normalized" else "gaussian"
        sections["coordinates"][name] = sec = _coordinate_section(tests, nulls, reference)
        findings.append(_coordinate_finding(title, sec, reference,
                                            f"Sec. 5, Tables 1–2 (AD < {g.AD_THRESHOLD:g}, DP p > {g.DP_LEVEL:g})"))
    tables["pass_rates"] = [
        {"variant": name, "test": test.upper(), "observed": sec["paper_columns"][f"{test}_pass_pct"] / 100,
         **{f"{law}_{edge}": sec["bands"][law][test][i] for law in ("gaussian", "sphere") for i, edge in enumerate(("low", "high"))}}
        for name, sec in sections["coordinates"].items() if "paper_columns" in sec for test in ("ad", "dp")]

    say("random projections and multivariate tests")
    sec, more = _projection_sections(proj, sample_idx, cfg)
    sections["projections"] = sec
    findings += more
    qq += [row for j in range(min(3, proj.shape[1])) for row in _qq_rows(f"projection {j + 1}", proj[:, j], d)]
    tables["qq"] = qq

    say("isotropy and uniformity")
    sections["spectrum"], finding, tables["spectrum"] = _spectrum_section(m, d)
    findings.append(finding)
    sections["uniformity"], finding = _uniformity_section(m, sample_u, d, cfg)
    findings.append(finding)
    if pos is not None:
        sections["alignment"], finding = _alignment_section(m, cfg)
        findings.append(finding)
    if plateau is not None:
        sections["plateau"], finding = plateau
        findings.append(finding)
    if labels is not None:
        sections["labels"] = _labels_section(m, names)
    sections["seconds"] = time.perf_counter() - start
    return CheckResult(findings=findings, sections=sections, tables=tables)


def _merge(parts: list[g.CoordinateTests]) -> g.CoordinateTests:
    return g.CoordinateTests(*(np.concatenate([getattr(p, f) for p in parts])
                               for f in ("ad", "dp_statistic", "dp_pvalue", "skewness", "excess_kurtosis")), n=parts[0].n)


def _whitened_tests(x: EmbeddingMatrix, keep, cols, m: _Moments, cfg: CheckConfig):
    r"""Tests on ZCA-whitened coordinates :math:`(z-\bar z)\,V_r\Lambda_r^{-1/2}V_r^\top` over the r eigen-directions
    with :math:`\lambda>10^{-10}\lambda_{max}` (a pseudo-inverse: LayerNorm-terminated encoders put the embeddings in an
    affine hyperplane, so Σ is exactly singular there); a reason string if n <= d."""
    n, d = m.n, cols.size
    if n <= d:
        return f"whitening needs more rows than columns (n = {n}, d = {d})"
    mean = m.sum_z / n
    lam, vec = np.linalg.eigh(m.gram_z / n - np.outer(mean, mean))
    kept = lam > lam[-1] * 1e-10
    white = (vec[:, kept] / np.sqrt(lam[kept])) @ vec[:, kept].T
    width = _block_width(n, d, cfg)
    parts = []
    for j in range(0, d, width):
        block = np.concatenate([((z - mean) @ white[:, j:j + width]).astype(np.float32) for _, z in _select_rows(x, keep, cols)])
        parts.append(g.coordinate_tests(np.ascontiguousarray(block.T), columns_first=True, workers=cfg.workers))
    return _merge(parts), int(kept.sum())


# ---------------------------------------------------------------- output


def summary_text(result: CheckResult) -> str:
    """One line per assumption: verdict, assumption, figure."""
    inp = result.sections["input"]
    head = f"infonce-gauss check: n = {inp['n']} rows, d = {inp['d']} columns"
    if inp["dropped_rows"] or inp["dropped_constant_columns"]:
        head += f" (dropped {inp['dropped_rows']} rows, {len(inp['dropped_constant_columns'])} constant columns)"
    lines = [head]
    for f in result.findings:
        lines.append(f"  {f.verdict.upper():12s} {f.assumption}: {f.figure}")
    dist = result.sections["calibration"]["distinguishable"]
    if not any(dist.values()):
        lines.append("  note: at this (n, d) the paper's tests cannot tell Gaussian coordinates from uniform-sphere ones.")
    return "\n".join(lines)


def _markdown(result: CheckResult, figures: dict[str, str]) -> str:
    s = result.sections
    inp = s["input"]
    out = ["# infonce-gauss check", "",
           f"Input: `{inp.get('source', 'array')}` — {inp['rows']} rows × {inp['columns']} columns; "
           f"{inp['n']} rows × {inp['d']} columns used (dropped {inp['dropped_rows']} rows with NaN/inf or zero norm, "
           f"{len(inp['dropped_constant_columns'])} constant columns). Seed {s['config']['seed']}; {s['seconds']:.1f} s.", "",
           "## Summary", "", "| assumption | verdict | figure | rule | paper |", "|---|---|---|---|---|"]
    out += [f"| {f.assumption} | **{f.verdict}** | {f.figure} | {f.rule} | {f.paper_ref} |" for f in result.findings]
    out += ["", "## The paper's table columns (per-coordinate tests)", "",
            f"| embeddings | AD avg | AD pass % | DP avg p | DP pass % | paper's rule (AD avg < {g.AD_THRESHOLD:g} and DP avg > {g.DP_LEVEL:g}) | "
            "Gaussian-null band AD / DP % | sphere-null band AD / DP % |", "|---|---|---|---|---|---|---|---|"]
    for name, sec in s["coordinates"].items():
        if "paper_columns" not in sec:
            out.append(f"| {name} | skipped: {sec['skipped']} | | | | | | |")
            continue
        c, b = sec["paper_columns"], sec["bands"]
        band = {law: f"{100 * b[law]['ad'][0]:.1f}–{100 * b[law]['ad'][1]:.1f} / {100 * b[law]['dp'][0]:.1f}–{100 * b[law]['dp'][1]:.1f}"
                for law in b}
        out.append(f"| {name} | {c['ad_avg']:.3f} | {c['ad_pass_pct']:.1f} | {c['dp_avg']:.3f} | {c['dp_pass_pct']:.1f} | "
                   f"{'✓' if sec['paper_rule_gaussian'] else '✗'} | {band['gaussian']} | {band['sphere']} |")
    cal = s["calibration"]
    out += ["", "Null calibration: pass probability of one coordinate at this n, from simulated columns "
            f"({cal['gaussian']['replicates']} per law, ± standard error):", "",
            "| null law | AD pass | DP pass | mean AD | mean DP p |", "|---|---|---|---|---|"]
    for law in ("gaussian", "sphere"):
        r = cal[law]
        out.append(f"| {law} | {r['ad_pass']:.4f} ± {r['ad_pass_se']:.4f} | {r['dp_pass']:.4f} ± {r['dp_pass_se']:.4f} | "
                   f"{r['ad_mean']:.3f} | {r['dp_mean']:.3f} |")
    dist = cal["distinguishable"]
    out += ["", f"Gaussian and uniform-sphere coordinates are distinguishable by pass rate at this (n, d): "
            f"AD {'yes' if dist['ad'] else 'no'}, DP {'yes' if dist['dp'] else 'no'} (CHK-SPHERE-DETECT). "
            "The probability that every coordinate passes under the Gaussian null is "
            f"{s['coordinates']['unnormalized']['all_pass_probability']['gaussian']['dp']:.2g} for DP (CHK-COMPLIANCE)."]
    for key, title in (("norms", "Norms"), ("pass_rates", "Pass rates against the null bands"), ("qq", "QQ plots"),
                       ("spectrum", "Spectrum")):
        if key in figures:
            out += ["", f"### {title}", "", f"![{title}]({figures[key]})"]
    out += ["", "## Numbers", "", "Every number is in `check.json`; the tables behind the figures are in `data/`."]
    for key in ("thin_shell", "uniformity", "alignment", "labels"):
        if key in s:
            flat = {k: v for k, v in s[key].items() if not isinstance(v, (dict, list, np.ndarray))}
            out += ["", f"**{key}**: " + ", ".join(f"{k} = {format_value(v)}" for k, v in flat.items())]
    return "\n".join(out) + "\n"


def write_check_report(result: CheckResult, out_dir, *, config: dict, wall_seconds: float) -> Path:
    """Write figures, data tables, check.json, report.md and finally run.json; return the report path."""
    from infonce_gauss.battery import plots
    from infonce_gauss.results import run_metadata, save_figure
    from infonce_gauss.simulations.files import atomic_write_text, write_csv, write_json

    out_dir = Path(out_dir)
    drawers = {"norms": plots.plot_norm_histogram, "pass_rates": plots.plot_pass_rates, "qq": plots.plot_qq,
               "spectrum": plots.plot_spectrum}
    figures = {}
    for name, table in result.tables.items():
        if not table:
            continue
        write_csv(out_dir / "data" / f"{name}.csv", table)
        save_figure(drawers[name](table), out_dir / "figures" / name)
        figures[name] = f"figures/{name}.png"
    write_json(out_dir / "check.json", result.as_json())
    report = atomic_write_text(out_dir / "report.md", _markdown(result, figures))
    write_json(out_dir / "run.json", run_metadata("check", config, seed=result.sections["config"]["seed"], wall_seconds=wall_seconds))
    return report
