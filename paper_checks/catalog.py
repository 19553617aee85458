"""The results of the suite, listed once: each with its claims, its rate experiment and its training presets.

This table is the only place that knows every result. The claims runner, ``infonce-gauss claims``,
``infonce-gauss rates`` and ``infonce-gauss train`` read it; a new result is a new folder (copy ``sphere/``)
and one line here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from infonce_gauss import battery, causes, empirical, hgr, infonce, polar, regularized, sphere
from infonce_gauss.claim import Claim, ClaimSet
from infonce_gauss.rates import RateExperiment
from infonce_gauss.training_presets import Preset, Run

__all__ = ["Result", "RESULTS", "RATES", "PRESETS", "all_claims", "select", "preset", "runs_for", "train_preset"]


@dataclass(frozen=True)
class Result:
    """One result of the paper (or of the application): its name, its claims, its rate experiment and its
    training presets (by name)."""

    name: str
    title: str
    claims: ClaimSet
    rate: RateExperiment | None = None
    presets: Mapping[str, Preset] = field(default_factory=dict)


RESULTS: tuple[Result, ...] = (
    Result("sphere", "Maxwell–Poincaré spherical CLT, Diaconis–Freedman, thin shell", sphere.CLAIMS, sphere.RATE),
    Result("battery", "the paper's per-coordinate protocol calibrated; the check battery", battery.CLAIMS),
    Result("hgr", "maximal correlation, η₂, Prop 1, Assumption 3", hgr.CLAIMS, hgr.RATE),
    Result("polar", "polar KL and entropy, Eq. 13, Lemma 1, vMF", polar.CLAIMS, polar.RATE),
    Result("infonce", "InfoNCE objective, Φ, finite-batch rate, plateau particles", infonce.CLAIMS, infonce.RATE),
    Result("empirical", "trained encoders: Table 1 and Figs. 2–4", empirical.CLAIMS, presets=empirical.PRESETS),
    Result("regularized", "Theorem 1, β₀, Corollary 2, Appendix D", regularized.CLAIMS, regularized.RATE,
           presets=regularized.PRESETS),
    Result("causes", "does InfoNCE itself make representations Gaussian? the factorial", causes.CLAIMS, presets=causes.PRESETS),
)

RATES: dict[str, RateExperiment] = {r.rate.name: r.rate for r in RESULTS if r.rate is not None}
PRESETS: dict[str, Preset] = {name: p for r in RESULTS for name, p in r.presets.items()}


def all_claims() -> list[Claim]:
    """Every claim, result by result in the order of :data:`RESULTS`."""
    return [claim for result in RESULTS for claim in result.claims.values()]


def select(patterns: Iterable[str] | None = None) -> list[Claim]:
    """Claims whose id equals, or starts with, one of ``patterns`` (case-insensitive); all for None.

    Raises
    ------
    ValueError
        If a pattern matches no claim (the message lists the known ids).
    """
    claims = all_claims()
    patterns = [p.strip() for p in (patterns or []) if p.strip()]
    if not patterns:
        return claims
    unknown = [p for p in patterns if not any(c.id.upper().startswith(p.upper()) for c in claims)]
    if unknown:
        raise ValueError(
            f"no claim matches {', '.join(map(repr, unknown))}; known ids: {', '.join(c.id for c in claims)}. "
            "Give an id or a prefix such as MP-."
        )
    return [c for c in claims if any(c.id.upper().startswith(p.upper()) for p in patterns)]


def preset(name: str) -> Preset:
    """The training preset ``name`` of :data:`PRESETS`.

    Raises
    ------
    ValueError
        If no result has a preset of that name (the message lists them).
    """
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}.")
    return PRESETS[name]


def runs_for(name: str, *args, **overrides) -> list[Run]:
    """The runs of preset ``name``; the profile (default and meaning) and ``overrides`` (epochs, device, seed)
    as in :meth:`~infonce_gauss.training_presets.Preset.runs_for`."""
    return preset(name).runs_for(*args, **overrides)


def train_preset(name: str, *args, **options) -> list[tuple]:
    """Train every run of preset ``name``; the profile, ``options`` (their defaults) and the result as in
    :meth:`~infonce_gauss.training_presets.Preset.train`."""
    return preset(name).train(*args, **options)
