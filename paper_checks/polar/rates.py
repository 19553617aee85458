"""The polar rate: the terms of Prop 3's KL decomposition vs d for a spiked Gaussian against N(0, I)."""

from __future__ import annotations

import numpy as np

from infonce_gauss.polar.plots import plot_polar_terms
from infonce_gauss.arguments import positive_int
from infonce_gauss.options import Option
from infonce_gauss.rates import RateExperiment, RateResult
from infonce_gauss.simulations.polar import polar_rate_fits, polar_rate_table
from infonce_gauss.simulations.sampling import spawn_seeds

__all__ = ["polar_rates", "RATE"]

DIMS = tuple(sorted({int(round(v)) for v in np.geomspace(4, 1024, 17)}))


def polar_rates(*, spike=4.0, dims=DIMS, mc_dims=(4, 16, 64, 256), n=20_000, seeds=3, fit_min=16, seed=0,
                progress=True, executor=None) -> RateResult:
    r"""Terms of the polar KL decomposition (Prop 3) of :math:`N(0,I+(a-1)e_1e_1^T)` against :math:`N(0,I)`.

    Exact curves by quadrature, Monte Carlo points with standard errors, and asymptotes: the radial
    terms fall like :math:`C/d` while the angular term carries the whole KL.

    Parameters
    ----------
    spike : float
        Variance a of the stretched direction.
    dims : sequence of int
        Ambient dimensions of the exact curves.
    mc_dims : sequence of int
        Dimensions with Monte Carlo points (empty: none).
    n : int
        Monte Carlo draws per (d, seed).
    seeds : int
        Number of Monte Carlo replicates (spawned from ``seed``).
    fit_min : int
        Smallest d in the slope fits.
    seed, progress, executor
        Run seed, progress bars, and where the sweep runs.
    """
    seed_list = spawn_seeds(seed, seeds)
    table = polar_rate_table(list(dims), spike=spike, n=n, seeds=seed_list, mc_dims=list(mc_dims), executor=executor,
                             progress=progress)
    fits = polar_rate_fits(table, d_min=fit_min)
    config = {"spike": spike, "dims": list(dims), "mc_dims": list(mc_dims), "n": n, "seed": seed, "seeds": seed_list,
              "fit_min": fit_min, "reference": "N(0, I) (2 lambda = 1)"}
    return RateResult("polar", table, fits, plot_polar_terms(table), config)


RATE = RateExperiment(
    name="polar",
    help="terms of the polar KL decomposition (Prop 3) vs d for the spiked Gaussian N(0, I + (a-1)e1e1ᵀ) "
    "against N(0, I): exact curves, Monte Carlo points with error bars, asymptotes; the radial terms "
    "fall like C/d while the angular term carries the whole KL",
    function=polar_rates,
    options=(
        Option("spike", "variance a of the stretched direction", float),
        Option("dims", "ambient dimensions d", int, "+", "D"),
        Option("mc_dims", "dimensions with Monte Carlo points (none to skip)", int, "*", "D"),
        Option("n", "Monte Carlo draws per (d, seed)", positive_int),
        Option("seeds", "number of Monte Carlo seeds", positive_int),
        Option("fit_min", "smallest d in the slope fits", positive_int),
    ),
)
