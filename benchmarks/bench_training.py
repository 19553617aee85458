"""Training throughput (run: python benchmarks/bench_training.py [--threads 1 2] [--json OUT]).

Samples/s and steps/s of one InfoNCE step (forward of both views, Eq. 2, backward, Adam) for the linear
and the two-layer MLP encoder on the CPU, with the input already in memory (the encoder alone), and the
same for a whole synthetic epoch (the channel's views drawn in numpy per batch included).
With the regularizer (kNN entropy of one view, an N x N distance matrix and a top-k: O(N²d), the order of
the N x N logits of InfoNCE itself) each pair of lines gives the plain and the regularized step and their ratio.
On a CUDA machine, ``--device cuda`` measures the GPU (bf16 autocast). Each figure is the best of
several repeats (the least disturbed by other load).
"""

from __future__ import annotations

import argparse
import json

from _timing import best_of, write_json


def bench_steps(encoder: str, in_dim: int, out_dim: int, *, batch: int, steps: int, repeats: int, device: str,
                regularized: bool = False) -> dict:
    import torch

    from infonce_gauss.simulations.device import resolve_device
    from infonce_gauss.simulations.training import TrainConfig, build_model, _step_loss

    dev = resolve_device(device)
    config = TrainConfig(encoder=encoder, out_dim=out_dim, hidden=256, batch_size=batch, device=device,
                         reg_beta=1.0 if regularized else None)
    regularizer = config.regularizer(None)

    class _Shape:
        input_shape = (in_dim,)

    model = build_model(config, _Shape(), dev)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    gen = torch.Generator().manual_seed(0)
    x, y = torch.randn(batch, in_dim, generator=gen), torch.randn(batch, in_dim, generator=gen)

    def run():
        for _ in range(steps):
            loss = _step_loss(model, config, x, y, dev, regularizer)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        if dev.type == "cuda":
            torch.cuda.synchronize()

    run()  # warm-up
    seconds = best_of(run, repeats) / steps
    extra = " + kNN regularizer" if regularized else ""
    return {"what": f"InfoNCE step{extra}, {encoder} {in_dim} -> {out_dim}, batch {batch}, {device}",
            "threads": torch.get_num_threads(), "steps_per_second": 1 / seconds, "samples_per_second": batch / seconds}


def bench_epoch(*, repeats: int, device: str) -> dict:
    import torch

    from infonce_gauss.simulations.datasets import make_synthetic
    from infonce_gauss.simulations.training import PairTask, TrainConfig, train

    task = PairTask(make_synthetic("laplace", n_train=4096, n_test=200, dim=1024, seed=0))
    task.eta2()  # the η₂ quadrature is cached; time the training alone
    config = TrainConfig(out_dim=256, batch_size=128, epochs=1, diagnostics_every=1, eval_samples=200, device=device)
    seconds = best_of(lambda: train(task, config, progress=False), repeats)
    return {"what": "one epoch of table1-laplace (quick size: 4096 items, 1024 -> 256, N = 128, views drawn per "
                    "batch, two evaluations of 200 items)", "threads": torch.get_num_threads(), "seconds": seconds,
            "samples_per_second": 4096 / seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="torch thread counts to measure")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args()
    import torch

    results = []
    for threads in args.threads:
        torch.set_num_threads(threads)
        results += [bench_steps("linear", 64, 256, batch=256, steps=100, repeats=args.repeats, device=args.device),
                    bench_steps("mlp", 64, 256, batch=256, steps=50, repeats=args.repeats, device=args.device),
                    bench_steps("linear", 1024, 256, batch=128, steps=50, repeats=args.repeats, device=args.device),
                    bench_epoch(repeats=args.repeats, device=args.device)]
        for r in results[-4:]:
            print(json.dumps(r))
        for in_dim, out_dim, batch in ((64, 256, 256), (1024, 32, 128)):
            pair = [bench_steps("linear", in_dim, out_dim, batch=batch, steps=50, repeats=args.repeats, device=args.device,
                                regularized=reg) for reg in (False, True)]
            pair[1]["ratio_to_plain"] = pair[1]["steps_per_second"] / pair[0]["steps_per_second"]
            results += pair
            for r in pair:
                print(json.dumps(r))
    write_json(args.json, results)


if __name__ == "__main__":
    main()
