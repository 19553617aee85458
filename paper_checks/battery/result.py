"""What :func:`~infonce_gauss.battery.check.check` takes and returns: its options, one
:class:`Assumption` per assumption of the paper, and the :class:`CheckResult` that holds them.

The assumptions sit under stable keys (:data:`ASSUMPTIONS`), in this order: ``thin_shell``
(Assumption 2), ``coordinates`` (Sec. 5's per-coordinate protocol), ``projections`` (Cor 1, Eq. 8,
one dimension at a time), ``joint`` (k-dimensional projections), ``isotropy`` (no dimensional
collapse), ``uniformity`` (Lemma 2 / Cor 1: the law of the directions is σ), ``alignment`` (Prop 1,
needs positive pairs) and ``plateau`` (Assumption 1, needs a training trace).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from infonce_gauss.simulations.files import to_jsonable

__all__ = ["ASSUMPTIONS", "VERDICTS", "CheckConfig", "Effect", "Assumption", "CheckResult"]

ASSUMPTIONS = ("thin_shell", "coordinates", "projections", "joint", "isotropy", "uniformity", "alignment", "plateau")
VERDICTS = ("holds", "fails", "cannot tell")


@dataclass(frozen=True)
class CheckConfig:
    """The options of one check (the keyword arguments of :func:`~infonce_gauss.battery.check.check`).

    ``level`` is the level of every test the battery decides by (projections, joint tests, the
    coordinate bands, the Prop 1 slack); ``tau`` is the temperature of the uniformity potential Φ,
    whose inverse temperature is :math:`1/\\tau`.
    """

    directions: int = 32          # random directions for the 1-D projection tests
    sliced_directions: int = 64  # random directions for the sliced Epps–Pulley test
    k: int = 8                    # dimension of the projection for the multivariate tests
    subsample: int = 1000         # rows for Henze–Zirkler, the Φ gap (energy uses at most 500)
    null_replicates: int | None = None  # simulated null columns per law (None: ~2e7 / n, in [200, 2000])
    level: float = 0.05
    tau: float = 0.1
    eta2: float | None = None     # augmentation mildness η₂ for Prop 1's bound, if known
    whiten: bool = False
    drop_nonfinite: bool = False  # drop rows with NaN/inf or zero norm instead of failing
    drop_constant: bool = False   # drop constant columns instead of failing
    seed: int = 0
    memory_mb: int = 1024
    workers: int | None = None

    def __post_init__(self):
        for name in ("directions", "sliced_directions", "k", "subsample", "memory_mb"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be a positive integer, got {getattr(self, name)}.")
        if not 0 < self.level < 1:
            raise ValueError(f"level (the test level) must lie in (0, 1), got {self.level}.")
        if not self.tau > 0:
            raise ValueError(f"tau must be positive, got {self.tau}.")
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


@dataclass(frozen=True)
class Assumption:
    """One assumption's verdict, the effect sizes behind it, a p-value, the rule and the paper's reference.

    ``p_value`` is the p-value of the exact null the assumption names (None where there is no test);
    the verdict follows ``rule``, which may decide on effect sizes rather than on the p-value (a
    p-value saturates at large n). ``figure`` is the one-line reading of the numbers, ``details``
    every number behind them, ``parts`` the verdicts of sub-cases (the coordinate variants).
    """

    key: str
    title: str
    verdict: str
    effects: tuple[Effect, ...]
    p_value: float | None
    rule: str
    reference: str
    figure: str
    details: dict = field(default_factory=dict, repr=False)
    parts: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}.")

    @property
    def effect(self) -> Effect | None:
        """The first (headline) effect size."""
        return self.effects[0] if self.effects else None

    def to_dict(self) -> dict:
        out = {name: getattr(self, name) for name in ("key", "title", "verdict", "p_value", "rule", "reference", "figure")}
        out["effects"] = [asdict(e) for e in self.effects]
        out["details"] = to_jsonable(self.details)
        if self.parts:
            out["parts"] = {name: part.to_dict() for name, part in self.parts.items()}
        return out


@dataclass(frozen=True)
class CheckResult:
    """The check of one embedding matrix: one :class:`Assumption` per key of :data:`ASSUMPTIONS`.

    ``alignment`` is None without positives, ``plateau`` None without a trace. Beside them:
    ``input`` (what was read and dropped), ``config`` (the :class:`CheckConfig`), ``calibration``
    (the simulated null pass rates), ``spectrum``, ``labels`` (None without labels), ``seconds``
    and ``tables`` (the tidy tables behind the report's figures).
    """

    thin_shell: Assumption
    coordinates: Assumption
    projections: Assumption
    joint: Assumption
    isotropy: Assumption
    uniformity: Assumption
    alignment: Assumption | None
    plateau: Assumption | None
    input: dict
    config: CheckConfig
    calibration: dict
    spectrum: dict
    labels: dict | None
    seconds: float
    tables: dict = field(default_factory=dict, repr=False)

    @property
    def assumptions(self) -> dict[str, Assumption]:
        """The assumptions that were checked, by key, in the order of :data:`ASSUMPTIONS`."""
        return {key: getattr(self, key) for key in ASSUMPTIONS if getattr(self, key) is not None}

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
        from infonce_gauss.battery.report import summary_text

        return summary_text(self)

    def save(self, folder, *, command: dict | None = None):
        """Write the report to ``folder``: figures, tidy tables, ``check.json``, ``report.md`` and last ``run.json``.

        ``command`` (e.g. the command line's arguments) is recorded in ``run.json`` beside the config.
        Returns the path of ``report.md``.
        """
        from infonce_gauss.battery.report import write_report

        return write_report(self, folder, command=command)

    def _repr_markdown_(self) -> str:
        from infonce_gauss.battery.report import summary_markdown

        return summary_markdown(self)

    def __repr__(self) -> str:
        inp = self.input
        return (f"CheckResult(n={inp['n']}, d={inp['d']}, "
                + ", ".join(f"{k}={v!r}" for k, v in self.verdicts.items()) + ")")

