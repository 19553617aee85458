r"""Calibrated tests of Gaussianity, thin shell and isotropy for an (n, d) sample of embeddings.

The paper's protocol (Sec. 5) and what it needs to be read honestly:

* **Per-coordinate tests.** :func:`coordinate_tests` computes, for every column at once, the
  Anderson–Darling statistic of case 3 (mean and variance estimated; identical to
  ``scipy.stats.anderson(x, 'norm').statistic``) and the D'Agostino–Pearson :math:`K^2` with its
  :math:`\chi^2_2` p-value (identical to ``scipy.stats.normaltest``). A coordinate *passes* if
  :math:`A^2<0.752` (SciPy's large-n 5% critical value) and if :math:`p>0.05`;
  :func:`paper_columns` gives the paper's four table columns.
* **Calibration.** :func:`null_pass_rates` simulates the pass rates of both tests under a Gaussian
  null and under the exact law of one coordinate of the uniform sphere of the same (n, d)
  (:func:`infonce_gauss.simulations.sampling.projected_sphere`), and :func:`pass_rate_band` turns a null rate into
  the band a pass fraction over d coordinates falls in.
* **Random projections** (Cramér–Wold): :func:`projection_tests` on K orthonormal random directions,
  with the D'Agostino–Stephens p-value of :math:`A^2` (:func:`anderson_pvalue`) and the
  Bonferroni rule on the smallest p-value (valid under any dependence between directions).
* **Multivariate** (on a k-dimensional projection): :func:`mardia_tests`,
  :func:`henze_zirkler` (the BHEP statistic with Henze–Zirkler's smoothing, pairwise sums in row
  chunks, never an m × m matrix) and :func:`energy_test` against the fitted Gaussian.
* **Radius and isotropy**: :func:`thin_shell` (CV of norms against the chi law),
  :func:`spectrum_summary` (effective rank, participation ratio), :func:`phi_gap` (the uniformity
  potential Φ of an empirical law against :math:`\Phi(\sigma)=\log{}_0F_1(;d/2;\alpha^2/4)`).

References: Stephens (1974) and D'Agostino & Stephens (1986, Ch. 4) for :math:`A^2`;
D'Agostino (1970), Anscombe & Glynn (1983), D'Agostino & Pearson (1973) for :math:`K^2`;
Mardia (1970, 1974); Henze & Zirkler (1990); Székely & Rizzo (2005); Roy & Vetterli (2007).
"""

from __future__ import annotations

import math
from functools import lru_cache
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from infonce_gauss.simulations.estimates import Estimate, cv_estimate, proportion_estimate
from infonce_gauss.simulations.sampling import as_generator
from infonce_gauss.theory.special import log_hyp0f1
from infonce_gauss.theory.sphere import chi_norm_moments
from infonce_gauss.theory.validation import integer

__all__ = [
    "AD_THRESHOLD",
    "DP_LEVEL",
    "CoordinateTests",
    "PaperColumns",
    "NullRates",
    "ProjectionTests",
    "MultivariateTest",
    "coordinate_tests",
    "tested_shape",
    "coordinate_results",
    "paper_columns",
    "null_columns",
    "resolve_workers",
    "null_pass_rates",
    "pass_rate_band",
    "anderson_pvalue",
    "random_directions",
    "projection_tests",
    "standardize",
    "mardia_tests",
    "bhep_statistic",
    "henze_zirkler",
    "energy_test",
    "thin_shell",
    "spectrum_summary",
    "phi_gap",
    "phi_null_gaps",
]

AD_THRESHOLD = 0.752  # SciPy's 5% critical value of A^2 for large n (D'Agostino & Stephens case 3)
DP_LEVEL = 0.05       # the paper's D'Agostino–Pearson pass level: p > 0.05
_BLOCK_ELEMENTS = 2**18  # samples per work item (a 2 MB float64 block stays in cache)
_TINY = 1e-300        # below this ndtr has lost its relative precision; use log_ndtr there


def resolve_workers(workers) -> int:
    """Threads for the per-column and per-chunk statistics: ``workers``, or by default ``min(2, cpu_count)``."""
    return max(1, min(2, os.cpu_count() or 1)) if workers is None else integer(workers, "workers", minimum=1)


@dataclass(frozen=True)
class CoordinateTests:
    """Per-column Anderson–Darling :math:`A^2`, D'Agostino–Pearson :math:`K^2` and p-value, and the
    sample skewness :math:`g_1` and excess kurtosis :math:`g_2` (biased moment estimators, as SciPy's)."""

    ad: np.ndarray
    dp_statistic: np.ndarray
    dp_pvalue: np.ndarray
    skewness: np.ndarray
    excess_kurtosis: np.ndarray
    n: int

    @property
    def ad_pass(self) -> np.ndarray:
        return self.ad < AD_THRESHOLD

    @property
    def dp_pass(self) -> np.ndarray:
        return self.dp_pvalue > DP_LEVEL


@dataclass(frozen=True)
class PaperColumns:
    """The four columns of the paper's Tables 1–2: mean :math:`A^2`, % of coordinates with
    :math:`A^2<0.752`, mean DP p-value, % with p > 0.05; with the counts behind the percentages."""

    ad_avg: float
    ad_pass_pct: float
    dp_avg: float
    dp_pass_pct: float
    ad_pass_count: int
    dp_pass_count: int
    columns: int

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _block_tests(block: np.ndarray) -> np.ndarray:
    r"""(rows, 3) array of :math:`(A^2, g_1, b_2)` for each row of a (rows, n) block of samples.

    Each row is sorted in its own dtype (float32 sorts twice as fast) and widened to float64. With
    :math:`w_{(i)}=(y_{(i)}-\bar y)/s` (``ddof=1``) and :math:`c_i=(2i-1)/n`,
    :math:`A^2=-n-\sum_i c_i[\log\Phi(w_{(i)})+\log\Phi(-w_{(n+1-i)})]`
    :math:`=-n-\sum_i[c_i\log\Phi(w_{(i)})+c_{n+1-i}\log\Phi(-w_{(i)})]`. One ``erfc`` of
    :math:`|w|/\sqrt2` gives the small tail probability p to full relative precision; the other tail is
    :math:`\log(1-p)`, whose absolute error is below 3e-16 because :math:`1-p\ge1/2`
    (:math:`p=\tfrac12\mathrm{erfc}(|w|/\sqrt2)`). So :math:`A^2`
    carries an absolute error of order :math:`n\cdot10^{-16}`, as SciPy's two ``log_ndtr`` calls do,
    for a third of the work. Where p underflows (:math:`|w|>37`) ``log_ndtr`` takes over.
    """
    rows, n = block.shape
    y = np.sort(block, axis=1).astype(np.float64)
    y -= y.mean(axis=1, keepdims=True)
    sq = y * y
    m2 = sq.sum(axis=1) / n
    m3 = np.einsum("ij,ij->i", sq, y) / n
    m4 = np.einsum("ij,ij->i", sq, sq) / n
    out = np.full((rows, 3), np.nan)
    ok = m2 > 0
    if not np.all(ok):  # constant rows: leave NaN for the caller to report
        y, sq, m2, m3, m4 = y[ok], sq[ok], m2[ok], m3[ok], m4[ok]
    upper = y >= 0
    np.abs(y, out=y)
    y *= (1.0 / np.sqrt(2 * m2 * n / (n - 1)))[:, None]  # |w|/√2
    p = special.erfc(y, out=sq)
    p *= 0.5  # Φ(−|w|) = erfc(|w|/√2)/2, to full relative precision (ndtr's own route, at ~10% less cost)
    with np.errstate(divide="ignore"):
        small = np.log(p)
    if p[:, [0, -1]].min() < _TINY:  # |w| is largest at the two ends of each sorted row
        far = p < _TINY
        small[far] = special.log_ndtr(-math.sqrt(2) * y[far])
    large = np.log(np.subtract(1.0, p, out=p), out=p)
    c = (2.0 * np.arange(1, n + 1) - 1.0) / n
    cr = c[::-1]
    # below the mean log F = small, log S = large; above it the two swap, which adds (cr - c)(small - large)
    total = np.einsum("ij,j->i", small, c) + np.einsum("ij,j->i", large, cr)
    small -= large
    small *= upper
    total += np.einsum("ij,j->i", small, cr - c)
    out[ok] = np.column_stack([-n - total, m3 / m2**1.5, m4 / m2**2])
    return out


def _dagostino_pearson(g1: np.ndarray, b2: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    r""":math:`K^2=Z(\sqrt{b_1})^2+Z(b_2)^2` and its :math:`\chi^2_2` p-value :math:`e^{-K^2/2}`
    (D'Agostino 1970; Anscombe & Glynn 1983), the formulas of ``scipy.stats.skewtest``/``kurtosistest``."""
    y = g1 * math.sqrt((n + 1) * (n + 3) / (6.0 * (n - 2)))
    beta2 = 3.0 * (n**2 + 27 * n - 70) * (n + 1) * (n + 3) / ((n - 2.0) * (n + 5) * (n + 7) * (n + 9))
    w2 = -1 + math.sqrt(2 * (beta2 - 1))
    delta = 1 / math.sqrt(0.5 * math.log(w2))
    alpha = math.sqrt(2.0 / (w2 - 1))
    y = np.where(y == 0, 1.0, y)
    z_skew = delta * np.log(y / alpha + np.sqrt((y / alpha) ** 2 + 1))
    mean_b2 = 3.0 * (n - 1) / (n + 1)
    var_b2 = 24.0 * n * (n - 2) * (n - 3) / ((n + 1) * (n + 1.0) * (n + 3) * (n + 5))
    x = (b2 - mean_b2) / math.sqrt(var_b2)
    sqrt_beta1 = 6.0 * (n * n - 5 * n + 2) / ((n + 7) * (n + 9)) * math.sqrt(6.0 * (n + 3) * (n + 5) / (n * (n - 2) * (n - 3)))
    a = 6.0 + 8.0 / sqrt_beta1 * (2.0 / sqrt_beta1 + math.sqrt(1 + 4.0 / sqrt_beta1**2))
    denom = 1 + x * math.sqrt(2 / (a - 4.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        term2 = np.sign(denom) * np.where(denom == 0, np.nan, ((1 - 2.0 / a) / np.abs(denom)) ** (1 / 3))
    z_kurt = (1 - 2 / (9.0 * a) - term2) / math.sqrt(2 / (9.0 * a))
    k2 = z_skew**2 + z_kurt**2
    return k2, np.exp(-k2 / 2)


def coordinate_tests(x, *, columns_first: bool = False, workers=None) -> CoordinateTests:
    r"""Anderson–Darling and D'Agostino–Pearson tests of normality of every column of ``x``.

    Parameters
    ----------
    x : array_like, shape (n, d)
        Samples in rows (``columns_first=True``: shape (d, n), one variable per row, which avoids a
        transpose). Any float dtype; each column is sorted in its own dtype and tested in float64.
        Anything that supports ``x[:, a:b]`` (e.g. a memory-mapped or chunked reader) works.
    workers : int, optional
        Threads over column blocks (numpy releases the GIL); default ``min(2, cpu_count)``.

    Returns
    -------
    CoordinateTests
        ``ad`` equals ``scipy.stats.anderson(col, 'norm').statistic`` and ``dp_statistic``/``dp_pvalue``
        equal ``scipy.stats.normaltest(col)`` (to ~1e-10; tested). Needs n >= 20 (the kurtosis test's
        normal approximation) and non-constant columns.
    """
    d, n = tested_shape(x, columns_first)
    step = max(1, _BLOCK_ELEMENTS // n)

    def work(start: int) -> np.ndarray:
        stop = min(start + step, d)
        block = x[start:stop] if columns_first else np.asarray(x[:, start:stop]).T
        return _block_tests(np.ascontiguousarray(block))

    starts = range(0, d, step)
    nw = resolve_workers(workers)
    if nw == 1:
        parts = [work(s) for s in starts]
    else:
        with ThreadPoolExecutor(nw) as pool:
            parts = list(pool.map(work, starts))
    return coordinate_results(np.concatenate(parts), n)


def tested_shape(x, columns_first: bool) -> tuple[int, int]:
    """(variables d, samples n) of the input of :func:`coordinate_tests`; a ValueError unless 2-D with n >= 20."""
    shape = getattr(x, "shape", None)
    if shape is None or len(shape) != 2:
        raise ValueError(f"x must be a 2-D array (samples × variables), got shape {shape}.")
    d, n = tuple(shape) if columns_first else tuple(shape)[::-1]
    if n < 20:
        raise ValueError(f"the coordinate tests need at least 20 samples per column, got {n}.")
    return int(d), int(n)


def coordinate_results(res: np.ndarray, n: int) -> CoordinateTests:
    r""":class:`CoordinateTests` from the (d, 3) rows :math:`(A^2, g_1, b_2)` of :func:`_block_tests` (or of its
    device mirror), with D'Agostino–Pearson's :math:`K^2` and p-value; a ValueError naming constant columns (NaN rows)."""
    if np.any(np.isnan(res[:, 0])):
        bad = np.flatnonzero(np.isnan(res[:, 0]))
        raise ValueError(f"{bad.size} column(s) are constant (e.g. {bad[:5].tolist()}); the normality tests are "
                         "undefined for them: drop them first.")
    k2, p = _dagostino_pearson(res[:, 1], res[:, 2], n)
    return CoordinateTests(ad=res[:, 0], dp_statistic=k2, dp_pvalue=p, skewness=res[:, 1],
                           excess_kurtosis=res[:, 2] - 3.0, n=int(n))


def paper_columns(tests: CoordinateTests) -> PaperColumns:
    """The paper's four table columns from per-coordinate results."""
    ad_ok, dp_ok = int(tests.ad_pass.sum()), int(tests.dp_pass.sum())
    d = tests.ad.size
    return PaperColumns(float(tests.ad.mean()), 100.0 * ad_ok / d, float(tests.dp_pvalue.mean()),
                        100.0 * dp_ok / d, ad_ok, dp_ok, int(d))


def null_columns(n, d, count, *, law: str, rng, dtype=np.float64) -> np.ndarray:
    r"""``count`` i.i.d. columns (as rows of a (count, n) array of ``dtype``) under a null law.

    ``law='gaussian'``: N(0, 1), drawn in ``dtype``. ``law='sphere'``: the exact law of :math:`\sqrt d\,U_1`
    for U uniform on :math:`S^{d-1}` (:math:`g/\sqrt{(g^2+\chi^2_{d-1})/d}`, the sampler of
    :func:`infonce_gauss.simulations.sampling.projected_sphere`, vectorized over columns), computed in
    float64 and rounded to ``dtype``: a coordinate of exactly uniform embeddings, or of thin-shell
    embeddings with a fixed radius.
    """
    gen = as_generator(rng)
    if law == "gaussian":
        return gen.standard_normal((count, n), dtype=dtype)
    if law == "sphere":
        d = integer(d, "d (the ambient dimension)", minimum=2)
        head = gen.standard_normal((count, n))
        return (head * np.sqrt(d / (head * head + gen.chisquare(d - 1, size=(count, n))))).astype(dtype, copy=False)
    raise ValueError(f"law must be 'gaussian' or 'sphere', got {law!r}.")


@dataclass(frozen=True)
class NullRates:
    """Pass rates of the two coordinate tests under a null law, from ``replicates`` simulated columns.

    ``ad_pass`` and ``dp_pass`` are :class:`Estimate` s of the probability that one coordinate passes
    (binomial standard errors), ``both_pass`` that it passes both (the two tests are positively correlated,
    so this exceeds the independent :math:`0.95^2`); ``ad_mean`` and ``dp_mean`` of the mean :math:`A^2` and
    mean p-value.
    """

    law: str
    n: int
    d: int
    replicates: int
    seed: int | None
    ad_pass: Estimate
    dp_pass: Estimate
    both_pass: Estimate
    ad_mean: Estimate
    dp_mean: Estimate

    def as_dict(self) -> dict:
        out = {"law": self.law, "n": self.n, "d": self.d, "replicates": self.replicates, "seed": self.seed}
        for name in ("ad_pass", "dp_pass", "both_pass", "ad_mean", "dp_mean"):
            est = getattr(self, name)
            out[name] = est.value
            out[f"{name}_se"] = est.se
        return out


def null_pass_rates(n, d, *, law: str, replicates: int = 400, seed: int = 0, workers=None) -> NullRates:
    r"""Probability that one coordinate passes each test under ``law`` (see :func:`null_columns`), at
    sample size n. The standard error of a rate is :math:`\sqrt{p(1-p)/R}` (floored at
    :math:`\sqrt{1/(4R^2)}` so a rate of 0 or 1 still carries one). The columns are float32, as
    embeddings usually are (sorted twice as fast; rounding moves :math:`A^2` and :math:`K^2` by a
    relative ~1e-7, far below the rates' Monte Carlo error)."""
    n = integer(n, "n (rows)", minimum=20)
    replicates = integer(replicates, "replicates", minimum=2)
    gen = np.random.default_rng(seed)
    per = max(1, min(replicates, 2**23 // n))  # ~32 MB of float32 per batch
    parts = []
    for start in range(0, replicates, per):
        cols = null_columns(n, d, min(per, replicates - start), law=law, rng=gen, dtype=np.float32)
        parts.append(coordinate_tests(cols, columns_first=True, workers=workers))
    ad = np.concatenate([p.ad for p in parts])
    dp = np.concatenate([p.dp_pvalue for p in parts])
    r = ad.size
    return NullRates(
        law=law, n=n, d=int(d), replicates=r, seed=seed,
        ad_pass=proportion_estimate(int(np.sum(ad < AD_THRESHOLD)), r, seed),
        dp_pass=proportion_estimate(int(np.sum(dp > DP_LEVEL)), r, seed),
        both_pass=proportion_estimate(int(np.sum((ad < AD_THRESHOLD) & (dp > DP_LEVEL))), r, seed),
        ad_mean=Estimate(float(ad.mean()), float(ad.std(ddof=1) / math.sqrt(r)), r, seed),
        dp_mean=Estimate(float(dp.mean()), float(dp.std(ddof=1) / math.sqrt(r)), r, seed),
    )


def pass_rate_band(rate: Estimate, columns: int, *, level: float = 0.95) -> tuple[float, float]:
    r"""The interval a pass *fraction* over ``columns`` independent coordinates falls in with
    probability >= ``level`` under the null: the :math:`(1\mp\text{level})/2` quantiles of
    Binomial(columns, p) with p moved 2 standard errors of the simulated rate outwards (the
    Monte Carlo error of the null rate is thereby included, conservatively)."""
    columns = integer(columns, "columns", minimum=1)
    lo_p = min(max(rate.value - 2 * rate.se, 0.0), 1.0)
    hi_p = min(max(rate.value + 2 * rate.se, 0.0), 1.0)
    tail = (1 - level) / 2
    return (float(stats.binom.ppf(tail, columns, lo_p)) / columns,
            float(stats.binom.ppf(1 - tail, columns, hi_p)) / columns)


def anderson_pvalue(a2, n):
    r"""P-value of the Anderson–Darling normality test with estimated mean and variance.

    D'Agostino & Stephens (1986), Table 4.9: with :math:`A^*=A^2(1+0.75/n+2.25/n^2)`,

    * :math:`A^*\ge0.6`: :math:`p=\exp(1.2937-5.709A^*+0.0186A^{*2})`
    * :math:`0.34<A^*<0.6`: :math:`p=\exp(0.9177-4.279A^*-1.38A^{*2})`
    * :math:`0.2<A^*\le0.34`: :math:`p=1-\exp(-8.318+42.796A^*-59.938A^{*2})`
    * :math:`A^*\le0.2`: :math:`p=1-\exp(-13.436+101.14A^*-223.73A^{*2})`

    (the formula of R's ``nortest::ad.test``; clipped to [0, 1], and held at its value at
    :math:`A^*=153` beyond, where the fitted quadratic would turn back up).
    """
    a = np.asarray(a2, dtype=float) * (1 + 0.75 / n + 2.25 / n**2)
    top = np.minimum(a, 153.0)  # the first quadratic turns up at A* = 5.709/(2·0.0186) ≈ 153.5 (p ~ 1e-190 there)
    p = np.select(
        [a >= 0.6, a > 0.34, a > 0.2],
        [np.exp(1.2937 - 5.709 * top + 0.0186 * top * top), np.exp(0.9177 - 4.279 * a - 1.38 * a * a),
         1 - np.exp(-8.318 + 42.796 * a - 59.938 * a * a)],
        1 - np.exp(-13.436 + 101.14 * a - 223.73 * a * a),
    )
    out = np.clip(p, 0.0, 1.0)
    return out if out.ndim else float(out)


def random_directions(d, k, *, rng) -> np.ndarray:
    """A (d, k) matrix of k orthonormal directions, uniformly random (QR of a Gaussian matrix); k <= d."""
    d = integer(d, "d (the ambient dimension)", minimum=1)
    k = integer(k, "k (the number of directions)", minimum=1, maximum=d)
    q, r = np.linalg.qr(as_generator(rng).standard_normal((d, k)))
    return q * np.sign(np.diag(r))  # sign fix makes the law Haar-uniform


@dataclass(frozen=True)
class ProjectionTests:
    r"""Anderson–Darling on K random orthonormal projections (Cramér–Wold).

    ``effect`` is :math:`A^2/n` per direction, the Anderson–Darling distance of the projected law to
    its fitted normal (it converges to a divergence as n grows, where :math:`A^2` itself grows like n).
    The family rejects at ``level`` when :math:`\min_j p_j\le\text{level}/K` (Bonferroni, valid under any dependence);
    ``family_pvalue`` is :math:`\min(1, K\min_j p_j)`.
    """

    ad: np.ndarray
    pvalue: np.ndarray
    effect: np.ndarray
    family_pvalue: float
    level: float
    n: int

    @property
    def rejected(self) -> bool:
        return self.family_pvalue <= self.level


def projection_tests(projected, *, level: float = 0.05, workers=None) -> ProjectionTests:
    """Test each column of an (n, K) array of projections ``x @ W`` for normality (see :class:`ProjectionTests`)."""
    tests = coordinate_tests(projected, workers=workers)
    p = anderson_pvalue(tests.ad, tests.n)
    k = tests.ad.size
    return ProjectionTests(ad=tests.ad, pvalue=p, effect=tests.ad / tests.n,
                           family_pvalue=float(min(1.0, k * p.min())), level=level, n=tests.n)


def standardize(x) -> np.ndarray:
    r""":math:`y_i=L^{-1}(x_i-\bar x)` with :math:`LL^\top=S` the covariance with divisor m (Mahalanobis
    whitening, as in Mardia's and Henze–Zirkler's statistics); raises if S is singular.

    Computed from the thin QR factorization of the centred data :math:`C=X-\bar x=QR`: then
    :math:`S=R^\top R/m`, :math:`L=R^\top/\sqrt m` (rows of R signed so that its diagonal is positive,
    which makes L the Cholesky factor) and :math:`Y=CL^{-\top}=\sqrt m\,Q`. This has the condition number
    of the data, where a Cholesky factorization of :math:`C^\top C` squares it (at cond ≈ 3·10⁷ that
    moves Mardia's statistics by percents)."""
    x = np.asarray(x, dtype=np.float64)
    m, k = x.shape
    if m <= k:
        raise ValueError(f"standardizing needs more samples than dimensions, got m={m} <= k={k}.")
    q, r = np.linalg.qr(x - x.mean(axis=0))
    pivots = np.abs(np.diag(r))
    if not np.all(np.isfinite(pivots)) or pivots.min() <= 1e-7 * pivots.max():  # cond(S) above 1e14
        raise ValueError("the sample covariance is singular (collinear or constant directions); "
                         "the affine-invariant tests are undefined.")
    return q * (math.sqrt(m) * np.sign(np.diag(r)))


@dataclass(frozen=True)
class MultivariateTest:
    """One multivariate normality test: statistic, p-value, an effect size, sample size m and dimension k."""

    name: str
    statistic: float
    pvalue: float
    effect: float
    m: int
    k: int
    note: str = ""

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def mardia_tests(x) -> tuple[MultivariateTest, MultivariateTest]:
    r"""Mardia's multivariate skewness and kurtosis (Mardia 1970, 1974) of an (m, k) sample.

    With standardized :math:`y_i`: :math:`b_{1}=\frac1{m^2}\sum_{ij}(y_i\cdot y_j)^3=\sum_{abc}\bar
    M_{abc}^2` (the squared third-moment tensor, O(m k^3) instead of O(m^2)) and
    :math:`b_{2}=\frac1m\sum_i\|y_i\|^4` (the tensor is accumulated over row chunks: memory O(8192 k^2)). Under normality :math:`m\,c\,b_1/6\sim\chi^2_{k(k+1)(k+2)/6}`
    with Mardia's small-sample factor :math:`c=(k+1)(m+1)(m+3)/(m((m+1)(k+1)-6))`, and
    :math:`(b_2-k(k+2)(m-1)/(m+1))/\sqrt{8k(k+2)/m}\sim N(0,1)` (two-sided). Effects: :math:`b_1`
    (0 for symmetric laws) and :math:`b_2/(k(k+2))-1` (0 for the Gaussian; < 0 for a thin shell).
    """
    y = standardize(x)
    m, k = y.shape
    third = sum(np.einsum("ia,ib,ic->abc", c, c, c, optimize=True) for c in np.array_split(y, -(-m // 8192))) / m
    b1 = float(np.sum(third * third))
    c = (k + 1) * (m + 1) * (m + 3) / (m * ((m + 1) * (k + 1) - 6))
    df = k * (k + 1) * (k + 2) / 6
    skew_stat = m * c * b1 / 6
    b2 = float(np.mean(np.einsum("ij,ij->i", y, y) ** 2))
    z = (b2 - k * (k + 2) * (m - 1) / (m + 1)) / math.sqrt(8 * k * (k + 2) / m)
    return (MultivariateTest("mardia_skewness", skew_stat, float(stats.chi2.sf(skew_stat, df)), b1, m, k),
            MultivariateTest("mardia_kurtosis", z, float(2 * stats.norm.sf(abs(z))), b2 / (k * (k + 2)) - 1, m, k))


def _pairwise_sum(y: np.ndarray, kernel, *, chunk_rows: int = 1024) -> float:
    """:math:`\\sum_{i,j}` kernel(squared distance) over all ordered pairs, one row chunk at a time."""
    sq = np.einsum("ij,ij->i", y, y)
    total = 0.0
    for start in range(0, y.shape[0], chunk_rows):
        a = y[start:start + chunk_rows]
        d2 = sq[start:start + chunk_rows, None] + sq[None, :] - 2.0 * (a @ y.T)
        total += float(kernel(np.maximum(d2, 0.0)).sum())
    return total


def bhep_statistic(y, beta: float, *, chunk_rows: int = 1024) -> float:
    r"""The BHEP statistic (Baringhaus–Henze–Epps–Pulley) of a standardized (m, k) sample:

    .. math:: T_\beta=\frac1m\sum_{i,j}e^{-\beta^2\|y_i-y_j\|^2/2}
              -2(1+\beta^2)^{-k/2}\sum_i e^{-\beta^2\|y_i\|^2/(2(1+\beta^2))}+m(1+2\beta^2)^{-k/2},

    :math:`m\int|\psi_m(t)-e^{-\|t\|^2/2}|^2\varphi_\beta(t)dt` with :math:`\psi_m` the empirical
    characteristic function; the pairwise sum runs in row chunks (memory O(chunk · m)).
    """
    y = np.asarray(y, dtype=np.float64)
    m, k = y.shape
    b2 = beta * beta
    pair = _pairwise_sum(y, lambda d2: np.exp(-b2 / 2 * d2), chunk_rows=chunk_rows)
    single = np.exp(-b2 * np.einsum("ij,ij->i", y, y) / (2 * (1 + b2))).sum()
    return pair / m - 2 * (1 + b2) ** (-k / 2) * single + m * (1 + 2 * b2) ** (-k / 2)


def henze_zirkler(x, *, chunk_rows: int = 1024) -> MultivariateTest:
    r"""Henze–Zirkler test of multivariate normality (Henze & Zirkler 1990) of an (m, k) sample.

    The BHEP statistic at :math:`\beta=\frac1{\sqrt2}\bigl(\frac{(2k+1)m}4\bigr)^{1/(k+4)}`; p-value from
    the lognormal law with HZ's mean :math:`\mu=1-a^{-k/2}(1+k\beta^2/a+k(k+2)\beta^4/(2a^2))` and
    variance :math:`\sigma^2=2(1+4\beta^2)^{-k/2}+2a^{-k}(1+2k\beta^4/a^2+3k(k+2)\beta^8/(4a^4))
    -4w^{-k/2}(1+3k\beta^4/(2w)+k(k+2)\beta^8/(2w^2))`, :math:`a=1+2\beta^2`,
    :math:`w=(1+\beta^2)(1+3\beta^2)`. Effect: :math:`T/m`, which converges to the weighted
    :math:`L^2` distance between the characteristic functions of the law and of N(0, I).
    """
    y = standardize(x)
    m, k = y.shape
    beta = (1 / math.sqrt(2)) * ((2 * k + 1) * m / 4) ** (1 / (k + 4))
    t = bhep_statistic(y, beta, chunk_rows=chunk_rows)
    b2 = beta * beta
    a, w = 1 + 2 * b2, (1 + b2) * (1 + 3 * b2)
    mu = 1 - a ** (-k / 2) * (1 + k * b2 / a + k * (k + 2) * b2**2 / (2 * a * a))
    var = (2 * (1 + 4 * b2) ** (-k / 2) + 2 * a ** (-k) * (1 + 2 * k * b2**2 / a**2 + 3 * k * (k + 2) * b2**4 / (4 * a**4))
           - 4 * w ** (-k / 2) * (1 + 3 * k * b2**2 / (2 * w) + k * (k + 2) * b2**4 / (2 * w * w)))
    log_sd = math.sqrt(math.log1p(var / mu**2))
    log_mean = math.log(mu) - log_sd**2 / 2
    p = float(stats.lognorm.sf(t, log_sd, scale=math.exp(log_mean)))
    return MultivariateTest("henze_zirkler", float(t), p, float(t) / m, m, k, note=f"beta={beta:.4g}")


def _mean_distance_to_gaussian(sq_norms: np.ndarray, k: int) -> np.ndarray:
    r""":math:`E\|a-Z\|` for :math:`Z\sim N(0,I_k)`:
    :math:`\sqrt2\,\Gamma(\frac{k+1}2)/\Gamma(\frac k2)\,{}_1F_1(-\frac12;\frac k2;-\frac{\|a\|^2}2)`
    (Székely & Rizzo 2005, Eq. 2.3)."""
    ratio = math.exp(special.gammaln((k + 1) / 2) - special.gammaln(k / 2))
    return math.sqrt(2) * ratio * special.hyp1f1(-0.5, k / 2, -sq_norms / 2)


def _energy_statistic(y: np.ndarray) -> float:
    m, k = y.shape
    ratio = math.exp(special.gammaln((k + 1) / 2) - special.gammaln(k / 2))
    to_gauss = _mean_distance_to_gaussian(np.einsum("ij,ij->i", y, y), k).mean()
    within = _pairwise_sum(y, np.sqrt) / m**2
    return m * (2 * to_gauss - 2 * ratio - within)


@lru_cache(maxsize=16)
def _energy_null(m: int, k: int, replicates: int, seed) -> np.ndarray:
    """The energy statistics of ``replicates`` standardized N(0, I_k) samples of size m: the bootstrap null,
    which depends on (m, k, replicates, seed) only, so it is simulated once per process (read-only)."""
    gen = np.random.default_rng(seed)
    null = np.array([_energy_statistic(standardize(gen.standard_normal((m, k)))) for _ in range(replicates)])
    null.flags.writeable = False
    return null


def energy_test(x, *, replicates: int = 99, seed: int = 0) -> MultivariateTest:
    r"""Energy test of multivariate normality (Székely & Rizzo 2005) of an (m, k) sample.

    :math:`\mathcal E=m\bigl(\frac2m\sum_iE\|y_i-Z\|-E\|Z-Z'\|-\frac1{m^2}\sum_{ij}\|y_i-y_j\|\bigr)`
    on the standardized sample, :math:`E\|Z-Z'\|=2\Gamma(\frac{k+1}2)/\Gamma(\frac k2)`; the p-value is
    the parametric bootstrap :math:`(1+\#\{\mathcal E^*\ge\mathcal E\})/(R+1)` over ``replicates``
    standardized Gaussian samples of the same (m, k) (exact level by construction). Effect:
    :math:`\mathcal E/m`, the energy distance to the fitted Gaussian.
    """
    y = standardize(x)
    m, k = y.shape
    stat = _energy_statistic(y)
    p = (1 + int(np.sum(_energy_null(m, k, int(replicates), seed) >= stat))) / (replicates + 1)
    return MultivariateTest("energy", float(stat), p, float(stat) / m, m, k, note=f"bootstrap R={replicates}, seed={seed}")


def thin_shell(norms, d) -> dict:
    r"""Radial spread of embeddings against the isotropic Gaussian of the same d.

    Returns the CV of the norms (paper Eq. 20) with its delta-method standard error, the chi-law
    reference :math:`\mathrm{CV}_\chi(d)=\sqrt{d-\mu_d^2}/\mu_d\approx1/\sqrt{2d}`, their ratio, and the
    coordinate excess kurtosis the spread implies for a rotation-invariant law,
    :math:`\frac{3d}{d+2}\frac{E r^4}{(E r^2)^2}-3`.
    """
    r = np.asarray(norms, dtype=np.float64)
    d = integer(d, "d (the ambient dimension)", minimum=2)
    if r.size < 3 or r.min() <= 0:
        raise ValueError("the thin-shell check needs at least 3 positive norms.")
    spread = np.ptp(r) / r.mean()
    # already-normalized embeddings: a spread at rounding level is a perfect shell (raw moments cancel there)
    cv = Estimate(float(r.std() / r.mean()), 0.0, int(r.size)) if spread < 1e-6 else cv_estimate(r)
    ref = chi_norm_moments(d).cv
    r2 = r * r
    implied = 3 * d / (d + 2) * np.mean(r2 * r2) / np.mean(r2) ** 2 - 3
    return {"cv": cv.value, "cv_se": cv.se, "cv_chi": ref, "ratio": cv.value / ref, "ratio_se": cv.se / ref,
            "mean_norm": float(r.mean()), "implied_excess_kurtosis": float(implied),
            "sphere_excess_kurtosis": -6 / (d + 2), "n": int(r.size)}


def spectrum_summary(eigenvalues) -> dict:
    r"""Isotropy and collapse from the eigenvalues :math:`\lambda` of a covariance (or second moment).

    Effective rank :math:`\exp(-\sum p_i\log p_i)`, :math:`p=\lambda/\sum\lambda` (Roy & Vetterli 2007),
    participation ratio :math:`(\sum\lambda)^2/\sum\lambda^2`, both d for an isotropic law, and the
    share of the top eigenvalue and of the top 10%.
    """
    lam = np.clip(np.sort(np.asarray(eigenvalues, dtype=np.float64))[::-1], 0.0, None)
    total = lam.sum()
    if total <= 0:
        raise ValueError("all eigenvalues are zero: the embeddings are constant.")
    p = lam / total
    nz = p[p > 0]
    d = lam.size
    return {"d": d, "effective_rank": float(np.exp(-np.sum(nz * np.log(nz)))),
            "participation_ratio": float(total**2 / np.sum(lam * lam)),
            "top_share": float(p[0]), "top10pct_share": float(p[: max(1, d // 10)].sum()),
            "condition_number": float(lam[0] / lam[-1]) if lam[-1] > 0 else math.inf}


def _phi_estimate(u: np.ndarray, alpha: float) -> float:
    """Plug-in Φ of the empirical law with the diagonal removed: mean_i log mean_{j≠i} exp(α u_i·u_j)."""
    m = u.shape[0]
    g = alpha * (u @ u.T)
    np.fill_diagonal(g, -np.inf)
    return float(np.mean(special.logsumexp(g, axis=1) - math.log(m - 1)))


def phi_null_gaps(m: int, d: int, *, alpha: float, replicates: int, seed: int) -> np.ndarray:
    r"""The plug-in Φ estimator minus :math:`\Phi(\sigma)` on ``replicates`` exactly uniform samples of m points
    on :math:`S^{d-1}` (seeded ``seed``): the null law of :func:`phi_gap` at (m, d, α)."""
    exact = float(log_hyp0f1(d / 2, alpha * alpha / 4))
    gen = np.random.default_rng(seed)
    null = []
    for _ in range(replicates):
        g = gen.standard_normal((m, d))
        null.append(_phi_estimate(g / np.linalg.norm(g, axis=1, keepdims=True), alpha) - exact)
    return np.array(null)


def phi_gap(u, *, alpha: float = 10.0, replicates: int = 20, seed: int = 0, null=None) -> dict:
    r"""The uniformity potential :math:`\Phi(\mu)=E_u\log E_v e^{\alpha u\cdot v}` of unit vectors ``u``
    (m × d, subsample them first) against its minimum :math:`\Phi(\sigma)=\log{}_0F_1(;d/2;\alpha^2/4)`.

    The plug-in estimator is biased at finite m, so the same estimator on ``replicates`` exactly uniform
    samples of the same (m, d) gives the null band (:func:`phi_null_gaps`, or ``null``: its values, e.g.
    cached); ``excess`` is the gap minus the null mean, in nats. By Jensen :math:`\Phi(\mu)\ge\alpha\|m\|^2`.
    """
    u = np.asarray(u, dtype=np.float64)
    m, d = u.shape
    exact = float(log_hyp0f1(d / 2, alpha * alpha / 4))
    est = _phi_estimate(u, alpha)
    null = phi_null_gaps(m, d, alpha=alpha, replicates=replicates, seed=seed) if null is None else np.asarray(null)
    return {"alpha": alpha, "m": m, "phi": est, "phi_uniform": exact, "gap": est - exact,
            "null_gap_mean": float(null.mean()), "null_gap_sd": float(null.std(ddof=1)),
            "excess": est - exact - float(null.mean()), "replicates": int(null.size), "seed": seed}
