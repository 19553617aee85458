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

from paper_checks.report import format_value
from paper_checks.results import new_run_dir, run_metadata, save_figure, write_csv, write_json

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
            label = ", ".join(f"{k}={fit[k]}" for k in ("k", "A", "metric", "source", "family") if k in fit)
            print(f"{label}: slope {format_value(fit['slope'])} [{format_value(fit['slope_ci_low'])}, "
                  f"{format_value(fit['slope_ci_high'])}] (predicted {format_value(fit['predicted_slope'])})")
        print(f"wrote {out_dir / 'table.csv'}, {', '.join(str(p) for p in paths)}")
        return 0


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
    from paper_checks.plots import plot_sphere_rates
    from simulations.sphere import sphere_rate_fits, sphere_rate_table

    if args.seeds < 1:
        raise ValueError(f"--seeds must be >= 1, got {args.seeds}.")
    seeds = [args.seed + i for i in range(args.seeds)]
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
    from paper_checks.plots import plot_alignment_rates
    from simulations.hgr import solvable_rate_fits, solvable_rate_table

    if args.seeds < 1:
        raise ValueError(f"--seeds must be >= 1, got {args.seeds}.")
    seeds = [args.seed + i for i in range(args.seeds)]
    table = solvable_rate_table(args.A, args.dims, n=args.n, seeds=seeds, progress=not args.no_progress)
    fits = solvable_rate_fits(table, d_min=args.fit_range[0], d_max=args.fit_range[1])
    config = {"A": args.A, "dims": args.dims, "n": args.n, "seeds": seeds, "fit_range": args.fit_range}
    return RateOutput(table=table, fits=fits, figure=plot_alignment_rates(table), config=config)


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
}
