"""What :func:`~infonce_gauss.encoder_check.check.check` returns: one :class:`Assumption` per rule of
:data:`~infonce_gauss.encoder_check.rules.RULES`, held by the :class:`CheckResult`, and the options it
ran with (:class:`CheckConfig`).

The result reads an assumption as an attribute under its rule's key (``result.thin_shell``); the keys
and their order are the rules', so a new rule needs no edit here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

from infonce_gauss.simulations.files import to_jsonable
from infonce_gauss.theory.validation import integer

__all__ = ["VERDICTS", "CheckConfig", "Effect", "Assumption", "CheckResult"]

VERDICTS = ("holds", "fails", "cannot tell")
TAU_MIN = 1e-4  # the least temperature of the Φ potential (an inverse temperature of 10⁴; encoders train at ~0.01–1)


@dataclass(frozen=True, kw_only=True)
class CheckConfig:
    """The options of one check: the keyword arguments of :func:`~infonce_gauss.encoder_check.check.check`
    that shape its statistics (their defaults and meaning are that function's; none are repeated here).

    ``level`` is the level of every test the verdicts are decided by (projections, joint tests, the
    coordinate bands, the Prop 1 slack); ``tau`` is the temperature of the uniformity potential Φ,
    whose inverse temperature is :math:`1/\\tau`.
    """

    directions: int
    sliced_directions: int
    k: int
    subsample: int
    null_replicates: int | None
    level: float
    tau: float
    eta2: float | None
    whiten: bool
    drop_nonfinite: bool
    drop_constant: bool
    seed: int
    memory_mb: int
    workers: int | None

    def __post_init__(self):
        for name in ("directions", "sliced_directions", "k", "memory_mb"):
            integer(getattr(self, name), name, minimum=1)
        if integer(self.subsample, "subsample") <= self.k:
            raise ValueError(f"subsample must exceed k = {self.k} (Henze–Zirkler standardizes the subsample's "
                             f"k-dimensional projections), got {self.subsample}.")
        if self.null_replicates is not None:
            integer(self.null_replicates, "null_replicates", minimum=2)
        if not 0 < self.level < 1:
            raise ValueError(f"level (the test level) must lie in (0, 1), got {self.level}.")
        if not self.tau >= TAU_MIN:
            raise ValueError(f"tau must be at least {TAU_MIN:g} (an inverse temperature of at most {1 / TAU_MIN:g}: far "
                             f"beyond, Φ's null runs out of time or memory; encoders train at ~0.01–1), got {self.tau}.")
        if self.eta2 is not None and not 0 <= self.eta2 <= 1:
            raise ValueError(f"eta2 (the augmentation mildness η₂) must lie in [0, 1], got {self.eta2}.")


@dataclass(frozen=True)
class Effect:
    """An effect size with its 95% interval (``low``/``high`` None where the battery has none)."""

    name: str
    value: float
    low: float | None = None
    high: float | None = None

    def __str__(self) -> str:
        if self.low is None:
            return f"{self.name} = {self.value:.4g}"
        return f"{self.name} = {self.value:.4g} [{self.low:.4g}, {self.high:.4g}]"


@dataclass(frozen=True, kw_only=True)
class Assumption:
    """One assumption's verdict, the effect sizes behind it, a p-value, the rule and the paper's reference.

    ``pvalue`` is the p-value of the exact null the assumption names (None where there is no test);
    the verdict follows ``rule``, which may decide on effect sizes rather than on the p-value (a
    p-value saturates at large n). ``figure`` is the one-line reading of the numbers, ``details``
    every number behind them, ``parts`` the verdicts of sub-cases (the coordinate variants).
    Built by keyword, usually through :meth:`~infonce_gauss.encoder_check.rules.Rule.assumption`,
    which fills ``key``, ``title`` and ``reference`` from the rule.
    """

    key: str
    title: str
    verdict: str
    effects: tuple[Effect, ...] = ()
    pvalue: float | None = None
    rule: str = ""
    reference: str
    figure: str
    details: dict = field(default_factory=dict, repr=False)
    parts: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}.")

    def __repr__(self) -> str:  # one line: the key, the verdict and the headline effect (every field: to_dict)
        effect = f"; {self.effect}" if self.effect else ""
        return f"Assumption({self.key}: {self.verdict}{effect})"

    def __str__(self) -> str:
        """The summary's line: verdict, title and the reading of the numbers."""
        return f"{self.verdict.upper()} {self.title}: {self.figure}"

    @property
    def effect(self) -> Effect | None:
        """The first (headline) effect size."""
        return self.effects[0] if self.effects else None

    def to_dict(self) -> dict:
        out = {name: getattr(self, name) for name in ("key", "title", "verdict", "pvalue", "rule", "reference", "figure")}
        out["effects"] = [asdict(e) for e in self.effects]
        out["details"] = to_jsonable(self.details)
        if self.parts:
            out["parts"] = {name: part.to_dict() for name, part in self.parts.items()}
        return out


@dataclass(frozen=True, kw_only=True)
class CheckResult:
    """The check of one embedding matrix: the outcome of every rule, by key, in the rules' order.

    ``outcomes`` maps each rule's key to its :class:`Assumption`, or to None where the rule's input
    was not given (``alignment`` without positives, ``plateau`` without a trace); each is also an
    attribute (``result.thin_shell``). Beside them: ``input`` (what was read and dropped), ``config``
    (the :class:`CheckConfig`), ``calibration`` (the simulated null pass rates), ``spectrum``,
    ``labels`` (None without labels), ``seconds`` and ``tables`` (the tidy tables behind the report's
    figures).
    """

    outcomes: Mapping[str, Assumption | None]
    input: dict
    config: CheckConfig
    calibration: dict
    spectrum: dict
    labels: dict | None
    seconds: float
    tables: dict = field(default_factory=dict, repr=False)

    def __getattr__(self, name: str):
        outcomes = self.__dict__.get("outcomes", {})
        if name in outcomes:
            return outcomes[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *self.outcomes})

    @property
    def assumptions(self) -> dict[str, Assumption]:
        """The assumptions that were checked, by key, in the rules' order."""
        return {key: a for key, a in self.outcomes.items() if a is not None}

    @property
    def verdicts(self) -> dict[str, str]:
        """``{key: verdict}``, with the coordinate variants as ``coordinates.<variant>``."""
        out = {}
        for key, a in self.assumptions.items():
            out[key] = a.verdict
            out.update({f"{key}.{name}": part.verdict for name, part in a.parts.items()})
        return out

    def to_dict(self) -> dict:
        """Every number, JSON-ready (what ``check.json`` holds)."""
        out = {"assumptions": {key: a.to_dict() for key, a in self.assumptions.items()},
               "input": self.input, "config": asdict(self.config), "calibration": self.calibration,
               "spectrum": self.spectrum, "seconds": self.seconds}
        if self.labels is not None:
            out["labels"] = self.labels
        return to_jsonable(out)

    def summary(self) -> str:
        """One line per assumption: verdict, title, figure."""
        from infonce_gauss.encoder_check.report import summary_text

        return summary_text(self)

    def save(self, folder, *, command: dict | None = None):
        """Write the report to ``folder``: figures, tidy tables, ``check.json``, ``report.md`` and last ``run.json``.

        ``command`` (e.g. the command line's arguments) is recorded in ``run.json`` beside the config.
        Returns the path of ``report.md``.
        """
        from infonce_gauss.encoder_check.report import write_report

        return write_report(self, folder, command=command)

    def _repr_markdown_(self) -> str:
        from infonce_gauss.encoder_check.report import summary_markdown

        return summary_markdown(self)

    def __repr__(self) -> str:
        inp = self.input
        return (f"CheckResult(n={inp['n']}, d={inp['d']}, "
                + ", ".join(f"{k}={v!r}" for k, v in self.verdicts.items()) + ")")
