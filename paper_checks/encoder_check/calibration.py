r"""The null calibration of the coordinate tests, cached in memory and on disk.

The pass-rate bands of :func:`~infonce_gauss.encoder_check.rules.coordinates` need the probability
that one coordinate passes Anderson–Darling and D'Agostino–Pearson under the Gaussian law and under
the exact uniform-sphere coordinate law at the same (n, d)
(:func:`~infonce_gauss.simulations.null_rates.null_pass_rates`). Those rates depend on
(law, n, d, replicates, seed) only (the Gaussian law not even on d), and simulating them is a large
part of a check on big inputs (~15 s at n = 5·10⁵), so each is computed once and stored:

* in memory, for the life of the process;
* on disk, as one small JSON file per rate under :func:`cache_folder`: ``$INFONCE_GAUSS_CACHE`` if set,
  else ``$XDG_CACHE_HOME/infonce-gauss`` or ``~/.cache/infonce-gauss``. ``INFONCE_GAUSS_CACHE=off``
  turns the disk cache off. A file that cannot be read, does not match its key or holds a value that the
  simulation cannot have produced (:func:`_valid_rates`, :func:`_valid_gaps`: wrong types or shapes, a rate
  that is not a count over the replicates with its binomial standard error, a non-finite value) is
  recomputed and rewritten; a folder that cannot be written is skipped silently (the rates are then only
  recomputed). Files are written owner-only (``0o600``, their folders ``0o700``), whatever the umask:
  another user who could edit them could change the verdicts.

Each file records its key and :data:`NULL_RATES_VERSION`, which changes whenever the sampler or the
tests change, so a stale file is never used. The null of the Φ potential's gap (:func:`phi_null`), which
depends on (m, d, α, replicates, seed) only, and the map from a pair's correlation to the correlation of its
test outcomes (:func:`outcome_map`, which turns the data's correlation matrix into the design effect of each
per-coordinate summary; it depends on nothing but its simulation's size and seed) are stored the same way.
"""

from __future__ import annotations

import json
import math
import os
from functools import lru_cache
from pathlib import Path

import numpy as np

from infonce_gauss.simulations.dependence import POWERS, SUMMARIES, OutcomeMap, fit_outcome_map, outcome_correlations
from infonce_gauss.simulations.null_rates import NullRates, null_pass_rates
from infonce_gauss.simulations.uniformity import phi_null_gaps
from infonce_gauss.simulations.estimates import Estimate, proportion_estimate
from infonce_gauss.simulations.files import atomic_write, to_jsonable
from infonce_gauss.simulations.sampling import derive_seed

__all__ = ["NULL_RATES_VERSION", "LAWS", "OUTCOME_GRID", "cache_folder", "null_rates", "phi_null", "outcome_map"]

NULL_RATES_VERSION = 2  # bump when null_columns, null_pass_rates or the coordinate tests change
LAWS = ("gaussian", "sphere")
_PROPORTIONS = ("ad_pass", "dp_pass", "both_pass")
_ESTIMATES = (*_PROPORTIONS, "ad_mean", "dp_mean")
OUTCOME_GRID = (0.0, 0.5, 0.7, 0.8, 0.85, 0.9, 0.93, 0.96, 0.98, 0.99, 0.995, 1.0)
"""The pair correlations :func:`outcome_map` simulates: dense where the outcome correlation rises (r > 0.7)."""
_MEAN_RANGES = {"ad_mean": (0.0, math.inf), "dp_mean": (0.0, 1.0)}  # A² >= 0; a p-value in [0, 1]


def cache_folder() -> Path | None:
    """Where the null rates are stored on disk, or None when ``INFONCE_GAUSS_CACHE=off``."""
    chosen = os.environ.get("INFONCE_GAUSS_CACHE")
    if chosen is not None:
        return None if chosen.strip().lower() in ("", "0", "off", "no", "false") else Path(chosen).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "infonce-gauss"


def null_rates(n: int, d: int, *, seed: int, replicates: int | None = None) -> dict[str, NullRates]:
    r"""Simulated pass rates of one coordinate under the Gaussian and the uniform-sphere law at (n, d).

    ``replicates`` defaults to :math:`2\cdot10^7/n` clipped to [200, 2000]; the two laws get the seeds
    ``derive_seed(seed, 1, i)``. Cached in memory and on disk (see the module docstring).
    """
    reps = replicates or int(np.clip(2 * 10**7 // n, 200, 2000))
    return {law: _rates(law, int(n), int(d), int(reps), derive_seed(seed, 1, i)) for i, law in enumerate(LAWS)}


@lru_cache(maxsize=32)
def _rates(law: str, n: int, d: int, replicates: int, seed: int) -> NullRates:
    key = {"version": NULL_RATES_VERSION, "law": law, "n": n, "d": d if law == "sphere" else None,
           "replicates": replicates, "seed": seed}

    def compute() -> dict:
        rates = null_pass_rates(n, d, law=law, replicates=replicates, seed=seed)
        return {name: [getattr(rates, name).value, getattr(rates, name).se, getattr(rates, name).n,
                       getattr(rates, name).seed] for name in _ESTIMATES}

    record = _stored(f"null-rates/{law}-n{n}-d{key['d'] or 'any'}-r{replicates}-s{seed}-v{NULL_RATES_VERSION}", key,
                     compute, valid=lambda r: _valid_rates(r, replicates, seed))
    return NullRates(law=law, n=n, d=d, replicates=replicates, seed=seed,
                       **{name: Estimate(*record[name]) for name in _ESTIMATES})


@lru_cache(maxsize=32)
def phi_null(m: int, d: int, *, alpha: float, replicates: int, seed: int) -> tuple[float, ...]:
    """The null gaps of the Φ potential at (m, d, α) (:func:`~infonce_gauss.simulations.uniformity.phi_null_gaps`),
    cached in memory and on disk like the null rates."""
    key = {"version": NULL_RATES_VERSION, "kind": "phi-null", "m": int(m), "d": int(d), "alpha": float(alpha),
           "replicates": int(replicates), "seed": int(seed)}
    record = _stored(f"phi-null/m{m}-d{d}-a{float(alpha)!r}-r{replicates}-s{seed}-v{NULL_RATES_VERSION}", key,
                     lambda: {"gaps": phi_null_gaps(m, d, alpha=alpha, replicates=replicates, seed=seed).tolist()},
                     valid=lambda r: _valid_gaps(r.get("gaps"), replicates))
    return tuple(float(v) for v in record["gaps"])


@lru_cache(maxsize=4)
def outcome_map(*, n: int = 500, pairs: int = 2500, seed: int = 0) -> OutcomeMap:
    r"""The correlation of two coordinates' test outcomes as a function of their correlation r
    (:func:`~infonce_gauss.simulations.dependence.fit_outcome_map` of
    :func:`~infonce_gauss.simulations.dependence.outcome_correlations` on :data:`OUTCOME_GRID`), cached in memory
    and on disk like the null rates.

    Simulated once at ``n`` = 500 rows with ``pairs`` = 2500 pairs per r (standard error about 0.02 per point,
    ~3 s): the map depends on n only through :math:`O(1/\sqrt n)` terms, which are within that error between
    n = 500 and 5000 (``tests/simulations/test_dependence.py``), so one map serves every n."""
    key = {"version": NULL_RATES_VERSION, "kind": "outcome-map", "n": int(n), "pairs": int(pairs), "seed": int(seed),
           "grid": list(OUTCOME_GRID), "powers": list(POWERS)}

    def compute() -> dict:
        fitted = fit_outcome_map(OUTCOME_GRID, outcome_correlations(OUTCOME_GRID, n=n, pairs=pairs, seed=seed),
                                 n=n, pairs=pairs, seed=seed)
        return {"weights": {s: list(w) for s, w in fitted.weights.items()}}

    record = _stored(f"outcome-map/n{n}-p{pairs}-s{seed}-v{NULL_RATES_VERSION}", key, compute, valid=_valid_weights)
    return OutcomeMap(weights={s: tuple(float(v) for v in record["weights"][s]) for s in SUMMARIES}, n=int(n),
                      pairs=int(pairs), seed=int(seed))


def _valid_weights(record: dict) -> bool:
    """Whether a stored outcome map holds, for every summary, one non-negative weight per power summing to 1."""
    weights = record.get("weights")
    return isinstance(weights, dict) and all(
        isinstance(w := weights.get(s), list) and len(w) == len(POWERS) and all(map(_number, w)) and min(w) >= 0
        and math.isclose(sum(w), 1.0, rel_tol=1e-9) for s in SUMMARIES)


def _number(value) -> bool:
    """Whether ``value`` read from JSON is a finite real number (not a bool, a string or NaN)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _entry(record: dict, name: str, replicates: int, seed: int) -> tuple[float, float] | None:
    """``(value, se)`` of the stored estimate ``name`` when it is ``[value, se, replicates, seed]`` with a finite value
    and a finite se >= 0, else None."""
    entry = record.get(name)
    if (isinstance(entry, list) and len(entry) == 4 and all(map(_number, entry[:2])) and entry[1] >= 0
            and all(type(v) is int for v in entry[2:]) and entry[2:] == [replicates, seed]):
        return entry[0], entry[1]
    return None


def _count(entry: tuple[float, float] | None, replicates: int) -> int | None:
    """The pass count k behind a stored rate, or None unless the rate is k/R (0 <= k <= R) with its binomial
    standard error (:func:`proportion_estimate`)."""
    if entry is None:
        return None
    count = round(entry[0] * replicates)
    expected = proportion_estimate(count, replicates)
    exact = math.isclose(entry[0], expected.value, rel_tol=1e-12) and math.isclose(entry[1], expected.se, rel_tol=1e-12)
    return count if 0 <= count <= replicates and exact else None


def _valid_rates(record: dict, replicates: int, seed: int) -> bool:
    """Whether a stored record of :func:`null_rates` is one the simulation can have produced: every entry
    ``[value, se, replicates, seed]`` (:func:`_entry`); the three rates counts over the replicates with their
    binomial SEs (:func:`_count`), the joint count between ``ad + dp - R`` and ``min(ad, dp)``; the two means
    within their ranges (:data:`_MEAN_RANGES`)."""
    ad, dp, both = (_count(_entry(record, name, replicates, seed), replicates) for name in _PROPORTIONS)
    if None in (ad, dp, both) or not ad + dp - replicates <= both <= min(ad, dp):
        return False
    return all((mean := _entry(record, name, replicates, seed)) is not None and lo <= mean[0] <= hi
               for name, (lo, hi) in _MEAN_RANGES.items())


def _valid_gaps(gaps, replicates: int) -> bool:
    """Whether the stored Φ null is ``replicates`` finite numbers."""
    return isinstance(gaps, list) and len(gaps) == replicates and all(map(_number, gaps))


def _stored(name: str, key: dict, compute, *, valid) -> dict:
    """The record for ``key``: read from ``<cache folder>/<name>.json`` when that file parses to a dict that matches
    ``key`` and passes ``valid``; else ``{**key, **compute()}``, written there owner-only (:func:`_store`; a folder
    that cannot be written is skipped)."""
    folder = cache_folder()
    path = None if folder is None else folder / f"{name}.json"
    if path is not None:
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(record, dict) and all(record.get(k) == v for k, v in key.items()) and valid(record):
                return record
        except (OSError, ValueError):
            pass
    record = {**key, **compute()}
    if path is not None:
        try:
            _store(folder, path, record)
        except OSError:  # a read-only or full cache folder: the record is simply not stored
            pass
    return record


def _store(root: Path, path: Path, record: dict) -> None:
    """Write ``record`` as JSON to ``path`` (atomically) with mode ``0o600``, set before the file is filled, in
    folders made ``0o700``: the cache root when it is created here, the tool's own folders below it always."""
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    for folder in reversed([p for p in path.parents if root in p.parents]):
        folder.mkdir(mode=0o700, exist_ok=True)
        os.chmod(folder, 0o700)
    text = json.dumps(to_jsonable(record), indent=2) + "\n"
    atomic_write(path, lambda fh: (os.fchmod(fh.fileno(), 0o600), fh.write(text.encode("utf-8"))))
