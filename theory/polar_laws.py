r"""Laws on :math:`\mathbb R^d` whose polar terms are known exactly: Gaussians :math:`N(0,\Sigma)` and products.

For a law ρ of :math:`Z=R\,U` (:mod:`infonce_gauss.theory.polar_coordinates`) each class gives the direction law
μ, the radial law :math:`\rho_R`, the conditionals :math:`P_{U|R}` and :math:`\kappa(\cdot|u)`, their entropies and
their KLs to σ (the uniform law on :math:`S^{d-1}`) and to the radial law ξ of :math:`\gamma_\lambda^B`
(:mod:`infonce_gauss.theory.gaussian_reference`), every term computed independently of the polar identities
(:mod:`infonce_gauss.theory.polar`) it is tested with:

* :class:`GaussianLaw` :math:`N(0,\Sigma)`: the direction law is the angular central Gaussian
  (Tyler 1987), :math:`R|u` is :math:`\chi_d/\sqrt{u^\top\Sigma^{-1}u}`, the radial law and :math:`P_{U|R}`
  (a Bingham law) come from a positive series for the Bingham normalizer.
* :class:`ProductLaw` vMF(:math:`\kappa`) (or :math:`\sigma`) :math:`\otimes` a radial law, U and R independent.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from scipy import integrate, special, stats

from infonce_gauss.theory.gaussian_reference import GaussianReference
from infonce_gauss.theory.polar_coordinates import RadialLaw, composite_gauss_legendre, log_sphere_area
from infonce_gauss.theory.validation import finite_array, integer, positive
from infonce_gauss.theory.vmf import vmf_kl_to_uniform, vmf_log_density

__all__ = ["GaussianLaw", "ProductLaw"]


# --------------------------------------------------------------------------------------------
# Gaussian laws: angular central Gaussian directions, chi radial conditionals, Bingham P_{U|R}
# --------------------------------------------------------------------------------------------
_PANELS = 48
_TAIL = 46.0  # Laurent–Massart deviation x with e^{-x} ~ 1e-20


def _mean_log_quadratic_form(eigenvalues: np.ndarray) -> float:
    r""":math:`E\log\sum_i\lambda_ig_i^2`, :math:`g\sim N(0,I)`, by Frullani's integral
    :math:`E\log Q=\int_0^\infty(e^{-t}-Ee^{-tQ})\,dt/t` with :math:`Ee^{-tQ}=\prod_i(1+2t\lambda_i)^{-1/2}`,
    after scaling Q by its mean eigenvalue; the difference :math:`e^{-t}-e^b` is formed with ``expm1`` around
    the larger of the two (no cancellation near t = 0, no overflow for large t)."""
    scale = float(eigenvalues.mean())
    lam = eigenvalues / scale

    def integrand(t):
        if t == 0.0:
            return float(lam.sum()) - 1.0
        b = -0.5 * float(np.sum(np.log1p(2 * t * lam)))  # log E e^{-tQ}
        # e^{-t} - e^b without cancellation or overflow, whichever of the two is larger
        if b + t > 0:
            return math.exp(b) * math.expm1(-t - b) / t
        return -math.exp(-t) * math.expm1(b + t) / t

    pieces = ((0.0, 1.0), (1.0, 50.0), (50.0, math.inf))
    return math.log(scale) + sum(integrate.quad(integrand, lo, hi, epsabs=1e-14, epsrel=1e-12, limit=400)[0] for lo, hi in pieces)


class _BinghamSeries:
    r""":math:`F(s)=E_\sigma e^{s\,u^\top\tilde Bu}=\sum_nm_ns^n/n!` for :math:`0\preceq\tilde B\preceq I`, all terms positive.

    The moments :math:`m_n=E_\sigma(u^\top\tilde Bu)^n=n!\,e_n/(d/2)_n\in[0,1]`, where :math:`e_n` is the
    coefficient of :math:`x^n` in :math:`\prod_i(1-\tilde b_ix)^{-1/2}`, follow from Newton's identity
    :math:`ne_n=\tfrac12\sum_{j\le n}p_je_{n-j}`, :math:`p_j=\sum_i\tilde b_i^j` (with u = g/|g| and
    :math:`Ee^{x\,g^\top\tilde Bg/2}=\prod(1-\tilde b_ix)^{-1/2}`). Truncation: with
    :math:`x=u^\top\tilde Bu\in[0,1]`, the tail beyond N is
    :math:`E_\sigma[e^{sx}P(\mathrm{Poi}(sx)>N)]\le F(s)\,P(\mathrm{Poi}(s)>N)`, and
    :math:`N=s+10\sqrt s+50` makes that below :math:`e^{-41}` (Bernstein's inequality).
    """

    def __init__(self, b: np.ndarray, d: int, s_max: float):
        self.b, self.d, self.s_max = b, d, s_max
        count = int(math.ceil(s_max + 10 * math.sqrt(s_max) + 50))
        p_reversed = np.sum(b[None, :] ** np.arange(count, 0, -1)[:, None], axis=1)  # p_count, ..., p_1
        # m_k = (1/2k) sum_j p_j (g_{k-j}/g_k) m_{k-j}, g_i = (d/2)_i/i!; ratios[i] = g_i/g_k is updated by
        # the factor g_{k-1}/g_k = k/(d/2+k-1) at each step (no exponentials; tiny ratios underflow harmlessly)
        m = np.zeros(count + 1)
        m[0] = 1.0
        ratios = np.zeros(count + 1)
        for k in range(1, count + 1):
            ratios[k - 1] = 1.0
            ratios[:k] *= k / (d / 2 + k - 1)
            m[k] = np.dot(p_reversed[count - k:], ratios[:k] * m[:k]) / (2 * k)
        with np.errstate(divide="ignore"):
            self._log_m = np.log(m)
        self._moment_ratio = np.divide(m[1:], m[:-1], out=np.zeros(count), where=m[:-1] > 0)
        self._log_factorial = special.gammaln(np.arange(count) + 1)

    def log_f_and_mean(self, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        r""":math:`\log F(s)` and :math:`F'(s)/F(s)=E[u^\top\tilde Bu]` under the tilted law, for s > 0."""
        log_f, mean = np.empty_like(s), np.empty_like(s)
        order = np.argsort(s)
        for start in range(0, s.size, 1024):  # bounded memory; each chunk sums only the terms its largest s needs
            rows = order[start:start + 1024]
            s_top = float(s[rows[-1]])
            count = min(self._log_factorial.size, int(math.ceil(s_top + 10 * math.sqrt(s_top) + 50)))
            n = np.arange(count)
            log_terms = n * np.log(s[rows])[:, None] - self._log_factorial[:count] + self._log_m[:count]
            top = log_terms.max(axis=1)
            weights = np.exp(log_terms - top[:, None])
            total = weights.sum(axis=1)
            log_f[rows] = top + np.log(total)
            mean[rows] = weights @ self._moment_ratio[:count] / total  # F'/F = sum m_{n+1} s^n/n! / sum m_n s^n/n!
        return log_f, mean


def _positive_definite(covariance) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    cov = finite_array(covariance, "covariance")
    if cov.ndim != 2 or cov.shape[0] != cov.shape[1] or cov.shape[0] < 2:
        raise ValueError(f"covariance must be a square d x d matrix with d >= 2, got shape {cov.shape}.")
    if not np.allclose(cov, cov.T, rtol=1e-12, atol=1e-14 * np.abs(cov).max()):
        raise ValueError("covariance must be symmetric; pass (C + C.T) / 2.")
    if np.count_nonzero(cov - np.diag(np.diag(cov))) == 0:  # diagonal: skip the O(d^3) eigendecomposition
        eigenvalues, vectors = np.diag(cov).copy(), np.eye(cov.shape[0])
    else:
        eigenvalues, vectors = np.linalg.eigh(cov)
    if eigenvalues.min() <= 1e-12 * eigenvalues.max():
        raise ValueError(
            f"covariance must be positive definite (smallest eigenvalue {eigenvalues.min():.3g}, largest "
            f"{eigenvalues.max():.3g}); a singular Gaussian has no density on R^d. Add a small multiple of I."
        )
    return cov, eigenvalues, vectors


@dataclass(frozen=True, eq=False)
class GaussianLaw:
    r""":math:`\rho=N(0,\Sigma)` on :math:`\mathbb R^d` and its polar pieces.

    * direction: the angular central Gaussian, :math:`\frac{d\mu}{d\sigma}(u)=\det\Sigma^{-1/2}(u^\top\Sigma^{-1}u)^{-d/2}`
      (Tyler 1987), so :math:`\mathrm{KL}(\mu\|\sigma)=-\tfrac12\sum\log\lambda_i-\tfrac d2[\psi(\tfrac d2)+\log2-E\log Q]`,
      :math:`Q=\sum\lambda_ig_i^2` (Frullani quadrature);
    * radius given direction: :math:`\kappa(\cdot|u)=\chi_d/\sqrt{u^\top\Sigma^{-1}u}`;
    * radius: :math:`f_R(r)=|S^{d-1}|r^{d-1}(2\pi)^{-d/2}\det\Sigma^{-1/2}M(r)` with the Bingham normalizer
      :math:`M(r)=E_\sigma e^{-r^2u^\top\Sigma^{-1}u/2}=e^{-r^2a_{\max}/2}F(r^2b_{\max}/2)`,
      :math:`\tilde B=(a_{\max}I-\Sigma^{-1})/b_{\max}` (:class:`_BinghamSeries`);
    * direction given radius: Bingham, :math:`\mathrm{KL}(P_{U|R=r}\|\sigma)=sF'(s)/F(s)-\log F(s)`, :math:`s=r^2b_{\max}/2`.

    Radial expectations are composite Gauss–Legendre quadratures (48 panels × 24 nodes, refined
    geometrically towards r = 0 where :math:`f_R\log f_R` has a log singularity; :func:`composite_gauss_legendre`) in r over the
    Laurent–Massart range :math:`\mathrm{tr}\Sigma\pm` deviations of probability :math:`e^{-46}`. Every term
    depends on :math:`\Sigma` only through its eigenvalues (rotation invariance of :math:`\sigma` and :math:`\gamma`).
    """

    covariance: np.ndarray

    def __post_init__(self):
        cov, eigenvalues, vectors = _positive_definite(self.covariance)
        object.__setattr__(self, "covariance", cov)
        object.__setattr__(self, "eigenvalues", eigenvalues)
        object.__setattr__(self, "_precision", (vectors / eigenvalues) @ vectors.T)

    @classmethod
    def isotropic(cls, d, variance=1.0) -> "GaussianLaw":
        """:math:`N(0,s^2I_d)`."""
        d = integer(d, "d (the ambient dimension)", minimum=2)
        return cls(positive(variance, "variance") * np.eye(d))

    @classmethod
    def from_eigenvalues(cls, eigenvalues) -> "GaussianLaw":
        r""":math:`N(0,\mathrm{diag}(\lambda))`; every polar term depends only on the spectrum."""
        return cls(np.diag(finite_array(eigenvalues, "eigenvalues")))

    @property
    def d(self) -> int:
        return self.eigenvalues.size

    # --- closed forms ------------------------------------------------------------------------
    @property
    def entropy(self) -> float:
        r""":math:`h(Z)=\tfrac12\log((2\pi e)^d\det\Sigma)`."""
        return 0.5 * (self.d * math.log(2 * math.pi * math.e) + float(np.sum(np.log(self.eigenvalues))))

    @property
    def second_moment(self) -> float:
        r""":math:`E\|Z\|^2=\mathrm{tr}\,\Sigma`."""
        return float(self.eigenvalues.sum())

    @property
    def upper(self) -> float:
        return math.inf

    @functools.cached_property
    def _mean_log_q(self) -> float:
        return _mean_log_quadratic_form(self.eigenvalues)

    @property
    def _log_chi2_mean(self) -> float:
        r""":math:`E\log\chi^2_d=\psi(d/2)+\log2`."""
        return float(special.digamma(self.d / 2)) + math.log(2.0)

    @property
    def mean_log_radius(self) -> float:
        r""":math:`E\log R=\tfrac12E\log Q`."""
        return 0.5 * self._mean_log_q

    @property
    def angular_kl(self) -> float:
        r""":math:`\mathrm{KL}(\mu\|\sigma)` of the angular central Gaussian."""
        return -0.5 * float(np.sum(np.log(self.eigenvalues))) - 0.5 * self.d * (self._log_chi2_mean - self._mean_log_q)

    @property
    def radial_entropy_given_direction(self) -> float:
        r""":math:`E_U h(R|U)=h(\chi_d)-\tfrac12E_\mu\log(u^\top\Sigma^{-1}u)`, with
        :math:`E_\mu\log(u^\top\Sigma^{-1}u)=E\log\chi^2_d-E\log Q`."""
        return float(stats.chi.entropy(float(self.d))) - 0.5 * (self._log_chi2_mean - self._mean_log_q)

    def radial_kl_given_direction(self, reference: GaussianReference) -> float:
        r""":math:`E_\mu\mathrm{KL}(\kappa(\cdot|u)\|\xi)=\tfrac d2E_\mu[c-1-\log c]`, :math:`c(u)=2\lambda/(u^\top\Sigma^{-1}u)`
        (KL between scaled chi laws), with :math:`E_\mu c=2\lambda\,\mathrm{tr}\Sigma/d`; ``inf`` on a ball."""
        if reference.radius is not None:
            return math.inf
        two_lam = 2 * reference.lam
        mean_c = two_lam * self.second_moment / self.d
        mean_log_c = math.log(two_lam) - self._log_chi2_mean + self._mean_log_q
        return 0.5 * self.d * (mean_c - 1 - mean_log_c)

    def kl_to_reference(self, reference: GaussianReference) -> float:
        r""":math:`\mathrm{KL}(N(0,\Sigma)\|N(0,(2\lambda)^{-1}I))=\tfrac12[2\lambda\mathrm{tr}\Sigma-d-\sum\log(2\lambda\lambda_i)]`
        (``inf`` on a ball: the Gaussian charges its complement)."""
        if reference.radius is not None:
            return math.inf
        scaled = 2 * reference.lam * self.eigenvalues
        return 0.5 * float(np.sum(scaled - 1 - np.log(scaled)))

    # --- log densities (for Monte Carlo) ---------------------------------------------------
    def _quad_precision(self, x: np.ndarray) -> np.ndarray:
        return np.einsum("ij,ij->i", x @ self._precision, x)

    def log_density(self, z) -> np.ndarray:
        r"""Log density of :math:`N(0,\Sigma)` at rows of z."""
        z = np.atleast_2d(finite_array(z, "z"))
        return -0.5 * (self._quad_precision(z) + self.d * math.log(2 * math.pi) + float(np.sum(np.log(self.eigenvalues))))

    def angular_log_density(self, u) -> np.ndarray:
        r""":math:`\log\frac{d\mu}{d\sigma}(u)=-\tfrac12\log\det\Sigma-\tfrac d2\log(u^\top\Sigma^{-1}u)`."""
        u = np.atleast_2d(finite_array(u, "u"))
        return -0.5 * float(np.sum(np.log(self.eigenvalues))) - 0.5 * self.d * np.log(self._quad_precision(u))

    def conditional_radial_logpdf(self, r, u) -> np.ndarray:
        r""":math:`\log\kappa(r|u)`: the :math:`\chi_d` density of :math:`r\sqrt{u^\top\Sigma^{-1}u}`, times that factor."""
        root = np.sqrt(self._quad_precision(np.atleast_2d(finite_array(u, "u"))))
        return stats.chi.logpdf(finite_array(r, "r") * root, self.d) + np.log(root)

    # --- the radial law and the Bingham conditionals -----------------------------------------
    @functools.cached_property
    def _radial_grid(self) -> tuple[np.ndarray, np.ndarray]:
        """Composite Gauss–Legendre nodes and weights in r covering all but ~1e-20 of the radial law."""
        trace, norm2, top = self.second_moment, math.sqrt(float(np.sum(self.eigenvalues**2))), float(self.eigenvalues.max())
        q_lo = max(0.0, trace - 2 * norm2 * math.sqrt(_TAIL))
        q_hi = trace + 2 * norm2 * math.sqrt(_TAIL) + 2 * top * _TAIL
        return composite_gauss_legendre(np.linspace(math.sqrt(q_lo), math.sqrt(q_hi), _PANELS + 1))

    @functools.cached_property
    def _bingham(self):
        a = 1 / self.eigenvalues
        spread = float(a.max() - a.min())
        if spread <= 1e-14 * float(a.max()):
            return a.max(), 0.0, None
        r_max = float(self._radial_grid[0].max())
        return float(a.max()), spread, _BinghamSeries((a.max() - a) / spread, self.d, r_max**2 * spread / 2)

    def _log_f_and_mean(self, r: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(s, log F(s), F'/F) at radii r (zeros when Σ is isotropic)."""
        a_max, spread, series = self._bingham
        s = r * r * spread / 2
        if series is None:
            return s, np.zeros_like(r), np.zeros_like(r)
        if s.max() > series.s_max:  # beyond the quadrature range (probability < 1e-20): a longer series
            series = _BinghamSeries(series.b, self.d, float(s.max()))
            self.__dict__["_bingham"] = (a_max, spread, series)
        return (s, *series.log_f_and_mean(s))

    def radial_logpdf(self, r) -> np.ndarray:
        r""":math:`\log f_R(r)=\log|S^{d-1}|+(d-1)\log r-\tfrac d2\log2\pi-\tfrac12\log\det\Sigma-\tfrac{a_{\max}r^2}2+\log F(s)`."""
        r = np.atleast_1d(finite_array(r, "r (radii)"))
        if np.any(r <= 0):
            raise ValueError("radii must be > 0.")
        return self._radial_logpdf(r, self._log_f_and_mean(r)[1])

    def _radial_logpdf(self, r: np.ndarray, log_f: np.ndarray) -> np.ndarray:
        return (log_sphere_area(self.d) + (self.d - 1) * np.log(r) - 0.5 * self.d * math.log(2 * math.pi)
                - 0.5 * float(np.sum(np.log(self.eigenvalues))) - 0.5 * self._bingham[0] * r * r + log_f)

    def conditional_angular_log_density(self, u, r) -> np.ndarray:
        r""":math:`\log\frac{dP_{U|R=r}}{d\sigma}(u)=\tfrac{r^2}2(a_{\max}-u^\top\Sigma^{-1}u)-\log F(r^2b_{\max}/2)` (Bingham)."""
        u = np.atleast_2d(finite_array(u, "u"))
        r = finite_array(r, "r (radii)")
        _, log_f, _ = self._log_f_and_mean(np.atleast_1d(r))
        return 0.5 * r * r * (self._bingham[0] - self._quad_precision(u)) - log_f

    def _radial_expect(self, values: np.ndarray) -> float:
        return float(np.dot(self._radial_grid[1], np.exp(self._radial_logpdf_on_grid) * values))

    @functools.cached_property
    def _grid_series(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(s, log F(s), F'/F) on the radial quadrature nodes."""
        return self._log_f_and_mean(self._radial_grid[0])

    @functools.cached_property
    def _radial_logpdf_on_grid(self) -> np.ndarray:
        return self._radial_logpdf(self._radial_grid[0], self._grid_series[1])

    @functools.cached_property
    def radial_mass(self) -> float:
        r""":math:`\int f_R` by the radial quadrature (1 up to ~1e-13; a check of the series)."""
        return self._radial_expect(np.ones_like(self._radial_grid[0]))

    @functools.cached_property
    def radial_entropy(self) -> float:
        r""":math:`h(R)=-\int f_R\log f_R\,dr`."""
        return -self._radial_expect(self._radial_logpdf_on_grid)

    @functools.cached_property
    def angular_kl_given_radius(self) -> float:
        r""":math:`E_R\mathrm{KL}(P_{U|R}\|\sigma)=\int f_R(r)\,[sF'(s)/F(s)-\log F(s)]\,dr`."""
        s, log_f, mean = self._grid_series
        return self._radial_expect(s * mean - log_f)

    def radial_kl(self, reference: GaussianReference) -> float:
        r""":math:`\mathrm{KL}(\rho_R\|\xi)=\int f_R\log(f_R/\xi)\,dr` (``inf`` on a ball)."""
        if reference.radius is not None:
            return math.inf
        nodes = self._radial_grid[0]
        return self._radial_expect(self._radial_logpdf_on_grid - reference.radial_logpdf(nodes))


# --------------------------------------------------------------------------------------------
# Products: a direction law (vMF or uniform) independent of a radial law
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProductLaw:
    r""":math:`\rho=\mathrm{vMF}(\kappa,w)\otimes\rho_R` (U and R independent; :math:`\kappa=0` is :math:`\sigma\otimes\rho_R`).

    Then :math:`P_{U|R}=\mu` and :math:`\kappa(\cdot|u)=\rho_R`, so :math:`E_R\mathrm{KL}(P_{U|R}\|\sigma)=\mathrm{KL}(\mu\|\sigma)`
    and :math:`E_Uh(R|U)=h(R)`; :math:`h(Z)` is *defined* by the identity here and checked against the
    Kozachenko–Leonenko estimator in simulations. With :math:`\rho_R=\xi` (Prop 3) the radial KL vanishes.
    """

    radial: RadialLaw
    d: int
    kappa: float = 0.0

    def __post_init__(self):
        object.__setattr__(self, "d", integer(self.d, "d (the ambient dimension)", minimum=2))
        kappa = float(self.kappa)
        if not math.isfinite(kappa) or kappa < 0:
            raise ValueError(f"kappa (the vMF concentration) must be finite and >= 0, got {self.kappa!r}.")
        object.__setattr__(self, "kappa", kappa)

    @property
    def mean_direction(self) -> np.ndarray:
        return np.eye(self.d)[0]

    @property
    def angular_kl(self) -> float:
        return float(vmf_kl_to_uniform(self.d, self.kappa))

    angular_kl_given_radius = angular_kl

    @property
    def radial_entropy(self) -> float:
        return self.radial.entropy

    radial_entropy_given_direction = radial_entropy

    @property
    def mean_log_radius(self) -> float:
        return self.radial.mean_log

    @property
    def second_moment(self) -> float:
        return self.radial.second_moment

    @property
    def upper(self) -> float:
        return self.radial.upper

    @property
    def entropy(self) -> float:
        r""":math:`h(Z)=h(R)+(d-1)E\log R+\log|S^{d-1}|-\mathrm{KL}(\mu\|\sigma)`."""
        return self.radial_entropy + (self.d - 1) * self.mean_log_radius + log_sphere_area(self.d) - self.angular_kl

    def radial_kl(self, reference: GaussianReference) -> float:
        return reference.radial_kl(self.radial_entropy, self.mean_log_radius, self.second_moment, upper=self.upper)

    radial_kl_given_direction = radial_kl

    def kl_to_reference(self, reference: GaussianReference) -> float:
        return reference.kl(self.entropy, self.second_moment, upper=self.upper)

    def angular_log_density(self, u) -> np.ndarray:
        return np.atleast_1d(vmf_log_density(np.atleast_2d(u), self.mean_direction, self.kappa))

    def conditional_angular_log_density(self, u, r) -> np.ndarray:
        return self.angular_log_density(u)

    def radial_logpdf(self, r) -> np.ndarray:
        return self.radial.logpdf(finite_array(r, "r (radii)"))

    def conditional_radial_logpdf(self, r, u) -> np.ndarray:
        return self.radial_logpdf(r)

    def log_density(self, z) -> np.ndarray:
        r""":math:`\log p(z)=\log f_R(r)+\log\frac{d\mu}{d\sigma}(u)-\log|S^{d-1}|-(d-1)\log r`."""
        z = np.atleast_2d(finite_array(z, "z"))
        r = np.linalg.norm(z, axis=1)
        return (self.radial_logpdf(r) + self.angular_log_density(z / r[:, None]) - log_sphere_area(self.d)
                - (self.d - 1) * np.log(r))
