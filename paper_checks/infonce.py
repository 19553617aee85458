"""The InfoNCE experiments shared by the NCE- claims and ``infonce-gauss rates infonce``: their default
settings, the two computations (finite-batch bias vs N, free particles vs d) and their figures.

Plot functions take the tidy tables and return a Figure; they never recompute.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from infonce_gauss.plots import plt
from infonce_gauss.theory.infonce import CopyOrFresh, VMFAugmentation

__all__ = [
    "ALPHA",
    "BIAS_LAW",
    "LIMIT_LAWS",
    "plot_bias",
    "plot_particles",
    "compute_rates",
]

ALPHA = 10.0  # tau = 0.1, the paper's temperature
# sigma-marginal pairs whose 1/N expansion is reached by N ~ 32 (c1 = 3.295, alignment 0.153): at
# larger alpha·alignment or smaller d, e^{αu·v} is heavier tailed and the O(N^-2) term needs larger N
BIAS_LAW = VMFAugmentation(d=256, kappa=40.0, alpha=ALPHA)
LIMIT_LAWS = {
    "uniform marginal, vMF views (d=256, kappa=40, alpha=10)": BIAS_LAW,
    "vMF marginal, copy-or-fresh views (d=16, kappa=5, p=0.5, alpha=3)": CopyOrFresh(d=16, kappa=5.0, p=0.5, alpha=3.0),
}


def _mean_by(rows, x, y, se):
    """Per-x mean of y over seeds with the standard error of that mean."""
    xs = sorted({r[x] for r in rows})
    mean = np.array([np.mean([r[y] for r in rows if r[x] == v]) for v in xs])
    err = np.array([np.sqrt(np.sum([r[se] ** 2 for r in rows if r[x] == v])) / sum(r[x] == v for r in rows) for v in xs])
    return np.array(xs, float), mean, err


def _integer_ticks(ax, values):
    """Label the log x axis at the settings themselves (no overlapping minor labels)."""
    from matplotlib.ticker import NullLocator

    ax.set_xticks(values, [str(int(v)) for v in values])
    ax.xaxis.set_minor_locator(NullLocator())


def _canvas(figure, size):
    """The given Figure/SubFigure, or a new constrained-layout Figure."""
    return figure if figure is not None else plt.figure(figsize=size, layout="constrained")


def plot_bias(table: Sequence[Mapping], *, bias_constant: float, title: str | None = None, figure=None):
    r"""Left: the bias :math:`E L_N-\log N-\mathcal L` (Monte Carlo ± 2 SE) with :math:`c_1/N`, and the
    batch loss's standard deviation with an :math:`N^{-1/2}` guide. Right: :math:`N\cdot` bias → :math:`c_1`.
    Draws into ``figure`` (a Figure or SubFigure) when given."""
    n, bias, bias_err = _mean_by(table, "n_batch", "bias", "bias_se")
    _, sd, sd_err = _mean_by(table, "n_batch", "loss_sd", "loss_sd_se")
    sign = np.sign(bias_constant)
    fig = _canvas(figure, (11, 4.3))
    left, right = fig.subplots(1, 2)
    left.errorbar(n, sign * bias, yerr=2 * bias_err, fmt="o", ms=4, capsize=2, color="C0",
                  label="bias $E L_N-\\log N-\\mathcal{L}$ (MC ± 2 SE)")
    left.loglog(n, abs(bias_constant) / n, "-", color="C0", lw=1.2, label=f"$c_1/N$, $c_1$ = {bias_constant:.4g} (paper.md §6.2)")
    left.errorbar(n, sd, yerr=2 * sd_err, fmt="s", ms=4, mfc="white", capsize=2, color="C3",
                  label="std. dev. of $L_N$ across batches")
    left.loglog(n, sd[0] * np.sqrt(n[0] / n), "--", color="C3", lw=1, label="$\\propto N^{-1/2}$ (W&I's cited order)")
    left.set_xlabel("batch size $N$ (pairs; $N-1$ negatives)")
    left.set_ylabel("nats")
    left.legend(fontsize=7)
    right.errorbar(n, n * bias, yerr=2 * n * bias_err, fmt="o", ms=4, capsize=2, color="C0", label="$N\\cdot$bias (MC ± 2 SE)")
    right.axhline(bias_constant, color="k", ls="--", lw=1, label="$c_1$")
    right.set_xscale("log")
    right.set_xlabel("batch size $N$")
    right.set_ylabel("$N\\cdot(E L_N-\\log N-\\mathcal{L})$ (nats)")
    right.legend(fontsize=8)
    for ax in (left, right):
        _integer_ticks(ax, n)
        ax.grid(True, which="major", alpha=0.25)
    fig.suptitle(title or "InfoNCE finite-batch bias is $\\Theta(1/N)$; its sampling spread is $\\Theta(N^{-1/2})$")
    return fig


_STYLE = {("cap", "initial"): ("C1", ":", "x"), ("cap", "trained"): ("C1", "-", "o"),
          ("uniform", "initial"): ("C0", ":", "x"), ("uniform", "trained"): ("C0", "-", "o")}


def plot_particles(table: Sequence[Mapping], *, title: str | None = None, figure=None):
    r"""Free particles against d: Rayleigh and Bingham effects over their i.i.d. values, the Φ gap, and
    the KS distance of fixed projections to the exact sphere law (with the sphere law's exact
    Kolmogorov distance to N(0, 1), which falls like c/d). Draws into ``figure`` when given."""
    fig = _canvas(figure, (19, 4.2))
    axes = fig.subplots(1, 4)
    panels = [("rayleigh_effect", "rayleigh_iid", "Rayleigh $\\|\\bar a\\|^2$ / i.i.d. value $1/n$"),
              ("bingham_effect", "bingham_iid", "Bingham $d\\,\\mathrm{tr}S^2-1$ / i.i.d. value $(d-1)/n$")]
    for ax, (effect, iid, label) in zip(axes[:2], panels):
        for (start, state), (colour, ls, marker) in _STYLE.items():
            rows = sorted((r for r in table if r["start"] == start and r["state"] == state), key=lambda r: r["d"])
            ax.loglog([r["d"] for r in rows], [max(r[effect] / r[iid], 1e-12) for r in rows], ls, marker=marker,
                      color=colour, label=f"{start} start, {state}")
        ax.axhline(1.0, color="k", lw=0.8)
        ax.set_ylabel(label)
    for (start, state), (colour, ls, marker) in _STYLE.items():
        rows = sorted((r for r in table if r["start"] == start and r["state"] == state), key=lambda r: r["d"])
        axes[2].semilogx([r["d"] for r in rows], [r["phi_gap"] for r in rows], ls, marker=marker, color=colour)
    axes[2].axhline(0.0, color="k", lw=0.8)
    axes[2].set_ylabel("$\\hat\\Phi(\\text{points})-\\Phi(\\sigma)$ (nats)")
    for start, block, ls in (("uniform", "orth", "-"), ("cap", "orth", "--"), ("cap", "axis", "-.")):
        rows = sorted((r for r in table if r["start"] == start and r["state"] == "trained"), key=lambda r: r["d"])
        axes[3].loglog([r["d"] for r in rows], [r[f"ks_{block}_k1"] for r in rows], ls, marker="o",
                       color=_STYLE[(start, "trained")][0], label=f"trained, {start} start, {block} coordinate")
    ref = sorted((r for r in table if r["start"] == "uniform" and r["state"] == "initial"), key=lambda r: r["d"])
    axes[3].loglog([r["d"] for r in ref], [r["ks_orth_k1"] for r in ref], ":", marker="x", color="grey", label="i.i.d. uniform points")
    axes[3].loglog([r["d"] for r in ref], [r["kolmogorov_sphere_to_gauss"] for r in ref], "k--", lw=1,
                   label="exact Kolmogorov dist. sphere law → N(0,1)")
    axes[3].set_ylabel("KS distance of $d\\,a_1^2$ to its exact law")
    axes[0].legend(fontsize=7)
    axes[3].legend(fontsize=7)
    dims = sorted({r["d"] for r in table})
    for ax in axes:
        _integer_ticks(ax, dims)
        ax.set_xlabel("ambient dimension $d$")
        ax.grid(True, which="major", alpha=0.25)
    fig.suptitle(title or "Free particles trained with InfoNCE at a fixed alignment level (Lemma 2 → Corollary 1)")
    return fig


# --------------------------------------------------------------------------------------------
# `infonce-gauss rates infonce`
# --------------------------------------------------------------------------------------------
def compute_rates(args, seeds: list[int]):
    """The ``rates infonce`` experiment (its options are declared in :mod:`paper_checks.rates`)."""
    from infonce_gauss.rates import RateOutput
    from infonce_gauss.simulations.infonce import bias_rate_fits, bias_sweep, particle_sweep

    bias = bias_sweep(BIAS_LAW, args.sizes, pairs=args.pairs, seeds=seeds, progress=not args.no_progress)
    fits = bias_rate_fits([r for r in bias if r["n_batch"] >= args.fit_min], BIAS_LAW)
    particles = particle_sweep(args.dims, n=args.particles, steps=args.steps, seed=args.seed, alpha=ALPHA,
                               alignment=args.alignment, device=args.device)
    figure = plt.figure(figsize=(19, 9), layout="constrained")
    top, bottom = figure.subfigures(2, 1)
    plot_bias(bias, bias_constant=BIAS_LAW.bias_constant(), figure=top)
    plot_particles(particles, figure=bottom)
    table = [{"experiment": "bias", **r} for r in bias] + [{"experiment": "particles", **r} for r in particles]
    config = {"law": repr(BIAS_LAW), "sizes": args.sizes, "pairs": args.pairs, "seeds": seeds, "fit_min": args.fit_min,
              "dims": args.dims, "particles": args.particles, "steps": args.steps, "alignment": args.alignment}
    return RateOutput(table=table, fits=list(fits.values()), figure=figure, config=config)
