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
from infonce_gauss.simulations.sampling import as_generator
from infonce_gauss.theory.regularized import beta_threshold
from infonce_gauss.theory.validation import integer, positive

__all__ = ["regularized_particle_diagnostics", "regularizer_sweep", "gaussian_target_distances"]


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


def gaussian_target_distances(z, *, lam, seed, projections: int = 16) -> dict:
    r"""Distances of n unnormalized embeddings z (n, d) to Corollary 2's optimum :math:`N(0,(2\lambda)^{-1}I_d)`,
    raw and scale-free, and the scale apart.

    * ``ks_radius``: KS statistic (and ``ks_radius_p``) of :math:`\|z_i\|` against :math:`\chi_d/\sqrt{2\lambda}`;
      ``radius_mean`` beside the chi mean ``radius_mean_chi``, ``radius_cv`` beside ``radius_cv_chi``.
    * ``ks_coord_mean``: mean over the d coordinates of the KS statistic against :math:`N(0,1/(2\lambda))`, and
      ``coord_reject_pct``: % of coordinates rejected at 5% (5% expected under the target).
    * ``ks_proj_mean`` / ``proj_reject_pct``: the same for ``projections`` fixed random unit directions
      (seeded by ``seed``).
    * Isotropy: ``cov_rel_error`` :math:`\|\hat\Sigma-(2\lambda)^{-1}I\|_F/\|(2\lambda)^{-1}I\|_F` (0 at the target;
      :math:`\approx\sqrt{(d+1)/n}` from sampling alone) and ``eig_ratio`` the largest over the mean eigenvalue of
      :math:`\hat\Sigma` (about :math:`(1+\sqrt{d/n})^2` for Gaussian samples); ``mean_norm_sq_ratio``
      :math:`\|\bar z\|^2/E\|z\|^2`.
    * Scale, apart: ``scale_ratio`` :math:`\overline{\|z\|^2}\,2\lambda/d` (1 at the target).
    * Shape, scale-free: the same distances of :math:`\tilde z=z/\sqrt{\texttt{scale\_ratio}}` (the RMS radius
      normalized to the target's, :math:`\sqrt{d/(2\lambda)}`): ``ks_radius_sf``, ``ks_coord_sf``, ``ks_proj_sf``,
      ``cov_sf``; and ``cv_ratio`` = ``radius_cv`` / ``radius_cv_chi`` (1 at the target, scale-free by itself).
      The estimated scale makes these KS statistics slightly smaller than the raw ones on target samples.
    * ``ks_crit``: the 5% KS critical value :math:`1.358/\sqrt n` (asymptotic).
    """
    z = np.asarray(z, dtype=np.float64)
    n, d = z.shape
    var = 1 / (2 * positive(lam, "lam"))
    gen = as_generator(seed)
    dirs = gen.standard_normal((d, integer(projections, "projections", minimum=1)))
    dirs /= np.linalg.norm(dirs, axis=0)
    chi = stats.chi(d, scale=math.sqrt(var))
    radii = np.linalg.norm(z, axis=1)
    scale_ratio = float(np.mean(radii**2) / (d * var))
    raw, free = _law_distances(z, var, chi, dirs), _law_distances(z / math.sqrt(scale_ratio), var, chi, dirs)
    cv = float(radii.std(ddof=1) / radii.mean())
    cv_chi = float(chi.std() / chi.mean())
    return {"n": n, "d": d, "lam": float(lam), **raw, "radius_mean": float(radii.mean()), "radius_mean_chi": float(chi.mean()),
            "radius_cv": cv, "radius_cv_chi": cv_chi, "cv_ratio": cv / cv_chi, "scale_ratio": scale_ratio,
            "ks_radius_sf": free["ks_radius"], "ks_coord_sf": free["ks_coord_mean"], "ks_proj_sf": free["ks_proj_mean"],
            "cov_sf": free["cov_rel_error"], "mean_norm_sq_ratio": float(z.mean(0) @ z.mean(0) / np.mean(radii**2)),
            "ks_crit": 1.358 / math.sqrt(n)}


def _law_distances(z, var, chi, dirs) -> dict:
    """KS of the radii, the coordinates and the projections on ``dirs``, and the covariance error, of z against
    N(0, var·I) (see :func:`gaussian_target_distances`)."""
    d = z.shape[1]
    res = stats.kstest(np.linalg.norm(z, axis=1), chi.cdf)
    target = stats.norm(scale=math.sqrt(var)).cdf
    coord = [stats.kstest(z[:, j], target) for j in range(d)]
    proj = [stats.kstest(col, target) for col in (z @ dirs).T]
    cov = z.T @ z / z.shape[0]
    eig = np.linalg.eigvalsh(cov)
    return {"ks_radius": float(res.statistic), "ks_radius_p": float(res.pvalue),
            "ks_coord_mean": float(np.mean([r.statistic for r in coord])),
            "coord_reject_pct": 100.0 * float(np.mean([r.pvalue < 0.05 for r in coord])),
            "ks_proj_mean": float(np.mean([r.statistic for r in proj])),
            "proj_reject_pct": 100.0 * float(np.mean([r.pvalue < 0.05 for r in proj])),
            "cov_rel_error": float(np.linalg.norm(cov - var * np.eye(d)) / (var * math.sqrt(d))),
            "eig_ratio": float(eig[-1] / eig.mean())}
