r"""HGR maximal correlation, augmentation mildness :math:`\eta_2` and the alignment bound (Prop 1).

The Hirschfeld–Gebelein–Rényi maximal correlation of a pair (X, Y) is (paper Eqs. 21–22)

.. math::
    \rho_m(X,Y)=\sup\{E[\phi(X)\psi(Y)]:\ E\phi=E\psi=0,\ E\phi^2=E\psi^2=1\},

the second singular value of the conditional-expectation operator :math:`T\psi=E[\psi(Y)\mid X]`
(the first is 1, on constants). The augmentation mildness of a channel :math:`X\sim\mathcal A(\cdot\mid X_0)`
is :math:`\eta_2=\rho_m(X,X_0)^2=\sup_g\mathrm{Var}(E[g(X)\mid X_0])/\mathrm{Var}\,g(X)` (paper Eq. 5), and
Prop 1 (Eq. 6) bounds the alignment of any encoder: :math:`E[u\cdot v]\le\eta_2+(1-\eta_2)\|m\|^2`.

What is here, all exact or deterministic numerics (no randomness):

* closed forms: Gaussian pairs (:math:`|\rho|`, Lancaster/Mehler), Gaussian vectors (largest canonical
  correlation), finite joint pmfs (:math:`\sigma_2` of :math:`B=P/\sqrt{p_xp_y}`), binary channels;
* structure: tensorization (Witsenhausen 1975), the multiplicative data-processing inequality, and
  :math:`\rho_m(X,Y)=\eta_2` for two conditionally i.i.d. views (the pair matrix is :math:`B^\top B`);
* the paper's mixing channel :math:`X=AX_0+\sqrt{1-A^2}\varepsilon` with optional jitter, on Laplace or
  Gaussian input, by a quadrature-discretized SVD whose error is controlled (:func:`mixing_channel_eta2`);
* the solvable model (derived here: Gaussian vector channel, identity encoder): the closed form of
  :math:`E[u\cdot v]`, its 1/d expansion derived with sympy, and :math:`\delta(d)=A^2-E[u\cdot v]`.

**Laplace input: η₂ is not attained.** For :math:`X_0\sim\mathrm{Laplace}(0,1)` and Gaussian noise of
variance :math:`S` (:math:`S=1-A^2` without jitter), the exponential tail makes the problem translation
covariant far out: writing :math:`g(x)=G(x)e^{x/(2A)}` turns T into a convolution, whose plane waves
:math:`G=e^{i\omega x}` give the ratio :math:`\mathrm{Var}E[g\mid X_0]/\mathrm{Var}g\to e^{-S/(4A^2)-S\omega^2}`.
So :math:`[0,e^{-S/(4A^2)}]` is essential spectrum of :math:`TT^*`, functions escaping to infinity reach
the *edge* :math:`e^{-S/(4A^2)}`, and :math:`\eta_2\ge e^{-S/(4A^2)}` (:func:`laplace_tail_edge`) [DERIVED
for this project]. At :math:`A=0.6` no eigenvalue lies above the edge, so
:math:`\eta_2=e^{-4/9}\approx0.6412` (the discretization on :math:`|X_0|\le T` approaches it from below
like :math:`\pi^2Se^{-S/(4A^2)}/(AT)^2`, the lowest mode of a box of length AT). For :math:`A\le0.48`
a bulk eigenvalue above the edge is attained instead (the crossover lies between 0.48 and 0.49). A
log-normal scale jitter spreads the far tail (noise :math:`\propto|X_0|`) and removes the edge.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import mpmath
import numpy as np
import sympy as sp
from scipy import special
from scipy.sparse import linalg as sparse_linalg

from infonce_gauss.theory.sphere import derive_chi_expansions
from infonce_gauss.theory.validation import finite_array, integer, positive

__all__ = [
    "PmfSVD",
    "pmf_svd",
    "pmf_maximal_correlation",
    "channel_pmf",
    "views_pmf",
    "product_pmf",
    "gaussian_maximal_correlation",
    "canonical_correlations",
    "gaussian_vector_maximal_correlation",
    "binary_channel_maximal_correlation",
    "tensorized_maximal_correlation",
    "data_processing_bound",
    "alignment_bound",
    "Eta2",
    "gaussian_mixing_eta2",
    "laplace_tail_edge",
    "discretized_mixing_pmf",
    "truncated_mixing_eta2",
    "mixing_channel_eta2",
    "gaussian_cosine_mean",
    "gaussian_cosine_mean_quadrature",
    "solvable_alignment",
    "solvable_delta",
    "solvable_delta_constant",
    "derive_solvable_expansion",
]


# --------------------------------------------------------------------------------------------
# Finite joint pmfs
# --------------------------------------------------------------------------------------------
def _joint_pmf(P, name: str = "P") -> np.ndarray:
    """A 2-D, finite, non-negative array summing to 1 (within 1e-9), else a ValueError."""
    P = finite_array(P, name)
    if P.ndim != 2:
        raise ValueError(f"{name} must be a 2-D joint pmf P[x, y], got shape {P.shape}.")
    if np.any(P < 0):
        raise ValueError(f"{name} has negative entries (min {P.min():.3g}); a pmf is non-negative.")
    total = P.sum()
    if abs(total - 1.0) > 1e-9:
        raise ValueError(f"{name} sums to {total:.12g}, not 1; normalize it first (P / P.sum()).")
    return P


@dataclass(frozen=True)
class PmfSVD:
    r"""Singular system of :math:`B=P/\sqrt{p_xp_y}` for a finite joint pmf.

    ``values[0] = 1`` (constants); ``values[1]`` is :math:`\rho_m`. ``left[:, i]`` and ``right[:, i]``
    are the singular functions :math:`\phi_i(x)=U_{xi}/\sqrt{p_x}`, :math:`\psi_i(y)=V_{yi}/\sqrt{p_y}`,
    orthonormal in :math:`L^2(p_x)`, :math:`L^2(p_y)` (0 on atoms of probability 0), with
    :math:`E[\phi_i(X)\psi_j(Y)]=\sigma_i\delta_{ij}`.
    """

    values: np.ndarray
    left: np.ndarray
    right: np.ndarray


def pmf_svd(P) -> PmfSVD:
    """The singular system of a joint pmf; see :class:`PmfSVD`. Atoms of probability 0 are ignored."""
    P = _joint_pmf(P)
    px, py = P.sum(axis=1), P.sum(axis=0)
    rows, cols = np.flatnonzero(px > 0), np.flatnonzero(py > 0)
    for count, var in ((rows.size, "X (rows)"), (cols.size, "Y (columns)")):
        if count < 2:
            raise ValueError(
                f"{var} is constant (one atom has all the mass); maximal correlation needs non-constant "
                "variables (Var g > 0). Give a pmf with at least two atoms of positive mass on each side."
            )
    sub = P[np.ix_(rows, cols)]
    sx, sy = np.sqrt(px[rows]), np.sqrt(py[cols])
    U, s, Vt = np.linalg.svd(sub / sx[:, None] / sy[None, :])
    k = s.size
    left, right = np.zeros((P.shape[0], k)), np.zeros((P.shape[1], k))
    left[rows] = U[:, :k] / sx[:, None]
    right[cols] = Vt[:k].T / sy[:, None]
    # Fix the sign of the constant pair so that phi_0 = psi_0 = +1.
    sign = np.sign(left[rows[0], 0])
    left[:, 0] *= sign
    right[:, 0] *= sign
    return PmfSVD(values=np.minimum(s, 1.0), left=left, right=right)


def pmf_maximal_correlation(P) -> float:
    r""":math:`\rho_m(X,Y)=\sigma_2(B)`, :math:`B_{xy}=P_{xy}/\sqrt{p_xp_y}`.

    In [0, 1]; 0 exactly for product pmfs. Raises ValueError for negative or unnormalized P and for a
    constant X or Y.
    """
    return float(pmf_svd(P).values[1])


def _kernel(K, n_inputs: int, name: str) -> np.ndarray:
    K = finite_array(K, name)
    if K.ndim != 2 or K.shape[0] != n_inputs:
        raise ValueError(f"{name} must have shape ({n_inputs}, n_outputs) (rows: inputs), got {K.shape}.")
    if np.any(K < 0) or np.any(np.abs(K.sum(axis=1) - 1) > 1e-9):
        raise ValueError(f"{name} must be a Markov kernel: non-negative rows that each sum to 1.")
    return K


def _marginal(p, name: str) -> np.ndarray:
    p = finite_array(p, name)
    if p.ndim != 1 or np.any(p < 0) or abs(p.sum() - 1) > 1e-9:
        raise ValueError(f"{name} must be a 1-D pmf (non-negative, summing to 1).")
    return p


def channel_pmf(p0, kernel) -> np.ndarray:
    r"""Joint pmf of :math:`(X_0,X)`: :math:`P[x_0,x]=p_0(x_0)K(x\mid x_0)`; K rows are inputs."""
    p0 = _marginal(p0, "p0")
    return p0[:, None] * _kernel(kernel, p0.size, "kernel")


def views_pmf(p0, kernel) -> np.ndarray:
    r"""Joint pmf of two conditionally i.i.d. views: :math:`P[x,y]=\sum_{x_0}p_0(x_0)K(x\mid x_0)K(y\mid x_0)`.

    Its normalized matrix is :math:`B^\top B` with B that of :func:`channel_pmf`, so its singular
    values are the squares of the channel's: :math:`\rho_m(X,Y)=\rho_m(X,X_0)^2=\eta_2`.
    """
    p0 = _marginal(p0, "p0")
    K = _kernel(kernel, p0.size, "kernel")
    return K.T @ (p0[:, None] * K)


def product_pmf(*pmfs) -> np.ndarray:
    r"""Joint pmf of independent pairs :math:`((X_1,X_2,\dots),(Y_1,Y_2,\dots))` (Kronecker product)."""
    if not pmfs:
        raise ValueError("give at least one joint pmf.")
    out = _joint_pmf(pmfs[0], "pmfs[0]")
    for i, P in enumerate(pmfs[1:], 1):
        out = np.kron(out, _joint_pmf(P, f"pmfs[{i}]"))
    return out


# --------------------------------------------------------------------------------------------
# Closed forms and structural identities
# --------------------------------------------------------------------------------------------
def _correlation(rho, name: str = "rho") -> float:
    rho = float(rho)
    if not -1 <= rho <= 1:
        raise ValueError(f"{name} must be a correlation in [-1, 1], got {rho}.")
    return rho


def gaussian_maximal_correlation(rho) -> float:
    r""":math:`\rho_m=|\rho|` for a jointly Gaussian pair with correlation :math:`\rho` (Lancaster 1957;
    Mehler's expansion has singular values :math:`|\rho|^n`, paper App. A.2)."""
    return abs(_correlation(rho))


def canonical_correlations(cov, p) -> np.ndarray:
    r"""Canonical correlations of (X, Y) with joint covariance ``cov`` (X = first ``p`` coordinates).

    The singular values of :math:`\Sigma_{XX}^{-1/2}\Sigma_{XY}\Sigma_{YY}^{-1/2}`, in decreasing order.
    """
    cov = finite_array(cov, "cov")
    if cov.ndim != 2 or cov.shape[0] != cov.shape[1]:
        raise ValueError(f"cov must be a square covariance matrix, got shape {cov.shape}.")
    p = integer(p, "p (the dimension of X)", minimum=1, maximum=cov.shape[0] - 1)
    if not np.allclose(cov, cov.T, rtol=1e-10, atol=1e-12):
        raise ValueError("cov must be symmetric.")

    def inv_sqrt(block, name):
        w, V = np.linalg.eigh(block)
        if w.min() <= 1e-12 * max(w.max(), 1e-300):
            raise ValueError(f"the covariance of {name} is singular (a constant direction); drop it first.")
        return (V / np.sqrt(w)) @ V.T

    whitened = inv_sqrt(cov[:p, :p], "X") @ cov[:p, p:] @ inv_sqrt(cov[p:, p:], "Y")
    return np.minimum(np.linalg.svd(whitened, compute_uv=False), 1.0)


def gaussian_vector_maximal_correlation(cov, p) -> float:
    r""":math:`\rho_m` of jointly Gaussian vectors: the largest canonical correlation (Kolmogorov;
    Lancaster's expansion tensorizes over the canonical pairs)."""
    return float(canonical_correlations(cov, p)[0])


def binary_channel_maximal_correlation(q, flip01, flip10) -> float:
    r""":math:`\rho_m(X_0,X)` for :math:`X_0\sim\mathrm{Bernoulli}(q)` and a binary channel with
    :math:`P(X=1\mid X_0=0)=` ``flip01``, :math:`P(X=0\mid X_0=1)=` ``flip10``.

    Every function of a binary variable is affine, so :math:`\rho_m=|\mathrm{corr}|=
    |1-f_{01}-f_{10}|\sqrt{q(1-q)/(r(1-r))}`, :math:`r=P(X=1)`. The symmetric flip (q = 1/2,
    :math:`f_{01}=f_{10}=p`) gives :math:`|1-2p|`; the paper's sparse flip (zeros become ones,
    :math:`f_{10}=0`) gives :math:`\eta_2=q(1-p)/(q+(1-q)p)`.
    """
    q = float(q)
    if not 0 < q < 1:
        raise ValueError(f"q = P(X0 = 1) must be in (0, 1) (else X0 is constant), got {q}.")
    a, b = float(flip01), float(flip10)
    if not (0 <= a <= 1 and 0 <= b <= 1):
        raise ValueError(f"flip probabilities must lie in [0, 1], got {a}, {b}.")
    r = q * (1 - b) + (1 - q) * a
    if r in (0.0, 1.0):
        raise ValueError("the output X is constant for these flip probabilities; ρ_m is undefined.")
    return abs(1 - a - b) * math.sqrt(q * (1 - q) / (r * (1 - r)))


def tensorized_maximal_correlation(rhos) -> float:
    r"""Witsenhausen (1975): for independent pairs :math:`(X_i,Y_i)`,
    :math:`\rho_m((X_i)_i,(Y_i)_i)=\max_i\rho_m(X_i,Y_i)`. So :math:`\eta_2` of a coordinate-wise channel
    on independent coordinates is the largest per-coordinate :math:`\eta_2`, whatever the dimension."""
    rhos = finite_array(rhos, "rhos").ravel()
    if rhos.size == 0 or np.any((rhos < 0) | (rhos > 1)):
        raise ValueError("rhos must be a non-empty list of maximal correlations in [0, 1].")
    return float(rhos.max())


def data_processing_bound(*rhos) -> float:
    r"""Multiplicative DPI along a Markov chain :math:`X_1-X_2-\dots-X_k`:
    :math:`\rho_m(X_1,X_k)\le\prod_i\rho_m(X_i,X_{i+1})` (paper App. A.3, step 3)."""
    values = finite_array(rhos, "rhos").ravel()
    if values.size == 0 or np.any((values < 0) | (values > 1)):
        raise ValueError("give one or more maximal correlations in [0, 1].")
    return float(np.prod(values))


def alignment_bound(eta2, mean_sq_norm):
    r"""Prop 1 (paper Eq. 6): :math:`E[u\cdot v]\le\eta_2+(1-\eta_2)\|m(\mu)\|^2`."""
    eta2 = float(eta2)
    if not 0 <= eta2 <= 1:
        raise ValueError(f"eta2 must lie in [0, 1], got {eta2}.")
    m2 = np.asarray(mean_sq_norm, dtype=float)
    if np.any(~np.isfinite(m2)) or np.any((m2 < 0) | (m2 > 1)):
        raise ValueError("||m||^2 must lie in [0, 1] (m is the mean of unit vectors).")
    out = eta2 + (1 - eta2) * m2
    return out if out.ndim else float(out)


# --------------------------------------------------------------------------------------------
# η₂ of the paper's mixing channel (scalar coordinate)
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Eta2:
    r""":math:`\eta_2` of a channel with its uncertainty: the true value lies in ``value ± error``.

    ``error`` is 0 for closed forms, a numerical-error bound for quadratures, a standard error for
    Monte Carlo (``method`` says which); ``details`` holds the numbers behind it (convergence levels).
    """

    value: float
    error: float = 0.0
    method: str = "closed form"
    details: Mapping = field(default_factory=dict)

    @property
    def lower(self) -> float:
        return max(0.0, self.value - self.error)

    @property
    def upper(self) -> float:
        return min(1.0, self.value + self.error)


BASES = ("laplace", "gaussian")


def _mixing_args(A, noise_std, dropout, log_scale_std, base):
    A = abs(_correlation(A, "A (the mixing coefficient)"))
    if base not in BASES:
        raise ValueError(f"base must be one of {BASES}, got {base!r}.")
    noise_std, log_scale_std = float(noise_std), float(log_scale_std)
    for name, value in (("noise_std", noise_std), ("log_scale_std", log_scale_std)):
        if not (math.isfinite(value) and value >= 0):
            raise ValueError(f"{name} must be finite and >= 0, got {value}.")
    dropout = float(dropout)
    if not 0 <= dropout < 1:
        raise ValueError(f"dropout must be a probability in [0, 1), got {dropout}.")
    return A, 1 - A * A + noise_std**2, dropout, log_scale_std


def gaussian_mixing_eta2(A, *, noise_std=0.0, dropout=0.0) -> float:
    r"""Exact :math:`\eta_2` of :math:`X=B\,(AX_0+\sqrt{1-A^2}\varepsilon+\sigma_n\xi)` on
    :math:`X_0\sim N(0,1)`, B ~ Bernoulli(1 − dropout): :math:`(1-p)A^2/(1+\sigma_n^2)`.

    :math:`(X_0, AX_0+\text{noise})` is a Gaussian pair with :math:`\rho^2=A^2/(1+\sigma_n^2)`; dropout
    multiplies :math:`\eta_2` by 1 − p (see :func:`mixing_channel_eta2`). A = ±0.6 without jitter gives
    :math:`A^2=0.36` (paper App. A.2).
    """
    A, S, p, _ = _mixing_args(A, noise_std, dropout, 0.0, "gaussian")
    return (1 - p) * A * A / (A * A + S)


def laplace_tail_edge(A, noise_var) -> float:
    r"""Top of the essential spectrum for Laplace(0,1) input and Gaussian noise of variance S:
    :math:`e^{-S/(4A^2)}`, a lower bound on :math:`\eta_2` (module docstring; 0 for A = 0)."""
    A = abs(_correlation(A, "A (the mixing coefficient)"))
    S = float(noise_var)
    if not (math.isfinite(S) and S >= 0):
        raise ValueError(f"noise_var must be finite and >= 0, got {noise_var}.")
    return 0.0 if A == 0 else math.exp(-S / (4 * A * A))


_BASE_DENSITY: Mapping[str, Callable[[np.ndarray], np.ndarray]] = {
    "laplace": lambda t: 0.5 * np.exp(-np.abs(t)),
    "gaussian": lambda t: np.exp(-0.5 * t * t) / math.sqrt(2 * math.pi),
}


def discretized_mixing_pmf(A, *, base="laplace", noise_std=0.0, log_scale_std=0.0, truncation=48.0, refine=1.0):
    r"""Joint pmf of :math:`(X_0,X)` for the mixing channel without dropout, discretized on :math:`|X_0|\le T`.

    Input: Gauss–Legendre nodes on each half of [−T, T] (the Laplace kink at 0 is a node boundary)
    weighted by the density. Output: a uniform grid (the trapezoid rule, spectrally accurate for the
    Gaussian kernel) wide enough to hold every node's conditional law. :math:`P_{ij}\propto
    w_i\,p(x_j\mid t_i)` is a genuine pmf, so its :func:`pmf_svd` is the spectrum of the channel with
    the input truncated to :math:`|X_0|\le T` (for Gaussian input and T = 12: Mehler's :math:`|A|^k`).
    With a log-normal scale c, :math:`p(x\mid t)=E_c[\varphi_s(x/c-At)/c]` by Gauss–Hermite in
    :math:`\log c`. ``refine`` scales every node count (1: about 1e-13 accuracy at the paper's
    settings). Returns ``(nodes, grid, P)``; rows and columns of zero mass are dropped.
    """
    return _discretized_pmf(*_discretization_args(A, base, noise_std, log_scale_std, truncation, refine))


def _discretization_args(A, base, noise_std, log_scale_std, truncation, refine):
    A, S, _, tau = _mixing_args(A, noise_std, 0.0, log_scale_std, base)
    if A == 0 or S == 0:
        raise ValueError("the discretization needs 0 < |A| and a positive noise variance; see mixing_channel_eta2 for the limits.")
    return A, S, tau, base, positive(truncation, "truncation"), positive(refine, "refine")


def _discretized_pmf(A, S, tau, base, T, refine):
    """:func:`discretized_mixing_pmf` without input checks (S is the Gaussian noise variance)."""
    s = math.sqrt(S)
    n = int(math.ceil(refine * (1.5 * A * T / s + 20)))
    g, gw = np.polynomial.legendre.leggauss(n)
    half_t = 0.5 * T * (g + 1)
    half_w = 0.5 * T * gw * _BASE_DENSITY[base](half_t)
    t, w = np.concatenate([-half_t[::-1], half_t]), np.concatenate([half_w[::-1], half_w])
    if tau > 0:
        z, wz = special.roots_hermitenorm(int(math.ceil(12 * refine)))
        scales, scale_w = np.exp(tau * z), wz / wz.sum()
    else:
        scales, scale_w = np.ones(1), np.ones(1)
    half_width = scales.max() * (A * T + 10 * s)
    x = np.linspace(-half_width, half_width, int(math.ceil(2 * half_width / (s / (2 * refine)))) | 1)
    P = np.zeros((t.size, x.size))
    for c, wc in zip(scales, scale_w):
        P += (wc / c) * np.exp(-0.5 * ((x[None, :] / c - A * t[:, None]) / s) ** 2)
    P *= w[:, None]
    rows, cols = P.sum(axis=1) > 0, P.sum(axis=0) > 0
    P = P[rows][:, cols]
    return t[rows], x[cols], P / P.sum()


def truncated_mixing_eta2(A, *, base="laplace", noise_std=0.0, log_scale_std=0.0, truncation=48.0, refine=1.0) -> float:
    r""":math:`\eta_2` of :func:`discretized_mixing_pmf`: the second eigenvalue of :math:`BB^\top`,
    :math:`B=P/\sqrt{p_xp_y}` (the square of :func:`pmf_maximal_correlation`, faster)."""
    return _truncated_eta2(*_discretization_args(A, base, noise_std, log_scale_std, truncation, refine))


def _truncated_eta2(A, S, tau, base, T, refine) -> float:
    r"""Top eigenvalue of :math:`BB^\top-\sqrt{p_x}\sqrt{p_x}^\top` (the constant pair, eigenvalue 1, deflated
    exactly) by Lanczos. The start vector has even and odd parts (the top singular function of a
    symmetric channel is odd). Lanczos rather than a dense eigensolver: same value to 1e-15, and it
    does not stall when BLAS threads compete for busy cores."""
    P = _discretized_pmf(A, S, tau, base, T, refine)[2]
    root_px = np.sqrt(P.sum(axis=1))
    B = P / root_px[:, None] / np.sqrt(P.sum(axis=0))[None, :]
    deflated = B @ B.T - np.outer(root_px, root_px)
    start = np.sin(np.arange(1, deflated.shape[0] + 1))
    return float(sparse_linalg.eigsh(deflated, k=1, which="LA", return_eigenvectors=False, tol=0, v0=start)[0])


_GAUSSIAN_TRUNCATIONS = (8.0, 10.0, 12.0)


def _laplace_truncations(A: float, S: float) -> tuple[float, ...]:
    r""":math:`T_0(1,\tfrac43,2,\tfrac83)` with :math:`T_0=36\max(1,\sqrt S/A)` (48..128 at the paper's A = 0.6).

    The truncation deficit scales like :math:`S/(AT)^2` and the node counts like :math:`AT/\sqrt S`, so
    :math:`T\propto\sqrt S/A` keeps both the accuracy and the cost level across A; the floor 36 keeps
    the neglected input mass below :math:`e^{-36}`.
    """
    T0 = 36.0 * max(1.0, math.sqrt(S) / A)
    return tuple(T0 * f for f in (1.0, 4 / 3, 2.0, 8 / 3))


def _richardson(T: np.ndarray, values: np.ndarray) -> tuple[float, float]:
    r"""Extrapolate :math:`v(T)=a+b/T^2+c/T^3+e/T^4` to :math:`T\to\infty`; the error is the change from
    dropping the last term and the smallest T (the truncation deficit is :math:`\propto(T+T_0)^{-2}`)."""
    def fit(t, v, powers):
        design = np.column_stack([t ** (-float(p)) for p in powers])
        return float(np.linalg.lstsq(design, v, rcond=None)[0][0])

    fine = fit(T, values, (0, 2, 3, 4))
    coarse = fit(T[1:], values[1:], (0, 2, 3))
    return fine, abs(fine - coarse)


def mixing_channel_eta2(A, *, base="laplace", noise_std=0.0, dropout=0.0, log_scale_std=0.0,
                        truncations: Sequence[float] | None = None) -> Eta2:
    r""":math:`\eta_2` of one coordinate of the paper's augmentation (App. E.1, Eq. 53), by a discretized SVD.

    The channel: :math:`W=AX_0+\sqrt{1-A^2}\varepsilon+\sigma_n\xi` (ε, ξ standard normal), then feature
    dropout :math:`B\sim\mathrm{Bernoulli}(1-p)` and a log-normal scale :math:`c=e^{\tau\zeta}`:
    :math:`X=c\,B\,W`, on :math:`X_0\sim\mathrm{Laplace}(0,1)` or N(0,1). The paper's jitter is
    :math:`\sigma_n=0.2`, p = 0.1, τ = 0.1 (order: noise, then dropout and scale; dropout and scale
    commute, and an inverted-dropout factor 1/(1−p) is a constant scale, which leaves η₂ unchanged).

    **Dropout, handled exactly.** X = 0 with probability p independently of :math:`X_0` (a point mass;
    the continuous part puts no mass at 0), so for any g, :math:`Tg=p\,g(0)+(1-p)T'g'` with :math:`T'` the
    channel without dropout. Choosing :math:`g(0)=E g'` is optimal and gives
    :math:`\eta_2=(1-p)\,\eta_2'`: the continuous part is discretized, the atom is not.

    **Discretization.** :math:`\eta_2'` is computed on :math:`|X_0|\le T` for several T
    (:func:`discretized_mixing_pmf`: Gauss–Legendre input nodes, trapezoid output grid, Gauss–Hermite
    over :math:`\log c`); the grid error is the change under 1.5× refinement (~1e-15: the rules converge
    geometrically). For Laplace input the truncation error decays only like :math:`T^{-2}` when the
    essential-spectrum edge :math:`e^{-S/(4A^2)}` is the supremum (module docstring), so the values at
    four truncations (:func:`_laplace_truncations`; T = 48, 64, 96, 128 at A = 0.6) are
    Richardson-extrapolated (:func:`_richardson`), and the result is
    :math:`\max(\text{edge},\text{extrapolation})` (the edge is a rigorous lower bound). For Gaussian
    input the truncation converges like :math:`e^{-T^2/2}` and the last change is the error.

    Returns
    -------
    Eta2
        ``value ± error``; ``details`` has the truncation levels, the extrapolation, the edge and the
        grid error.
    """
    A, S, p, tau = _mixing_args(A, noise_std, dropout, log_scale_std, base)
    if A == 0:
        return Eta2(0.0, 0.0, "closed form (A = 0: the view is independent of X0)")
    if S == 0:
        if tau > 0:
            raise ValueError("A = ±1 without noise and with a scale jitter is a degenerate kernel; use |A| < 1 or noise_std > 0.")
        return Eta2(1.0 - p, 0.0, "closed form (X = X0 up to dropout)")
    if base == "gaussian" and tau == 0:
        return Eta2(gaussian_mixing_eta2(A, noise_std=noise_std, dropout=dropout))
    default = _laplace_truncations(A, S) if base == "laplace" else _GAUSSIAN_TRUNCATIONS
    levels = np.array(sorted(truncations or default), float)
    if levels.size < (4 if base == "laplace" else 2) or np.any(levels <= 0):
        raise ValueError("truncations must hold >= 4 (Laplace) or >= 2 (Gaussian) positive values of T.")
    values = np.array([_truncated_eta2(A, S, tau, base, T, 1.0) for T in levels])
    grid_error = abs(_truncated_eta2(A, S, tau, base, levels[0], 1.5) - values[0])
    edge = laplace_tail_edge(A, S) if (base == "laplace" and tau == 0) else 0.0
    if base == "laplace":
        extrapolated, truncation_error = _richardson(levels, values)
    else:
        extrapolated, truncation_error = values[-1], abs(values[-1] - values[-2])
    continuous = max(edge, extrapolated)
    error = (1 - p) * (truncation_error + grid_error + 1e-12)
    method = "discretized SVD" + (", Richardson in the truncation T" if base == "laplace" else "")
    details = {
        "truncations": levels.tolist(), "truncated_values": ((1 - p) * values).tolist(),
        "extrapolated": (1 - p) * extrapolated, "tail_edge": (1 - p) * edge,
        "edge_is_supremum": bool(edge > 0 and extrapolated <= edge + truncation_error),
        "truncation_error": (1 - p) * truncation_error, "grid_error": (1 - p) * grid_error,
        "dropout_factor": 1 - p, "noise_variance": S,
    }
    return Eta2(float((1 - p) * continuous), float(error), method, details)


# --------------------------------------------------------------------------------------------
# The solvable model: Gaussian vector channel, identity encoder
# --------------------------------------------------------------------------------------------
def _dimension(d) -> int:
    return integer(d, "d (the representation dimension)", minimum=1)


def _gaussian_cosine_mean_mp(d: int, rho: float) -> mpmath.mpf:
    dd = mpmath.mpf(d)
    ratio = 2 / dd * mpmath.exp(2 * (mpmath.loggamma((dd + 1) / 2) - mpmath.loggamma(dd / 2)))
    return mpmath.mpf(rho) * ratio * mpmath.hyp2f1(0.5, 0.5, dd / 2 + 1, mpmath.mpf(rho) ** 2)


def gaussian_cosine_mean(d, rho) -> float:
    r"""Mean cosine :math:`E[u\cdot v]` of two jointly Gaussian vectors in :math:`\mathbb R^d` with i.i.d.
    coordinate pairs of correlation :math:`\rho` (u = X/‖X‖, v = Y/‖Y‖):

    .. math:: E[u\cdot v]=\rho\,\frac2d\Bigl(\frac{\Gamma(\frac{d+1}2)}{\Gamma(\frac d2)}\Bigr)^2
              {}_2F_1\bigl(\tfrac12,\tfrac12;\tfrac d2+1;\rho^2\bigr). For d = 1 it is Sheppard's :math:`\tfrac2\pi\arcsin\rho`. Evaluated in extended
    precision (mpmath).
    """
    d, rho = _dimension(d), _correlation(rho)
    with mpmath.workdps(30):
        return float(_gaussian_cosine_mean_mp(d, rho))


def gaussian_cosine_mean_quadrature(d, rho) -> float:
    r"""The same mean cosine by an independent route: a 1-D quadrature over :math:`R=\|X\|\sim\chi_d`.

    Given X, :math:`Y=\sqrt{1-\rho^2}\,(\lambda u+W)` with :math:`\lambda=\rho R/\sqrt{1-\rho^2}`,
    W ~ N(0, I_d), so :math:`E[v\mid X]=L_d(\lambda)\,u` with the mean resultant length of a
    non-central Gaussian direction,
    :math:`L_d(\lambda)=\frac{\lambda}{\sqrt2}\frac{\Gamma(\frac{d+1}2)}{\Gamma(\frac d2+1)}
    {}_1F_1(\tfrac12;\tfrac d2+1;-\tfrac{\lambda^2}2)` (d = 1: :math:`\operatorname{erf}(\lambda/\sqrt2)`),
    and :math:`E[u\cdot v]=E_R[L_d(\rho R/\sqrt{1-\rho^2})]`. Used to check the closed form.
    """
    d, rho = _dimension(d), _correlation(rho)
    if abs(rho) == 1:
        return float(np.sign(rho))
    with mpmath.workdps(30):
        dd = mpmath.mpf(d)
        c = mpmath.exp(mpmath.loggamma((dd + 1) / 2) - mpmath.loggamma(dd / 2 + 1)) / mpmath.sqrt(2)
        k = mpmath.mpf(rho) / mpmath.sqrt(1 - mpmath.mpf(rho) ** 2)
        log_norm = (1 - dd / 2) * mpmath.log(2) - mpmath.loggamma(dd / 2)

        def integrand(r):
            lam = k * r
            return mpmath.exp(log_norm + (dd - 1) * mpmath.log(r) - r * r / 2) * c * lam * mpmath.hyp1f1(0.5, dd / 2 + 1, -lam * lam / 2)

        peak = mpmath.sqrt(max(dd - 1, 1))
        return float(mpmath.quad(integrand, [0, peak, peak + 10, mpmath.inf]))


def solvable_alignment(d, A) -> float:
    r"""Alignment :math:`E[u\cdot v]` of the identity encoder on the Gaussian vector channel
    :math:`X,Y=AX_0+\sqrt{1-A^2}\varepsilon_{1,2}`, :math:`X_0\sim N(0,I_d)`: the coordinate correlation
    is :math:`A^2`, so this is :func:`gaussian_cosine_mean` at :math:`\rho=A^2`. Here μ = σ exactly and
    :math:`\eta_2=A^2`."""
    A = _correlation(A, "A (the mixing coefficient)")
    return gaussian_cosine_mean(d, A * A)


def solvable_delta(d, A):
    r""":math:`\delta(d)=\eta_2-E[u\cdot v]=A^2-E[u\cdot v]` in the solvable model (``d`` may be an array).

    Since Align(σ) is at least the identity encoder's alignment, this is an upper bound on the
    :math:`\delta(d)=\eta_2-\mathrm{Align}(\sigma)` of Assumption 3. Computed in extended precision (it is
    an O(1/d) difference of O(1) terms). Tends to :math:`A^2(1-A^4)/(2d)`
    (:func:`solvable_delta_constant`).
    """
    A = _correlation(A, "A (the mixing coefficient)")

    def one(dim):
        dim = _dimension(dim)
        with mpmath.workdps(30 + 2 * len(str(dim))):
            rho = mpmath.mpf(A) ** 2
            return float(rho - _gaussian_cosine_mean_mp(dim, rho))

    if np.ndim(d) == 0:
        return one(d)
    arr = np.asarray(d)
    return np.array([one(v) for v in arr.ravel()], dtype=float).reshape(arr.shape)


def solvable_delta_constant(A) -> float:
    r"""Leading constant :math:`\lim_d d\,\delta(d)=\rho(1-\rho^2)/2=A^2(1-A^4)/2` (:math:`\rho=A^2`)."""
    rho = _correlation(A, "A (the mixing coefficient)") ** 2
    return rho * (1 - rho * rho) / 2


@functools.lru_cache(maxsize=8)
def derive_solvable_expansion(order: int = 2):
    r"""1/d expansion of :math:`E[u\cdot v]` for correlated Gaussian vectors, derived with sympy.

    :math:`(2/d)(\Gamma(\frac{d+1}2)/\Gamma(\frac d2))^2=\mu_d^2/d` with :math:`\mu_d` the chi mean, whose
    Stirling expansion comes from :func:`infonce_gauss.theory.sphere.derive_chi_expansions`; the hypergeometric series
    :math:`\sum_n(\frac12)_n^2\rho^{2n}/((\frac d2+1)_n\,n!)` has its n-th term of order :math:`d^{-n}`, so
    n ≤ order terms suffice. Returns ``[c0, c1, ..., c_order]`` (sympy expressions in ``rho``) with
    :math:`E[u\cdot v]=\sum_jc_j\,d^{-j}+O(d^{-order-1})`: :math:`c_0=\rho`,
    :math:`c_1=-\rho(1-\rho^2)/2` and :math:`c_2=\rho(1-\rho^2)(1-9\rho^2)/8`.
    """
    order = integer(order, "order", minimum=1, maximum=5)
    d, eps, rho = sp.symbols("d epsilon rho", positive=True)
    # order >= 3 shares the cached expansion with the thin-shell claim (MP-THIN-SHELL).
    chi_ratio = derive_chi_expansions(max(order, 3))["mean/sqrt(d)"].subs(d, 1 / eps)
    hyper = sum(sp.rf(sp.Rational(1, 2), n) ** 2 * rho ** (2 * n) / (sp.rf(1 / (2 * eps) + 1, n) * sp.factorial(n))
                for n in range(order + 1))
    series = sp.series(rho * chi_ratio**2 * hyper, eps, 0, order + 1).removeO()
    return [sp.factor(sp.simplify(series.coeff(eps, j))) for j in range(order + 1)]
