r"""The pass rates of the per-coordinate tests under null laws, and the band a pass fraction falls in.

A coordinate of Gaussian embeddings passes the Anderson–Darling rule :math:`A^2<0.752` and the
D'Agostino–Pearson rule :math:`p>0.05` with probability about 0.95 each; a coordinate of the uniform sphere
:math:`S^{d-1}` at finite d follows the exact law of :math:`\sqrt d\,U_1` (:math:`g/\sqrt{(g^2+\chi^2_{d-1})/d}`),
whose pass rates at sample size n differ. :func:`null_pass_rates` simulates both rates (binomial standard
errors), and :func:`pass_rate_band` turns a rate p into the interval a pass fraction over d independent
coordinates falls in: quantiles of Binomial(d, p), with p moved outwards by its Monte Carlo error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from infonce_gauss.simulations.estimates import Estimate, proportion_estimate
from infonce_gauss.simulations.sampling import as_generator
from infonce_gauss.simulations.univariate import AD_THRESHOLD, DP_LEVEL, coordinate_tests
from infonce_gauss.theory.validation import integer

__all__ = ["null_columns", "NullRates", "null_pass_rates", "pass_rate_band"]

def null_columns(n, d, count, *, law: str, rng, dtype=np.float64) -> np.ndarray:
    r"""``count`` i.i.d. columns (as rows of a (count, n) array of ``dtype``) under a null law.

    ``law='gaussian'``: N(0, 1), drawn in ``dtype``. ``law='sphere'``: the exact law of :math:`\sqrt d\,U_1`
    for U uniform on :math:`S^{d-1}` (:math:`g/\sqrt{(g^2+\chi^2_{d-1})/d}`, the sampler of
    :func:`infonce_gauss.simulations.sampling.projected_sphere`, vectorized over columns), computed in
    float64 and rounded to ``dtype``: a coordinate of exactly uniform embeddings, or of thin-shell
    embeddings with a fixed radius.
    """
    gen = as_generator(rng)
    if law == "gaussian":
        return gen.standard_normal((count, n), dtype=dtype)
    if law == "sphere":
        d = integer(d, "d (the ambient dimension)", minimum=2)
        head = gen.standard_normal((count, n))
        return (head * np.sqrt(d / (head * head + gen.chisquare(d - 1, size=(count, n))))).astype(dtype, copy=False)
    raise ValueError(f"law must be 'gaussian' or 'sphere', got {law!r}.")


@dataclass(frozen=True)
class NullRates:
    """Pass rates of the two coordinate tests under a null law, from ``replicates`` simulated columns.

    ``ad_pass`` and ``dp_pass`` are :class:`Estimate` s of the probability that one coordinate passes
    (binomial standard errors), ``both_pass`` that it passes both (the two tests are positively correlated,
    so this exceeds the independent :math:`0.95^2`); ``ad_mean`` and ``dp_mean`` of the mean :math:`A^2` and
    mean p-value.
    """

    law: str
    n: int
    d: int
    replicates: int
    seed: int | None
    ad_pass: Estimate
    dp_pass: Estimate
    both_pass: Estimate
    ad_mean: Estimate
    dp_mean: Estimate

    def to_dict(self) -> dict:
        out = {"law": self.law, "n": self.n, "d": self.d, "replicates": self.replicates, "seed": self.seed}
        for name in ("ad_pass", "dp_pass", "both_pass", "ad_mean", "dp_mean"):
            est = getattr(self, name)
            out[name] = est.value
            out[f"{name}_se"] = est.se
        return out


def null_pass_rates(n, d, *, law: str, replicates: int = 400, seed: int = 0, workers=None) -> NullRates:
    r"""Probability that one coordinate passes each test under ``law`` (see :func:`null_columns`), at
    sample size n. The standard error of a rate is :math:`\sqrt{p(1-p)/R}` (floored at
    :math:`\sqrt{1/(4R^2)}` so a rate of 0 or 1 still carries one). The columns are float32, as
    embeddings usually are (sorted twice as fast; rounding moves :math:`A^2` and :math:`K^2` by a
    relative ~1e-7, far below the rates' Monte Carlo error)."""
    n = integer(n, "n (rows)", minimum=20)
    replicates = integer(replicates, "replicates", minimum=2)
    gen = np.random.default_rng(seed)
    per = max(1, min(replicates, 2**23 // n))  # ~32 MB of float32 per batch
    parts = []
    for start in range(0, replicates, per):
        cols = null_columns(n, d, min(per, replicates - start), law=law, rng=gen, dtype=np.float32)
        parts.append(coordinate_tests(cols, columns_first=True, workers=workers))
    ad = np.concatenate([p.ad for p in parts])
    dp = np.concatenate([p.dp_pvalue for p in parts])
    r = ad.size
    return NullRates(
        law=law, n=n, d=int(d), replicates=r, seed=seed,
        ad_pass=proportion_estimate(int(np.sum(ad < AD_THRESHOLD)), r, seed),
        dp_pass=proportion_estimate(int(np.sum(dp > DP_LEVEL)), r, seed),
        both_pass=proportion_estimate(int(np.sum((ad < AD_THRESHOLD) & (dp > DP_LEVEL))), r, seed),
        ad_mean=Estimate(float(ad.mean()), float(ad.std(ddof=1) / math.sqrt(r)), r, seed),
        dp_mean=Estimate(float(dp.mean()), float(dp.std(ddof=1) / math.sqrt(r)), r, seed),
    )


def pass_rate_band(rate: Estimate, columns: int, *, confidence_level: float = 0.95) -> tuple[float, float]:
    r"""The interval a pass *fraction* over ``columns`` independent coordinates falls in with
    probability >= ``confidence_level`` under the null: the :math:`(1\mp\text{confidence\_level})/2` quantiles of
    Binomial(columns, p) with p moved 2 standard errors of the simulated rate outwards (the
    Monte Carlo error of the null rate is thereby included, conservatively)."""
    columns = integer(columns, "columns", minimum=1)
    lo_p = min(max(rate.value - 2 * rate.se, 0.0), 1.0)
    hi_p = min(max(rate.value + 2 * rate.se, 0.0), 1.0)
    tail = (1 - confidence_level) / 2
    return (float(stats.binom.ppf(tail, columns, lo_p)) / columns,
            float(stats.binom.ppf(1 - tail, columns, hi_p)) / columns)
