"""Figures. Each function takes a tidy table (list of dicts) and returns a matplotlib Figure; none
recomputes anything. Axes carry labels and units; colours follow the series (k, family, ...)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

__all__ = ["plot_sphere_rates", "plot_loglog_series", "plot_alignment_rates"]

_METRIC_LABEL = {
    "tv": "total variation $d_{TV}$",
    "kl": "KL divergence (nats)",
    "kolmogorov": "Kolmogorov distance",
}


def _rows(table, **match) -> list[Mapping]:
    return [r for r in table if all(r.get(k) == v for k, v in match.items())]


def _sorted_xy(rows, x="d", y="value"):
    rows = sorted(rows, key=lambda r: r[x])
    return np.array([r[x] for r in rows], float), np.array([r[y] for r in rows], float)


def _mc_points(rows):
    """Per-d mean of Monte Carlo values over seeds, with the standard error of that mean."""
    ds = sorted({r["d"] for r in rows})
    mean, err = [], []
    for d in ds:
        vals = np.array([r["value"] for r in rows if r["d"] == d])
        ses = np.array([r["se"] for r in rows if r["d"] == d])
        mean.append(vals.mean())
        err.append(np.sqrt(np.sum(ses**2)) / vals.size)
    return np.array(ds, float), np.array(mean), np.array(err)


def plot_sphere_rates(table: Sequence[Mapping], *, title: str | None = None):
    r"""Distances of :math:`\sqrt d U_{1..k}` to :math:`N(0,I_k)` against d, one panel per metric.

    Lines: exact values; points with 2-SE bars: Monte Carlo; dashed: bound (Diaconis–Freedman,
    Pinelis); dotted: the asymptote :math:`c/d` or :math:`c/d^2`.
    """
    from matplotlib.lines import Line2D

    metrics = [m for m in ("tv", "kl", "kolmogorov") if _rows(table, metric=m)]
    ks = sorted({r["k"] for r in table})
    colours = dict(zip(ks, plt.cm.viridis(np.linspace(0, 0.85, len(ks)))))
    fig, axes = plt.subplots(1, len(metrics), figsize=(5.2 * len(metrics), 4.3), squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        for k, colour in colours.items():
            exact = _rows(table, metric=metric, k=k, source="exact")
            if not exact:
                continue
            ax.loglog(*_sorted_xy(exact), "-", color=colour, lw=1.8)
            mc = [r for r in _rows(table, metric=metric, k=k, source="mc") if r["value"] > 0]
            if mc:
                d, mean, err = _mc_points(mc)
                ok = mean > 2 * err
                ax.errorbar(d[ok], mean[ok], yerr=2 * err[ok], fmt="o", ms=4, mfc="white", color=colour, capsize=2)
            for source, style in (("bound", "--"), ("asymptotic", ":")):
                rows = _rows(table, metric=metric, k=k, source=source)
                if rows:
                    ax.loglog(*_sorted_xy(rows), style, color=colour, lw=1.1)
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
    fig, ax = plt.subplots(figsize=(5.6, 4.3))
    labels = list(dict.fromkeys(r[series] for r in table))
    colours = plt.cm.viridis(np.linspace(0, 0.85, len(labels)))
    for label, colour in zip(labels, colours):
        rows = sorted(_rows(table, **{series: label}), key=lambda r: r[x])
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


def plot_alignment_rates(table: Sequence[Mapping], *, title: str | None = None):
    r"""The solvable model against d (table of :func:`simulations.hgr.solvable_rate_table`), three panels.

    Left: :math:`\delta(d)=A^2-E[u\cdot v]`, exact (lines), Monte Carlo (points, ±2 SE) and the asymptote
    :math:`A^2(1-A^4)/(2d)` (dotted). Middle: :math:`d\,\delta(d)` against its limit (dotted), which shows
    the approach from above when :math:`A^2>1/3`. Right: Prop 1's slack for a random linear encoder
    (Monte Carlo) beside the identity encoder's (exact δ).
    """
    As = sorted({r["A"] for r in table})
    colours = dict(zip(As, plt.cm.viridis(np.linspace(0, 0.85, len(As)))))
    fig, axes = plt.subplots(1, 3, figsize=(15.6, 4.3))
    for A, colour in colours.items():
        exact = _rows(table, A=A, quantity="delta", source="exact")
        d, delta = _sorted_xy(exact)
        asym = _sorted_xy(_rows(table, A=A, quantity="delta", source="asymptotic"))
        axes[0].loglog(d, delta, "-", color=colour, lw=1.8, label=f"A = {A:g}")
        axes[0].loglog(*asym, ":", color=colour, lw=1.1)
        axes[1].semilogx(d, d * delta, "-", color=colour, lw=1.8, label=f"A = {A:g}")
        axes[1].axhline(asym[0][0] * asym[1][0], color=colour, ls=":", lw=1.1)
        axes[2].loglog(d, delta, "-", color=colour, lw=1.2, alpha=0.6)
        for ax, quantity in ((axes[0], "delta"), (axes[2], "slack_random_linear")):
            mc = [r for r in _rows(table, A=A, quantity=quantity, source="mc") if r["value"] > 0]
            if mc:
                dm, mean, err = _mc_points(mc)
                ok = mean > 2 * err
                ax.errorbar(dm[ok], mean[ok], yerr=2 * err[ok], fmt="o" if quantity == "delta" else "s",
                            ms=4, mfc="white", color=colour, capsize=2)
    labels = ((r"$\delta(d)=A^2-E[u\cdot v]$ (identity encoder)", "exact (lines), Monte Carlo ±2 SE, $A^2(1-A^4)/(2d)$ dotted"),
              (r"$d\,\delta(d)$", "limit $A^2(1-A^4)/2$ dotted"),
              (r"Prop 1 slack $\eta_2+(1-\eta_2)\|m\|^2-E[u\cdot v]$", "squares: random linear $\\mathbb{R}^{2d}\\to\\mathbb{R}^d$; lines: identity"))
    for ax, (ylabel, subtitle) in zip(axes, labels):
        ax.set_xlabel("representation dimension $d$")
        ax.set_ylabel(ylabel)
        ax.set_title(subtitle, fontsize=8)
        ax.grid(True, which="both", alpha=0.25)
    axes[0].legend(fontsize=8)
    fig.suptitle(title or r"Assumption 3 in the solvable model: Gaussian channel $X=AX_0+\sqrt{1-A^2}\varepsilon$, $\eta_2=A^2$")
    fig.tight_layout()
    return fig
