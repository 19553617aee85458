"""Figures of the polar KL decomposition (Prop 3): its terms vs d.

Each function takes a tidy table and returns a Figure; none recomputes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matplotlib.figure import Figure

from infonce_gauss.plotting import mean_over_seeds, rows_matching, series_colours, sorted_xy

__all__ = ["plot_polar_terms"]


def plot_polar_terms(table: Sequence[Mapping], *, title: str | None = None):
    r"""Terms of the polar KL decomposition against d (table of :func:`infonce_gauss.simulations.polar.polar_rate_table`).

    Left: the total and angular terms (linear d axis), which approach the limit together; right: the
    radial terms on log–log axes, falling like C/d. Lines: exact; dotted: asymptotes; points with 2-SE
    bars: Monte Carlo means over seeds.
    """
    from matplotlib.lines import Line2D

    terms = list(dict.fromkeys(r["term"] for r in table))
    labels = {r["term"]: r["label"] for r in table}
    colours = dict(zip(terms, series_colours(len(terms))))
    radial = [t for t in terms if t.startswith("radial")]
    fig = Figure(figsize=(11, 4.3))
    axes = fig.subplots(1, 2)
    for ax, group in zip(axes, ([t for t in terms if t not in radial], radial)):
        for term in group:
            colour = colours[term]
            ax.plot(*sorted_xy(rows_matching(table, term=term, source="exact")), "-", color=colour, lw=1.8, label=labels[term])
            ax.plot(*sorted_xy(rows_matching(table, term=term, source="asymptotic")), ":", color=colour, lw=1.1)
            mc = rows_matching(table, term=term, source="mc")
            if mc:
                d, mean, err = mean_over_seeds(mc)
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
