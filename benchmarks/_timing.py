"""Helpers shared by the benchmark scripts (run as ``python benchmarks/bench_*.py``)."""

from __future__ import annotations

import json
import time


def best_of(fn, repeats: int) -> float:
    """Seconds of the fastest of ``repeats`` calls of ``fn`` (the one least disturbed by other load)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def best_of_interleaved(fns, repeats: int) -> list[float]:
    """Seconds of the fastest of ``repeats`` calls of each of ``fns``, the calls taken in turn (a, b, a, b, ...)
    so that a burst of other load on the machine slows all of them alike rather than one."""
    times = [[] for _ in fns]
    for _ in range(repeats):
        for fn, ts in zip(fns, times):
            start = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - start)
    return [min(ts) for ts in times]


def write_json(path: str | None, results: list) -> None:
    """Write the figures to ``path`` as JSON when one was given (``--json``)."""
    if path:
        with open(path, "w") as fh:
            json.dump(results, fh, indent=2)
