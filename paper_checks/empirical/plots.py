"""Figures of the trained encoders: training curves and the d × N sweep of Figs. 2–3.

Each function takes a tidy table and returns a Figure; none recomputes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from infonce_gauss.plotting import plt, rows_matching
from infonce_gauss.simulations.gaussianity import AD_THRESHOLD, DP_LEVEL

__all__ = ["plot_training_sweep", "plot_training_curves"]


def plot_training_sweep(table: Sequence[Mapping]):
    """Fig. 3/2 from the final rows of a d × N training sweep: CV of the norms (±2 SE) and positive
    alignment and uniformity d·E[(u·u')²] against the batch size N, one line per d."""
    dims = sorted({r["d"] for r in table})
    colours = dict(zip(dims, plt.cm.viridis(np.linspace(0, 0.85, len(dims)))))
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2))
    for d, colour in colours.items():
        rows = sorted(rows_matching(table, d=d), key=lambda r: r["N"])
        n = np.array([r["N"] for r in rows], float)
        axes[0].errorbar(n, [r["cv"] for r in rows], yerr=[2 * r["cv_se"] for r in rows], fmt="-o", ms=4, capsize=2,
                         color=colour, label=f"d = {d}")
        axes[1].errorbar(n, [r["alignment"] for r in rows], yerr=[2 * r["alignment_se"] for r in rows], fmt="-o", ms=4,
                         capsize=2, color=colour)
        axes[2].plot(n, [r["d_neg_cos_sq"] for r in rows], "-o", ms=4, color=colour)
    for ax, label in zip(axes, ("CV of $\\|z\\|$ (±2 SE)", "alignment $E[u\\cdot v]$ (±2 SE)",
                                "$d\\,E[(u\\cdot u')^2]$ (1 = isotropic)")):
        ax.set_xscale("log", base=2)
        ax.set_xlabel("batch size $N$")
        ax.set_ylabel(label)
        ax.grid(True, which="both", alpha=0.25)
    axes[2].axhline(1.0, color="k", ls="--", lw=1)
    axes[0].legend(fontsize=8)
    fig.suptitle("Linear InfoNCE encoders on Laplace data: thin shell, alignment and uniformity (Figs. 2–3)")
    fig.tight_layout()
    return fig


def plot_training_curves(table: Sequence[Mapping]):
    """Diagnostics against the epoch, one line per run: CV, mean A² (with the threshold :data:`AD_THRESHOLD`), % of
    coordinates passing DP, and alignment next to Prop 1's bound (dashed) where η₂ is known."""
    runs = list(dict.fromkeys(r["run"] for r in table))
    colours = dict(zip(runs, plt.cm.viridis(np.linspace(0, 0.85, len(runs)))))
    fig, axes = plt.subplots(1, 4, figsize=(17, 4.0))
    for run, colour in colours.items():
        rows = sorted(rows_matching(table, run=run), key=lambda r: r["epoch"])
        epoch = [r["epoch"] for r in rows]
        axes[0].plot(epoch, [r["cv"] for r in rows], "-o", ms=3, color=colour, label=str(run))
        axes[1].plot(epoch, [r["ad_avg"] for r in rows], "-o", ms=3, color=colour)
        axes[2].plot(epoch, [r["dp_pass_pct"] for r in rows], "-o", ms=3, color=colour)
        axes[3].plot(epoch, [r["alignment"] for r in rows], "-o", ms=3, color=colour)
        bound = [r.get("align_bound") for r in rows]
        if all(b not in (None, "") for b in bound):
            axes[3].plot(epoch, bound, "--", color=colour, lw=1)
    axes[1].axhline(AD_THRESHOLD, color="k", ls="--", lw=1, label=f"AD 5% critical value {AD_THRESHOLD:g}")
    axes[2].axhline(95, color="k", ls=":", lw=1)
    for ax, label in zip(axes, ("CV of $\\|z\\|$", "mean Anderson–Darling $A^2$", f"% coordinates with DP $p>{DP_LEVEL:g}$",
                                "alignment $E[u\\cdot v]$ (dashed: $\\eta_2+(1-\\eta_2)\\|m\\|^2$)")):
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.grid(True, alpha=0.25)
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    return fig
