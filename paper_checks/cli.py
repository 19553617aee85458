"""``infonce-gauss``: check the paper's claims, draw convergence rates, and (later) check encoders.

Run ``infonce-gauss --help`` or ``infonce-gauss <command> --help`` for the options.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

__all__ = ["main", "build_parser"]

EXIT_OK, EXIT_FAILED_CLAIMS, EXIT_USAGE = 0, 1, 2


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer seed, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer seed, got {value}")
    return value


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", metavar="DIR", help="folder to write into (default: results/<command>-<timestamp>/)")
    parser.add_argument("--seed", type=_seed, default=0, help="base random seed (default: %(default)s)")
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")


def _cmd_claims(args) -> int:
    from paper_checks.registry import PROFILES, select
    from paper_checks.report import run_claims, summary_table, write_report
    from paper_checks.results import new_run_dir

    claims = select(args.only)
    if args.list:
        for c in claims:
            print(f"{c.id:18s} {c.paper_ref:40s} {c.title}")
        return EXIT_OK
    out_dir = new_run_dir("claims", args.out)
    start = time.perf_counter()
    profile = PROFILES[args.profile]
    results = run_claims(claims, profile=profile, out_dir=out_dir, seed=args.seed, progress=not args.no_progress)
    config = {"profile": args.profile, "only": args.only, "claims": [c.id for c in claims]}
    report = write_report(results, out_dir, profile=profile, seed=args.seed, config=config,
                          wall_seconds=time.perf_counter() - start)
    print(summary_table(results))
    print(f"report: {report}")
    return EXIT_FAILED_CLAIMS if any(r.verdict.status == "failed" for r in results) else EXIT_OK


def _cmd_rates(args) -> int:
    from paper_checks.rates import EXPERIMENTS

    return EXPERIMENTS[args.experiment].run(args)


def build_parser() -> argparse.ArgumentParser:
    from paper_checks.rates import EXPERIMENTS

    parser = argparse.ArgumentParser(
        prog="infonce-gauss",
        description="Verification suite for 'InfoNCE Induces Gaussian Distribution' (Betser et al., ICLR 2026).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n"
        "  infonce-gauss claims                      # every claim, quick profile, report in results/\n"
        "  infonce-gauss claims --only MP- --profile full --out out/mp\n"
        "  infonce-gauss rates sphere --k 1 2 3 --dims 8 64 512 4096 --n 100000 --seeds 3",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    claims = sub.add_parser(
        "claims", help="run the paper's claim checks and write a report",
        description="Run the claim checks (all, or those whose id starts with --only) and write report.md, "
        "claims.json, claims.csv, run.json, figures/ and data/ into the output folder. Exit status 1 if a claim failed.",
    )
    claims.add_argument("--profile", choices=("quick", "full", "gpu"), default="quick",
                        help="quick: CI-sized, seconds per claim; full: minutes per claim; gpu: paper-scale training (default: %(default)s)")
    claims.add_argument("--only", nargs="+", metavar="ID", help="claim ids or prefixes, e.g. MP-DF-BOUND or MP-")
    claims.add_argument("--list", action="store_true", help="list the selected claims and exit")
    _common(claims)
    claims.set_defaults(func=_cmd_claims)

    rates = sub.add_parser("rates", help="sweep one result over d and draw its convergence-rate plot",
                           description="Sweep a result over d (and seeds), fit log-log slopes with intervals, "
                           "and write the table (CSV), the fits (CSV) and the plot (PNG, PDF).")
    rate_sub = rates.add_subparsers(dest="experiment", required=True, metavar="RESULT")
    for name, experiment in EXPERIMENTS.items():
        p = rate_sub.add_parser(name, help=experiment.help, description=experiment.help)
        experiment.add_arguments(p)
        _common(p)
        p.set_defaults(func=_cmd_rates)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ValueError as exc:  # bad input: say what was wrong, no traceback
        print(f"infonce-gauss {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
