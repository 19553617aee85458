"""Command-line number types that reject bad values with a message saying what was expected."""

from __future__ import annotations

import argparse
from collections.abc import Callable

__all__ = ["number_type", "positive_int", "seed_int", "unit_interval"]


def number_type(convert: Callable, accept: Callable, what: str):
    """An argparse type: ``convert(text)``, rejected with "expected <what>" unless ``accept(value)``."""
    def parse(text: str):
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if not accept(value):
            raise argparse.ArgumentTypeError(f"expected {what}, got {value}")
        return value

    return parse


positive_int = number_type(int, lambda v: v >= 1, "a positive integer")
seed_int = number_type(int, lambda v: v >= 0, "a non-negative integer seed")
unit_interval = number_type(float, lambda v: 0 <= v <= 1, "a number in [0, 1]")
