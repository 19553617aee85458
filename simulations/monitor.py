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

The sums are a :class:`~infonce_gauss.simulations.moments.Moments` state (its torch path, with power sums).
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

from infonce_gauss.simulations.moments import Moments
from infonce_gauss.simulations.geometry import effective_rank, participation_ratio
from infonce_gauss.theory.sphere import chi_norm_moments

__all__ = ["GaussianityMonitor"]


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
        self._w = q * np.sign(np.diag(r))
        self.reset()

    @property
    def directions(self) -> torch.Tensor:
        """The K fixed projection directions, orthonormal columns of a (d, K) float64 CPU tensor."""
        return torch.from_numpy(self._w.copy())

    @property
    def n(self) -> int:
        return self._moments.n

    @property
    def pairs(self) -> int:
        return self._moments.pairs

    def reset(self) -> None:
        """Forget every batch."""
        self._moments = Moments(directions=self._w, power_sums=True)

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
                self._moments.add(z, z_positive)
        else:
            self._moments.add(z, z_positive)

    def compute(self) -> dict:
        """The statistics of every batch since the last :meth:`reset` (Python floats)."""
        if self.n < 2:
            raise ValueError("the monitor needs at least 2 embeddings; call update() first.")
        m = self._moments.host()
        n, d = m.n, self.dim
        mean_r = float(m.norm_sums[0]) / n
        m_sq = m.mean_norm_sq()
        lam = np.clip(np.linalg.eigvalsh(m.covariance()), 0, None)
        skew, kurt = m.standardized_moments()
        c_skew, c_kurt, p_skew, p_kurt = skew[:d], kurt[:d], skew[d:], kurt[d:]
        out = {"n": n, "norm_cv": math.sqrt(max(float(m.norm_sums[1]) / n - mean_r**2, 0.0)) / mean_r,
               "norm_cv_chi": chi_norm_moments(d).cv, "mean_norm_sq": m_sq.value, "mean_norm_sq_se": m_sq.se,
               "effective_rank": effective_rank(lam), "participation_ratio": participation_ratio(lam),
               "coordinate_skewness": float(c_skew.mean()), "coordinate_excess_kurtosis": float(c_kurt.mean()),
               "projection_skewness": float(p_skew.mean()), "projection_excess_kurtosis": float(p_kurt.mean()),
               "projection_max_abs_excess_kurtosis": float(np.abs(p_kurt).max())}
        if m.pairs:
            a = float(m.cos_sums[0]) / m.pairs
            var = max(float(m.cos_sums[1]) / m.pairs - a * a, 0.0) * m.pairs / max(m.pairs - 1, 1)
            out.update(alignment=a, alignment_se=math.sqrt(var / m.pairs))
        return out
