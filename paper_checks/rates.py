"""What every rate experiment shares: its result object and the way the command line calls it.

A rate experiment is a plain function of one result (``infonce_gauss.sphere.sphere_rates``,
``infonce_gauss.hgr.hgr_rates``, ...) with keyword-only parameters that sweeps the result over d (and
seeds), fits log–log slopes with intervals, and returns a :class:`RateResult`. Each result declares its
function with a :class:`RateExperiment`: the command-line options beside the function, their defaults
read from the function's signature (one place for each default). ``infonce-gauss rates NAME`` is built
from these declarations, and :meth:`RateResult.save` writes what the command writes.

Every rate function takes ``seed`` (the run seed; the Monte Carlo seeds are
:func:`~infonce_gauss.simulations.sampling.spawn_seeds` of it), ``progress`` and ``executor`` (any
:class:`concurrent.futures.Executor`, e.g. :func:`infonce_gauss.executors.executor` for a dask or Ray
cluster; default: in-process).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from infonce_gauss.formatting import format_value
from infonce_gauss.options import Option, add_options, defaults, option_values
from infonce_gauss.output import run_metadata, save_figure
from infonce_gauss.simulations.files import write_csv, write_json

__all__ = ["RateResult", "RateExperiment"]

_FIT_LABELS = ("k", "A", "metric", "source", "family", "term")


@dataclass(frozen=True)
class RateResult:
    """The outcome of a rate experiment.

    Attributes
    ----------
    name : str
        The result swept (``sphere``, ``hgr``, ...).
    table : list of dict
        Tidy table, one row per setting, seed and source (exact, asymptotic, Monte Carlo with ``se``).
    fits : list of dict
        Log–log slope fits (:class:`~infonce_gauss.simulations.rates.RateFit` as dicts): ``slope`` with
        ``slope_ci_low``/``slope_ci_high`` beside ``predicted_slope``.
    figure : matplotlib.figure.Figure
        The convergence-rate plot.
    config : dict
        Every parameter of the call, with the derived Monte Carlo seeds.
    """

    name: str
    table: list[dict]
    fits: list[dict]
    figure: object = field(repr=False)
    config: dict

    def to_dict(self) -> dict:
        """Everything but the figure, as plain data."""
        return {"name": self.name, "config": self.config, "table": self.table, "fits": self.fits}

    def no_fit_reason(self) -> str:
        """Why no slope was fitted (written to fits.csv and printed in place of the fits)."""
        swept = {key: sorted({row[key] for row in self.table if key in row}) for key in ("d", "n_batch")}
        shown = "; ".join(f"{key} = {' '.join(map(str, values))}" for key, values in swept.items() if values)
        return (f"no slope fitted: no series has enough points inside the fit range for a slope with an interval "
                f"(swept {shown or 'no settings'}); add more values or widen the fit range.")

    def summary(self) -> str:
        """One line per fit: the fitted slope, its interval and the predicted slope (or why there is none)."""
        if not self.fits:
            return self.no_fit_reason()
        lines = []
        for fit in self.fits:
            label = ", ".join(f"{k}={fit[k]}" for k in _FIT_LABELS if k in fit)
            lines.append(f"{label}: slope {format_value(fit['slope'])} [{format_value(fit['slope_ci_low'])}, "
                         f"{format_value(fit['slope_ci_high'])}] (predicted {format_value(fit['predicted_slope'])})")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"RateResult(name={self.name!r}, rows={len(self.table)}, fits={len(self.fits)})"

    def _repr_markdown_(self) -> str:  # notebook display
        return f"**rates {self.name}**: {len(self.table)} rows\n\n```\n{self.summary()}\n```"

    def save(self, out_dir: str | Path, *, wall_seconds: float, executor: Mapping | None = None) -> list[Path]:
        """Write ``table.csv``, ``fits.csv`` (one ``reason`` row when no slope could be fitted),
        ``rates_<name>.png/.pdf`` and, last, ``run.json``, which records ``executor`` (where the sweep ran,
        e.g. ``{"engine": "dask", "workers": 8, "address": None}``; None: not stated)."""
        out_dir = Path(out_dir)
        paths = [write_csv(out_dir / "table.csv", self.table),
                 write_csv(out_dir / "fits.csv", self.fits or [{"reason": self.no_fit_reason()}])]
        paths += save_figure(self.figure, out_dir / f"rates_{self.name}")
        meta = run_metadata(f"rates {self.name}", self.config, seed=self.config.get("seed"), wall_seconds=wall_seconds)
        paths.append(write_json(out_dir / "run.json", {**meta, "executor": None if executor is None else dict(executor)}))
        return paths


@dataclass(frozen=True)
class RateExperiment:
    """A result's rate function and its command-line options (defaults come from the function's signature)."""

    name: str
    help: str
    function: Callable[..., RateResult]
    options: Sequence[Option]

    def defaults(self) -> Mapping[str, object]:
        """The keyword defaults of :attr:`function`."""
        return defaults(self.function)

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """Add ``--<name>`` for every option, with the function's default shown in the help."""
        add_options(parser, self.function, self.options)

    def from_args(self, args: argparse.Namespace, **common) -> RateResult:
        """Call :attr:`function` with the parsed options and the ``common`` keywords (seed, progress, executor)."""
        return self.function(**option_values(args, self.options), **common)
