"""Helpers shared by the benchmark scripts (run as ``python benchmarks/bench_*.py``)."""

from __future__ import annotations

import json
import os
import platform
import statistics
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


def over_rounds(rows: list[dict], spread: tuple[str, ...]) -> dict:
    """One row from the rows of independent rounds of a measurement (each from its own interleaved timings): the
    median of every float field (the measured ones; integer fields are the configuration, the same in every round),
    each field's median taken on its own, and for the fields in ``spread`` also their range over the rounds
    (``<field>_range``). On a machine shared with other work one round's ratio moves by ±10%, so the range is
    reported beside the median."""
    out = dict(rows[0])
    for key, value in rows[0].items():
        if isinstance(value, float):
            out[key] = statistics.median(row[key] for row in rows)
    for key in spread:
        out[f"{key}_range"] = [min(row[key] for row in rows), max(row[key] for row in rows)]
    return out


def write_json(path: str | None, results: list) -> None:
    """Write the figures to ``path`` as JSON when one was given (``--json``)."""
    if path:
        with open(path, "w") as fh:
            json.dump(results, fh, indent=2)


def machine() -> dict:
    """What the timings depend on: cores, CPU model, its widest SIMD extension (NumPy's sorts and reductions
    dispatch on it: an AVX-512 sort of float32 is several times faster than an AVX2 one) and NumPy's version."""
    import numpy as np

    model, flags = platform.processor() or platform.machine(), set()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                key, _, value = line.partition(":")
                if key.strip() == "model name":
                    model = value.strip()
                elif key.strip() == "flags":
                    flags = set(value.split())
                    break
    except OSError:
        pass
    simd = next((name for flag, name in (("avx512f", "AVX-512"), ("avx2", "AVX2")) if flag in flags), "no AVX2")
    return {"cpu_count": os.cpu_count(), "cpu": model, "simd": simd, "numpy": np.__version__}
