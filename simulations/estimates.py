"""Monte Carlo estimates that carry their sample size, seed and standard error."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats

__all__ = ["MC_AGREEMENT_Z", "Estimate", "max_abs_z", "mean_estimate", "proportion_estimate", "cv_estimate", "cv_from_power_sums", "mean_norm_sq", "mean_norm_sq_from_sums"]

MC_AGREEMENT_Z = 4.0  # Monte Carlo agreement: within 4 standard errors (two-sided p ≈ 6e-5 per comparison)


@dataclass(frozen=True)
class Estimate:
    """A Monte Carlo figure: ``value`` ± ``se`` from ``n`` draws with ``seed``."""

    value: float
    se: float
    n: int
    seed: int | None = None

    def ci(self, confidence_level: float = 0.95) -> tuple[float, float]:
        """Normal-approximation confidence interval of coverage ``confidence_level``."""
        z = stats.norm.ppf(0.5 + confidence_level / 2)
        return self.value - z * self.se, self.value + z * self.se

    def z_score(self, reference: float) -> float:
        """Distance of ``reference`` from the estimate in standard errors (inf if se = 0 and they differ)."""
        gap = self.value - reference
        if self.se == 0:
            return 0.0 if gap == 0 else math.inf
        return gap / self.se

    def agrees(self, reference: float, *, z: float = MC_AGREEMENT_Z, slack: float = 0.0) -> bool:
        r"""Whether :math:`|\hat\theta-\theta|\le z\,\mathrm{se}+\text{slack}` (plus float rounding of ``reference``)."""
        return abs(self.value - reference) <= z * self.se + slack + 1e-12 * max(1.0, abs(reference))

    def to_dict(self, prefix: str = "") -> dict:
        return {f"{prefix}{key}": value for key, value in asdict(self).items()}


def max_abs_z(pairs) -> float:
    """The largest :math:`|z|` over ``(estimate, exact)`` pairs."""
    return max(abs(est.z_score(exact)) for est, exact in pairs)


def proportion_estimate(count: int, trials: int, seed: int | None = None) -> Estimate:
    r"""The proportion ``count / trials`` with its binomial standard error :math:`\sqrt{p(1-p)/m}`, floored at
    :math:`\sqrt{1/(4m^2)}` so that a proportion of 0 or 1 still carries one."""
    p = count / trials
    return Estimate(p, math.sqrt(max(p * (1 - p), 0.25 / trials) / trials), trials, seed)


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
    r2 = r * r
    return cv_from_power_sums((r.sum(), r2.sum(), r2 @ r, r2 @ r2), r.size, seed=seed)


def cv_from_power_sums(sums, n: int, *, seed: int | None = None) -> Estimate:
    r""":func:`cv_estimate` from the power sums :math:`S_k=\sum_ir_i^k`, k = 1..4, of n values (a stream's sums).

    With :math:`m_k=S_k/n` and the influence :math:`\psi=g_1(r-m_1)+g_2(r^2-m_2)` (mean 0 over the values), its
    variance is :math:`g_1^2(m_2-m_1^2)+g_2^2(m_4-m_2^2)+2g_1g_2(m_3-m_1m_2)`, taken with the n/(n−1) of a
    sample variance: the standard error equals cv_estimate's on the same values.
    """
    if n < 3:
        raise ValueError(f"a coefficient of variation with a standard error needs >= 3 values, got {n}.")
    m1, m2, m3, m4 = (float(s) / n for s in sums)
    v = m2 - m1 * m1
    if m1 <= 0 or v <= 0:
        raise ValueError("the coefficient of variation needs a positive mean and a positive spread.")
    g1, g2 = -m2 / (m1 * m1 * math.sqrt(v)), 1 / (2 * m1 * math.sqrt(v))
    var = g1 * g1 * v + g2 * g2 * (m4 - m2 * m2) + 2 * g1 * g2 * (m3 - m1 * m2)
    return Estimate(float(math.sqrt(v) / m1), math.sqrt(max(var, 0.0) / (n - 1)), int(n), seed)


def mean_norm_sq_from_sums(sum_w, sum_ww, n: int, *, sum_sq=None, sum_sq2=None, seed: int | None = None) -> Estimate:
    r"""Unbiased :math:`\|m\|^2=\|E\,w\|^2` from i.i.d. rows :math:`w_1,\dots,w_n\in\mathbb R^d`, with its
    standard error, from running sums (so chunked data can be accumulated in one pass).

    The estimator is the order-2 U-statistic with kernel :math:`h(w,w')=w\cdot w'`,

    .. math:: U=\frac1{n(n-1)}\sum_{i\ne j}w_i\cdot w_j=\frac{\|\sum_iw_i\|^2-\sum_i\|w_i\|^2}{n(n-1)},

    unbiased because :math:`E[w_i\cdot w_j]=m\cdot m` for independent rows (the plug-in
    :math:`\|\bar w\|^2` is biased up by :math:`\mathrm{tr}\,\Sigma_w/n`). Hoeffding's decomposition gives

    .. math:: \mathrm{Var}\,U=\frac{4(n-2)\zeta_1+2\zeta_2}{n(n-1)},\qquad
              \zeta_1=m^\top\Sigma_wm,\quad \zeta_2=\mathrm{Var}(w\cdot w')=\mathrm{tr}(M_w^2)-\|m\|^4,

    with :math:`M_w=E[ww^\top]`. Estimated: :math:`\hat\zeta_1=\hat m^\top\hat\Sigma\hat m-\mathrm{tr}\hat\Sigma^2/n`
    (the plug-in overestimates :math:`\zeta_1` by :math:`\mathrm{tr}\Sigma^2/n`, which dominates when
    :math:`m\approx0` and the U-statistic degenerates), :math:`\hat\zeta_2=\widehat{\mathrm{tr}M^2}-U^2` with the
    unbiased :math:`\widehat{\mathrm{tr}M^2}=\sum_{i\ne j}(w_i\cdot w_j)^2/(n(n-1))`; each :math:`\hat\zeta` is
    clipped at 0 (at :math:`m=0`, where :math:`\zeta_1=0`, letting :math:`\hat\zeta_1` go negative makes the
    SE collapse to 0 in some samples: the tests pin the SE to the replicate spread there).

    Parameters
    ----------
    sum_w, sum_ww
        :math:`\sum_iw_i` (d,) and :math:`\sum_iw_iw_i^\top` (d, d).
    n : int
        Number of rows, at least 3.
    sum_sq, sum_sq2
        :math:`\sum_i\|w_i\|^2` and :math:`\sum_i\|w_i\|^4`; default ``n`` (unit rows).
    """
    n = int(n)
    if n < 3:
        raise ValueError(f"the standard error of ||m||^2 needs at least 3 rows, got {n}; increase n.")
    total = np.asarray(sum_w, dtype=np.float64)
    second = np.asarray(sum_ww, dtype=np.float64)
    sum_sq = float(n if sum_sq is None else sum_sq)
    sum_sq2 = float(n if sum_sq2 is None else sum_sq2)
    u_stat = float((total @ total - sum_sq) / (n * (n - 1)))
    mean = total / n
    cov = (second - n * np.outer(mean, mean)) / (n - 1)
    zeta1 = max(float(mean @ cov @ mean) - float(np.sum(cov * cov)) / n, 0.0)
    tr_m2 = (float(np.sum(second * second)) - sum_sq2) / (n * (n - 1))
    zeta2 = max(tr_m2 - u_stat * u_stat, 0.0)
    var = (4 * (n - 2) * zeta1 + 2 * zeta2) / (n * (n - 1))
    return Estimate(u_stat, math.sqrt(var), n, seed)


def mean_norm_sq(rows, *, seed: int | None = None) -> Estimate:
    r"""Unbiased :math:`\|E\,w\|^2` of the rows of ``rows`` (n × d) with its standard error
    (:func:`mean_norm_sq_from_sums`).

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
    sq = np.einsum("ij,ij->i", w, w)
    return mean_norm_sq_from_sums(w.sum(axis=0), w.T @ w, w.shape[0], sum_sq=sq.sum(), sum_sq2=sq @ sq, seed=seed)
