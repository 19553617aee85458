"""Running claims and writing their report: claims.json, claims.csv, report.md and run.json."""

from __future__ import annotations

import contextlib
from collections import Counter
import multiprocessing
import os
import pickle
import time
import traceback
from concurrent.futures import as_completed
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tqdm.auto import tqdm

from infonce_gauss.executors import process_pool
from infonce_gauss.registry import FINDINGS, CheckContext, Claim, Profile, Verdict, status_counts
from infonce_gauss.results import run_metadata
from infonce_gauss.simulations.files import atomic_write_text, write_csv, write_json

__all__ = ["ClaimResult", "run_claims", "write_report", "format_value", "summary_table"]


@dataclass(frozen=True)
class ClaimResult:
    claim: Claim
    verdict: Verdict
    seconds: float

    @property
    def finding(self) -> str | None:
        """What the outcome means for the paper (:data:`~infonce_gauss.registry.FINDINGS`); None if the check
        did not pass and says nothing about the paper."""
        return self.claim.finding_of(self.verdict)

    def record(self) -> dict:
        """The claims.json entry."""
        v = self.verdict
        return {
            "id": self.claim.id,
            "title": self.claim.title,
            "paper_ref": self.claim.paper_ref,
            "statement": self.claim.statement,
            "status": v.status,
            "finding": self.finding,
            "measured": v.measured,
            "expected": v.expected,
            "uncertainty": v.uncertainty,
            "rule": v.rule,
            "reason": v.reason,
            "details": v.details,
            "artifacts": list(v.artifacts),
            "seconds": round(self.seconds, 3),
        }


def _run_one(claim: Claim, ctx: CheckContext) -> Verdict:
    try:
        verdict = claim.check(ctx)
    except Exception as exc:  # a crashing check is a failed claim, reported with its traceback
        tb = traceback.format_exc()
        atomic_write_text(ctx.out_dir / "logs" / f"{claim.id}.traceback.txt", tb)
        ctx.artifacts.append(f"logs/{claim.id}.traceback.txt")
        verdict = Verdict(status="failed", reason=f"the check raised {type(exc).__name__}: {exc}")
    if not isinstance(verdict, Verdict):
        raise TypeError(f"claim {claim.id} returned {type(verdict).__name__}, not a Verdict.")
    return Verdict(**{**verdict.__dict__, "artifacts": tuple(verdict.artifacts) + tuple(ctx.artifacts)})


def _timed(claim: Claim, profile: Profile, out_dir: Path, seed: int) -> tuple[Verdict, float]:
    ctx = CheckContext(profile=profile, out_dir=Path(out_dir), seed=claim.seed_for(seed))
    start = time.perf_counter()
    verdict = _run_one(claim, ctx)
    return verdict, time.perf_counter() - start


def _picklable(claim: Claim) -> bool:
    """Whether a worker process can receive the claim (module-level checks are pickled by reference)."""
    try:
        pickle.dumps(claim)
    except (pickle.PicklingError, AttributeError, TypeError):
        return False
    return True


# one BLAS / OpenMP thread per worker: with as many workers as cores, more threads only contend
_ONE_THREAD = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}


@contextlib.contextmanager
def _single_threaded_children():
    """Environment inherited by worker processes started inside: one thread each unless the user set a count."""
    saved = {name: os.environ.get(name) for name in _ONE_THREAD}
    os.environ.update({name: value for name, value in _ONE_THREAD.items() if saved[name] is None})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)


def run_claims(claims: Sequence[Claim], *, profile: Profile, out_dir: Path, seed: int, progress: bool = True,
               jobs: int = 1) -> list[ClaimResult]:
    """Run each claim's check under ``profile``, writing its artifacts into ``out_dir``.

    With ``jobs > 1`` the checks run in that many worker processes (spawned, one BLAS thread each);
    checks that cannot be pickled (lambdas, local functions) run afterwards in this process.
    Every claim draws from its own seed (:meth:`Claim.seed_for`), so the random draws do not depend on
    ``jobs`` or on the order in which the checks finish, and the results keep the order of ``claims``.
    Figures that go through multithreaded BLAS can differ in their last digits with the thread count
    (measured: the whitened columns of ``CHK-TEXT-ENCODER``, where one of 384 coordinates sits at p ≈ 0.05).
    """
    bar = tqdm(total=len(claims), desc=f"claims ({profile.name})", unit="claim", disable=not progress)
    outcomes: dict[str, tuple[Verdict, float]] = {}
    remote = [c for c in claims if _picklable(c)] if jobs > 1 and len(claims) > 1 else []
    if remote:
        with _single_threaded_children(), process_pool(
                max_workers=min(jobs, len(remote)), mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = {pool.submit(_timed, c, profile, Path(out_dir), seed): c.id for c in remote}
            for future in as_completed(futures):
                outcomes[futures[future]] = future.result()
                bar.set_postfix_str(futures[future])
                bar.update()
    for claim in claims:  # serially: everything when jobs = 1, else the checks a worker cannot receive
        if claim.id not in outcomes:
            bar.set_postfix_str(claim.id)
            outcomes[claim.id] = _timed(claim, profile, out_dir, seed)
            bar.update()
    bar.close()
    return [ClaimResult(claim, *outcomes[claim.id]) for claim in claims]


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


def _cell(text: str, width: int = 48) -> str:
    """``text`` cut to ``width`` characters, with an ellipsis where it was cut."""
    return text if len(text) <= width else text[: width - 1] + "…"


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
        rows.append((r.claim.id, r.verdict.status.upper(), r.finding or "—", _cell(measured), _cell(expected),
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


def _markdown(results: Sequence[ClaimResult], profile: Profile) -> str:
    icon = {"passed": "✅ passed", "failed": "❌ failed", "cannot tell": "❔ cannot tell", "skipped": "⏭ skipped"}
    out = [
        "# Claim checks: InfoNCE Induces Gaussian Distribution (arXiv 2602.24012)",
        "",
        f"Profile `{profile.name}`. Each row is one claim; *status* says whether the suite's check succeeded,",
        "*finding* what that means for the paper (below), *measured* is what this run computed, *expected* the",
        "paper's (or the theory's) figure or bound, and *rule* what decided the verdict. Figures and tables",
        "are linked per claim below; `claims.json` holds every number, `run.json` the versions, seed and device.",
        "",
        "Findings: " + "; ".join(f"*{name}*: {meaning}" for name, meaning in FINDINGS.items()) + ".",
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
        out.append(f"- finding: **{r.finding or '—'}**" + (f" ({FINDINGS[r.finding]})" if r.finding else ""))
        out.append(f"- rule: {v.rule or '—'}")
        out.append(f"- measured: {format_value(v.measured)}" + (f" ± {v.uncertainty:.3g}" if v.uncertainty is not None else ""))
        out.append(f"- expected: {format_value(v.expected)}")
        for key, value in v.details.items():
            out += _detail_lines(key, value)
        for path in v.artifacts:
            out.append(f"\n![{r.claim.id}]({path})" if path.endswith(".png") else f"- file: [{path}]({path})")
    return "\n".join(out) + "\n"


def write_report(results: Sequence[ClaimResult], out_dir: Path, *, profile: Profile, seed: int, config: dict, wall_seconds: float) -> Path:
    """Write claims.json, claims.csv, report.md and finally run.json into ``out_dir``."""
    out_dir = Path(out_dir)
    records = [r.record() for r in results]
    write_json(out_dir / "claims.json", records)
    write_csv(out_dir / "claims.csv", [{k: v for k, v in rec.items() if k not in ("details", "artifacts", "statement")} for rec in records])
    report = atomic_write_text(out_dir / "report.md", _markdown(results, profile))
    write_json(out_dir / "run.json", run_metadata("claims", config, seed=seed, wall_seconds=wall_seconds))
    return report
