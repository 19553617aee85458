"""The claims runner: each claim's check under a profile, in this process, in worker processes or on a cluster.

:func:`run_claims` gives every check a :class:`~infonce_gauss.claim.ClaimContext` with its own seed
(:meth:`~infonce_gauss.claim.Claim.seed_for`), times it, turns a crashing check into a failed claim with its
traceback under ``logs/``, fails a claim whose details do not justify its finding
(:meth:`~infonce_gauss.claim.Claim.refusal`), and returns one :class:`ClaimResult` per claim in the order given;
:mod:`infonce_gauss.report` writes them. A check that the environment stopped
(:func:`~infonce_gauss.environment.environment_error`: a full disk, memory running out, its worker process
killed, a cluster worker lost) is ``not run``, with the reason: never failed, never a finding.

On a cluster (an :class:`~concurrent.futures.Executor` of :func:`~infonce_gauss.executors.executor`: dask or Ray)
each claim is one task with the seed it has in a local run. The task runs the check in a scratch folder of its
worker and returns the files the check wrote with its verdict; the runner writes them into the run's folder,
so the worker needs no access to it and the run's folder is the one a local run writes.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import tempfile
import time
import traceback
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Executor, as_completed
from dataclasses import dataclass
from pathlib import Path

from tqdm.auto import tqdm

from infonce_gauss.claim import ClaimContext, Claim, Profile, Verdict
from infonce_gauss.environment import environment_error
from infonce_gauss.executors import worker_lost
from infonce_gauss.simulations.files import atomic_write_bytes, atomic_write_text
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


def _in_scratch(claim: Claim, profile: Profile, seed: int) -> tuple[Verdict, float, dict[str, bytes]]:
    """A cluster task: :func:`_timed` in a scratch folder of the worker, and the files it wrote there (by path
    relative to the folder)."""
    with tempfile.TemporaryDirectory(prefix=f"infonce-gauss-{claim.id}-") as scratch:
        verdict, seconds = _timed(claim, profile, Path(scratch), seed)
        files = {p.relative_to(scratch).as_posix(): p.read_bytes() for p in sorted(Path(scratch).rglob("*")) if p.is_file()}
    return verdict, seconds, files


def _on_executor(pool: Executor, claims: Sequence[Claim], *, profile: Profile, out_dir: Path,
                 seed: int) -> Iterator[tuple[str, tuple[Verdict, float]]]:
    """``(claim id, (verdict, seconds))`` of each claim run as one task of ``pool``, as they finish, its files
    written into ``out_dir``; a claim whose worker the cluster lost, or whose files the disk refused, is
    ``not run``. The tasks not yet finished are cancelled when the generator is closed (an interrupt)."""
    futures = {pool.submit(_in_scratch, claim, profile, seed): claim.id for claim in claims}
    try:
        for future in as_completed(futures):
            start = time.perf_counter()
            try:
                verdict, seconds, files = future.result()
            except Exception as exc:
                if (why := worker_lost(exc)) is None:
                    raise
                yield futures[future], (Verdict.not_run(why), time.perf_counter() - start)
                continue
            yield futures[future], (_written(files, out_dir, verdict), seconds)
    finally:
        for future in futures:
            future.cancel()


def _written(files: Mapping[str, bytes], out_dir: Path, verdict: Verdict) -> Verdict:
    """``verdict`` once a cluster task's ``files`` are in ``out_dir``; ``not run`` if the environment refused them."""
    try:
        for name, data in files.items():
            atomic_write_bytes(Path(out_dir) / name, data)
    except OSError as exc:
        if (why := environment_error(exc)) is None:
            raise
        return Verdict.not_run(f"stopped by the environment: {why}")
    return verdict


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
               jobs: int = 1, executor: Executor | None = None) -> list[ClaimResult]:
    """Run each claim's check under ``profile``, writing its artifacts into ``out_dir``.

    With ``jobs > 1`` the checks run in that many worker processes (spawned, one BLAS thread each); with an
    ``executor`` (dask's or Ray's, :func:`~infonce_gauss.executors.executor`) each check is one task of it,
    its files shipped back (see the module docstring), and ``jobs`` is unused. Either way, checks that cannot
    be pickled (lambdas, local functions) run afterwards in this process.
    Every claim draws from its own seed (:meth:`Claim.seed_for`), so the random draws do not depend on
    ``jobs``, on the executor or on the order in which the checks finish, and the results keep the order of
    ``claims``. A worker process that dies (:func:`~infonce_gauss.workers.run_in_workers`), or a cluster worker
    lost (:func:`~infonce_gauss.executors.worker_lost`), costs only its own claim, which is ``not run`` with the
    reason; the remaining claims go on.
    Figures that go through multithreaded BLAS can differ in their last digits with the thread count
    (measured: the whitened columns of ``CHK-TEXT-ENCODER``, where one of 384 coordinates sits at p ≈ 0.05).
    """
    bar = tqdm(total=len(claims), desc=f"claims ({profile.name})", unit="claim", disable=not progress)
    outcomes: dict[str, tuple[Verdict, float]] = {}
    parallel = executor is not None or (jobs > 1 and len(claims) > 1)
    remote = [c for c in claims if _picklable(c)] if parallel else []
    if remote:
        with _remote_outcomes(remote, profile=profile, out_dir=Path(out_dir), seed=seed, jobs=jobs,
                              executor=executor) as finished:
            for claim_id, outcome in finished:
                outcomes[claim_id] = outcome
                bar.set_postfix_str(claim_id)
                bar.update()
    for claim in claims:  # serially: everything when run locally with jobs = 1, else the checks a worker cannot receive
        if claim.id not in outcomes:
            bar.set_postfix_str(claim.id)
            outcomes[claim.id] = _timed(claim, profile, out_dir, seed)
            bar.update()
    bar.close()
    return [ClaimResult(claim, *outcomes[claim.id]) for claim in claims]


@contextlib.contextmanager
def _remote_outcomes(claims: Sequence[Claim], *, profile: Profile, out_dir: Path, seed: int, jobs: int,
                     executor: Executor | None) -> Iterator[Iterator[tuple[str, tuple[Verdict, float]]]]:
    """The ``(claim id, (verdict, seconds))`` of ``claims`` run on ``executor``, else in ``jobs`` local worker
    processes (a dead one's claim ``not run``), as they finish; the work is stopped on exit."""
    if executor is not None:
        with contextlib.closing(_on_executor(executor, claims, profile=profile, out_dir=out_dir, seed=seed)) as finished:
            yield finished
        return
    tasks = {c.id: (c, profile, out_dir, seed) for c in claims}
    with _single_threaded_children(), contextlib.closing(
            run_in_workers(_timed, tasks, workers=min(jobs, len(claims)))) as finished:
        yield ((claim_id, (Verdict.not_run(outcome.reason), outcome.seconds) if isinstance(outcome, Died) else outcome)
               for claim_id, outcome in finished)
