"""Figures of the trained encoders: training curves and the d × N sweep of Figs. 2–3.

Each function takes a tidy table and returns a Figure; none recomputes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
import numpy as np

from infonce_gauss.plotting import rows_matching, series_colours
from infonce_gauss.simulations.univariate import AD_THRESHOLD, DP_LEVEL

__all__ = ["plot_training_sweep", "plot_training_curves"]


def plot_training_sweep(table: Sequence[Mapping]):
    """Fig. 3/2 from the final rows of a d × N training sweep (one per configuration: seed means with their
    seed-level SEs ``cv_se``, ``alignment_se``): CV of the norms (±2 SE) and positive alignment and uniformity
    d·E[(u·u')²] against the batch size N, one line per d."""
    dims = sorted({r["d"] for r in table})
    colours = dict(zip(dims, series_colours(len(dims))))
    fig = Figure(figsize=(14, 4.2))
    axes = fig.subplots(1, 3)
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


def plot_training_curves(table: Sequence[Mapping], *, title: str, bands: Mapping | None = None):
    """Diagnostics against the epoch (epoch 0: the encoder at initialization), one colour per run and one line
    per seed (rows with a ``seed`` column; the replicates of a trained encoder).

    Panels: CV of the norms (±2 SE); mean A² with the AD 5% critical value :data:`AD_THRESHOLD`; % of
    coordinates passing AD and % passing DP (p > :data:`DP_LEVEL`), unnormalized (solid) and normalized
    (dashed); alignment with Prop 1's bound η₂ + (1 − η₂)‖m‖² (dotted) where η₂ is known. ``bands``
    (``{"gaussian": ..., "sphere": ...}`` from :func:`infonce_gauss.empirical.claims.null_bands`) shades on
    the pass-rate panels the 99% band of d independent N(0, 1) coordinates (the reference for solid lines)
    and of d coordinates of the exact uniform sphere law (for dashed lines) at the evaluation n.
    """
    runs = list(dict.fromkeys(r["run"] for r in table))
    colours = dict(zip(runs, series_colours(len(runs))))
    fig = Figure(figsize=(21, 4.4))
    axes = fig.subplots(1, 5)
    labelled = set()
    for run, seed in dict.fromkeys((r["run"], r.get("seed")) for r in table):
        colour = colours[run]
        rows = sorted((r for r in rows_matching(table, run=run) if r.get("seed") == seed), key=lambda r: r["epoch"])
        epoch = np.array([r["epoch"] for r in rows])
        axes[0].errorbar(epoch, [r["cv"] for r in rows], yerr=[2 * r["cv_se"] for r in rows], fmt="-o", ms=3,
                         capsize=2, color=colour, label=None if run in labelled else str(run))
        labelled.add(run)
        axes[1].plot(epoch, [r["ad_avg"] for r in rows], "-o", ms=3, color=colour)
        for ax, col in ((axes[2], "ad_pass_pct"), (axes[3], "dp_pass_pct")):
            ax.plot(epoch, [r[col] for r in rows], "-o", ms=3, color=colour)
            ax.plot(epoch, [r["norm_" + col] for r in rows], "--", ms=3, color=colour)
        axes[4].plot(epoch, [r["alignment"] for r in rows], "-o", ms=3, color=colour)
        bound = [r.get("align_bound") for r in rows]
        if all(b not in (None, "") for b in bound):
            axes[4].plot(epoch, bound, ":", color=colour, lw=1.2)
    axes[1].axhline(AD_THRESHOLD, color="k", ls="--", lw=1, label=f"AD 5% critical value {AD_THRESHOLD:g}")
    axes[1].set_yscale("log")
    handles = [Line2D([], [], color="0.3", ls="-", label="unnormalized z"),
               Line2D([], [], color="0.3", ls="--", label="normalized z/‖z‖")]
    if bands:
        for ax, col in ((axes[2], "ad_pass_pct"), (axes[3], "dp_pass_pct")):
            for law, colour, text in (("gaussian", "0.6", "99% band, d indep. N(0,1) coords"),
                                      ("sphere", "tab:orange", "99% band, exact sphere coords")):
                ax.axhspan(*bands[law][col], color=colour, alpha=0.25, label=text)
    axes[2].legend(handles=handles + axes[2].get_legend_handles_labels()[0], fontsize=7, loc="best")
    axes[4].plot([], [], ":", color="0.3", label=r"Prop 1 bound $\eta_2+(1-\eta_2)\|m\|^2$")
    for ax, label in zip(axes, (r"CV of $\|z\|$ (±2 SE)", "mean Anderson–Darling $A^2$ (log)", "% coordinates with AD $A^2<0.752$",
                                f"% coordinates with DP $p>{DP_LEVEL:g}$", r"alignment $E[u\cdot v]$")):
        ax.set_xlabel("epoch (0 = at initialization)")
        ax.set_ylabel(label)
        ax.grid(True, alpha=0.25)
    axes[0].legend(fontsize=7)
    axes[1].legend(fontsize=7)
    axes[4].legend(fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    return fig
