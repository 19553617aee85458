r"""The null calibration of the coordinate tests, cached in memory and on disk.

The pass-rate bands of :func:`~infonce_gauss.encoder_check.rules.coordinates` need the probability
that one coordinate passes Anderson–Darling and D'Agostino–Pearson under the Gaussian law and under
the exact uniform-sphere coordinate law at the same (n, d)
(:func:`~infonce_gauss.simulations.gaussianity.null_pass_rates`). Those rates depend on
(law, n, d, replicates, seed) only (the Gaussian law not even on d), and simulating them is a large
part of a check on big inputs (~15 s at n = 5·10⁵), so each is computed once and stored:

* in memory, for the life of the process;
* on disk, as one small JSON file per rate under :func:`cache_folder`: ``$INFONCE_GAUSS_CACHE`` if set,
  else ``$XDG_CACHE_HOME/infonce-gauss`` or ``~/.cache/infonce-gauss``. ``INFONCE_GAUSS_CACHE=off``
  turns the disk cache off. A file that cannot be read or does not match its key is recomputed and
  rewritten; a folder that cannot be written is skipped silently (the rates are then only recomputed).

Each file records its key and :data:`NULL_RATES_VERSION`, which changes whenever the sampler or the
tests change, so a stale file is never used. The null of the Φ potential's gap (:func:`phi_null`), which
depends on (m, d, α, replicates, seed) only, is stored the same way.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path

import numpy as np

from infonce_gauss.simulations import gaussianity as g
from infonce_gauss.simulations.estimates import Estimate
from infonce_gauss.simulations.files import write_json
from infonce_gauss.simulations.sampling import derive_seed

__all__ = ["NULL_RATES_VERSION", "LAWS", "cache_folder", "null_rates", "phi_null"]

NULL_RATES_VERSION = 2  # bump when null_columns, null_pass_rates or the coordinate tests change
LAWS = ("gaussian", "sphere")
_ESTIMATES = ("ad_pass", "dp_pass", "both_pass", "ad_mean", "dp_mean")



def cache_folder() -> Path | None:
    """Where the null rates are stored on disk, or None when ``INFONCE_GAUSS_CACHE=off``."""
    chosen = os.environ.get("INFONCE_GAUSS_CACHE")
    if chosen is not None:
        return None if chosen.strip().lower() in ("", "0", "off", "no", "false") else Path(chosen).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "infonce-gauss"


def null_rates(n: int, d: int, *, seed: int, replicates: int | None = None) -> dict[str, g.NullRates]:
    r"""Simulated pass rates of one coordinate under the Gaussian and the uniform-sphere law at (n, d).

    ``replicates`` defaults to :math:`2\cdot10^7/n` clipped to [200, 2000]; the two laws get the seeds
    ``derive_seed(seed, 1, i)``. Cached in memory and on disk (see the module docstring).
    """
    reps = replicates or int(np.clip(2 * 10**7 // n, 200, 2000))
    return {law: _rates(law, int(n), int(d), int(reps), derive_seed(seed, 1, i)) for i, law in enumerate(LAWS)}


@lru_cache(maxsize=32)
def _rates(law: str, n: int, d: int, replicates: int, seed: int) -> g.NullRates:
    key = {"version": NULL_RATES_VERSION, "law": law, "n": n, "d": d if law == "sphere" else None,
           "replicates": replicates, "seed": seed}

    def compute() -> dict:
        rates = g.null_pass_rates(n, d, law=law, replicates=replicates, seed=seed)
        return {name: [getattr(rates, name).value, getattr(rates, name).se, getattr(rates, name).n,
                       getattr(rates, name).seed] for name in _ESTIMATES}

    record = _stored(f"null-rates/{law}-n{n}-d{key['d'] or 'any'}-r{replicates}-s{seed}-v{NULL_RATES_VERSION}", key,
                     compute, valid=lambda r: all(len(r[name]) == 4 for name in _ESTIMATES))
    return g.NullRates(law=law, n=n, d=d, replicates=replicates, seed=seed,
                       **{name: Estimate(*record[name]) for name in _ESTIMATES})


@lru_cache(maxsize=32)
def phi_null(m: int, d: int, *, alpha: float, replicates: int, seed: int) -> tuple[float, ...]:
    """The null gaps of the Φ potential at (m, d, α) (:func:`~infonce_gauss.simulations.gaussianity.phi_null_gaps`),
    cached in memory and on disk like the null rates."""
    key = {"version": NULL_RATES_VERSION, "kind": "phi-null", "m": int(m), "d": int(d), "alpha": float(alpha),
           "replicates": int(replicates), "seed": int(seed)}
    record = _stored(f"phi-null/m{m}-d{d}-a{float(alpha)!r}-r{replicates}-s{seed}-v{NULL_RATES_VERSION}", key,
                     lambda: {"gaps": g.phi_null_gaps(m, d, alpha=alpha, replicates=replicates, seed=seed).tolist()},
                     valid=lambda r: len(r["gaps"]) == replicates)
    return tuple(float(v) for v in record["gaps"])


def _stored(name: str, key: dict, compute, *, valid) -> dict:
    """The record for ``key``: read from ``<cache folder>/<name>.json`` when that file parses, matches ``key`` and
    passes ``valid``; else ``{**key, **compute()}``, written there (a folder that cannot be written is skipped)."""
    folder = cache_folder()
    path = None if folder is None else folder / f"{name}.json"
    if path is not None:
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            if all(record.get(k) == v for k, v in key.items()) and valid(record):
                return record
        except (OSError, ValueError, KeyError, TypeError):
            pass
    record = {**key, **compute()}
    if path is not None:
        try:
            write_json(path, record)
        except OSError:  # a read-only or full cache folder: the record is simply not stored
            pass
    return record
