r"""Training traces: the alignment and the other diagnostics of a training run, epoch by epoch.

``infonce-gauss train`` writes them (``diagnostics.csv``, :mod:`~infonce_gauss.simulations.training`);
``check --trace`` and the ``EMP-`` claims read them. This module holds what is computed on a trace
(no torch): the alignment plateau of Assumption 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from infonce_gauss.theory.validation import finite_array

__all__ = ["Plateau", "detect_plateau"]


@dataclass(frozen=True)
class Plateau:
    r"""An alignment plateau found by :func:`detect_plateau`.

    ``value`` ± ``se`` is the mean alignment over the plateau (the SE treats epochs as independent,
    so it is optimistic for autocorrelated traces); ``r_plat`` = value − η₂ (Assumption 1 says ≤ 0);
    ``feasible_at_uniform`` is whether value ≤ ceiling + z·se, the ceiling being Align(σ) when given,
    else η₂ (Align(σ) ≤ η₂ by Prop 1 at m = 0, so this is then only a necessary condition).
    """

    reached: bool
    start_epoch: float
    value: float
    se: float
    tolerance: float
    drift: float
    r_plat: float | None
    ceiling: float | None
    feasible_at_uniform: bool | None


def detect_plateau(alignment, *, epochs=None, eta2=None, align_uniform=None, tail_fraction=0.25,
                   min_tolerance=0.005, z=4.0) -> Plateau:
    r"""Detect the alignment plateau of a training trace (Assumption 1, Eq. 7) by a stated rule.

    Rule: the tail is the last ``tail_fraction`` of the trace (at least 3 points); its mean c and
    standard deviation s set a band :math:`c\pm\tau`, :math:`\tau=\max(\text{min\_tolerance},3s)`. The
    plateau starts at the first epoch after which the trace never leaves the band; its value is the
    mean over the plateau and its drift the change of a straight-line fit across it. The plateau is
    *reached* when it is at least as long as the tail and its drift is within τ.
    """
    a = finite_array(alignment, "alignment").ravel()
    if a.size < 4:
        raise ValueError(f"a plateau needs a trace of at least 4 epochs, got {a.size}.")
    t = np.arange(a.size, dtype=float) if epochs is None else finite_array(epochs, "epochs").ravel()
    if t.shape != a.shape or np.any(np.diff(t) <= 0):
        raise ValueError("epochs must be increasing and have one entry per alignment value.")
    if not 0 < tail_fraction < 1:
        raise ValueError(f"tail_fraction must lie in (0, 1), got {tail_fraction}.")
    tail = a[-max(3, int(math.ceil(tail_fraction * a.size))):]
    centre, tol = float(tail.mean()), max(float(min_tolerance), 3.0 * float(tail.std(ddof=1)))
    outside = np.flatnonzero(np.abs(a - centre) > tol)
    start = int(outside[-1] + 1) if outside.size else 0
    plateau, pt = a[start:], t[start:]
    value = float(plateau.mean())
    se = float(plateau.std(ddof=1) / math.sqrt(plateau.size)) if plateau.size > 1 else 0.0
    drift = float(np.polyfit(pt, plateau, 1)[0] * (pt[-1] - pt[0])) if plateau.size > 1 else 0.0
    reached = plateau.size >= tail.size and abs(drift) <= tol
    ceiling = align_uniform if align_uniform is not None else eta2
    return Plateau(
        reached=bool(reached), start_epoch=float(t[start]), value=value, se=se, tolerance=tol, drift=drift,
        r_plat=None if eta2 is None else value - float(eta2),
        ceiling=None if ceiling is None else float(ceiling),
        feasible_at_uniform=None if ceiling is None else bool(value - z * se <= float(ceiling)),
    )
