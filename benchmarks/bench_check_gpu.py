"""``check`` on a CUDA tensor (the torch backend) against the NumPy path on the same data, as a ratio.

Run (needs a CUDA device): ``python benchmarks/bench_check_gpu.py [--n 1000000] [--d 768] [--repeats 2] [--json OUT]``.

On an n × d float32 tensor of standard normals on the GPU (torch generator seed 1) it times

* ``gpu``: ``check(tensor)`` (backend "auto": the passes over the rows and the per-coordinate tests on the
  device, verdicts on the host);
* ``cpu``: ``check(tensor, backend="numpy")`` (the tensor copied to the host, everything in NumPy, with
  the default workers);
* ``device floor``: every column sorted on the device once (the least the coordinate tests do there);

with the null calibration, which depends only on (n, d, seed, replicates) and is cached on disk, simulated
once before the timings (so both paths read it from the cache). It prints the seconds, ``cpu / gpu`` and
``gpu / device floor``, and the agreement of the two results: the summaries (verdicts and figures as printed), and the
largest relative difference of the per-coordinate A², D'Agostino–Pearson p-value and excess kurtosis and of
the thin-shell CV (the Gram-based figures differ by the
NumPy path's float32 blocks, ~1e-6 relative, see ``infonce_gauss.encoder_check.torch_backend``).
Timings are the best of ``--repeats`` runs.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from _timing import best_of, write_json


def main(argv=None) -> list:
    import torch

    from infonce_gauss import check
    from infonce_gauss.encoder_check.calibration import null_rates

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--d", type=int, default=768)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    if not torch.cuda.is_available():
        raise SystemExit("bench_check_gpu needs a CUDA device (torch.cuda.is_available() is False).")
    n, d = args.n, args.d
    gen = torch.Generator(device="cuda").manual_seed(1)
    x = torch.randn((n, d), generator=gen, device="cuda", dtype=torch.float32)
    print(f"{n} × {d} float32 on {torch.cuda.get_device_name()}", flush=True)

    start = time.perf_counter()
    null_rates(n, d, seed=0)  # fills the disk cache both paths read
    print(f"null calibration (once, then cached): {time.perf_counter() - start:.1f} s", flush=True)
    check(x[:2000, :16])  # CUDA context and kernels loaded before timing

    results = {}

    def run(name, **kw):
        def once():
            torch.cuda.synchronize()
            results[name] = check(x, **kw)
            torch.cuda.synchronize()
        return best_of(once, args.repeats)

    gpu = run("gpu")
    print(f"gpu check: {gpu:.2f} s", flush=True)
    cpu = run("cpu", backend="numpy")
    print(f"cpu check: {cpu:.2f} s", flush=True)

    def sort_columns():
        for j in range(0, d, 128):
            torch.sort(x[:, j:j + 128].T.contiguous(), dim=1)
        torch.cuda.synchronize()

    floor = best_of(sort_columns, args.repeats)
    a, b = results["cpu"], results["gpu"]
    rel = {}
    for variant in ("unnormalized", "normalized"):
        da, db = a.coordinates.parts[variant].details, b.coordinates.parts[variant].details
        for key in ("ad", "dp_pvalue", "excess_kurtosis"):
            ref = np.asarray(da[key], dtype=np.float64)
            rel[f"{variant} {key}"] = float(np.max(np.abs(np.asarray(db[key]) - ref) / np.maximum(np.abs(ref), 1e-300)))
    rel["thin-shell cv"] = abs(b.thin_shell.details["cv"] / a.thin_shell.details["cv"] - 1)
    same = a.summary() == b.summary()
    row = {"n": n, "d": d, "gpu_s": gpu, "cpu_s": cpu, "cpu_over_gpu": cpu / gpu, "device_sort_floor_s": floor,
           "gpu_over_floor": gpu / floor, "same_verdicts": same, "max_relative_difference": rel,
           "device": torch.cuda.get_device_name()}
    print(f"device sort floor: {floor:.3f} s; cpu / gpu = {cpu / gpu:.1f}×; gpu / floor = {gpu / floor:.1f}×")
    print(f"same verdicts: {same}; largest relative differences: " + ", ".join(f"{k} {v:.2e}" for k, v in rel.items()))
    write_json(args.json, [row])
    return [row]


if __name__ == "__main__":
    main()
