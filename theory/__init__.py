"""Pure mathematics of the paper: exact finite-d laws, bounds, closed forms and sympy derivations.

No randomness, no I/O, no torch. One module per result: :mod:`.sphere` (Maxwell–Poincaré,
Diaconis–Freedman, thin shell), :mod:`.hgr` (maximal correlation, η₂, Prop 1), :mod:`.polar` (polar KL
decomposition, Lemma 1), :mod:`.vmf` (von Mises–Fisher closed forms), :mod:`.infonce` (the InfoNCE
objective and Φ), :mod:`.regularized` (Theorem 1's route), :mod:`.special` (Bessel ratios, ₀F₁).
Modules load on first attribute access (``infonce_gauss.theory.sphere``).
"""

import importlib

__all__ = ["sphere", "hgr", "polar", "vmf", "infonce", "regularized", "special"]


def __getattr__(name: str):
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
