"""Figures of the factorial: the grid (objective × input, trained vs init) and route 1's predicted vs measured."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from infonce_gauss.plotting import series_colours

GRID_STATS = {"d_neg_cos_sq": "d·E[(u·u′)²] (1 = uniform)", "norm_ad_avg": "mean A², normalized u",
              "ad_avg": "mean A², unnormalized z", "cv_ratio": "CV / CV_χ (1 = Gaussian shell)"}


def plot_grid(table: Sequence[Mapping], *, inputs: Sequence[str], objectives: Sequence[str],
              encoders: Sequence[str]) -> Figure:
    """One heat map per (encoder, statistic): rows the objectives (``init`` first), columns the inputs, cells the
    seed mean (log colour scale), annotated with mean ± seed SE."""
    fig = Figure(figsize=(4.2 * len(GRID_STATS), 3.3 * len(encoders)), layout="constrained")
    axes = fig.subplots(len(encoders), len(GRID_STATS), squeeze=False)
    for i, encoder in enumerate(encoders):
        for j, (stat, label) in enumerate(GRID_STATS.items()):
            ax = axes[i, j]
            means = np.full((len(objectives), len(inputs)), np.nan)
            text = {}
            for r in table:
                if r["encoder"] == encoder and r["statistic"] == stat:
                    a, b = objectives.index(r["objective"]), inputs.index(r["input"])
                    means[a, b] = r["mean"]
                    text[a, b] = f"{r['mean']:.2g}\n±{r['se']:.1g}"
            image = ax.imshow(np.log10(np.clip(means, 1e-3, None)), cmap="viridis", aspect="auto")
            for (a, b), t in text.items():
                ax.text(b, a, t, ha="center", va="center", fontsize=6, color="w")
            ax.set_xticks(range(len(inputs)), inputs, rotation=30, ha="right", fontsize=7)
            ax.set_yticks(range(len(objectives)), objectives, fontsize=7)
            ax.set_title(f"{encoder}: {label}", fontsize=8)
            fig.colorbar(image, ax=ax, label="log10", shrink=0.8)
    fig.suptitle("the factorial: seed means (± seed SE) at initialization and trained, per objective and input law")
    return fig


def plot_route1(cells: Sequence[Mapping]) -> Figure:
    """Measured against predicted mean excess kurtosis of fixed projections of the normalized embedding, one point
    per cell (seed means, seed-SE bars), coloured by input law; the diagonal and the sphere's −6/(d+2)."""
    fig = Figure(figsize=(5.6, 5), layout="constrained")
    ax = fig.subplots()
    inputs = sorted({c["input"] for c in cells})
    for colour, name in zip(series_colours(len(inputs)), inputs):
        mine = [c for c in cells if c["input"] == name]
        ax.errorbar([c["predicted"] for c in mine], [c["measured"] for c in mine],
                    yerr=[c["measured_se"] for c in mine], fmt="o", ms=4, color=colour, label=name)
    lo = min(min(c["predicted"], c["measured"]) for c in cells)
    hi = max(max(c["predicted"], c["measured"]) for c in cells)
    ax.plot([lo, hi], [lo, hi], "k:", lw=1, label="measured = predicted")
    ax.axhline(cells[0]["sphere"], color="grey", lw=0.8, ls="--", label="uniform sphere −6/(d+2)")
    ax.set_yscale("symlog", linthresh=1)
    ax.set_xscale("symlog", linthresh=1)
    ax.set(xlabel="predicted from the measured mean and covariance of u", ylabel="measured",
           title="route 1: excess kurtosis of fixed projections of u")
    ax.legend(fontsize=7)
    return fig
