"""Pure mathematics of the paper: exact finite-d laws, bounds, closed forms and sympy derivations.

No randomness, no I/O, no torch. One module per result or per part of one: :mod:`.sphere`
(Maxwell–Poincaré, Diaconis–Freedman, thin shell), :mod:`.hgr` (maximal correlation, η₂, Prop 1), the polar
result in :mod:`.polar_coordinates` (z = r u, the sphere's area, radial laws), :mod:`.gaussian_reference`
(γ_λ^B, Eqs. 12–13, maximum entropy), :mod:`.polar_laws` (Gaussian and product laws term by term),
:mod:`.polar` (Prop 3's entropy and KL chain rules) and :mod:`.mean_kl` (Lemma 1, the MGF bound),
:mod:`.vmf` (von Mises–Fisher closed forms), :mod:`.infonce` (the InfoNCE objective and Φ), :mod:`.regularized`
(Theorem 1's route), :mod:`.special` (Bessel ratios, ₀F₁); :mod:`.validation` holds the argument checks.

``__all__`` lists every public module of this folder, read from the folder itself; a module loads on first
attribute access (``infonce_gauss.theory.sphere``), so importing the package imports none of them.
"""

import importlib
import pkgutil

__all__ = sorted(module.name for module in pkgutil.iter_modules(__path__) if not module.name.startswith("_"))


def __getattr__(name: str):
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
