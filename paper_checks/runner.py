"""The claims runner: each claim's check under a profile, in this process or in worker processes.

:func:`run_claims` gives every check a :class:`~infonce_gauss.claim.ClaimContext` with its own seed
(:meth:`~infonce_gauss.claim.Claim.seed_for`), times it, turns a crashing check into a failed claim with its
traceback under ``logs/``, fails a claim whose details do not justify its finding
(:meth:`~infonce_gauss.claim.Claim.refusal`), and returns one :class:`ClaimResult` per claim in the order given;
:mod:`infonce_gauss.report` writes them. A check that the environment stopped
(:func:`~infonce_gauss.environment.environment_error`: a full disk, memory running out, its worker process
killed) is ``not run``, with the reason: never failed, never a finding.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tqdm.auto import tqdm

from infonce_gauss.claim import ClaimContext, Claim, Profile, Verdict
from infonce_gauss.environment import environment_error
from infonce_gauss.simulations.files import atomic_write_text
from infonce_gauss.workers import Died, run_in_workers

__all__ = ["ClaimResult", "run_claims"]


@dataclass(frozen=True)
class ClaimResult:
    """One claim run: the claim, its verdict and the check's wall time in seconds."""

    claim: Claim
    verdict: Verdict
    seconds: float

    @property
    def finding(self) -> str | None:
        """What the outcome means for the paper (:data:`~infonce_gauss.claim.FINDINGS`); None if the check
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


def _check(claim: Claim, ctx: ClaimContext) -> Verdict:
    """The check's verdict; a crashing check is a failed claim, reported with its traceback (an environment
    error is raised on, and so is one met while writing the traceback)."""
    try:
        return claim.check(ctx)
    except Exception as exc:
        if environment_error(exc) is not None:
            raise
        atomic_write_text(ctx.out_dir / "logs" / f"{claim.id}.traceback.txt", traceback.format_exc())
        ctx.artifacts.append(f"logs/{claim.id}.traceback.txt")
        return Verdict(status="failed", reason=f"the check raised {type(exc).__name__}: {exc}")


def _run_one(claim: Claim, ctx: ClaimContext) -> Verdict:
    try:
        verdict = _check(claim, ctx)
    except Exception as exc:
        if (why := environment_error(exc)) is None:
            raise
        verdict = Verdict.not_run(f"stopped by the environment: {why}")
    if not isinstance(verdict, Verdict):
        raise TypeError(f"claim {claim.id} returned {type(verdict).__name__}, not a Verdict.")
    if (refused := claim.refusal(verdict)) is not None:
        verdict = Verdict(status="failed", measured=verdict.measured, expected=verdict.expected, rule=verdict.rule,
                          reason=refused, details=verdict.details)
    return Verdict(**{**verdict.__dict__, "artifacts": tuple(verdict.artifacts) + tuple(ctx.artifacts)})


def _timed(claim: Claim, profile: Profile, out_dir: Path, seed: int) -> tuple[Verdict, float]:
    ctx = ClaimContext(profile=profile, out_dir=Path(out_dir), seed=claim.seed_for(seed), run_seed=seed)
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
    A worker process that dies (:func:`~infonce_gauss.workers.run_in_workers`) costs only its own claim,
    which is ``not run`` with the reason; a fresh worker takes the remaining claims.
    Figures that go through multithreaded BLAS can differ in their last digits with the thread count
    (measured: the whitened columns of ``CHK-TEXT-ENCODER``, where one of 384 coordinates sits at p ≈ 0.05).
    """
    bar = tqdm(total=len(claims), desc=f"claims ({profile.name})", unit="claim", disable=not progress)
    outcomes: dict[str, tuple[Verdict, float]] = {}
    remote = [c for c in claims if _picklable(c)] if jobs > 1 and len(claims) > 1 else []
    if remote:
        tasks = {c.id: (c, profile, Path(out_dir), seed) for c in remote}
        with _single_threaded_children(), contextlib.closing(
                run_in_workers(_timed, tasks, workers=min(jobs, len(remote)))) as finished:
            for claim_id, outcome in finished:
                outcomes[claim_id] = (Verdict.not_run(outcome.reason), outcome.seconds) if isinstance(
                    outcome, Died) else outcome
                bar.set_postfix_str(claim_id)
                bar.update()
    for claim in claims:  # serially: everything when jobs = 1, else the checks a worker cannot receive
        if claim.id not in outcomes:
            bar.set_postfix_str(claim.id)
            outcomes[claim.id] = _timed(claim, profile, out_dir, seed)
            bar.update()
    bar.close()
    return [ClaimResult(claim, *outcomes[claim.id]) for claim in claims]
