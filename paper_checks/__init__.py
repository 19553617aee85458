"""infonce-gauss: the verification suite for "InfoNCE Induces Gaussian Distribution" (Betser, Gofer, Levi,
Gilboa, ICLR 2026), and a check of the paper's assumptions on your own embeddings.

The public API (imported on first use, so ``import infonce_gauss`` and the exact theory stay fast):

* the claims: :func:`select` picks claims by id or prefix, :func:`run_claims` runs them under a profile
  (:data:`PROFILES`), :data:`RESULTS` lists the results with their claims and rate experiments;
* the rate experiments, one plain function per result with keyword-only options, each returning a
  :class:`RateResult`: :func:`sphere_rates`, :func:`hgr_rates`, :func:`polar_rates`,
  :func:`infonce_rates`, :func:`regularized_rates`;
* the encoder check: :func:`check` on an (n, d) array, a torch tensor, a memory-mapped array or an
  embedding file (opened lazily, as :func:`open_embeddings` does), returning a :class:`CheckResult`;
  :class:`GaussianityMonitor` for the same statistics streamed inside a training loop;
* :func:`executor` for running a sweep on a dask or Ray cluster;
* the layers below, as subpackages: :mod:`infonce_gauss.theory` (exact mathematics) and
  :mod:`infonce_gauss.simulations` (Monte Carlo, training).

:data:`__version__` is the installed distribution's version (its one source is ``pyproject.toml``);
``python -m infonce_gauss`` runs the command line, as ``infonce-gauss`` does.

Examples
--------
>>> import infonce_gauss as ig
>>> ig.theory.sphere.tv_to_gaussian(64, 1) < 0.01
True
"""

from __future__ import annotations

import importlib
import importlib.metadata

try:
    __version__ = importlib.metadata.version("infonce-gauss")
except importlib.metadata.PackageNotFoundError:  # a source tree on sys.path, not installed
    __version__ = "unknown (not installed)"

_API = {
    "RESULTS": "infonce_gauss.catalog",
    "select": "infonce_gauss.catalog",
    "run_claims": "infonce_gauss.runner",
    "PROFILES": "infonce_gauss.claim",
    "RateResult": "infonce_gauss.rates",
    "sphere_rates": "infonce_gauss.sphere.rates",
    "hgr_rates": "infonce_gauss.hgr.rates",
    "polar_rates": "infonce_gauss.polar.rates",
    "infonce_rates": "infonce_gauss.infonce.rates",
    "regularized_rates": "infonce_gauss.regularized.rates",
    "check": "infonce_gauss.encoder_check.check",
    "CheckResult": "infonce_gauss.encoder_check.result",
    "GaussianityMonitor": "infonce_gauss.simulations.monitor",
    "open_embeddings": "infonce_gauss.encoder_check.embeddings",
    "executor": "infonce_gauss.executors",
}
_SUBPACKAGES = ("theory", "simulations")

__all__ = [*_API, *_SUBPACKAGES]


def __getattr__(name: str):
    if name in _SUBPACKAGES:
        return importlib.import_module(f"infonce_gauss.{name}")
    if name in _API:
        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'infonce_gauss' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
