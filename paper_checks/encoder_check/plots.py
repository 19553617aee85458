"""Figures of the check battery: norms, QQ plots, per-coordinate pass rates, spectrum.

Each function takes a tidy table and returns a Figure; none recomputes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matplotlib.figure import Figure
import numpy as np

from infonce_gauss.plotting import rows_matching, sorted_xy
from infonce_gauss.simulations.univariate import AD_THRESHOLD, DP_LEVEL

__all__ = ["plot_norm_histogram", "plot_qq", "plot_pass_rates", "plot_spectrum"]


def plot_norm_histogram(table: Sequence[Mapping]):
    r"""Histogram of embedding norms (rows: ``left``, ``right``, ``density``, ``chi_density``, ``mean_norm``)
    with the scaled chi law of an isotropic Gaussian with the same :math:`E\|z\|^2` and the sphere's
    single radius (the mean norm)."""
    left = np.array([r["left"] for r in table])
    right = np.array([r["right"] for r in table])
    fig = Figure(figsize=(5.6, 4.0))
    ax = fig.subplots()
    ax.bar(left, [r["density"] for r in table], width=right - left, align="edge", color="0.75", edgecolor="0.5",
           lw=0.4, label="embeddings")
    ax.plot((left + right) / 2, [r["chi_density"] for r in table], "C0-", lw=1.6,
            label=r"Gaussian $N(0,s^2I_d)$, same $E\|z\|^2$ (scaled $\chi_d$)")
    ax.axvline(table[0]["mean_norm"], color="C3", ls="--", lw=1.2, label="sphere: one radius (mean norm)")
    ax.set_xlabel(r"norm $\|z\|$ (embedding units)")
    ax.set_ylabel("density")
    ax.set_title("Thin shell: distribution of norms")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def plot_qq(table: Sequence[Mapping]):
    """QQ plots, one panel per ``series`` (rows: ``series``, ``normal``, ``sample``, ``sphere``): standardized
    sample quantiles against N(0,1) quantiles, with the identity and the uniform-sphere coordinate law."""
    series = list(dict.fromkeys(r["series"] for r in table))
    cols = min(3, len(series))
    rows = -(-len(series) // cols)
    fig = Figure(figsize=(3.4 * cols, 3.2 * rows))
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax, name in zip(axes.flat, series):
        part = rows_matching(table, series=name)
        x = np.array([r["normal"] for r in part])
        ax.plot(x, [r["sample"] for r in part], "o", ms=2.5, color="C0", label="sample")
        ax.plot(x, x, "k-", lw=0.8, label="Gaussian")
        ax.plot(x, [r["sphere"] for r in part], "C3--", lw=0.9, label="uniform sphere, same d")
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("N(0,1) quantile")
        ax.set_ylabel("standardized sample quantile")
        ax.grid(True, alpha=0.25)
    for ax in list(axes.flat)[len(series):]:
        ax.axis("off")
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    return fig


def plot_pass_rates(table: Sequence[Mapping]):
    """Observed per-coordinate pass fractions (rows: ``variant``, ``test``, ``observed``, ``calibrated_low``,
    ``calibrated_high``, ``gaussian_low``, ``gaussian_high``, ``sphere_low``, ``sphere_high``) against the band under
    the measured dependence (it decides) and the bands of d independent coordinates of the two null laws."""
    fig = Figure(figsize=(6.0, 3.8))
    ax = fig.subplots()
    labels = [f"{r['variant']}\n{r['test']}" for r in table]
    x = np.arange(len(table))
    for offset, band, colour, text in ((-0.25, "calibrated", "C2", "under the measured dependence (decides)"),
                                       (0.0, "gaussian", "C0", "independent Gaussian"),
                                       (0.25, "sphere", "C3", "independent sphere")):
        lo = np.array([r[f"{band}_low"] for r in table])
        hi = np.array([r[f"{band}_high"] for r in table])
        ax.bar(x + offset, 100 * (hi - lo), bottom=100 * lo, width=0.22, color=colour, alpha=0.35,
               label=f"band, {text}")
    ax.plot(x, [100 * r["observed"] for r in table], "kD", ms=6, label="observed")
    ax.set_xticks(x, labels, fontsize=8)
    ax.set_ylabel("coordinates passing (%)")
    ax.set_title(f"Per-coordinate pass rates (AD < {AD_THRESHOLD:g}, DP p > {DP_LEVEL:g})")
    ax.grid(True, axis="y", alpha=0.25)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def plot_spectrum(table: Sequence[Mapping]):
    """Eigenvalues scaled so that an isotropic law gives 1 (rows: ``source``, ``rank``, ``eigenvalue``); values
    below 1e-4 are counted in the legend instead of stretching the axis."""
    floor = 1e-4  # a null space (e.g. the hyperplane of a final LayerNorm) is counted, not drawn
    fig = Figure(figsize=(5.6, 4.0))
    ax = fig.subplots()
    for i, source in enumerate(dict.fromkeys(r["source"] for r in table)):
        xs, ys = sorted_xy(rows_matching(table, source=source), x="rank", y="eigenvalue")
        keep = ys > floor
        hidden = f", {int((~keep).sum())} below {floor:g}" if (~keep).any() else ""
        ax.loglog(xs[keep], ys[keep], "-", color=f"C{i}", lw=1.5, label=source + hidden)
    ax.axhline(1.0, color="k", ls="--", lw=0.8, label="isotropic")
    ax.set_xlabel("rank")
    ax.set_ylabel(r"eigenvalue $\times\, d/\mathrm{trace}$")
    ax.set_title("Spectrum (isotropy and collapse)")
    ax.grid(True, which="both", alpha=0.25)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig
