"""Rate experiments behind ``infonce-gauss rates RESULT``: one per theory module.

Each experiment declares its command-line options, computes a tidy table and slope fits through
``simulations``, and hands them to a plot function; :meth:`RateExperiment.run` writes
``table.csv``, ``fits.csv``, ``rates_<name>.png/.pdf`` and ``run.json`` into the output folder.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from infonce_gauss.report import format_value
from infonce_gauss.results import new_run_dir, run_metadata, save_figure, write_csv, write_json

__all__ = ["RateExperiment", "RateOutput", "EXPERIMENTS"]


@dataclass(frozen=True)
class RateOutput:
    table: list[dict]
    fits: list[dict]
    figure: object
    config: dict


@dataclass(frozen=True)
class RateExperiment:
    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    compute: Callable[[argparse.Namespace], RateOutput]

    def run(self, args: argparse.Namespace) -> int:
        out_dir = new_run_dir(f"rates-{self.name}", args.out)
        start = time.perf_counter()
        result = self.compute(args)
        write_csv(out_dir / "table.csv", result.table)
        if result.fits:
            write_csv(out_dir / "fits.csv", result.fits)
        paths = save_figure(result.figure, out_dir / f"rates_{self.name}")
        write_json(out_dir / "run.json", run_metadata(f"rates {self.name}", result.config, seed=args.seed,
                                                      wall_seconds=time.perf_counter() - start))
        for fit in result.fits:
            label = ", ".join(f"{k}={fit[k]}" for k in ("k", "A", "metric", "source", "family", "term") if k in fit)
            print(f"{label}: slope {format_value(fit['slope'])} [{format_value(fit['slope_ci_low'])}, "
                  f"{format_value(fit['slope_ci_high'])}] (predicted {format_value(fit['predicted_slope'])})")
        print(f"wrote {out_dir / 'table.csv'}, {', '.join(str(p) for p in paths)}")
        return 0


def _seeds(args) -> list[int]:
    """The Monte Carlo seeds ``--seed, --seed + 1, ...`` (``--seeds`` of them)."""
    if args.seeds < 1:
        raise ValueError(f"--seeds must be >= 1, got {args.seeds}.")
    return [args.seed + i for i in range(args.seeds)]


def _sphere_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--k", type=int, nargs="+", default=[1, 2, 3], metavar="K",
                   help="projection sizes k (default: 1 2 3)")
    p.add_argument("--dims", type=int, nargs="+", metavar="D",
                   default=sorted({int(round(v)) for v in np.geomspace(8, 4096, 28)}),
                   help="ambient dimensions d (default: 28 values from 8 to 4096, log-spaced)")
    p.add_argument("--n", type=int, default=100_000, help="Monte Carlo draws per (k, d, seed) (default: %(default)s)")
    p.add_argument("--seeds", type=int, default=3, help="number of Monte Carlo seeds (default: %(default)s)")
    p.add_argument("--fit-range", type=int, nargs=2, default=[32, 1024], metavar=("DMIN", "DMAX"),
                   help="d range of the slope fits (default: 32 1024)")


def _sphere_compute(args) -> RateOutput:
    from infonce_gauss.plots import plot_sphere_rates
    from infonce_gauss.simulations.sphere import sphere_rate_fits, sphere_rate_table

    seeds = _seeds(args)
    table = sphere_rate_table(args.k, args.dims, n=args.n, seeds=seeds, progress=not args.no_progress)
    fits = sphere_rate_fits(table, d_min=args.fit_range[0], d_max=args.fit_range[1])
    config = {"k": args.k, "dims": args.dims, "n": args.n, "seeds": seeds, "fit_range": args.fit_range}
    return RateOutput(table=table, fits=fits, figure=plot_sphere_rates(table), config=config)


def _hgr_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--A", type=float, nargs="+", default=[0.3, 0.6, 0.8], metavar="A",
                   help="mixing coefficients A of the Gaussian channel (eta2 = A^2) (default: 0.3 0.6 0.8)")
    p.add_argument("--dims", type=int, nargs="+", metavar="D",
                   default=sorted({int(round(v)) for v in np.geomspace(2, 1024, 19)}),
                   help="representation dimensions d (default: 19 values from 2 to 1024, log-spaced)")
    p.add_argument("--n", type=int, default=20_000, help="Monte Carlo positive pairs per (A, d, seed) (default: %(default)s)")
    p.add_argument("--seeds", type=int, default=2, help="number of Monte Carlo seeds (default: %(default)s)")
    p.add_argument("--fit-range", type=int, nargs=2, default=[32, 1024], metavar=("DMIN", "DMAX"),
                   help="d range of the slope fits (default: 32 1024)")


def _hgr_compute(args) -> RateOutput:
    from infonce_gauss.plots import plot_alignment_rates
    from infonce_gauss.simulations.hgr import solvable_rate_fits, solvable_rate_table

    seeds = _seeds(args)
    table = solvable_rate_table(args.A, args.dims, n=args.n, seeds=seeds, progress=not args.no_progress)
    fits = solvable_rate_fits(table, d_min=args.fit_range[0], d_max=args.fit_range[1])
    config = {"A": args.A, "dims": args.dims, "n": args.n, "seeds": seeds, "fit_range": args.fit_range}
    return RateOutput(table=table, fits=fits, figure=plot_alignment_rates(table), config=config)


def _polar_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--spike", type=float, default=4.0, help="variance a of the stretched direction (default: %(default)s)")
    p.add_argument("--dims", type=int, nargs="+", metavar="D",
                   default=sorted({int(round(v)) for v in np.geomspace(4, 1024, 17)}),
                   help="ambient dimensions d (default: 17 values from 4 to 1024, log-spaced)")
    p.add_argument("--mc-dims", type=int, nargs="*", metavar="D", default=[4, 16, 64, 256],
                   help="dimensions with Monte Carlo points (default: 4 16 64 256; none to skip)")
    p.add_argument("--n", type=int, default=20_000, help="Monte Carlo draws per (d, seed) (default: %(default)s)")
    p.add_argument("--seeds", type=int, default=3, help="number of Monte Carlo seeds (default: %(default)s)")
    p.add_argument("--fit-min", type=int, default=16, help="smallest d in the slope fits (default: %(default)s)")


def _polar_compute(args) -> RateOutput:
    from infonce_gauss.plots import plot_polar_terms
    from infonce_gauss.simulations.polar import polar_rate_fits, polar_rate_table

    seeds = _seeds(args)
    table = polar_rate_table(args.dims, spike=args.spike, n=args.n, seeds=seeds, mc_dims=args.mc_dims,
                             progress=not args.no_progress)
    fits = polar_rate_fits(table, d_min=args.fit_min)
    config = {"spike": args.spike, "dims": args.dims, "mc_dims": args.mc_dims, "n": args.n, "seeds": seeds,
              "fit_min": args.fit_min, "reference": "N(0, I) (2 lambda = 1)"}
    return RateOutput(table=table, fits=fits, figure=plot_polar_terms(table), config=config)


def _infonce_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--sizes", type=int, nargs="+", default=[16, 32, 64, 128, 256, 512, 1024], metavar="N",
                   help="batch sizes N (default: 16 ... 1024, doubling)")
    p.add_argument("--pairs", type=int, default=32768, help="pairs per (N, seed) for the bias (default: %(default)s)")
    p.add_argument("--seeds", type=int, default=2, help="Monte Carlo seeds (default: %(default)s)")
    p.add_argument("--fit-min", type=int, default=32, help="smallest N in the slope fit (default: %(default)s)")
    p.add_argument("--dims", type=int, nargs="+", default=[8, 16, 32, 64, 128, 256, 512, 1024], metavar="D",
                   help="ambient dimensions of the particle experiment (default: 8 ... 1024)")
    p.add_argument("--particles", type=int, default=512, help="particles n (default: %(default)s)")
    p.add_argument("--steps", type=int, default=400, help="training steps per particle run (default: %(default)s)")
    p.add_argument("--alignment", type=float, default=0.5, help="fixed alignment level E[u·v] (default: %(default)s)")
    p.add_argument("--device", default="auto", help="torch device for the particles: auto, cpu, cuda (default: %(default)s)")


def _infonce_compute(args) -> RateOutput:
    from infonce_gauss.infonce import compute_rates

    return compute_rates(args, _seeds(args))


def _regularized_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dims", type=int, nargs="+", default=[4, 8, 16, 32, 64, 128, 256, 512, 1024], metavar="D",
                   help="dimensions of the exact beta0 / critical-beta curves (default: 4 ... 1024)")
    p.add_argument("--eta2", type=float, nargs="+", default=[0.0, 0.2, 0.5], help="eta2 values (default: 0 0.2 0.5)")
    p.add_argument("--particle-dims", type=int, nargs="+", default=[16, 64, 256, 512], metavar="D",
                   help="dimensions of the particle sweep (default: 16 64 256 512)")
    p.add_argument("--factors", type=float, nargs="+", default=[0.0, 0.5, 1.0, 2.0, 4.0], metavar="C",
                   help="beta / beta0 (default: 0 0.5 1 2 4)")
    p.add_argument("--particles", type=int, default=512, help="particles n (default: %(default)s)")
    p.add_argument("--steps", type=int, default=400, help="training steps per run (default: %(default)s)")
    p.add_argument("--seeds", type=int, default=1, help="particle seeds (default: %(default)s)")
    p.add_argument("--alignment", type=float, default=0.5, help="plateau alignment = eta2 of beta0 (default: %(default)s)")
    p.add_argument("--device", default="auto", help="torch device: auto, cpu, cuda (default: %(default)s)")


def _regularized_compute(args) -> RateOutput:
    from infonce_gauss.regularized import compute_rates

    return compute_rates(args, _seeds(args))


EXPERIMENTS: dict[str, RateExperiment] = {
    "sphere": RateExperiment(
        name="sphere",
        help="TV, KL and Kolmogorov distance of sqrt(d)·(U_1..U_k) to N(0, I_k) vs d: exact curves, Monte Carlo "
        "points with error bars, the Diaconis–Freedman and Pinelis bounds, and the c/d asymptotes",
        add_arguments=_sphere_arguments,
        compute=_sphere_compute,
    ),
    "hgr": RateExperiment(
        name="hgr",
        help="Assumption 3 in the solvable model: delta(d) = A^2 - E[u.v] of the identity encoder on the Gaussian "
        "channel vs d (exact closed form, Monte Carlo, the A^2(1-A^4)/(2d) asymptote), d*delta(d), and Prop 1's "
        "slack for a random linear encoder",
        add_arguments=_hgr_arguments,
        compute=_hgr_compute,
    ),
    "polar": RateExperiment(
        name="polar",
        help="terms of the polar KL decomposition (Prop 3) vs d for the spiked Gaussian N(0, I + (a-1)e1e1ᵀ) "
        "against N(0, I): exact curves, Monte Carlo points with error bars, asymptotes; the radial terms "
        "fall like C/d while the angular term carries the whole KL",
        add_arguments=_polar_arguments,
        compute=_polar_compute,
    ),
    "infonce": RateExperiment(
        name="infonce",
        help="InfoNCE: the finite-batch bias E L_N - log N - L vs N (Monte Carlo, the c1/N prediction, the "
        "N^-1/2 spread) and free particles trained at a fixed alignment level vs d (uniformity, fixed projections)",
        add_arguments=_infonce_arguments,
        compute=_infonce_compute,
    ),
    "regularized": RateExperiment(
        name="regularized",
        help="Theorem 1: beta0 = 2 alpha (1 - eta2)/(d - 1) and the critical beta on the vMF family vs d (exact), "
        "and free particles trained with the regularizer at beta = c beta0: radii vs the chi law, projections vs N(0, 1/(2 lambda))",
        add_arguments=_regularized_arguments,
        compute=_regularized_compute,
    ),
}
