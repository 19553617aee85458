"""The HGR rate: Assumption 3 in the solvable model, δ(d) = A² − E[u·v] vs d, and Prop 1's slack."""

from __future__ import annotations

import numpy as np

from infonce_gauss.hgr.plots import plot_alignment_rates
from infonce_gauss.arguments import positive_int
from infonce_gauss.options import Option
from infonce_gauss.rates import RateExperiment, RateResult
from infonce_gauss.simulations.hgr import solvable_rate_fits, solvable_rate_table
from infonce_gauss.simulations.rates import fit_window
from infonce_gauss.simulations.sampling import spawn_seeds

__all__ = ["hgr_rates", "RATE"]

DIMS = tuple(sorted({int(round(v)) for v in np.geomspace(2, 1024, 19)}))


def hgr_rates(*, A=(0.3, 0.6, 0.8), dims=DIMS, n=20_000, seeds=2, fit_range=(32, 1024), seed=0, progress=True,
              executor=None) -> RateResult:
    r""":math:`\delta(d)=A^2-E[u\cdot v]` of the identity encoder on the Gaussian channel
    :math:`X=AX_0+\sqrt{1-A^2}\,\varepsilon` (:math:`\eta_2=A^2`) vs d.

    The exact closed form, Monte Carlo points, the :math:`A^2(1-A^4)/(2d)` asymptote, :math:`d\,\delta(d)`,
    and Prop 1's slack :math:`\eta_2+(1-\eta_2)\|m\|^2-E[u\cdot v]` of a random linear encoder.

    Parameters
    ----------
    A : sequence of float
        Mixing coefficients of the channel, in (0, 1).
    dims : sequence of int
        Representation dimensions d.
    n : int
        Monte Carlo positive pairs per (A, d, seed).
    seeds : int
        Number of Monte Carlo replicates (spawned from ``seed``).
    fit_range : (int, int)
        The d range of the slope fits.
    seed, progress, executor
        Run seed, progress bars, and where the sweep runs.
    """
    d_min, d_max = fit_window(fit_range)
    seed_list = spawn_seeds(seed, seeds)
    table = solvable_rate_table(list(A), list(dims), n=n, seeds=seed_list, executor=executor, progress=progress)
    fits = solvable_rate_fits(table, d_min=d_min, d_max=d_max)
    config = {"A": list(A), "dims": list(dims), "n": n, "seed": seed, "seeds": seed_list, "fit_range": list(fit_range)}
    return RateResult("hgr", table, fits, plot_alignment_rates(table), config)


RATE = RateExperiment(
    name="hgr",
    help="Assumption 3 in the solvable model: delta(d) = A^2 - E[u.v] of the identity encoder on the Gaussian "
    "channel vs d (exact closed form, Monte Carlo, the A^2(1-A^4)/(2d) asymptote), d*delta(d), and Prop 1's "
    "slack for a random linear encoder",
    function=hgr_rates,
    options=(
        Option("A", "mixing coefficients A of the Gaussian channel (eta2 = A^2)", float, "+", "A"),
        Option("dims", "representation dimensions d", int, "+", "D"),
        Option("n", "Monte Carlo positive pairs per (A, d, seed)", positive_int),
        Option("seeds", "number of Monte Carlo seeds", positive_int),
        Option("fit_range", "d range of the slope fits", int, 2, ("DMIN", "DMAX")),
    ),
)
