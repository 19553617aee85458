r"""A monitor of the paper's assumptions inside a training loop, fed batch by batch in bounded memory.

:class:`GaussianityMonitor` keeps only streaming sums, on the device of the embeddings and in
float64: O(d²) for the two Gram matrices, O(d + K) for the power sums of the coordinates and of K
fixed random projections. :meth:`~GaussianityMonitor.compute` turns them into

* ``norm_cv``: CV of ‖z‖ (Assumption 2, Eq. 20) beside the chi law's ``norm_cv_chi``;
* ``mean_norm_sq`` ± ``mean_norm_sq_se``: the unbiased :math:`\|m\|^2=\|E u\|^2`
  (:func:`~infonce_gauss.simulations.estimates.mean_norm_sq_from_sums`; Prop 1, Lemma 1);
* ``alignment`` ± ``alignment_se``: :math:`E[u\cdot v]` over positive pairs, when given;
* ``effective_rank`` (RankMe, Garrido et al. 2023: :math:`\exp` of the entropy of the normalized
  eigenvalues) and ``participation_ratio`` :math:`(\sum\lambda)^2/\sum\lambda^2` of the covariance of z;
* ``coordinate_skewness`` / ``coordinate_excess_kurtosis`` (means over coordinates) and the same
  for the K projections (``projection_*``), each from the first four power sums; a uniform sphere
  gives excess kurtosis :math:`-6/(d+2)`, a Gaussian 0.

Precision and cost. Each batch's products (the two Gram matrices, the power sums, the projections) are
computed in the batch's own floating dtype (float32 for float32 embeddings; bf16/fp16 are raised to
float32, float64 stays float64); the power sums are added into float64 running sums batch by batch,
the Gram matrices in place into a window of :data:`WINDOW_ROWS` rows that is added into its float64
sum when full; the per-row norms and cosines, whose sums feed the CV of the norms and the alignment,
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

from infonce_gauss.simulations.estimates import mean_norm_sq_from_sums
from infonce_gauss.theory.sphere import chi_norm_moments

__all__ = ["GaussianityMonitor", "WINDOW_ROWS"]

WINDOW_ROWS = 4096
"""Rows whose Gram matrices are accumulated in the batch's dtype before they are added into the float64
running sums: a float32 sum over 4096 rows is accurate to ~√4096·6e-8 ≈ 4e-6 relative, as NumPy's
:func:`~infonce_gauss.encoder_check.streaming.add_gram` blocks are, and each window's error is added once."""


def _standardized_moments(s1, s2, s3, s4, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Skewness :math:`g_1` and excess kurtosis :math:`g_2` (biased, as SciPy's) from power sums."""
    m1 = s1 / n
    c2 = s2 / n - m1**2
    c3 = s3 / n - 3 * m1 * s2 / n + 2 * m1**3
    c4 = s4 / n - 4 * m1 * s3 / n + 6 * m1**2 * s2 / n - 3 * m1**4
    return c3 / c2**1.5, c4 / c2**2 - 3


class GaussianityMonitor:
    """Streaming statistics of embeddings (see the module docstring); ``directions`` fixed random
    projections drawn once from ``seed``.

    Attributes
    ----------
    dim : the embedding dimension d.
    n, pairs : embeddings and positive pairs added since the last :meth:`reset`.
    """

    def __init__(self, dim: int, *, directions: int = 16, seed: int = 0):
        if dim < 2:
            raise ValueError(f"dim must be at least 2, got {dim}.")
        q, r = np.linalg.qr(np.random.default_rng(seed).standard_normal((dim, min(directions, dim))))
        self.dim = dim
        self._w = torch.from_numpy(q * np.sign(np.diag(r)))
        self._w_on: dict[tuple, torch.Tensor] = {}
        self.reset()

    @property
    def directions(self) -> torch.Tensor:
        """The K fixed projection directions, orthonormal columns of a (d, K) float64 CPU tensor."""
        return self._w.clone()

    def reset(self) -> None:
        """Forget every batch."""
        self.n = 0
        self.pairs = 0
        self._sums: dict[str, torch.Tensor] | None = None
        self._window: torch.Tensor | None = None  # the Gram matrices of the last < WINDOW_ROWS rows, batch dtype
        self._window_rows = 0

    def _directions(self, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
        """The K directions as a (d, K) matrix on ``device`` in ``dtype``, converted once per (device, dtype)."""
        key = (device, dtype)
        if key not in self._w_on:
            self._w_on[key] = self._w.to(device=device, dtype=dtype)
        return self._w_on[key]

    def _zeros(self, device: torch.device) -> dict[str, torch.Tensor]:
        d, k = self.dim, self._w.shape[1]
        shapes = {"gram": (2, d, d), "powers": (4, d + k), "u": (d,), "norms": (2,), "cos": (2,)}
        return {name: torch.zeros(shape, dtype=torch.float64, device=device) for name, shape in shapes.items()}

    def update(self, z: torch.Tensor, z_positive: torch.Tensor | None = None) -> None:
        """Add a (batch, dim) batch of embeddings (and their positives, row by row); gradients are not tracked
        (both are detached), and autocast, if on, is suspended (its bf16 products would lose the digits the
        statistics need)."""
        if z.ndim != 2 or z.shape[1] != self.dim:
            raise ValueError(f"expected a (batch, {self.dim}) tensor, got shape {tuple(z.shape)}.")
        if z_positive is not None and z_positive.shape != z.shape:
            raise ValueError(f"z_positive must pair up with z row by row: shapes {tuple(z_positive.shape)} and "
                             f"{tuple(z.shape)}.")
        z = z.detach()
        if z.dtype not in (torch.float32, torch.float64):
            z = z.float()
        if z_positive is not None:
            z_positive = z_positive.detach()
        if torch.is_autocast_enabled(z.device.type):
            with torch.autocast(z.device.type, enabled=False):
                self._accumulate(z, z_positive)
        else:
            self._accumulate(z, z_positive)

    def _accumulate(self, z: torch.Tensor, z_positive: torch.Tensor | None) -> None:
        if self._sums is None:
            self._sums = self._zeros(z.device)
        if self._window is None or self._window.dtype != z.dtype:
            self._flush()
            self._window = torch.zeros((2, self.dim, self.dim), dtype=z.dtype, device=z.device)
        norms = torch.linalg.vector_norm(z, dim=1)
        u = z / norms[:, None]
        self._window[0].addmm_(z.T, z)  # accumulated in place, in the batch's dtype (see WINDOW_ROWS)
        self._window[1].addmm_(u.T, u)
        x = torch.cat((z, z @ self._directions(z.device, z.dtype)), dim=1)
        x2 = x * x
        self._sums["powers"] += torch.stack((x.sum(0), x2.sum(0), (x2 * x).sum(0), (x2 * x2).sum(0)))
        self._sums["u"] += u.sum(dim=0)
        r = norms.double()
        self._sums["norms"] += torch.stack((r.sum(), r @ r))
        self.n += z.shape[0]
        if z_positive is not None:
            v = z_positive.to(z.dtype)
            cos = (torch.linalg.vecdot(u, v) / torch.linalg.vector_norm(v, dim=1)).double()
            self._sums["cos"] += torch.stack((cos.sum(), cos @ cos))
            self.pairs += cos.shape[0]
        self._window_rows += z.shape[0]
        if self._window_rows >= WINDOW_ROWS:
            self._flush()

    def _flush(self) -> None:
        """Add the window's Gram matrices into their float64 running sums and empty it."""
        if self._window_rows:
            self._sums["gram"] += self._window
            self._window.zero_()
            self._window_rows = 0

    def compute(self) -> dict:
        """The statistics of every batch since the last :meth:`reset` (Python floats)."""
        if self.n < 2:
            raise ValueError("the monitor needs at least 2 embeddings; call update() first.")
        self._flush()
        s = {k: v.cpu().numpy() for k, v in self._sums.items()}
        n, d = self.n, self.dim
        (zz, uu), powers = s["gram"], s["powers"]
        mean_r = float(s["norms"][0]) / n
        m_sq = mean_norm_sq_from_sums(s["u"], uu, n)
        mean = powers[0, :d] / n
        lam = np.clip(np.linalg.eigvalsh((zz - n * np.outer(mean, mean)) / (n - 1)), 0, None)
        prob = lam / lam.sum()
        prob = prob[prob > 0]
        c_skew, c_kurt = _standardized_moments(*powers[:, :d], n)
        p_skew, p_kurt = _standardized_moments(*powers[:, d:], n)
        out = {"n": n, "norm_cv": math.sqrt(max(float(s["norms"][1]) / n - mean_r**2, 0.0)) / mean_r,
               "norm_cv_chi": chi_norm_moments(d).cv, "mean_norm_sq": m_sq.value, "mean_norm_sq_se": m_sq.se,
               "effective_rank": float(np.exp(-np.sum(prob * np.log(prob)))),
               "participation_ratio": float(lam.sum() ** 2 / np.sum(lam * lam)),
               "coordinate_skewness": float(c_skew.mean()), "coordinate_excess_kurtosis": float(c_kurt.mean()),
               "projection_skewness": float(p_skew.mean()), "projection_excess_kurtosis": float(p_kurt.mean()),
               "projection_max_abs_excess_kurtosis": float(np.abs(p_kurt).max())}
        if self.pairs:
            a = float(s["cos"][0]) / self.pairs
            var = max(float(s["cos"][1]) / self.pairs - a * a, 0.0) * self.pairs / max(self.pairs - 1, 1)
            out.update(alignment=a, alignment_se=math.sqrt(var / self.pairs))
        return out
