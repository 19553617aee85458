"""Seeds as one batched model (run: python benchmarks/bench_batched.py [--seeds 8] [--threads 2] [--json OUT]).

Two questions, each answered by times taken in turn in the same run (best of several repeats), the ratio taken in each of
``--rounds`` independent rounds and reported as their median with its range:

1. At the factorial's sizes (``paper_checks/causes``: inputs of dimension 64, d = 16, MLP width 64, N = 128),
   where one seed leaves the cores mostly idle: the wall time of K seeds trained as one batched model
   (:func:`infonce_gauss.simulations.batched.train_batched`) over that of one seed (``train``), for the linear and
   the MLP encoder. Timed three ways: the training steps with the inputs already in memory (forward of both views,
   the loss, backward, Adam: the encoder's work, which batching shares); a whole run end to end (each seed's
   own synthetic views drawn in numpy per batch and its held-out diagnostics at the first and last epoch: work
   that grows with K whatever the model); and the same run without the held-out diagnostics
   (``diagnostics_row`` stubbed out: training with its views drawn, the seeds' own streams).

   The end-to-end ratio cannot approach 1.5: the diagnostics are measurement, not training, and each seed has its
   own (the paper's AD/DP tests per coordinate and, the larger part at 1000 held-out anchors, the O(n²)
   pairwise uniformity and cosine moments of ``embedding_diagnostics``); they take about half of one seed's run
   at these sizes, so K seeds cost at least K times that half. Each seed's views are drawn from its own
   ``SeedSequence`` stream (what makes the batched seeds equal to the seeds trained alone), also K times the
   numpy work of one seed.
2. At the paper's Laplace size (linear 1024 → 256, N = 128 and 256), where one seed is bound by its arithmetic:
   the batched step of K seeds over K times the *arithmetic floor* of one seed, the floor being the five matrix
   products of one seed's step timed alone as plain ``torch.mm`` calls (forward ``X Wᵀ`` of both views, the
   N × N logits ``U Vᵀ``, their two backward products, and the weight gradient ``dZᵀ X``; nothing else: no
   normalization, softmax, Adam or autograd bookkeeping). Beside it, the K seeds' fused Adam step alone, as a
   share of the K floors: the optimizer's pass over the stacked weights is work of every seed that the floor
   leaves out.
"""

from __future__ import annotations

import argparse

from _timing import best_of_interleaved, machine, over_rounds, write_json

FACTORIAL = {"in_dim": 64, "out_dim": 16, "hidden": 64, "batch": 128}


def _configs(encoder: str, k: int, *, out_dim: int, hidden: int, batch: int, epochs: int = 1, n_train: int = 0):
    from infonce_gauss.simulations.training import TrainConfig

    return [TrainConfig(encoder=encoder, out_dim=out_dim, hidden=hidden, batch_size=batch, epochs=epochs,
                        diagnostics_every=max(epochs, 1), eval_samples=1000, device="cpu", seed=s) for s in range(k)]


def _step_runner(encoder: str, k: int, *, in_dim: int, out_dim: int, hidden: int, batch: int, steps: int):
    """A callable doing ``steps`` training steps of k stacked seeds (k = 1: the plain model of ``train``)."""
    import torch

    from infonce_gauss.simulations.batched import StackedEncoder, stacked_adam
    from infonce_gauss.simulations.training import build_model, pair_loss

    class _Shape:
        input_shape = (in_dim,)

    configs = _configs(encoder, k, out_dim=out_dim, hidden=hidden, batch=batch)
    models = [build_model(c, _Shape()) for c in configs]
    gen = torch.Generator().manual_seed(0)
    if k == 1:  # as train does it
        model, x = models[0], torch.randn(2 * batch, in_dim, generator=gen)
        opt = torch.optim.Adam(model.parameters(), lr=configs[0].lr)
    else:  # as train_batched does it
        model, x = StackedEncoder(models), torch.randn(k, 2 * batch, in_dim, generator=gen)
        opt = stacked_adam(model, configs[0])

    def run():
        for _ in range(steps):
            loss = pair_loss(model(x), configs[0]).sum()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()

    run()
    return run


def _train_runner(encoder: str, k: int, *, in_dim: int, out_dim: int, hidden: int, batch: int, epochs: int,
                  n_train: int, diagnostics: bool = True):
    """A callable training k seeds end to end (k = 1: ``train``; else ``train_batched``) on Laplace views; without
    ``diagnostics``, the held-out diagnostics rows are stubbed out (empty)."""
    import contextlib
    from unittest import mock

    from infonce_gauss.simulations import batched, training
    from infonce_gauss.simulations.datasets import make_synthetic

    configs = _configs(encoder, k, out_dim=out_dim, hidden=hidden, batch=batch, epochs=epochs)
    tasks = [training.PairTask(make_synthetic("laplace", n_train=n_train, n_test=1000, dim=in_dim, seed=c.seed,
                                              jitter=False)) for c in configs]
    module, fn = (training, training.train) if k == 1 else (batched, batched.train_batched)
    args = (tasks[0], configs[0]) if k == 1 else (tasks, configs)

    def run():
        with contextlib.nullcontext() if diagnostics else mock.patch.object(module, "diagnostics_row", lambda *a: {}):
            return fn(*args, progress=False, monitor=diagnostics)

    return run


def _floor_runner(*, in_dim: int, out_dim: int, batch: int, steps: int):
    """``steps`` times the five products of one seed's linear InfoNCE step (see the module docstring)."""
    import torch

    gen = torch.Generator().manual_seed(0)
    x = torch.randn(2 * batch, in_dim, generator=gen)
    w = torch.randn(out_dim, in_dim, generator=gen)
    dz = torch.randn(2 * batch, out_dim, generator=gen)
    u, v = torch.randn(batch, out_dim, generator=gen), torch.randn(batch, out_dim, generator=gen)
    g = torch.randn(batch, batch, generator=gen)

    def run():
        for _ in range(steps):
            torch.mm(x, w.T)  # forward, both views
            torch.mm(u, v.T)  # logits
            torch.mm(g, v)  # dL/du
            torch.mm(g.T, u)  # dL/dv
            torch.mm(dz.T, x)  # dL/dW

    run()
    return run


def _adam_runner(k: int, *, in_dim: int, out_dim: int, steps: int):
    """``steps`` fused Adam steps over the parameters of k stacked linear encoders (gradients set once): the
    optimizer's own pass over the stacked weights, which the floor (products only) leaves out."""
    import torch

    from infonce_gauss.simulations.batched import StackedEncoder, stacked_adam
    from infonce_gauss.simulations.training import TrainConfig

    config = TrainConfig(encoder="linear", out_dim=out_dim, device="cpu")
    model = StackedEncoder([torch.nn.Linear(in_dim, out_dim) for _ in range(k)])
    for p in model.parameters():
        p.grad = torch.randn_like(p)
    opt = stacked_adam(model, config)

    def run():
        for _ in range(steps):
            opt.step()

    run()
    return run


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3, help="independent timings of each ratio (median and range)")
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    k, results = args.seeds, []

    def rounds(fns, repeats, row, spread):
        """The measurement ``row(*seconds)`` over ``args.rounds`` rounds of interleaved timings of ``fns``."""
        return over_rounds([row(*best_of_interleaved(fns, repeats)) for _ in range(args.rounds)], spread)

    for encoder in ("linear", "mlp"):
        results.append(rounds(
            [_step_runner(encoder, n, steps=50, **FACTORIAL) for n in (1, k)], args.repeats,
            lambda one, many: {"what": "factorial steps (inputs in memory)", "encoder": encoder, "seeds": k,
                               **FACTORIAL, "one_seed_ms_per_step": 1e3 * one / 50,
                               "k_seeds_ms_per_step": 1e3 * many / 50, "ratio_k_to_one": many / one, "target": 1.5},
            ("ratio_k_to_one",)))
        for diagnostics, what in ((False, "factorial training, views drawn per seed, no held-out diagnostics"),
                                  (True, "factorial end to end (views drawn per seed, diagnostics at epochs 0 and 8)")):
            results.append(rounds(
                [_train_runner(encoder, n, epochs=8, n_train=2048, diagnostics=diagnostics, **FACTORIAL)
                 for n in (1, k)], max(2, args.repeats // 2),
                lambda one, many: {"what": f"{what}; 8 epochs, 2048 items", "encoder": encoder, "seeds": k,
                                   **FACTORIAL, "one_seed_s": one, "k_seeds_s": many, "ratio_k_to_one": many / one,
                                   "target": 1.5},
                ("ratio_k_to_one",)))
    for batch in (128, 256):
        size = {"in_dim": 1024, "out_dim": 256, "batch": batch}
        results.append(rounds(
            [_step_runner("linear", k, hidden=0, steps=10, **size), _floor_runner(steps=10, **size),
             _adam_runner(k, steps=10, in_dim=size["in_dim"], out_dim=size["out_dim"])], args.repeats,
            lambda step, floor, adam: {
                "what": "Laplace size, linear 1024 -> 256: K stacked seeds' step vs K x one seed's products",
                "encoder": "linear", "seeds": k, **size, "k_seeds_ms_per_step": 1e2 * step,
                "floor_one_seed_ms": 1e2 * floor, "ratio_to_k_floors": step / (k * floor), "target": 1.2,
                "adam_k_seeds_ms": 1e2 * adam, "adam_share_of_k_floors": adam / (k * floor)},
            ("ratio_to_k_floors",)))
    for r in results:
        print({key: (round(v, 3) if isinstance(v, float) else [round(x, 3) for x in v] if isinstance(v, list) else v)
               for key, v in r.items()})
    out = [{"machine": machine(), "threads": args.threads, "torch": torch.__version__, "rounds": args.rounds,
            "repeats": args.repeats}, *results]
    write_json(args.json, out)
    return out


if __name__ == "__main__":
    main()
