"""Monte Carlo estimates that carry their sample size, seed and standard error."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats

__all__ = ["Z_MAX", "Estimate", "max_abs_z", "mean_estimate", "cv_estimate", "mean_norm_sq", "mean_norm_sq_from_sums"]

Z_MAX = 4.0  # Monte Carlo agreement: within 4 standard errors (two-sided p ≈ 6e-5 per comparison)


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

    def agrees(self, reference: float, *, z: float = Z_MAX, slack: float = 0.0) -> bool:
        r"""Whether :math:`|\hat\theta-\theta|\le z\,\mathrm{se}+\text{slack}` (plus float rounding of ``reference``)."""
        return abs(self.value - reference) <= z * self.se + slack + 1e-12 * max(1.0, abs(reference))

    def as_dict(self, prefix: str = "") -> dict:
        return {f"{prefix}{key}": value for key, value in asdict(self).items()}


def max_abs_z(pairs) -> float:
    """The largest :math:`|z|` over ``(estimate, exact)`` pairs."""
    return max(abs(est.z_score(exact)) for est, exact in pairs)


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


def mean_norm_sq_from_sums(sum_u, sum_uu, n: int, *, seed: int | None = None) -> Estimate:
    r"""The unbiased estimate of :math:`\|m\|^2=\|E u\|^2` for unit vectors :math:`u_1..u_n`, from their
    sums :math:`S=\sum_iu_i` and :math:`T=\sum_iu_iu_i^\top` (so chunked data can be accumulated).

    The U-statistic :math:`\frac1{n(n-1)}\sum_{i\ne j}u_i\cdot u_j=\frac{\|S\|^2-n}{n(n-1)}` (each
    :math:`u_i\cdot u_i=1`; the plug-in :math:`\|\bar u\|^2` is biased up by :math:`(1-\|m\|^2)/n`). Its
    variance is Hoeffding's :math:`(4(n-2)\zeta_1+2\zeta_2)/(n(n-1))` with :math:`\zeta_1=m^\top\Sigma_um`,
    estimated as :math:`\hat m^\top\hat\Sigma_u\hat m-\mathrm{tr}\hat\Sigma_u^2/n` (removing the plug-in bias,
    which matters when :math:`m\approx0` and the U-statistic degenerates), and
    :math:`\zeta_2=\mathrm{tr}(E[uu^\top]^2)-\|m\|^4`.
    """
    n = int(n)
    if n < 3:
        raise ValueError(f"the unbiased ||m||² with a standard error needs >= 3 vectors, got {n}.")
    sum_u = np.asarray(sum_u, dtype=np.float64)
    second = np.asarray(sum_uu, dtype=np.float64) / n
    m = sum_u / n
    m2 = (float(sum_u @ sum_u) - n) / (n * (n - 1))
    cov_u = second - np.outer(m, m)
    zeta1 = max(float(m @ cov_u @ m) - float(np.sum(cov_u * cov_u)) / n, 0.0)
    zeta2 = max(float(np.sum(second * second)) - m2 * m2, 0.0)
    return Estimate(m2, math.sqrt((4 * (n - 2) * zeta1 + 2 * zeta2) / (n * (n - 1))), n, seed)


def mean_norm_sq(u, *, seed: int | None = None) -> Estimate:
    r"""The unbiased :math:`\|E u\|^2` of the unit rows of ``u`` (n × d), with its standard error
    (:func:`mean_norm_sq_from_sums`)."""
    u = np.asarray(u, dtype=np.float64)
    return mean_norm_sq_from_sums(u.sum(axis=0), u.T @ u, u.shape[0], seed=seed)
