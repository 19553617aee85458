"""Monte Carlo estimates that carry their sample size, seed and standard error."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats

__all__ = ["Estimate", "mean_estimate", "cv_estimate"]


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
