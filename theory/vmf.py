r"""von Mises–Fisher laws on :math:`S^{d-1}`, with densities relative to the uniform law :math:`\sigma`.

:math:`\mathrm{vMF}(\kappa,w)` has density :math:`e^{\kappa\,w\cdot u}/{}_0F_1(;d/2;\kappa^2/4)` with respect
to the normalized surface measure :math:`\sigma`, mean :math:`A_d(\kappa)\,w` with
:math:`A_d(\kappa)=I_{d/2}(\kappa)/I_{d/2-1}(\kappa)`, and
:math:`\mathrm{KL}(\mathrm{vMF}\|\sigma)=\kappa A_d(\kappa)-\log{}_0F_1(;d/2;\kappa^2/4)`, which is also the least
KL to :math:`\sigma` of any law with mean length :math:`A_d(\kappa)` (the I-projection; Lemma 1).

The I-projection, in full: for :math:`\Lambda(t)=\log E_\sigma e^{t\,w\cdot u}=\log{}_0F_1(;d/2;t^2/4)`,
Donsker–Varadhan with :math:`\varphi(u)=t\,w\cdot u` gives :math:`\mathrm{KL}(\mu\|\sigma)\ge t\|m(\mu)\|-\Lambda(t)`
for every t, and the vMF with :math:`A_d(\kappa)=\|m\|` attains the supremum over t (at :math:`t=\kappa`,
:math:`\Lambda'(\kappa)=A_d(\kappa)`), with equality in Donsker–Varadhan since its log density is
linear in u. So :math:`\inf\{\mathrm{KL}(\mu\|\sigma):\|m(\mu)\|=r\}=\Lambda^*(r)=\kappa r-\Lambda(\kappa)`
(Csiszár 1975; Mardia & Jupp 2000, §9.3), :func:`vmf_min_kl_at_mean_length`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

from infonce_gauss.theory.special import bessel_ratio, log_hyp0f1
from infonce_gauss.theory.validation import finite_array, integer

__all__ = [
    "vmf_log_normalizer",
    "vmf_mean_length",
    "vmf_kl_to_uniform",
    "vmf_kappa_for_mean_length",
    "vmf_entropy",
    "vmf_kl",
    "vmf_min_kl_at_mean_length",
    "vmf_log_density",
    "VMFMixture",
]


def _d_kappa(d, kappa):
    d = integer(d, "d (the ambient dimension)", minimum=2)
    kappa = np.asarray(kappa, dtype=float)
    if np.any(~np.isfinite(kappa)) or np.any(kappa < 0):
        raise ValueError("kappa (the vMF concentration) must be finite and >= 0.")
    return d, kappa


def vmf_log_normalizer(d, kappa):
    r""":math:`\log{}_0F_1(;d/2;\kappa^2/4)=\log E_\sigma e^{\kappa\,w\cdot u}`, the log normalizer w.r.t. :math:`\sigma`."""
    d, kappa = _d_kappa(d, kappa)
    return log_hyp0f1(d / 2, kappa**2 / 4)


def vmf_mean_length(d, kappa):
    r""":math:`\|m(\mathrm{vMF}(\kappa))\|=A_d(\kappa)`."""
    d, kappa = _d_kappa(d, kappa)
    return bessel_ratio(d, kappa)


def vmf_kl_to_uniform(d, kappa):
    r""":math:`\mathrm{KL}(\mathrm{vMF}(\kappa)\|\sigma)=\kappa A_d(\kappa)-\log{}_0F_1(;d/2;\kappa^2/4)\ge0`."""
    d, kappa = _d_kappa(d, kappa)
    out = kappa * bessel_ratio(d, kappa) - log_hyp0f1(d / 2, kappa**2 / 4)
    return np.maximum(out, 0.0) if np.ndim(out) else max(float(out), 0.0)


def vmf_kappa_for_mean_length(d, r):
    r"""The concentration :math:`\kappa` with :math:`A_d(\kappa)=r`, :math:`0\le r<1` (A_d is increasing)."""
    d = integer(d, "d (the ambient dimension)", minimum=2)
    r = float(r)
    if not 0 <= r < 1:
        raise ValueError(f"a mean length must lie in [0, 1), got {r}.")
    if r == 0:
        return 0.0
    hi = max(1.0, d * r / (1 - r * r))  # doubled below until it brackets the root
    while bessel_ratio(d, hi) < r:
        hi *= 2
    return float(optimize.brentq(lambda k: bessel_ratio(d, k) - r, 0.0, hi, xtol=1e-14, rtol=1e-13))


def vmf_entropy(d, kappa):
    r"""Entropy of vMF(:math:`\kappa`) relative to :math:`\sigma`: :math:`-\int\log\frac{d\mu}{d\sigma}\,d\mu=-\mathrm{KL}(\mathrm{vMF}\|\sigma)\le0`.

    The differential entropy with respect to the surface measure dS (scipy's
    ``vonmises_fisher.entropy``) is this plus :math:`\log|S^{d-1}|` (:func:`infonce_gauss.theory.polar_coordinates.log_sphere_area`).
    """
    return -vmf_kl_to_uniform(d, kappa)


def vmf_kl(d, kappa_p, kappa_q, cos_angle=1.0):
    r""":math:`\mathrm{KL}(\mathrm{vMF}(\kappa_p,w_p)\|\mathrm{vMF}(\kappa_q,w_q))` with :math:`w_p\cdot w_q=` ``cos_angle``.

    :math:`E_p[\kappa_pw_p\cdot u-\kappa_qw_q\cdot u]=A_d(\kappa_p)(\kappa_p-\kappa_q\cos\theta)`, so
    :math:`\mathrm{KL}=A_d(\kappa_p)(\kappa_p-\kappa_q\cos\theta)-\log{}_0F_1(;\tfrac d2;\tfrac{\kappa_p^2}4)
    +\log{}_0F_1(;\tfrac d2;\tfrac{\kappa_q^2}4)`; :math:`\kappa_q=0` gives :func:`vmf_kl_to_uniform`.
    """
    d, kappa_p = _d_kappa(d, kappa_p)
    _, kappa_q = _d_kappa(d, kappa_q)
    cos_angle = finite_array(cos_angle, "cos_angle")
    if np.any(np.abs(cos_angle) > 1):
        raise ValueError("cos_angle is a cosine w_p·w_q and must lie in [-1, 1].")
    out = (bessel_ratio(d, kappa_p) * (kappa_p - kappa_q * cos_angle)
           - log_hyp0f1(d / 2, kappa_p**2 / 4) + log_hyp0f1(d / 2, kappa_q**2 / 4))
    return np.maximum(out, 0.0) if np.ndim(out) else max(float(out), 0.0)


def vmf_min_kl_at_mean_length(d, r):
    r""":math:`\inf\{\mathrm{KL}(\mu\|\sigma):\|m(\mu)\|=r\}`, attained by the vMF with :math:`A_d(\kappa)=r`
    (the I-projection; module docstring). At least :math:`dr^2/2` (Lemma 1 with C = 1/2), with ratio
    :math:`\to1` as :math:`r\to0`."""
    return vmf_kl_to_uniform(d, vmf_kappa_for_mean_length(d, r))


def _unit_rows(u, d: int | None = None) -> np.ndarray:
    u = finite_array(u, "u (points on the sphere)")
    u2 = np.atleast_2d(u)
    if d is not None and u2.shape[-1] != d:
        raise ValueError(f"points must have {d} coordinates, got shape {u.shape}.")
    if np.any(np.abs(np.einsum("ij,ij->i", u2, u2) - 1) > 1e-8):
        raise ValueError("points must have unit norm; divide each row by its norm first.")
    return u2


def _unit_vector(w, name: str) -> np.ndarray:
    w = finite_array(w, name)
    if w.ndim != 1 or w.size < 2:
        raise ValueError(f"{name} must be a vector with d >= 2 entries, got shape {w.shape}.")
    norm = float(np.linalg.norm(w))
    if abs(norm - 1) > 1e-8:
        raise ValueError(f"{name} must have unit norm, got norm {norm:.6g}; divide it by its norm.")
    return w


def vmf_log_density(u, mean_direction, kappa):
    r""":math:`\log\frac{d\,\mathrm{vMF}}{d\sigma}(u)=\kappa\,w\cdot u-\log{}_0F_1(;d/2;\kappa^2/4)` at rows u of an (n, d) array."""
    w = _unit_vector(mean_direction, "mean_direction")
    d, kappa = _d_kappa(w.size, kappa)
    out = float(kappa) * (_unit_rows(u, w.size) @ w) - vmf_log_normalizer(d, float(kappa))
    return out if np.ndim(u) > 1 else float(out[0])


@dataclass(frozen=True)
class VMFMixture:
    r"""A finite mixture :math:`\sum_j\pi_j\,\mathrm{vMF}(\kappa_j,w_j)` on :math:`S^{d-1}` (Lemma 1's test family).

    Its mean is exact, :math:`m=\sum_j\pi_jA_d(\kappa_j)w_j`; its KL to :math:`\sigma` has no closed form
    (estimate it by Monte Carlo from :meth:`log_density`), but is at least
    :func:`vmf_min_kl_at_mean_length` of :math:`\|m\|`.
    """

    weights: np.ndarray
    directions: np.ndarray
    kappas: np.ndarray

    def __post_init__(self):
        weights = finite_array(self.weights, "weights")
        directions = np.atleast_2d(finite_array(self.directions, "directions"))
        kappas = finite_array(self.kappas, "kappas")
        if weights.ndim != 1 or np.any(weights < 0) or abs(weights.sum() - 1) > 1e-10:
            raise ValueError("weights must be a vector of non-negative numbers summing to 1.")
        if directions.shape[0] != weights.size or kappas.shape != weights.shape:
            raise ValueError(f"need one direction and one kappa per weight: {weights.size} weights, "
                             f"{directions.shape[0]} directions, {kappas.size} kappas.")
        for w in directions:
            _unit_vector(w, "each direction")
        _d_kappa(directions.shape[1], kappas)
        for name, value in (("weights", weights), ("directions", directions), ("kappas", kappas)):
            object.__setattr__(self, name, value)

    @property
    def d(self) -> int:
        return self.directions.shape[1]

    @property
    def mean(self) -> np.ndarray:
        r""":math:`m=\sum_j\pi_jA_d(\kappa_j)w_j`."""
        return (self.weights * bessel_ratio(self.d, self.kappas)) @ self.directions

    def log_density(self, u) -> np.ndarray:
        r""":math:`\log\sum_j\pi_je^{\kappa_jw_j\cdot u}/{}_0F_1(;d/2;\kappa_j^2/4)` with respect to :math:`\sigma`."""
        logits = _unit_rows(u, self.d) @ (self.directions.T * self.kappas) - vmf_log_normalizer(self.d, self.kappas)
        with np.errstate(divide="ignore"):
            return special.logsumexp(logits + np.log(self.weights), axis=1)
