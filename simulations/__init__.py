"""Everything random or trained: samplers, augmentation channels, estimators with standard errors, rate
sweeps, encoders and InfoNCE training (torch lives here and only here), and the atomic file writes
(:mod:`.files`) the whole suite uses.

``__all__`` lists every public module of this folder, read from the folder itself; a module loads on first
attribute access (``infonce_gauss.simulations.sphere``), so importing the package imports none of them
(and so neither torch nor sympy). :mod:`.lightning` needs the optional ``lightning`` package.
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
