r"""The radial and spectral shape of a cloud of embeddings: the thin shell, and isotropy or collapse.

* :func:`thin_shell`: the coefficient of variation of the norms, :math:`\mathrm{CV}=\mathrm{sd}(\|z\|)/E\|z\|`
  (paper Eq. 20), against the chi law of the isotropic Gaussian of the same d,
  :math:`\mathrm{CV}_\chi(d)=\sqrt{d-\mu_d^2}/\mu_d\approx1/\sqrt{2d}`;
* :func:`effective_rank` :math:`\exp(-\sum_ip_i\log p_i)`, :math:`p=\lambda/\sum\lambda` (Roy & Vetterli 2007;
  not RankMe, which takes the singular values of the embedding matrix: :mod:`~infonce_gauss.simulations.collapse`),
  and :func:`participation_ratio` :math:`(\sum\lambda)^2/\sum\lambda^2` of the
  eigenvalues :math:`\lambda` of a covariance: both d for an isotropic law, near 1 under collapse;
  :func:`spectrum_summary` adds the shares of the top eigenvalues.
"""

from __future__ import annotations

import math

import numpy as np

from infonce_gauss.simulations.estimates import Estimate, cv_estimate
from infonce_gauss.theory.validation import integer
from infonce_gauss.theory.sphere import chi_norm_moments

__all__ = ["thin_shell", "effective_rank", "participation_ratio", "spectrum_summary"]

def thin_shell(norms, d) -> dict:
    r"""Radial spread of embeddings against the isotropic Gaussian of the same d.

    Returns the CV of the norms (paper Eq. 20) with its delta-method standard error, the chi-law
    reference :math:`\mathrm{CV}_\chi(d)=\sqrt{d-\mu_d^2}/\mu_d\approx1/\sqrt{2d}`, their ratio, and the
    coordinate excess kurtosis the spread implies for a rotation-invariant law,
    :math:`\frac{3d}{d+2}\frac{E r^4}{(E r^2)^2}-3`.
    """
    r = np.asarray(norms, dtype=np.float64)
    d = integer(d, "d (the ambient dimension)", minimum=2)
    if r.size < 3 or r.min() <= 0:
        raise ValueError("the thin-shell check needs at least 3 positive norms.")
    spread = np.ptp(r) / r.mean()
    # already-normalized embeddings: a spread at rounding level is a perfect shell (raw moments cancel there)
    cv = Estimate(float(r.std() / r.mean()), 0.0, int(r.size)) if spread < 1e-6 else cv_estimate(r)
    ref = chi_norm_moments(d).cv
    r2 = r * r
    implied = 3 * d / (d + 2) * np.mean(r2 * r2) / np.mean(r2) ** 2 - 3
    return {"cv": cv.value, "cv_se": cv.se, "cv_chi": ref, "ratio": cv.value / ref, "ratio_se": cv.se / ref,
            "mean_norm": float(r.mean()), "implied_excess_kurtosis": float(implied),
            "sphere_excess_kurtosis": -6 / (d + 2), "n": int(r.size)}


def effective_rank(eigenvalues) -> float:
    r"""The effective rank :math:`\exp(-\sum_ip_i\log p_i)` of eigenvalues :math:`\lambda` (clipped at 0),
    :math:`p=\lambda/\sum\lambda`, the terms with :math:`p_i=0` left out (Roy & Vetterli 2007): the exponential of
    the entropy of the normalized spectrum, d for an isotropic law. Of a covariance's eigenvalues it is not RankMe
    (Garrido et al. 2023), which normalizes the singular values of the embedding matrix
    (:func:`~infonce_gauss.simulations.collapse.rankme`)."""
    lam = np.clip(np.asarray(eigenvalues, dtype=np.float64), 0.0, None)
    p = lam / lam.sum()
    p = p[p > 0]
    return float(np.exp(-np.sum(p * np.log(p))))


def participation_ratio(eigenvalues) -> float:
    r"""The participation ratio :math:`(\sum\lambda)^2/\sum\lambda^2` of eigenvalues :math:`\lambda` (clipped at 0):
    d for an isotropic law, 1 for a single direction."""
    lam = np.clip(np.asarray(eigenvalues, dtype=np.float64), 0.0, None)
    return float(lam.sum() ** 2 / np.sum(lam * lam))


def spectrum_summary(eigenvalues) -> dict:
    r"""Isotropy and collapse from the eigenvalues :math:`\lambda` of a covariance (or second moment).

    :func:`effective_rank` and :func:`participation_ratio`, both d for an isotropic law, and the
    share of the top eigenvalue and of the top 10%.
    """
    lam = np.clip(np.sort(np.asarray(eigenvalues, dtype=np.float64))[::-1], 0.0, None)
    total = lam.sum()
    if total <= 0:
        raise ValueError("all eigenvalues are zero: the embeddings are constant.")
    p = lam / total
    d = lam.size
    return {"d": d, "effective_rank": effective_rank(lam), "participation_ratio": participation_ratio(lam),
            "top_share": float(p[0]), "top10pct_share": float(p[: max(1, d // 10)].sum()),
            "condition_number": float(lam[0] / lam[-1]) if lam[-1] > 0 else math.inf}
