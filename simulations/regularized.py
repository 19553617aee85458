r"""The regularizer sweep: free particles trained with InfoNCE plus :math:`\beta(-H(\rho)+\lambda E\|z\|^2)` for
:math:`\beta=c\,\beta_0`, and the learned law's distance to :math:`\gamma_\lambda=N(0,(2\lambda)^{-1}I_d)`.

Answers how sensitive the finite-d outcome is to the regularizer strength (a reviewer's question):
KL proxies of the directions (Lemma 1's lower bound :math:`\tfrac d2\|\bar a\|^2`, Bingham, the Φ gap), the
radial law against the chi law of :math:`\gamma_\lambda`, and fixed projections against
:math:`N(0,(2\lambda)^{-1})`. β₀ uses η₂ = the plateau alignment (Prop 1's worst case at m = 0).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from infonce_gauss.simulations.infonce import ParticleConfig, particle_diagnostics, train_particles
from infonce_gauss.theory._validation import integer
from infonce_gauss.theory.regularized import beta_threshold

__all__ = ["regularized_particle_diagnostics", "regularizer_sweep"]


def regularized_particle_diagnostics(points, *, lam, alpha) -> dict:
    r"""Distances of n unnormalized points to :math:`N(0,(2\lambda)^{-1}I_d)`: the direction diagnostics of
    :func:`infonce_gauss.simulations.infonce.particle_diagnostics`, :math:`\tfrac d2\|\bar a\|^2` (Lemma 1's lower bound on
    KL(μ‖σ) at the empirical mean), the radius CV against the chi CV and the KS distance of the radii
    to :math:`\chi_d/\sqrt{2\lambda}`, and KS of the first and last coordinates against :math:`N(0,1/(2\lambda))`."""
    points = np.asarray(points, dtype=np.float64)
    n, d = points.shape
    radii = np.linalg.norm(points, axis=1)
    directions = points / radii[:, None]
    chi = stats.chi(d, scale=1 / math.sqrt(2 * lam))
    row = particle_diagnostics(directions, alpha=alpha, ks=(1,))
    mean = directions.mean(0)
    row.update({"lemma1_kl_lower": 0.5 * d * float(mean @ mean), "radius_mean": float(radii.mean()),
                "radius_cv": float(radii.std(ddof=1) / radii.mean()), "radius_cv_chi": float(chi.std() / chi.mean())})
    res = stats.kstest(radii, chi.cdf)
    row["ks_radius_chi"], row["ks_radius_chi_p"] = float(res.statistic), float(res.pvalue)
    gauss = stats.norm(scale=1 / math.sqrt(2 * lam))
    for block, col in (("first", 0), ("last", d - 1)):
        res = stats.kstest(points[:, col], gauss.cdf)
        row[f"ks_{block}_coordinate_gamma"], row[f"ks_{block}_coordinate_gamma_p"] = float(res.statistic), float(res.pvalue)
    return row


def regularizer_sweep(dims, factors, *, n, steps, seed, alpha=10.0, alignment=0.5, lr=0.05, device="cpu") -> list[dict]:
    r"""Train particles (start: a cap with mean length 0.9) for each d and :math:`\beta=c\,\beta_0(d,\alpha,\eta_2)`,
    c in ``factors`` (η₂ = ``alignment``, λ = d/2); one tidy row per (d, c) with
    :func:`regularized_particle_diagnostics` of the trained points."""
    rows = []
    for d in sorted({integer(d, "d", minimum=4) for d in dims}):
        beta0 = beta_threshold(d, alpha, alignment)
        for c in factors:
            config = ParticleConfig(n=n, d=d, alpha=alpha, alignment=alignment, steps=steps, lr=lr, seed=seed,
                                    device=device, beta=float(c) * beta0)
            run = train_particles(config)
            rows.append({"d": d, "c": float(c), "beta": config.beta, "beta0": beta0, "lam": config.reference_lam, "seed": seed,
                         "steps": steps, **regularized_particle_diagnostics(run.final_points, lam=config.reference_lam, alpha=alpha)})
    return rows
