"""Argument checks for the public functions of :mod:`infonce_gauss.theory` and :mod:`infonce_gauss.simulations`.

The one home of these checks: every public function validates its arguments here, so that a user sees a
``ValueError`` that names the argument, the value and what to pass instead, never a traceback from deep
inside numpy or scipy. Each check returns the value converted to the type the mathematics uses (a Python
``int`` for a dimension or a count, a ``float`` for a scalar parameter, a float64 array for data).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["integer", "dimension_and_k", "positive", "nonnegative", "unit_interval", "finite_array", "inverse_temperature"]


def integer(value, name: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """An integer argument, within ``[minimum, maximum]`` where given.

    Parameters
    ----------
    value : int, numpy integer or integral float
        The argument. Integral floats such as ``32.0`` are accepted; booleans, NaN, infinities and
        non-integral numbers are not.
    name : str
        The argument's name as the error message shows it, e.g. ``"d (the ambient dimension)"``.
    minimum, maximum : int, optional
        Inclusive bounds.

    Returns
    -------
    int
        ``value`` as a Python int.

    Raises
    ------
    ValueError
        If ``value`` is not an integer or lies outside the bounds; the message says why.
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
    r"""An ambient dimension :math:`d\ge2` and a number of projected coordinates :math:`1\le k\le d-1`.

    The projection of :math:`U\sim\sigma` onto all d coordinates lies on the sphere and has no density
    on :math:`\mathbb R^d`, hence :math:`k<d`.

    Parameters
    ----------
    d, k : int
        The ambient dimension and the projection size.

    Returns
    -------
    tuple of int
        ``(d, k)`` as Python ints.

    Raises
    ------
    ValueError
        If either is not an integer, ``d < 2``, ``k < 1`` or ``k >= d``.
    """
    d = integer(d, "d (the ambient dimension)", minimum=2)
    k = integer(k, "k (the number of projected coordinates)", minimum=1)
    if k >= d:
        raise ValueError(
            f"k must be smaller than d (the projection of U onto all d coordinates lies on the sphere "
            f"and has no density), got k={k}, d={d}; use k <= d - 1."
        )
    return d, k


def _real(value, name: str, expected: str) -> float:
    """``float(value)``, or a ValueError saying that ``name`` must be ``expected``."""
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be {expected}, got {value!r}.") from None


def positive(value, name: str) -> float:
    r"""A finite number :math:`x>0`.

    Parameters
    ----------
    value : real number
        The argument.
    name : str
        The argument's name as the error message shows it.

    Returns
    -------
    float
        ``value`` as a float.

    Raises
    ------
    ValueError
        If ``value`` is not a number, not finite, or :math:`\le0`.
    """
    out = _real(value, name, "a positive number")
    if not np.isfinite(out) or out <= 0:
        raise ValueError(f"{name} must be a finite positive number, got {value!r}.")
    return out


def nonnegative(value, name: str) -> float:
    r"""A finite number :math:`x\ge0` (a weight such as β, a gap such as δ, a tolerance ε).

    Parameters
    ----------
    value : real number
        The argument.
    name : str
        The argument's name as the error message shows it.

    Returns
    -------
    float
        ``value`` as a float.

    Raises
    ------
    ValueError
        If ``value`` is not a number, not finite, or negative.
    """
    out = _real(value, name, "a non-negative number")
    if not math.isfinite(out) or out < 0:
        raise ValueError(f"{name} must be finite and >= 0, got {value!r}.")
    return out


def unit_interval(value, name: str) -> float:
    r"""A number in :math:`[0,1]` (a probability, a squared maximal correlation such as :math:`\eta_2`).

    Parameters
    ----------
    value : real number
        The argument.
    name : str
        The argument's name as the error message shows it.

    Returns
    -------
    float
        ``value`` as a float.

    Raises
    ------
    ValueError
        If ``value`` is not a number or lies outside :math:`[0,1]` (NaN included).
    """
    out = _real(value, name, "a number in [0, 1]")
    if not 0 <= out <= 1:
        raise ValueError(f"{name} must lie in [0, 1], got {value!r}.")
    return out


def finite_array(values, name: str) -> np.ndarray:
    """An array of finite numbers.

    Parameters
    ----------
    values : array_like
        The argument, of any shape.
    name : str
        The argument's name as the error message shows it.

    Returns
    -------
    numpy.ndarray
        ``values`` as a float64 array of the same shape.

    Raises
    ------
    ValueError
        If ``values`` is not numeric or holds a NaN or an infinity; the message counts them.
    """
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numeric, got {type(values).__name__}.") from None
    if not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name} contains {bad} NaN or infinite value(s); remove or impute them first.")
    return arr


def inverse_temperature(alpha) -> float:
    r"""The inverse temperature :math:`\alpha=1/\tau` of InfoNCE: a finite number :math:`>0`.

    Parameters
    ----------
    alpha : real number
        The argument.

    Returns
    -------
    float
        ``alpha`` as a float.

    Raises
    ------
    ValueError
        If ``alpha`` is not a finite positive number.
    """
    return positive(alpha, "alpha (the inverse temperature 1/tau)")
