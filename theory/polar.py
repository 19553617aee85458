r"""The polar decomposition of entropy and KL (Prop 3), term by term.

Write :math:`z=r\,u` with :math:`r=\|z\|`, :math:`u\in S^{d-1}`; then :math:`dz=r^{d-1}dr\,dS(u)` and (R, U)
has density :math:`p(ru)r^{d-1}` with respect to :math:`dr\,dS` (:mod:`infonce_gauss.theory.polar_coordinates`).
With :math:`\mu` the law of U, :math:`\sigma` the uniform law, :math:`P_{U|R}` and :math:`\kappa(\cdot|u)` the
conditionals, and the reference :math:`\gamma_\lambda^B=\sigma\otimes\xi` (Eq. 12,
:mod:`infonce_gauss.theory.gaussian_reference`), the identities evaluated term by term here are

.. math::
    h(Z) &= h(R)+(d-1)E\log R+\log|S^{d-1}|-E_R\,\mathrm{KL}(P_{U|R}\|\sigma) \\
         &= \log|S^{d-1}|-\mathrm{KL}(\mu\|\sigma)+E_U\,h(R|U)+(d-1)E\log R, \\
    \mathrm{KL}(\rho\|\sigma\otimes\xi) &= \mathrm{KL}(\mu\|\sigma)+E_\mu\mathrm{KL}(\kappa(\cdot|u)\|\xi)
         = \mathrm{KL}(\rho_R\|\xi)+E_R\,\mathrm{KL}(P_{U|R}\|\sigma),

the last being the KL chain rule (Dupuis & Ellis, Thm B.2.1) behind the paper's Prop 3, and
:math:`\mathrm{KL}(\rho\|\gamma)=-h(\rho)+\lambda E\|Z\|^2+\log c_{B,\lambda}^{-1}` (Eq. 13).
:func:`polar_terms` evaluates every term for a law of :mod:`infonce_gauss.theory.polar_laws`, each computed
independently of the identities; :class:`PolarTerms` assembles both sides of each, and
:meth:`PolarTerms.residuals` is 0 up to quadrature error.
"""

from __future__ import annotations

from dataclasses import dataclass

from infonce_gauss.theory.gaussian_reference import GaussianReference
from infonce_gauss.theory.polar_coordinates import log_sphere_area

__all__ = ["PolarTerms", "polar_terms"]


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
