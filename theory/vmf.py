r"""von Mises–Fisher laws on :math:`S^{d-1}`, with densities relative to the uniform law :math:`\sigma`.

:math:`\mathrm{vMF}(\kappa,w)` has density :math:`e^{\kappa\,w\cdot u}/{}_0F_1(;d/2;\kappa^2/4)` with respect
to the normalized surface measure :math:`\sigma` (paper.md §6.4), mean :math:`A_d(\kappa)\,w` with
:math:`A_d(\kappa)=I_{d/2}(\kappa)/I_{d/2-1}(\kappa)`, and
:math:`\mathrm{KL}(\mathrm{vMF}\|\sigma)=\kappa A_d(\kappa)-\log{}_0F_1(;d/2;\kappa^2/4)`, which is also the least
KL to :math:`\sigma` of any law with mean length :math:`A_d(\kappa)` (the I-projection; Lemma 1).
"""

from __future__ import annotations

import numpy as np
from scipy import optimize

from theory._validation import integer
from theory.special import bessel_ratio, log_hyp0f1

__all__ = ["vmf_log_normalizer", "vmf_mean_length", "vmf_kl_to_uniform", "vmf_kappa_for_mean_length"]


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
