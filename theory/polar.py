r"""Polar decomposition of entropy and KL, the Gaussian reference :math:`\gamma_\lambda^B`, and Lemma 1.

Write :math:`z=r\,u` with :math:`r=\|z\|`, :math:`u\in S^{d-1}`. Then :math:`dz=r^{d-1}dr\,dS(u)` with
:math:`|S^{d-1}|=2\pi^{d/2}/\Gamma(d/2)`, and if Z has density p, (R, U) has density
:math:`p(ru)r^{d-1}` with respect to :math:`dr\,dS`. With
:math:`\mu` the law of U, :math:`\sigma` the uniform law, :math:`P_{U|R}` and :math:`\kappa(\cdot|u)` the
conditionals, the identities evaluated term by term here are

.. math::
    h(Z) &= h(R)+(d-1)E\log R+\log|S^{d-1}|-E_R\,\mathrm{KL}(P_{U|R}\|\sigma) \\
         &= \log|S^{d-1}|-\mathrm{KL}(\mu\|\sigma)+E_U\,h(R|U)+(d-1)E\log R, \\
    \mathrm{KL}(\rho\|\sigma\otimes\xi) &= \mathrm{KL}(\mu\|\sigma)+E_\mu\mathrm{KL}(\kappa(\cdot|u)\|\xi)
         = \mathrm{KL}(\rho_R\|\xi)+E_R\,\mathrm{KL}(P_{U|R}\|\sigma),

the last being the KL chain rule (Dupuis & Ellis, Thm B.2.1) behind the paper's Prop 3. The reference is
:math:`\gamma_\lambda^B(dz)=c_{B,\lambda}e^{-\lambda\|z\|^2}1_B(z)dz` (Eq. 12), rotation invariant, so
:math:`\gamma=\sigma\otimes\xi` with :math:`\xi(r)\propto r^{d-1}e^{-\lambda r^2}` on the allowed radii, and
:math:`\mathrm{KL}(\rho\|\gamma)=-h(\rho)+\lambda E\|Z\|^2+\log c_{B,\lambda}^{-1}` (Eq. 13).

Exact families (every term computed independently of the identities it is tested with):

* :class:`GaussianLaw` :math:`N(0,\Sigma)`: the direction law is the angular central Gaussian
  (Tyler 1987), :math:`R|u` is :math:`\chi_d/\sqrt{u^\top\Sigma^{-1}u}`, the radial law and :math:`P_{U|R}`
  (a Bingham law) come from a positive series for the Bingham normalizer.
* :class:`ProductLaw` vMF(:math:`\kappa`) (or :math:`\sigma`) :math:`\otimes` a :class:`RadialLaw`.

Lemma 1 (App. B.2) with the explicit constant :math:`C=1/2`: :math:`\log{}_0F_1(;d/2;t^2/4)\le t^2/(2d)`
term by term, since :math:`(b)_n\ge b^n`; Donsker–Varadhan with :math:`\varphi=t\,w\cdot u` and
:math:`t=d\|m\|` then gives :math:`\mathrm{KL}(\mu\|\sigma)\ge\tfrac d2\|m(\mu)\|^2\ge\tfrac{d-1}2\|m(\mu)\|^2`.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import sympy as sp
from scipy import integrate, special, stats

from infonce_gauss.theory.validation import finite_array, integer, positive
from infonce_gauss.theory.vmf import vmf_kl_to_uniform, vmf_log_density, vmf_log_normalizer

__all__ = [
    "log_sphere_area",
    "sphere_area",
    "derive_sphere_area",
    "derive_polar_jacobian",
    "GaussianReference",
    "derive_reference_normalizer",
    "regularizer",
    "max_entropy_minimum",
    "derive_max_entropy_optimum",
    "RadialLaw",
    "chi_radius",
    "uniform_ball_radius",
    "GaussianLaw",
    "ProductLaw",
    "PolarTerms",
    "polar_terms",
    "sphere_log_mgf",
    "subgaussian_mgf_bound",
    "LEMMA1_CONSTANT",
    "lemma1_lower_bound",
    "derive_lemma1",
]


# --------------------------------------------------------------------------------------------
# Polar coordinates
# --------------------------------------------------------------------------------------------
def log_sphere_area(d):
    r""":math:`\log|S^{d-1}|=\log2+\tfrac d2\log\pi-\log\Gamma(\tfrac d2)`, the surface area of the unit sphere in :math:`\mathbb R^d`."""
    d = integer(d, "d (the ambient dimension)", minimum=1)
    return math.log(2.0) + 0.5 * d * math.log(math.pi) - math.lgamma(0.5 * d)


def sphere_area(d):
    r""":math:`|S^{d-1}|=2\pi^{d/2}/\Gamma(d/2)` (2π for d = 2, 4π for d = 3; underflows to 0 beyond d ≈ 1400,
    where :func:`log_sphere_area` still works)."""
    return math.exp(log_sphere_area(d))


_D, _R, _LAM, _T, _M, _RAD = sp.symbols("d r lambda t m R", positive=True)


def derive_sphere_area():
    r"""Derive :math:`|S^{d-1}|` by sympy from the Gaussian integral in polar coordinates.

    :math:`\pi^{d/2}=\int_{\mathbb R^d}e^{-\|z\|^2}dz=|S^{d-1}|\int_0^\infty r^{d-1}e^{-r^2}dr
    =|S^{d-1}|\,\Gamma(d/2)/2`; returns :math:`2\pi^{d/2}/\Gamma(d/2)` for symbolic d.
    """
    radial = sp.integrate(_R ** (_D - 1) * sp.exp(-(_R**2)), (_R, 0, sp.oo), conds="none")
    return sp.gammasimp(sp.pi ** (_D / 2) / radial)


@functools.lru_cache(maxsize=8)
def derive_polar_jacobian(d: int) -> dict:
    r"""The change of variables :math:`z=r\,u` in hyperspherical coordinates, by sympy, for a concrete d.

    With :math:`z_1=r\cos\phi_1`, :math:`z_j=r\sin\phi_1\cdots\sin\phi_{j-1}\cos\phi_j` and
    :math:`z_d=r\sin\phi_1\cdots\sin\phi_{d-1}`, returns ``{'determinant', 'angular_factor', 'area'}``:
    the Jacobian determinant (:math:`r^{d-1}\prod_{j\le d-2}\sin^{d-1-j}\phi_j`), the angular factor
    (the density of dS in the angles) and its integral over :math:`[0,\pi]^{d-2}\times[0,2\pi]`, which is
    :math:`|S^{d-1}|`. Hence :math:`dz=r^{d-1}dr\,dS(u)`. Sympy needs about a second for d = 4 and
    several for d = 5.
    """
    d = integer(d, "d (the ambient dimension)", minimum=2, maximum=6)
    phis = sp.symbols(f"phi1:{d}", positive=True)
    coords = []
    for i in range(d):
        coord = _R * sp.Mul(*[sp.sin(p) for p in phis[:min(i, d - 1)]])
        coords.append(coord * sp.cos(phis[i]) if i < d - 1 else coord)
    det = sp.simplify(sp.factor(sp.trigsimp(sp.Matrix(coords).jacobian([_R, *phis]).det())))
    angular = sp.simplify(det / _R ** (d - 1))
    area = angular
    for j, phi in enumerate(phis):
        area = sp.integrate(area, (phi, 0, 2 * sp.pi if j == d - 2 else sp.pi))
    return {"determinant": det, "angular_factor": angular, "area": sp.simplify(area)}


# --------------------------------------------------------------------------------------------
# Radial laws
# --------------------------------------------------------------------------------------------
_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(24)


def _composite_gauss_legendre(edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""Nodes and weights of 24-point Gauss–Legendre on each panel between sorted ``edges``.

    A first panel :math:`[a,b]` with :math:`a<b/4` is replaced by geometric panels :math:`[b2^{-k-1},b2^{-k}]`
    down to a (or 40 halvings when a = 0): radial integrands such as :math:`r^{d-1}\log r` are not
    analytic at r = 0, and geometric panels restore fast convergence there.
    """
    edges = np.unique(np.asarray(edges, dtype=float))
    lo, first = edges[0], edges[1]
    if lo < first / 4:
        halvings = 40 if lo == 0 else int(math.ceil(math.log2(first / lo)))
        inner = first * 2.0 ** -np.arange(halvings, 0, -1)
        edges = np.concatenate([[lo] if lo > 0 else [], inner[inner > lo], edges[1:]])
    half = 0.5 * np.diff(edges)[:, None]
    return (edges[:-1, None] + half * (_GL_NODES + 1)).ravel(), (half * _GL_WEIGHTS).ravel()


class _TruncatedChiGen(stats.rv_continuous):
    r""":math:`\chi_{df}` conditioned on :math:`\le` ``cap`` (the radial law of :math:`\gamma_\lambda^B` on a ball, unit scale)."""

    def _argcheck(self, df, cap):
        return (df > 0) & (cap > 0)

    def _get_support(self, df, cap):
        return np.zeros_like(cap), cap

    def _logpdf(self, x, df, cap):
        return stats.chi.logpdf(x, df) - stats.chi.logcdf(cap, df)

    def _pdf(self, x, df, cap):
        return np.exp(self._logpdf(x, df, cap))

    def _cdf(self, x, df, cap):
        return stats.chi.cdf(x, df) / stats.chi.cdf(cap, df)

    def _ppf(self, q, df, cap):
        return stats.chi.ppf(q * stats.chi.cdf(cap, df), df)


_truncated_chi = _TruncatedChiGen(a=0.0, name="truncated_chi")


@dataclass(frozen=True)
class RadialLaw:
    r"""A law of the radius :math:`R>0`, given by a frozen ``scipy.stats`` continuous distribution.

    Its polar terms, :math:`h(R)`, :math:`E\log R` and :math:`E R^2`, are computed by composite Gauss–Legendre
    quadrature (:func:`_composite_gauss_legendre`, about 1e-13 relative) on panels between the quantiles
    :math:`F^{-1}(10^{-15}),\dots,F^{-1}(1-10^{-15})`, so that a narrow law far from 0 (a chi law at large d)
    is resolved wherever it sits.
    """

    dist: object

    def __post_init__(self):
        lo, hi = self.dist.support()
        if lo < 0:
            raise ValueError(f"a radial law must live on [0, inf), got support [{lo}, {hi}].")

    def logpdf(self, r):
        return self.dist.logpdf(r)

    @property
    def upper(self) -> float:
        """The largest radius it charges (inf for unbounded support)."""
        return float(self.dist.support()[1])

    @functools.cached_property
    def _quadrature(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Nodes r, weights w and log density at the nodes."""
        levels = np.array([1e-15, 1e-3, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1 - 1e-15])
        quantiles = self.dist.ppf(levels)
        edges = np.concatenate([np.linspace(a, b, 5)[:-1] for a, b in zip(quantiles[:-1], quantiles[1:])] + [quantiles[-1:]])
        nodes, weights = _composite_gauss_legendre(edges)
        return nodes, weights, self.dist.logpdf(nodes)

    def expect(self, fn) -> float:
        r""":math:`E\,fn(R)` for a vectorized ``fn``."""
        nodes, weights, log_pdf = self._quadrature
        return float(np.dot(weights, np.exp(log_pdf) * fn(nodes)))

    @functools.cached_property
    def entropy(self) -> float:
        r""":math:`h(R)=-E\log f_R(R)`."""
        return -float(np.dot(self._quadrature[1], np.exp(self._quadrature[2]) * self._quadrature[2]))

    @functools.cached_property
    def mean_log(self) -> float:
        r""":math:`E\log R`."""
        return self.expect(np.log)

    @functools.cached_property
    def second_moment(self) -> float:
        """:math:`E R^2`."""
        return self.expect(np.square)


def chi_radius(d, scale=1.0) -> RadialLaw:
    r"""Radius of :math:`N(0,s^2I_d)`: :math:`s\chi_d`."""
    d = integer(d, "d (the ambient dimension)", minimum=1)
    return RadialLaw(stats.chi(d, scale=positive(scale, "scale")))


def uniform_ball_radius(d, radius=1.0) -> RadialLaw:
    r"""Radius of the uniform law on the ball of radius a: :math:`R/a\sim\mathrm{Beta}(d,1)` (density :math:`dr^{d-1}/a^d`)."""
    d = integer(d, "d (the ambient dimension)", minimum=1)
    return RadialLaw(stats.beta(d, 1, scale=positive(radius, "radius")))


# --------------------------------------------------------------------------------------------
# The reference gamma_lambda^B (Eqs. 12-13) and maximum entropy (Corollary 2)
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GaussianReference:
    r""":math:`\gamma_\lambda^B(dz)=c_{B,\lambda}e^{-\lambda\|z\|^2}1_B(z)dz` on :math:`B=\mathbb R^d` (``radius=None``)
    or the closed ball of radius R (paper Eq. 12).

    :math:`c^{-1}=(\pi/\lambda)^{d/2}` on :math:`\mathbb R^d` and :math:`(\pi/\lambda)^{d/2}P(\chi^2_d\le2\lambda R^2)`
    on the ball (:func:`derive_reference_normalizer`); the radial law :math:`\xi` has density
    :math:`\propto r^{d-1}e^{-\lambda r^2}` on the allowed radii, i.e. :math:`2\lambda R^2\sim\chi^2_d`
    (truncated to :math:`2\lambda R^2\le2\lambda R_B^2` on the ball).
    """

    d: int
    lam: float
    radius: float | None = None

    def __post_init__(self):
        object.__setattr__(self, "d", integer(self.d, "d (the ambient dimension)", minimum=2))
        object.__setattr__(self, "lam", positive(self.lam, "lam (the weight lambda of E||Z||^2)"))
        if self.radius is not None:
            object.__setattr__(self, "radius", positive(self.radius, "radius (of the ball B)"))

    @property
    def _cap(self) -> float:
        r""":math:`2\lambda R^2` (inf on :math:`\mathbb R^d`)."""
        return math.inf if self.radius is None else 2 * self.lam * self.radius**2

    @property
    def log_normalizer(self) -> float:
        r""":math:`\log c_{B,\lambda}^{-1}=\tfrac d2\log(\pi/\lambda)+\log P(\chi^2_d\le2\lambda R^2)`."""
        return 0.5 * self.d * math.log(math.pi / self.lam) + float(stats.chi2.logcdf(self._cap, self.d))

    @property
    def second_moment(self) -> float:
        r""":math:`E_\gamma\|Z\|^2=\frac d{2\lambda}P(\chi^2_{d+2}\le2\lambda R^2)/P(\chi^2_d\le2\lambda R^2)`."""
        log_ratio = stats.chi2.logcdf(self._cap, self.d + 2) - stats.chi2.logcdf(self._cap, self.d)
        return self.d / (2 * self.lam) * math.exp(float(log_ratio))

    @property
    def entropy(self) -> float:
        r""":math:`h(\gamma)=\log c^{-1}+\lambda E_\gamma\|Z\|^2` (Eq. 13 with :math:`\rho=\gamma`, KL = 0)."""
        return self.log_normalizer + self.lam * self.second_moment

    def log_density(self, z):
        r""":math:`\log c_{B,\lambda}-\lambda\|z\|^2` on B, ``-inf`` outside, at rows of an (n, d) array."""
        z = np.atleast_2d(finite_array(z, "z"))
        r2 = np.einsum("ij,ij->i", z, z)
        return np.where(r2 <= (self.radius or math.inf) ** 2, -self.log_normalizer - self.lam * r2, -np.inf)

    @property
    def radial(self) -> RadialLaw:
        r"""The radial law :math:`\xi`: :math:`\chi_d/\sqrt{2\lambda}`, truncated at R on the ball."""
        scale = 1 / math.sqrt(2 * self.lam)
        if self.radius is None:
            return chi_radius(self.d, scale)
        return RadialLaw(_truncated_chi(self.d, self.radius / scale, scale=scale))

    def radial_logpdf(self, r):
        r""":math:`\log\xi(r)=(d-1)\log r-\lambda r^2-\log c^{-1}+\log|S^{d-1}|` on the allowed radii."""
        r = finite_array(r, "r (radii)")
        with np.errstate(divide="ignore"):
            out = (self.d - 1) * np.log(r) - self.lam * r * r - self.log_normalizer + log_sphere_area(self.d)
        return np.where((r >= 0) & (r <= (self.radius or math.inf)), out, -np.inf)

    def kl(self, entropy, second_moment, *, upper=math.inf) -> float:
        r"""Eq. 13: :math:`\mathrm{KL}(\rho\|\gamma_\lambda^B)=-h(\rho)+\lambda E_\rho\|Z\|^2+\log c_{B,\lambda}^{-1}`.

        ``upper`` is the largest norm :math:`\rho` charges; beyond the ball, :math:`\rho\not\ll\gamma` and the
        KL is :math:`+\infty` (both sides of Eq. 13 are).
        """
        if self.radius is not None and upper > self.radius * (1 + 1e-12):  # rounding of scale × cap
            return math.inf
        return -float(entropy) + self.lam * float(second_moment) + self.log_normalizer

    def radial_kl(self, radial_entropy, mean_log_radius, second_moment, *, upper=math.inf) -> float:
        r""":math:`\mathrm{KL}(\rho_R\|\xi)=-h(R)-(d-1)E\log R+\lambda ER^2+\log c^{-1}-\log|S^{d-1}|`
        (``+inf`` when the radius exceeds the ball)."""
        if self.radius is not None and upper > self.radius * (1 + 1e-12):  # rounding of scale × cap
            return math.inf
        return (-float(radial_entropy) - (self.d - 1) * float(mean_log_radius) + self.lam * float(second_moment)
                + self.log_normalizer - log_sphere_area(self.d))


def derive_reference_normalizer(*, ball: bool = False):
    r"""Derive :math:`c_{B,\lambda}^{-1}=\int_Be^{-\lambda\|z\|^2}dz` by sympy in polar coordinates.

    :math:`|S^{d-1}|\int_0^{R}r^{d-1}e^{-\lambda r^2}dr`: :math:`(\pi/\lambda)^{d/2}` for :math:`B=\mathbb R^d`,
    :math:`(\pi/\lambda)^{d/2}\gamma(\tfrac d2,\lambda R^2)/\Gamma(\tfrac d2)` for the ball of radius R
    (the regularized lower gamma function, which is :math:`P(\chi^2_d\le2\lambda R^2)`).
    """
    upper = _RAD if ball else sp.oo
    # Meijer-G integration: sympy's default (heurisch) takes minutes on the ball's incomplete gamma
    radial = sp.integrate(_R ** (_D - 1) * sp.exp(-_LAM * _R**2), (_R, 0, upper), conds="none", meijerg=True)
    return sp.simplify(sp.gammasimp(derive_sphere_area() * radial))


def regularizer(entropy, second_moment, lam):
    r"""The paper's regularizer :math:`-H(\rho)+\lambda E_\rho\|Z\|^2` (Eq. 11), = :math:`\mathrm{KL}(\rho\|\gamma_\lambda)-\log c^{-1}`."""
    return -float(entropy) + positive(lam, "lam") * float(second_moment)


def max_entropy_minimum(d, lam):
    r""":math:`\min_\rho[-H(\rho)+\lambda E\|Z\|^2]=-\tfrac d2\log(\pi/\lambda)`, attained only by
    :math:`N(0,(2\lambda)^{-1}I_d)` (Corollary 2's optimum): the regularizer is :math:`\mathrm{KL}(\rho\|\gamma_\lambda)-\log c^{-1}`
    and KL vanishes only at :math:`\rho=\gamma_\lambda`."""
    d = integer(d, "d (the ambient dimension)", minimum=1)
    return -0.5 * d * math.log(math.pi / positive(lam, "lam"))


def derive_max_entropy_optimum() -> dict:
    r"""Optimize :math:`-h+\lambda E\|Z\|^2` over :math:`N(0,s^2I_d)` by sympy.

    :math:`-\tfrac d2\log(2\pi es^2)+\lambda ds^2` is minimized at :math:`s^2=1/(2\lambda)` with value
    :math:`-\tfrac d2\log(\pi/\lambda)`; returns ``{'variance': ..., 'minimum': ...}``. (That no other law does
    better is KL(ρ‖γ_λ) ≥ 0 with equality only at γ_λ.)
    """
    s2 = sp.symbols("s2", positive=True)
    objective = -_D / 2 * sp.log(2 * sp.pi * sp.E * s2) + _LAM * _D * s2
    (variance,) = sp.solve(sp.diff(objective, s2), s2)
    return {"variance": variance, "minimum": sp.simplify(sp.expand_log(objective.subs(s2, variance), force=True))}


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
    geometrically towards r = 0 where :math:`f_R\log f_R` has a log singularity; :func:`_composite_gauss_legendre`) in r over the
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
        return _composite_gauss_legendre(np.linspace(math.sqrt(q_lo), math.sqrt(q_hi), _PANELS + 1))

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


# --------------------------------------------------------------------------------------------
# The identities, term by term
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PolarTerms:
    r"""Every term of the polar identities for one law :math:`\rho` and one reference :math:`\gamma=\sigma\otimes\xi`.

    ``kl_to_reference`` is computed directly (closed form for Gaussians), ``kl_eq13`` by Eq. 13
    :math:`-h(\rho)+\lambda E\|Z\|^2+\log c^{-1}`; the properties assemble the right-hand sides.
    """

    d: int
    entropy: float
    radial_entropy: float
    mean_log_radius: float
    angular_kl_given_radius: float
    angular_kl: float
    radial_entropy_given_direction: float
    second_moment: float
    kl_to_reference: float
    radial_kl: float
    radial_kl_given_direction: float
    kl_eq13: float

    @property
    def entropy_radius_first(self) -> float:
        r""":math:`h(R)+(d-1)E\log R+\log|S^{d-1}|-E_R\mathrm{KL}(P_{U|R}\|\sigma)`."""
        return (self.radial_entropy + (self.d - 1) * self.mean_log_radius + log_sphere_area(self.d)
                - self.angular_kl_given_radius)

    @property
    def entropy_direction_first(self) -> float:
        r""":math:`\log|S^{d-1}|-\mathrm{KL}(\mu\|\sigma)+E_Uh(R|U)+(d-1)E\log R`."""
        return (log_sphere_area(self.d) - self.angular_kl + self.radial_entropy_given_direction
                + (self.d - 1) * self.mean_log_radius)

    @property
    def kl_direction_first(self) -> float:
        r""":math:`\mathrm{KL}(\mu\|\sigma)+E_\mu\mathrm{KL}(\kappa(\cdot|u)\|\xi)` (Prop 3's chain rule)."""
        return self.angular_kl + self.radial_kl_given_direction

    @property
    def kl_radius_first(self) -> float:
        r""":math:`\mathrm{KL}(\rho_R\|\xi)+E_R\mathrm{KL}(P_{U|R}\|\sigma)`."""
        return self.radial_kl + self.angular_kl_given_radius

    def residuals(self) -> dict[str, float]:
        """Each identity's right side minus its left side (0 up to quadrature error when all terms are finite)."""
        return {
            "entropy, radius first": self.entropy_radius_first - self.entropy,
            "entropy, direction first": self.entropy_direction_first - self.entropy,
            "KL chain rule, direction first": self.kl_direction_first - self.kl_to_reference,
            "KL chain rule, radius first": self.kl_radius_first - self.kl_to_reference,
            "Eq. 13": self.kl_eq13 - self.kl_to_reference,
        }


def polar_terms(law, reference: GaussianReference) -> PolarTerms:
    """Evaluate every term of the polar identities for ``law`` (:class:`GaussianLaw` or :class:`ProductLaw`)."""
    if not isinstance(reference, GaussianReference):
        raise ValueError("reference must be a GaussianReference (gamma_lambda^B).")
    if law.d != reference.d:
        raise ValueError(f"the law lives in d={law.d} but the reference in d={reference.d}; use the same d.")
    return PolarTerms(
        d=law.d,
        entropy=law.entropy,
        radial_entropy=law.radial_entropy,
        mean_log_radius=law.mean_log_radius,
        angular_kl_given_radius=law.angular_kl_given_radius,
        angular_kl=law.angular_kl,
        radial_entropy_given_direction=law.radial_entropy_given_direction,
        second_moment=law.second_moment,
        kl_to_reference=law.kl_to_reference(reference),
        radial_kl=law.radial_kl(reference),
        radial_kl_given_direction=law.radial_kl_given_direction(reference),
        kl_eq13=reference.kl(law.entropy, law.second_moment, upper=law.upper),
    )


# --------------------------------------------------------------------------------------------
# Lemma 1 with C = 1/2 and the sub-Gaussian MGF bound
# --------------------------------------------------------------------------------------------
LEMMA1_CONSTANT = 0.5


def sphere_log_mgf(d, t):
    r""":math:`\log E_\sigma e^{t\,w\cdot u}=\log{}_0F_1(;d/2;t^2/4)` for any unit w (A3); even in t."""
    return vmf_log_normalizer(d, np.abs(finite_array(t, "t")))


def subgaussian_mgf_bound(d, t):
    r""":math:`t^2/(2d)`: :math:`\log{}_0F_1(;d/2;t^2/4)\le t^2/(2d)` since :math:`(d/2)_n\ge(d/2)^n` term by
    term, i.e. :math:`w\cdot u` is sub-Gaussian with variance proxy :math:`1/d=\mathrm{Var}(w\cdot u)` (strictly)."""
    d = integer(d, "d (the ambient dimension)", minimum=2)
    t = finite_array(t, "t")
    return t * t / (2 * d)


def lemma1_lower_bound(d, mean_length, *, paper_form: bool = False):
    r"""Lemma 1 with :math:`C=1/2`: :math:`\mathrm{KL}(\mu\|\sigma)\ge\tfrac d2\|m(\mu)\|^2`, or the paper's weaker
    form :math:`C(d-1)\|m\|^2` with ``paper_form=True``."""
    d = integer(d, "d (the ambient dimension)", minimum=2)
    m = finite_array(mean_length, "mean_length")
    if np.any(m < 0) or np.any(m > 1):
        raise ValueError("a mean length ||m(mu)|| lies in [0, 1].")
    return LEMMA1_CONSTANT * ((d - 1) if paper_form else d) * m * m


def derive_lemma1() -> dict:
    r"""Sympy derivation of Lemma 1's constant and of the MGF bound's sharpness.

    Returns ``{'term_ratio', 'optimal_t', 'bound', 'log_mgf_series'}``:

    * ``term_ratio``: :math:`\frac{z^n/((b)_nn!)}{(z/b)^n/n!}=b^n/(b)_n=\Gamma(b)b^n/\Gamma(b+n)`, ≤ 1 for
      :math:`n\ge0`, which proves :math:`{}_0F_1(;b;z)\le e^{z/b}` (z = t²/4, b = d/2);
    * ``optimal_t`` and ``bound``: :math:`\max_t[t\|m\|-t^2/(2d)]` at :math:`t=d\|m\|`, value :math:`d\|m\|^2/2`;
    * ``log_mgf_series``: :math:`\log{}_0F_1(;d/2;t^2/4)=t^2/(2d)-t^4/(4d^2(d+2))+O(t^6)`: the variance proxy
      1/d equals the variance, so C = 1/2 cannot be improved as :math:`\|m\|\to0`.
    """
    n = sp.symbols("n", integer=True, nonnegative=True)
    b = _D / 2
    term_ratio = sp.gammasimp(b**n * sp.gamma(b) / sp.gamma(b + n))
    objective = _T * _M - _T**2 / (2 * _D)
    (t_star,) = sp.solve(sp.diff(objective, _T), _T)
    series = sum((_T**2 / 4) ** k / (sp.rf(b, k) * sp.factorial(k)) for k in range(4))
    log_series = sp.series(sp.log(series), _T, 0, 6).removeO()
    return {
        "term_ratio": term_ratio,
        "optimal_t": t_star,
        "bound": sp.simplify(objective.subs(_T, t_star)),
        "log_mgf_series": sp.expand(sp.simplify(log_series)),
    }
