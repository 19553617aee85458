"""Short text forms of measured values and table cells, shared by the claims report, the record of a claims
run, the rate experiments' summaries and the check's report."""

from __future__ import annotations

__all__ = ["format_value", "cut"]


def format_value(value) -> str:
    """Short human form of a measured/expected value."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict):
        return ", ".join(f"{k}={format_value(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    return str(value)


def cut(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, with an ellipsis where it was cut."""
    return text if len(text) <= width else text[: width - 1] + "…"
