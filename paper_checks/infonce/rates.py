"""The InfoNCE rates: the finite-batch bias E L_N − log N − L vs N, and free particles vs d."""

from __future__ import annotations

from matplotlib.figure import Figure

from infonce_gauss.infonce.plots import plot_bias, plot_particles
from infonce_gauss.infonce.settings import BIAS_LAW
from infonce_gauss.arguments import positive_int
from infonce_gauss.options import Option
from infonce_gauss.rates import RateExperiment, RateResult
from infonce_gauss.simulations.infonce import bias_rate_fits, bias_sweep, particle_sweep
from infonce_gauss.simulations.rates import points_needed
from infonce_gauss.simulations.sampling import spawn_seeds
from infonce_gauss.theory.infonce import PAPER_ALPHA

__all__ = ["infonce_rates", "RATE"]


def infonce_rates(*, sizes=(16, 32, 64, 128, 256, 512, 1024), pairs=32768, seeds=2, fit_min=32,
                  dims=(8, 16, 32, 64, 128, 256, 512, 1024), particles=512, steps=400, alignment=0.5, device="auto",
                  seed=0, progress=True, executor=None) -> RateResult:
    r"""InfoNCE's finite-batch bias against N, and free particles trained at a fixed alignment level against d.

    Top: :math:`E L_N-\log N-\mathcal L` by Monte Carlo (law :data:`~infonce_gauss.infonce.settings.BIAS_LAW`)
    with its :math:`c_1/N` prediction and the :math:`N^{-1/2}` spread of :math:`L_N`; slopes fitted for
    :math:`N\ge` ``fit_min``. Bottom: uniformity and fixed projections of ``particles`` points trained
    ``steps`` steps at alignment ``alignment`` (α = 10), for each d.

    Parameters
    ----------
    sizes : sequence of int
        Batch sizes N.
    pairs : int
        Positive pairs per (N, seed) for the bias.
    seeds : int
        Monte Carlo replicates of the bias (spawned from ``seed``).
    fit_min : int
        Smallest N in the slope fit.
    dims, particles, steps, alignment, device
        The particle experiment: dimensions, points, training steps, the fixed E[u·v], torch device.
    seed, progress, executor
        Run seed, progress bars, and where the bias sweep runs (the particles train in-process).
    """
    needed = points_needed(corrections=1)
    if len({int(n) for n in sizes if n >= fit_min}) < needed:  # before the Monte Carlo, not after it
        raise ValueError(f"the bias fit needs >= {needed} batch sizes N >= fit_min = {fit_min}, got "
                         f"{sorted({int(n) for n in sizes if n >= fit_min})}; add sizes or lower --fit-min.")
    seed_list = spawn_seeds(seed, seeds)
    bias = bias_sweep(BIAS_LAW, list(sizes), pairs=pairs, seeds=seed_list, executor=executor, progress=progress)
    fits = bias_rate_fits([r for r in bias if r["n_batch"] >= fit_min], BIAS_LAW)
    trained = particle_sweep(list(dims), n=particles, steps=steps, seed=seed, alpha=PAPER_ALPHA, alignment=alignment,
                             device=device)
    figure = Figure(figsize=(19, 9), layout="constrained")
    top, bottom = figure.subfigures(2, 1)
    plot_bias(bias, bias_constant=BIAS_LAW.bias_constant(), figure=top)
    plot_particles(trained, figure=bottom)
    table = [{"experiment": "bias", **r} for r in bias] + [{"experiment": "particles", **r} for r in trained]
    config = {"law": repr(BIAS_LAW), "sizes": list(sizes), "pairs": pairs, "seed": seed, "seeds": seed_list,
              "fit_min": fit_min, "dims": list(dims), "particles": particles, "steps": steps, "alignment": alignment}
    return RateResult("infonce", table, list(fits.values()), figure, config)


RATE = RateExperiment(
    name="infonce",
    help="InfoNCE: the finite-batch bias E L_N - log N - L vs N (Monte Carlo, the c1/N prediction, the "
    "N^-1/2 spread) and free particles trained at a fixed alignment level vs d (uniformity, fixed projections)",
    function=infonce_rates,
    options=(
        Option("sizes", "batch sizes N", int, "+", "N"),
        Option("pairs", "pairs per (N, seed) for the bias", positive_int),
        Option("seeds", "Monte Carlo seeds", positive_int),
        Option("fit_min", "smallest N in the slope fit", positive_int),
        Option("dims", "ambient dimensions of the particle experiment", int, "+", "D"),
        Option("particles", "particles n", positive_int),
        Option("steps", "training steps per particle run", positive_int),
        Option("alignment", "fixed alignment level E[u·v]", float),
        Option("device", "torch device for the particles: auto, cpu, cuda", str),
    ),
)
