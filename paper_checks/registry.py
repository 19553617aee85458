"""The claim registry: each claim of the paper as data, with a check that returns a Verdict.

A claim is an id carrying its module's tag (``MP-``, ``HGR-``, ``POL-``, ``NCE-``, ``REG-``, ``EMP-``),
where it stands in the paper, one sentence, and ``check(ctx) -> Verdict``. The context carries the
profile (``quick``, ``full``, ``gpu``), the output folder, and a seed derived from the run seed and the
claim id, so a claim gives the same numbers whether it runs alone (``--only``) or with all others.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = [
    "PROFILES",
    "Profile",
    "Verdict",
    "Claim",
    "CheckContext",
    "REGISTRY",
    "claim",
    "select",
    "STATUSES",
]

STATUSES = ("passed", "failed", "skipped")


@dataclass(frozen=True)
class Profile:
    """How big the checks run: ``quick`` (CI, seconds each), ``full`` (minutes), ``gpu`` (paper scale)."""

    name: str

    def pick(self, *, quick, full, gpu=None):
        """The value for this profile; ``gpu`` defaults to the ``full`` value."""
        return {"quick": quick, "full": full, "gpu": full if gpu is None else gpu}[self.name]


PROFILES = {name: Profile(name) for name in ("quick", "full", "gpu")}


def _plain(value):
    """numpy scalars and arrays to Python numbers and lists (for JSON)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


@dataclass(frozen=True)
class Verdict:
    """The outcome of one claim check.

    Attributes
    ----------
    status : {'passed', 'failed', 'skipped'}
    measured, expected
        The figure we measured and the paper's (or the theory's) figure or bound, numbers or short text.
    uncertainty
        Standard error or interval half-width of ``measured`` where it has one.
    rule
        The tolerance rule that decided the status, in words.
    reason
        Why it was skipped or failed, or a one-line summary.
    details
        Further numbers (JSON-serializable) for the report and claims.json.
    artifacts
        Paths of the figures and tables the check wrote (filled in by the runner).
    """

    status: str
    measured: object = None
    expected: object = None
    uncertainty: float | None = None
    rule: str = ""
    reason: str = ""
    details: Mapping = field(default_factory=dict)
    artifacts: tuple[str, ...] = ()

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {self.status!r}.")
        object.__setattr__(self, "measured", _plain(self.measured))
        object.__setattr__(self, "expected", _plain(self.expected))
        object.__setattr__(self, "details", _plain(dict(self.details)))
        if self.uncertainty is not None and not math.isfinite(float(self.uncertainty)):
            raise ValueError(f"uncertainty must be finite, got {self.uncertainty!r}.")

    @classmethod
    def from_checks(cls, checks: Mapping[str, bool], **fields) -> "Verdict":
        """Passed iff every named sub-check holds; the failing ones are named in ``reason``."""
        failing = [name for name, ok in checks.items() if not bool(ok)]
        details = {**fields.pop("details", {}), "checks": {name: bool(ok) for name, ok in checks.items()}}
        reason = fields.pop("reason", "")
        if failing:
            reason = "; ".join(filter(None, [f"failed: {', '.join(failing)}", reason]))
        return cls(status="failed" if failing else "passed", reason=reason, details=details, **fields)

    @classmethod
    def skipped(cls, reason: str, **fields) -> "Verdict":
        return cls(status="skipped", reason=reason, **fields)


@dataclass
class CheckContext:
    """What a check gets: the profile, where to write, its own seed, and writers that log artifacts."""

    profile: Profile
    out_dir: Path
    seed: int
    artifacts: list[str] = field(default_factory=list)

    def save_table(self, name: str, rows: Sequence[Mapping]) -> Path:
        from infonce_gauss.results import write_csv

        path = write_csv(self.out_dir / "data" / f"{name}.csv", rows)
        self.artifacts.append(str(path.relative_to(self.out_dir)))
        return path

    def save_figure(self, name: str, figure) -> list[Path]:
        from infonce_gauss.results import save_figure

        paths = save_figure(figure, self.out_dir / "figures" / name)
        self.artifacts.extend(str(p.relative_to(self.out_dir)) for p in paths)
        return paths


@dataclass(frozen=True)
class Claim:
    """One claim of the paper: id, location, statement and its check."""

    id: str
    title: str
    paper_ref: str
    statement: str
    check: Callable[[CheckContext], Verdict]

    def seed_for(self, run_seed: int) -> int:
        """A seed for this claim, stable across runs and independent of which other claims run."""
        return int(np.random.SeedSequence([run_seed, zlib.crc32(self.id.encode())]).generate_state(1)[0])


REGISTRY: dict[str, Claim] = {}


def claim(id: str, *, title: str, paper_ref: str, statement: str):
    """Decorator that registers ``check`` as the claim ``id``."""

    def register(check: Callable[[CheckContext], Verdict]):
        if id in REGISTRY:
            raise ValueError(f"claim id {id!r} is registered twice.")
        REGISTRY[id] = Claim(id=id, title=title, paper_ref=paper_ref, statement=statement, check=check)
        return check

    return register


def select(patterns: Iterable[str] | None = None) -> list[Claim]:
    """Claims whose id equals, or starts with, one of ``patterns`` (all claims for None), in registry order."""
    import infonce_gauss.claims  # noqa: F401  (registers every claim)

    patterns = [p.strip() for p in (patterns or []) if p.strip()]
    if not patterns:
        return list(REGISTRY.values())
    unknown = [p for p in patterns if not any(cid.upper().startswith(p.upper()) for cid in REGISTRY)]
    if unknown:
        raise ValueError(
            f"no claim matches {', '.join(map(repr, unknown))}; known ids: {', '.join(REGISTRY)}. "
            "Give an id or a prefix such as MP-."
        )
    return [c for cid, c in REGISTRY.items() if any(cid.upper().startswith(p.upper()) for p in patterns)]
