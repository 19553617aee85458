r"""The law of a per-coordinate summary when the coordinates are dependent: design effects and null bands.

The suite's per-coordinate summaries of d coordinates (the share passing Anderson–Darling :math:`A^2<0.752`, the
share passing D'Agostino–Pearson :math:`p>0.05`, the mean :math:`A^2`, the mean DP p-value; :data:`SUMMARIES`)
are means :math:`S=\frac1d\sum_j s_j` of one value per coordinate. Under a null where every coordinate is
exactly Gaussian but the coordinates are correlated (correlation matrix R), the mean of S is that of
independent coordinates and its variance is

.. math:: \operatorname{Var}S=\frac{\sigma_s^2}{d}\,D_s,\qquad
          D_s=\frac1d\sum_{j,k}\rho_s(R_{jk}),

where :math:`\rho_s(r)` is the correlation of the values :math:`s_j, s_k` of two coordinates whose samples are
jointly Gaussian with correlation r, and :math:`D_s` is the *design effect*; :math:`d/D_s` is the effective
number of coordinates (the d of independent coordinates that give the same variance). By Mehler's formula
(the Hermite expansion of a function of n pairs of correlated standard normals, e.g. Janson, *Gaussian Hilbert
Spaces*, Thm. 1.35 / Prop. 1.48) :math:`\rho_s(r)=\sum_k w_kr^k` with :math:`w_k\ge0`,
:math:`\sum_kw_k=\rho_s(1)=1`; the tests are invariant under :math:`x\mapsto-x`, so only even k occur. Both
tests standardize each column, so :math:`\rho_s` is a fixed function of r that depends on n only through
:math:`O(1/\sqrt n)` corrections. :func:`outcome_correlations` simulates :math:`\rho_s` on a grid of r and
:class:`OutcomeMap` fits it in that class (non-negative weights on even powers, summing to 1), so the design effect
of any R costs :math:`O(d^2)`: :func:`design_effects`. Pairs with :math:`|r|\lesssim0.6` barely count (the
fitted weight sits on :math:`r^6` and above), which also makes :math:`D_s` insensitive to the sampling noise of
an estimated R (:math:`\hat r^6\sim n^{-3}` for an uncorrelated pair). The design effect depends on R only through the
power sums :math:`P_k=\frac1d\sum_{jl}R_{jl}^k` (:func:`power_sums`), so a table of them (16 numbers) stands for R
wherever the outcome map is applied later (:func:`weighted_design_effects`).

:func:`summary_band` turns :math:`(d, D_s)` and the null law of one coordinate into the band S falls in: for a
pass share, the beta-binomial over d coordinates with the null pass rate as its mean and the intra-class
correlation :math:`(D_s-1)/(d-1)` (the exchangeable law with exactly this variance: the binomial at
:math:`D_s=1`, one Bernoulli at :math:`D_s=d`); for a mean, a gamma (:math:`A^2`) or beta (p-values, in [0, 1])
law with the null mean and the variance :math:`\sigma_s^2D_s/d`. Those shapes are approximations for a
heterogeneous R; :func:`null_summaries` is the exact Monte Carlo law (a parametric bootstrap: replicates of
n × d columns drawn from N(0, R) through a low-rank-plus-diagonal factor model, :func:`factor_model`, run
through the same tests), which the suite uses to validate the bands and which costs
:math:`O(\text{replicates}\cdot nd(r+\log n))`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats

from infonce_gauss.simulations.sampling import as_generator
from infonce_gauss.simulations.univariate import AD_THRESHOLD, DP_LEVEL, CoordinateTests, coordinate_tests
from infonce_gauss.theory.validation import integer

__all__ = ["SUMMARIES", "POWERS", "coordinate_values", "factor_model", "correlated_columns", "null_summaries",
           "outcome_correlations", "OutcomeMap", "fit_outcome_map", "column_correlation",
           "power_sums", "design_effects", "weighted_design_effects", "summary_se", "SummaryBand", "summary_band",
           "share_lower_tail"]

SUMMARIES = ("ad_pass", "dp_pass", "ad_mean", "dp_mean")
"""The per-coordinate summaries: shares passing AD and DP, mean :math:`A^2`, mean DP p-value."""

POWERS = (2, 4, 6, 8, 10, 12, 16, 20, 24, 32, 48, 64, 96, 128, 192, 256)
"""The even powers of r an :class:`OutcomeMap` may put weight on (the high ones resolve the steep rise near r = 1)."""


def coordinate_values(tests: CoordinateTests) -> np.ndarray:
    """The (4, d) per-coordinate values whose means are the :data:`SUMMARIES`: AD pass indicator, DP pass
    indicator, :math:`A^2`, DP p-value."""
    return np.vstack([tests.ad < AD_THRESHOLD, tests.dp_pvalue > DP_LEVEL, tests.ad, tests.dp_pvalue]).astype(np.float64)


def factor_model(correlation, *, rank: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    r"""Loadings L (d × r) and noise scales σ (d) with :math:`LL^\top+\mathrm{diag}(\sigma^2)\approx R`.

    L holds the top ``rank`` eigenvectors of R scaled by the square roots of their eigenvalues (negative
    eigenvalues of an estimated R clipped at 0); :math:`\sigma_j^2=\max(R_{jj}-\|L_j\|^2,0)` keeps every
    coordinate's variance exact and drops the remainder's off-diagonal part. ``rank=None`` (all d) is exact.
    """
    r = _square(correlation, "correlation")
    d = r.shape[0]
    rank = d if rank is None else integer(rank, "rank", minimum=0)
    rank = min(rank, d)
    lam, vec = np.linalg.eigh(r)
    top = slice(d - rank, d)
    loadings = vec[:, top] * np.sqrt(np.clip(lam[top], 0.0, None))
    noise = np.sqrt(np.clip(np.diag(r) - np.einsum("ij,ij->i", loadings, loadings), 0.0, None))
    return loadings[:, ::-1], noise


def correlated_columns(loadings, noise, n: int, *, rng, dtype=np.float32) -> np.ndarray:
    r"""A (d, n) array whose n columns are i.i.d. :math:`N(0, LL^\top+\mathrm{diag}(\sigma^2))` (one coordinate per
    row, as :func:`~infonce_gauss.simulations.univariate.coordinate_tests` takes with ``columns_first``): cost
    :math:`O(nd(r+1))`."""
    gen = as_generator(rng)
    loadings, noise = np.asarray(loadings, dtype=np.float64), np.asarray(noise, dtype=np.float64)
    out = noise[:, None] * gen.standard_normal((noise.size, n))
    if loadings.shape[1]:
        out += loadings @ gen.standard_normal((loadings.shape[1], n))
    return out.astype(dtype, copy=False)


def null_summaries(correlation=None, *, n: int, replicates: int, seed: int, factors=None, rank: int | None = None,
                   tests: Callable[..., CoordinateTests] = coordinate_tests) -> np.ndarray:
    r"""The Monte Carlo null law of the :data:`SUMMARIES` under N(0, R): a (replicates, 4) array.

    Parameters
    ----------
    correlation : (d, d) array, optional
        R (any covariance works: the tests are scale-invariant per coordinate). Give it or ``factors``.
    n : int
        Rows of each replicate (the sample size whose law is wanted; at least 20).
    replicates : int
        Replicate data sets, each n × d, drawn through :func:`correlated_columns`.
    seed : int
        Seed of the draws (``numpy.random.default_rng(seed)``).
    factors : (loadings, noise), optional
        A factor model of R (:func:`factor_model`), used as given.
    rank : int, optional
        With ``correlation``: the rank of the factor model (default: exact, all d).
    tests : callable
        ``tests(columns, columns_first=True)`` -> :class:`~infonce_gauss.simulations.univariate.CoordinateTests`.

    Returns
    -------
    numpy.ndarray
        Row i holds the four summaries of replicate i (AD pass share, DP pass share, mean A², mean DP p).
    """
    n = integer(n, "n (rows)", minimum=20)
    replicates = integer(replicates, "replicates", minimum=1)
    if (correlation is None) == (factors is None):
        raise ValueError("give exactly one of correlation (a d × d matrix) and factors (loadings, noise).")
    loadings, noise = factor_model(correlation, rank=rank) if factors is None else factors
    gen = np.random.default_rng(seed)
    return np.array([coordinate_values(tests(correlated_columns(loadings, noise, n, rng=gen), columns_first=True)).mean(axis=1)
                     for _ in range(replicates)])


def outcome_correlations(grid, *, n: int, pairs: int, seed: int) -> np.ndarray:
    r""":math:`\rho_s(r)` for each r of ``grid`` and each summary s: a (len(grid), 4) array of the Pearson
    correlations of the per-coordinate values (:func:`coordinate_values`) of two columns of n rows whose rows are
    i.i.d. bivariate normal with correlation r, over ``pairs`` simulated pairs (standard error about
    :math:`(1-\rho^2)/\sqrt{\text{pairs}}`)."""
    grid = np.asarray(grid, dtype=np.float64)
    if grid.ndim != 1 or np.any(np.abs(grid) > 1):
        raise ValueError(f"grid must be correlations in [-1, 1], got {grid!r}.")
    gen = np.random.default_rng(seed)
    out = np.ones((grid.size, len(SUMMARIES)))  # |r| = 1: identical columns (up to sign), identical outcomes
    for i, r in enumerate(grid):
        if abs(r) < 1:
            x = gen.standard_normal((pairs, n), dtype=np.float32)
            y = (r * x + math.sqrt(1 - r * r) * gen.standard_normal((pairs, n), dtype=np.float32)).astype(np.float32)
            a, b = (coordinate_values(coordinate_tests(c, columns_first=True)) for c in (x, y))
            out[i] = [np.corrcoef(a[s], b[s])[0, 1] for s in range(len(SUMMARIES))]
    return out


@dataclass(frozen=True)
class OutcomeMap:
    r""":math:`\rho_s(r)=\sum_kw_{s,k}r^k` over :data:`POWERS`, for each summary s, with its provenance.

    ``weights[s]`` are the non-negative weights of summary s (summing to 1); ``n``, ``pairs`` and ``seed`` are the
    simulation it was fitted to (:func:`fit_outcome_map`)."""

    weights: dict
    n: int
    pairs: int
    seed: int

    def __call__(self, summary: str, r) -> np.ndarray:
        r = np.asarray(r, dtype=np.float64)
        return sum(w * r**k for w, k in zip(self.weights[summary], POWERS))


def fit_outcome_map(grid, correlations, *, n: int, pairs: int, seed: int) -> OutcomeMap:
    r"""The :class:`OutcomeMap` fitted to simulated correlations (:func:`outcome_correlations` on ``grid``): for
    each summary, non-negative least squares of the correlations on :math:`r^k`, :math:`k\in` :data:`POWERS`,
    with :math:`\sum_kw_k=1` (:math:`\rho(1)=1`) imposed as a heavily weighted extra row."""
    grid = np.asarray(grid, dtype=np.float64)
    design = np.vstack([grid[:, None] ** np.array(POWERS), 1e3 * np.ones(len(POWERS))])
    weights = {}
    for s, name in enumerate(SUMMARIES):
        w, _ = optimize.nnls(design, np.append(np.asarray(correlations)[:, s], 1e3))
        weights[name] = tuple(float(v) for v in w / w.sum())
    return OutcomeMap(weights=weights, n=int(n), pairs=int(pairs), seed=int(seed))


def column_correlation(x) -> np.ndarray:
    r"""The sample correlation matrix of the d columns of an (n, d) array (float64); a constant column (no spread to
    correlate) is taken as uncorrelated with the rest, with 1 on the diagonal."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] < 2 or not np.all(np.isfinite(x)):
        raise ValueError(f"x must be a finite (n, d) array with n >= 2 rows, got shape {x.shape}.")
    centered = x - x.mean(axis=0)
    scale = np.sqrt(np.einsum("ij,ij->j", centered, centered))
    dead = ~(scale > 0)
    scale[dead] = 1.0
    centered /= scale
    r = np.clip(centered.T @ centered, -1.0, 1.0)
    r[dead, :] = r[:, dead] = 0.0
    np.fill_diagonal(r, 1.0)
    return r


def power_sums(correlation) -> dict[int, float]:
    r"""The power sums :math:`P_k=\frac1d\sum_{j,l}R_{jl}^k` of the correlation matrix R for each k in :data:`POWERS`
    (its diagonal is taken as 1, entries clipped to [-1, 1]): the d-free inputs of every design effect,
    :math:`D_s=\sum_kw_{s,k}P_k` (:func:`design_effects`).

    Every k is even, so each term is non-negative and :math:`1\le P_k\le d`, non-increasing in k: :math:`P_k=1`
    for independent coordinates (R = I), d for identical ones (all :math:`|R_{jl}|=1`), and
    :math:`1+(d-1)r^k` for equicorrelated ones (:math:`R_{jl}=r`, j ≠ l). The participation ratio
    :math:`(\operatorname{tr}R)^2/\|R\|_F^2` of R (:func:`infonce_gauss.simulations.geometry.participation_ratio` of
    its eigenvalues) is :math:`d/P_2`. Cost :math:`O(d^2)` per power (the powers above 8 only over the
    pairs with :math:`r^2>10^{-4}`, whose 10th power is below :math:`10^{-20}`)."""
    r = _square(correlation, "correlation")
    d = r.shape[0]
    sq = np.clip(r * r, 0.0, 1.0)
    np.fill_diagonal(sq, 1.0)
    flat = sq.ravel()
    big = flat[flat > 1e-4]
    return {k: float(np.sum((flat if k <= 8 else big) ** (k // 2))) / d for k in POWERS}


def design_effects(correlation, outcome_map: OutcomeMap) -> dict[str, float]:
    r"""The design effect :math:`D_s=\frac1d\sum_{j,l}\rho_s(R_{jl})=\sum_kw_{s,k}P_k` of each summary for the
    correlation matrix R (:func:`power_sums` weighted by the outcome map; :func:`weighted_design_effects`): 1 for
    independent coordinates, d for identical ones. Cost :math:`O(d^2)` per power."""
    return weighted_design_effects(power_sums(correlation), outcome_map)


def weighted_design_effects(sums, outcome_map: OutcomeMap) -> dict[str, float]:
    r""":math:`D_s=\sum_kw_{s,k}P_k` of each summary s from the power sums :math:`P_k` of :func:`power_sums` (a mapping
    from each k in :data:`POWERS` to :math:`P_k`; keys may be ints or their strings, as read back from JSON).
    Since the weights are non-negative and sum to 1 and :math:`1\le P_k\le d`, :math:`1\le D_s\le d`."""
    sums = {int(k): float(v) for k, v in sums.items()}
    if set(sums) != set(POWERS):
        raise ValueError(f"power sums must be given for exactly the powers {POWERS}, got {sorted(sums)}.")
    return {s: sum(w * sums[k] for w, k in zip(outcome_map.weights[s], POWERS)) for s in SUMMARIES}


def summary_se(sd: float, *, d: int, design_effect: float) -> float:
    r"""The standard error of a summary :math:`S=\frac1d\sum_js_j` of d dependent coordinates, from the sample
    standard deviation ``sd`` (ddof = 1) of the :math:`s_j` over the same coordinates and the summary's design
    effect D.

    With a common variance :math:`\sigma^2` of every :math:`s_j`, :math:`\operatorname{Var}S=\sigma^2D/d` and the
    sample variance over the coordinates is biased low by their correlation:
    :math:`E\,s^2=\frac{1}{d-1}\bigl(d\sigma^2-d\operatorname{Var}S\bigr)=\sigma^2\frac{d-D}{d-1}`. So

    .. math:: \widehat{\mathrm{se}}=s\sqrt{\frac{D\,(d-1)}{d\,(d-D)}},

    sd/√d at D = 1 (independent coordinates) and at least that for every D ≥ 1; NaN at D = d (identical
    coordinates: their spread says nothing about σ). For a pass share :math:`\hat p` the indicator's sample SD is
    :math:`\sqrt{\hat p(1-\hat p)\,d/(d-1)}`, which gives :math:`\sqrt{\hat p(1-\hat p)\,D/(d-D)}`."""
    d = integer(d, "d (coordinates)", minimum=2)
    if not 1 - 1e-9 <= design_effect <= d * (1 + 1e-9):  # 1 ≤ D ≤ d up to rounding (weighted_design_effects)
        raise ValueError(f"design_effect must lie in [1, d] = [1, {d}], got {design_effect!r}.")
    design_effect = max(float(design_effect), 1.0)
    if design_effect >= d:
        return math.nan
    return float(sd) * math.sqrt(design_effect * (d - 1) / (d * (d - design_effect)))


@dataclass(frozen=True)
class SummaryBand:
    r"""The null band of one summary over d coordinates with design effect D: ``low``, ``high`` the
    :math:`(1\mp\text{confidence})/2` quantiles; ``effective`` = d/D; ``mean`` and ``sd`` of the summary's law."""

    summary: str
    d: int
    design_effect: float
    effective: float
    mean: float
    sd: float
    low: float
    high: float

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def summary_band(summary: str, *, d: int, design_effect: float, mean: float, sd: float = math.nan,
                 mean_se: float = 0.0, confidence_level: float = 0.95) -> SummaryBand:
    r"""The band a summary of d dependent coordinates falls in with probability >= ``confidence_level`` under the
    null, from one coordinate's null law (``mean``; for the two means also its ``sd``) and the design effect D.

    Pass shares: quantiles of the beta-binomial over d with mean p and intra-class correlation
    :math:`\rho=(D-1)/(d-1)`, divided by d (the binomial when :math:`\rho\le0`), with p moved ``2·mean_se``
    outwards as :func:`~infonce_gauss.simulations.null_rates.pass_rate_band` does. Mean :math:`A^2`: a gamma law,
    mean p-value: a beta law, each with the null mean (moved ``2·mean_se`` outwards) and variance
    :math:`\sigma^2D/d`, clipped to at most :math:`\sigma^2` (one coordinate's).
    """
    d = integer(d, "d (coordinates)", minimum=1)
    if summary not in SUMMARIES:
        raise ValueError(f"summary must be one of {', '.join(SUMMARIES)}, got {summary!r}.")
    deff = float(min(max(design_effect, 1.0), d))
    tail = (1 - confidence_level) / 2
    lo_m, hi_m = mean - 2 * mean_se, mean + 2 * mean_se
    if summary.endswith("_pass"):
        lo_m, hi_m = min(max(lo_m, 0.0), 1.0), min(max(hi_m, 0.0), 1.0)
        rho = (deff - 1) / (d - 1) if d > 1 else 0.0
        low, high = _share_quantile(tail, d, lo_m, rho), _share_quantile(1 - tail, d, hi_m, rho)
        sd = math.sqrt(mean * (1 - mean) * deff / d)
    else:
        sd = sd * math.sqrt(deff / d)
        law = _gamma if summary == "ad_mean" else _beta
        low, high = law(lo_m, sd).ppf(tail), law(hi_m, sd).ppf(1 - tail)
    return SummaryBand(summary=summary, d=d, design_effect=deff, effective=d / deff, mean=float(mean), sd=float(sd),
                       low=float(low), high=float(high))


def share_lower_tail(count: int, *, d: int, design_effect: float, rate: float) -> float:
    r"""P(at most ``count`` of d coordinates pass) under the beta-binomial of :func:`summary_band` with pass rate
    ``rate`` and design effect D: the one-sided p-value of a pass share this low."""
    deff = float(min(max(design_effect, 1.0), d))
    rho = (deff - 1) / (d - 1) if d > 1 else 0.0
    if rate in (0.0, 1.0) or rho <= 1e-12:
        return float(stats.binom.cdf(count, d, rate))
    if rho >= 1 - 1e-12:
        return 1.0 if count >= d else 1 - rate
    scale = 1 / rho - 1
    return float(stats.betabinom.cdf(count, d, rate * scale, (1 - rate) * scale))


def _share_quantile(q: float, d: int, p: float, rho: float) -> float:
    if p in (0.0, 1.0):
        return p
    if rho <= 1e-12:
        return float(stats.binom.ppf(q, d, p)) / d
    if rho >= 1 - 1e-12:
        return float(stats.bernoulli.ppf(q, p))
    scale = 1 / rho - 1
    return float(stats.betabinom.ppf(q, d, p * scale, (1 - p) * scale)) / d


def _gamma(mean: float, sd: float):
    shape = (mean / sd) ** 2
    return stats.gamma(shape, scale=mean / shape)


def _beta(mean: float, sd: float):
    mean = min(max(mean, 1e-9), 1 - 1e-9)
    total = min(mean * (1 - mean) / (sd * sd), 1e12) - 1
    return stats.beta(mean * total, (1 - mean) * total)


def _square(matrix, name: str) -> np.ndarray:
    m = np.asarray(matrix, dtype=np.float64)
    if m.ndim != 2 or m.shape[0] != m.shape[1] or m.shape[0] < 1 or not np.all(np.isfinite(m)):
        raise ValueError(f"{name} must be a finite square d × d matrix, got shape {m.shape}.")
    return m
