r"""The paper's Gaussian reference :math:`\gamma_\lambda^B` (Eqs. 12–13) and the maximum-entropy optimum (Corollary 2).

The reference is :math:`\gamma_\lambda^B(dz)=c_{B,\lambda}e^{-\lambda\|z\|^2}1_B(z)dz` (Eq. 12) on
:math:`B=\mathbb R^d` or on the closed ball of radius R, with
:math:`c_{B,\lambda}^{-1}=(\pi/\lambda)^{d/2}P(\chi^2_d\le2\lambda R^2)` (:func:`derive_reference_normalizer`).
It is rotation invariant, so in polar coordinates :math:`\gamma=\sigma\otimes\xi`, with σ the uniform law on
:math:`S^{d-1}` and :math:`\xi(r)\propto r^{d-1}e^{-\lambda r^2}` on the allowed radii (:math:`\chi_d/\sqrt{2\lambda}`,
truncated at R on the ball). For every law ρ with a density on B,

.. math:: \mathrm{KL}(\rho\|\gamma_\lambda^B)=-h(\rho)+\lambda E_\rho\|Z\|^2+\log c_{B,\lambda}^{-1}\qquad\text{(Eq. 13)},

:meth:`GaussianReference.kl`. Hence the paper's regularizer :math:`-H(\rho)+\lambda E_\rho\|Z\|^2` (Eq. 11,
:func:`regularizer`) equals :math:`\mathrm{KL}(\rho\|\gamma_\lambda)-\log c^{-1}`: over :math:`\mathbb R^d` it is
minimized only by :math:`\gamma_\lambda=N(0,(2\lambda)^{-1}I_d)`, with minimum :math:`-\tfrac d2\log(\pi/\lambda)`
(maximum entropy at a fixed second moment; Corollary 2's optimum, :func:`max_entropy_minimum`, re-derived
over isotropic Gaussians by :func:`derive_max_entropy_optimum`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import sympy as sp
from scipy import stats

from infonce_gauss.theory.polar_coordinates import RadialLaw, chi_radius, derive_sphere_area, log_sphere_area
from infonce_gauss.theory.validation import finite_array, integer, positive

__all__ = [
    "GaussianReference",
    "derive_reference_normalizer",
    "regularizer",
    "max_entropy_minimum",
    "derive_max_entropy_optimum",
]

_D, _R, _LAM, _RAD = sp.symbols("d r lambda R", positive=True)


# --------------------------------------------------------------------------------------------
# The radial law of the reference on a ball
# --------------------------------------------------------------------------------------------
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
