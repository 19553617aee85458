"""Command-line options built from a function's signature: one home for every default.

A command of the CLI is a thin layer over a function of the API (``check``, ``train_preset``, a rate
experiment). Its options are declared beside it as :class:`Option` entries (the parameter's name, help text
and argparse type); the default of each comes from the function's signature, is shown in ``--help``,
and is what the function gets when the option is not given. A boolean parameter whose default is False
becomes a flag.
"""

from __future__ import annotations

import argparse
import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

__all__ = ["Option", "defaults", "add_options", "option_values"]


@dataclass(frozen=True)
class Option:
    """One command-line option of a function: its parameter name, help text and argparse type.

    ``choices`` restricts the values; ``nargs`` and ``metavar`` are argparse's.
    """

    name: str
    help: str
    type: Callable | None = float
    nargs: str | int | None = None
    metavar: str | tuple | None = None
    choices: Sequence | None = None


def defaults(function: Callable) -> Mapping[str, object]:
    """The keyword defaults of ``function``."""
    return {k: p.default for k, p in inspect.signature(function).parameters.items()
            if p.default is not inspect.Parameter.empty}


def _default_text(value) -> str:
    if isinstance(value, (list, tuple)):
        shown = " ".join(map(str, value)) if len(value) <= 6 else f"{len(value)} values from {value[0]} to {value[-1]}"
        return shown or "none"
    return str(value)


def add_options(parser: argparse.ArgumentParser, function: Callable, options: Sequence[Option]) -> None:
    """Add ``--<name>`` for every option, defaulting to ``function``'s default, shown in the help where it is
    not None; a parameter whose default is False becomes a flag."""
    known = defaults(function)
    for opt in options:
        flag, default = f"--{opt.name.replace('_', '-')}", known[opt.name]
        if default is False:
            parser.add_argument(flag, dest=opt.name, action="store_true", help=opt.help)
            continue
        shown = "" if default is None else f" (default: {_default_text(default)})"
        parser.add_argument(flag, dest=opt.name, type=opt.type, nargs=opt.nargs, metavar=opt.metavar, choices=opt.choices,
                            default=list(default) if isinstance(default, tuple) else default, help=opt.help + shown)


def option_values(args: argparse.Namespace, options: Sequence[Option]) -> dict:
    """The parsed value of every option, by parameter name."""
    return {opt.name: getattr(args, opt.name) for opt in options}
