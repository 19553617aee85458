r"""Monte Carlo counterparts of :mod:`infonce_gauss.theory.sphere`: distances, moments and Prop 2 projections.

The distance estimators are importance-sampling identities on draws :math:`X=\|s\|^2` of the exact
projected law with the exact log density ratio :math:`\ell=\log f_{d,k}/\varphi_k`:

* :math:`TV=E_P[(1-e^{-\ell})_+]`,
* :math:`KL=E_P[\ell+e^{-\ell}-1]+Q(\|s\|^2\ge d)` (the control variate :math:`E_Pe^{-\ell}=Q(\|s\|^2<d)`
  keeps the relative error O(n^{-1/2}) though KL is O(d^{-2})),
* Kolmogorov (k = 1): :math:`P(|s|\le t)-Q(|s|\le t)=E_P[1\{X\le t^2\}(1-e^{-\ell})]` at the crossings.

Their agreement with the quadratures checks the sampler against the formula; each carries its n,
seed and standard error.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from infonce_gauss.simulations.estimates import Estimate, mean_estimate
from infonce_gauss.simulations.rates import column, fit_rate, points_needed, sweep
from infonce_gauss.simulations.sampling import projected_sphere, sample_scaled_radius
from infonce_gauss.theory.sphere import (
    asymptotic_constants,
    density_crossings,
    diaconis_freedman_bound,
    kl_to_gaussian,
    kolmogorov_to_gaussian,
    log_density_ratio,
    pinelis_kolmogorov_bound,
    tv_to_gaussian,
)
from infonce_gauss.theory.validation import dimension_and_k, integer

__all__ = [
    "mc_distances",
    "kurtosis_estimate",
    "mc_projected_moments",
    "mc_radial_projection_kurtosis",
    "sphere_rate_table",
    "sphere_rate_fits",
]


def mc_distances(d, k=1, *, n, seed) -> dict[str, Estimate]:
    """Monte Carlo TV, KL (and, for k = 1, Kolmogorov) distances of :math:`\\sqrt d U_{1..k}` to N(0, I_k)."""
    d, k = dimension_and_k(d, k)
    n = integer(n, "n (number of samples)", minimum=2)
    s = projected_sphere(n, d, k, rng=seed)
    x = s * s if k == 1 else np.einsum("ij,ij->i", s, s)
    ell = log_density_ratio(x, d, k)
    deficit = -np.expm1(-ell)  # 1 - q/p
    out = {
        "tv": mean_estimate(np.maximum(deficit, 0.0), seed=seed),
        "kl": _shift(mean_estimate(ell - deficit, seed=seed), stats.chi2.sf(d, k)),
    }
    if k == 1:
        sides = [mean_estimate(np.where(x <= rho**2, deficit, 0.0), seed=seed) for rho in density_crossings(d, 1)]
        worst = max(sides, key=lambda e: abs(e.value))
        out["kolmogorov"] = Estimate(0.5 * abs(worst.value), 0.5 * worst.se, n, seed)
    return out


def _shift(estimate: Estimate, offset: float) -> Estimate:
    return Estimate(float(estimate.value + offset), estimate.se, estimate.n, estimate.seed)


def kurtosis_estimate(x, *, seed=None) -> Estimate:
    r"""Kurtosis :math:`m_4/m_2^2` of a symmetric (mean-zero) sample with its delta-method standard error.

    Influence function :math:`(x^4-m_4)/m_2^2-2m_4(x^2-m_2)/m_2^3`; the standard error is its standard
    deviation over :math:`\sqrt n`.
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    if x.size < 8:
        raise ValueError(f"a kurtosis estimate needs at least 8 draws, got {x.size}.")
    x2 = x * x
    m2, m4 = x2.mean(), (x2 * x2).mean()
    influence = (x2 * x2 - m4) / m2**2 - 2 * m4 * (x2 - m2) / m2**3
    return Estimate(float(m4 / m2**2), float(influence.std(ddof=1) / np.sqrt(x.size)), int(x.size), seed)


def mc_projected_moments(d, *, n, seed) -> dict[str, Estimate]:
    """Variance and kurtosis of :math:`\\sqrt d U_1` (exactly 1 and :math:`3d/(d+2)`)."""
    s = projected_sphere(n, d, 1, rng=seed)
    return {"variance": mean_estimate(s * s, seed=seed), "kurtosis": kurtosis_estimate(s, seed=seed)}


def mc_radial_projection_kurtosis(family, d, *, n, seed) -> Estimate:
    r"""Kurtosis of :math:`(\sqrt d/r_0(d))z_1` for :math:`z=rU`, r from a radial family (Prop 2, A12)."""
    rng = np.random.default_rng(seed)
    w = sample_scaled_radius(family, d, n, rng=rng)
    return kurtosis_estimate(w * projected_sphere(n, d, 1, rng=rng), seed=seed)


# --------------------------------------------------------------------------------------------
# The rate sweep of the spherical CLT: exact curves, Monte Carlo points, bounds, asymptotes
# --------------------------------------------------------------------------------------------
_PREDICTED_SLOPE = {"tv": -1.0, "kl": -2.0, "kolmogorov": -1.0}


def _exact_measure(d, k):
    row = {"tv": tv_to_gaussian(d, k), "kl": kl_to_gaussian(d, k)}
    if k == 1:
        row["kolmogorov"] = kolmogorov_to_gaussian(d)
    return row


def _mc_measure(d, k, n, seed):
    return {f"{metric}{part}": value for metric, est in mc_distances(d, k, n=n, seed=seed).items()
            for part, value in (("", est.value), ("_se", est.se))}


def sphere_rate_table(ks, dims, *, n, seeds, executor=None, progress=True) -> list[dict]:
    r"""Long tidy table of TV, KL and Kolmogorov distances of :math:`\sqrt d U_{1..k}` to N(0, I_k).

    One row per (k, d, metric, source[, seed]) with ``source`` one of ``exact`` (quadrature / closed
    form), ``mc`` (``n`` draws per seed, with ``se``), ``bound`` (Diaconis–Freedman for TV where
    k <= d - 4; Pinelis for Kolmogorov, d >= 5) and ``asymptotic`` (:math:`c_{TV}/d`, :math:`c_{KL}/d^2`, :math:`c_K/d`).
    """
    ks = [integer(k, "k", minimum=1) for k in ks]
    dims = sorted({integer(d, "d", minimum=2) for d in dims})
    grid = [{"d": d, "k": k} for k in ks for d in dims if k < d]
    if not grid:
        raise ValueError(f"no (k, d) pair with k < d in k={ks}, dims={dims}.")
    rows = []
    for row in sweep(_exact_measure, grid, executor=executor, progress=progress, desc="exact distances"):
        d, k = row["d"], row["k"]
        consts = asymptotic_constants(k)
        rows += [{"k": k, "d": d, "metric": m, "source": "exact", "value": row[m]} for m in ("tv", "kl", "kolmogorov") if m in row]
        rows.append({"k": k, "d": d, "metric": "tv", "source": "asymptotic", "value": consts.tv_value / d})
        rows.append({"k": k, "d": d, "metric": "kl", "source": "asymptotic", "value": consts.kl_value / d**2})
        if k == 1:
            rows.append({"k": k, "d": d, "metric": "kolmogorov", "source": "asymptotic", "value": consts.kolmogorov_value / d})
        if k <= d - 4:
            rows.append({"k": k, "d": d, "metric": "tv", "source": "bound", "value": diaconis_freedman_bound(d, k)})
        if k == 1 and d >= 5:
            rows.append({"k": k, "d": d, "metric": "kolmogorov", "source": "bound", "value": pinelis_kolmogorov_bound(d)})
    mc_grid = [{**g, "n": integer(n, "n", minimum=2)} for g in grid]
    for row in sweep(_mc_measure, mc_grid, seeds=list(seeds), executor=executor, progress=progress, desc="Monte Carlo"):
        for m in ("tv", "kl", "kolmogorov"):
            if m in row:
                rows.append({"k": row["k"], "d": row["d"], "metric": m, "source": "mc", "value": row[m],
                             "se": row[f"{m}_se"], "seed": row["seed"], "n": row["n"]})
    return rows


def sphere_rate_fits(table, *, d_min=32, d_max=None, confidence_level=0.95) -> list[dict]:
    r"""Fit the log–log slope of every (k, metric) series of :func:`sphere_rate_table` with d in [d_min, d_max].

    The model is :math:`\log y=\log C+s\log d+b/d` (the distances have a next-order 1/d term that a
    bare power law would fold into a biased slope). Exact series add the truncation error of that
    expansion to the interval (:func:`~infonce_gauss.simulations.rates.fit_rate` with ``exact=True``); Monte Carlo
    series are fitted by weighted least squares on their standard errors, dropping estimates within
    2 standard errors of 0. The predicted slopes are
    -1 (TV, Kolmogorov) and -2 (KL); the predicted constants :math:`c_{TV}`, :math:`c_{KL}`, :math:`c_K`.
    """
    fits = []
    keys = sorted({(r["k"], r["metric"], r["source"]) for r in table if r["source"] in ("exact", "mc")})
    for k, metric, source in keys:
        series = [r for r in table if (r["k"], r["metric"], r["source"]) == (k, metric, source)
                  and r["d"] >= d_min and (d_max is None or r["d"] <= d_max)]
        if source == "mc":
            series = [r for r in series if r["value"] > 2 * r["se"]]
        if len({r["d"] for r in series}) < points_needed(corrections=1, exact=source == "exact"):
            continue
        consts = asymptotic_constants(k)
        predicted_constant = {"tv": consts.tv_value, "kl": consts.kl_value, "kolmogorov": consts.kolmogorov_value}[metric]
        fit = fit_rate(
            column(series, "d"), column(series, "value"),
            se=column(series, "se") if source == "mc" else None,
            exact=source == "exact", corrections=1, confidence_level=confidence_level,
            predicted_slope=_PREDICTED_SLOPE[metric], predicted_constant=predicted_constant,
        )
        fits.append({"k": k, "metric": metric, "source": source, **fit.to_dict(),
                     "slope_covers_prediction": fit.slope_covers_prediction})
    return fits
