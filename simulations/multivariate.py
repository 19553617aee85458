r"""Affine-invariant tests of multivariate normality of an (m, k) sample (e.g. a k-dimensional projection).

Each standardizes the sample, :math:`y_i=L^{-1}(x_i-\bar x)` with :math:`LL^\top` the sample covariance
(:func:`standardize`, by QR of the centred data), and measures its distance to N(0, I_k):

* :func:`mardia_tests`: Mardia's skewness :math:`b_1=\frac1{m^2}\sum_{ij}(y_i\cdot y_j)^3` and kurtosis
  :math:`b_2=\frac1m\sum_i\|y_i\|^4` (Mardia 1970, 1974);
* :func:`henze_zirkler`: the BHEP statistic (:func:`bhep_statistic`), a weighted :math:`L^2` distance between
  the empirical characteristic function and :math:`e^{-\|t\|^2/2}`, at Henze & Zirkler's (1990) smoothing;
* :func:`energy_test`: the energy distance to the fitted Gaussian (Székely & Rizzo 2005), with a parametric
  bootstrap p-value.

Pairwise sums run in row chunks, never forming an m × m matrix.
"""

from __future__ import annotations

import math
from functools import lru_cache
from dataclasses import dataclass

import numpy as np
from scipy import special, stats

__all__ = ["standardize", "MultivariateTest", "mardia_tests", "bhep_statistic", "henze_zirkler", "energy_test"]

def standardize(x) -> np.ndarray:
    r""":math:`y_i=L^{-1}(x_i-\bar x)` with :math:`LL^\top=S` the covariance with divisor m (Mahalanobis
    whitening, as in Mardia's and Henze–Zirkler's statistics); raises if S is singular.

    Computed from the thin QR factorization of the centred data :math:`C=X-\bar x=QR`: then
    :math:`S=R^\top R/m`, :math:`L=R^\top/\sqrt m` (rows of R signed so that its diagonal is positive,
    which makes L the Cholesky factor) and :math:`Y=CL^{-\top}=\sqrt m\,Q`. This has the condition number
    of the data, where a Cholesky factorization of :math:`C^\top C` squares it (at cond ≈ 3·10⁷ that
    moves Mardia's statistics by percents)."""
    x = np.asarray(x, dtype=np.float64)
    m, k = x.shape
    if m <= k:
        raise ValueError(f"standardizing needs more samples than dimensions, got m={m} <= k={k}.")
    q, r = np.linalg.qr(x - x.mean(axis=0))
    pivots = np.abs(np.diag(r))
    if not np.all(np.isfinite(pivots)) or pivots.min() <= 1e-7 * pivots.max():  # cond(S) above 1e14
        raise ValueError("the sample covariance is singular (collinear or constant directions); "
                         "the affine-invariant tests are undefined.")
    return q * (math.sqrt(m) * np.sign(np.diag(r)))


@dataclass(frozen=True)
class MultivariateTest:
    """One multivariate normality test: statistic, p-value, an effect size, sample size m and dimension k."""

    name: str
    statistic: float
    pvalue: float
    effect: float
    m: int
    k: int
    note: str = ""

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def mardia_tests(x) -> tuple[MultivariateTest, MultivariateTest]:
    r"""Mardia's multivariate skewness and kurtosis (Mardia 1970, 1974) of an (m, k) sample.

    With standardized :math:`y_i`: :math:`b_{1}=\frac1{m^2}\sum_{ij}(y_i\cdot y_j)^3=\sum_{abc}\bar
    M_{abc}^2` (the squared third-moment tensor, O(m k^3) instead of O(m^2)) and
    :math:`b_{2}=\frac1m\sum_i\|y_i\|^4` (the tensor is accumulated over row chunks: memory O(8192 k^2)). Under normality :math:`m\,c\,b_1/6\sim\chi^2_{k(k+1)(k+2)/6}`
    with Mardia's small-sample factor :math:`c=(k+1)(m+1)(m+3)/(m((m+1)(k+1)-6))`, and
    :math:`(b_2-k(k+2)(m-1)/(m+1))/\sqrt{8k(k+2)/m}\sim N(0,1)` (two-sided). Effects: :math:`b_1`
    (0 for symmetric laws) and :math:`b_2/(k(k+2))-1` (0 for the Gaussian; < 0 for a thin shell).
    """
    y = standardize(x)
    m, k = y.shape
    third = sum(np.einsum("ia,ib,ic->abc", c, c, c, optimize=True) for c in np.array_split(y, -(-m // 8192))) / m
    b1 = float(np.sum(third * third))
    c = (k + 1) * (m + 1) * (m + 3) / (m * ((m + 1) * (k + 1) - 6))
    df = k * (k + 1) * (k + 2) / 6
    skew_stat = m * c * b1 / 6
    b2 = float(np.mean(np.einsum("ij,ij->i", y, y) ** 2))
    z = (b2 - k * (k + 2) * (m - 1) / (m + 1)) / math.sqrt(8 * k * (k + 2) / m)
    return (MultivariateTest(name="mardia_skewness", statistic=skew_stat, pvalue=float(stats.chi2.sf(skew_stat, df)),
                             effect=b1, m=m, k=k),
            MultivariateTest(name="mardia_kurtosis", statistic=z, pvalue=float(2 * stats.norm.sf(abs(z))),
                             effect=b2 / (k * (k + 2)) - 1, m=m, k=k))


def _pairwise_sum(y: np.ndarray, kernel, *, chunk_rows: int = 1024) -> float:
    """:math:`\\sum_{i,j}` kernel(squared distance) over all ordered pairs, one row chunk at a time."""
    sq = np.einsum("ij,ij->i", y, y)
    total = 0.0
    for start in range(0, y.shape[0], chunk_rows):
        a = y[start:start + chunk_rows]
        d2 = sq[start:start + chunk_rows, None] + sq[None, :] - 2.0 * (a @ y.T)
        total += float(kernel(np.maximum(d2, 0.0)).sum())
    return total


def bhep_statistic(y, beta: float, *, chunk_rows: int = 1024) -> float:
    r"""The BHEP statistic (Baringhaus–Henze–Epps–Pulley) of a standardized (m, k) sample:

    .. math:: T_\beta=\frac1m\sum_{i,j}e^{-\beta^2\|y_i-y_j\|^2/2}
              -2(1+\beta^2)^{-k/2}\sum_i e^{-\beta^2\|y_i\|^2/(2(1+\beta^2))}+m(1+2\beta^2)^{-k/2},

    :math:`m\int|\psi_m(t)-e^{-\|t\|^2/2}|^2\varphi_\beta(t)dt` with :math:`\psi_m` the empirical
    characteristic function; the pairwise sum runs in row chunks (memory O(chunk · m)).
    """
    y = np.asarray(y, dtype=np.float64)
    m, k = y.shape
    b2 = beta * beta
    pair = _pairwise_sum(y, lambda d2: np.exp(-b2 / 2 * d2), chunk_rows=chunk_rows)
    single = np.exp(-b2 * np.einsum("ij,ij->i", y, y) / (2 * (1 + b2))).sum()
    return pair / m - 2 * (1 + b2) ** (-k / 2) * single + m * (1 + 2 * b2) ** (-k / 2)


def henze_zirkler(x, *, chunk_rows: int = 1024) -> MultivariateTest:
    r"""Henze–Zirkler test of multivariate normality (Henze & Zirkler 1990) of an (m, k) sample.

    The BHEP statistic at :math:`\beta=\frac1{\sqrt2}\bigl(\frac{(2k+1)m}4\bigr)^{1/(k+4)}`; p-value from
    the lognormal law with HZ's mean :math:`\mu=1-a^{-k/2}(1+k\beta^2/a+k(k+2)\beta^4/(2a^2))` and
    variance :math:`\sigma^2=2(1+4\beta^2)^{-k/2}+2a^{-k}(1+2k\beta^4/a^2+3k(k+2)\beta^8/(4a^4))
    -4w^{-k/2}(1+3k\beta^4/(2w)+k(k+2)\beta^8/(2w^2))`, :math:`a=1+2\beta^2`,
    :math:`w=(1+\beta^2)(1+3\beta^2)`. Effect: :math:`T/m`, which converges to the weighted
    :math:`L^2` distance between the characteristic functions of the law and of N(0, I).
    """
    y = standardize(x)
    m, k = y.shape
    beta = (1 / math.sqrt(2)) * ((2 * k + 1) * m / 4) ** (1 / (k + 4))
    t = bhep_statistic(y, beta, chunk_rows=chunk_rows)
    b2 = beta * beta
    a, w = 1 + 2 * b2, (1 + b2) * (1 + 3 * b2)
    mu = 1 - a ** (-k / 2) * (1 + k * b2 / a + k * (k + 2) * b2**2 / (2 * a * a))
    var = (2 * (1 + 4 * b2) ** (-k / 2) + 2 * a ** (-k) * (1 + 2 * k * b2**2 / a**2 + 3 * k * (k + 2) * b2**4 / (4 * a**4))
           - 4 * w ** (-k / 2) * (1 + 3 * k * b2**2 / (2 * w) + k * (k + 2) * b2**4 / (2 * w * w)))
    log_sd = math.sqrt(math.log1p(var / mu**2))
    log_mean = math.log(mu) - log_sd**2 / 2
    p = float(stats.lognorm.sf(t, log_sd, scale=math.exp(log_mean)))
    return MultivariateTest(name="henze_zirkler", statistic=float(t), pvalue=p, effect=float(t) / m, m=m, k=k,
                            note=f"beta={beta:.4g}")


def _mean_distance_to_gaussian(sq_norms: np.ndarray, k: int) -> np.ndarray:
    r""":math:`E\|a-Z\|` for :math:`Z\sim N(0,I_k)`:
    :math:`\sqrt2\,\Gamma(\frac{k+1}2)/\Gamma(\frac k2)\,{}_1F_1(-\frac12;\frac k2;-\frac{\|a\|^2}2)`
    (Székely & Rizzo 2005, Eq. 2.3)."""
    ratio = math.exp(special.gammaln((k + 1) / 2) - special.gammaln(k / 2))
    return math.sqrt(2) * ratio * special.hyp1f1(-0.5, k / 2, -sq_norms / 2)


def _energy_statistic(y: np.ndarray) -> float:
    m, k = y.shape
    ratio = math.exp(special.gammaln((k + 1) / 2) - special.gammaln(k / 2))
    to_gauss = _mean_distance_to_gaussian(np.einsum("ij,ij->i", y, y), k).mean()
    within = _pairwise_sum(y, np.sqrt) / m**2
    return m * (2 * to_gauss - 2 * ratio - within)


@lru_cache(maxsize=16)
def _energy_null(m: int, k: int, replicates: int, seed) -> np.ndarray:
    """The energy statistics of ``replicates`` standardized N(0, I_k) samples of size m: the bootstrap null,
    which depends on (m, k, replicates, seed) only, so it is simulated once per process (read-only)."""
    gen = np.random.default_rng(seed)
    null = np.array([_energy_statistic(standardize(gen.standard_normal((m, k)))) for _ in range(replicates)])
    null.flags.writeable = False
    return null


def energy_test(x, *, replicates: int = 99, seed: int = 0) -> MultivariateTest:
    r"""Energy test of multivariate normality (Székely & Rizzo 2005) of an (m, k) sample.

    :math:`\mathcal E=m\bigl(\frac2m\sum_iE\|y_i-Z\|-E\|Z-Z'\|-\frac1{m^2}\sum_{ij}\|y_i-y_j\|\bigr)`
    on the standardized sample, :math:`E\|Z-Z'\|=2\Gamma(\frac{k+1}2)/\Gamma(\frac k2)`; the p-value is
    the parametric bootstrap :math:`(1+\#\{\mathcal E^*\ge\mathcal E\})/(R+1)` over ``replicates``
    standardized Gaussian samples of the same (m, k) (exact level by construction). Effect:
    :math:`\mathcal E/m`, the energy distance to the fitted Gaussian.
    """
    y = standardize(x)
    m, k = y.shape
    stat = _energy_statistic(y)
    p = (1 + int(np.sum(_energy_null(m, k, int(replicates), seed) >= stat))) / (replicates + 1)
    return MultivariateTest(name="energy", statistic=float(stat), pvalue=p, effect=float(stat) / m, m=m, k=k,
                            note=f"bootstrap R={replicates}, seed={seed}")
