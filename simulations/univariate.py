r"""Per-coordinate (univariate) normality tests of an (n, d) sample, and the paper's table columns.

:func:`coordinate_tests` computes, for every column at once, the Anderson–Darling statistic of case 3 (mean
and variance estimated),

.. math:: A^2=-n-\sum_{i=1}^n\frac{2i-1}n\bigl[\log\Phi(w_{(i)})+\log\Phi(-w_{(n+1-i)})\bigr],
          \qquad w=(y-\bar y)/s,

identical to ``scipy.stats.anderson(x, 'norm').statistic``, and the D'Agostino–Pearson
:math:`K^2=Z(\sqrt{b_1})^2+Z(b_2)^2` of skewness and kurtosis with its :math:`\chi^2_2` p-value (identical to
``scipy.stats.normaltest``). A coordinate *passes* if :math:`A^2<0.752` (SciPy's large-n 5% critical value) and
if :math:`p>0.05` (the paper's protocol, Sec. 5); :func:`paper_columns` gives the paper's four table columns.
:func:`anderson_pvalue` is D'Agostino & Stephens' p-value of :math:`A^2`.

References: Stephens (1974) and D'Agostino & Stephens (1986, Ch. 4) for :math:`A^2`; D'Agostino (1970),
Anscombe & Glynn (1983), D'Agostino & Pearson (1973) for :math:`K^2`.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from scipy import special

from infonce_gauss.theory.validation import integer

__all__ = ["AD_THRESHOLD", "DP_LEVEL", "paper_rule", "resolve_workers", "CoordinateTests", "PaperColumns", "coordinate_tests",
           "tested_shape", "coordinate_results", "paper_columns", "anderson_pvalue"]

AD_THRESHOLD = 0.752  # SciPy's 5% critical value of A^2 for large n (D'Agostino & Stephens case 3)
DP_LEVEL = 0.05       # the paper's D'Agostino–Pearson pass level: p > 0.05


def paper_rule(ad_avg: float, dp_avg: float) -> bool:
    """Table 1's "Gaussian?" column (Sec. 5): mean A² over the coordinates below :data:`AD_THRESHOLD` and mean
    D'Agostino–Pearson p-value above :data:`DP_LEVEL`."""
    return bool(ad_avg < AD_THRESHOLD and dp_avg > DP_LEVEL)
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

    def to_dict(self) -> dict:
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
    return PaperColumns(ad_avg=float(tests.ad.mean()), ad_pass_pct=100.0 * ad_ok / d, dp_avg=float(tests.dp_pvalue.mean()),
                        dp_pass_pct=100.0 * dp_ok / d, ad_pass_count=ad_ok, dp_pass_count=dp_ok, columns=int(d))


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
