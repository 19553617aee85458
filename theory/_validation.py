"""Input checks shared by the theory modules.

Every public function validates its arguments here so that a user sees a
``ValueError`` that names the argument, the value and what to pass instead,
never a traceback from deep inside numpy or scipy.
"""

from __future__ import annotations

import numbers

import numpy as np


def integer(value, name: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return ``value`` as a Python int, or raise a ValueError that says why not.

    Accepts Python and numpy integers and integral floats such as ``32.0``;
    rejects booleans, NaN, infinities and non-integral numbers.
    """
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be an integer, got the boolean {value!r}.")
    if isinstance(value, numbers.Integral):
        out = int(value)
    elif isinstance(value, numbers.Real):
        if not np.isfinite(value):
            raise ValueError(f"{name} must be a finite integer, got {value!r}.")
        if float(value) != int(value):
            raise ValueError(f"{name} must be an integer, got {value!r}; round it first.")
        out = int(value)
    else:
        raise ValueError(f"{name} must be an integer, got {type(value).__name__} {value!r}.")
    if minimum is not None and out < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {out}.")
    if maximum is not None and out > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {out}.")
    return out


def dimension_and_k(d, k) -> tuple[int, int]:
    """Validate an ambient dimension ``d >= 2`` and a projection size ``1 <= k <= d - 1``."""
    d = integer(d, "d (the ambient dimension)", minimum=2)
    k = integer(k, "k (the number of projected coordinates)", minimum=1)
    if k >= d:
        raise ValueError(
            f"k must be smaller than d (the projection of U onto all d coordinates lies on the sphere "
            f"and has no density), got k={k}, d={d}; use k <= d - 1."
        )
    return d, k


def positive(value, name: str) -> float:
    """Return ``value`` as a float after checking it is finite and > 0."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a positive number, got {value!r}.") from None
    if not np.isfinite(out) or out <= 0:
        raise ValueError(f"{name} must be a finite positive number, got {value!r}.")
    return out


def finite_array(values, name: str) -> np.ndarray:
    """Return ``values`` as a float64 array after checking every entry is finite."""
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numeric, got {type(values).__name__}.") from None
    if not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name} contains {bad} NaN or infinite value(s); remove or impute them first.")
    return arr


def inverse_temperature(alpha) -> float:
    """α = 1/τ of InfoNCE: a finite positive number."""
    return positive(alpha, "alpha (the inverse temperature 1/tau)")
