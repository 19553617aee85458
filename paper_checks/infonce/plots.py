"""Figures of the InfoNCE result: the finite-batch bias vs N and free particles vs d.

Each function takes a tidy table and returns a Figure (or draws into a given SubFigure); none recomputes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from infonce_gauss.plotting import canvas, integer_ticks, mean_over_seeds

__all__ = ["plot_bias", "plot_particles"]


def plot_bias(table: Sequence[Mapping], *, bias_constant: float, title: str | None = None, figure=None):
    r"""Left: the bias :math:`E L_N-\log N-\mathcal L` (Monte Carlo ± 2 SE) with :math:`c_1/N`, and the
    batch loss's standard deviation with an :math:`N^{-1/2}` guide. Right: :math:`N\cdot` bias → :math:`c_1`.
    Draws into ``figure`` (a Figure or SubFigure) when given."""
    n, bias, bias_err = mean_over_seeds(table, x="n_batch", y="bias", se="bias_se")
    _, sd, sd_err = mean_over_seeds(table, x="n_batch", y="loss_sd", se="loss_sd_se")
    sign = np.sign(bias_constant)
    fig = canvas(figure, (11, 4.3))
    left, right = fig.subplots(1, 2)
    left.errorbar(n, sign * bias, yerr=2 * bias_err, fmt="o", ms=4, capsize=2, color="C0",
                  label="bias $E L_N-\\log N-\\mathcal{L}$ (MC ± 2 SE)")
    left.loglog(n, abs(bias_constant) / n, "-", color="C0", lw=1.2, label=f"$c_1/N$, $c_1$ = {bias_constant:.4g} (derived here)")
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
        integer_ticks(ax, n)
        ax.grid(True, which="major", alpha=0.25)
    fig.suptitle(title or "InfoNCE finite-batch bias is $\\Theta(1/N)$; its sampling spread is $\\Theta(N^{-1/2})$")
    return fig


_STYLE = {("cap", "initial"): ("C1", ":", "x"), ("cap", "trained"): ("C1", "-", "o"),
          ("uniform", "initial"): ("C0", ":", "x"), ("uniform", "trained"): ("C0", "-", "o")}


def plot_particles(table: Sequence[Mapping], *, title: str | None = None, figure=None):
    r"""Free particles against d: Rayleigh and Bingham effects over their i.i.d. values, the Φ gap, and
    the KS distance of fixed projections to the exact sphere law (with the sphere law's exact
    Kolmogorov distance to N(0, 1), which falls like c/d). Draws into ``figure`` when given."""
    fig = canvas(figure, (19, 4.2))
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
        integer_ticks(ax, dims)
        ax.set_xlabel("ambient dimension $d$")
        ax.grid(True, which="major", alpha=0.25)
    fig.suptitle(title or "Free particles trained with InfoNCE at a fixed alignment level (Lemma 2 → Corollary 1)")
    return fig
