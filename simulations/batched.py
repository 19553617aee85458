r"""The seeds of one small-encoder configuration trained as one batched model.

K runs that differ only in their seed (and so in their initialization, synthetic data, batches and evaluation
set) are trained together: layer :math:`\ell` of the K linear or ReLU-MLP encoders is one stacked weight
:math:`W_\ell\in\mathbb R^{K\times d_{\ell+1}\times d_\ell}` and bias :math:`b_\ell\in\mathbb R^{K\times d_{\ell+1}}`,
applied to the K batches at once by a batched product (``torch.baddbmm``). The loss is the sum of the K
per-seed losses, so the gradient of seed k's slice is the gradient of seed k's own loss (the other terms do not
depend on it), and Adam (with its coupled L2 weight decay) acts element by element, so one Adam on the stacked
tensors is K independent Adams with a shared step count. Training the stack is therefore training each seed
alone, up to the rounding of the batched products: :func:`train_batched` returns the per-seed
:class:`~infonce_gauss.simulations.training.TrainResult` of :func:`~infonce_gauss.simulations.training.train`
(same seeds, batches, diagnostics rows; ``seconds`` is the wall time of the whole stack).

Where one seed leaves the cores idle (small encoders), K seeds cost little more than one; where one seed is
bound by its arithmetic, K seeds cost K times its products and save the per-step overhead
(``benchmarks/bench_batched.py``). Each seed draws its synthetic views from its own stream, which keeps the stack
equal to the seeds trained alone but grows with K; where torch's threads leave a core idle, the next steps' views are
drawn ahead by one worker thread (:func:`prefetched`), in the same order.
"""

from __future__ import annotations

import queue
import threading
import time

import numpy as np
import torch
from torch import nn

from infonce_gauss.simulations.device import usable_cores
from infonce_gauss.simulations.monitor import GaussianityMonitor
from infonce_gauss.simulations.training import (
    _EVAL_STREAM,
    _TRAIN_STREAM,
    PAIR_OBJECTIVES,
    PairTask,
    TrainConfig,
    TrainResult,
    _rng,
    build_model,
    diagnostics_row,
    pair_loss,
)

__all__ = ["BATCHED_ENCODERS", "StackedEncoder", "stacked_adam", "batchable", "train_batched"]

BATCHED_ENCODERS = ("linear", "mlp")


class StackedEncoder(nn.Module):
    """K linear or ReLU-MLP encoders as one module: ``forward`` maps (K, B, ...) inputs to (K, B, d) embeddings,
    slice k through encoder k.

    Layer weights are stored transposed, (K, d_in, d_out), so that the forward product is ``x @ w`` and its weight
    gradient ``xᵀ dz`` comes out in the parameter's own layout (a (K, d_out, d_in) weight used as ``wᵀ`` gets its
    gradient as a transposed view, copied to contiguous memory at every step)."""

    def __init__(self, encoders: list[nn.Module]):
        super().__init__()
        layers = [[m for m in e.modules() if isinstance(m, nn.Linear)] for e in encoders]
        if not layers or any(len(ls) != len(layers[0]) for ls in layers):
            raise ValueError("StackedEncoder needs one or more encoders of the same architecture.")
        self.weights = nn.ParameterList(nn.Parameter(torch.stack([ls[i].weight.detach().T for ls in layers]).clone())
                                        for i in range(len(layers[0])))
        self.biases = nn.ParameterList(
            nn.Parameter(torch.stack([ls[i].bias.detach() for ls in layers]).unsqueeze(1).clone())
            for i in range(len(layers[0])) if layers[0][i].bias is not None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.flatten(2)
        last = len(self.weights) - 1
        biased = len(self.biases) == len(self.weights)
        for i, w in enumerate(self.weights):
            x = torch.baddbmm(self.biases[i], x, w) if biased else torch.bmm(x, w)
            if i < last:
                x = torch.relu(x)
        return x

    def unstack(self, k: int, encoder: nn.Module) -> nn.Module:
        """``encoder`` (of the stacked architecture) with the weights of slice ``k``."""
        biases = iter(self.biases)
        with torch.no_grad():
            for w, layer in zip(self.weights, (m for m in encoder.modules() if isinstance(m, nn.Linear))):
                layer.weight.copy_(w[k].T)
                if layer.bias is not None:
                    layer.bias.copy_(next(biases)[k, 0])
        return encoder


def stacked_adam(stacked: StackedEncoder, config: TrainConfig) -> torch.optim.Adam:
    """``train``'s Adam (``config.lr``, coupled L2 ``config.weight_decay``) over the stacked parameters, as the fused
    kernel: one pass over each stacked tensor per step instead of one per Adam operation (the same update up to
    rounding; at the paper's Laplace size the unfused Adam costs about a third of a K-seed step)."""
    return torch.optim.Adam(stacked.parameters(), lr=config.lr, weight_decay=config.weight_decay, fused=True)


def _varying(configs) -> set[str]:
    first = configs[0].to_dict()
    return {k for c in configs[1:] for k, v in c.to_dict().items() if v != first[k]}


def batchable(tasks, configs) -> str | None:
    """Why the runs (``tasks[k]`` with ``configs[k]``) cannot be trained as one batched model, or None when they
    can: synthetic pair tasks of one shape, a linear or MLP encoder, a pair objective without the regularizer,
    on the CPU, the same configuration apart from the seed."""
    if len(tasks) != len(configs) or not configs:
        return "one task per configuration, at least one"
    c = configs[0]
    if c.encoder not in BATCHED_ENCODERS:
        return f"the {c.encoder!r} encoder is not batched (only {', '.join(BATCHED_ENCODERS)})"
    if c.objective not in PAIR_OBJECTIVES or c.regularized:
        return f"objective {c.objective!r}{' with the regularizer' if c.regularized else ''} is not batched"
    if c.device not in ("cpu", "auto") or torch.cuda.is_available() and c.device == "auto":
        return "batched training runs on the CPU"
    if not all(isinstance(t, PairTask) for t in tasks):
        return "batched training takes synthetic pair tasks"
    if len({(t.input_shape, t.train_size, t.data.test_base.shape[0]) for t in tasks}) != 1:
        return "the tasks differ in shape"
    varying = _varying(configs) - {"seed"}
    return f"the configurations differ in {', '.join(sorted(varying))}" if varying else None


@torch.no_grad()
def _embed(stacked: StackedEncoder, x: torch.Tensor, batch: int = 1024) -> list[np.ndarray]:
    """Per-seed float64 embeddings of the stacked inputs ``x`` (K, n, ...), in row batches."""
    z = torch.cat([stacked(x[:, s:s + batch]) for s in range(0, x.shape[1], batch)], dim=1)
    return list(z.double().numpy())


def prefetched(items, *, depth: int = 2):
    """The items of the iterable ``items``, in order, produced ahead by one worker thread (at most ``depth`` waiting).

    NumPy's samplers and torch's operations release the GIL, so while the caller trains on one step's batch the
    worker draws the next ones on a core the step leaves idle; one worker keeps the order, so the items are exactly
    those of iterating ``items`` directly. An exception raised while producing is raised at the item it stopped, and
    leaving the loop early (an exception or an interrupt in the caller) stops the worker at its next item.
    """
    ready: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    end = object()

    def hand(item) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for item in items:
                if not hand(item):
                    return
        except BaseException as exc:  # handed to the caller, raised there
            hand(exc)
            return
        hand(end)

    worker = threading.Thread(target=work, name="infonce-gauss batches", daemon=True)
    worker.start()
    try:
        while (item := ready.get()) is not end:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join(timeout=5)


def _core_to_spare() -> bool:
    """Whether torch's intra-op threads leave a core of this process idle, for :func:`prefetched`'s worker (measured
    in ``benchmarks/bench_batched.py``: with every core busy in torch, a drawing thread slows the steps instead)."""
    return torch.get_num_threads() < usable_cores()


def train_batched(tasks, configs: list[TrainConfig], *, progress: bool = True, monitor: bool = True
                  ) -> list[TrainResult]:
    """Train run k = (``tasks[k]``, ``configs[k]``) for every k as one batched model; the same results as
    ``[train(t, c, progress=progress, monitor=monitor) for t, c in zip(tasks, configs)]`` up to float rounding
    (see the module docstring). ``seconds`` in the rows and results is the wall time of the whole stack.

    Raises
    ------
    ValueError
        If the runs cannot be batched (:func:`batchable` says why); train them one by one with ``train``.
    """
    from tqdm.auto import tqdm

    reason = batchable(tasks, configs)
    if reason is not None:
        raise ValueError(f"these runs cannot be trained as one batched model: {reason}; train them one by one.")
    config = configs[0]
    models = [build_model(c, t) for c, t in zip(configs, tasks)]
    stacked = StackedEncoder(models)
    optimizer = stacked_adam(stacked, config)
    evaluations = [t.evaluation(_rng(c.seed, _EVAL_STREAM), c.eval_samples) for c, t in zip(configs, tasks)]
    views = [torch.stack([getattr(e, name) for e in evaluations]) for name in ("anchors", "view_a", "view_b")]
    same_anchor = evaluations[0].view_a is evaluations[0].anchors
    eta2 = [t.eta2() for t in tasks]
    steps_per_epoch = tasks[0].train_size // config.batch_size
    if steps_per_epoch == 0:
        raise ValueError(f"batch_size {config.batch_size} exceeds the {tasks[0].train_size} training items; lower it.")
    rows = [[] for _ in configs]
    monitors = [GaussianityMonitor(config.out_dim, seed=c.seed) for c in configs] if monitor else None

    def evaluate(epoch: int, losses, streamed=None) -> None:
        z = _embed(stacked, views[0])
        za = z if same_anchor else _embed(stacked, views[1])
        zb = _embed(stacked, views[2])
        seconds = time.perf_counter() - start
        for k in range(len(configs)):
            rows[k].append(diagnostics_row(epoch, epoch * steps_per_epoch, None if losses is None else losses[k],
                                           seconds, (z[k], za[k], zb[k]), eta2[k],
                                           None if streamed is None else streamed[k]))

    start = time.perf_counter()
    evaluate(0, None)
    bar = tqdm(range(1, config.epochs + 1), desc=f"{tasks[0].name} {config.encoder} x{len(configs)} seeds",
               unit="epoch", disable=not progress, leave=False)
    for epoch in bar:
        total = torch.zeros(len(configs), dtype=torch.float64)
        logged = epoch % config.diagnostics_every == 0 or epoch == config.epochs
        watch = monitors if logged else None
        for m in watch or ():
            m.reset()
        streams = [t.batches(_rng(c.seed, _TRAIN_STREAM, epoch), c.batch_size, c.objective)
                   for c, t in zip(configs, tasks)]
        batches = (torch.stack([torch.cat(pair) for pair in batch]) for batch in zip(*streams))
        for x in prefetched(batches) if _core_to_spare() else batches:  # (K, 2N, ...): both views, as train does
            z = stacked(x)
            for k, m in enumerate(watch or ()):
                m.update(*z[k].chunk(2))
            losses = pair_loss(z, config)
            optimizer.zero_grad(set_to_none=True)
            losses.sum().backward()
            optimizer.step()
            total += losses.detach().double()
        mean_loss = (total / steps_per_epoch).tolist()
        if logged:
            evaluate(epoch, mean_loss, None if watch is None else [m.compute() for m in watch])
    bar.close()
    z = _embed(stacked, views[0])
    za = z if same_anchor else _embed(stacked, views[1])
    zb = _embed(stacked, views[2])
    seconds = time.perf_counter() - start
    return [TrainResult(model=stacked.unstack(k, models[k]), rows=rows[k], embeddings=z[k], positives_a=za[k],
                        positives_b=zb[k], labels=evaluations[k].labels, files={}, config=c, seconds=seconds)
            for k, c in enumerate(configs)]
