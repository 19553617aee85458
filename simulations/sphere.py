r"""Monte Carlo counterparts of :mod:`theory.sphere`: distances, moments and Prop 2 projections.

The distance estimators are importance-sampling identities on draws :math:`X=\|s\|^2` of the exact
projected law with the exact log density ratio :math:`\ell=\log f_{d,k}/\varphi_k`:

* :math:`TV=E_P[(1-e^{-\ell})_+]`,
* :math:`KL=E_P[\ell+e^{-\ell}-1]+Q(\|s\|^2\ge d)` (the control variate :math:`E_Pe^{-\ell}=Q(\|s\|^2<d)`
  keeps the relative error O(n^{-1/2}) though KL is O(d^{-2})),
* Kolmogorov (k = 1): :math:`P(|s|\le t)-Q(|s|\le t)=E_P[1\{X\le t^2\}(1-e^{-\ell})]` at the crossings.

Their agreement with the quadratures checks the sampler against the formula; each carries its n,
seed and standard error.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from simulations.estimates import Estimate, mean_estimate
from simulations.sampling import projected_sphere, sample_scaled_radius
from theory._validation import dimension_and_k, integer
from theory.sphere import density_crossings, log_density_ratio

__all__ = ["mc_distances", "kurtosis_estimate", "mc_projected_moments", "mc_radial_projection_kurtosis"]


def mc_distances(d, k=1, *, n, seed) -> dict[str, Estimate]:
    """Monte Carlo TV, KL (and, for k = 1, Kolmogorov) distances of :math:`\\sqrt d U_{1..k}` to N(0, I_k)."""
    d, k = dimension_and_k(d, k)
    n = integer(n, "n (number of samples)", minimum=2)
    s = projected_sphere(n, d, k, rng=seed)
    x = s * s if k == 1 else np.einsum("ij,ij->i", s, s)
    ell = log_density_ratio(x, d, k)
    deficit = -np.expm1(-ell)  # 1 - q/p
    out = {
        "tv": mean_estimate(np.maximum(deficit, 0.0), seed=seed),
        "kl": _shift(mean_estimate(ell - deficit, seed=seed), stats.chi2.sf(d, k)),
    }
    if k == 1:
        sides = [mean_estimate(np.where(x <= rho**2, deficit, 0.0), seed=seed) for rho in density_crossings(d, 1)]
        worst = max(sides, key=lambda e: abs(e.value))
        out["kolmogorov"] = Estimate(0.5 * abs(worst.value), 0.5 * worst.se, n, seed)
    return out


def _shift(estimate: Estimate, offset: float) -> Estimate:
    return Estimate(float(estimate.value + offset), estimate.se, estimate.n, estimate.seed)


def kurtosis_estimate(x, *, seed=None) -> Estimate:
    r"""Kurtosis :math:`m_4/m_2^2` of a symmetric (mean-zero) sample with its delta-method standard error.

    Influence function :math:`(x^4-m_4)/m_2^2-2m_4(x^2-m_2)/m_2^3`; the standard error is its standard
    deviation over :math:`\sqrt n`.
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    if x.size < 8:
        raise ValueError(f"a kurtosis estimate needs at least 8 draws, got {x.size}.")
    x2 = x * x
    m2, m4 = x2.mean(), (x2 * x2).mean()
    influence = (x2 * x2 - m4) / m2**2 - 2 * m4 * (x2 - m2) / m2**3
    return Estimate(float(m4 / m2**2), float(influence.std(ddof=1) / np.sqrt(x.size)), int(x.size), seed)


def mc_projected_moments(d, *, n, seed) -> dict[str, Estimate]:
    """Variance and kurtosis of :math:`\\sqrt d U_1` (exactly 1 and :math:`3d/(d+2)`)."""
    s = projected_sphere(n, d, 1, rng=seed)
    return {"variance": mean_estimate(s * s, seed=seed), "kurtosis": kurtosis_estimate(s, seed=seed)}


def mc_radial_projection_kurtosis(family, d, *, n, seed) -> Estimate:
    r"""Kurtosis of :math:`(\sqrt d/r_0(d))z_1` for :math:`z=rU`, r from a radial family (Prop 2, A12)."""
    rng = np.random.default_rng(seed)
    w = sample_scaled_radius(family, d, n, rng=rng)
    return kurtosis_estimate(w * projected_sphere(n, d, 1, rng=rng), seed=seed)
