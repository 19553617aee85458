"""Overhead of GaussianityMonitor.update on an InfoNCE training step (run: python benchmarks/bench_monitor.py).

Issue 13's target: the monitor adds under 10% to a training step. The step is the suite's typical CPU
setting (DESIGN: a 3-layer MLP 64 → 256 → 256 → 128, batch 256, two views, InfoNCE at τ = 0.1, Adam); the
ratio is (step + update) / step, each the best of ``--repeats`` timings of ``--steps`` steps.
"""

from __future__ import annotations

import argparse
import json

import torch

from _timing import best_of

from infonce_gauss.simulations.monitor import GaussianityMonitor


def bench(steps: int, repeats: int, batch: int = 256, dim: int = 128) -> dict:
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(64, 256), torch.nn.ReLU(), torch.nn.Linear(256, 256), torch.nn.ReLU(),
                              torch.nn.Linear(256, dim))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    x = torch.randn(batch, 64)
    monitor = GaussianityMonitor(dim)

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

    plain = best_of(lambda: run(False), repeats)
    monitored = best_of(lambda: run(True), repeats)
    return {"steps": steps, "batch": batch, "dim": dim, "threads": torch.get_num_threads(), "step_ms": 1e3 * plain / steps,
            "monitored_step_ms": 1e3 * monitored / steps, "overhead": monitored / plain - 1, "target": 0.10}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(bench(args.steps, args.repeats), indent=2))
