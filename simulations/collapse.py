r"""Dimensional collapse of embeddings, each measure as its paper defines it.

* :func:`rankme` (Garrido et al. 2023, "RankMe"): for the singular values :math:`\sigma_k` of the (n, d)
  embedding matrix Z (not centred), :math:`p_k=\sigma_k/\|\sigma\|_1+\epsilon` and
  :math:`\mathrm{RankMe}=\exp(-\sum_kp_k\log p_k)`, :math:`\epsilon=10^{-7}`; d for equal singular values,
  1 for a rank-one Z. It is not the effective rank of the covariance's eigenvalues
  (:func:`~infonce_gauss.simulations.geometry.effective_rank`, Roy & Vetterli 2007): singular values are the
  square roots of the eigenvalues of :math:`Z^\top Z`, so a decaying spectrum gives a larger RankMe.
* :func:`alpha_req` (Agrawal et al. 2022, "α-ReQ"): the exponent α of the power law
  :math:`\lambda_k\propto k^{-\alpha}` of the covariance's eigenvalues sorted in decreasing order, the
  least-squares slope of :math:`-\log\lambda_k` on :math:`\log k` over the ranks ``fit_range`` (by default
  all ranks k = 1..d whose eigenvalue is positive; the monitor fits the ranks whose eigenvalue exceeds 1e-5 of
  the largest, below which its float32 products are rounding).
* :func:`lidar` (Thilak et al. 2023, "LiDAR"): for n instances seen in q ≥ 2 views :math:`e_{ij}` (here positives),
  the between-instance covariance :math:`\Sigma_b=\frac1{n-1}\sum_i(\mu_i-\mu)(\mu_i-\mu)^\top` of the instance
  means :math:`\mu_i` and the within-instance covariance
  :math:`\Sigma_w=\frac1{n(q-1)}\sum_{ij}(e_{ij}-\mu_i)(e_{ij}-\mu_i)^\top+\delta I`; with the eigenvalues λ of
  :math:`\Sigma_w^{-1/2}\Sigma_b\Sigma_w^{-1/2}`, :math:`p=\lambda/\|\lambda\|_1+\epsilon` and
  :math:`\mathrm{LiDAR}=\exp(-\sum p\log p)` (:math:`\delta=10^{-4}`, :math:`\epsilon=10^{-7}`).

The participation ratio :math:`(\sum\lambda)^2/\sum\lambda^2` is in
:func:`~infonce_gauss.simulations.geometry.participation_ratio`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["RANKME_EPS", "rankme", "rankme_from_gram", "alpha_req", "lidar"]

RANKME_EPS = 1e-7
"""The ε added to each normalized singular value (eigenvalue, for LiDAR) in RankMe and LiDAR (Garrido et al. 2023)."""


def _entropy_rank(values: np.ndarray, eps: float) -> float:
    r""":math:`\exp(-\sum_kp_k\log p_k)` for :math:`p=v/\|v\|_1+\epsilon` (values clipped at 0)."""
    v = np.clip(np.asarray(values, dtype=np.float64), 0.0, None)
    total = v.sum()
    if total <= 0:
        raise ValueError("every singular value (eigenvalue) is zero: the embeddings are all zero.")
    p = v / total + eps
    return float(np.exp(-np.sum(p * np.log(p))))


def rankme(z, *, eps: float = RANKME_EPS) -> float:
    """RankMe (Garrido et al. 2023) of the (n, d) embedding matrix ``z``: see the module docstring."""
    z = np.asarray(z, dtype=np.float64)
    if z.ndim != 2:
        raise ValueError(f"rankme takes an (n, d) embedding matrix, got shape {z.shape}.")
    return _entropy_rank(np.linalg.svd(z, compute_uv=False), eps)


def rankme_from_gram(gram, *, eps: float = RANKME_EPS, rtol: float = 0.0) -> float:
    r"""RankMe from the (d, d) matrix :math:`Z^\top Z` (not centred), whose eigenvalues are :math:`\sigma_k^2`: the
    form a stream of batches can keep (:class:`~infonce_gauss.simulations.monitor.GaussianityMonitor`).

    ``rtol``: the relative precision of ``gram``; eigenvalues below ``rtol`` times the largest are rounding and
    are taken as 0. The square root would otherwise lift them: a float32 Gram matrix (relative error ~4e-6)
    of rank-deficient Z gives null singular values ~2e-3 σ_max instead of 0, and moves RankMe by ~1e-4 relative."""
    lam = np.clip(np.linalg.eigvalsh(np.asarray(gram, dtype=np.float64)), 0.0, None)
    lam[lam <= rtol * lam.max()] = 0.0
    return _entropy_rank(np.sqrt(lam), eps)


def alpha_req(eigenvalues, *, fit_range: tuple[int, int | None] = (1, None), rtol: float = 0.0) -> float:
    r"""α-ReQ (Agrawal et al. 2022): the least-squares slope α of :math:`\log\lambda_k=c-\alpha\log k` over the
    ranks :math:`k\in[a, b]` of ``fit_range`` = (a, b) (1-based, inclusive; b = None: the last eigenvalue above
    ``rtol`` times the largest, i.e. rounding excluded), the eigenvalues sorted in decreasing order."""
    lam = np.sort(np.asarray(eigenvalues, dtype=np.float64))[::-1]
    last = int(np.sum(lam > rtol * max(lam[0], 0.0)))
    a, b = fit_range[0], last if fit_range[1] is None else min(fit_range[1], last)
    if a < 1 or b - a < 1:
        raise ValueError(f"alpha_req needs at least 2 positive eigenvalues in the fit range {fit_range} "
                         f"({last} positive of {lam.size}); widen fit_range.")
    k = np.arange(a, b + 1)
    slope = np.polyfit(np.log(k), np.log(lam[a - 1:b]), 1)[0]
    return float(-slope)


def lidar(views, *, delta: float = 1e-4, eps: float = RANKME_EPS) -> float:
    """LiDAR (Thilak et al. 2023) of ``views``, an (n, q, d) array of n instances in q >= 2 views each (for positive
    pairs, ``np.stack((z, z_positive), axis=1)``): see the module docstring."""
    e = np.asarray(views, dtype=np.float64)
    if e.ndim != 3 or e.shape[1] < 2 or e.shape[0] < 2:
        raise ValueError(f"lidar takes an (n, q, d) array of n >= 2 instances in q >= 2 views, got shape {e.shape}.")
    n, q, d = e.shape
    means = e.mean(axis=1)
    between = np.cov(means.T, ddof=1).reshape(d, d)
    within_dev = (e - means[:, None, :]).reshape(n * q, d)
    within = within_dev.T @ within_dev / (n * (q - 1)) + delta * np.eye(d)
    w_val, w_vec = np.linalg.eigh(within)
    inv_sqrt = (w_vec / np.sqrt(w_val)) @ w_vec.T
    return _entropy_rank(np.linalg.eigvalsh(inv_sqrt @ between @ inv_sqrt), eps)
