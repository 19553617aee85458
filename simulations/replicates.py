"""Seeds as the replicates of a trained encoder: seed-level means, standard errors and contrasts.

A statistic of one trained encoder (its mean A², its CV of norms, its alignment) varies from seed to seed by
more than any within-run standard error shows: the seed changes the initialization, the data and the batches,
and the d coordinates of one embedding are correlated, so they are not replicates. The replicates are the
seeds. With values :math:`x_1, \\dots, x_k` of one statistic over k seeds, the estimate is the mean
:math:`\\bar x` with the seed-level standard error :math:`s/\\sqrt{k}` (:math:`s` the sample standard
deviation, ``ddof=1``). Two arms (e.g. InfoNCE against cross-entropy, trained against initialization) are
compared by Welch's t statistic with the Welch–Satterthwaite degrees of freedom; with a handful of seeds a
normal quantile would be anti-conservative, so a contrast is *resolved* only when Welch's two-sided test
rejects at the stated level.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from infonce_gauss.simulations.sampling import derive_seed

__all__ = ["REPLICATE_KEY", "CONTRAST_LEVEL", "replicate_seeds", "SeedSummary", "summarize", "Contrast", "contrast"]

REPLICATE_KEY = 7_919  # the SeedSequence key of replicate seeds, apart from every other sub-experiment's
CONTRAST_LEVEL = 0.01  # a contrast between arms counts as resolved when Welch's test rejects at this level


def replicate_seeds(seed: int, k: int) -> list[int]:
    """The seeds of ``k`` replicates of the run seeded ``seed``: ``SeedSequence([seed, REPLICATE_KEY, i])``
    for i < k (:func:`infonce_gauss.simulations.sampling.derive_seed`)."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"the number of seeds must be a positive integer, got {k!r}.")
    return [derive_seed(seed, REPLICATE_KEY, i) for i in range(int(k))]


@dataclass(frozen=True)
class SeedSummary:
    """One statistic over k seeds: the values, their mean and the seed-level standard error ``sd/√k``
    (NaN for k = 1: one seed has no seed-level error)."""

    values: tuple[float, ...]
    mean: float
    se: float

    @property
    def k(self) -> int:
        return len(self.values)

    def to_dict(self) -> dict:
        return {**asdict(self), "values": list(self.values), "k": self.k}


def summarize(values) -> SeedSummary:
    """:class:`SeedSummary` of the per-seed values (finite numbers, at least one)."""
    x = np.asarray(values, dtype=float).ravel()
    if x.size == 0 or not np.all(np.isfinite(x)):
        raise ValueError(f"per-seed values must be finite and at least one, got {values!r}.")
    se = float(x.std(ddof=1) / math.sqrt(x.size)) if x.size > 1 else math.nan
    return SeedSummary(values=tuple(float(v) for v in x), mean=float(x.mean()), se=se)


@dataclass(frozen=True)
class Contrast:
    r"""``b − a`` over seeds: the difference of the seed means, its standard error
    :math:`\sqrt{se_a^2 + se_b^2}`, Welch's t, its degrees of freedom, the two-sided p-value and whether it
    is resolved (p < ``level``)."""

    difference: float
    se: float
    t: float
    df: float
    pvalue: float
    level: float

    @property
    def resolved(self) -> bool:
        return bool(self.pvalue < self.level)

    def to_dict(self) -> dict:
        return {**asdict(self), "resolved": self.resolved}


def contrast(a, b, *, level: float = CONTRAST_LEVEL) -> Contrast:
    r"""Welch's comparison of arm ``b`` with arm ``a`` (per-seed values, at least two seeds each).

    .. math:: t = \frac{\bar b - \bar a}{\sqrt{s_a^2/k_a + s_b^2/k_b}}, \qquad
              \nu = \frac{(s_a^2/k_a + s_b^2/k_b)^2}{\frac{(s_a^2/k_a)^2}{k_a - 1} + \frac{(s_b^2/k_b)^2}{k_b - 1}}

    (Welch 1947). Identical values in both arms (zero spread) give t = ±inf when the means differ.
    """
    from scipy import stats

    sa, sb = summarize(a), summarize(b)
    if sa.k < 2 or sb.k < 2:
        raise ValueError(f"a contrast over seeds needs at least two seeds per arm, got {sa.k} and {sb.k}.")
    if not 0 < level < 1:
        raise ValueError(f"level must lie in (0, 1), got {level}.")
    va, vb = sa.se ** 2, sb.se ** 2
    diff, se = sb.mean - sa.mean, math.sqrt(va + vb)
    if se == 0:
        t, df = (0.0 if diff == 0 else math.copysign(math.inf, diff)), float(sa.k + sb.k - 2)
    else:
        t = diff / se
        df = (va + vb) ** 2 / (va ** 2 / (sa.k - 1) + vb ** 2 / (sb.k - 1))
    p = float(2 * stats.t.sf(abs(t), df)) if math.isfinite(t) else 0.0
    return Contrast(difference=diff, se=se, t=t, df=df, pvalue=p, level=level)
