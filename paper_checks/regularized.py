"""The regularized-route experiment behind ``infonce-gauss rates regularized``: β₀ and the vMF critical β
vs d (exact), and the regularizer sweep on free particles (β = c·β₀). Plot functions take the tidy
tables and return a Figure; they never recompute.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from infonce_gauss.plots import plt

__all__ = ["ALPHA", "critical_beta_table", "critical_beta_fits", "plot_regularized", "compute_rates"]

ALPHA = 10.0  # tau = 0.1


def critical_beta_table(dims, eta2s, *, points=48) -> list[dict]:
    """β₀ and the vMF critical β (theory.regularized) for each (η₂, d)."""
    from infonce_gauss.theory.infonce import local_curvature
    from infonce_gauss.theory.regularized import VMFRegularizedModel

    rows = []
    for eta2 in eta2s:
        for d in dims:
            c = VMFRegularizedModel(d, ALPHA, eta2).critical_beta(points=points)
            rows.append({"experiment": "critical", "d": d, "eta2": eta2, "beta0": c.beta0, "beta_critical": c.value,
                         "kappa_argmax": c.kappa, "q_star": local_curvature(d, ALPHA)})
    return rows


def critical_beta_fits(rows, *, d_min=32) -> list[dict]:
    """Exact-curve slopes (one correction term) of β₀(d) (predicted −1) and of every positive critical-β curve."""
    from infonce_gauss.simulations.rates import fit_rate

    fits = []
    for eta2 in sorted({r["eta2"] for r in rows}):
        sel = [r for r in rows if r["eta2"] == eta2 and r["d"] >= d_min]
        for term, predicted in (("beta0", -1.0), ("beta_critical", None)):
            if len(sel) >= 5 and all(r[term] > 0 for r in sel):  # 3 parameters + the truncation-error term need 5
                fit = fit_rate([r["d"] for r in sel], [r[term] for r in sel], exact=True, corrections=1, predicted_slope=predicted)
                fits.append({"term": term, "family": f"eta2={eta2}", **fit.as_dict()})
    return fits


def plot_regularized(critical: Sequence[Mapping], particles: Sequence[Mapping]):
    """Left: β₀ and the critical β vs d (log–log; zero critical values drawn at the bottom edge). Middle and
    right: the sweep's radial KS distance to the chi law and projection KS distance to N(0, 1/(2λ)) vs c = β/β₀."""
    fig, axes = plt.subplots(1, 3, figsize=(17, 5), layout="constrained")
    ax = axes[0]
    floor = 0.3 * min([r["beta_critical"] for r in critical if r["beta_critical"] > 0] + [r["beta0"] for r in critical])
    for eta2 in sorted({r["eta2"] for r in critical}):
        sel = sorted((r for r in critical if r["eta2"] == eta2), key=lambda r: r["d"])
        d = np.array([r["d"] for r in sel], float)
        ax.plot(d, [r["beta0"] for r in sel], "-", label=f"β₀ = 2α(1−η₂)/(d−1), η₂={eta2}")
        crit = np.array([r["beta_critical"] for r in sel])
        ax.plot(d[crit > 0], crit[crit > 0], "o--", label=f"critical β (vMF), η₂={eta2}")
        if np.any(crit == 0):
            ax.plot(d[crit == 0], np.full(np.sum(crit == 0), floor), "x", label=f"critical β = 0 (drawn at the floor), η₂={eta2}")
    ax.set(xscale="log", yscale="log", xlabel="dimension d", ylabel="β (regularizer weight)", title=f"Theorem 1 threshold vs vMF critical β (α={ALPHA:g})")
    ax.legend(fontsize=8)
    for ax, key, label in ((axes[1], "ks_radius_chi", "KS(radii, χ_d/√(2λ))"),
                           (axes[2], "ks_last_coordinate_gamma", "KS(z_d, N(0, 1/(2λ)))")):
        for d in sorted({r["d"] for r in particles}):
            sel = sorted((r for r in particles if r["d"] == d), key=lambda r: r["c"])
            ax.plot([r["c"] for r in sel], [r[key] for r in sel], "o-", label=f"d={d}")
        if particles:
            n = particles[0]["n"]
            ax.axhline(1.36 / np.sqrt(n), color="gray", ls=":", label=f"5% KS critical value, n={n}")
        ax.set(xlabel="c = β/β₀", ylabel=label, title=f"free particles with the regularizer: {label}")
        ax.legend(fontsize=8)
    return fig


def compute_rates(args, seeds: list[int]):
    """The ``rates regularized`` experiment (options declared in :mod:`paper_checks.rates`)."""
    from infonce_gauss.rates import RateOutput
    from infonce_gauss.simulations.regularized import regularizer_sweep

    critical = critical_beta_table(args.dims, args.eta2)
    fits = critical_beta_fits(critical)
    particles = [{"experiment": "particles", **row} for seed in seeds
                 for row in regularizer_sweep(args.particle_dims, args.factors, n=args.particles, steps=args.steps, seed=seed,
                                              alpha=ALPHA, alignment=args.alignment, device=args.device)]
    config = {"alpha": ALPHA, "dims": args.dims, "eta2": args.eta2, "particle_dims": args.particle_dims, "factors": args.factors,
              "particles": args.particles, "steps": args.steps, "alignment": args.alignment, "seeds": seeds}
    return RateOutput(table=critical + particles, fits=fits, figure=plot_regularized(critical, particles), config=config)
