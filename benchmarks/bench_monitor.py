"""Overhead of GaussianityMonitor on InfoNCE training (run: python benchmarks/bench_monitor.py [--json OUT]).

Issue 13's target: the monitor adds under 10% to a training step. Two settings:

* ``step``: a plain torch loop in the suite's typical CPU setting (a 3-layer MLP 64 → 256 → 256 → 128,
  batch 256, two views, InfoNCE at τ = 0.1, Adam), with and without ``monitor.update(a, b)`` after each
  of ``--steps`` steps.
* ``train``: the suite's own :func:`~infonce_gauss.simulations.training.train` for one epoch with
  ``diagnostics_every=1``, so that the epoch is monitored (in a run the monitor is fed only in the epochs
  that get a diagnostics row, one in ``diagnostics_every``), with ``monitor=True`` and ``monitor=False``, on
  two synthetic sets: the EMP presets' linear encoder (Laplace 1024 → 256, N = 128, 4096 items, views
  drawn per batch) and an MLP near the step's (Laplace 64 → 256 → 128, N = 256, 8192 items). Each call
  also holds two held-out evaluations (epochs 0 and 1), the same with and without the monitor.

Two ratios each. ``ratio`` = monitored / plain time, each the best of ``--repeats`` calls taken in turn.
``inside_ratio`` = T / (T − s), with s the time spent inside the monitor (``update`` and ``compute``,
timed around each call) during a monitored run of time T, each the best over the repeats. On a machine
shared with other work the first is noisy (a burst of load in one of the two timings moves it by
±10%); the second does not depend on a second timing. Both count the whole call of
``train`` in the denominator; the target is 1.10. Each row is measured in ``--rounds`` independent rounds and
reported as the median of each field, with the range of both ratios over the rounds.
"""

from __future__ import annotations

import argparse
import json
import time
from unittest import mock

import torch

from _timing import best_of_interleaved, machine, over_rounds, write_json

from infonce_gauss.simulations.monitor import GaussianityMonitor


class _TimedMonitor(GaussianityMonitor):
    """A GaussianityMonitor that adds the seconds spent in its update and compute (the calls as a user makes them,
    torchmetrics' wrappers included) to ``seconds``."""

    seconds = 0.0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.update, self.compute = _timer(self.update), _timer(self.compute)


def _timer(method):
    def timed(*args, **kwargs):
        start = time.perf_counter()
        out = method(*args, **kwargs)
        _TimedMonitor.seconds += time.perf_counter() - start
        return out

    return timed


def _timed(fn):
    """``fn`` as a call that records (total seconds, seconds inside the monitor) in ``inside``."""
    inside = []

    def call():
        _TimedMonitor.seconds = 0.0
        start = time.perf_counter()
        fn()
        inside.append((time.perf_counter() - start, _TimedMonitor.seconds))

    return call, inside


def _inside_ratio(inside) -> float:
    """T / (T − s) from the least disturbed total T and the least disturbed time s inside the monitor."""
    total, spent = min(t for t, _ in inside), min(s for _, s in inside)
    return total / (total - spent)


def bench_step(steps: int, repeats: int, batch: int = 256, dim: int = 128) -> dict:
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(64, 256), torch.nn.ReLU(), torch.nn.Linear(256, 256), torch.nn.ReLU(),
                              torch.nn.Linear(256, dim))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    x = torch.randn(batch, 64)
    monitor = _TimedMonitor(dim)

    def run(with_monitor: bool):
        for _ in range(steps):
            a, b = net(x + 0.1 * torch.randn_like(x)), net(x + 0.1 * torch.randn_like(x))
            u, v = torch.nn.functional.normalize(a, dim=1), torch.nn.functional.normalize(b, dim=1)
            loss = torch.nn.functional.cross_entropy(u @ v.T / 0.1, torch.arange(batch))
            opt.zero_grad()
            loss.backward()
            opt.step()
            if with_monitor:
                monitor.update(a, b)

    run(True)  # warm-up
    monitored, inside = _timed(lambda: run(True))
    plain, monitored = best_of_interleaved([lambda: run(False), monitored], repeats)
    return {"what": f"InfoNCE step, MLP 64 -> 256 -> 256 -> {dim}, batch {batch}, + monitor.update",
            "steps": steps, "threads": torch.get_num_threads(), "step_ms": 1e3 * plain / steps,
            "monitored_step_ms": 1e3 * monitored / steps, "ratio": monitored / plain,
            "update_ms": 1e3 * min(spent for _, spent in inside) / steps,
            "inside_ratio": _inside_ratio(inside), "target": 1.10}


def bench_train(label: str, task, config, repeats: int) -> dict:
    from infonce_gauss.simulations import training

    task.eta2()  # the η₂ quadrature is cached; time the training alone
    with mock.patch.object(training, "GaussianityMonitor", _TimedMonitor):
        monitored, inside = _timed(lambda: training.train(task, config, progress=False, monitor=True))
        monitored()  # warm-up
        inside.clear()
        plain, monitored = best_of_interleaved(
            [lambda: training.train(task, config, progress=False, monitor=False), monitored], repeats)
    return {"what": f"train(), one monitored epoch: {label}", "threads": torch.get_num_threads(),
            "train_s": plain, "monitored_train_s": monitored, "ratio": monitored / plain,
            "inside_monitor_s": min(spent for _, spent in inside), "inside_ratio": _inside_ratio(inside),
            "target": 1.10}


def main() -> None:
    from infonce_gauss.simulations.datasets import make_synthetic
    from infonce_gauss.simulations.training import PairTask, TrainConfig

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="torch thread counts to measure")
    parser.add_argument("--rounds", type=int, default=3, help="independent timings of each row (median and range)")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args()
    common = dict(epochs=1, diagnostics_every=1, eval_samples=200, device="cpu")
    linear = PairTask(make_synthetic("laplace", n_train=4096, n_test=200, dim=1024, seed=0))
    mlp = PairTask(make_synthetic("laplace", n_train=8192, n_test=200, dim=64, seed=0))
    results = []

    def rounds(measure) -> None:
        results.append(over_rounds([measure() for _ in range(args.rounds)], ("ratio", "inside_ratio")))
        print(json.dumps(results[-1]))

    for threads in args.threads:
        torch.set_num_threads(threads)
        rounds(lambda: bench_step(args.steps, args.repeats))
        rounds(lambda: bench_train("EMP linear, Laplace 1024 -> 256, N = 128, 4096 items", linear,
                                   TrainConfig(out_dim=256, batch_size=128, **common), args.repeats))
        rounds(lambda: bench_train("MLP, Laplace 64 -> 256 -> 128, N = 256, 8192 items", mlp,
                                   TrainConfig(encoder="mlp", hidden=256, out_dim=128, batch_size=256, **common),
                                   args.repeats))
    write_json(args.json, {**machine(), "date": time.strftime("%Y-%m-%d"), "results": results})


if __name__ == "__main__":
    main()
