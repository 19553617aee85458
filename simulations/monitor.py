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

__all__ = ["GaussianityMonitor"]


def _standardized_moments(s1, s2, s3, s4, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Skewness :math:`g_1` and excess kurtosis :math:`g_2` (biased, as SciPy's) from power sums."""
    m1 = s1 / n
    c2 = s2 / n - m1**2
    c3 = s3 / n - 3 * m1 * s2 / n + 2 * m1**3
    c4 = s4 / n - 4 * m1 * s3 / n + 6 * m1**2 * s2 / n - 3 * m1**4
    return c3 / c2**1.5, c4 / c2**2 - 3


class GaussianityMonitor:
    """Streaming statistics of embeddings (see the module docstring); ``directions`` fixed random
    projections drawn once from ``seed``."""

    def __init__(self, dim: int, *, directions: int = 16, seed: int = 0):
        if dim < 2:
            raise ValueError(f"dim must be at least 2, got {dim}.")
        q, r = np.linalg.qr(np.random.default_rng(seed).standard_normal((dim, min(directions, dim))))
        self.dim = dim
        self._w = torch.from_numpy(q * np.sign(np.diag(r)))
        self.reset()

    def reset(self) -> None:
        """Forget every batch."""
        self.n = 0
        self.pairs = 0
        self._sums: dict[str, torch.Tensor] = {}

    def _add(self, name: str, value: torch.Tensor) -> None:
        self._sums[name] = self._sums[name] + value if name in self._sums else value

    @torch.no_grad()
    def update(self, z: torch.Tensor, z_positive: torch.Tensor | None = None) -> None:
        """Add a (batch, dim) batch of embeddings (and their positives, row by row)."""
        if z.ndim != 2 or z.shape[1] != self.dim:
            raise ValueError(f"expected a (batch, {self.dim}) tensor, got shape {tuple(z.shape)}.")
        z = z.detach().to(torch.float64)
        norms = z.norm(dim=1)
        u = z / norms[:, None]
        p = z @ self._w.to(z.device)
        self.n += z.shape[0]
        for name, value in (("z", z.sum(0)), ("zz", z.T @ z), ("u", u.sum(0)), ("uu", u.T @ u),
                            ("r", norms.sum()), ("r2", (norms * norms).sum())):
            self._add(name, value)
        for power in (1, 2, 3, 4):
            self._add(f"c{power}", (z**power).sum(0))
            self._add(f"p{power}", (p**power).sum(0))
        if z_positive is not None:
            v = z_positive.detach().to(torch.float64)
            cos = (u * (v / v.norm(dim=1, keepdim=True))).sum(1)
            self.pairs += cos.shape[0]
            self._add("cos", cos.sum())
            self._add("cos2", (cos * cos).sum())

    def compute(self) -> dict:
        """The statistics of every batch since the last :meth:`reset` (Python floats)."""
        if self.n < 2:
            raise ValueError("the monitor needs at least 2 embeddings; call update() first.")
        s = {k: v.cpu().numpy() for k, v in self._sums.items()}
        n, d = self.n, self.dim
        mean_r = float(s["r"]) / n
        m_sq = mean_norm_sq_from_sums(s["u"], s["uu"], n)
        mean = s["z"] / n
        lam = np.clip(np.linalg.eigvalsh((s["zz"] - n * np.outer(mean, mean)) / (n - 1)), 0, None)
        prob = lam / lam.sum()
        prob = prob[prob > 0]
        c_skew, c_kurt = _standardized_moments(s["c1"], s["c2"], s["c3"], s["c4"], n)
        p_skew, p_kurt = _standardized_moments(s["p1"], s["p2"], s["p3"], s["p4"], n)
        out = {"n": n, "norm_cv": math.sqrt(max(float(s["r2"]) / n - mean_r**2, 0.0)) / mean_r,
               "norm_cv_chi": chi_norm_moments(d).cv, "mean_norm_sq": m_sq.value, "mean_norm_sq_se": m_sq.se,
               "effective_rank": float(np.exp(-np.sum(prob * np.log(prob)))),
               "participation_ratio": float(lam.sum() ** 2 / np.sum(lam * lam)),
               "coordinate_skewness": float(c_skew.mean()), "coordinate_excess_kurtosis": float(c_kurt.mean()),
               "projection_skewness": float(p_skew.mean()), "projection_excess_kurtosis": float(p_kurt.mean()),
               "projection_max_abs_excess_kurtosis": float(np.abs(p_kurt).max())}
        if self.pairs:
            a = float(s["cos"]) / self.pairs
            var = max(float(s["cos2"]) / self.pairs - a * a, 0.0) * self.pairs / max(self.pairs - 1, 1)
            out.update(alignment=a, alignment_se=math.sqrt(var / self.pairs))
        return out
