r"""Tests of uniformity on the sphere :math:`S^{d-1}` (Mardia & Jupp 2000, §10.4.1 and §10.7).

* Rayleigh (first moment): :math:`T_R=d\,n\,\|\bar u\|^2\to\chi^2_d`; effect size :math:`\|\bar u\|^2=\|m\|^2`
  (the mean negative cosine, and the quantity of Prop 1 and Lemma 1).
* Bingham (second moment): with :math:`S=\frac1n\sum u_iu_i^\top`,
  :math:`T_B=\frac{n\,d(d+2)}2\bigl(\operatorname{tr}S^2-\frac1d\bigr)\to\chi^2_{(d-1)(d+2)/2}`;
  effect size :math:`d\,\operatorname{tr}S^2-1\ge0`, zero iff the second moment is isotropic.

Both accumulate over row chunks, so a memory-mapped n × d array is read with bounded memory.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = ["UniformityTest", "rayleigh_test", "bingham_test", "rayleigh_from_mean", "bingham_from_scatter", "unit_rows"]

_CHUNK_ROWS = 65_536


@dataclass(frozen=True)
class UniformityTest:
    """Statistic, its asymptotic chi-square null (df), p-value and an effect size that does not grow with n."""

    name: str
    statistic: float
    df: float
    p_value: float
    effect: float
    n: int
    d: int


def _check_points(u) -> tuple[int, int]:
    if not hasattr(u, "shape") or len(u.shape) != 2:
        raise ValueError(f"points must be an (n, d) array, got shape {getattr(u, 'shape', None)}.")
    n, d = u.shape
    if d < 2:
        raise ValueError(f"points must have d >= 2 columns, got {d}.")
    if n < 2:
        raise ValueError(f"a uniformity test needs at least 2 points, got {n}.")
    return n, d


def unit_rows(chunk) -> np.ndarray:
    """Rows scaled to unit norm (float64); raises on NaN/inf or zero rows."""
    x = np.asarray(chunk, dtype=np.float64)
    if not np.all(np.isfinite(x)):
        raise ValueError("points contain NaN or infinite values; remove those rows first.")
    norms = np.linalg.norm(x, axis=1)
    if np.any(norms == 0):
        raise ValueError(f"{int(np.sum(norms == 0))} point(s) have zero norm and no direction; drop them.")
    return x / norms[:, None]


def _chunks(u, n):
    for start in range(0, n, _CHUNK_ROWS):
        yield unit_rows(u[start:start + _CHUNK_ROWS])


def rayleigh_test(u) -> UniformityTest:
    r"""Rayleigh test of :math:`E u=0` on an (n, d) array of directions (rows are normalized first)."""
    n, d = _check_points(u)
    return rayleigh_from_mean(sum(chunk.sum(axis=0) for chunk in _chunks(u, n)) / n, n)


def rayleigh_from_mean(mean, n: int) -> UniformityTest:
    r"""The Rayleigh test from the mean :math:`\bar u` of n unit vectors (when it is already accumulated)."""
    mean = np.asarray(mean, dtype=np.float64)
    d = mean.size
    m2 = float(mean @ mean)
    stat = d * n * m2
    return UniformityTest("rayleigh", stat, d, float(stats.chi2.sf(stat, d)), m2, n, d)


def bingham_test(u) -> UniformityTest:
    r"""Bingham test of :math:`E uu^\top=I/d` on an (n, d) array of directions (rows are normalized first)."""
    n, d = _check_points(u)
    return bingham_from_scatter(sum(chunk.T @ chunk for chunk in _chunks(u, n)) / n, n)


def bingham_from_scatter(scatter, n: int) -> UniformityTest:
    r"""The Bingham test from :math:`S=\frac1n\sum u_iu_i^\top` of n unit vectors (already accumulated)."""
    scatter = np.asarray(scatter, dtype=np.float64)
    d = scatter.shape[0]
    tr_s2 = float(np.sum(scatter * scatter))
    stat = n * d * (d + 2) / 2 * (tr_s2 - 1 / d)
    df = (d - 1) * (d + 2) / 2
    return UniformityTest("bingham", stat, df, float(stats.chi2.sf(stat, df)), d * tr_s2 - 1, n, d)
