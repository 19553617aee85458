r"""The regularized route (paper §4.2, Eqs. 11–19): Theorem 1, its threshold β₀, Corollary 2, Appendix D.

Objectives (the paper's notation, Secs. 3–4; α = 1/τ, η₂ the augmentation mildness):

* the full objective (Eq. 11) :math:`J(f)=\Phi(\mu)-\alpha E_\pi[u\cdot v]+\beta(-H(\rho)+\lambda E\|Z\|^2)`,
  :func:`full_objective`, equal to :math:`\ldots+\beta\,\mathrm{KL}(\rho\|\gamma_\lambda)` up to the constant
  :math:`\beta\log c^{-1}` (Eq. 14);
* the reduced objective (Eq. 16) :math:`\tilde J(\mu)=\Phi(\mu)-\alpha\,\mathrm{Align}(\mu)+\beta\,\mathrm{KL}(\mu\|\sigma)`,
  :func:`reduced_objective`, with Align either exact (solvable models) or replaced by Prop 1's upper bound
  :math:`\eta_2+(1-\eta_2)\|m\|^2` (the worst case, :class:`VMFRegularizedModel`).

**Theorem 1's threshold.** :math:`\beta_0=\alpha(1-\eta_2)/(C(d-1))` with Lemma 1's constant, here
:math:`C=1/2` (:data:`infonce_gauss.theory.mean_kl.LEMMA1_CONSTANT`), so :math:`\beta_0=2\alpha(1-\eta_2)/(d-1)`
(:func:`beta_threshold`). How C enters: the proof needs :math:`\mathrm{KL}(\mu\|\sigma)\ge C(d-1)\|m\|^2`
for every μ and every d ≥ 2; the paper's Lemma 1 states it in this (d−1) form with C "universal, not
given". The suite proves the stronger :math:`\mathrm{KL}\ge\tfrac d2\|m\|^2` (:mod:`infonce_gauss.theory.mean_kl`), so
C = 1/2 is valid in the paper's (d−1) form, and it is the best universal constant of that form:
:math:`\inf_\mu\mathrm{KL}/((d-1)\|m\|^2)=d/(2(d-1))` (the vMF as :math:`\|m\|\to0`) tends to 1/2 as
d → ∞. The sharp form gives the smaller threshold :math:`2\alpha(1-\eta_2)/d` (``sharp=True``); we keep
the paper's (d−1) form as the default. Nothing in the paper's statement is wrong; it leaves C implicit.

**The proof's chain (Eqs. 17–19)**, derived symbolically in :func:`derive_theorem1_chain`:
:math:`\Phi(\mu)-\Phi(\sigma)\ge0`, :math:`\mathrm{Align}(\mu)-\mathrm{Align}(\sigma)\le(1-\eta_2)\|m\|^2+\delta(d)`,
:math:`\mathrm{KL}\ge C(d-1)\|m\|^2`, hence
:math:`\tilde J(\mu)-\tilde J(\sigma)\ge(\beta C(d-1)-\alpha(1-\eta_2))\|m\|^2-\alpha\delta(d)\ge-\alpha\delta(d)` for β ≥ β₀,
with :math:`\delta(d)=\eta_2-\mathrm{Align}(\sigma)\ge0` (Assumption 3).

**Derived here, not stated in the paper**:

* stability: keeping the whole :math:`\beta\,\mathrm{KL}` term, :math:`\tilde J(\mu)-\tilde J(\sigma)\ge(\beta-\beta_0)
  \mathrm{KL}(\mu\|\sigma)-\alpha\delta`, so every ε-minimizer has
  :math:`(\beta-\beta_0)\mathrm{KL}(\mu\|\sigma)\le\alpha\delta+\varepsilon` (:func:`stability_kl_bound`) and, by
  Pinsker, :math:`\mathrm{TV}(\mu,\sigma)\le\sqrt{(\alpha\delta+\varepsilon)/(2(\beta-\beta_0))}`;
* the β = 0 value statement by Jensen: :math:`\Phi(\mu)\ge\alpha\|m\|^2` gives
  :math:`\tilde J_0(\mu)\ge-\alpha\eta_2(1-\|m\|^2)` and :math:`\tilde J_0(\sigma)-\inf\tilde J_0\le\Phi(\sigma)+\alpha\delta
  \le\alpha^2/(2d)+\alpha\delta` (:func:`jensen_value_gap_bound`).

**The numerically critical β on the vMF family** (:meth:`VMFRegularizedModel.critical_beta`): with
:math:`\mathrm{Align}(\mu_\kappa)` at its upper bound and :math:`\mathrm{Align}(\sigma)=\eta_2` (δ = 0, bullet 2;
for δ > 0 no finite β makes σ beat every small tilt, since the gap tends to −αδ as κ → 0), the least
β with :math:`\tilde J(\mu_\kappa)\ge\tilde J(\sigma)` for all κ > 0 is
:math:`\beta_c=\max(0,\sup_{\kappa>0}[\alpha(1-\eta_2)A_d(\kappa)^2-(\Phi(\mu_\kappa)-\Phi(\sigma))]/\mathrm{KL}(\mu_\kappa\|\sigma))`.
As κ → 0 the ratio tends to :math:`2(\alpha(1-\eta_2)-q^*(d,\alpha))/d` (Appendix D's curvature), which is also
the local critical β over *all* laws (:func:`derive_local_critical_beta`, :func:`local_critical_beta`): the second
variation of :math:`\tilde J` splits over spherical harmonics and only the first harmonic moves ‖m‖. Since
:math:`\Phi(\mu)\ge\Phi(\sigma)` and :math:`\mathrm{KL}\ge\tfrac d2A^2`, :math:`\beta_c\le2\alpha(1-\eta_2)/d<\beta_0`.

**Appendix D.** :math:`J_q(\mu)=\Phi(\mu)-q\|m(\mu)\|^2`, :math:`q=\alpha(1-\eta_2)`; along the vMF tilt
:math:`J_q(\mu_\kappa)-J_q(\sigma)=(q^*(d,\alpha)-q)A_d(\kappa)^2+O(A^4)` with
:math:`q^*=dA_d(\alpha)(1-A_d(\alpha)/2)` (:func:`infonce_gauss.theory.infonce.local_curvature`);
:func:`tilt_stationary_points` scans κ for the stationary points.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import sympy as sp
from scipy import optimize

from infonce_gauss.theory.gaussian_reference import regularizer
from infonce_gauss.theory.hgr import alignment_bound
from infonce_gauss.theory.infonce import local_curvature, phi_uniform, phi_vmf
from infonce_gauss.theory.mean_kl import LEMMA1_CONSTANT
from infonce_gauss.theory.validation import finite_array, integer, inverse_temperature, nonnegative, positive, unit_interval
from infonce_gauss.theory.vmf import vmf_kl_to_uniform, vmf_mean_length

__all__ = [
    "beta_threshold",
    "reduced_objective",
    "full_objective",
    "derive_theorem1_chain",
    "derive_local_critical_beta",
    "local_critical_beta",
    "is_nonnegative_combination",
    "stability_kl_bound",
    "pinsker_tv_bound",
    "jensen_objective_lower_bound",
    "jensen_value_gap_bound",
    "VMFRegularizedModel",
    "CriticalBeta",
    "tilt_objective_gap",
    "TiltStationaryPoint",
    "tilt_stationary_points",
]


def _eta2(eta2) -> float:
    return unit_interval(eta2, "eta2 (the augmentation mildness, a squared maximal correlation)")


# --------------------------------------------------------------------------------------------
# Threshold and objectives
# --------------------------------------------------------------------------------------------
def beta_threshold(d, alpha, eta2, *, constant=LEMMA1_CONSTANT, sharp: bool = False) -> float:
    r"""Theorem 1's :math:`\beta_0=\alpha(1-\eta_2)/(C(d-1))`, by default with Lemma 1's :math:`C=1/2`.

    ``sharp=True`` uses the sharper form of Lemma 1, :math:`\mathrm{KL}\ge Cd\|m\|^2`, giving
    :math:`\alpha(1-\eta_2)/(Cd)`. Both vanish like 1/d (bullet 3).
    """
    d = integer(d, "d (the ambient dimension)", minimum=2)
    constant = positive(constant, "constant (Lemma 1's C)")
    return inverse_temperature(alpha) * (1 - _eta2(eta2)) / (constant * (d if sharp else d - 1))


def reduced_objective(phi, align, kl, *, alpha, beta):
    r"""Eq. 16: :math:`\tilde J(\mu)=\Phi(\mu)-\alpha\,\mathrm{Align}(\mu)+\beta\,\mathrm{KL}(\mu\|\sigma)` (broadcasts)."""
    kl = finite_array(kl, "kl (KL(mu||sigma))")
    if np.any(kl < 0):
        raise ValueError("kl is KL(mu||sigma) and must be >= 0.")
    out = np.asarray(phi, dtype=float) - inverse_temperature(alpha) * np.asarray(align, dtype=float) + nonnegative(beta, "beta") * kl
    return out if out.ndim else float(out)


def full_objective(phi, align, entropy, second_moment, *, alpha, beta, lam) -> float:
    r"""Eq. 11: :math:`J=\Phi(\mu)-\alpha E_\pi[u\cdot v]+\beta(-H(\rho)+\lambda E_\rho\|Z\|^2)` from its terms."""
    return float(phi) - inverse_temperature(alpha) * float(align) + nonnegative(beta, "beta") * regularizer(entropy, second_moment, lam)


# --------------------------------------------------------------------------------------------
# The proof's chain, symbolically
# --------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def derive_theorem1_chain() -> dict:
    r"""Re-derive Eqs. 17–19 (and the stability and Jensen chains derived here) with sympy.

    The hypotheses are encoded by non-negative slack symbols:
    :math:`\Phi(\mu)-\Phi(\sigma)=s_\Phi`, :math:`\mathrm{Align}(\mu)-\mathrm{Align}(\sigma)=(1-\eta_2)m^2+\delta-s_A`
    (Prop 1 with :math:`\mathrm{Align}(\sigma)=\eta_2-\delta`), :math:`\mathrm{KL}=C(d-1)m^2+s_K` (Lemma 1), and
    :math:`\beta=\beta_0+e` with :math:`e\ge0`. Returns a dict with

    * ``steps``: the successive lower bounds of :math:`\tilde J(\mu)-\tilde J(\sigma)`: the definition, after
      Φ ≥ Φ(σ) and Prop 1 (Eq. 17), after Lemma 1 (Eq. 18), and the final :math:`-\alpha\delta` (Eq. 19);
    * ``drops``: each step minus the next, written in the slacks and :math:`D=d-1\ge1`,
      :math:`w=1-\eta_2\ge0` (each a sum of terms with positive coefficients in non-negative symbols, which is
      what makes each step an inequality);
    * ``beta0``: the root in β of Eq. 18's coefficient of :math:`m^2`;
    * ``beta0_limit``: :math:`\lim_{d\to\infty}d\,\beta_0` at C = 1/2, i.e. :math:`2\alpha(1-\eta_2)` (bullet 3);
    * ``stability_steps`` / ``stability_drops``: the same with the whole :math:`\beta\,\mathrm{KL}` kept, ending at
      :math:`(\beta-\beta_0)\mathrm{KL}-\alpha\delta`;
    * ``jensen_steps`` / ``jensen_drops``: β = 0 with :math:`\Phi(\mu)=\alpha m^2+s_J` (Jensen) and
      :math:`\Phi(\sigma)=\phi_\sigma\ge0`, ending at :math:`-\alpha\eta_2(1-m^2)-\phi_\sigma+\alpha(\eta_2-\delta)`, i.e.
      :math:`\tilde J_0(\mu)-\tilde J_0(\sigma)\ge-\Phi(\sigma)-\alpha\delta+\alpha\eta_2m^2`.
    """
    alpha, eta2, d, C, m, delta, beta = sp.symbols("alpha eta2 d C m delta beta", positive=True)
    s_phi, s_align, s_kl, e, s_jensen, phi_sigma = sp.symbols("s_Phi s_A s_K e s_J phi_sigma", nonnegative=True)
    one_minus = 1 - eta2  # 0 <= eta2 <= 1; written as the symbol w := 1 - eta2 >= 0 in the drops
    w = sp.symbols("w", nonnegative=True)
    beta0 = sp.solve(sp.Eq(beta * C * (d - 1) - alpha * one_minus, 0), beta)[0]
    kl = C * (d - 1) * m**2 + s_kl
    align_gap = one_minus * m**2 + delta - s_align
    chain = [
        s_phi - alpha * align_gap + beta * kl,                              # definition
        -alpha * (one_minus * m**2 + delta) + beta * kl,                   # Eq. 17: Φ gap >= 0, Prop 1
        (beta * C * (d - 1) - alpha * one_minus) * m**2 - alpha * delta,   # Eq. 18: Lemma 1 (β >= 0)
        -alpha * delta,                                                    # Eq. 19: β >= β0
    ]
    stability = [chain[0], chain[1], (beta - beta0) * kl - alpha * delta]
    jensen = [
        alpha * m**2 + s_jensen - alpha * (eta2 + one_minus * m**2 - s_align) - phi_sigma + alpha * (eta2 - delta),
        -alpha * eta2 * (1 - m**2) - phi_sigma + alpha * (eta2 - delta),
    ]

    big_d = sp.symbols("D", positive=True)  # d - 1 >= 1

    def drops(steps):
        at = {beta: beta0 + e, eta2: 1 - w}
        return [sp.expand(sp.cancel((a - b).subs(at).subs(d, big_d + 1))) for a, b in zip(steps, steps[1:])]

    return {
        "steps": chain,
        "drops": drops(chain),
        "beta0": beta0,
        "beta0_limit": sp.limit(d * beta0.subs(C, sp.Rational(1, 2)), d, sp.oo),
        "stability_steps": stability,
        "stability_drops": drops(stability),
        "jensen_steps": jensen,
        "jensen_drops": drops(jensen),
        "symbols": {"alpha": alpha, "eta2": eta2, "d": d, "C": C, "m": m, "delta": delta, "beta": beta, "w": w, "e": e, "D": big_d},
    }


def is_nonnegative_combination(expr) -> bool:
    """Whether a rational expression in non-negative symbols has numerator and denominator polynomials
    with positive coefficients only (a sufficient condition for ``expr >= 0``; how each drop of
    :func:`derive_theorem1_chain` is certified)."""
    numerator, denominator = sp.fraction(sp.together(expr))
    parts = [sp.expand(p) for p in (numerator, denominator) if p != 0]
    return all(all(c > 0 for c in sp.Poly(p, *p.free_symbols).coeffs()) if p.free_symbols else p > 0 for p in parts)


@functools.lru_cache(maxsize=1)
def derive_local_critical_beta() -> dict:
    r"""Derive with sympy the local critical β of :math:`\tilde J` at σ over *all* laws (worst-case alignment, δ = 0).

    Perturb σ to :math:`\mu=(1+\varepsilon h)\sigma`, :math:`\int h\,d\sigma=0`, and split h over spherical
    harmonics. Two orthonormal components carry every case: :math:`e_1=\sqrt d\,w\cdot u` (degree 1) and
    :math:`e_n` (any degree n ≥ 2), :math:`h=c_1e_1+c_ne_n`. By Funk–Hecke, :math:`Kh(u)=E_{v\sim\sigma}e^{\alpha u\cdot v}h(v)`
    has :math:`Ke_n=\lambda_ne_n`; write :math:`a=\lambda_1/\lambda_0=A_d(\alpha)` and :math:`r=\lambda_n/\lambda_0\in(0,1)`.
    With :math:`E` the σ-mean (:math:`Ee_i=0`, :math:`Ee_ie_j=\delta_{ij}`), to order ε²:

    * :math:`\Phi(\mu)-\Phi(\sigma)=E[(1+\varepsilon h)\log(1+\varepsilon Kh/\lambda_0)]`;
    * :math:`\mathrm{KL}(\mu\|\sigma)=E[(1+\varepsilon h)\log(1+\varepsilon h)]`;
    * :math:`\|m(\mu)\|^2=\varepsilon^2c_1^2/d` (:math:`m=\varepsilon c_1\sqrt d\,E[u\,u^\top]w` and :math:`E[uu^\top]=I/d`);
      only the degree-1 part moves the mean.

    So :math:`\tilde J(\mu)-\tilde J(\sigma)=\Delta\Phi-\alpha(1-\eta_2)\|m\|^2+\beta\,\mathrm{KL}
    =\varepsilon^2(Q_1c_1^2+Q_nc_n^2)+O(\varepsilon^3)` with no cross term,
    :math:`Q_1=(q^*(d,\alpha)-\alpha(1-\eta_2))/d+\beta/2` and :math:`Q_n=r(1-r/2)+\beta/2>0`. σ is a strict local
    minimizer over all laws iff :math:`Q_1>0`, i.e. :math:`\beta>\beta_{loc}:=2(\alpha(1-\eta_2)-q^*)/d`; the
    worst direction is the first harmonic, which the vMF tilt :math:`e^{\kappa w\cdot u}\approx1+\kappa w\cdot u`
    follows to first order, so to second order the vMF tilt is the worst case over all laws.

    Returns ``Q1``, ``Qn``, ``cross`` (the :math:`c_1c_n` coefficient, 0), ``beta_local`` (the root of Q₁ in β),
    ``q_star`` (:math:`d\,a(1-a/2)`) and ``symbols``.
    """
    eps, c1, cn, e1, en = sp.symbols("epsilon c_1 c_n e_1 e_n", real=True)
    a, r, d, alpha, beta = sp.symbols("a r d alpha beta", positive=True)
    eta2 = sp.symbols("eta2", nonnegative=True)
    h = c1 * e1 + cn * en
    k_h = a * c1 * e1 + r * cn * en  # K h / λ₀ by Funk–Hecke
    second_moment = 1 / d  # E u_1² under σ (MP-MOMENTS)
    m_sq = (eps * c1 * sp.sqrt(d) * second_moment) ** 2

    def sigma_mean_order2(integrand):
        """The ε² coefficient of E_σ[integrand], with E e_i = 0 and E e_i e_j = δ_ij."""
        poly = sp.Poly(sp.expand(sp.series(integrand, eps, 0, 3).removeO().coeff(eps, 2)), e1, en)
        moments = {(0, 0): 1, (1, 0): 0, (0, 1): 0, (2, 0): 1, (0, 2): 1, (1, 1): 0}
        return sp.expand(sum(coeff * moments[powers] for powers, coeff in poly.terms()))

    gap = sp.expand(sigma_mean_order2((1 + eps * h) * sp.log(1 + eps * k_h))
                    - alpha * (1 - eta2) * m_sq.coeff(eps, 2)
                    + beta * sigma_mean_order2((1 + eps * h) * sp.log(1 + eps * h)))
    quad = sp.Poly(gap, c1, cn)
    q1, qn, cross = quad.coeff_monomial(c1**2), quad.coeff_monomial(cn**2), quad.coeff_monomial(c1 * cn)
    return {"Q1": q1, "Qn": qn, "cross": cross, "beta_local": sp.solve(sp.Eq(q1, 0), beta)[0],
            "q_star": d * a * (1 - a / 2), "symbols": {"a": a, "r": r, "d": d, "alpha": alpha, "eta2": eta2, "beta": beta}}


def _local_ratio(d, alpha, eta2) -> float:
    """:math:`2(\\alpha(1-\\eta_2)-q^*(d,\\alpha))/d`: the root of Q₁ (:func:`derive_local_critical_beta`), negative
    when σ is a local minimizer even at β = 0."""
    d = integer(d, "d (the ambient dimension)", minimum=2)
    alpha = inverse_temperature(alpha)
    return float(2 * (alpha * (1 - _eta2(eta2)) - local_curvature(d, alpha)) / d)


def local_critical_beta(d, alpha, eta2) -> float:
    r"""The local critical β over all laws (:func:`derive_local_critical_beta`), worst-case alignment, δ = 0:
    :math:`\beta_{loc}=\max(0,\,2(\alpha(1-\eta_2)-q^*(d,\alpha))/d)`, :math:`q^*=dA_d(\alpha)(1-A_d(\alpha)/2)`.
    For β > β_loc, σ is a strict local minimizer of :math:`\tilde J` against every perturbation; for β < β_loc the
    vMF tilt of small κ beats σ. Always below Theorem 1's :math:`\beta_0=2\alpha(1-\eta_2)/(d-1)`."""
    return max(0.0, _local_ratio(d, alpha, eta2))


# --------------------------------------------------------------------------------------------
# Stability and the Jensen observation (derived here, not stated in the paper)
# --------------------------------------------------------------------------------------------
def stability_kl_bound(beta, beta0, alpha, delta, eps=0.0) -> float:
    r"""[Derived here] :math:`\mathrm{KL}(\mu\|\sigma)\le(\alpha\delta+\varepsilon)/(\beta-\beta_0)` for every
    ε-minimizer μ of :math:`\tilde J`; needs β > β₀."""
    beta, beta0 = nonnegative(beta, "beta"), nonnegative(beta0, "beta0")
    if beta <= beta0:
        raise ValueError(f"the stability bound needs beta > beta0, got beta={beta:g} <= beta0={beta0:g}; "
                         "take beta a fixed multiple c > 1 of beta0.")
    return (inverse_temperature(alpha) * nonnegative(delta, "delta") + nonnegative(eps, "eps")) / (beta - beta0)


def pinsker_tv_bound(kl):
    r"""Pinsker: :math:`\mathrm{TV}\le\sqrt{\mathrm{KL}/2}` (capped at 1)."""
    kl = finite_array(kl, "kl")
    if np.any(kl < 0):
        raise ValueError("kl must be >= 0.")
    out = np.minimum(np.sqrt(kl / 2), 1.0)
    return out if out.ndim else float(out)


def jensen_objective_lower_bound(alpha, eta2, mean_length):
    r"""[Derived here] :math:`\tilde J_0(\mu)=\Phi(\mu)-\alpha\,\mathrm{Align}(\mu)\ge-\alpha\eta_2(1-\|m\|^2)` (β = 0):
    Jensen's :math:`\Phi(\mu)\ge\alpha\|m\|^2` and Prop 1."""
    m = finite_array(mean_length, "mean_length (||m(mu)||)")
    if np.any((m < 0) | (m > 1)):
        raise ValueError("mean_length is ||m(mu)|| and must lie in [0, 1].")
    out = -inverse_temperature(alpha) * _eta2(eta2) * (1 - m * m)
    return out if out.ndim else float(out)


def jensen_value_gap_bound(d, alpha, delta) -> float:
    r"""[Derived here] :math:`\tilde J_0(\sigma)-\inf_\mu\tilde J_0(\mu)\le\Phi(\sigma)+\alpha\delta\le\alpha^2/(2d)+\alpha\delta`
    with no regularizer (β = 0); returns the middle (exact) bound."""
    return float(phi_uniform(d, alpha)) + inverse_temperature(alpha) * nonnegative(delta, "delta")


# --------------------------------------------------------------------------------------------
# The vMF family with the worst-case alignment
# --------------------------------------------------------------------------------------------
_KAPPA_SPAN = 30.0  # default scans end at κ = 30 (d + α), where 1 - A_d(κ) < 1/60
@dataclass(frozen=True)
class CriticalBeta:
    r"""The least β with :math:`\tilde J(\mu_\kappa)\ge\tilde J(\sigma)` for every κ > 0 on the vMF family.

    ``value`` = max(0, ``sup_ratio``); ``kappa`` the maximizing κ (0 when the supremum is the κ → 0
    limit ``small_kappa_limit`` :math:`=2(\alpha(1-\eta_2)-q^*)/d`); ``beta0`` Theorem 1's threshold.
    """

    value: float
    sup_ratio: float
    kappa: float
    small_kappa_limit: float
    beta0: float


@dataclass(frozen=True)
class VMFRegularizedModel:
    r""":math:`\tilde J` on the vMF tilts :math:`\mu_\kappa=\mathrm{vMF}(\kappa,w)` with the worst-case alignment.

    :math:`\mathrm{Align}(\mu_\kappa):=\eta_2+(1-\eta_2)A_d(\kappa)^2` (Prop 1's bound, attained only in the
    worst case) and :math:`\mathrm{Align}(\sigma):=\eta_2-\delta` (Assumption 3's gap δ ≥ 0), so

    .. math:: \tilde J(\mu_\kappa)-\tilde J(\sigma)=\Phi(\mu_\kappa)-\Phi(\sigma)-\alpha(1-\eta_2)A_d(\kappa)^2
              -\alpha\delta+\beta\,\mathrm{KL}(\mu_\kappa\|\sigma),

    every term exact (:func:`infonce_gauss.theory.infonce.phi_vmf` quadrature, :mod:`infonce_gauss.theory.vmf` closed forms).
    """

    d: int
    alpha: float
    eta2: float
    delta: float = 0.0

    def __post_init__(self):
        object.__setattr__(self, "d", integer(self.d, "d (the ambient dimension)", minimum=2))
        object.__setattr__(self, "alpha", inverse_temperature(self.alpha))
        object.__setattr__(self, "eta2", _eta2(self.eta2))
        delta = nonnegative(self.delta, "delta (Assumption 3's gap eta2 - Align(sigma))")
        if delta > self.eta2:
            raise ValueError(f"delta = eta2 - Align(sigma) cannot exceed eta2 (Align(sigma) >= 0 here), got {delta} > {self.eta2}.")
        object.__setattr__(self, "delta", delta)

    @property
    def beta0(self) -> float:
        return beta_threshold(self.d, self.alpha, self.eta2)

    def _kappas(self, kappa) -> np.ndarray:
        kappa = finite_array(kappa, "kappa (the vMF concentration)")
        if np.any(kappa < 0):
            raise ValueError("kappa (the vMF concentration) must be >= 0.")
        return kappa

    def phi_gap(self, kappa):
        r""":math:`\Phi(\mu_\kappa)-\Phi(\sigma)\ge0`."""
        kappa = self._kappas(kappa)
        base = float(phi_uniform(self.d, self.alpha))
        out = np.array([phi_vmf(self.d, float(k), self.alpha) - base for k in kappa.ravel()]).reshape(kappa.shape)
        return out if out.ndim else float(out)

    def align_gap(self, kappa):
        r""":math:`\mathrm{Align}(\mu_\kappa)-\mathrm{Align}(\sigma)=(1-\eta_2)A_d(\kappa)^2+\delta` (worst case)."""
        a = np.asarray(vmf_mean_length(self.d, self._kappas(kappa)))
        return alignment_bound(self.eta2, a * a) - self.eta2 + self.delta

    def kl(self, kappa):
        return vmf_kl_to_uniform(self.d, self._kappas(kappa))

    def gap(self, kappa, beta):
        r""":math:`\tilde J(\mu_\kappa)-\tilde J(\sigma)`; at β ≥ β₀ it is at least :math:`(\beta-\beta_0)\mathrm{KL}-\alpha\delta`."""
        return self.phi_gap(kappa) - self.alpha * self.align_gap(kappa) + nonnegative(beta, "beta") * self.kl(kappa)

    def jensen_gap(self, kappa):
        r"""The β = 0 gap :math:`\tilde J_0(\mu_\kappa)-\tilde J_0(\sigma)\ge-\Phi(\sigma)-\alpha\delta` (derived here)."""
        return self.gap(kappa, 0.0)

    def _ratio(self, kappa):
        return (self.alpha * (self.align_gap(kappa) - self.delta) - self.phi_gap(kappa)) / self.kl(kappa)

    def critical_beta(self, *, points: int = 48, kappa_min: float = 1e-2, kappa_max: float | None = None) -> CriticalBeta:
        r"""The least β with :math:`\tilde J(\mu_\kappa)\ge\tilde J(\sigma)` for all κ > 0, at δ = 0 (class docstring).

        Scans the ratio :math:`[\alpha(1-\eta_2)A^2-\Delta\Phi]/\mathrm{KL}` on ``points`` log-spaced κ in
        [``kappa_min``, ``kappa_max``] (default :math:`30(d+\alpha)`, where :math:`1-A_d(\kappa)<1/60` and
        the ratio decays to 0 like :math:`1/\log\kappa`: its numerator tends to :math:`\Phi(\sigma)-\alpha\eta_2` while
        the KL grows like :math:`\tfrac{d-1}2\log\kappa`), refines the best grid point by bounded maximization in
        log κ between its neighbours, and compares with the exact κ → 0 limit.
        """
        points = integer(points, "points", minimum=8)
        kappa_min = positive(kappa_min, "kappa_min")
        kappa_max = positive(kappa_max if kappa_max is not None else _KAPPA_SPAN * (self.d + self.alpha), "kappa_max")
        if kappa_max <= kappa_min:
            raise ValueError(f"kappa_max must exceed kappa_min, got {kappa_max} <= {kappa_min}.")
        grid = np.geomspace(kappa_min, kappa_max, points)
        ratios = self._ratio(grid)
        i = int(np.argmax(ratios))
        best, kappa = float(ratios[i]), float(grid[i])
        if 0 < i < points - 1:
            res = optimize.minimize_scalar(lambda x: -float(self._ratio(math.exp(x))), bounds=(math.log(grid[i - 1]), math.log(grid[i + 1])),
                                           method="bounded", options={"xatol": 1e-6})
            if -res.fun > best:
                best, kappa = float(-res.fun), math.exp(float(res.x))
        limit = _local_ratio(self.d, self.alpha, self.eta2)
        if limit >= best:
            best, kappa = limit, 0.0
        return CriticalBeta(value=max(0.0, best), sup_ratio=best, kappa=kappa, small_kappa_limit=limit, beta0=self.beta0)


# --------------------------------------------------------------------------------------------
# Appendix D: J_q along the vMF tilt
# --------------------------------------------------------------------------------------------
def tilt_objective_gap(d, alpha, q, kappa):
    r""":math:`J_q(\mu_\kappa)-J_q(\sigma)=\Phi(\mu_\kappa)-\Phi(\sigma)-q\,A_d(\kappa)^2` (Appendix D, Eq. 52)."""
    q = nonnegative(q, "q (the weight of ||m||^2, alpha (1 - eta2) in the paper)")
    model = VMFRegularizedModel(d, alpha, 0.0)
    a = np.asarray(vmf_mean_length(model.d, model._kappas(kappa)))
    return model.phi_gap(kappa) - q * a * a


@dataclass(frozen=True)
class TiltStationaryPoint:
    """A stationary point of κ ↦ J_q(μ_κ): its κ, ``kind`` ('min' or 'max') and gap J_q(μ_κ) − J_q(σ)."""

    kappa: float
    kind: str
    gap: float


def tilt_stationary_points(d, alpha, q, *, points: int = 64, kappa_min: float = 1e-2,
                           kappa_max: float | None = None) -> tuple[TiltStationaryPoint, ...]:
    r"""Stationary points of :math:`\kappa\mapsto J_q(\mu_\kappa)` on (0, ∞), κ = 0 (σ) included.

    σ (κ = 0) is always stationary (J_q is even in the tilt); its kind is decided by Appendix D's local
    condition read off the scan, i.e. the sign of the gap at the first grid point. Interior extrema are the
    strict local extrema of the gap on ``points`` log-spaced κ, refined by bounded minimization between
    their neighbours. The default range ends at :math:`30(d+\alpha)`.
    """
    points = integer(points, "points", minimum=8)
    kappa_min = positive(kappa_min, "kappa_min")
    kappa_max = positive(kappa_max if kappa_max is not None
                         else _KAPPA_SPAN * (integer(d, "d", minimum=2) + positive(alpha, "alpha")), "kappa_max")
    grid = np.geomspace(kappa_min, kappa_max, points)
    gaps = tilt_objective_gap(d, alpha, q, grid)
    out = [TiltStationaryPoint(0.0, "min" if gaps[0] > 0 else "max", 0.0)]
    for i in range(1, points - 1):
        for kind, sign in (("min", 1.0), ("max", -1.0)):
            if sign * gaps[i] < sign * gaps[i - 1] and sign * gaps[i] <= sign * gaps[i + 1]:
                res = optimize.minimize_scalar(lambda x: sign * float(tilt_objective_gap(d, alpha, q, math.exp(x))),
                                               bounds=(math.log(grid[i - 1]), math.log(grid[i + 1])), method="bounded",
                                               options={"xatol": 1e-8})
                out.append(TiltStationaryPoint(math.exp(res.x), kind, sign * float(res.fun)))
    return tuple(out)
