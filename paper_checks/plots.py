"""Figures. Each function takes a tidy table (list of dicts) and returns a matplotlib Figure; none
recomputes anything. Axes carry labels and units; colours follow the series (k, family, ...)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

__all__ = ["plot_sphere_rates", "plot_loglog_series", "plot_polar_terms"]

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


def plot_polar_terms(table: Sequence[Mapping], *, title: str | None = None):
    r"""Terms of the polar KL decomposition against d (table of :func:`simulations.polar.polar_rate_table`).

    Left: the total and angular terms (linear d axis), which approach the limit together; right: the
    radial terms on log–log axes, falling like C/d. Lines: exact; dotted: asymptotes; points with 2-SE
    bars: Monte Carlo means over seeds.
    """
    from matplotlib.lines import Line2D

    terms = list(dict.fromkeys(r["term"] for r in table))
    labels = {r["term"]: r["label"] for r in table}
    colours = dict(zip(terms, plt.cm.viridis(np.linspace(0, 0.85, len(terms)))))
    radial = [t for t in terms if t.startswith("radial")]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.3))
    for ax, group in zip(axes, ([t for t in terms if t not in radial], radial)):
        for term in group:
            colour = colours[term]
            ax.plot(*_sorted_xy(_rows(table, term=term, source="exact")), "-", color=colour, lw=1.8, label=labels[term])
            ax.plot(*_sorted_xy(_rows(table, term=term, source="asymptotic")), ":", color=colour, lw=1.1)
            mc = _rows(table, term=term, source="mc")
            if mc:
                d, mean, err = _mc_points(mc)
                ax.errorbar(d, mean, yerr=2 * err, fmt="o", ms=4, mfc="white", color=colour, capsize=2)
        ax.set_xscale("log")
        ax.set_xlabel("ambient dimension $d$")
        ax.set_ylabel("KL divergence (nats)")
        ax.grid(True, which="both", alpha=0.25)
    axes[1].set_yscale("log")
    axes[0].set_title("total and angular terms")
    axes[1].set_title("radial terms (fall like $C/d$)")
    for ax in axes:
        handles, _ = ax.get_legend_handles_labels()
        handles += [Line2D([], [], color="grey", ls=":", label="asymptote"),
                    Line2D([], [], color="grey", marker="o", mfc="white", ls="", label="Monte Carlo ± 2 SE")]
        ax.legend(handles=handles, fontsize=7)
    fig.suptitle(title or "Polar KL decomposition of $N(0, I + (a-1)e_1e_1^T)$ against $N(0, I)$")
    fig.tight_layout()
    return fig
