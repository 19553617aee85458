"""The claim model: each claim of the paper as data, with a check that returns a Verdict.

A claim is an id carrying its result's tag (``MP-``, ``HGR-``, ``POL-``, ``NCE-``, ``REG-``, ``EMP-``,
``CHK-``), where it stands in the paper, one sentence, and ``check(ctx) -> Verdict``. Each result's
``claims`` module collects its claims in its own :class:`ClaimSet`; :mod:`infonce_gauss.catalog` lists
the results and :mod:`infonce_gauss.runner` runs them. A check gets a :class:`ClaimContext`: the profile
(``quick``, ``full``, ``gpu``), the output folder, and a seed derived from the run seed and the claim id, so a
claim gives the same numbers whether it runs alone (``--only``) or with all others.
"""

from __future__ import annotations

import math
import zlib
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from infonce_gauss.output import save_figure
from infonce_gauss.simulations.files import to_jsonable, write_csv
from infonce_gauss.simulations.sampling import derive_seed

__all__ = [
    "PROFILES",
    "Profile",
    "Verdict",
    "Claim",
    "ClaimContext",
    "ClaimSet",
    "FINDINGS",
    "Finding",
    "STATUSES",
    "status_counts",
]

# "not run": the environment stopped the check (a full disk, memory, a killed worker process,
# :mod:`infonce_gauss.environment`); like "skipped" it says nothing about the paper, but the run is incomplete
STATUSES = ("passed", "failed", "cannot tell", "skipped", "not run")

@dataclass(frozen=True)
class Finding:
    """One value of :data:`FINDINGS`: what it means for the paper and the rule a claim must satisfy to carry it.

    ``needs`` names the keys of the verdict's ``details`` that state what the rule asks for (each present and not
    empty); ``holds`` is a further test of the verdict where the rule asks more than presence.
    """

    meaning: str
    rule: str
    needs: tuple[str, ...] = ()
    holds: Callable[["Verdict"], bool] = lambda verdict: True

    def refusal(self, verdict: "Verdict") -> str | None:
        """Why ``verdict`` cannot carry this finding (the keys it lacks, or the rule it breaks); None if it can."""
        missing = [key for key in self.needs if verdict.details.get(key) in (None, "", [], {})]
        if missing:
            return f"its details lack {', '.join(map(repr, missing))} ({self.rule})"
        return None if self.holds(verdict) else f"its details break the rule: {self.rule}"


def _effect_without_cause(verdict: "Verdict") -> bool | None:
    """``details["control"]["effect_without_cause"]``: whether the suite's control (the same setting without the
    paper's stated cause) shows the effect; None where the claim has no control."""
    control = verdict.details.get("control")
    return control.get("effect_without_cause") if isinstance(control, Mapping) else None


# What a claim's outcome means for the paper, and the rule its details must satisfy (Claim.refusal). The status
# says whether the suite's check succeeded; the finding says what that check shows about the paper's statement.
FINDINGS = {
    "confirmed": Finding(
        "the paper's statement holds as stated",
        "where the statement names a cause (training, the InfoNCE objective, the regularizer), the details carry the "
        "control without it ('control': what it is, and 'effect_without_cause': false); a control that shows the "
        "effect without the cause refuses the grade",
        holds=lambda v: not _effect_without_cause(v)),
    "sharpened": Finding(
        "it holds, and the suite gives what the paper leaves open (an explicit constant, a rate, a threshold, or a "
        "statement beyond the paper's)",
        "the details name what the suite adds beyond the paper ('adds')", ("adds",)),
    "loose": Finding(
        "it holds, but the paper's cited bound or rate is far from tight",
        "the details give the paper's bound beside the tight value the suite establishes ('tightness')", ("tightness",)),
    "not the stated cause": Finding(
        "the paper's end state holds, but the suite's control shows it without the cause the paper states",
        "the details carry the control ('control') and it shows the effect without the cause "
        "('effect_without_cause': true)", ("control",),
        holds=lambda v: _effect_without_cause(v) is True),
    "not reproduced": Finding(
        "the paper's figure does not come out under the stated settings",
        "the details name the paper's figure and the settings tried ('tried')", ("tried",)),
    "inconsistent": Finding(
        "two of the paper's own statements (or a statement and its stated setting) cannot both hold",
        "the details name the two statements ('statements': a pair)", ("statements",),
        holds=lambda v: len(v.details["statements"]) == 2),
    "outside premise": Finding(
        "the setting the suite (or the paper) looks at lies outside the statement's premise: the statement neither "
        "holds nor fails there",
        "the details state the premise and how the setting falls outside it ('premise'), and the scope in which "
        "what the suite checked holds ('scope')", ("premise", "scope")),
    "classical": Finding(
        "a textbook result the paper uses, checked",
        "the details cite where the result is from ('source')", ("source",)),
    "not comparable": Finding(
        "the suite cannot run the paper's setting; what it ran is a different model or data",
        "the details name how the setting run differs from the paper's ('setting_difference')", ("setting_difference",)),
    "calibration": Finding(
        "the suite's own instrument checked on laws with known answers (nothing about the paper)",
        "the verdict states the known answers it is checked against ('expected')",
        holds=lambda v: v.expected is not None),
}


@dataclass(frozen=True)
class Profile:
    """How big the checks run: ``quick`` (CI, seconds each), ``full`` (minutes), ``gpu`` (paper scale)."""

    name: str

    def pick(self, *, quick, full, gpu=None):
        """The value for this profile; ``gpu`` defaults to the ``full`` value."""
        return {"quick": quick, "full": full, "gpu": full if gpu is None else gpu}[self.name]


def status_counts(statuses) -> str:
    """``"3 passed, 0 failed, 1 cannot tell, 2 skipped"`` for an iterable of statuses: every outcome of a check
    named, and ``"1 not run"`` added when the environment stopped some."""
    counts = Counter(statuses)
    return ", ".join(f"{counts[s]} {s}" for s in STATUSES if s != "not run" or counts[s])


PROFILES = {name: Profile(name) for name in ("quick", "full", "gpu")}


@dataclass(frozen=True)
class Verdict:
    """The outcome of one claim check.

    Attributes
    ----------
    status : {'passed', 'failed', 'cannot tell', 'skipped', 'not run'}
        ``cannot tell``: the check ran, but at this size its figures do not resolve the statement
        either way (e.g. the intervals of the two quantities it compares overlap). ``not run``: the
        environment stopped the check (set by the runner, never with a finding).
    measured, expected
        The figure we measured and the paper's (or the theory's) figure or bound, numbers or short text.
    uncertainty
        Standard error or interval half-width of ``measured`` where it has one.
    rule
        The tolerance rule that decided the status, in words.
    reason
        Why it was skipped or failed, or a one-line summary.
    finding
        One of :data:`FINDINGS`, where the outcome decides it (e.g. a sub-check that tells "confirmed"
        from "loose"); None leaves the claim's declared finding.
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
    finding: str | None = None
    details: Mapping = field(default_factory=dict)
    artifacts: tuple[str, ...] = ()

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {self.status!r}.")
        if self.finding is not None and self.finding not in FINDINGS:
            raise ValueError(f"finding must be one of {tuple(FINDINGS)}, got {self.finding!r}.")
        if self.finding is not None and self.status == "not run":
            raise ValueError("a claim that was not run has no finding.")
        object.__setattr__(self, "measured", to_jsonable(self.measured))
        object.__setattr__(self, "expected", to_jsonable(self.expected))
        object.__setattr__(self, "details", to_jsonable(dict(self.details)))
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

    @classmethod
    def not_run(cls, reason: str) -> "Verdict":
        """The environment stopped the check (``reason`` says how): nothing about the paper, no finding."""
        return cls(status="not run", reason=reason)

    @classmethod
    def cannot_tell(cls, reason: str, **fields) -> "Verdict":
        """The check ran and its figures are reported, but they do not decide the statement; ``reason`` says why."""
        return cls(status="cannot tell", reason=reason, **fields)


@dataclass
class ClaimContext:
    """What a claim's check gets: the profile, where to write, its own seed, and writers that log artifacts.
    ``run_seed`` is the run's seed (``--seed``) that ``seed`` derives from: a result that several claims share (one
    training per run) derives its own seed from it."""

    profile: Profile
    out_dir: Path
    seed: int
    run_seed: int = 0
    artifacts: list[str] = field(default_factory=list)

    def save_table(self, name: str, rows: Sequence[Mapping]) -> Path:
        path = write_csv(self.out_dir / "data" / f"{name}.csv", rows)
        self.artifacts.append(str(path.relative_to(self.out_dir)))
        return path

    def save_figure(self, name: str, figure) -> list[Path]:
        paths = save_figure(figure, self.out_dir / "figures" / name)
        self.artifacts.extend(str(p.relative_to(self.out_dir)) for p in paths)
        return paths


@dataclass(frozen=True)
class Claim:
    """One claim of the paper: id, location, statement, its check, and the finding a passed check means."""

    id: str
    title: str
    paper_ref: str
    statement: str
    check: Callable[[ClaimContext], Verdict]
    finding: str = "confirmed"

    def finding_of(self, verdict: Verdict) -> str | None:
        """The finding of an outcome: the verdict's own, else the declared one if the check passed, else
        None (a failed or skipped check shows nothing about the paper)."""
        if verdict.finding is not None:
            return verdict.finding
        return self.finding if verdict.status == "passed" else None

    def refusal(self, verdict: Verdict) -> str | None:
        """Why the finding of ``verdict`` (:meth:`finding_of`) is refused by its rule (:data:`FINDINGS`), or None:
        the runner fails a claim whose details do not justify its finding."""
        finding = self.finding_of(verdict)
        if finding is None:
            return None
        why = FINDINGS[finding].refusal(verdict)
        return None if why is None else f"finding {finding!r} refused: {why}"

    def seed_for(self, run_seed: int) -> int:
        """A seed for this claim, stable across runs and independent of which other claims run:
        :func:`~infonce_gauss.simulations.sampling.derive_seed` of the run seed and the CRC-32 of the id."""
        return derive_seed(run_seed, zlib.crc32(self.id.encode()))


class ClaimSet(Mapping[str, Claim]):
    """The claims of one result, in the order they are declared; ids must carry the result's ``tag``.

    Examples
    --------
    >>> CLAIMS = ClaimSet("MP-")
    >>> @CLAIMS.claim("MP-EXAMPLE", title="...", paper_ref="Lemma 3", statement="...", finding="classical")
    ... def example(ctx):
    ...     return Verdict("passed")
    >>> list(CLAIMS)
    ['MP-EXAMPLE']
    """

    def __init__(self, tag: str):
        self.tag = tag
        self._claims: dict[str, Claim] = {}

    def claim(self, id: str, *, title: str, paper_ref: str, statement: str, finding: str):
        """Decorator: ``check`` becomes the claim ``id`` of this set; ``finding`` (one of
        :data:`FINDINGS`) is what the statement means for the paper when the check passes."""
        if finding not in FINDINGS:
            raise ValueError(f"claim {id!r}: finding must be one of {tuple(FINDINGS)}, got {finding!r}.")
        if not id.startswith(self.tag):
            raise ValueError(f"claim id {id!r} must start with its result's tag {self.tag!r}.")
        if id in self._claims:
            raise ValueError(f"claim id {id!r} is declared twice.")

        def declare(check: Callable[[ClaimContext], Verdict]):
            self._claims[id] = Claim(id=id, title=title, paper_ref=paper_ref, statement=statement, check=check,
                                     finding=finding)
            return check

        return declare

    def __getitem__(self, id: str) -> Claim:
        return self._claims[id]

    def __iter__(self):
        return iter(self._claims)

    def __len__(self) -> int:
        return len(self._claims)
