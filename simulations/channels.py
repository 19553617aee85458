r"""Augmentation channels of the paper's synthetic experiments (App. E.1), with their :math:`\eta_2`.

A channel is a Markov kernel :math:`\mathcal A(\cdot\mid X_0)` together with the law of the base item
:math:`X_0`, since :math:`\eta_2=\rho_m(X,X_0)^2` depends on both (paper Eq. 5). Every channel here has

* ``sample_base(n, rng)`` — n base items :math:`X_0` (rows);
* ``sample(x0, rng)`` — one view :math:`X\sim\mathcal A(\cdot\mid x_0)` per row of ``x0``;
* ``sample_pair(x0, rng)`` — two conditionally i.i.d. views (X, Y) of each row: a positive pair;
* ``eta2()`` — :math:`\eta_2` as a :class:`infonce_gauss.theory.hgr.Eta2` (value ± error, method, details).

``rng`` is a ``numpy.random.Generator`` or a non-negative integer seed; nothing uses global state.
Views are float64 arrays of shape ``(n, dim)``.

Channels:

* :class:`MixingChannel` — :math:`X=AX_0+\sqrt{1-A^2}\varepsilon` per coordinate, on i.i.d. Laplace(0,1)
  (the paper's) or N(0,1) coordinates, with an optional :class:`Jitter` (additive noise 0.2, feature
  dropout 0.1, log-normal scale :math:`e^{N(0,0.1^2)}`; paper Eq. 53);
* :class:`GMMChannel` — the base item is a mixture component, a view is a draw from it (positives are
  two draws from the same component);
* :class:`SparseBinaryChannel` — sparse i.i.d. Bernoulli coordinates; each view turns each zero into a
  one with a small probability (0.1% in the paper).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import numpy as np

from infonce_gauss.simulations.sampling import as_generator
from infonce_gauss.theory.hgr import Eta2, binary_channel_maximal_correlation, mixing_channel_eta2
from infonce_gauss.theory.validation import finite_array, integer, positive

__all__ = [
    "laplace_base",
    "gaussian_base",
    "stable_base",
    "scale_mixture_base",
    "STABLE_ALPHA",
    "SCALE_MIXTURE_LOG_STD",
    "Jitter",
    "PAPER_JITTER",
    "MixingChannel",
    "GMMChannel",
    "SparseBinaryChannel",
]


def _rows(n) -> int:
    return integer(n, "n (number of base items)", minimum=1)


def laplace_base(n, dim, rng) -> np.ndarray:
    """``n`` base items with i.i.d. Laplace(0, 1) coordinates (variance 2; the paper's synthetic input)."""
    return as_generator(rng).laplace(0.0, 1.0, size=(_rows(n), integer(dim, "dim", minimum=1)))


def gaussian_base(n, dim, rng) -> np.ndarray:
    """``n`` base items with i.i.d. N(0, 1) coordinates (the exactly solvable input)."""
    return as_generator(rng).standard_normal((_rows(n), integer(dim, "dim", minimum=1)))


STABLE_ALPHA = 1.5  # the index of the alpha-stable base: infinite variance, so no CLT for a linear map of it
SCALE_MIXTURE_LOG_STD = 1.0  # the log-normal scale of the scale-mixture base


def stable_base(n, dim, rng) -> np.ndarray:
    r"""``n`` base items with i.i.d. symmetric :math:`\alpha`-stable coordinates (α = ``STABLE_ALPHA``, unit
    scale; infinite variance), by Chambers, Mallows & Stuck (1976): with :math:`V\sim U(-\pi/2,\pi/2)` and
    :math:`W\sim\mathrm{Exp}(1)`,
    :math:`X=\frac{\sin\alpha V}{(\cos V)^{1/\alpha}}\big(\frac{\cos((1-\alpha)V)}{W}\big)^{(1-\alpha)/\alpha}`.
    A linear map of such coordinates is again α-stable, never Gaussian."""
    gen, shape, a = as_generator(rng), (_rows(n), integer(dim, "dim", minimum=1)), STABLE_ALPHA
    v, w = gen.uniform(-math.pi / 2, math.pi / 2, shape), gen.exponential(1.0, shape)
    return np.sin(a * v) / np.cos(v) ** (1 / a) * (np.cos((1 - a) * v) / w) ** ((1 - a) / a)


def scale_mixture_base(n, dim, rng) -> np.ndarray:
    r"""``n`` base items :math:`s\,g`: :math:`g\sim N(0,I)` times one log-normal scale per item,
    :math:`\log s\sim N(0,\sigma^2)` (σ = ``SCALE_MIXTURE_LOG_STD``), shared by its coordinates: a Gaussian scale
    mixture, which no linear or positively homogeneous encoder makes Gaussian."""
    gen = as_generator(rng)
    g = gen.standard_normal((_rows(n), integer(dim, "dim", minimum=1)))
    return g * np.exp(SCALE_MIXTURE_LOG_STD * gen.standard_normal((g.shape[0], 1)))


_BASE_SAMPLERS = {"laplace": laplace_base, "gaussian": gaussian_base, "stable": stable_base,
                  "scale-mixture": scale_mixture_base}
_ETA2_BASES = ("laplace", "gaussian")  # the bases whose η₂ theory.hgr computes


def _views(x0, name="x0") -> np.ndarray:
    x0 = finite_array(x0, name)
    if x0.ndim != 2:
        raise ValueError(f"{name} must have shape (n, dim) (one base item per row), got {x0.shape}.")
    return x0


class _PairMixin:
    def sample_pair(self, x0, rng) -> tuple[np.ndarray, np.ndarray]:
        """Two conditionally independent views of every row of ``x0`` (a positive pair per row)."""
        gen = as_generator(rng)
        return self.sample(x0, gen), self.sample(x0, gen)


@dataclass(frozen=True)
class Jitter:
    r"""The paper's light jitter after mixing (App. E.1, Eq. 53), applied to every coordinate.

    Order: add :math:`N(0,\text{noise\_std}^2)`, zero each coordinate with probability ``dropout``
    (no 1/(1−p) rescaling; a constant factor would not change η₂), multiply by
    :math:`e^{N(0,\text{log\_scale\_std}^2)}`. ``scale_per="sample"`` draws one scale per view (a global
    random rescaling, the usual implementation); ``"coordinate"`` draws one per coordinate.
    We read App. E.1's printed "0.12" as a log-scale variance 0.1².
    """

    noise_std: float = 0.2
    dropout: float = 0.1
    log_scale_std: float = 0.1
    scale_per: str = "sample"

    def __post_init__(self):
        if self.scale_per not in ("sample", "coordinate"):
            raise ValueError(f"scale_per must be 'sample' or 'coordinate', got {self.scale_per!r}.")
        for name in ("noise_std", "log_scale_std"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be finite and >= 0, got {value}.")
        if not 0 <= self.dropout < 1:
            raise ValueError(f"dropout must be a probability in [0, 1), got {self.dropout}.")

    def apply(self, x, rng) -> np.ndarray:
        gen = as_generator(rng)
        out = x + self.noise_std * gen.standard_normal(x.shape)
        out *= gen.random(x.shape) >= self.dropout
        scale_shape = (x.shape[0], 1) if self.scale_per == "sample" else x.shape
        out *= np.exp(self.log_scale_std * gen.standard_normal(scale_shape))
        return out


PAPER_JITTER = Jitter()


@functools.lru_cache(maxsize=64)
def _mixing_eta2(A: float, base: str, noise_std: float, dropout: float, log_scale_std: float) -> Eta2:
    return mixing_channel_eta2(A, base=base, noise_std=noise_std, dropout=dropout, log_scale_std=log_scale_std)


@dataclass(frozen=True)
class MixingChannel(_PairMixin):
    r"""The paper's augmentation :math:`X=AX_0+\sqrt{1-A^2}\,\varepsilon` (+ :class:`Jitter`), per coordinate.

    ``base`` is ``"laplace"`` (i.i.d. Laplace(0,1) coordinates, the paper's) or ``"gaussian"``, or one of the
    non-Gaussian controls ``"stable"`` (:func:`stable_base`) and ``"scale-mixture"`` (:func:`scale_mixture_base`;
    the views keep most of the item's scale: both views of an item share it), whose η₂ is not known (None);
    ``dim`` is the data dimension of :meth:`sample_base` (1024 in the paper; views keep the shape of
    ``x0``). The paper's default is A = 0.6 with the jitter.
    """

    A: float = 0.6
    base: str = "laplace"
    dim: int = 1024
    jitter: Jitter | None = None

    def __post_init__(self):
        if not -1 <= self.A <= 1:
            raise ValueError(f"A must lie in [-1, 1], got {self.A}.")
        if self.base not in _BASE_SAMPLERS:
            raise ValueError(f"base must be one of {sorted(_BASE_SAMPLERS)}, got {self.base!r}.")
        integer(self.dim, "dim", minimum=1)

    def sample_base(self, n, rng) -> np.ndarray:
        return _BASE_SAMPLERS[self.base](n, self.dim, rng)

    def sample(self, x0, rng) -> np.ndarray:
        gen = as_generator(rng)
        x0 = _views(x0)
        x = self.A * x0 + math.sqrt(1 - self.A**2) * gen.standard_normal(x0.shape)
        return x if self.jitter is None else self.jitter.apply(x, gen)

    def eta2(self) -> Eta2 | None:
        r""":math:`\eta_2` of the vector channel (None for the bases ``stable`` and ``scale-mixture``).

        Coordinates are i.i.d. and, without a per-sample scale, the channel acts on each independently,
        so η₂ is the per-coordinate value (tensorization) from
        :func:`infonce_gauss.theory.hgr.mixing_channel_eta2`. A scale shared by the coordinates of a view couples
        them; then η₂ is bracketed: at least the per-coordinate value with the scale (a function of
        one coordinate), at most the value without it (X is a function of the scale-free view and the
        independent scale, and adding an independent variable leaves ρ_m unchanged). The result is the
        midpoint of the bracket with its half-width added to the numerical error.
        """
        if self.base not in _ETA2_BASES:
            return None
        j = self.jitter or Jitter(0.0, 0.0, 0.0)
        with_scale = _mixing_eta2(abs(self.A), self.base, j.noise_std, j.dropout, j.log_scale_std)
        if j.scale_per == "coordinate" or j.log_scale_std == 0:
            return with_scale
        without = _mixing_eta2(abs(self.A), self.base, j.noise_std, j.dropout, 0.0)
        lo, hi = with_scale.value - with_scale.error, without.value + without.error
        return Eta2((lo + hi) / 2, (hi - lo) / 2, "bracket: per-coordinate η₂ with and without the shared scale",
                    {"lower_with_scale": with_scale.value, "lower_error": with_scale.error,
                     "upper_without_scale": without.value, "upper_error": without.error,
                     "with_scale": dict(with_scale.details), "without_scale": dict(without.details)})


@dataclass(frozen=True, eq=False)
class GMMChannel(_PairMixin):
    r"""Same-component channel of the paper's GMM data (App. E.1): :math:`X_0` is a component index k
    (weights ``weights``, default uniform), a view is a draw :math:`\mu_k+\text{std}\cdot N(0,I)`.

    Positives are two independent draws from the same component, so the views are conditionally
    i.i.d. given k. η₂ is the second eigenvalue of the K×K matrix
    :math:`M_{kl}=E[P(l\mid X)\mid X_0=k]` (the chain :math:`X_0\to X\to X_0'`, i.e. :math:`TT^*`); with
    well separated components it tends to 1.
    """

    means: np.ndarray
    std: float = 1.0
    weights: np.ndarray | None = field(default=None)

    def __post_init__(self):
        means = finite_array(self.means, "means")
        if means.ndim != 2 or means.shape[0] < 2:
            raise ValueError(f"means must have shape (K, dim) with K >= 2 components, got {means.shape}.")
        object.__setattr__(self, "means", means)
        positive(self.std, "std")
        w = np.full(means.shape[0], 1.0 / means.shape[0]) if self.weights is None else finite_array(self.weights, "weights")
        if w.shape != (means.shape[0],) or np.any(w <= 0) or abs(w.sum() - 1) > 1e-9:
            raise ValueError("weights must hold one positive probability per component, summing to 1.")
        object.__setattr__(self, "weights", w)

    @classmethod
    def random(cls, n_components=25, dim=1024, *, mean_std=1.0, std=1.0, rng) -> "GMMChannel":
        r"""Means drawn once as :math:`N(0,\text{mean\_std}^2I)` (the paper: 25 components in 1024 dims;
        it does not state the mean spread or the shared variance)."""
        k = integer(n_components, "n_components", minimum=2)
        d = integer(dim, "dim", minimum=1)
        return cls(positive(mean_std, "mean_std") * as_generator(rng).standard_normal((k, d)), std)

    @property
    def dim(self) -> int:
        return self.means.shape[1]

    def sample_base(self, n, rng) -> np.ndarray:
        """Component indices, shape (n, 1) (integers stored as float so that ``sample`` gets rows)."""
        return as_generator(rng).choice(self.weights.size, size=(_rows(n), 1), p=self.weights).astype(float)

    def sample(self, x0, rng) -> np.ndarray:
        labels = _views(x0, "x0 (component indices)")[:, 0]
        if np.any(labels != np.round(labels)) or np.any((labels < 0) | (labels >= self.weights.size)):
            raise ValueError(f"x0 must hold component indices in 0..{self.weights.size - 1}.")
        idx = labels.astype(int)
        return self.means[idx] + self.std * as_generator(rng).standard_normal((idx.size, self.dim))

    def posterior(self, x) -> np.ndarray:
        """P(component | x) for rows of x, shape (n, K)."""
        x = _views(x, "x")
        logits = np.log(self.weights) + (x @ self.means.T - 0.5 * np.sum(self.means**2, axis=1)) / self.std**2
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        return p / p.sum(axis=1, keepdims=True)

    def eta2(self, *, n_per_component=2000, seed=0, batches=10) -> Eta2:
        r""":math:`\eta_2=\lambda_2(M)` by Monte Carlo over views (deterministic for a fixed ``seed``).

        :math:`M_{kl}=E[P(l\mid X)\mid k]` is estimated from ``n_per_component`` draws per component;
        M is reversible for the weights, so :math:`D^{1/2}MD^{-1/2}` (D = diag(weights)) is symmetrized
        and its second eigenvalue taken. The error is the standard error over ``batches`` disjoint
        batches (each with its own eigenvalue), scaled by :math:`1/\sqrt{\text{batches}}`.
        """
        gen = as_generator(seed)
        per = integer(n_per_component, "n_per_component", minimum=batches)
        K = self.weights.size
        rows = np.stack([self.posterior(self.sample(np.full((per, 1), k, float), gen)) for k in range(K)])  # (K, per, K)
        sq = np.sqrt(self.weights)

        def second(m):
            sym = sq[:, None] * m / sq[None, :]
            return float(np.sort(np.linalg.eigvalsh((sym + sym.T) / 2))[-2])

        value = second(rows.mean(axis=1))
        parts = [second(chunk.mean(axis=1)) for chunk in np.array_split(rows, batches, axis=1)]
        se = float(np.std(parts, ddof=1) / math.sqrt(batches))
        return Eta2(value, se, f"Monte Carlo ({per} views per component, seed {seed}); error = batch SE",
                    {"n_per_component": per, "seed": seed, "batches": batches})


@dataclass(frozen=True)
class SparseBinaryChannel(_PairMixin):
    r"""Sparse binary data (App. E.1): i.i.d. Bernoulli(``density``) coordinates; a view turns each zero
    into a one with probability ``flip`` (0.001 in the paper; ones stay ones).

    Per coordinate this is a Z-channel, so (:func:`infonce_gauss.theory.hgr.binary_channel_maximal_correlation`)
    :math:`\eta_2=q(1-p)/(q+(1-q)p)`, and the vector η₂ is the same (tensorization). The paper does not
    state the density; 0.05 is our default.
    """

    density: float = 0.05
    flip: float = 0.001
    dim: int = 1024

    def __post_init__(self):
        if not 0 < self.density < 1:
            raise ValueError(f"density must lie in (0, 1), got {self.density}.")
        if not 0 <= self.flip < 1:
            raise ValueError(f"flip must lie in [0, 1), got {self.flip}.")
        integer(self.dim, "dim", minimum=1)

    def sample_base(self, n, rng) -> np.ndarray:
        return (as_generator(rng).random((_rows(n), self.dim)) < self.density).astype(float)

    def sample(self, x0, rng) -> np.ndarray:
        x0 = _views(x0)
        if np.any((x0 != 0) & (x0 != 1)):
            raise ValueError("x0 must be binary (0/1) for the sparse-binary channel.")
        return np.maximum(x0, as_generator(rng).random(x0.shape) < self.flip)

    def eta2(self) -> Eta2:
        rho = binary_channel_maximal_correlation(self.density, self.flip, 0.0)
        return Eta2(rho * rho, 0.0, "closed form (Z-channel, tensorized)")
