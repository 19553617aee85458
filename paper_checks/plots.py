"""Figures. Each function takes a tidy table (list of dicts) and returns a matplotlib Figure; none
recomputes anything. Axes carry labels and units; colours follow the series (k, family, ...)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

__all__ = ["plot_sphere_rates", "plot_loglog_series", "plot_norm_histogram", "plot_qq", "plot_pass_rates", "plot_spectrum",
           "plot_alignment_rates", "plot_polar_terms", "plot_training_sweep", "plot_training_curves"]

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


def plot_norm_histogram(table: Sequence[Mapping]):
    r"""Histogram of embedding norms (rows: ``left``, ``right``, ``density``, ``chi_density``, ``mean_norm``)
    with the scaled chi law of an isotropic Gaussian with the same :math:`E\|z\|^2` and the sphere's
    single radius (the mean norm)."""
    left = np.array([r["left"] for r in table])
    right = np.array([r["right"] for r in table])
    fig, ax = plt.subplots(figsize=(5.6, 4.0))
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
    fig, axes = plt.subplots(rows, cols, figsize=(3.4 * cols, 3.2 * rows), squeeze=False)
    for ax, name in zip(axes.flat, series):
        part = _rows(table, series=name)
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
    """Observed per-coordinate pass fractions (rows: ``variant``, ``test``, ``observed``, ``gaussian_low``,
    ``gaussian_high``, ``sphere_low``, ``sphere_high``) against the 95% bands of the two null laws."""
    fig, ax = plt.subplots(figsize=(6.0, 3.8))
    labels = [f"{r['variant']}\n{r['test']}" for r in table]
    x = np.arange(len(table))
    for offset, law, colour in ((-0.15, "gaussian", "C0"), (0.15, "sphere", "C3")):
        lo = np.array([r[f"{law}_low"] for r in table])
        hi = np.array([r[f"{law}_high"] for r in table])
        ax.bar(x + offset, 100 * (hi - lo), bottom=100 * lo, width=0.28, color=colour, alpha=0.35,
               label=f"95% band, {law} null")
    ax.plot(x, [100 * r["observed"] for r in table], "kD", ms=6, label="observed")
    ax.set_xticks(x, labels, fontsize=8)
    ax.set_ylabel("coordinates passing (%)")
    ax.set_title("Per-coordinate pass rates (AD < 0.752, DP p > 0.05)")
    ax.grid(True, axis="y", alpha=0.25)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def plot_spectrum(table: Sequence[Mapping]):
    """Eigenvalues scaled so that an isotropic law gives 1 (rows: ``source``, ``rank``, ``eigenvalue``); values
    below 1e-4 are counted in the legend instead of stretching the axis."""
    floor = 1e-4  # a null space (e.g. the hyperplane of a final LayerNorm) is counted, not drawn
    fig, ax = plt.subplots(figsize=(5.6, 4.0))
    for i, source in enumerate(dict.fromkeys(r["source"] for r in table)):
        xs, ys = _sorted_xy(_rows(table, source=source), x="rank", y="eigenvalue")
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


def plot_training_sweep(table: Sequence[Mapping]):
    """Fig. 3/2 from the final rows of a d × N training sweep: CV of the norms (±2 SE) and positive
    alignment and uniformity d·E[(u·u')²] against the batch size N, one line per d."""
    dims = sorted({r["d"] for r in table})
    colours = dict(zip(dims, plt.cm.viridis(np.linspace(0, 0.85, len(dims)))))
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2))
    for d, colour in colours.items():
        rows = sorted(_rows(table, d=d), key=lambda r: r["N"])
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
    """Diagnostics against the epoch, one line per run: CV, mean A² (with the 0.752 threshold), % of
    coordinates passing DP, and alignment next to Prop 1's bound (dashed) where η₂ is known."""
    runs = list(dict.fromkeys(r["run"] for r in table))
    colours = dict(zip(runs, plt.cm.viridis(np.linspace(0, 0.85, len(runs)))))
    fig, axes = plt.subplots(1, 4, figsize=(17, 4.0))
    for run, colour in colours.items():
        rows = sorted(_rows(table, run=run), key=lambda r: r["epoch"])
        epoch = [r["epoch"] for r in rows]
        axes[0].plot(epoch, [r["cv"] for r in rows], "-o", ms=3, color=colour, label=str(run))
        axes[1].plot(epoch, [r["ad_avg"] for r in rows], "-o", ms=3, color=colour)
        axes[2].plot(epoch, [r["dp_pass_pct"] for r in rows], "-o", ms=3, color=colour)
        axes[3].plot(epoch, [r["alignment"] for r in rows], "-o", ms=3, color=colour)
        bound = [r.get("align_bound") for r in rows]
        if all(b not in (None, "") for b in bound):
            axes[3].plot(epoch, bound, "--", color=colour, lw=1)
    axes[1].axhline(0.752, color="k", ls="--", lw=1)
    axes[2].axhline(95, color="k", ls=":", lw=1)
    for ax, label in zip(axes, ("CV of $\\|z\\|$", "mean Anderson–Darling $A^2$", "% coordinates with DP $p>0.05$",
                                "alignment $E[u\\cdot v]$ (dashed: $\\eta_2+(1-\\eta_2)\\|m\\|^2$)")):
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.grid(True, alpha=0.25)
    axes[0].legend(fontsize=7)
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
