r"""Monte Carlo counterparts of :mod:`infonce_gauss.theory.polar`, radial and angular diagnostics of a sample, and the
``rates polar`` sweep.

* :func:`mc_polar_terms`: every term of the polar identities as a sample mean of an exact log density
  (:math:`h(Z)=-E\log p(Z)`, :math:`\mathrm{KL}(\mu\|\sigma)=E\log\frac{d\mu}{d\sigma}(U)`, ...) with its standard
  error, to hold against the exact terms; :func:`knn_polar_entropies` estimates :math:`h(Z)` and
  :math:`h(R)` without any density (Kozachenko–Leonenko, low d only).
* :func:`radial_chi_fit` fits the chi law to the norms (the Gaussian thin-shell reference) with a
  calibrated parametric-bootstrap KS p-value; :func:`polar_diagnostics` adds the Rayleigh and Bingham
  tests of :mod:`infonce_gauss.simulations.uniformity` on the directions.
* :func:`polar_rate_table` / :func:`polar_rate_fits`: the terms of the decomposition against d for the
  spiked Gaussian :math:`N(0,I+(a-1)e_1e_1^\top)` and the reference :math:`N(0,(2\lambda)^{-1}I)`.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from infonce_gauss.simulations.entropy import knn_entropy
from infonce_gauss.simulations.estimates import Estimate, cv_estimate, mean_estimate
from infonce_gauss.simulations.rates import column, fit_rate, points_needed, sweep
from infonce_gauss.simulations.sampling import as_generator, derive_seed, uniform_sphere
from infonce_gauss.simulations.uniformity import UniformityTest, bingham_test, rayleigh_test
from infonce_gauss.theory.gaussian_reference import GaussianReference
from infonce_gauss.theory.polar import polar_terms
from infonce_gauss.theory.polar_coordinates import log_sphere_area
from infonce_gauss.theory.polar_laws import GaussianLaw, ProductLaw
from infonce_gauss.theory.sphere import chi_norm_moments
from infonce_gauss.theory.validation import finite_array, integer, positive
from infonce_gauss.theory.vmf import VMFMixture

__all__ = [
    "sample_polar",
    "TERMS",
    "mc_polar_terms",
    "knn_polar_entropies",
    "RadialFit",
    "radial_chi_fit",
    "PolarDiagnostics",
    "polar_diagnostics",
    "spiked_gaussian",
    "spiked_asymptotes",
    "polar_rate_table",
    "polar_rate_fits",
    "pointwise_polar_residual",
    "sample_vmf_mixture",
    "random_vmf_mixture",
    "mc_kl_to_uniform",
]


# --------------------------------------------------------------------------------------------
# Sampling the exact families
# --------------------------------------------------------------------------------------------
@functools.singledispatch
def sample_polar(law, n, *, rng) -> np.ndarray:
    """Draw ``n`` points of a law of :mod:`infonce_gauss.theory.polar_laws` as an (n, d) array."""
    raise ValueError(f"unknown law {type(law).__name__}; use theory.polar_laws.GaussianLaw or ProductLaw.")


@sample_polar.register
def _(law: GaussianLaw, n, *, rng):
    n = integer(n, "n (number of samples)", minimum=1)
    return as_generator(rng).standard_normal((n, law.d)) @ np.linalg.cholesky(law.covariance).T


@sample_polar.register
def _(law: ProductLaw, n, *, rng):
    n = integer(n, "n (number of samples)", minimum=1)
    gen = as_generator(rng)
    if law.kappa == 0:
        u = uniform_sphere(n, law.d, rng=gen)
    else:
        u = stats.vonmises_fisher(law.mean_direction, law.kappa).rvs(n, random_state=gen)
    return u * law.radial.dist.rvs(size=n, random_state=gen)[:, None]


# --------------------------------------------------------------------------------------------
# Every term as a sample mean of an exact log density
# --------------------------------------------------------------------------------------------
TERMS = (
    "entropy", "radial_entropy", "mean_log_radius", "angular_kl_given_radius", "angular_kl",
    "radial_entropy_given_direction", "second_moment", "kl_to_reference", "radial_kl", "radial_kl_given_direction",
)


def _per_sample_terms(law, reference: GaussianReference, z: np.ndarray) -> dict[str, np.ndarray]:
    r = np.linalg.norm(z, axis=1)
    u = z / r[:, None]
    log_p, log_f_r, log_xi = law.log_density(z), law.radial_logpdf(r), reference.radial_logpdf(r)
    log_kappa = law.conditional_radial_logpdf(r, u)
    return {
        "entropy": -log_p,
        "radial_entropy": -log_f_r,
        "mean_log_radius": np.log(r),
        "angular_kl_given_radius": law.conditional_angular_log_density(u, r),
        "angular_kl": law.angular_log_density(u),
        "radial_entropy_given_direction": -log_kappa,
        "second_moment": r * r,
        "kl_to_reference": log_p - reference.log_density(z),
        "radial_kl": log_f_r - log_xi,
        "radial_kl_given_direction": log_kappa - log_xi,
    }


def mc_polar_terms(law, reference: GaussianReference, *, n, seed) -> dict[str, Estimate]:
    r"""Monte Carlo estimate of every term of :class:`infonce_gauss.theory.polar.PolarTerms` from ``n`` draws of ``law``.

    Each term is the sample mean of an exact log density (or of :math:`\log R`, :math:`R^2`) at the draws,
    with standard error ``std/sqrt(n)``. A term whose exact value is infinite (a law charging the outside
    of a ball reference) is returned as ``Estimate(inf, 0, n, seed)``.
    """
    n = integer(n, "n (number of samples)", minimum=2)
    z = sample_polar(law, n, rng=seed)
    out = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        values = _per_sample_terms(law, reference, z)
    for name, v in values.items():
        out[name] = mean_estimate(v, seed=seed) if np.all(np.isfinite(v)) else Estimate(math.inf, 0.0, n, seed)
    return out


def knn_polar_entropies(law, *, n, seed, k=3) -> dict[str, Estimate]:
    r"""Density-free estimates of :math:`h(Z)` and :math:`h(R)` (Kozachenko–Leonenko; low d only).

    The independent check of the exact entropies and of the polar identity: :math:`h(Z)` of a product
    law, for instance, is only *defined* through the identity in :mod:`infonce_gauss.theory.polar_laws`.
    """
    z = sample_polar(law, integer(n, "n (number of samples)", minimum=10), rng=seed)
    return {"entropy": knn_entropy(z, k=k, seed=seed),
            "radial_entropy": knn_entropy(np.linalg.norm(z, axis=1), k=k, seed=derive_seed(seed, 1))}


# --------------------------------------------------------------------------------------------
# Radial and angular diagnostics of a sample
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RadialFit:
    r"""The norms of a sample against the chi law :math:`s\chi_d` fitted by maximum likelihood.

    ``ks`` is the Kolmogorov–Smirnov distance of :math:`r/\hat s` to :math:`\chi_d` (an effect size that
    does not grow with n) and ``pvalue`` its parametric-bootstrap p-value (the scale is estimated, so
    the plain KS p-value would be conservative); ``cv`` is the coefficient of variation of the norms
    (with its standard error) and ``chi_cv`` the exact CV of :math:`\chi_d`.
    """

    d: int
    n: int
    scale: float
    ks: float
    pvalue: float
    cv: Estimate
    chi_cv: float

    @property
    def cv_ratio(self) -> float:
        r"""CV of the norms over the Gaussian reference :math:`\approx1/\sqrt{2d}` (1 for a Gaussian)."""
        return self.cv.value / self.chi_cv


def _chi_ks(r2: np.ndarray, d: int) -> np.ndarray:
    r"""KS distance of each row of squared norms (shape (..., n)) to :math:`s\chi_d` with s fitted by maximum
    likelihood, :math:`\hat s^2=\overline{r^2}/d`: the :math:`\chi_d` CDF of :math:`r/\hat s` is
    :math:`P(d/2,\;r^2/(2\hat s^2))` (regularized lower gamma), vectorized over rows."""
    n = r2.shape[-1]
    cdf = special.gammainc(d / 2, np.sort(r2, axis=-1) * (d / 2) / r2.mean(axis=-1, keepdims=True))
    steps = np.arange(1, n + 1) / n
    return np.maximum(np.max(steps - cdf, axis=-1), np.max(cdf - (steps - 1 / n), axis=-1))


def radial_chi_fit(z, *, seed, n_boot: int = 199) -> RadialFit:
    r"""Fit :math:`s\chi_d` to the norms of the rows of ``z`` (shape (n, d)) and test it."""
    z = finite_array(z, "z (samples)")
    if z.ndim != 2 or z.shape[1] < 2 or z.shape[0] < 10:
        raise ValueError(f"z must be an (n, d) array with n >= 10 and d >= 2, got shape {z.shape}.")
    n, d = z.shape
    n_boot = integer(n_boot, "n_boot", minimum=19)
    r = np.linalg.norm(z, axis=1)
    if np.any(r == 0):
        raise ValueError("some rows are zero; a chi fit needs positive norms.")
    ks = float(_chi_ks(r * r, d))
    gen = as_generator(seed)
    rows = max(1, 2**22 // n)  # bounded memory: simulate the null in blocks of about 4M draws
    null = np.concatenate([_chi_ks(gen.chisquare(d, size=(min(rows, n_boot - start), n)), d)
                           for start in range(0, n_boot, rows)])
    return RadialFit(d=d, n=n, scale=math.sqrt(float(np.mean(r * r)) / d), ks=ks,
                     pvalue=float((1 + np.sum(null >= ks)) / (n_boot + 1)),
                     cv=cv_estimate(r, seed=seed), chi_cv=chi_norm_moments(d).cv)


@dataclass(frozen=True)
class PolarDiagnostics:
    """Radial fit against the chi law, and the Rayleigh (mean) and Bingham (second moment) uniformity tests."""

    radial: RadialFit
    rayleigh: UniformityTest
    bingham: UniformityTest


def polar_diagnostics(z, *, seed, n_boot: int = 199) -> PolarDiagnostics:
    r"""Split a sample z = r u and test each part: :math:`r\sim s\chi_d`? :math:`u\sim\sigma`?

    Under :math:`N(0,s^2I)` the three nulls hold together (R and U independent, U uniform); the
    angular tests are those of :mod:`infonce_gauss.simulations.uniformity` (Mardia & Jupp 2000, §10.4.1, §10.7).
    """
    radial = radial_chi_fit(z, seed=seed, n_boot=n_boot)
    return PolarDiagnostics(radial=radial, rayleigh=rayleigh_test(z), bingham=bingham_test(z))


# --------------------------------------------------------------------------------------------
# The rates sweep: terms of the decomposition against d for the spiked Gaussian
# --------------------------------------------------------------------------------------------
_TERM_LABELS = {
    "kl_to_reference": "KL(ρ‖γ)",
    "angular_kl": "KL(μ‖σ)",
    "radial_kl_given_direction": "E_μ KL(κ(·|u)‖ξ)",
    "radial_kl": "KL(ρ_R‖ξ)",
    "angular_kl_given_radius": "E_R KL(P_{U|R}‖σ)",
}


def spiked_gaussian(d, spike) -> GaussianLaw:
    r""":math:`N(0,I_d+(a-1)e_1e_1^\top)`: one direction stretched by a (variance a), the others 1."""
    d = integer(d, "d (the ambient dimension)", minimum=2)
    return GaussianLaw.from_eigenvalues(np.r_[positive(spike, "spike (the variance a)"), np.ones(d - 1)])


def spiked_asymptotes(d, spike) -> dict[str, float]:
    r"""Leading behaviour of the terms for the spiked Gaussian against :math:`N(0,I)` (:math:`2\lambda=1`).

    * total and angular terms :math:`\to\tfrac12(a-1-\log a)` (all the KL becomes angular);
    * :math:`E_\mu\mathrm{KL}(\kappa\|\xi)=\tfrac d2E[(a-1)B-\log(1+(a-1)B)]`, :math:`B\sim\mathrm{Beta}(\tfrac12,\tfrac{d-1}2)`,
      :math:`=3(a-1)^2/(4d)+O(d^{-2})` (expand the log, :math:`EB^2=3/(d(d+2))`);
    * :math:`\mathrm{KL}(\rho_R\|\xi)=(a-1)^2/(4d)+O(d^{-2})` (normal approximation of
      :math:`R^2=\chi^2_{d-1}+ag_1^2` against :math:`\chi^2_d`: mean shift a − 1, variance 2d).
    """
    d = integer(d, "d (the ambient dimension)", minimum=2)
    a = positive(spike, "spike")
    limit = 0.5 * (a - 1 - math.log(a))
    return {"kl_to_reference": limit, "angular_kl": limit, "angular_kl_given_radius": limit,
            "radial_kl_given_direction": 3 * (a - 1) ** 2 / (4 * d), "radial_kl": (a - 1) ** 2 / (4 * d)}


def _exact_terms(d, spike):
    terms = polar_terms(spiked_gaussian(d, spike), GaussianReference(d, 0.5))
    return {name: getattr(terms, name) for name in _TERM_LABELS}


def _mc_terms(d, spike, n, seed):
    est = mc_polar_terms(spiked_gaussian(d, spike), GaussianReference(d, 0.5), n=n, seed=seed)
    return {f"{name}{part}": value for name in _TERM_LABELS for part, value in (("", est[name].value), ("_se", est[name].se))}


def polar_rate_table(dims, *, spike=4.0, n, seeds, mc_dims=None, executor=None, progress=True) -> list[dict]:
    r"""Long tidy table of the polar terms of :func:`spiked_gaussian` against :math:`N(0,I)` over d.

    One row per (d, term, source[, seed]): ``exact`` (:func:`infonce_gauss.theory.polar.polar_terms`), ``asymptotic``
    (:func:`spiked_asymptotes`) and ``mc`` (:func:`mc_polar_terms`, ``n`` draws per seed, with ``se``) at
    ``mc_dims`` (default: the dims up to 256; exact rows are added there too). ``term`` is the key of :class:`infonce_gauss.theory.polar.PolarTerms`,
    ``label`` its formula.
    """
    dims = sorted({integer(d, "d", minimum=2) for d in dims})
    if not dims:
        raise ValueError("give at least one dimension.")
    spike = positive(spike, "spike")
    mc_dims = sorted({integer(d, "d", minimum=2) for d in (mc_dims if mc_dims is not None else [d for d in dims if d <= 256])})
    dims = sorted(set(dims) | set(mc_dims))  # every Monte Carlo point has its exact value beside it
    rows = []
    for row in sweep(_exact_terms, [{"d": d, "spike": spike} for d in dims], executor=executor, progress=progress, desc="exact terms"):
        asymptotes = spiked_asymptotes(row["d"], spike)
        for name, label in _TERM_LABELS.items():
            rows.append({"d": row["d"], "term": name, "label": label, "source": "exact", "value": row[name]})
            rows.append({"d": row["d"], "term": name, "label": label, "source": "asymptotic", "value": asymptotes[name]})
    if mc_dims:
        n = integer(n, "n", minimum=2)
        grid = [{"d": d, "spike": spike, "n": n} for d in mc_dims]
        for row in sweep(_mc_terms, grid, seeds=list(seeds), executor=executor, progress=progress, desc="Monte Carlo"):
            rows += [{"d": row["d"], "term": name, "label": label, "source": "mc", "value": row[name],
                      "se": row[f"{name}_se"], "seed": row["seed"], "n": n} for name, label in _TERM_LABELS.items()]
    return rows


_DECAYING = ("radial_kl_given_direction", "radial_kl")


def polar_rate_fits(table, *, d_min=16, confidence_level=0.95) -> list[dict]:
    r"""Fit the log–log slope of the two radial terms (exact series, d ≥ ``d_min``) against d.

    Both are predicted to fall like :math:`C/d` (slope −1) with :math:`C=3(a-1)^2/4` and :math:`(a-1)^2/4`
    (:func:`spiked_asymptotes`); the model is :math:`\log y=\log C+s\log d+b/d` with the truncation error
    of the expansion added to the interval (:func:`~infonce_gauss.simulations.rates.fit_rate`, ``exact=True``).
    """
    fits = []
    for term in _DECAYING:
        series = sorted((r for r in table if r["term"] == term and r["source"] == "exact" and r["d"] >= d_min), key=lambda r: r["d"])
        if len(series) < points_needed(corrections=1, exact=True):
            continue
        d_ref = series[-1]["d"]
        constant = next(r["value"] for r in table if r["term"] == term and r["source"] == "asymptotic" and r["d"] == d_ref) * d_ref
        fit = fit_rate(column(series, "d"), column(series, "value"), exact=True, corrections=1,
                       confidence_level=confidence_level, predicted_slope=-1.0, predicted_constant=constant)
        fits.append({"term": term, "label": _TERM_LABELS[term], **fit.to_dict(),
                     "slope_covers_prediction": fit.slope_covers_prediction,
                     "constant_covers_prediction": fit.constant_ci[0] <= constant <= fit.constant_ci[1]})
    return fits


def pointwise_polar_residual(law, z) -> np.ndarray:
    r"""The change of variables at each point: :math:`\log p(z)-[\log f_R(r)+\log\frac{dP_{U|R=r}}{d\sigma}(u)-\log|S^{d-1}|-(d-1)\log r]`.

    Zero up to rounding when the Cartesian density, the radial law and the conditional direction law
    of ``law`` are consistent (each is implemented separately).
    """
    z = np.atleast_2d(finite_array(z, "z"))
    r = np.linalg.norm(z, axis=1)
    u = z / r[:, None]
    polar = law.radial_logpdf(r) + law.conditional_angular_log_density(u, r) - log_sphere_area(law.d) - (law.d - 1) * np.log(r)
    return law.log_density(z) - polar


# --------------------------------------------------------------------------------------------
# vMF mixtures (Lemma 1's random test family)
# --------------------------------------------------------------------------------------------
def _sample_vmf(direction: np.ndarray, kappa: float, n: int, gen: np.random.Generator) -> np.ndarray:
    if kappa == 0:
        return uniform_sphere(n, direction.size, rng=gen)
    return stats.vonmises_fisher(direction, kappa).rvs(n, random_state=gen).reshape(n, direction.size)


def sample_vmf_mixture(mixture: VMFMixture, n, *, rng) -> np.ndarray:
    """Draw ``n`` points of a :class:`infonce_gauss.theory.vmf.VMFMixture` (component counts multinomial, then each vMF)."""
    n = integer(n, "n (number of samples)", minimum=1)
    gen = as_generator(rng)
    counts = gen.multinomial(n, mixture.weights)
    parts = [_sample_vmf(w, float(k), int(c), gen) for w, k, c in zip(mixture.directions, mixture.kappas, counts) if c]
    return gen.permutation(np.concatenate(parts))


def random_vmf_mixture(d, components, *, rng, max_kappa=None) -> VMFMixture:
    r"""A random mixture: Dirichlet(1) weights, uniform directions, :math:`\kappa_j\sim U(0,\kappa_{\max})`
    (default :math:`\kappa_{\max}=2d`, so that mean lengths span (0, 1))."""
    d = integer(d, "d (the ambient dimension)", minimum=2)
    components = integer(components, "components", minimum=1)
    gen = as_generator(rng)
    top = 2.0 * d if max_kappa is None else positive(max_kappa, "max_kappa")
    return VMFMixture(gen.dirichlet(np.ones(components)), uniform_sphere(components, d, rng=gen),
                      gen.uniform(0, top, size=components))


def mc_kl_to_uniform(mixture: VMFMixture, *, n, seed) -> Estimate:
    r""":math:`\mathrm{KL}(\mu\|\sigma)=E_\mu\log\frac{d\mu}{d\sigma}(U)` by Monte Carlo from ``n`` draws."""
    u = sample_vmf_mixture(mixture, integer(n, "n (number of samples)", minimum=2), rng=seed)
    return mean_estimate(mixture.log_density(u), seed=seed)
