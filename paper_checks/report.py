"""The report of a claims run: claims.json, claims.csv, report.md and run.json, and the terminal summary table."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from infonce_gauss.claim import FINDINGS, Profile, status_counts
from infonce_gauss.formatting import cut, format_value
from infonce_gauss.output import run_metadata
from infonce_gauss.runner import ClaimResult
from infonce_gauss.simulations.files import atomic_write_text, write_csv, write_json

__all__ = ["write_report", "summary_table", "not_run", "incomplete_note"]


def summary_table(results: Sequence[ClaimResult], *, spell_out: int = 5, full_values: str | Path = "claims.json") -> str:
    """A fixed-width table for the terminal: claim, status, finding, measured, expected, seconds.

    Cells longer than 48 characters are cut (ending in …) and a line below the table says so and
    that ``full_values`` holds them in full; below it, the measured and expected values of every
    failed claim, and of every claim when there are at most ``spell_out`` of them, are printed in full,
    with the reason of each failure or skip.
    """
    rows, spelled = [("claim", "status", "finding", "measured", "expected", "seconds")], []
    for r in results:
        measured = format_value(r.verdict.measured)
        if r.verdict.uncertainty is not None:
            measured += f" ± {r.verdict.uncertainty:.2g}"
        expected = format_value(r.verdict.expected)
        rows.append((r.claim.id, r.verdict.status.upper(), r.finding or "—", cut(measured, 48), cut(expected, 48),
                     f"{r.seconds:.1f}"))
        if len(results) <= spell_out or r.verdict.status == "failed":
            spelled += [f"{r.claim.id}:", f"  measured: {measured}", f"  expected: {expected}"]
        if r.verdict.reason and (len(results) <= spell_out or r.verdict.status != "passed"):
            spelled.append(f"  {r.claim.id} {r.verdict.status}: {r.verdict.reason}" if len(results) > spell_out
                           else f"  reason: {r.verdict.reason}")
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    if any(cell.endswith("…") for row in rows[1:] for cell in row[3:5]):
        lines.append(f"(cells ending in … are cut; the full values are in {full_values} and report.md)")
    lines.append(status_counts(r.verdict.status for r in results))
    findings = Counter(r.finding for r in results if r.finding)
    if findings:
        lines.append("findings: " + ", ".join(f"{n} {f}" for f, n in findings.most_common()))
    return "\n".join(lines + spelled)


def _detail_lines(key: str, value) -> list[str]:
    """A detail as markdown: sub-checks as a checklist, a list of records as a table, else one line."""
    if key == "checks" and isinstance(value, dict):
        return ["- sub-checks:"] + [f"  - {'✅' if ok else '❌'} {name}" for name, ok in value.items()]
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        cols = list(dict.fromkeys(c for row in value for c in row))
        lines = [f"- {key}:", "", "  | " + " | ".join(cols) + " |", "  |" + "---|" * len(cols)]
        lines += ["  | " + " | ".join(format_value(row.get(c)) for c in cols) + " |" for row in value]
        return lines + [""]
    return [f"- {key}: {format_value(value)}"]


def not_run(results: Sequence[ClaimResult]) -> list[ClaimResult]:
    """The claims the environment stopped (status ``not run``): the run that holds them is incomplete."""
    return [r for r in results if r.verdict.status == "not run"]


def incomplete_note(results: Sequence[ClaimResult]) -> str | None:
    """One line saying which claims the environment stopped and how to run them again; None if none."""
    stopped = not_run(results)
    if not stopped:
        return None
    ids = " ".join(r.claim.id for r in stopped)
    return (f"{len(stopped)} claim(s) not run because the environment stopped them "
            f"({'; '.join(f'{r.claim.id}: {r.verdict.reason}' for r in stopped)}); this says nothing about the "
            f"paper: free the memory or disk space and run them again with --only {ids}")


def _markdown(results: Sequence[ClaimResult], profile: Profile) -> str:
    icon = {"passed": "✅ passed", "failed": "❌ failed", "cannot tell": "❔ cannot tell", "skipped": "⏭ skipped",
            "not run": "⚠️ not run"}
    note = incomplete_note(results)
    out = [
        "# Claim checks: InfoNCE Induces Gaussian Distribution (arXiv 2602.24012)",
        "",
        *([f"**INCOMPLETE RUN**: {note}.", ""] if note else []),
        f"Profile `{profile.name}`. Each row is one claim; *status* says whether the suite's check succeeded,",
        "*finding* what that means for the paper (below), *measured* is what this run computed, *expected* the",
        "paper's (or the theory's) figure or bound, and *rule* what decided the verdict. Figures and tables",
        "are linked per claim below; `claims.json` holds every number, `run.json` the versions, seed and device.",
        "",
        "Findings: " + "; ".join(f"*{name}*: {f.meaning}" for name, f in FINDINGS.items()) + ".",
        "",
        "| id | paper | status | finding | measured | expected |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        v = r.verdict
        measured = format_value(v.measured) + (f" ± {v.uncertainty:.2g}" if v.uncertainty is not None else "")
        out.append(f"| [{r.claim.id}](#{r.claim.id.lower()}) | {r.claim.paper_ref} | {icon[v.status]} | {r.finding or '—'} | {measured} | {format_value(v.expected)} |")
    for r in results:
        v = r.verdict
        out += ["", f"## {r.claim.id}", "", f"**{r.claim.title}** ({r.claim.paper_ref}). {r.claim.statement}", ""]
        out.append(f"- status: **{v.status}**" + (f" — {v.reason}" if v.reason else ""))
        out.append(f"- finding: **{r.finding or '—'}**" + (f" ({FINDINGS[r.finding].meaning})" if r.finding else ""))
        out.append(f"- rule: {v.rule or '—'}")
        out.append(f"- measured: {format_value(v.measured)}" + (f" ± {v.uncertainty:.3g}" if v.uncertainty is not None else ""))
        out.append(f"- expected: {format_value(v.expected)}")
        for key, value in v.details.items():
            out += _detail_lines(key, value)
        for path in v.artifacts:
            out.append(f"\n![{r.claim.id}]({path})" if path.endswith(".png") else f"- file: [{path}]({path})")
    return "\n".join(out) + "\n"


def write_report(results: Sequence[ClaimResult], out_dir: Path, *, profile: Profile, seed: int, config: dict, wall_seconds: float) -> Path:
    """Write claims.json, claims.csv, report.md and finally run.json into ``out_dir``.

    A run with claims the environment stopped says so at the top of report.md and lists them in run.json
    (``not_run``)."""
    out_dir = Path(out_dir)
    records = [r.record() for r in results]
    write_json(out_dir / "claims.json", records)
    write_csv(out_dir / "claims.csv", [{k: v for k, v in rec.items() if k not in ("details", "artifacts", "statement")} for rec in records])
    report = atomic_write_text(out_dir / "report.md", _markdown(results, profile))
    write_json(out_dir / "run.json", {**run_metadata("claims", config, seed=seed, wall_seconds=wall_seconds),
                                      "not_run": [r.claim.id for r in not_run(results)]})
    return report
