"""Figures of the Maxwell–Poincaré result: distances of the scaled projections to the Gaussian vs d.

Each function takes a tidy table and returns a Figure; none recomputes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matplotlib.figure import Figure
import numpy as np

from infonce_gauss.plotting import mean_over_seeds, rows_matching, series_colours, sorted_xy

__all__ = ["plot_sphere_rates", "plot_loglog_series"]

_METRIC_LABEL = {
    "tv": "total variation $d_{TV}$",
    "kl": "KL divergence (nats)",
    "kolmogorov": "Kolmogorov distance",
}


def plot_sphere_rates(table: Sequence[Mapping], *, title: str | None = None):
    r"""Distances of :math:`\sqrt d U_{1..k}` to :math:`N(0,I_k)` against d, one panel per metric.

    Lines: exact values; points with 2-SE bars: Monte Carlo; dashed: bound (Diaconis–Freedman,
    Pinelis); dotted: the asymptote :math:`c/d` or :math:`c/d^2`.
    """
    from matplotlib.lines import Line2D

    metrics = [m for m in ("tv", "kl", "kolmogorov") if rows_matching(table, metric=m)]
    ks = sorted({r["k"] for r in table})
    colours = dict(zip(ks, series_colours(len(ks))))
    fig = Figure(figsize=(5.2 * len(metrics), 4.3))
    axes = fig.subplots(1, len(metrics), squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        for k, colour in colours.items():
            exact = rows_matching(table, metric=metric, k=k, source="exact")
            if not exact:
                continue
            ax.loglog(*sorted_xy(exact), "-", color=colour, lw=1.8)
            mc = [r for r in rows_matching(table, metric=metric, k=k, source="mc") if r["value"] > 0]
            if mc:
                d, mean, err = mean_over_seeds(mc)
                ok = mean > 2 * err
                ax.errorbar(d[ok], mean[ok], yerr=2 * err[ok], fmt="o", ms=4, mfc="white", color=colour, capsize=2)
            for source, style in (("bound", "--"), ("asymptotic", ":")):
                rows = rows_matching(table, metric=metric, k=k, source=source)
                if rows:
                    ax.loglog(*sorted_xy(rows), style, color=colour, lw=1.1)
        ax.set_xlabel("ambient dimension $d$")
        ax.set_ylabel(_METRIC_LABEL[metric])
        ax.grid(True, which="both", alpha=0.25)
    handles = [Line2D([], [], color=c, lw=2, label=f"k = {k}") for k, c in colours.items()]
    handles += [Line2D([], [], color="grey", ls="-", label="exact"),
                Line2D([], [], color="grey", marker="o", mfc="white", ls="", label="Monte Carlo ± 2 SE"),
                Line2D([], [], color="grey", ls="--", label="bound (Diaconis–Freedman / Pinelis)"),
                Line2D([], [], color="grey", ls=":", label="asymptote $c/d$, $c/d^2$")]
    axes[0][-1].legend(handles=handles, fontsize=7, loc="upper right")
    fig.suptitle(title or r"Maxwell–Poincaré: law of $\sqrt{d}\,(U_1..U_k)$ vs $N(0, I_k)$")
    fig.tight_layout()
    return fig


def plot_loglog_series(table: Sequence[Mapping], *, x: str, y: str, series: str, xlabel: str, ylabel: str,
                       title: str, err: str | None = None, reference: Mapping[str, Sequence] | None = None):
    """One log–log panel: a line (or points with ±2·``err`` bars) per value of ``series``.

    ``reference`` maps a label to ``(x_values, y_values)`` drawn as a dashed black line.
    """
    fig = Figure(figsize=(5.6, 4.3))
    ax = fig.subplots()
    labels = list(dict.fromkeys(r[series] for r in table))
    colours = series_colours(len(labels))
    for label, colour in zip(labels, colours):
        rows = sorted(rows_matching(table, **{series: label}), key=lambda r: r[x])
        xs, ys = np.array([r[x] for r in rows], float), np.array([r[y] for r in rows], float)
        if err is None:
            ax.loglog(xs, ys, "-o", ms=3, color=colour, label=str(label))
        else:
            ax.errorbar(xs, ys, yerr=2 * np.array([r[err] for r in rows], float), fmt="o", ms=4, capsize=2,
                        color=colour, label=f"{label} (±2 SE)")
            ax.set_xscale("log")
            ax.set_yscale("log")
    for name, (xs, ys) in (reference or {}).items():
        ax.loglog(xs, ys, "k--", lw=1, label=name)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.25)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
