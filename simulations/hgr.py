r"""Monte Carlo counterparts of :mod:`infonce_gauss.theory.hgr`: estimating :math:`\rho_m` and :math:`\eta_2` from samples,
Prop 1 on any encoder, the Assumption 1 plateau, and the solvable model's rate of :math:`\delta(d)`.

**Estimating the maximal correlation.** Two estimators of :math:`\rho_m(X,Y)` from paired scalar samples:

* :func:`hgr_histogram` — the discretized SVD: equal-mass bins on each side, the second singular pair of
  the normalized contingency table;
* :func:`hgr_ace` — alternating conditional expectations (Breiman & Friedman 1985) with a running-mean
  smoother: :math:`\phi\leftarrow E[\psi(Y)\mid X]`, :math:`\psi\leftarrow E[\phi(X)\mid Y]`, standardized,
  until the correlation stops changing (power iteration on :math:`T^*T`).

Both are biased **upwards** when fitted and evaluated on the same sample (the functions fit noise: an
independent pair with b bins gives :math:`\hat\rho_m^2\approx(b-1)/n`, not 0). Cross-fitting, the
default, fits the functions on one half and evaluates their correlation on the other (and vice versa):
for fixed functions the held-out correlation is unbiased for :math:`E[\phi(X)\psi(Y)]\le\rho_m`, so the
cross-fitted estimate errs *downwards* (by how far the fitted functions are from optimal) and carries
an honest standard error, :math:`(1-r^2)/\sqrt n` (Fisher).

**η₂ from positive pairs alone.** For two conditionally i.i.d. views :math:`\rho_m(X,Y)=\eta_2` exactly, so :func:`eta2_from_pairs` needs no access to :math:`X_0`.

**Prop 1 on encoders.** :func:`alignment_check` estimates :math:`E[u\cdot v]`, :math:`\|m\|^2` (unbiased
U-statistic) and the slack of :math:`\eta_2+(1-\eta_2)\|m\|^2-E[u\cdot v]\ge0` with standard errors, for
any callable encoder (numpy, or a torch module, imported lazily); :func:`conditional_alignment` checks
:math:`E[u\cdot v]=E\|E[u\mid X_0]\|^2` by an inner Monte Carlo over views.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from infonce_gauss.simulations.channels import MixingChannel
from infonce_gauss.simulations.estimates import Estimate, mean_estimate, mean_norm_sq_from_sums
from infonce_gauss.simulations.rates import column, fit_rate, points_needed, sweep
from infonce_gauss.simulations.sampling import as_generator, normalize_rows
from infonce_gauss.theory.hgr import Eta2, pmf_svd, solvable_delta, solvable_delta_constant
from infonce_gauss.theory.validation import finite_array, integer, positive

__all__ = [
    "hgr_histogram",
    "hgr_ace",
    "eta2_from_pairs",
    "as_numpy_encoder",
    "LinearEncoder",
    "MLPEncoder",
    "random_linear_encoder",
    "random_mlp_encoder",
    "AlignmentCheck",
    "alignment_check",
    "conditional_alignment",
    "mc_solvable_alignment",
    "solvable_rate_table",
    "solvable_rate_fits",
]


# --------------------------------------------------------------------------------------------
# Estimators of the maximal correlation
# --------------------------------------------------------------------------------------------
def _paired(x, y) -> tuple[np.ndarray, np.ndarray]:
    x, y = finite_array(x, "x"), finite_array(y, "y")
    if x.ndim != 1 or y.ndim != 1:
        raise ValueError(f"x and y must be 1-D samples of scalars, got shapes {x.shape} and {y.shape}; "
                         "for vectors use eta2_from_pairs (pooling or per-coordinate).")
    if x.size != y.size:
        raise ValueError(f"x and y must be paired samples of the same size, got {x.size} and {y.size}.")
    if x.size < 20:
        raise ValueError(f"estimating a maximal correlation needs at least 20 pairs, got {x.size}.")
    for name, v in (("x", x), ("y", y)):
        if np.ptp(v) == 0:
            raise ValueError(f"{name} is constant; the maximal correlation is undefined (it needs Var g > 0).")
    return x, y


def _halves(n: int, rng) -> tuple[np.ndarray, np.ndarray]:
    perm = as_generator(rng).permutation(n)
    return perm[: n // 2], perm[n // 2:]


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation of two samples (0 when one is constant)."""
    sa, sb = a.std(), b.std()
    if sa == 0 or sb == 0:
        return 0.0
    return float(np.mean((a - a.mean()) * (b - b.mean())) / (sa * sb))


def _fisher(r: float, n: int, seed) -> Estimate:
    return Estimate(r, (1 - min(r * r, 1.0)) / math.sqrt(n), int(n), seed)


def _cross_fit(fit: Callable, x, y, rng, seed) -> Estimate:
    """Fit (phi, psi) on each half, correlate them on the other half; average the two folds."""
    first, second = _halves(x.size, rng)
    values = []
    for train, test in ((first, second), (second, first)):
        phi, psi = fit(x[train], y[train])
        values.append(_correlation(phi(x[test]), psi(y[test])))
    return _fisher(float(np.mean(values)), x.size, seed)


def _in_sample(fit: Callable, x, y, seed) -> Estimate:
    phi, psi = fit(x, y)
    return _fisher(_correlation(phi(x), psi(y)), x.size, seed)


def _bin_edges(v: np.ndarray, bins: int) -> np.ndarray:
    """Interior edges of equal-mass bins; a variable with at most ``bins`` values keeps its values."""
    values = np.unique(v)
    if values.size <= bins:
        return (values[:-1] + values[1:]) / 2
    return np.unique(np.quantile(v, np.linspace(0, 1, bins + 1)[1:-1]))


def _histogram_fit(bins: int):
    def fit(x, y):
        ex, ey = _bin_edges(x, bins), _bin_edges(y, bins)
        ix, iy = np.searchsorted(ex, x), np.searchsorted(ey, y)
        table = np.zeros((ex.size + 1, ey.size + 1))
        np.add.at(table, (ix, iy), 1.0)
        svd = pmf_svd(table / table.sum())
        phi, psi = svd.left[:, 1], svd.right[:, 1]
        return (lambda v: phi[np.searchsorted(ex, v)]), (lambda v: psi[np.searchsorted(ey, v)])

    return fit


def _default_bins(n: int) -> int:
    """:math:`b=\\sqrt{n/20}` in [4, 100] (about 10 pairs per cell of the b×b table of half the sample:
    best of 4..32 bins for a Gaussian pair at n = 2e3 and 2e4, where binning and noise biases balance)."""
    return int(min(100, max(4, round(math.sqrt(n / 20)))))


def hgr_histogram(x, y, *, bins=None, cross_fit=True, seed=0) -> Estimate:
    r"""Maximal correlation of paired scalar samples by the discretized SVD.

    Each variable is cut into ``bins`` equal-mass bins (a variable with at most ``bins`` distinct values
    keeps its values as categories); the contingency table is normalized and its second singular
    pair :math:`(\phi,\psi)` gives the estimate. With ``cross_fit`` (default) the pair is fitted on
    one half of the sample and correlated on the other (both ways, averaged): this removes the upward
    bias of the in-sample :math:`\sigma_2` (about :math:`(b-1)/n` in :math:`\hat\rho_m^2` even for
    independent variables) at the price of a downward bias from binning, :math:`O(b^{-2})` for smooth
    singular functions. ``seed`` drives the split. The standard error is Fisher's
    :math:`(1-r^2)/\sqrt n` (held-out), which ignores the in-sample selection when ``cross_fit=False``.
    """
    x, y = _paired(x, y)
    b = _default_bins(x.size) if bins is None else integer(bins, "bins", minimum=2)
    fit = _histogram_fit(b)
    return _cross_fit(fit, x, y, seed, seed) if cross_fit else _in_sample(fit, x, y, seed)


def _running_mean(order: np.ndarray, values: np.ndarray, half: int) -> np.ndarray:
    """Mean of ``values`` over the 2·half+1 nearest ranks (window shrinks at the ends), in original order."""
    v = values[order]
    c = np.concatenate([[0.0], np.cumsum(v)])
    idx = np.arange(v.size)
    lo, hi = np.maximum(idx - half, 0), np.minimum(idx + half + 1, v.size)
    out = np.empty_like(v)
    out[order] = (c[hi] - c[lo]) / (hi - lo)
    return out


def _standardize(v: np.ndarray) -> np.ndarray:
    s = v.std()
    return (v - v.mean()) / s if s > 0 else v - v.mean()


def _ace_fit(span: float | None, iterations: int, tol: float):
    def fit(x, y):
        n = x.size
        half = max(2, int(round((span if span is not None else n ** -0.4) * n / 2)))
        ox, oy = np.argsort(x, kind="stable"), np.argsort(y, kind="stable")
        psi = _standardize(np.argsort(oy).astype(float))
        r_old = -np.inf
        for _ in range(iterations):
            phi = _standardize(_running_mean(ox, psi, half))
            psi = _standardize(_running_mean(oy, phi, half))
            r = float(np.mean(phi * psi))
            if abs(r - r_old) < tol:
                break
            r_old = r
        xs, ys = x[ox], y[oy]
        phis, psis = phi[ox], psi[oy]
        return (lambda v: np.interp(v, xs, phis)), (lambda v: np.interp(v, ys, psis))

    return fit


def hgr_ace(x, y, *, span=None, iterations=200, tol=1e-10, cross_fit=True, seed=0) -> Estimate:
    r"""Maximal correlation of paired scalar samples by ACE (Breiman & Friedman 1985).

    Alternates :math:`\phi\leftarrow E[\psi(Y)\mid X]`, :math:`\psi\leftarrow E[\phi(X)\mid Y]` (each
    standardized), starting from the ranks of y, with a running-mean smoother over a window of
    ``span``·n nearest ranks (default :math:`n^{-0.4}`: bias and variance of the smoother both
    vanish). This is power iteration on :math:`T^*T`, converging to the top non-constant pair at rate
    :math:`(\sigma_3/\sigma_2)^2` per sweep. ``cross_fit`` (default) fits on one half and correlates the
    fitted functions, interpolated in x and y, on the other (both ways); see :func:`hgr_histogram` for
    the bias and the standard error.
    """
    x, y = _paired(x, y)
    if span is not None and not 0 < span < 1:
        raise ValueError(f"span must be a fraction in (0, 1), got {span}.")
    fit = _ace_fit(span, integer(iterations, "iterations", minimum=1), positive(tol, "tol"))
    return _cross_fit(fit, x, y, seed, seed) if cross_fit else _in_sample(fit, x, y, seed)


_ESTIMATORS = {"ace": hgr_ace, "histogram": hgr_histogram}


def eta2_from_pairs(x, y, *, method="ace", pool_coordinates=True, max_pairs=200_000, seed=0, **options) -> Estimate:
    r""":math:`\eta_2` from positive pairs alone: :math:`\rho_m(X,Y)=\eta_2` for conditionally i.i.d. views.

    ``x``, ``y`` hold paired views, shape (n,) or (n, D). For vectors of a coordinate-wise channel on
    i.i.d. coordinates :math:`\eta_2` is the per-coordinate value (tensorization): ``pool_coordinates``
    stacks the coordinates into one scalar sample (at most ``max_pairs`` pairs, subsampled with
    ``seed``); otherwise each coordinate is estimated and the largest is returned (biased upwards by
    the maximum over D noisy estimates). ``method`` is ``"ace"`` or ``"histogram"``; ``options`` go to it.
    Cross-fitted estimates err downwards (module docstring).
    """
    if method not in _ESTIMATORS:
        raise ValueError(f"method must be one of {sorted(_ESTIMATORS)}, got {method!r}.")
    x, y = finite_array(x, "x"), finite_array(y, "y")
    if x.shape != y.shape or x.ndim not in (1, 2):
        raise ValueError(f"x and y must be paired views of the same shape (n,) or (n, D), got {x.shape} and {y.shape}.")
    estimator = _ESTIMATORS[method]
    if x.ndim == 1:
        return estimator(x, y, seed=seed, **options)
    if pool_coordinates:
        xs, ys = x.ravel(), y.ravel()
        if xs.size > max_pairs:
            keep = as_generator(seed).choice(xs.size, size=integer(max_pairs, "max_pairs", minimum=20), replace=False)
            xs, ys = xs[keep], ys[keep]
        return estimator(xs, ys, seed=seed, **options)
    return max((estimator(x[:, k], y[:, k], seed=seed, **options) for k in range(x.shape[1])), key=lambda e: e.value)


# --------------------------------------------------------------------------------------------
# Encoders
# --------------------------------------------------------------------------------------------
def _is_torch_module(obj) -> bool:
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(obj, torch.nn.Module)


def as_numpy_encoder(encoder) -> Callable[[np.ndarray], np.ndarray]:
    """A numpy-in, numpy-out version of ``encoder`` (a callable on arrays, or a torch module).

    A torch module runs under ``torch.no_grad()`` on the device and in the dtype of its first parameter;
    torch is only touched when it is already imported (a torch module cannot exist otherwise).
    """
    if not callable(encoder):
        raise ValueError(f"encoder must be callable (a function of an (n, D) array or a torch module), got {type(encoder).__name__}.")
    if _is_torch_module(encoder):
        import torch

        param = next(encoder.parameters(), None)
        device = param.device if param is not None else torch.device("cpu")
        dtype = param.dtype if param is not None else torch.float32

        def run(x):
            with torch.no_grad():
                return encoder(torch.as_tensor(x, dtype=dtype, device=device)).double().cpu().numpy()

        return run

    def run_callable(x):
        out = encoder(x)
        if hasattr(out, "detach"):  # a torch tensor from a plain callable
            out = out.detach().double().cpu().numpy()
        return np.asarray(out, dtype=np.float64)

    return run_callable


@dataclass(frozen=True, eq=False)
class LinearEncoder:
    """:math:`f(x)=xW^\\top` (no bias, as in the paper's synthetic experiments)."""

    weight: np.ndarray

    def __call__(self, x):
        return np.asarray(x, dtype=np.float64) @ self.weight.T


@dataclass(frozen=True, eq=False)
class MLPEncoder:
    """:math:`f(x)=W_k\\,\\mathrm{act}(\\cdots\\mathrm{act}(W_1x+b_1)\\cdots)+b_k` with tanh or ReLU."""

    weights: tuple
    biases: tuple
    activation: str = "tanh"

    def __call__(self, x):
        h = np.asarray(x, dtype=np.float64)
        act = np.tanh if self.activation == "tanh" else (lambda v: np.maximum(v, 0.0))
        for i, (W, b) in enumerate(zip(self.weights, self.biases)):
            h = h @ W.T + b
            if i < len(self.weights) - 1:
                h = act(h)
        return h


def random_linear_encoder(in_dim, out_dim, *, rng) -> LinearEncoder:
    """A linear encoder with i.i.d. :math:`N(0,1/\\text{in\\_dim})` weights."""
    i, o = integer(in_dim, "in_dim", minimum=1), integer(out_dim, "out_dim", minimum=2)
    return LinearEncoder(as_generator(rng).standard_normal((o, i)) / math.sqrt(i))


def random_mlp_encoder(in_dim, out_dim, *, hidden=64, depth=2, activation="tanh", bias_std=0.5, rng) -> MLPEncoder:
    """A random MLP (``depth`` layers, He/Xavier-scaled Gaussian weights, Gaussian biases)."""
    if activation not in ("tanh", "relu"):
        raise ValueError(f"activation must be 'tanh' or 'relu', got {activation!r}.")
    gen = as_generator(rng)
    sizes = [integer(in_dim, "in_dim", minimum=1)] + [integer(hidden, "hidden", minimum=1)] * (integer(depth, "depth", minimum=1) - 1)
    sizes.append(integer(out_dim, "out_dim", minimum=2))
    weights = tuple(gen.standard_normal((b, a)) / math.sqrt(a) for a, b in zip(sizes[:-1], sizes[1:]))
    biases = tuple(bias_std * gen.standard_normal(b) for b in sizes[1:])
    return MLPEncoder(weights, biases, activation)


# --------------------------------------------------------------------------------------------
# Prop 1 by Monte Carlo
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AlignmentCheck:
    r"""Prop 1 measured on an encoder: :math:`E[u\cdot v]\le\eta_2+(1-\eta_2)\|m\|^2`.

    ``alignment`` and ``mean_sq_norm`` are unbiased estimates with standard errors; ``slack`` is
    bound − alignment at the central η₂ with the joint standard error of both estimates;
    ``explained`` is :math:`(E[u\cdot v]-\|m\|^2)/(1-\|m\|^2)=\sum_k\mathrm{Var}E[u_k\mid X_0]/\sum_k\mathrm{Var}u_k`,
    the encoder's own "η₂", which Prop 1 says is at most η₂.
    """

    alignment: Estimate
    mean_sq_norm: Estimate
    eta2: Eta2
    slack: Estimate

    @property
    def bound(self) -> float:
        return self.eta2.value + (1 - self.eta2.value) * self.mean_sq_norm.value

    @property
    def explained(self) -> float:
        m2 = self.mean_sq_norm.value
        return (self.alignment.value - m2) / (1 - m2) if m2 < 1 else float("nan")

    def holds(self, z: float = 4.0) -> bool:
        r"""Not rejected: slack + z·SE + (1 − ‖m‖²)·η₂ error ≥ 0 (one-sided, z standard errors)."""
        return self.slack.value + z * self.slack.se + (1 - self.mean_sq_norm.value) * self.eta2.error >= 0

    def to_dict(self) -> dict:
        return {"alignment": self.alignment.value, "alignment_se": self.alignment.se,
                "mean_sq_norm": self.mean_sq_norm.value, "mean_sq_norm_se": self.mean_sq_norm.se,
                "eta2": self.eta2.value, "eta2_error": self.eta2.error, "bound": self.bound,
                "slack": self.slack.value, "slack_se": self.slack.se, "explained": self.explained,
                "n": self.alignment.n, "seed": self.alignment.seed}


def _chunk_rows(dim: int, chunk_bytes: int = 32 * 2**20) -> int:
    return max(1, chunk_bytes // (8 * max(dim, 1) * 3))


def alignment_check(encoder, channel, *, n, seed, eta2: Eta2 | None = None) -> AlignmentCheck:
    r"""Monte Carlo of Prop 1 for ``encoder`` on ``channel`` with ``n`` positive pairs.

    Streams the pairs in chunks and accumulates :math:`\sum u\cdot v`, :math:`\sum(u\cdot v)^2`,
    :math:`\sum u`, :math:`\sum uu^\top` and :math:`\sum(u\cdot v)u`. Then

    * :math:`\widehat{E[u\cdot v]}` is the sample mean;
    * :math:`\widehat{\|m\|^2}=(\|\sum u_i\|^2-n)/(n(n-1))`, the unbiased U-statistic
      (:math:`\|\bar u\|^2` is biased up by :math:`(1-\|m\|^2)/n`), with variance
      :math:`(4(n-2)\zeta_1+2\zeta_2)/(n(n-1))`, :math:`\zeta_1=m^\top\Sigma_um` (estimated as
      :math:`\hat m^\top\hat\Sigma_u\hat m-\mathrm{tr}\hat\Sigma_u^2/n`, removing the plug-in bias),
      :math:`\zeta_2=\mathrm{tr}(E[uu^\top]^2)-\|m\|^4` (Hoeffding);
    * the slack's variance adds the covariance :math:`\tfrac2n m^\top(E[(u\cdot v)u]-E[u\cdot v]m)`.

    ``eta2`` defaults to ``channel.eta2()``.
    """
    n = integer(n, "n (number of positive pairs)", minimum=3)
    eta = channel.eta2() if eta2 is None else eta2
    run = as_numpy_encoder(encoder)
    gen = as_generator(seed)
    sums = None
    done = 0
    while done < n:
        x0 = channel.sample_base(min(n - done, _chunk_rows(getattr(channel, "dim", 1))), gen)
        x, y = channel.sample_pair(x0, gen)
        u, v = normalize_rows(run(x)), normalize_rows(run(y))
        uv = np.einsum("ij,ij->i", u, v)
        part = (uv.sum(), (uv * uv).sum(), u.sum(axis=0), u.T @ u, uv @ u)
        sums = part if sums is None else tuple(a + b for a, b in zip(sums, part))
        done += x0.shape[0]
    s_uv, s_uv2, s_u, s_uu, s_uvu = sums
    a = s_uv / n
    var_uv = max(s_uv2 / n - a * a, 0.0) * n / (n - 1)
    m = s_u / n
    m_sq = mean_norm_sq_from_sums(s_u, s_uu, n, seed=seed)
    cov = 2.0 / n * float(m @ (s_uvu / n - a * m))
    w = 1 - eta.value
    var_slack = w * w * m_sq.se**2 + var_uv / n - 2 * w * cov
    slack = eta.value + w * m_sq.value - a
    return AlignmentCheck(
        alignment=Estimate(float(a), math.sqrt(var_uv / n), n, seed),
        mean_sq_norm=m_sq,
        eta2=eta,
        slack=Estimate(float(slack), math.sqrt(max(var_slack, 0.0)), n, seed),
    )


def conditional_alignment(encoder, channel, *, n_base, n_views, seed) -> Estimate:
    r""":math:`E\|E[u\mid X_0]\|^2` by an inner Monte Carlo over ``n_views`` views of each of ``n_base`` items.

    Per item, :math:`(\|\sum_ju_j\|^2-k)/(k(k-1))` (k = ``n_views``) is unbiased for
    :math:`\|E[u\mid X_0]\|^2` (the plug-in :math:`\|\bar u\|^2` is biased up by the conditional
    variance over k); the mean over items carries its standard error. Prop 1's sharper identity says
    this equals :math:`E[u\cdot v]`.
    """
    n_base = integer(n_base, "n_base", minimum=2)
    k = integer(n_views, "n_views", minimum=2)
    run = as_numpy_encoder(encoder)
    gen = as_generator(seed)
    x0 = channel.sample_base(n_base, gen)
    sums = None
    for _ in range(k):
        u = normalize_rows(run(channel.sample(x0, gen)))
        sums = u if sums is None else sums + u
    per_item = (np.einsum("ij,ij->i", sums, sums) - k) / (k * (k - 1))
    return mean_estimate(per_item, seed=seed)


# --------------------------------------------------------------------------------------------
# Assumption 3 in the solvable model: δ(d) = A² − E[u·v] against d
# --------------------------------------------------------------------------------------------
def mc_solvable_alignment(d, A, *, n, seed) -> AlignmentCheck:
    r"""Prop 1 for the identity encoder on the Gaussian vector channel in :math:`\mathbb R^d` (the solvable
    model): the alignment estimates :func:`infonce_gauss.theory.hgr.solvable_alignment`, the slack
    :math:`\delta(d)` (as :math:`\|m\|^2=0`)."""
    return alignment_check(lambda x: x, MixingChannel(A=A, base="gaussian", dim=d), n=n, seed=seed)


def _solvable_mc(d, A, n, seed):
    check = mc_solvable_alignment(d, A, n=n, seed=seed)
    return {"value": A * A - check.alignment.value, "se": check.alignment.se}


def _random_linear_mc(d, A, n, seed):
    channel = MixingChannel(A=A, base="gaussian", dim=2 * d)
    encoder = random_linear_encoder(2 * d, d, rng=np.random.default_rng([seed, d]))
    check = alignment_check(encoder, channel, n=n, seed=seed)
    return {"value": check.slack.value, "se": check.slack.se}


def solvable_rate_table(A_values: Sequence[float], dims: Sequence[int], *, n, seeds, executor=None, progress=True) -> list[dict]:
    r"""Tidy table of :math:`\delta(d)=A^2-E[u\cdot v]` in the solvable model and of
    Prop 1's slack for a random linear encoder, against d.

    Rows: ``quantity`` ∈ {``delta``, ``slack_random_linear``}, ``source`` ∈ {``exact`` (closed form),
    ``asymptotic`` (:math:`A^2(1-A^4)/(2d)`), ``mc`` (n pairs per seed, with ``se``)}. The random linear
    encoder maps :math:`\mathbb R^{2d}\to\mathbb R^d` with Gaussian weights (an anisotropic μ).
    """
    dims = sorted({integer(d, "d", minimum=2) for d in dims})
    n = integer(n, "n", minimum=3)
    rows = []
    for A in A_values:
        c = solvable_delta_constant(A)
        for d in dims:
            rows.append({"A": A, "d": d, "quantity": "delta", "source": "exact", "value": solvable_delta(d, A)})
            rows.append({"A": A, "d": d, "quantity": "delta", "source": "asymptotic", "value": c / d})
        grid = [{"d": d, "A": A, "n": n} for d in dims]
        for measure, quantity in ((_solvable_mc, "delta"), (_random_linear_mc, "slack_random_linear")):
            for row in sweep(measure, grid, seeds=list(seeds), executor=executor, progress=progress,
                             desc=f"{quantity} A={A}"):
                rows.append({"A": A, "d": row["d"], "quantity": quantity, "source": "mc", "value": row["value"],
                             "se": row["se"], "seed": row["seed"], "n": n})
    return rows


def solvable_rate_fits(table, *, d_min=32, d_max=None, confidence_level=0.95) -> list[dict]:
    r"""Slope fits of :math:`\log\delta=\log C+s\log d+b/d` per A (exact: with truncation error; MC:
    weighted, dropping points within 2 SE of 0), predicted s = −1 and :math:`C=A^2(1-A^4)/2`."""
    fits = []
    for A in sorted({r["A"] for r in table}):
        for source in ("exact", "mc"):
            series = [r for r in table if r["A"] == A and r["quantity"] == "delta" and r["source"] == source
                      and r["d"] >= d_min and (d_max is None or r["d"] <= d_max)]
            if source == "mc":
                series = [r for r in series if r["value"] > 2 * r["se"]]
            if len({r["d"] for r in series}) < points_needed(corrections=1, exact=source == "exact"):
                continue
            fit = fit_rate(column(series, "d"), column(series, "value"),
                           se=column(series, "se") if source == "mc" else None, exact=source == "exact",
                           corrections=1, confidence_level=confidence_level, predicted_slope=-1.0,
                           predicted_constant=solvable_delta_constant(A))
            fits.append({"A": A, "metric": "delta", "source": source, **fit.to_dict(),
                         "slope_covers_prediction": fit.slope_covers_prediction})
    return fits
