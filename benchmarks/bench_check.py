"""Benchmarks for ``check`` as ratios to floors measured in the same run on the same file.

Run: ``python benchmarks/bench_check.py [--large] [--json OUT]``. Each ``check`` runs in a fresh process
on a float32 .npy file of standard normals written by another process, so its time and its peak resident
memory (VmHWM) are its own; it runs twice, first with an empty null-calibration cache ("cold": the
calibration is simulated) and then again ("warm": read from the disk cache).

Floors (:func:`floor_seconds`, in a fresh process too):

* ``floor``: one read of the file, every column sorted, four moments per column (float64), one float64
  Gram matrix, in row/column blocks: the least any check of these statistics does;
* ``fuller floor``: the floor plus the second float64 Gram matrix (of the directions u = z/‖z‖) and the
  second sort (of the normalized coordinates), which the check's assumptions need.

Targets (issue 13): 10⁵ × 512 end to end (the CLI, report and figures included) under 4 s; 5·10⁵ × 512
within 2.5× the floor; with ``--large``, 10⁶ × 768 (a 3 GB file) within 2× the fuller floor and within
1.5 GB of resident memory. Issue 27: the dependence-aware bands add at most 20% to ``check`` on 10⁵ × 512
(:func:`bench_dependence_bands`; ``--dependence-only`` runs just that). And the per-coordinate Anderson–Darling +
D'Agostino–Pearson statistics within 1.5× of sorting the same columns (:func:`bench_coordinate_tests`), and equal
to ``scipy.stats.anderson`` (:func:`bench_anderson`).
Timings are the best of ``--repeats`` runs where repeated (the least disturbed by other load).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np

from _timing import best_of, machine, write_json

_WRITE = """
import sys, numpy as np
path, n, d = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
out = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(n, d))
rng = np.random.default_rng(1)
for a in range(0, n, 50_000):
    out[a:a + 50_000] = rng.standard_normal((min(50_000, n - a), d), dtype=np.float32)
out.flush()
"""

_FLOOR = """
import sys, time
import numpy as np
path, fuller = sys.argv[1], sys.argv[2] == "1"
start = time.perf_counter()
x = np.load(path, mmap_mode="r")
n, d = x.shape
sums, gram, gram_u = np.zeros((4, d)), np.zeros((d, d)), np.zeros((d, d))
inverse_norms = np.empty(n, dtype=np.float32)
for i in range(0, n, 65536):
    c = np.asarray(x[i:i + 65536], dtype=np.float64)
    c2 = c * c
    sums += np.stack([c.sum(0), c2.sum(0), (c2 * c).sum(0), (c2 * c2).sum(0)])
    gram += c.T @ c
    if fuller:
        norms = np.sqrt(c2.sum(1))
        inverse_norms[i:i + 65536] = 1 / norms
        u = c / norms[:, None]
        gram_u += u.T @ u
for j in range(0, d, 32):
    block = np.array(x[:, j:j + 32].T)
    np.sort(block, axis=1)
    if fuller:  # the normalized coordinates, sorted too
        np.sort(block * inverse_norms, axis=1)
print(time.perf_counter() - start)
"""

_CHECK = """
import sys, time
from infonce_gauss.cli import main
start = time.perf_counter()
code = main(["check", sys.argv[1], "--out", sys.argv[2], "--no-progress"])
seconds = time.perf_counter() - start
hwm = next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM"))
print("RESULT", seconds, int(hwm) / 1024, file=sys.stderr)
sys.exit(code)
"""


def _python(code: str, *args: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True, text=True, env=env)


def floor_seconds(path: str, *, fuller: bool = False) -> float:
    """Seconds of the floor (or the fuller floor) on ``path``, in a fresh process."""
    return float(_python(_FLOOR, path, "1" if fuller else "0").stdout)


def check_run(path: str, out: str, cache: str) -> dict:
    """Seconds (the CLI end to end: reading, statistics, report and figures) and peak resident MB of one
    ``infonce-gauss check`` in a fresh process whose null-calibration cache is ``cache``."""
    run = _python(_CHECK, path, out, env={**os.environ, "INFONCE_GAUSS_CACHE": cache})
    seconds, peak = run.stderr.split("RESULT")[-1].split()
    with open(os.path.join(out, "check.json")) as fh:
        statistics = json.load(fh)["seconds"]  # check() itself: no interpreter start, imports or report
    return {"seconds": float(seconds), "statistics_s": statistics, "peak_rss_mb": float(peak)}


def bench_battery(n: int, d: int, repeats: int, *, fuller: bool, target_ratio: float | None = None,
                  target_seconds: float | None = None, target_mb: float | None = None) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-check-") as tmp:
        path = os.path.join(tmp, "x.npy")
        _python(_WRITE, path, str(n), str(d))
        cache = os.path.join(tmp, "cache")
        cold = check_run(path, os.path.join(tmp, "out0"), cache)
        warm = min((check_run(path, os.path.join(tmp, f"out{i + 1}"), cache) for i in range(repeats)),
                   key=lambda r: r["seconds"])
        floor = min(floor_seconds(path, fuller=fuller) for _ in range(repeats))
    row = {"n": n, "d": d, "file_mb": n * d * 4 / 2**20, "floor": "fuller floor" if fuller else "floor",
           "floor_s": floor, "cold_s": cold["seconds"], "warm_s": warm["seconds"], "warm_statistics_s": warm["statistics_s"],
           "ratio_cold": cold["seconds"] / floor, "ratio_warm": warm["seconds"] / floor,
           "peak_rss_mb": max(cold["peak_rss_mb"], warm["peak_rss_mb"])}
    if target_ratio is not None:
        row.update(target_ratio=target_ratio, meets_ratio_warm=row["ratio_warm"] <= target_ratio,
                   meets_ratio_cold=row["ratio_cold"] <= target_ratio)
    if target_seconds is not None:
        row.update(target_seconds=target_seconds, meets_seconds_warm=warm["seconds"] < target_seconds)
    if target_mb is not None:
        row.update(target_mb=target_mb, meets_memory=row["peak_rss_mb"] <= target_mb)
    return row


def bench_coordinate_tests(repeats: int, n: int = 100_000, d: int = 512) -> dict:
    """Anderson–Darling + D'Agostino–Pearson on d float32 columns against sorting them, same threads."""
    from concurrent.futures import ThreadPoolExecutor

    from infonce_gauss.simulations.univariate import coordinate_tests, resolve_workers

    block = np.random.default_rng(2).standard_normal((d, n), dtype=np.float32)
    workers = resolve_workers(None)

    def sort_only():
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(lambda j: np.sort(block[j:j + 2], axis=1), range(0, d, 2)))

    floor = best_of(sort_only, repeats)
    ours = best_of(lambda: coordinate_tests(block, columns_first=True), repeats)
    return {"n": n, "d": d, "workers": workers, "sort_floor_s": floor, "ad_dp_s": ours, "ratio": ours / floor,
            "target_ratio": 1.5, "meets_target": ours / floor <= 1.5}


def bench_anderson(repeats: int) -> list[dict]:
    """Our Anderson–Darling statistics against a loop over ``scipy.stats.anderson``: equal, and faster."""
    from scipy import stats

    from infonce_gauss.simulations.univariate import coordinate_tests

    rows = []
    for n in (1000, 10_000, 100_000):
        x = np.random.default_rng(n).standard_normal((n, 512)).astype(np.float32)
        sample = 64

        def scipy_loop():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FutureWarning)
                return [stats.anderson(x[:, j].astype(np.float64), dist="norm").statistic for j in range(sample)]

        ref = np.array(scipy_loop())
        t_scipy = best_of(scipy_loop, repeats) * 512 / sample
        t_ours = best_of(lambda: coordinate_tests(x), repeats)
        ours = coordinate_tests(x[:, :sample].astype(np.float64)).ad
        rows.append({"n": n, "d": 512, "scipy_loop_s": t_scipy, "ours_s": t_ours, "speedup": t_scipy / t_ours,
                     "max_rel_diff_vs_scipy": float(np.max(np.abs(ours - ref) / ref))})
    return rows


DEPENDENCE_WORK = ("encoder_check.rules._correlation", "encoder_check.rules.dependence",
                   "encoder_check.rules.summary_band", "encoder_check.rules.share_lower_tail",
                   "encoder_check.check.outcome_map")
"""The functions of ``check`` that only the dependence-aware bands need: each variant's correlation matrix from the
moments, its design effects (power sums weighted by the outcome map) and participation ratio, the bands and
lower-tail p-values of the beta-binomial/gamma/beta laws, and the outcome map itself (warm: from its caches)."""


def bench_dependence_bands(repeats: int, n: int = 100_000, d: int = 512) -> dict:
    """Issue 27's cost target: the dependence-aware bands add at most 20% to ``check`` on 10⁵ × 512.

    ``check`` has no switch that drops the bands, so the extra is timed inside it: every function in
    :data:`DEPENDENCE_WORK` is wrapped with a timer while ``check()`` (in this process, on a float32 array of
    standard normals, the null calibration and outcome map warm from a first run) runs ``repeats`` times. "Without"
    is the same run less the time inside those functions; ``ratio`` = with / without, of the fastest run."""
    import importlib

    from infonce_gauss import check

    x = np.random.default_rng(3).standard_normal((n, d), dtype=np.float32)
    check(x)  # warm: the null calibration (simulated once, then cached) and the outcome map
    spent = [0.0]

    def timed(fn):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[0] += time.perf_counter() - start
        return wrapper

    runs = []
    targets = [(importlib.import_module(f"infonce_gauss.{path.rsplit('.', 1)[0]}"), path.rsplit(".", 1)[1])
               for path in DEPENDENCE_WORK]
    saved = [getattr(module, name) for module, name in targets]
    try:
        for module, name in targets:
            setattr(module, name, timed(getattr(module, name)))
        for _ in range(repeats):
            spent[0] = 0.0
            start = time.perf_counter()
            check(x)
            runs.append((time.perf_counter() - start, spent[0]))
    finally:
        for (module, name), fn in zip(targets, saved):
            setattr(module, name, fn)
    total, extra = min(runs)
    return {"n": n, "d": d, "method": "time inside the dependence-only functions of one check() run (no switch to drop "
                                      "them), against the whole check(); outcome map warm",
            "functions": list(DEPENDENCE_WORK), "check_s": total, "dependence_bands_s": extra,
            "check_without_bands_s": total - extra, "ratio": total / (total - extra), "target_ratio": 1.2,
            "meets_target": total / (total - extra) <= 1.2}


README_START = "<!-- bench-check:start (generated by `python benchmarks/bench_check.py --readme README.md`) -->"
README_END = "<!-- bench-check:end -->"


def readme_section(results: dict) -> str:
    """The README's table of the measured figures (between :data:`README_START` and :data:`README_END`)."""
    c = results["coordinate_tests"]
    lines = [README_START, "",
             f"Measured by `benchmarks/bench_check.py` on {results['cpu_count']} cores of an {results['cpu']} "
             f"({results['simd']}, NumPy {results['numpy']}; {results['date']}); ratios are to a floor "
             "timed in the same run on the same file (floor: one read, every column sorted, four moments per column, "
             "one float64 Gram matrix; fuller floor: also the second Gram matrix and the second sort). \"cold\": the "
             "null calibration simulated; \"warm\": read from its disk cache. Times are the CLI end to end "
             "(report and figures included); \"statistics\" is `check()` itself, without the interpreter's start, "
             "imports and report.", "",
             "| n × d | floor | floor s | check s, cold | check s, warm | statistics s, warm | ratio, warm (cold) | target | peak MB |",
             "|---|---|---|---|---|---|---|---|---|"]
    for key in ("check_1e5x512", "check_5e5x512", "check_1e6x768"):
        if key in results:
            r = results[key]
            target = ", ".join(([f"≤ {r['target_ratio']:g}×"] if "target_ratio" in r else [])
                               + ([f"< {r['target_seconds']:g} s"] if "target_seconds" in r else [])
                               + ([f"≤ {r['target_mb']:g} MB"] if "target_mb" in r else []))
            lines.append(f"| {r['n']:.0e} × {r['d']} | {r['floor']} | {r['floor_s']:.1f} | {r['cold_s']:.1f} | {r['warm_s']:.1f} | "
                         f"{r['warm_statistics_s']:.1f} | {r['ratio_warm']:.2f}× ({r['ratio_cold']:.2f}×) | {target} | {r['peak_rss_mb']:.0f} |")
    lines += ["", f"Per-coordinate Anderson–Darling + D'Agostino–Pearson on {c['d']} columns of {c['n']:.0e}: "
              f"{c['ad_dp_s']:.2f} s, {c['ratio']:.2f}× sorting the same columns ({c['sort_floor_s']:.2f} s; target ≤ 1.5×).",
              "", README_END]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--large", action="store_true", help="also 10^6 × 768 (a 3 GB file; several minutes)")
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("--readme", metavar="FILE", help="rewrite the generated benchmark table in this README")
    parser.add_argument("--dependence-only", action="store_true",
                        help="only the cost of the dependence-aware bands on 10^5 × 512 (bench_dependence_bands)")
    args = parser.parse_args()
    start = time.perf_counter()
    if args.dependence_only:
        results = {**machine(), "date": time.strftime("%Y-%m-%d"),
                   "dependence_bands_1e5x512": bench_dependence_bands(args.repeats)}
        print(json.dumps(results, indent=2))
        write_json(args.json, results)
        return
    results = {**machine(), "date": time.strftime("%Y-%m-%d"),
               "dependence_bands_1e5x512": bench_dependence_bands(args.repeats),
               "coordinate_tests": bench_coordinate_tests(args.repeats),
               "anderson_darling": bench_anderson(args.repeats),
               "check_1e5x512": bench_battery(100_000, 512, args.repeats, fuller=False, target_seconds=4.0),
               "check_5e5x512": bench_battery(500_000, 512, args.repeats, fuller=False, target_ratio=2.5)}
    if args.large:
        results["check_1e6x768"] = bench_battery(10**6, 768, 1, fuller=True, target_ratio=2.0, target_mb=1536)
    results["bench_seconds"] = time.perf_counter() - start
    print(json.dumps(results, indent=2))
    write_json(args.json, results)
    if args.readme:
        from infonce_gauss.simulations.files import replace_section

        replace_section(args.readme, README_START, README_END, readme_section(results))


if __name__ == "__main__":
    main()
