r"""Tests of uniformity on the sphere :math:`S^{d-1}` (Mardia & Jupp 2000, §10.4.1 and §10.7).

* Rayleigh (first moment): :math:`T_R=d\,n\,\|\bar u\|^2\to\chi^2_d`; effect size :math:`\|\bar u\|^2=\|m\|^2`
  (the mean negative cosine, and the quantity of Prop 1 and Lemma 1).
* Bingham (second moment): with :math:`S=\frac1n\sum u_iu_i^\top`,
  :math:`T_B=\frac{n\,d(d+2)}2\bigl(\operatorname{tr}S^2-\frac1d\bigr)\to\chi^2_{(d-1)(d+2)/2}`;
  effect size :math:`d\,\operatorname{tr}S^2-1\ge0`, zero iff the second moment is isotropic.
* The uniformity potential (all moments): :math:`\Phi(\mu)=E_u\log E_ve^{\alpha u\cdot v}` of the law against
  its minimum over laws on the sphere, :math:`\Phi(\sigma)=\log{}_0F_1(;d/2;\alpha^2/4)`, attained at the
  uniform law σ (:func:`phi_gap`, with the null band of its plug-in estimator, :func:`phi_null_gaps`).

The two moment tests accumulate over row chunks, so a memory-mapped n × d array is read with bounded memory.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from infonce_gauss.theory.special import log_hyp0f1

__all__ = ["UniformityTest", "rayleigh_test", "bingham_test", "rayleigh_from_mean", "bingham_from_scatter", "unit_rows",
           "phi_gap", "phi_null_gaps"]

_CHUNK_ROWS = 65_536


@dataclass(frozen=True)
class UniformityTest:
    """Statistic, its asymptotic chi-square null (df), p-value and an effect size that does not grow with n."""

    name: str
    statistic: float
    df: float
    pvalue: float
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
    return UniformityTest(name="rayleigh", statistic=stat, df=d, pvalue=float(stats.chi2.sf(stat, d)), effect=m2, n=n, d=d)


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
    return UniformityTest(name="bingham", statistic=stat, df=df, pvalue=float(stats.chi2.sf(stat, df)),
                          effect=d * tr_s2 - 1, n=n, d=d)


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
