r"""A monitor of the paper's assumptions inside a training loop, fed batch by batch in bounded memory.

:class:`GaussianityMonitor` keeps only streaming sums, on the device of the embeddings and in
float64: O(d²) for the two Gram matrices, O(d + K) for the power sums of the coordinates and of K
fixed random projections. :meth:`~GaussianityMonitor.compute` turns them into

* ``norm_cv`` ± ``norm_cv_se``: CV of ‖z‖ (Assumption 2, Eq. 20) beside the chi law's ``norm_cv_chi``;
* ``mean_norm_sq`` ± ``mean_norm_sq_se``: the unbiased :math:`\|m\|^2=\|E u\|^2`
  (:func:`~infonce_gauss.simulations.estimates.mean_norm_sq_from_sums`; Prop 1, Lemma 1);
* ``alignment`` ± ``alignment_se``: :math:`E[u\cdot v]` over positive pairs, when given;
* ``effective_rank`` (Roy & Vetterli 2007: :math:`\exp` of the entropy of the normalized eigenvalues),
  ``participation_ratio`` :math:`(\sum\lambda)^2/\sum\lambda^2` and ``alpha_req`` (α-ReQ, the power-law exponent
  fitted over the ranks whose eigenvalue exceeds 1e-5 of the largest) of the covariance of z, and ``rankme`` (RankMe, Garrido et al.
  2023, from the singular values of the embedding matrix, :math:`\sigma^2` the eigenvalues of :math:`Z^\top Z`):
  :mod:`~infonce_gauss.simulations.collapse`;
* ``coordinate_skewness`` / ``coordinate_excess_kurtosis`` (means over coordinates) and the same
  for the K projections (``projection_*``), each from the first four power sums; a uniform sphere
  gives excess kurtosis :math:`-6/(d+2)`, a Gaussian 0.

:meth:`~GaussianityMonitor.verdicts` judges them by ``check``'s rules (thin shell, mean direction, Prop 1's
alignment bound given η₂), so a loop can log holds/fails per epoch.

The monitor is a torchmetrics ``Metric`` whose declared states are those sums (the float64 sums of a
:class:`~infonce_gauss.simulations.moments.Moments` with power sums, and the counts), each reduced by a sum: under
DDP each process feeds its own batches and :meth:`~GaussianityMonitor.compute` all-reduces the sums, which is
exact (every statistic is a function of sums over rows), so every process gets the statistics of all the
processes' rows. ``state_dict``, ``.to()``, ``forward`` (the batch's statistics, the batch added to the stream)
and ``merge_state`` are torchmetrics'. Input: tensors or NumPy arrays of shape (batch, d), d taken from the first
batch unless given; a batch with a zero or non-finite row, or complex values, is refused whole with a ValueError
that names the batch (a skipped row would bias every statistic without notice).
Precision and cost. Each batch's products (the two Gram matrices, the power sums, the projections) are
computed in the batch's own floating dtype (float32 for float32 embeddings; bf16/fp16 are raised to
float32, float64 stays float64); the power sums are added into float64 running sums batch by batch,
float32 Gram matrices in place into a window of :data:`~infonce_gauss.simulations.moments.GRAM_ROWS` rows
that is added into its float64 sum when full; the per-row norms and cosines, whose sums feed the CV of the norms and the alignment,
are summed in float64. A float32 sum over a batch of a few hundred rows (or a window of 4096) is
accurate to about 1e-6 relative, and the float64 running sums add no error of their own, so after any
number of batches the statistics agree with a float64 computation on the concatenated data to about
1e-6 relative (the tests pin 2e-6 on 100 batches of 256 rows), far below their sampling error; the
covariance spectrum loses digits only where a coordinate's mean is many standard deviations from zero.
Float64 products would cost about 3× as much on the CPU. The cost of an update is dominated by the two
Gram matrices, 2·n·d² multiply-adds for a batch of n (two in-place products); the rest is one (d, K)
projection and O(n(d + K)) elementwise work.

Examples
--------
>>> import torch
>>> from infonce_gauss.simulations.monitor import GaussianityMonitor
>>> gen = torch.Generator().manual_seed(0)
>>> monitor = GaussianityMonitor(dim=16, seed=0)
>>> for _ in range(10):                      # a training loop: one update per batch
...     z = torch.randn(512, 16, generator=gen)
...     monitor.update(z, z + 0.1 * torch.randn(512, 16, generator=gen))
>>> stats = monitor.compute()
>>> round(stats["effective_rank"]), stats["alignment"] > 0.99
(16, True)
>>> monitor.reset()                          # e.g. at the start of the next epoch
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torchmetrics import Metric

from infonce_gauss.simulations.collapse import alpha_req, rankme_from_gram
from infonce_gauss.simulations.estimates import cv_from_power_sums
from infonce_gauss.simulations.moments import Moments
from infonce_gauss.simulations.geometry import effective_rank, participation_ratio
from infonce_gauss.simulations.verdicts import THIN_SHELL_MAX_RATIO, bound_verdict, interval_verdict, mean_tolerance
from infonce_gauss.theory.sphere import chi_norm_moments
from infonce_gauss.theory.validation import integer, unit_interval

__all__ = ["GaussianityMonitor"]

_STATES = ("sum_z", "gram_z", "sum_u", "gram_u", "powers", "norm_sums", "cos_sums")
"""The monitor's sums, named as in :class:`~infonce_gauss.simulations.moments.Moments` (``power_sums=True``)."""


def _all_reduce(tensor: torch.Tensor, group=None) -> list[torch.Tensor]:
    """The sum of ``tensor`` over the processes of ``group``, as the one-element list torchmetrics stacks and sums."""
    total = tensor.clone()
    torch.distributed.all_reduce(total, group=group)
    return [total]


class GaussianityMonitor(Metric):
    """Streaming statistics of embeddings (see the module docstring) as a torchmetrics ``Metric``; ``directions``
    fixed random projections drawn once from ``seed``.

    Parameters
    ----------
    dim : int, optional
        The embedding dimension d; by default that of the first batch. Pass it under DDP when a process may
        see no batch (its states must exist for the all-reduce).
    directions : int
        K, the number of fixed random projections (at least 1).
    seed : int
        Seed of the projections.
    **kwargs
        torchmetrics ``Metric`` options (``sync_on_compute``, ``process_group``, ``dist_sync_fn``, ...).

    Attributes
    ----------
    dim : the embedding dimension d (None until the first batch when not given).
    n, pairs : embeddings and positive pairs added on this process since the last :meth:`reset`.

    Notes
    -----
    The declared states are the float64 sums of :meth:`Moments.sums` and the counts ``n_rows`` and
    ``n_pairs``, each reduced by ``"sum"``: :meth:`compute` under ``torch.distributed`` all-reduces them
    (one all-reduce per state), which gives exactly the sums of one process fed every rank's rows, and
    :meth:`merge_state` adds another monitor's sums. The states start on the CPU and follow the first
    batch's device (or ``.to(device)``); they are saved in :meth:`state_dict` (``persistent(False)`` turns
    that off), as tensors only, so a checkpoint loads under ``torch.load(weights_only=True)``.
    """

    is_differentiable = False
    higher_is_better = None
    full_state_update = False

    def __init__(self, dim: int | None = None, *, directions: int = 16, seed: int = 0, **kwargs):
        kwargs.setdefault("dist_sync_fn", _all_reduce)
        super().__init__(**kwargs)
        self.num_directions = integer(directions, "directions (the number of random projections)", minimum=1)
        self.seed = integer(seed, "seed", minimum=0)
        self.dim = None
        if dim is not None:
            self._declare(integer(dim, "dim (the embedding dimension)", minimum=2))

    def _declare(self, dim: int) -> None:
        """Draw the (d, K) directions and declare the zero states of dimension d (on the CPU)."""
        k = min(self.num_directions, dim)
        q, r = np.linalg.qr(np.random.default_rng(self.seed).standard_normal((dim, k)))
        self.dim = dim
        self.register_buffer("_w", torch.from_numpy(q * np.sign(np.diag(r))).to(self.device), persistent=False)
        shapes = {"sum_z": (dim,), "gram_z": (dim, dim), "sum_u": (dim,), "gram_u": (dim, dim),
                  "powers": (4, dim + k), "norm_sums": (4,), "cos_sums": (2,)}
        for name in _STATES:
            self.add_state(name, torch.zeros(shapes[name], dtype=torch.float64, device=self.device), dist_reduce_fx="sum",
                           persistent=True)
        for name in ("n_rows", "n_pairs"):
            self.add_state(name, torch.zeros((), dtype=torch.int64, device=self.device), dist_reduce_fx="sum",
                           persistent=True)
        self._moments = self._accumulator()

    def _accumulator(self) -> Moments:
        """The Moments that adds each batch into the states (see :meth:`update`), with an empty window."""
        return Moments(directions=self._w, power_sums=True, refuse_bad_rows=True)

    def _flush(self) -> None:
        """Add the float32 window of Gram products and the counts of the batches since the last flush (Python
        integers, so an update adds no tensor op for them) into the states, before anything reads or replaces them."""
        if self.dim is not None:
            batch = self._moments
            batch.flush()
            if batch.n:
                self.n_rows.add_(batch.n)
                self.n_pairs.add_(batch.pairs)
                batch.n = batch.pairs = 0

    @property
    def directions(self) -> torch.Tensor:
        """The K fixed projection directions, orthonormal columns of a (d, K) float64 CPU tensor."""
        if self.dim is None:
            raise ValueError("the directions are drawn at the first batch (dim was not given); call update() first.")
        return self._w.detach().cpu().clone()

    @property
    def n(self) -> int:
        return 0 if self.dim is None else int(self.n_rows) + self._moments.n

    @property
    def pairs(self) -> int:
        return 0 if self.dim is None else int(self.n_pairs) + self._moments.pairs

    def extra_repr(self) -> str:
        return f"dim={self.dim}, directions={self.num_directions}, seed={self.seed}, n={self.n}, pairs={self.pairs}"

    def _checked(self, x, name: str) -> torch.Tensor:
        """``x`` (a tensor or NumPy array) as a detached real floating tensor of shape (batch, d); a ValueError
        that names the batch otherwise."""
        if not isinstance(x, torch.Tensor):
            x = torch.from_numpy(np.asarray(x))
        if x.is_complex():
            raise ValueError(f"{name} of batch {self._update_count} is complex; the monitor takes real embeddings "
                             "(pass e.g. the real and imaginary parts as 2d real coordinates).")
        x = x.detach()
        expected = "(batch, d)" if self.dim is None else f"(batch, {self.dim})"
        if x.ndim != 2 or (self.dim is not None and x.shape[1] != self.dim) or x.shape[1] < 2:
            raise ValueError(f"{name} of batch {self._update_count}: expected a {expected} array with d >= 2, "
                             f"got shape {tuple(x.shape)}.")
        return x if x.dtype in (torch.float32, torch.float64) else x.float()

    def update(self, z, z_positive=None) -> None:
        """Add a (batch, d) batch of embeddings (a tensor or NumPy array) and optionally their positives, row by
        row. Gradients are not tracked (both are detached), and autocast, if on, is suspended (its bf16 products
        would lose the digits the statistics need). A batch with a zero or non-finite row, or complex values, is
        refused whole (ValueError naming the batch), so one bad batch cannot poison the sums."""
        z = self._checked(z, "z")
        if z_positive is not None:
            z_positive = self._checked(z_positive, "z_positive")
            if z_positive.shape != z.shape:
                raise ValueError(f"z_positive must pair up with z row by row: shapes {tuple(z_positive.shape)} and "
                                 f"{tuple(z.shape)} (batch {self._update_count}).")
        if self.dim is None:
            self._declare(z.shape[1])
        if z.device != self.device and self.n == 0:
            self.to(z.device)  # the states follow the first batch's device
        # one Moments adds each batch in place into the current state tensors (torchmetrics replaces them on reset,
        # sync and .to()); its float32 window of Gram products is added into them when full (moments.GRAM_ROWS rows),
        # and its counts (batch.n, batch.pairs) into n_rows and n_pairs, by _flush before anything reads or replaces
        # the states: sync (so compute), forward, state_dict, metric_state, merge_state and .to()
        batch = self._moments
        if batch.gram_z is not self.gram_z:
            for name in _STATES:
                setattr(batch, name, getattr(self, name))
        try:
            if torch.is_autocast_enabled(z.device.type):
                with torch.autocast(z.device.type, enabled=False):
                    batch.add(z, z_positive)
            else:
                batch.add(z, z_positive)
        except ValueError as exc:  # a zero or non-finite row, refused before anything was added
            raise ValueError(f"batch {self._update_count} (counted from 1 since the last reset): {exc}") from None

    def merge_state(self, incoming_state) -> None:
        """Add the sums of another monitor (of the same dim, directions and seed) or of its ``metric_state``."""
        self._flush()
        if isinstance(incoming_state, GaussianityMonitor):
            mine, theirs = (self.dim, self.num_directions, self.seed), (incoming_state.dim, incoming_state.num_directions,
                                                                       incoming_state.seed)
            if mine != theirs:
                raise ValueError(f"cannot merge a monitor of (dim, directions, seed) = {theirs} into one of {mine}.")
            incoming_state._flush()
        super().merge_state(incoming_state)

    @property
    def metric_state(self) -> dict:
        self._flush()
        return super().metric_state

    def sync(self, *args, **kwargs) -> None:
        self._flush()
        super().sync(*args, **kwargs)

    def forward(self, *args, **kwargs):
        self._flush()
        return super().forward(*args, **kwargs)

    def state_dict(self, *args, **kwargs):
        self._flush()
        return super().state_dict(*args, **kwargs)

    def reset(self) -> None:
        """Forget every batch."""
        super().reset()
        if self.dim is not None:
            self._moments = self._accumulator()

    def _apply(self, fn, *args, **kwargs):
        self._flush()
        this = super()._apply(fn, *args, **kwargs)
        if this.dim is not None:
            this._moments = this._accumulator()  # its window and W on the new device
        return this

    def _load_from_state_dict(self, state_dict, prefix, *args) -> None:
        key = prefix + "gram_z"
        if self.dim is None and key in state_dict:
            self._declare(state_dict[key].shape[0])
        super()._load_from_state_dict(state_dict, prefix, *args)
        if self.dim is not None:
            self._moments = self._accumulator()
        if key in state_dict or self.n:
            self._update_count = max(self._update_count, 1)  # loaded sums count as updates (no warning at compute)

    def compute(self) -> dict:
        """The statistics of every batch since the last :meth:`reset`, on every process under DDP (Python floats)."""
        self._flush()
        n = self.n
        if n < 2:
            raise ValueError("the monitor needs at least 2 embeddings; call update() first.")
        m = Moments(directions=self._w, power_sums=True, n=n, pairs=int(self.n_pairs),
                    **{name: getattr(self, name) for name in _STATES}).host()
        d = self.dim
        cv, cv_se = _norm_cv(m.norm_sums, n)
        m_sq = m.mean_norm_sq()
        lam = np.clip(np.linalg.eigvalsh(m.covariance()), 0, None)
        skew, kurt = m.standardized_moments()
        c_skew, c_kurt, p_skew, p_kurt = skew[:d], kurt[:d], skew[d:], kurt[d:]
        out = {"n": n, "norm_cv": cv, "norm_cv_se": cv_se, "norm_cv_chi": chi_norm_moments(d).cv, "mean_norm_sq": m_sq.value, "mean_norm_sq_se": m_sq.se,
               "effective_rank": effective_rank(lam), "participation_ratio": participation_ratio(lam),
               "rankme": rankme_from_gram(m.gram_z, rtol=1e-5),  # float32 products: ~4e-6 relative (moments)
               "alpha_req": alpha_req(lam, rtol=1e-5) if np.sum(lam > 1e-5 * lam.max()) >= 2 else math.nan,
               "coordinate_skewness": float(c_skew.mean()), "coordinate_excess_kurtosis": float(c_kurt.mean()),
               "projection_skewness": float(p_skew.mean()), "projection_excess_kurtosis": float(p_kurt.mean()),
               "projection_max_abs_excess_kurtosis": float(np.abs(p_kurt).max())}
        if m.pairs:
            a = float(m.cos_sums[0]) / m.pairs
            var = max(float(m.cos_sums[1]) / m.pairs - a * a, 0.0) * m.pairs / max(m.pairs - 1, 1)
            out.update(alignment=a, alignment_se=math.sqrt(var / m.pairs))
        return out

    def verdicts(self, stats: dict | None = None, *, eta2: float | None = None, level: float = 0.05) -> dict[str, str]:
        r"""Verdicts (``holds``, ``fails``, ``cannot tell``) on the statistics of :meth:`compute` (computed if not
        given), by the rules ``check`` uses (:mod:`~infonce_gauss.simulations.verdicts`), so that a loop can log
        them per epoch.

        * ``thin_shell`` (Assumption 2): the 95% interval of :math:`\mathrm{CV}(\|z\|)/\mathrm{CV}_\chi(d)` below
          :data:`~infonce_gauss.simulations.verdicts.THIN_SHELL_MAX_RATIO`, its standard error from the power sums
          of the norms (:func:`~infonce_gauss.simulations.estimates.cv_from_power_sums`);
        * ``mean_direction``: the unbiased :math:`\|m\|^2` below :math:`1/\sqrt d`, the first half of check's
          uniformity rule (its second, :math:`d\,E(u\cdot v')^2-1`, needs per-row terms that a stream does not
          keep);
        * ``alignment`` (Prop 1, with positives): ``cannot tell`` without ``eta2``; else ``fails`` if the one-sided
          1 − ``level`` interval of the slack :math:`\eta_2+(1-\eta_2)\|m\|^2-E[u\cdot v]` lies below 0, with
          :math:`\|m\|^2` of the directions of z (one view of each pair) and the slack's standard error bounded by
          :math:`(1-\eta_2)\,se_{\|m\|^2}+se_{E[u\cdot v]}` (sd(A − B) <= sd A + sd B, whatever the covariance of
          the two estimates, which the stream does not keep), so the rule errs towards ``holds``.
        """
        stats = self.compute() if stats is None else stats
        level = unit_interval(level, "level")
        out = {"thin_shell": interval_verdict(stats["norm_cv"] / stats["norm_cv_chi"],
                                              stats["norm_cv_se"] / stats["norm_cv_chi"], THIN_SHELL_MAX_RATIO),
               "mean_direction": interval_verdict(stats["mean_norm_sq"], stats["mean_norm_sq_se"],
                                                  mean_tolerance(self.dim))}
        if "alignment" in stats:
            if eta2 is None:
                out["alignment"] = "cannot tell"
            else:
                eta2 = unit_interval(eta2, "eta2 (the augmentation mildness η₂)")
                keep = 1 - eta2
                slack = eta2 + keep * stats["mean_norm_sq"] - stats["alignment"]
                out["alignment"] = bound_verdict(slack, keep * stats["mean_norm_sq_se"] + stats["alignment_se"], level)
        return out


def _norm_cv(sums, n: int) -> tuple[float, float]:
    """The CV of the norms and its standard error from their power sums; (0, 0) for norms without spread (e.g.
    normalized embeddings: a perfect shell), a NaN standard error below 3 rows."""
    mean_r = float(sums[0]) / n
    var = float(sums[1]) / n - mean_r**2
    if var <= 0:
        return 0.0, 0.0
    if n < 3:
        return math.sqrt(var) / mean_r, math.nan
    cv = cv_from_power_sums(sums, n)
    return cv.value, cv.se
