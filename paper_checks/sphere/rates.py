"""The Maxwell–Poincaré rate: TV, KL and Kolmogorov distance of √d·(U_1..U_k) to N(0, I_k) vs d."""

from __future__ import annotations

import numpy as np

from infonce_gauss.arguments import positive_int
from infonce_gauss.options import Option
from infonce_gauss.rates import RateExperiment, RateResult
from infonce_gauss.simulations.rates import fit_window
from infonce_gauss.simulations.sampling import spawn_seeds
from infonce_gauss.simulations.sphere import sphere_rate_fits, sphere_rate_table
from infonce_gauss.sphere.plots import plot_sphere_rates

__all__ = ["sphere_rates", "RATE"]

DIMS = tuple(sorted({int(round(v)) for v in np.geomspace(8, 4096, 28)}))


def sphere_rates(*, k=(1, 2, 3), dims=DIMS, n=100_000, seeds=3, fit_range=(32, 1024), seed=0, progress=True,
                 executor=None) -> RateResult:
    r"""Distances of :math:`\sqrt d\,(U_1,\dots,U_k)`, :math:`U` uniform on :math:`S^{d-1}`, to :math:`N(0,I_k)`.

    Exact TV, KL and Kolmogorov distances by quadrature, Monte Carlo points with standard errors, the
    Diaconis–Freedman and Pinelis bounds, and the :math:`c/d` (TV, Kolmogorov) and :math:`c/d^2` (KL)
    asymptotes; log–log slopes fitted on ``fit_range``.

    Parameters
    ----------
    k : sequence of int
        Projection sizes.
    dims : sequence of int
        Ambient dimensions d.
    n : int
        Monte Carlo draws per (k, d, seed).
    seeds : int
        Number of Monte Carlo replicates (seeds spawned from ``seed``).
    fit_range : (int, int)
        The d range of the slope fits.
    seed, progress, executor
        Run seed, progress bars, and where the sweep runs (any ``concurrent.futures.Executor``).
    """
    d_min, d_max = fit_window(fit_range)
    seed_list = spawn_seeds(seed, seeds)
    table = sphere_rate_table(list(k), list(dims), n=n, seeds=seed_list, executor=executor, progress=progress)
    fits = sphere_rate_fits(table, d_min=d_min, d_max=d_max)
    config = {"k": list(k), "dims": list(dims), "n": n, "seed": seed, "seeds": seed_list, "fit_range": list(fit_range)}
    return RateResult("sphere", table, fits, plot_sphere_rates(table), config)


RATE = RateExperiment(
    name="sphere",
    help="TV, KL and Kolmogorov distance of sqrt(d)·(U_1..U_k) to N(0, I_k) vs d: exact curves, Monte Carlo "
    "points with error bars, the Diaconis–Freedman and Pinelis bounds, and the c/d asymptotes",
    function=sphere_rates,
    options=(
        Option("k", "projection sizes k", int, "+", "K"),
        Option("dims", "ambient dimensions d", int, "+", "D"),
        Option("n", "Monte Carlo draws per (k, d, seed)", positive_int),
        Option("seeds", "number of Monte Carlo seeds", positive_int),
        Option("fit_range", "d range of the slope fits", int, 2, ("DMIN", "DMAX")),
    ),
)
