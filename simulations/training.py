r"""InfoNCE training (paper Eq. 2) and a supervised baseline, with the paper's diagnostics logged as it goes.

The loss on a batch of N positive pairs with :math:`u_i=f(x_i)/\|f(x_i)\|`, :math:`v_i=f(y_i)/\|f(y_i)\|`
and :math:`\alpha=1/\tau` is

.. math:: L=-\frac1N\sum_i\log\frac{e^{\alpha u_i\cdot v_i}}{\sum_{j=1}^N e^{\alpha u_i\cdot v_j}},

the positive among the N candidates (N - 1 negatives), anchors u against candidates v: the paper's
one-directional form. ``symmetric=True`` averages it with the v-against-u direction (SimCLR/CLIP
style; not in the paper). The supervised baseline is cross-entropy of a linear classifier on the
same embedding. Adam with weight decay (the paper: lr 1e-3, weight decay 1e-4 on CIFAR).

Reproducibility: the encoder is initialized from ``seed``; epoch e draws its batches and views from
``SeedSequence([seed, 1, e])`` and the evaluation set from ``SeedSequence([seed, 0])``, so a run
resumed from the checkpoint of epoch e continues exactly as the uninterrupted run (on the CPU, with
the same number of threads). On CUDA the forward pass runs under bf16 autocast.

Diagnostics (every ``diagnostics_every`` epochs, epoch 0 included) go to a tidy table, one row per
evaluation, computed on a fixed held-out set: see :func:`embedding_diagnostics`. Beside them, the row of
epoch e carries the streaming statistics of the embeddings the loss saw during that epoch, every
training batch of it (:class:`~infonce_gauss.simulations.monitor.GaussianityMonitor`, reset at the
start of the epoch; columns ``train_*``, see :func:`train`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from scipy import special
from torch import nn

from infonce_gauss.simulations.augment import SimCLRAugment
from infonce_gauss.simulations.datasets import ImageData, SyntheticData
from infonce_gauss.simulations.dependence import POWERS, column_correlation, power_sums
from infonce_gauss.simulations.device import resolve_device
from infonce_gauss.simulations.encoders import build_encoder
from infonce_gauss.simulations.estimates import cv_estimate, mean_estimate, mean_norm_sq
from infonce_gauss.simulations.files import atomic_write, atomic_write_text, csv_text, load_torch_file
from infonce_gauss.simulations.monitor import GaussianityMonitor
from infonce_gauss.simulations.sampling import normalize_rows
from infonce_gauss.theory.special import log_hyp0f1
from infonce_gauss.theory.validation import integer, positive

__all__ = [
    "TrainConfig",
    "EvalSet",
    "PairTask",
    "ImageTask",
    "TrainResult",
    "info_nce_loss",
    "gaussianity_columns",
    "dependence_columns",
    "row_power_sums",
    "embedding_diagnostics",
    "diagnostics_row",
    "embed",
    "build_model",
    "backbone_diagnostics",
    "train",
    "OBJECTIVES",
    "PAIR_OBJECTIVES",
    "alignment_loss",
    "uniformity_loss",
    "vicreg_loss",
    "pair_loss",
]

PAIR_OBJECTIVES = ("infonce", "alignment", "uniformity", "vicreg")  # trained on positive pairs
OBJECTIVES = (*PAIR_OBJECTIVES, "supervised")
_CHECKPOINT = "checkpoint.pt"
_DIAGNOSTICS = "diagnostics.csv"
_EVAL_STREAM, _TRAIN_STREAM = 0, 1


# --- the loss -----------------------------------------------------------------------------------

class _InfoNCE(torch.autograd.Function):
    r"""Eq. 2 on (K, 2N, d) embeddings, both views of each slice stacked (rows 0..N−1 view a, rows N..2N−1 its
    positives in view b, as an encoder maps the stacked views), one loss per leading index, with its gradient in
    closed form.

    With :math:`w_i=z_i/\|z_i\|` (:math:`u` the first N rows, :math:`v` the last N), logits :math:`s=uv^\top/\tau`,
    row softmax :math:`P` and column softmax :math:`Q` of s, the one-sided loss is
    :math:`L=-\frac1N\sum_i\log P_{ii}` and the symmetric one :math:`\frac12(L-\frac1N\sum_j\log Q_{jj})`. Then
    :math:`\partial L/\partial s=G` with :math:`G=(P-I)/N`, or :math:`(P+Q-2I)/(2N)` symmetric;
    :math:`\partial L/\partial u=Gv/\tau`, :math:`\partial L/\partial v=G^\top u/\tau`; and through the
    normalization :math:`\partial L/\partial z_i=(g_i-w_i\langle w_i,g_i\rangle)/\|z_i\|` for
    :math:`g=\partial L/\partial w`. Autograd through the same steps makes about ten passes over the N × N logits
    per step (the division by τ and its backward, the log-softmax and its backward, the negative log-likelihood's
    gather and scatter); here there is one log-softmax and one exponential per side, and 1/τ, 1/N and the identity
    go into the products' scalars. Both views are normalized, and their gradient projected, as one (K, 2N, d)
    tensor, the encoder's output unsplit. The backward is tested against central differences
    (``torch.autograd.gradcheck``).
    """

    @staticmethod
    def forward(ctx, z, tau: float, symmetric: bool):
        n = z.shape[-2] // 2
        r = torch.linalg.vector_norm(z, dim=-1, keepdim=True).clamp_min(1e-12)
        w = z / r
        u, v = w[..., :n, :], w[..., n:, :]
        logits = torch.baddbmm(u.new_zeros(()), u, v.mT, beta=0, alpha=1 / tau)
        log_p = torch.log_softmax(logits, dim=-1)
        loss = -log_p.diagonal(dim1=-2, dim2=-1).mean(dim=-1)
        grad = log_p.exp_()
        if symmetric:
            log_q = torch.log_softmax(logits, dim=-2)
            loss = (loss - log_q.diagonal(dim1=-2, dim2=-1).mean(dim=-1)) / 2
            grad += log_q.exp_()
        ctx.save_for_backward(w, r, grad)
        ctx.tau, ctx.sides = tau, 2 if symmetric else 1
        return loss

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_loss):
        w, r, grad = ctx.saved_tensors
        n = grad.shape[-1]
        u, v = w[..., :n, :], w[..., n:, :]
        # (P [+ Q] - sides I) v above, its transpose's product with u below: each product into its own contiguous
        # tensor (written into the strided halves of one, a batched product falls back to one product per slice)
        g = torch.cat((torch.baddbmm(v, grad, v, beta=-ctx.sides), torch.baddbmm(u, grad.mT, u, beta=-ctx.sides)),
                      dim=-2)
        g.mul_((grad_loss / (ctx.sides * n * ctx.tau))[:, None, None])
        g -= w * torch.linalg.vecdot(w, g, dim=-1)[..., None]
        return g.div_(r), None, None


def _info_nce(z: torch.Tensor, tau: float, symmetric: bool) -> torch.Tensor:
    """:class:`_InfoNCE` on (K, 2N, d) or (2N, d) stacked views, its logits in float32 also under autocast."""
    if z.ndim == 2:
        return _info_nce(z[None], tau, symmetric)[0]
    if z.ndim != 3 or z.shape[-2] % 2:
        raise ValueError(f"InfoNCE takes both views stacked, (2N, d) or (K, 2N, d) with rows i and N + i a positive "
                         f"pair; got shape {tuple(z.shape)}.")
    z = z.float()
    if torch.is_autocast_enabled(z.device.type):  # the logits in float32, not in autocast's bf16
        with torch.autocast(z.device.type, enabled=False):
            return _InfoNCE.apply(z, float(tau), bool(symmetric))
    return _InfoNCE.apply(z, float(tau), bool(symmetric))


def info_nce_loss(z_a: torch.Tensor, z_b: torch.Tensor, *, tau: float, symmetric: bool = False) -> torch.Tensor:
    """Paper Eq. 2 on unnormalized embeddings of the two views (rows pair up); float32 logits.

    ``z_a``, ``z_b`` of shape (N, d) give one loss; of shape (K, N, d), K independent losses (one per seed of a
    batched model, :mod:`infonce_gauss.simulations.batched`), each the loss of its (N, d) slice. The gradient is
    taken in closed form (:class:`_InfoNCE`); :func:`pair_loss` takes both views as the encoder's one output."""
    if z_a.shape != z_b.shape:
        raise ValueError(f"the two views must pair up row by row: shapes {tuple(z_a.shape)} and {tuple(z_b.shape)}.")
    return _info_nce(torch.cat((z_a, z_b), dim=-2), tau, symmetric)


def alignment_loss(z_a: torch.Tensor, z_b: torch.Tensor) -> torch.Tensor:
    r"""Wang & Isola's (2020) alignment term alone: :math:`E\|u-v\|^2=2-2E[u\cdot v]` over the positive pairs
    (rows of (..., N, d); one loss per leading index)."""
    u, v = F.normalize(z_a.float(), dim=-1), F.normalize(z_b.float(), dim=-1)
    return (u - v).square().sum(dim=-1).mean(dim=-1)


def uniformity_loss(z_a: torch.Tensor, z_b: torch.Tensor, *, t: float = 2.0) -> torch.Tensor:
    r"""Wang & Isola's (2020) uniformity term alone, :math:`\log E_{i\ne j}e^{-t\|u_i-u_j\|^2}` (t = 2), averaged
    over the two views; the pairing is not used (one loss per leading index of (..., N, d))."""

    def one(z):
        u = F.normalize(z.float(), dim=-1)
        n = u.shape[-2]
        sq = (2 - 2 * u @ u.transpose(-1, -2)).clamp_min(0)
        off = ~torch.eye(n, dtype=torch.bool, device=u.device)
        return torch.logsumexp(-t * sq[..., off], dim=-1) - math.log(n * (n - 1))

    return (one(z_a) + one(z_b)) / 2


def vicreg_loss(z_a: torch.Tensor, z_b: torch.Tensor, *, invariance: float = 25.0, variance: float = 25.0,
                covariance: float = 1.0) -> torch.Tensor:
    r"""VICReg (Bardes, Ponce & LeCun 2022) on the unnormalized embeddings, its default weights: the invariance
    :math:`E\|z_a-z_b\|^2/d`, the variance hinge :math:`\frac1d\sum_j\max(0,1-\sqrt{\mathrm{Var}z_j+10^{-4}})` and
    the covariance :math:`\frac1d\sum_{j\ne l}C_{jl}^2` of each view. A non-contrastive route to isotropy: no
    negatives, the spread comes from the variance and covariance terms (one loss per leading index)."""
    z_a, z_b = z_a.float(), z_b.float()
    n, d = z_a.shape[-2], z_a.shape[-1]
    inv = (z_a - z_b).square().sum(dim=-1).mean(dim=-1) / d

    def spread(z):
        c = z - z.mean(dim=-2, keepdim=True)
        cov = c.transpose(-1, -2) @ c / (n - 1)
        diag = torch.diagonal(cov, dim1=-2, dim2=-1)
        std = torch.sqrt(diag + 1e-4)
        off = cov.square().sum(dim=(-2, -1)) - diag.square().sum(dim=-1)
        return variance * F.relu(1 - std).mean(dim=-1) + covariance * off / d

    return invariance * inv + spread(z_a) + spread(z_b)


def pair_loss(z: torch.Tensor, config: "TrainConfig") -> torch.Tensor:
    """The loss of ``config.objective`` (one of :data:`PAIR_OBJECTIVES`) on the encoder's output for the stacked
    views, (..., 2N, d): the first N rows view a, the last N their positives in view b (one loss per leading index
    of a (K, 2N, d) batched output)."""
    if config.objective == "infonce":
        return _info_nce(z, config.tau, config.symmetric)
    loss = {"alignment": alignment_loss, "uniformity": uniformity_loss, "vicreg": vicreg_loss}[config.objective]
    return loss(*z.chunk(2, dim=-2))


# --- configuration ------------------------------------------------------------------------------

@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a training run (saved in the checkpoint and in run.json).

    Attributes
    ----------
    encoder, out_dim, hidden, width : the architecture (:func:`infonce_gauss.simulations.encoders.build_encoder`);
        ``hidden`` is used by ``mlp`` and ``free-norm``, ``width`` by ``cnn`` and ``resnet18``.
    objective : ``infonce`` (Eq. 2), ``supervised`` (cross-entropy on the embedding), or the controls on
        positive pairs: ``alignment`` or ``uniformity`` (Wang & Isola's two terms alone), ``vicreg``.
    epochs, batch_size : passes over the training set; N positive pairs per step (last partial batch dropped).
    tau, symmetric : temperature and the two-sided variant of the loss.
    lr, weight_decay : Adam's step size and (L2, coupled) weight decay.
    diagnostics_every : evaluate every this many epochs (and at epoch 0 and the last epoch).
    eval_samples : held-out items used for the diagnostics (all of the test set if larger).
    seed, device : see the module docstring; ``device`` is ``auto``, ``cpu``, ``cuda`` or ``cuda:N``.
    reg_c, reg_beta, reg_lam, reg_eta2, reg_k, reg_estimator : the paper's regularizer β(−H + λE‖z‖²) (Eq. 11)
        on the unnormalized embeddings of one view per batch (:class:`infonce_gauss.simulations.regularizer.EntropyRegularizer`),
        added to InfoNCE on their directions. β = ``reg_beta`` if given, else ``reg_c``·β₀(d, 1/τ, η₂)
        (Theorem 1), η₂ = ``reg_eta2`` or the task's channel's; λ = ``reg_lam`` (default d/2: target
        N(0, I/d)); ``reg_estimator`` the entropy instrument (``knn``, or ``radial``: Prop 3's radial term only);
        ``reg_k`` the kNN order. Off when β = 0 (the default).
    """

    encoder: str = "linear"
    out_dim: int = 256
    hidden: int = 512
    width: int = 32
    objective: str = "infonce"
    epochs: int = 100
    batch_size: int = 256
    tau: float = 0.1
    symmetric: bool = False
    lr: float = 1e-3
    weight_decay: float = 0.0
    diagnostics_every: int = 10
    eval_samples: int = 5000
    seed: int = 0
    device: str = "auto"
    reg_c: float = 0.0
    reg_beta: float | None = None
    reg_lam: float | None = None
    reg_eta2: float | None = None
    reg_k: int = 3
    reg_estimator: str = "knn"

    def __post_init__(self):
        if self.objective not in OBJECTIVES:
            raise ValueError(f"objective must be one of {OBJECTIVES}, got {self.objective!r}.")
        integer(self.out_dim, "out_dim", minimum=2)
        integer(self.epochs, "epochs", minimum=0)
        integer(self.batch_size, "batch_size (N)", minimum=2)
        integer(self.diagnostics_every, "diagnostics_every", minimum=1)
        integer(self.eval_samples, "eval_samples", minimum=20)
        integer(self.seed, "seed", minimum=0)
        positive(self.tau, "tau")
        positive(self.lr, "lr")
        if not (math.isfinite(self.weight_decay) and self.weight_decay >= 0):
            raise ValueError(f"weight_decay must be >= 0, got {self.weight_decay}.")
        if self.regularized and self.objective != "infonce":
            raise ValueError("the regularizer (reg_c, reg_beta) belongs to the InfoNCE objective; set objective 'infonce'.")
        if self.regularized:
            self.regularizer(0.5 if self.reg_eta2 is None else self.reg_eta2)  # validates the reg_* values

    @property
    def regularized(self) -> bool:
        return (self.reg_beta if self.reg_beta is not None else self.reg_c) != 0

    @property
    def reg_lambda(self) -> float:
        """λ of the regularizer: ``reg_lam``, else d/2, so that the target N(0, (2λ)⁻¹I) has variance 1/d per
        coordinate and E‖z‖² = d/(2λ) = 1."""
        return self.out_dim / 2 if self.reg_lam is None else self.reg_lam

    def regularizer(self, eta2: float | None):
        """The :class:`~infonce_gauss.simulations.regularizer.EntropyRegularizer` of this run (η₂ = ``reg_eta2``
        or ``eta2``, the task's), or None when it is off."""
        from infonce_gauss.simulations.regularizer import EntropyRegularizer

        if not self.regularized:
            return None
        lam = self.reg_lambda
        if self.reg_beta is not None:
            return EntropyRegularizer(beta=float(self.reg_beta), lam=float(lam), k=self.reg_k,
                                      estimator=self.reg_estimator)
        eta2 = self.reg_eta2 if self.reg_eta2 is not None else eta2
        if eta2 is None:
            raise ValueError("reg_c sets β = c·β₀(d, α, η₂), but this task has no known η₂: give reg_eta2 or reg_beta.")
        return EntropyRegularizer.from_threshold(self.reg_c, d=self.out_dim, alpha=1 / self.tau, eta2=eta2, lam=lam,
                                                 k=self.reg_k, estimator=self.reg_estimator)

    def encoder_options(self) -> dict:
        return {"mlp": {"hidden": self.hidden}, "free-norm": {"hidden": self.hidden}, "cnn": {"width": self.width}, "resnet18": {"width": self.width}}.get(
            self.encoder, {})

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def _rng(seed: int, *stream: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, *stream]))


# --- tasks: where batches and evaluation views come from ----------------------------------------

@dataclass(frozen=True)
class EvalSet:
    """Held-out inputs: ``anchors`` for the law of one embedding, ``view_a``/``view_b`` positive pairs
    (row i with row i), ``labels`` where known."""

    anchors: torch.Tensor
    view_a: torch.Tensor
    view_b: torch.Tensor
    labels: np.ndarray | None = None


def _as_float_tensor(x) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))


@dataclass(frozen=True)
class PairTask:
    r"""A synthetic set (:class:`infonce_gauss.simulations.datasets.SyntheticData`): base items :math:`X_0` and a channel
    with ``sample_pair(x0, rng)`` (two conditionally i.i.d. views) and ``eta2()``
    (:mod:`infonce_gauss.simulations.channels`).

    As in the paper's protocol (metrics on the test set), the anchors of the evaluation are the test
    items themselves where a base item is an input (Laplace, binary), and one view of each where it is
    not (GMM: the base item is a component and the data are its draws). Positive pairs are two views.
    """

    data: SyntheticData

    @property
    def name(self) -> str:
        return self.data.name

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (int(self.data.channel.sample(self.data.train_base[:1], 0).shape[1]),)

    @property
    def train_size(self) -> int:
        return int(self.data.train_base.shape[0])

    def eta2(self) -> float | None:
        """η₂ of the channel for Prop 1's bound: the upper end of its bracket (value + numerical error), so that
        the bound holds for every η₂ the bracket allows (a midpoint could understate it); None where the channel's
        η₂ is not known."""
        eta2 = self.data.channel.eta2()
        return None if eta2 is None else float(getattr(eta2, "upper", eta2))

    def batches(self, rng: np.random.Generator, batch_size: int, objective: str) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        if objective not in PAIR_OBJECTIVES:
            raise ValueError(f"the synthetic set {self.name!r} has positive pairs, no labels; train it with one of "
                             f"{', '.join(PAIR_OBJECTIVES)}.")
        order = rng.permutation(self.train_size)
        for start in range(0, self.train_size - batch_size + 1, batch_size):
            x, y = self.data.channel.sample_pair(self.data.train_base[order[start:start + batch_size]], rng)
            yield _as_float_tensor(x), _as_float_tensor(y)

    def evaluation(self, rng: np.random.Generator, samples: int) -> EvalSet:
        rows = slice(0, min(samples, self.data.test_base.shape[0]))
        base = self.data.test_base[rows]
        x, y = (_as_float_tensor(v) for v in self.data.channel.sample_pair(base, rng))
        labels = None if self.data.test_labels is None else np.asarray(self.data.test_labels[rows])
        return EvalSet(anchors=_as_float_tensor(base) if self.data.base_is_input else x, view_a=x, view_b=y,
                       labels=labels)


@dataclass(frozen=True)
class ImageTask:
    """Images with SimCLR views (``augment``) for InfoNCE, or one view and its label for the supervised
    baseline. Pixels are scaled to [0, 1], augmented, then standardized per channel with the training
    set's mean and standard deviation. Anchors of the evaluation are the test images themselves (the
    paper evaluates on the test set); positive pairs are two augmented views of them. With
    ``train_samples``, training uses only the first that many training images (the standard files of
    Fashion-MNIST and CIFAR-10 are in random class order), and the standardization is theirs."""

    data: ImageData
    augment: SimCLRAugment = SimCLRAugment()
    train_samples: int | None = None

    @property
    def name(self) -> str:
        return self.data.name

    @property
    def input_shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def train_size(self) -> int:
        total = int(self.data.train_images.shape[0])
        return total if self.train_samples is None else min(total, self.train_samples)

    def eta2(self) -> float | None:
        return None

    def _channel_stats(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Per-channel mean and standard deviation of the training pixels in [0, 1], accumulated over
        chunks of images (CIFAR-10 as float64 would take 1.2 GB at once)."""
        images = self.data.train_images[:self.train_size]
        total, square = np.zeros(images.shape[1]), np.zeros(images.shape[1])
        for start in range(0, images.shape[0], 4096):
            chunk = images[start:start + 4096].astype(np.float64) / 255.0
            total += chunk.sum(axis=(0, 2, 3))
            square += np.einsum("nchw,nchw->c", chunk, chunk)
        count = images.shape[0] * images.shape[2] * images.shape[3]
        mean = total / count
        std = np.sqrt(np.maximum(square / count - mean * mean, 0.0))
        return (torch.tensor(mean, dtype=torch.float32).view(1, -1, 1, 1),
                torch.tensor(np.maximum(std, 1e-6), dtype=torch.float32).view(1, -1, 1, 1))

    def _standardize(self, x01: torch.Tensor) -> torch.Tensor:
        mean, std = self._stats
        return (x01 - mean) / std

    def __post_init__(self):
        if self.train_samples is not None:
            integer(self.train_samples, "train_samples", minimum=2)
        object.__setattr__(self, "_stats", self._channel_stats())

    @staticmethod
    def _unit(images: np.ndarray) -> torch.Tensor:
        """uint8 images (possibly a read-only memory map) as float32 in [0, 1]; the float copy is torch's."""
        return torch.as_tensor(np.asarray(images, dtype=np.float32) / 255.0)

    @staticmethod
    def _generator(rng: np.random.Generator) -> torch.Generator:
        return torch.Generator().manual_seed(int(rng.integers(2**62)))

    def batches(self, rng, batch_size, objective):
        order = rng.permutation(self.train_size)
        gen = self._generator(rng)
        for start in range(0, self.train_size - batch_size + 1, batch_size):
            idx = order[start:start + batch_size]
            images = self._unit(self.data.train_images[idx])
            if objective == "supervised":
                yield self._standardize(self.augment(images, gen)), torch.from_numpy(self.data.train_labels[idx])
            else:
                a, b = self.augment.pair(images, gen)
                yield self._standardize(a), self._standardize(b)

    def evaluation(self, rng, samples):
        rows = slice(0, min(samples, self.data.test_images.shape[0]))
        images = self._unit(self.data.test_images[rows])
        a, b = self.augment.pair(images, self._generator(rng))
        return EvalSet(anchors=self._standardize(images), view_a=self._standardize(a), view_b=self._standardize(b),
                       labels=np.asarray(self.data.test_labels[rows]))


# --- diagnostics --------------------------------------------------------------------------------

def gaussianity_columns(z: np.ndarray) -> dict:
    """The paper's four Table-1 columns of an (n, d) embedding matrix: mean Anderson–Darling A²,
    % of coordinates with A² < 0.752, mean D'Agostino–Pearson p-value, % with p > 0.05
    (:mod:`infonce_gauss.simulations.univariate`); and ``ad_sd``, ``dp_sd``, the standard deviations of
    A² and of the p-value over the d coordinates (so sd/√d is the standard error of each mean when the
    coordinates are taken as independent)."""
    from infonce_gauss.simulations.univariate import coordinate_tests, paper_columns

    tests = coordinate_tests(z, workers=1)
    cols = paper_columns(tests)
    return {"ad_avg": cols.ad_avg, "ad_pass_pct": cols.ad_pass_pct, "dp_avg": cols.dp_avg, "dp_pass_pct": cols.dp_pass_pct,
            "ad_sd": float(tests.ad.std(ddof=1)), "dp_sd": float(tests.dp_pvalue.std(ddof=1))}


def dependence_columns(z: np.ndarray) -> dict:
    r"""The dependence of the d coordinates of an (n, d) embedding matrix, as flat columns of a diagnostics row:
    ``corr_participation_ratio`` (:math:`d/P_2=(\operatorname{tr}R)^2/\|R\|_F^2` of their correlation
    matrix R: d for uncorrelated coordinates, 1 for one shared coordinate) and ``corr_power_sum_k``
    :math:`=\frac1d\sum_{jl}R_{jl}^k` for each k in :data:`~infonce_gauss.simulations.dependence.POWERS`
    (:func:`~infonce_gauss.simulations.dependence.power_sums`), from which the design effect of each
    per-coordinate summary follows for any outcome map (:func:`row_power_sums`). Cost :math:`O(nd^2)`."""
    sums = power_sums(column_correlation(z))
    return {"corr_participation_ratio": z.shape[1] / sums[2], **{f"corr_power_sum_{k}": v for k, v in sums.items()}}


def row_power_sums(row: Mapping, prefix: str = "") -> dict[int, float]:
    """The power sums ``{k: P_k}`` of a diagnostics row (:func:`dependence_columns`; ``prefix`` ``"norm_"`` for the
    normalized coordinates')."""
    return {k: float(row[f"{prefix}corr_power_sum_{k}"]) for k in POWERS}


def embedding_diagnostics(anchors, view_a, view_b, *, eta2: float | None = None, pairs: int = 2000,
                          t: float = 2.0) -> dict:
    r"""The paper's diagnostics of one embedding law and its positive pairs (rows of float arrays).

    * ``cv`` (± ``cv_se``): :math:`\mathrm{std}\|z\|/\mathrm{mean}\|z\|` (Eq. 20) of the anchors;
      ``mean_norm``.
    * The four Table-1 columns (:func:`gaussianity_columns`) on the unnormalized anchors and, with
      prefix ``norm_``, on the normalized ones :math:`u=z/\|z\|`; and the dependence of their coordinates
      (:func:`dependence_columns`: the participation ratio and power sums of the correlation matrix), likewise.
    * ``alignment`` (± ``alignment_se``): :math:`E_\pi[u\cdot v]` over the positive pairs.
    * ``m_sq`` (± ``m_sq_se``): :math:`\|m\|^2=\|E u\|^2` of the *view* law, the law the alignment is
      measured on and the one Prop. 1 (Eq. 6) is about (the anchors, e.g. clean inputs, may have another
      law). Unbiased: :func:`simulations.estimates.mean_norm_sq` on the pair means
      :math:`w_i=(u_i+v_i)/2`, i.e. the mean of :math:`u_i\cdot u_j`, :math:`u_i\cdot v_j`,
      :math:`v_i\cdot v_j` over pairs :math:`i\ne j` (within-pair products, whose mean is the
      alignment, are left out).
    * With ``eta2``: Prop. 1's bound ``align_bound`` :math:`=\eta_2+(1-\eta_2)\|m\|^2` (± ``align_bound_se``
      :math:`=(1-\eta_2)\,\mathrm{se}(\|m\|^2)`), and the slack ``align_slack``
      :math:`S=\eta_2+(1-\eta_2)\widehat{\|m\|^2}-\widehat{E[u\cdot v]}` (± ``align_slack_se``) with
      :math:`\mathrm{Var}\,S=(1-\eta_2)^2\mathrm{Var}\widehat{\|m\|^2}+\mathrm{Var}\,\widehat{E[u\cdot v]}
      -2(1-\eta_2)\,\mathrm{Cov}`, where :math:`\mathrm{Cov}=\tfrac2n\mathrm{Cov}(u_i\cdot v_i,\,m\cdot w_i)` exactly
      (a mean against an order-2 U-statistic on the same pairs). Prop. 1 is rejected at level z
      when :math:`S<-z\,\mathrm{se}(S)`, i.e. alignment − bound > z·se; ``align_excess_z``
      :math:`=-S/\mathrm{se}(S)` is that statistic (η₂ is taken as exact here).
    * ``anchor_m_sq``: the same unbiased :math:`\|E u\|^2` of the anchors, for comparison.
    * ``uniformity``: Wang & Isola's :math:`\log E\,e^{-t\|u-u'\|^2}` over distinct pairs of the first
      ``pairs`` anchors, beside its value at the uniform law ``uniformity_sigma``
      :math:`=-2t+\log{}_0F_1(;d/2;t^2)`.
    * ``neg_cos_var``: the variance of :math:`u_i\cdot u_j` (i ≠ j), beside ``1/d`` (its value under
      σ); ``d_neg_cos_sq`` :math:`=d\,E[(u\cdot u')^2]=d\,\mathrm{tr}\,\Sigma_u^2\ge1`, with equality iff
      the second moment of u is isotropic.
    """
    z = np.asarray(anchors, dtype=np.float64)
    n, d = z.shape
    u = normalize_rows(z, zero="raise")
    ua, ub = normalize_rows(view_a, zero="raise"), normalize_rows(view_b, zero="raise")
    norms = np.linalg.norm(z, axis=1)
    cv = cv_estimate(norms)
    if ua.shape != ub.shape:
        raise ValueError(f"view_a and view_b must pair up row by row, got shapes {ua.shape} and {ub.shape}.")
    cos_pos = np.einsum("ij,ij->i", ua, ub)
    align = mean_estimate(cos_pos)
    w = (ua + ub) / 2
    m_sq = mean_norm_sq(w)
    bound = {"align_bound": None, "align_bound_se": None, "align_slack": None, "align_slack_se": None,
             "align_excess_z": None}
    if eta2 is not None:
        k = w.shape[0]
        keep = 1 - eta2
        cov = 2.0 / k * float(np.cov(cos_pos, w @ (w.sum(axis=0) / k))[0, 1])
        slack = eta2 + keep * m_sq.value - align.value
        slack_se = math.sqrt(max(keep * keep * m_sq.se**2 + align.se**2 - 2 * keep * cov, 0.0))
        bound = {"align_bound": eta2 + keep * m_sq.value, "align_bound_se": keep * m_sq.se, "align_slack": slack,
                 "align_slack_se": slack_se,
                 "align_excess_z": (-slack / slack_se) if slack_se > 0 else (0.0 if slack >= 0 else math.inf)}
    anchor_m_sq = mean_norm_sq(u).value
    sub = u[:pairs]
    k = sub.shape[0]
    cos = (sub @ sub.T)[~np.eye(k, dtype=bool)]
    uniformity = float(special.logsumexp(-2 * t * (1 - cos)) - math.log(cos.size))
    out = {"n": n, "d": d, "cv": cv.value, "cv_se": cv.se, "mean_norm": float(norms.mean()),
           **gaussianity_columns(z), **{f"norm_{k_}": v for k_, v in gaussianity_columns(u).items()},
           **dependence_columns(z), **{f"norm_{k_}": v for k_, v in dependence_columns(u).items()},
           "alignment": align.value, "alignment_se": align.se, "m_sq": m_sq.value, "m_sq_se": m_sq.se,
           "eta2": eta2, **bound, "anchor_m_sq": anchor_m_sq,
           "uniformity": uniformity, "uniformity_sigma": -2 * t + float(log_hyp0f1(d / 2, t * t)),
           "neg_cos_mean": float(cos.mean()), "neg_cos_var": float(cos.var()), "inv_d": 1.0 / d,
           "d_neg_cos_sq": float(d * np.mean(cos * cos))}
    return out


def diagnostics_row(epoch: int, step: int, loss: float | None, seconds: float, embeddings, eta2: float | None,
                    streamed: dict | None = None) -> dict:
    """One row of a run's diagnostics table: ``epoch``, ``step``, ``train_loss``, ``seconds``, the
    :func:`embedding_diagnostics` of ``embeddings`` (anchors, view a, view b) and the streamed statistics
    prefixed ``train_``."""
    return {"epoch": epoch, "step": step, "train_loss": loss, "seconds": round(seconds, 3),
            **embedding_diagnostics(*embeddings, eta2=eta2), **{f"train_{k}": v for k, v in (streamed or {}).items()}}


# --- the loop -----------------------------------------------------------------------------------

class _Classifier(nn.Module):
    """The supervised baseline: the same encoder, and a linear classifier on its embedding."""

    def __init__(self, encoder: nn.Module, out_dim: int, classes: int):
        super().__init__()
        self.encoder = encoder
        self.classifier = nn.Linear(out_dim, classes)

    def forward(self, x):
        return self.encoder(x)


def _autocast(device: torch.device):
    if device.type == "cuda":
        return torch.autocast(device_type="cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


@torch.no_grad()
def embed(model: nn.Module, x: torch.Tensor, *, device=None, batch: int = 1024) -> np.ndarray:
    """Embeddings of ``x`` in eval mode, in batches, as a float64 array."""
    device = device or next(model.parameters()).device
    was_training = model.training
    model.eval()
    parts = []
    with _autocast(device):
        for start in range(0, x.shape[0], batch):
            parts.append(model(x[start:start + batch].to(device)).float().cpu().numpy())
    model.train(was_training)
    return np.concatenate(parts).astype(np.float64)


def _embed_evaluation(model, evaluation: EvalSet, device) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    z = embed(model, evaluation.anchors, device=device)
    za = z if evaluation.view_a is evaluation.anchors else embed(model, evaluation.view_a, device=device)
    return z, za, embed(model, evaluation.view_b, device=device)


def build_model(config: TrainConfig, task, device="cpu") -> nn.Module:
    """The run's network at initialization (seeded with ``config.seed``; the supervised baseline with its
    classifier), on ``device``."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        encoder = build_encoder(config.encoder, task.input_shape, config.out_dim, **config.encoder_options())
        if config.objective == "supervised":
            if not isinstance(task, ImageTask):
                raise ValueError(f"the supervised baseline needs labelled images; {task.name!r} is for 'infonce'.")
            encoder = _Classifier(encoder, config.out_dim, task.data.classes)
    return encoder.to(device)


def backbone_diagnostics(model: nn.Module, task, config: TrainConfig) -> dict:
    """:func:`embedding_diagnostics` of the backbone (``features``: the layer before the linear head, SimCLR's
    usual representation) on the run's own evaluation set, the images and views :func:`train` evaluates."""
    encoder = model.encoder if isinstance(model, _Classifier) else model
    if not hasattr(encoder, "features"):
        raise ValueError(f"the {config.encoder!r} encoder has no backbone before its head; use 'cnn' or 'resnet18'.")
    evaluation = task.evaluation(_rng(config.seed, _EVAL_STREAM), config.eval_samples)
    device = next(model.parameters()).device
    z, za, zb = (embed(encoder.features, x, device=device) for x in (evaluation.anchors, evaluation.view_a, evaluation.view_b))
    return embedding_diagnostics(z, za, zb)


@dataclass(frozen=True)
class TrainResult:
    """A finished run: the model, the diagnostics table, final embeddings and the files written."""

    model: nn.Module
    rows: list
    embeddings: np.ndarray
    positives_a: np.ndarray
    positives_b: np.ndarray
    labels: np.ndarray | None
    files: Mapping[str, Path]
    config: TrainConfig
    seconds: float

    @property
    def final(self) -> dict:
        return self.rows[-1]


def _step_loss(model, config, inputs, targets, device, regularizer=None, monitor=None) -> torch.Tensor:
    """The loss of one batch; ``monitor`` (a :class:`GaussianityMonitor`), when given, is fed the embeddings
    the loss is computed on (both views of each pair for InfoNCE, the classifier's input for the supervised
    baseline), outside autocast and without a second forward pass."""
    with _autocast(device):
        if config.objective == "supervised":
            z = model(inputs.to(device))
            logits = model.classifier(z)
        else:
            z = model(torch.cat([inputs, targets]).to(device))
    if config.objective == "supervised":
        if monitor is not None:
            monitor.update(z)
        return F.cross_entropy(logits.float(), targets.to(device))
    z_a, z_b = z.chunk(2)
    if monitor is not None:
        monitor.update(z_a, z_b)
    loss = pair_loss(z, config)
    return loss if regularizer is None else loss + regularizer(z_a)


_STATE = ("config", "epoch", "model", "optimizer", "rows", "seconds")


def _restore(path: Path, config: TrainConfig, model: nn.Module, optimizer) -> tuple[list, int, float]:
    """Load the checkpoint ``path`` into ``model`` and ``optimizer``; returns its rows, the next epoch and the
    seconds trained so far.

    The file is read with ``weights_only=True`` (tensors and plain values: a planted pickle runs nothing); a
    file that is not this run's checkpoint (corrupt, foreign, another configuration) raises a ValueError.
    """
    remedy = "delete it, or write to a new --out folder, and train without --resume."
    state = load_torch_file(path, what="a checkpoint of infonce-gauss train", remedy=remedy)
    if not isinstance(state, dict) or not set(_STATE) <= state.keys() or not isinstance(state["config"], dict):
        raise ValueError(f"{path} is not a checkpoint of infonce-gauss train (it lacks the entries "
                         f"{', '.join(_STATE)}); {remedy}")
    saved = {k: v for k, v in state["config"].items() if k not in ("epochs", "device")}
    wanted = {k: v for k, v in config.to_dict().items() if k not in ("epochs", "device")}
    if saved != wanted:
        changed = sorted(k for k in wanted if saved.get(k) != wanted[k])
        raise ValueError(f"the checkpoint {path} was written with a different configuration ({', '.join(changed)}); "
                         "resume with the same settings, or write to a new --out folder.")
    try:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        return list(state["rows"]), int(state["epoch"]) + 1, float(state["seconds"])
    except (RuntimeError, KeyError, ValueError, TypeError, IndexError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(f"{path} is not a checkpoint of infonce-gauss train ({reason}); {remedy}") from None


def train(task, config: TrainConfig, *, out_dir=None, resume: bool = False, progress: bool = True,
          checkpoint_every: int | None = None, monitor: bool = True) -> TrainResult:
    """Train an encoder on ``task`` (:class:`PairTask` or :class:`ImageTask`) and log diagnostics.

    Each row of the diagnostics table (``rows``, ``diagnostics.csv``) holds ``epoch``, ``step``,
    ``train_loss`` (the mean loss over the epoch's batches), ``seconds``, the held-out
    :func:`embedding_diagnostics` and, with ``monitor`` (the default), the
    :class:`~infonce_gauss.simulations.monitor.GaussianityMonitor` statistics of the embeddings the loss
    saw in that epoch (for InfoNCE the unnormalized outputs of the first view of every training batch, the
    anchors, with the second view's as their positives for the alignment; for the supervised baseline the
    classifier's input), prefixed ``train_``: ``train_n`` (anchors seen), ``train_norm_cv`` (beside ``train_norm_cv_chi``),
    ``train_mean_norm_sq`` ± ``train_mean_norm_sq_se``, ``train_alignment`` ± ``train_alignment_se`` (InfoNCE
    only), ``train_effective_rank``, ``train_participation_ratio``, ``train_coordinate_skewness``,
    ``train_coordinate_excess_kurtosis``, ``train_projection_skewness``, ``train_projection_excess_kurtosis``
    and ``train_projection_max_abs_excess_kurtosis``. They describe the moving encoder over the epoch (each batch
    embedded by the weights of its step, in training mode), not the final encoder of the epoch as the held-out
    columns do. The monitor is fed only in the epochs that get a row (it is reset at their start) and
    is absent from the row of epoch 0; ``monitor=False`` leaves the ``train_*`` columns out.

    With ``out_dir``: writes ``diagnostics.csv`` (rewritten at each evaluation), ``checkpoint.pt``
    (every ``checkpoint_every`` epochs, default ``diagnostics_every``, and at the end), and at the end
    ``embeddings.npy`` (unnormalized embeddings of the evaluation anchors), ``positives_a.npy`` /
    ``positives_b.npy`` (the two views of each positive pair; for synthetic sets ``positives_a`` are the
    anchors) and ``labels.npy`` where known. ``resume=True`` continues from ``checkpoint.pt`` there.
    """
    from tqdm.auto import tqdm

    device = resolve_device(config.device)
    out = None if out_dir is None else Path(out_dir)
    every = integer(checkpoint_every or config.diagnostics_every, "checkpoint_every", minimum=1)
    model = build_model(config, task, device)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    rows, first_epoch, elapsed = [], 1, 0.0
    if resume:
        if out is None or not (out / _CHECKPOINT).is_file():
            raise ValueError(f"nothing to resume: no {_CHECKPOINT} in {out}; train without --resume first.")
        rows, first_epoch, elapsed = _restore(out / _CHECKPOINT, config, model, optimizer)
    evaluation = task.evaluation(_rng(config.seed, _EVAL_STREAM), config.eval_samples)
    eta2 = task.eta2() if config.objective in PAIR_OBJECTIVES else None
    regularizer = config.regularizer(eta2)
    steps_per_epoch = task.train_size // config.batch_size
    if steps_per_epoch == 0:
        raise ValueError(f"batch_size {config.batch_size} exceeds the {task.train_size} training items; lower it.")

    def evaluate(epoch: int, loss: float | None, streamed: dict | None = None) -> None:
        rows.append(diagnostics_row(epoch, epoch * steps_per_epoch, loss, elapsed + time.perf_counter() - start,
                                    _embed_evaluation(model, evaluation, device), eta2, streamed))
        if out is not None:
            atomic_write_text(out / _DIAGNOSTICS, csv_text(rows))

    def checkpoint(epoch: int) -> None:
        state = {"config": config.to_dict(), "epoch": epoch, "model": model.state_dict(),
                 "optimizer": optimizer.state_dict(), "rows": rows,
                 "seconds": elapsed + time.perf_counter() - start}
        atomic_write(out / _CHECKPOINT, lambda fh: torch.save(state, fh))

    streaming = GaussianityMonitor(config.out_dim, seed=config.seed) if monitor else None
    start = time.perf_counter()
    if first_epoch == 1:
        evaluate(0, None)
    model.train()
    bar = tqdm(range(first_epoch, config.epochs + 1), desc=f"{task.name} {config.encoder} N={config.batch_size}",
               unit="epoch", disable=not progress, leave=False)
    for epoch in bar:
        total = 0.0
        logged = epoch % config.diagnostics_every == 0 or epoch == config.epochs
        watch = streaming if logged else None
        if watch is not None:
            watch.reset()
        for inputs, targets in task.batches(_rng(config.seed, _TRAIN_STREAM, epoch), config.batch_size, config.objective):
            loss = _step_loss(model, config, inputs, targets, device, regularizer, watch)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += float(loss.detach())
        mean_loss = total / steps_per_epoch
        bar.set_postfix(loss=f"{mean_loss:.4f}")
        if logged:
            evaluate(epoch, mean_loss, None if watch is None else watch.compute())
        if out is not None and (epoch % every == 0 or epoch == config.epochs):
            checkpoint(epoch)
    bar.close()
    z, za, zb = _embed_evaluation(model, evaluation, device)
    files = {}
    if out is not None:
        arrays = {"embeddings": z, "positives_a": za, "positives_b": zb}
        if evaluation.labels is not None:
            arrays["labels"] = evaluation.labels
        for name, array in arrays.items():
            files[name] = atomic_write(out / f"{name}.npy", lambda fh, a=array: np.save(fh, a))
        files["diagnostics"], files["checkpoint"] = out / _DIAGNOSTICS, out / _CHECKPOINT
    return TrainResult(model=model, rows=rows, embeddings=z, positives_a=za, positives_b=zb, labels=evaluation.labels,
                       files=files, config=config, seconds=elapsed + time.perf_counter() - start)
