"""A PyTorch Lightning callback that feeds :class:`~infonce_gauss.simulations.monitor.GaussianityMonitor`
(needs PyTorch Lightning: ``pip install "infonce-gauss[lightning]"``; never a core dependency).

The callback reads the embeddings from what the LightningModule's ``training_step`` returns (a dict, under
``key`` and, for positive pairs, ``positive_key``), resets the monitor when a monitored epoch starts, and
at its end logs every statistic as ``<prefix><name>`` with ``LightningModule.log_dict`` (to the loggers,
the progress bar's metrics and ``trainer.callback_metrics``) and appends it to :attr:`GaussianityCallback.history`.
Under DDP each process feeds the monitor its own batches and ``compute`` all-reduces the sums, so every process
logs the statistics of all the epoch's embeddings (the values are then equal on every rank, and are logged with
``sync_dist=True``, a no-op on equal values). The history and the monitor's sums are the callback's state in a
Lightning checkpoint (tensors, lists and floats only: it loads under ``torch.load(weights_only=True)``), so a
resumed run keeps the history.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping

try:
    from lightning.pytorch import Callback
except ImportError as exc:
    raise ImportError("GaussianityCallback needs PyTorch Lightning: pip install 'infonce-gauss[lightning]' "
                      "(or pip install lightning).") from exc

from infonce_gauss.simulations.monitor import GaussianityMonitor

__all__ = ["GaussianityCallback"]


class GaussianityCallback(Callback):
    """Monitor the paper's assumptions on the embeddings of a Lightning training loop.

    Parameters
    ----------
    dim : int, optional
        The embedding dimension d (by default that of the first batch).
    key, positive_key : str
        Keys of the dict ``training_step`` returns holding the (batch, d) embeddings and their positive
        pairs, row by row (``positive_key=None``: no alignment statistics).
    prefix : str
        Prefix of the logged names.
    every_n_epochs : int
        Monitor the epochs whose index is a multiple of this (the others cost nothing).
    directions, seed : int
        The monitor's fixed random projections.
    eta2 : float, optional
        η₂ of the augmentation, for the alignment verdict (Prop 1).
    rankme_min : float, optional
        A collapse threshold: when an epoch's RankMe falls below it, ``on_collapse`` is called.
    on_collapse : callable, optional
        ``on_collapse(trainer, pl_module, stats)`` on a collapsed epoch (e.g. to set ``trainer.should_stop``);
        by default a ``RuntimeWarning`` naming the epoch and RankMe.

    Attributes
    ----------
    monitor : GaussianityMonitor
    history : list of dict
        One dict per monitored epoch: ``epoch``, every statistic of
        :meth:`~infonce_gauss.simulations.monitor.GaussianityMonitor.compute` and ``verdicts`` (those of
        :meth:`~infonce_gauss.simulations.monitor.GaussianityMonitor.verdicts`, by key).
    """

    def __init__(self, dim: int | None = None, *, key: str = "z", positive_key: str | None = "z_positive", prefix: str = "gauss/",
                 every_n_epochs: int = 1, directions: int = 16, seed: int = 0, eta2: float | None = None,
                 rankme_min: float | None = None, on_collapse: Callable | None = None):
        if every_n_epochs < 1:
            raise ValueError(f"every_n_epochs must be at least 1, got {every_n_epochs}.")
        if on_collapse is not None and rankme_min is None:
            raise ValueError("on_collapse needs rankme_min, the RankMe below which an epoch counts as collapsed.")
        self.monitor = GaussianityMonitor(dim, directions=directions, seed=seed)
        self.key, self.positive_key, self.prefix, self.every_n_epochs = key, positive_key, prefix, every_n_epochs
        self.eta2, self.rankme_min, self.on_collapse = eta2, rankme_min, on_collapse
        self.history: list[dict] = []

    def state_dict(self) -> dict:
        return {"history": self.history, "monitor": self.monitor.state_dict()}

    def load_state_dict(self, state_dict: dict) -> None:
        self.history = list(state_dict["history"])
        self.monitor.load_state_dict(state_dict["monitor"])

    def _active(self, trainer) -> bool:
        return trainer.current_epoch % self.every_n_epochs == 0

    def on_train_epoch_start(self, trainer, pl_module) -> None:
        self.monitor.reset()

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        if not self._active(trainer):
            return
        if not isinstance(outputs, Mapping) or self.key not in outputs:
            found = sorted(outputs) if isinstance(outputs, Mapping) else type(outputs).__name__
            raise KeyError(f"GaussianityCallback reads the embeddings from training_step's returned dict under "
                           f"{self.key!r}; it returned {found}. Return e.g. {{'loss': loss, {self.key!r}: z}} or pass key=.")
        positive = outputs.get(self.positive_key) if self.positive_key is not None else None
        self.monitor.update(outputs[self.key], positive)

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        if not self._active(trainer) or self.monitor.n < 2:
            return
        stats = self.monitor.compute()
        self.history.append({"epoch": trainer.current_epoch, **stats, "verdicts": self.monitor.verdicts(stats, eta2=self.eta2)})
        pl_module.log_dict({f"{self.prefix}{name}": float(value) for name, value in stats.items()}, sync_dist=True)
        if self.rankme_min is not None and stats["rankme"] < self.rankme_min:
            if self.on_collapse is None:
                warnings.warn(f"epoch {trainer.current_epoch}: RankMe {stats['rankme']:.3g} fell below rankme_min = "
                              f"{self.rankme_min:g} (d = {self.monitor.dim}): the embeddings collapsed.", RuntimeWarning,
                              stacklevel=2)
            else:
                self.on_collapse(trainer, pl_module, stats)
