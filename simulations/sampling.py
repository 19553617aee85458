r"""Seeded samplers of the uniform sphere, its projections and radial laws, with bounded memory.

Float64 throughout by default; ``dtype=np.float32`` halves memory and is enough wherever the result
feeds a statistic with a Monte Carlo error far above 1e-7 (tests, plots), never for exact identities.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

import numpy as np

from infonce_gauss.theory.sphere import ChiRadius, FixedRadius, PerturbedRadius, chi_norm_moments
from infonce_gauss.theory.validation import dimension_and_k, integer

__all__ = [
    "derive_seed",
    "normalize_rows",
    "spawn_seeds",
    "as_generator",
    "uniform_sphere",
    "iter_uniform_sphere",
    "projected_sphere",
    "sample_scaled_radius",
    "DEFAULT_CHUNK_BYTES",
]

DEFAULT_CHUNK_BYTES = 64 * 2**20


def derive_seed(seed: int, *keys: int) -> int:
    """A seed for the sub-experiment ``keys`` of the run seeded ``seed`` (``numpy.random.SeedSequence``).

    ``SeedSequence([seed, *keys])`` hashes its entropy, so streams of different keys are independent
    for every practical purpose, unlike offsets such as ``seed + d``, which collide across
    sub-experiments (``seed + 1`` of one is ``seed`` of the next).

    Examples
    --------
    >>> derive_seed(0, 64, 2) == derive_seed(0, 64, 2) != derive_seed(0, 2, 64)
    True
    """
    entropy = [int(seed), *(int(k) for k in keys)]
    if any(v < 0 for v in entropy):
        raise ValueError(f"seeds and keys must be non-negative integers, got {entropy}.")
    return int(np.random.SeedSequence(entropy).generate_state(1)[0])


def spawn_seeds(seed: int, count: int) -> list[int]:
    """``count`` independent seeds derived from ``seed`` (one per Monte Carlo replicate of a sweep)."""
    count = integer(count, "seeds", minimum=1)
    return [derive_seed(seed, i) for i in range(count)]


def as_generator(rng) -> np.random.Generator:
    """Return a ``numpy.random.Generator`` from a Generator or an integer seed (never global state)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool) and rng >= 0:
        return np.random.default_rng(int(rng))
    raise ValueError(f"rng must be a numpy Generator or a non-negative integer seed, got {rng!r}.")


def _dtype(dtype) -> np.dtype:
    dt = np.dtype(dtype)
    if dt not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64, got {dt}.")
    return dt


def normalize_rows(z, *, zero: str = "c0", copy: bool = True) -> np.ndarray:
    r"""Directions :math:`\hat f=f/\|f\|` of the rows of ``z`` (n × d, d >= 2).

    Parameters
    ----------
    z : array_like
        Finite vectors, one per row.
    zero : {'c0', 'raise'}
        A zero row has no direction: ``'c0'`` maps it to the fixed point :math:`c_0=e_1` (the paper's
        convention for :math:`\hat f`), ``'raise'`` refuses it (a trained encoder that outputs exactly 0
        is a bug worth seeing).
    copy : bool
        ``False`` scales a float array in place (no temporary of the size of ``z``).
    """
    z = np.asarray(z, dtype=z.dtype if isinstance(z, np.ndarray) and z.dtype.kind == "f" else np.float64)
    if z.ndim != 2 or z.shape[1] < 2:
        raise ValueError(f"vectors must have shape (n, d) with d >= 2, got {z.shape}.")
    if not np.all(np.isfinite(z)):
        raise ValueError("the vectors contain NaN or infinite values.")
    norms = np.sqrt(np.einsum("ij,ij->i", z, z))
    zeros = norms == 0
    if zeros.any() and zero == "raise":
        raise ValueError(f"{int(zeros.sum())} vector(s) are exactly zero; a direction is undefined there "
                         "(the paper maps a zero output to a fixed c0).")
    out = z.copy() if copy else z
    out[~zeros] /= norms[~zeros, None]
    out[zeros] = 0.0
    out[zeros, 0] = 1.0
    return out


def uniform_sphere(n, d, *, rng, dtype=np.float64) -> np.ndarray:
    r"""Draw ``n`` points uniform on :math:`S^{d-1}`: normalized standard Gaussian rows.

    Rotation invariance of :math:`N(0,I_d)` makes :math:`g/\|g\|` uniform; a zero row has probability 0.
    """
    n = integer(n, "n (number of samples)", minimum=1)
    d = integer(d, "d (the ambient dimension)", minimum=2)
    return normalize_rows(as_generator(rng).standard_normal((n, d), dtype=_dtype(dtype)), copy=False)


def iter_uniform_sphere(n, d, *, rng, chunk_bytes=DEFAULT_CHUNK_BYTES, dtype=np.float64) -> Iterator[np.ndarray]:
    """Yield ``n`` uniform points on :math:`S^{d-1}` in row chunks of at most ``chunk_bytes``.

    The concatenated chunks equal ``uniform_sphere(n, d, rng=same seed)``: the generator's stream does
    not depend on the chunking, so results are reproducible whatever the memory budget.
    """
    n = integer(n, "n (number of samples)", minimum=1)
    d = integer(d, "d (the ambient dimension)", minimum=2)
    dt = _dtype(dtype)
    gen = as_generator(rng)
    rows = max(1, int(chunk_bytes) // (d * dt.itemsize))
    for start in range(0, n, rows):
        yield normalize_rows(gen.standard_normal((min(rows, n - start), d), dtype=dt), copy=False)


def projected_sphere(n, d, k=1, *, rng) -> np.ndarray:
    r"""Exact draws of :math:`s=\sqrt d\,(U_1..U_k)` in :math:`O(nk)` time and memory.

    With :math:`g\sim N(0,I_d)`, :math:`U_{1..k}=g_{1..k}/\sqrt{\|g_{1..k}\|^2+\|g_{k+1..d}\|^2}` and the
    second squared norm is :math:`\chi^2_{d-k}`, independent of :math:`g_{1..k}`; so the k coordinates of
    a d-dimensional uniform vector need only k Gaussians and one chi-square. Shape ``(n,)`` for k = 1.
    """
    n = integer(n, "n (number of samples)", minimum=1)
    d, k = dimension_and_k(d, k)
    gen = as_generator(rng)
    head = gen.standard_normal((n, k))
    rest = gen.chisquare(d - k, size=n)
    s = head * np.sqrt(d / (np.einsum("ij,ij->i", head, head) + rest))[:, None]
    return s[:, 0] if k == 1 else s


@functools.singledispatch
def sample_scaled_radius(family, d, n, *, rng) -> np.ndarray:
    r"""Draw :math:`W=r/r_0(d)` for a radial family of :mod:`infonce_gauss.theory.sphere` (Prop 2)."""
    raise ValueError(
        f"unknown radial family {type(family).__name__}; use FixedRadius, ChiRadius or PerturbedRadius."
    )


@sample_scaled_radius.register
def _(family: FixedRadius, d, n, *, rng):
    return np.ones(integer(n, "n (number of samples)", minimum=1))


@sample_scaled_radius.register
def _(family: ChiRadius, d, n, *, rng):
    d = integer(d, "d (the ambient dimension)", minimum=2)
    n = integer(n, "n (number of samples)", minimum=1)
    return np.sqrt(as_generator(rng).chisquare(d, size=n)) / chi_norm_moments(d).mean


@sample_scaled_radius.register
def _(family: PerturbedRadius, d, n, *, rng):
    n = integer(n, "n (number of samples)", minimum=1)
    return 1.0 + family.epsilon(d) * as_generator(rng).uniform(-1.0, 1.0, size=n)
