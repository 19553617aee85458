r"""Rate sweeps: evaluate a measurement over a grid (of d, n, M, tau...) and seeds, fit the log–log slope.

A sweep returns a tidy table, a list of dicts with one row per setting and seed. :func:`fit_rate` fits
:math:`\log y=\log C+s\log x` with a confidence interval for the slope s and the constant C, to put
beside the predicted ones. The work is submitted to any :class:`concurrent.futures.Executor`
(in-process by default), so a dask.distributed or Ray executor runs it on a cluster unchanged; the
measurement must then be picklable (a module-level function, or a ``functools.partial`` of one).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass

import numpy as np
from scipy import stats
from tqdm.auto import tqdm

__all__ = ["InlineExecutor", "sweep", "RateFit", "fit_rate", "fit_window", "points_needed", "column"]


class InlineExecutor(Executor):
    """An Executor that runs each task at submission, in the calling process (the default)."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # handed to the caller through future.result()
            future.set_exception(exc)
        return future


def sweep(
    measure: Callable[..., Mapping[str, float]],
    grid: Iterable[Mapping[str, object]],
    *,
    seeds: Sequence[int] | None = None,
    executor: Executor | None = None,
    progress: bool = True,
    desc: str = "sweep",
) -> list[dict]:
    """Evaluate ``measure(**setting[, seed=seed])`` for every setting of ``grid`` and every seed.

    Parameters
    ----------
    measure
        Returns a mapping of named results for one setting (and one seed).
    grid
        Settings, each a mapping of keyword arguments, e.g. ``[{"d": 32}, {"d": 64}]``.
    seeds
        Seeds for random measurements; ``None`` for exact ones (called without ``seed``).
    executor
        Any ``concurrent.futures.Executor``; default: in-process.

    Returns
    -------
    list of dict
        One row per (setting, seed): the setting, the seed (if any) and the measured values.
    """
    tasks = [(dict(setting), seed) for setting in grid for seed in (seeds if seeds is not None else [None])]
    if not tasks:
        raise ValueError("the sweep grid is empty; give at least one setting.")
    executor = executor or InlineExecutor()
    futures = [executor.submit(measure, **setting, **({} if seed is None else {"seed": seed})) for setting, seed in tasks]
    rows = []
    for (setting, seed), future in tqdm(zip(tasks, futures), total=len(tasks), desc=desc, disable=not progress, leave=False):
        rows.append({**setting, **({} if seed is None else {"seed": seed}), **future.result()})
    return rows


def column(rows: Sequence[Mapping], key: str) -> np.ndarray:
    """The values of ``key`` across a tidy table, as a float array."""
    try:
        return np.array([row[key] for row in rows], dtype=float)
    except KeyError:
        raise ValueError(f"column {key!r} is not in the table; it has {sorted(rows[0]) if rows else []}.") from None


@dataclass(frozen=True)
class RateFit:
    r"""A fitted power law :math:`y\approx C x^{s}` with confidence intervals of coverage ``confidence_level``."""

    slope: float
    slope_ci: tuple[float, float]
    constant: float
    constant_ci: tuple[float, float]
    confidence_level: float
    n_points: int
    predicted_slope: float | None = None
    predicted_constant: float | None = None

    @property
    def slope_covers_prediction(self) -> bool:
        """Whether the predicted slope lies inside the slope's confidence interval."""
        if self.predicted_slope is None:
            raise ValueError("no predicted slope was given to fit_rate.")
        return self.slope_ci[0] <= self.predicted_slope <= self.slope_ci[1]

    def to_dict(self) -> dict:
        return {
            "slope": self.slope,
            "slope_ci_low": self.slope_ci[0],
            "slope_ci_high": self.slope_ci[1],
            "constant": self.constant,
            "constant_ci_low": self.constant_ci[0],
            "constant_ci_high": self.constant_ci[1],
            "confidence_level": self.confidence_level,
            "n_points": self.n_points,
            "predicted_slope": self.predicted_slope,
            "predicted_constant": self.predicted_constant,
        }


def fit_window(fit_range) -> tuple[int, int]:
    """The d range ``(d_min, d_max)`` of a slope fit, checked before any work.

    Raises
    ------
    ValueError
        Unless it is two numbers with 1 <= d_min < d_max (an inverted or empty range fits nothing).
    """
    try:
        d_min, d_max = (int(v) for v in fit_range)
    except (TypeError, ValueError):
        raise ValueError(f"fit_range must be two dimensions (d_min, d_max), got {fit_range!r}.") from None
    if not 1 <= d_min < d_max:
        raise ValueError(f"fit_range must satisfy 1 <= d_min < d_max, got ({d_min}, {d_max}); give the smaller "
                         "dimension first.")
    return d_min, d_max


def points_needed(*, corrections: int = 0, exact: bool = False) -> int:
    """The distinct settings :func:`fit_rate` needs for a slope with an interval (one residual degree of freedom).

    The model has 2 + m terms (log C, s and m correction terms :math:`x^{-j}`, one more than
    ``corrections`` when ``exact``, whose truncation error is measured by the extra term), so a fit needs
    3 + m points. A series with fewer is skipped by the rate fits, never fitted into an error.
    """
    return 3 + int(corrections) + int(bool(exact))


def _least_squares(x, target, weights, corrections: int, errors_known: bool):
    """Weighted fit of ``target`` on [1, log x, x^-1, ..., x^-corrections]; returns (coef, cov, dof)."""
    design = np.column_stack([np.ones_like(x), np.log(x)] + [x ** (-j) for j in range(1, corrections + 1)])
    dof = x.size - design.shape[1]
    if dof < 1:
        raise ValueError(f"{x.size} points cannot fit {design.shape[1]} parameters with an interval; add points.")
    sw = np.sqrt(weights)
    coef, *_ = np.linalg.lstsq(design * sw[:, None], target * sw, rcond=None)
    resid = (target - design @ coef) * sw
    scale = float(resid @ resid) / dof
    if errors_known:
        scale = max(scale, 1.0)
    cov = np.linalg.inv((design * weights[:, None]).T @ design) * scale
    return coef, cov, dof


def fit_rate(
    x, y, *, se=None, confidence_level=0.95, corrections=0, exact=False, predicted_slope=None, predicted_constant=None
) -> RateFit:
    r"""Fit :math:`\log y=\log C+s\log x+\sum_{j\le m}b_jx^{-j}` with intervals for s and C.

    Parameters
    ----------
    x, y : array_like
        Positive settings and measurements (one row per setting and seed).
    se : array_like, optional
        Monte Carlo standard errors of y. Without them the fit is ordinary least squares and the
        interval comes from the residual scatter (t quantiles). With them it is weighted least squares
        with :math:`\mathrm{Var}\log y\approx(se/y)^2`, its covariance scaled up (never down) by the
        reduced :math:`\chi^2`, and normal quantiles.
    confidence_level : float
        Coverage of the intervals of s and C.
    corrections : int
        m, the number of :math:`x^{-j}` correction terms of the asymptotic expansion fitted along.
    exact : bool
        y are exact values (quadrature, closed forms): there is no noise, the error is the truncation
        of the expansion. The fit then uses ``corrections + 1`` terms and adds
        :math:`|s_{m+1}-s_m|`, the change in slope from one more term, to the interval in quadrature.
    """
    x, y = np.asarray(x, dtype=float).ravel(), np.asarray(y, dtype=float).ravel()
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same length, got {x.size} and {y.size}.")
    if x.size < 3 or np.unique(x).size < 2:
        raise ValueError(f"a slope with an interval needs >= 3 points at >= 2 distinct x, got {x.size} points.")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError("x and y must be finite; drop NaN/inf rows before fitting.")
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError(
            "a log–log fit needs x > 0 and y > 0; a Monte Carlo value <= 0 means the effect is below the "
            "noise at this sample size: increase n or drop those points."
        )
    if not 0 < confidence_level < 1:
        raise ValueError(f"confidence_level must be in (0, 1), got {confidence_level}.")
    if exact and se is not None:
        raise ValueError("exact values carry no standard errors; pass either exact=True or se, not both.")
    if se is None:
        weights = np.ones_like(y)
    else:
        se = np.asarray(se, dtype=float).ravel()
        if se.shape != y.shape or np.any(~np.isfinite(se)) or np.any(se <= 0):
            raise ValueError("se must hold one finite positive standard error per point.")
        weights = (y / se) ** 2
    target = np.log(y)
    m = int(corrections) + int(bool(exact))
    coef, cov, dof = _least_squares(x, target, weights, m, se is not None)
    quantile = stats.norm.ppf(0.5 + confidence_level / 2) if se is not None else stats.t.ppf(0.5 + confidence_level / 2, dof)
    half = quantile * np.sqrt(np.diag(cov)[:2])
    if exact:
        coarser, *_ = _least_squares(x, target, weights, m - 1, False)
        half = np.hypot(half, np.abs(coef[:2] - coarser[:2]))
    return RateFit(
        slope=float(coef[1]),
        slope_ci=(float(coef[1] - half[1]), float(coef[1] + half[1])),
        constant=float(math.exp(coef[0])),
        constant_ci=(float(math.exp(coef[0] - half[0])), float(math.exp(coef[0] + half[0]))),
        confidence_level=confidence_level,
        n_points=int(x.size),
        predicted_slope=predicted_slope,
        predicted_constant=predicted_constant,
    )
