"""Figures of the HGR result: Assumption 3 in the solvable model and Prop 1's slack vs d.

Each function takes a tidy table and returns a Figure; none recomputes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matplotlib.figure import Figure

from infonce_gauss.plotting import mean_over_seeds, rows_matching, series_colours, sorted_xy

__all__ = ["plot_alignment_rates"]


def plot_alignment_rates(table: Sequence[Mapping], *, title: str | None = None):
    r"""The solvable model against d (table of :func:`infonce_gauss.simulations.hgr.solvable_rate_table`), three panels.

    Left: :math:`\delta(d)=A^2-E[u\cdot v]`, exact (lines), Monte Carlo (points, ±2 SE) and the asymptote
    :math:`A^2(1-A^4)/(2d)` (dotted). Middle: :math:`d\,\delta(d)` against its limit (dotted), which shows
    the approach from above when :math:`A^2>1/3`. Right: Prop 1's slack for a random linear encoder
    (Monte Carlo) beside the identity encoder's (exact δ).
    """
    As = sorted({r["A"] for r in table})
    colours = dict(zip(As, series_colours(len(As))))
    fig = Figure(figsize=(15.6, 4.3))
    axes = fig.subplots(1, 3)
    for A, colour in colours.items():
        exact = rows_matching(table, A=A, quantity="delta", source="exact")
        d, delta = sorted_xy(exact)
        asym = sorted_xy(rows_matching(table, A=A, quantity="delta", source="asymptotic"))
        axes[0].loglog(d, delta, "-", color=colour, lw=1.8, label=f"A = {A:g}")
        axes[0].loglog(*asym, ":", color=colour, lw=1.1)
        axes[1].semilogx(d, d * delta, "-", color=colour, lw=1.8, label=f"A = {A:g}")
        axes[1].axhline(asym[0][0] * asym[1][0], color=colour, ls=":", lw=1.1)
        axes[2].loglog(d, delta, "-", color=colour, lw=1.2, alpha=0.6)
        for ax, quantity in ((axes[0], "delta"), (axes[2], "slack_random_linear")):
            mc = [r for r in rows_matching(table, A=A, quantity=quantity, source="mc") if r["value"] > 0]
            if mc:
                dm, mean, err = mean_over_seeds(mc)
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
