"""Everything random or trained: samplers, augmentation channels, estimators with standard errors, rate
sweeps, encoders and InfoNCE training (torch lives here and only here), and the atomic file writes
(:mod:`.files`) the whole suite uses. Modules load on first attribute access
(``infonce_gauss.simulations.sphere``).
"""

import importlib

__all__ = ["augment", "channels", "datasets", "device", "encoders", "entropy", "estimates", "files", "gaussianity",
           "hgr", "infonce", "polar", "rates", "regularized", "sampling", "sphere", "text", "training", "uniformity"]


def __getattr__(name: str):
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
