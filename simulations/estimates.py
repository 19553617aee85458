"""Monte Carlo estimates that carry their sample size, seed and standard error."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats

__all__ = ["Estimate", "mean_estimate", "cv_estimate", "mean_norm_sq"]


@dataclass(frozen=True)
class Estimate:
    """A Monte Carlo figure: ``value`` ± ``se`` from ``n`` draws with ``seed``."""

    value: float
    se: float
    n: int
    seed: int | None = None

    def ci(self, level: float = 0.95) -> tuple[float, float]:
        """Normal-approximation confidence interval at ``level``."""
        z = stats.norm.ppf(0.5 + level / 2)
        return self.value - z * self.se, self.value + z * self.se

    def z_score(self, reference: float) -> float:
        """Distance of ``reference`` from the estimate in standard errors (inf if se = 0 and they differ)."""
        gap = self.value - reference
        if self.se == 0:
            return 0.0 if gap == 0 else math.inf
        return gap / self.se

    def as_dict(self, prefix: str = "") -> dict:
        return {f"{prefix}{key}": value for key, value in asdict(self).items()}


def mean_estimate(values, *, seed: int | None = None) -> Estimate:
    """Sample mean of i.i.d. ``values`` with its standard error ``std/sqrt(n)``."""
    values = np.asarray(values, dtype=np.float64).ravel()
    if values.size < 2:
        raise ValueError(f"a standard error needs at least 2 draws, got {values.size}; increase n.")
    return Estimate(float(values.mean()), float(values.std(ddof=1) / math.sqrt(values.size)), int(values.size), seed)


def cv_estimate(values, *, seed: int | None = None) -> Estimate:
    r"""Coefficient of variation :math:`s/m` of positive ``values`` (e.g. norms, paper Eq. 20) with a
    delta-method standard error: influence :math:`g_1(r-m_1)+g_2(r^2-m_2)` with
    :math:`g_1=-m_2/(m_1^2\sqrt v)`, :math:`g_2=1/(2m_1\sqrt v)`, :math:`v=m_2-m_1^2`."""
    r = np.asarray(values, dtype=np.float64).ravel()
    if r.size < 3:
        raise ValueError(f"a coefficient of variation with a standard error needs >= 3 values, got {r.size}.")
    m1, m2 = r.mean(), (r * r).mean()
    v = m2 - m1 * m1
    if m1 <= 0 or v <= 0:
        raise ValueError("the coefficient of variation needs a positive mean and a positive spread.")
    influence = -m2 / (m1 * m1 * math.sqrt(v)) * (r - m1) + (r * r - m2) / (2 * m1 * math.sqrt(v))
    return Estimate(float(math.sqrt(v) / m1), float(influence.std(ddof=1) / math.sqrt(r.size)), int(r.size), seed)


def mean_norm_sq(rows, *, seed: int | None = None) -> Estimate:
    r"""Unbiased :math:`\|m\|^2=\|E\,w\|^2` from i.i.d. rows :math:`w_1,\dots,w_n\in\mathbb R^d`, with its
    standard error.

    The estimator is the order-2 U-statistic with kernel :math:`h(w,w')=w\cdot w'`,

    .. math:: U=\frac1{n(n-1)}\sum_{i\ne j}w_i\cdot w_j=\frac{\|\sum_iw_i\|^2-\sum_i\|w_i\|^2}{n(n-1)},

    unbiased because :math:`E[w_i\cdot w_j]=m\cdot m` for independent rows (the plug-in
    :math:`\|\bar w\|^2` is biased up by :math:`\mathrm{tr}\,\Sigma_w/n`). Hoeffding's decomposition gives

    .. math:: \mathrm{Var}\,U=\frac{4(n-2)\zeta_1+2\zeta_2}{n(n-1)},\qquad
              \zeta_1=m^\top\Sigma_wm,\quad \zeta_2=\mathrm{Var}(w\cdot w')=\mathrm{tr}(M_w^2)-\|m\|^4,

    with :math:`M_w=E[ww^\top]`. Estimated: :math:`\hat\zeta_1=\hat m^\top\hat\Sigma\hat m-\mathrm{tr}\hat\Sigma^2/n`
    (the plug-in overestimates :math:`\zeta_1` by :math:`\mathrm{tr}\Sigma^2/n`, which dominates when
    :math:`m\approx0` and the U-statistic degenerates), :math:`\hat\zeta_2=\widehat{\mathrm{tr}M^2}-U^2` with the
    unbiased :math:`\widehat{\mathrm{tr}M^2}=\sum_{i\ne j}(w_i\cdot w_j)^2/(n(n-1))`; only the total
    variance is clipped at 0 (clipping :math:`\hat\zeta_1` alone would inflate the SE at :math:`m=0`).

    For positive pairs :math:`(u_i,v_i)` whose two views share the marginal law (Prop. 1: X, Y i.i.d.
    given :math:`X_0`), pass the pair means :math:`w_i=(u_i+v_i)/2`: they are i.i.d. over i with
    :math:`E\,w_i=m`, and :math:`U` then averages exactly the cross products :math:`u_i\cdot u_j`,
    :math:`u_i\cdot v_j`, :math:`v_i\cdot v_j` of *different* pairs. (Pooling the 2n rows and averaging over
    all distinct rows would also take in the within-pair :math:`u_i\cdot v_i`, whose mean is the
    alignment :math:`E[u\cdot v]\ge\|m\|^2`, and be biased up.)
    """
    w = np.asarray(rows, dtype=np.float64)
    if w.ndim != 2:
        raise ValueError(f"rows must have shape (n, d), got {w.shape}.")
    n = w.shape[0]
    if n < 3:
        raise ValueError(f"the standard error of ||m||^2 needs at least 3 rows, got {n}; increase n.")
    total = w.sum(axis=0)
    sq = np.einsum("ij,ij->i", w, w)
    u_stat = float((total @ total - sq.sum()) / (n * (n - 1)))
    mean = total / n
    centred = w - mean
    cov = centred.T @ centred / (n - 1)
    zeta1 = float(mean @ cov @ mean) - float(np.sum(cov * cov)) / n  # may dip below 0 near m = 0
    second = w.T @ w
    tr_m2 = (float(np.sum(second * second)) - float(sq @ sq)) / (n * (n - 1))
    zeta2 = tr_m2 - u_stat * u_stat
    var = max((4 * (n - 2) * zeta1 + 2 * zeta2) / (n * (n - 1)), 0.0)
    return Estimate(u_stat, math.sqrt(var), int(n), seed)
