"""Figures of the regularized route: Theorem 1's threshold and the regularizer sweep on free particles.

Each function takes tidy tables and returns a Figure; none recomputes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matplotlib.figure import Figure
import numpy as np

from infonce_gauss.theory.infonce import PAPER_ALPHA

__all__ = ["plot_regularized", "plot_encoder_sweep"]


def plot_regularized(critical: Sequence[Mapping], particles: Sequence[Mapping]):
    """Left: β₀ and the critical β vs d (log–log; zero critical values drawn at the bottom edge). Middle and
    right: the sweep's radial KS distance to the chi law and projection KS distance to N(0, 1/(2λ)) vs c = β/β₀."""
    fig = Figure(figsize=(17, 5), layout="constrained")
    axes = fig.subplots(1, 3)
    ax = axes[0]
    floor = 0.3 * min([r["beta_critical"] for r in critical if r["beta_critical"] > 0] + [r["beta0"] for r in critical])
    for eta2 in sorted({r["eta2"] for r in critical}):
        sel = sorted((r for r in critical if r["eta2"] == eta2), key=lambda r: r["d"])
        d = np.array([r["d"] for r in sel], float)
        ax.plot(d, [r["beta0"] for r in sel], "-", label=f"β₀ = 2α(1−η₂)/(d−1), η₂={eta2}")
        crit = np.array([r["beta_critical"] for r in sel])
        ax.plot(d[crit > 0], crit[crit > 0], "o--", label=f"critical β (vMF), η₂={eta2}")
        if np.any(crit == 0):
            ax.plot(d[crit == 0], np.full(np.sum(crit == 0), floor), "x", label=f"critical β = 0 (drawn at the floor), η₂={eta2}")
    ax.set(xscale="log", yscale="log", xlabel="dimension d", ylabel="β (regularizer weight)", title=f"Theorem 1 threshold vs vMF critical β (α={PAPER_ALPHA:g})")
    ax.legend(fontsize=8)
    for ax, key, label in ((axes[1], "ks_radius_chi", "KS(radii, χ_d/√(2λ))"),
                           (axes[2], "ks_last_coordinate_gamma", "KS(z_d, N(0, 1/(2λ)))")):
        for d in sorted({r["d"] for r in particles}):
            sel = sorted((r for r in particles if r["d"] == d), key=lambda r: r["c"])
            ax.plot([r["c"] for r in sel], [r[key] for r in sel], "o-", label=f"d={d}")
        if particles:
            n = particles[0]["n"]
            ax.axhline(1.36 / np.sqrt(n), color="gray", ls=":", label=f"5% KS critical value, n={n}")
        ax.set(xlabel="c = β/β₀", ylabel=label, title=f"free particles with the regularizer: {label}")
        ax.legend(fontsize=8)
    return fig


def plot_encoder_sweep(arms: Mapping, *, title: str):
    """Seed means ± seed-level SE per arm ((d, encoder, instrument, c) -> summaries, as the REG-ENCODER claims
    build them) of the scale-free distances to N(0, (2λ)⁻¹I) and of the scale: RMS-normalized radius KS, CV/CV_χ,
    coordinate KS, covariance error and E‖z‖²·2λ/d; the 5% KS critical value, √((d+1)/n) and 1 as dotted references."""
    keys = list(arms)
    labels = [f"{k[1]} {k[2]} c={k[3]:g}" for k in keys]
    first = arms[keys[0]]
    fig = Figure(figsize=(24, 4.5), layout="constrained")
    axes = fig.subplots(1, 5)
    refs = {"ks_radius_sf": first["crit"], "ks_coord_sf": first["crit"], "cv_ratio": 1.0, "scale_ratio": 1.0,
            "cov_sf": float(np.sqrt((first["d"] + 1) / first["n"]))}
    for ax, (key, label) in zip(axes, (("ks_radius_sf", "KS(radii/RMS, χ_d/√d)"), ("cv_ratio", "CV / CV_χ"),
                                       ("ks_coord_sf", "mean KS(coordinate), RMS-normalized"),
                                       ("cov_sf", "covariance error, RMS-normalized"), ("scale_ratio", "E‖z‖²·2λ/d"))):
        ax.errorbar(range(len(keys)), [arms[k][key].mean for k in keys],
                    yerr=[0 if not np.isfinite(arms[k][key].se) else arms[k][key].se for k in keys], fmt="o")
        ax.axhline(refs[key], color="gray", ls=":")
        ax.set_xticks(range(len(keys)), labels, rotation=60, ha="right", fontsize=7)
        ax.set(ylabel=label, title=f"{title}: {label} (d={first['d']}, n={first['n']})")
    return fig
