"""Worker processes that say which task a dying worker held, and that die with their parent.

:func:`run_in_workers` runs tasks in a few processes, each fed its tasks one at a time over its own pipe.
The parent knows which task every worker holds, so a worker that dies (the out-of-memory killer, a
signal) costs exactly that task, reported as :class:`Died` with its exit code, while the other workers
carry on and a fresh worker takes the remaining tasks. (A :class:`concurrent.futures.ProcessPoolExecutor`
breaks as a whole instead and cannot say which task killed it.) Pipes hold no semaphores, so an
interrupted run leaks none.

Every worker runs :func:`prepare_worker` first: it ignores SIGINT (the parent alone handles Ctrl-C and then
stops the workers), ends cleanly when stopped, and exits when its parent dies, even in the middle of a task.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Hashable, Iterator, Mapping
from dataclasses import dataclass

from infonce_gauss.environment import worker_death

__all__ = ["Died", "prepare_worker", "run_in_workers"]

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _watch_parent(parent: int, interval: float) -> None:
    while os.getppid() == parent:
        time.sleep(interval)
    os.kill(os.getpid(), signal.SIGTERM)


def _exit_cleanly(signum, frame) -> None:
    raise SystemExit(128 + signum)


def prepare_worker(interval: float = 0.5) -> None:
    """Worker initializer: ignore SIGINT, end cleanly on SIGTERM, and exit when the parent process dies.

    SIGTERM (how the parent stops its workers) raises ``SystemExit``, so the worker's exit handlers run:
    the semaphores it made (tqdm's lock) are released, and no "leaked semaphore" warning follows. On Linux
    the kernel sends the worker SIGTERM when its parent dies (``prctl(PR_SET_PDEATHSIG)``);
    elsewhere, or if that call fails, a daemon thread checks every ``interval`` seconds whether the
    parent is still the same process. A parent that died before this call is noticed at once.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_cleanly)
    parent = multiprocessing.parent_process()
    parent_pid = parent.pid if parent is not None else os.getppid()
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        except (OSError, AttributeError):
            threading.Thread(target=_watch_parent, args=(parent_pid, interval), daemon=True).start()
    else:
        threading.Thread(target=_watch_parent, args=(parent_pid, interval), daemon=True).start()
    if os.getppid() != parent_pid:  # the parent died before the kernel was told to follow it
        os._exit(1)


@dataclass(frozen=True)
class Died:
    """A task whose worker process ended without a result: its exit code (``-N``: killed by signal ``N``)
    and the seconds it had run."""

    exitcode: int | None
    seconds: float

    @property
    def reason(self) -> str:
        """E.g. ``"worker process died (signal 9 / SIGKILL, likely out of memory)"``."""
        return worker_death(self.exitcode)


def _serve(conn, function: Callable) -> None:
    """A worker's loop: call ``function(*args)`` for each task received, send back the result or the error."""
    prepare_worker()
    while True:
        try:
            args = conn.recv()
        except EOFError:  # the parent closed the pipe
            return
        if args is None:
            return
        try:
            reply = (True, function(*args))
        except Exception as exc:
            reply = (False, exc, traceback.format_exc())
        try:
            conn.send(reply)
        except Exception:  # an exception that cannot be pickled: its text instead
            conn.send((False, RuntimeError(f"{type(reply[1]).__name__}: {reply[1]}"), reply[-1]))


class _Worker:
    """One worker process, its end of the pipe, and the task it holds (None when idle)."""

    def __init__(self, context, function: Callable):
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, function), name="infonce-gauss worker")
        self.process.start()
        child.close()
        self.task: Hashable | None = None
        self.started = 0.0

    def give(self, key: Hashable, args: tuple) -> None:
        self.task, self.started = key, time.perf_counter()
        try:
            self.conn.send(args)
        except OSError:  # the process died while idle: take() reports it with this task
            pass

    def take(self):
        """The finished task's outcome: its result, or :class:`Died` if the process ended without one."""
        key, self.task = self.task, None
        try:
            if self.conn.poll():
                reply = self.conn.recv()
                if not reply[0]:
                    raise reply[1] from RuntimeError(f"raised in a worker process:\n{reply[2]}")
                return key, reply[1]
        except (EOFError, OSError):
            pass
        self.process.join()
        return key, Died(self.process.exitcode, time.perf_counter() - self.started)

    def stop(self, *, now: bool) -> None:
        """Let the process end after its task (``now=False``) or terminate it; wait for it in both cases."""
        if not now:
            try:
                self.conn.send(None)
            except OSError:
                pass
            self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()
        self.process.close()


def run_in_workers(function: Callable, tasks: Mapping[Hashable, tuple], *, workers: int,
                   context=None) -> Iterator[tuple[Hashable, object]]:
    """Call ``function(*args)`` for each ``key: args`` of ``tasks`` in up to ``workers`` processes.

    Parameters
    ----------
    function : callable
        A module-level function (the workers receive it by reference).
    tasks : mapping
        Task key to the arguments of its call; they are handed out in this order.
    workers : int
        Worker processes at most (never more than there are tasks).
    context : multiprocessing context, optional
        Default: ``spawn`` (a fresh interpreter: no locks or threads inherited).

    Yields
    ------
    (key, outcome)
        As tasks finish: the call's return value, or :class:`Died` if its worker process ended first
        (a fresh worker then takes the next task). An exception the call raised is raised here, caused by
        a ``RuntimeError`` holding the worker's traceback.

    Notes
    -----
    Close the generator when done with it (``contextlib.closing``): the workers are stopped when it is
    exhausted, closed or interrupted, terminated at once unless every task finished.
    """
    context = context or multiprocessing.get_context("spawn")
    queue = list(tasks.items())
    pool: list[_Worker] = []
    try:
        while queue or any(w.task is not None for w in pool):
            for worker in [w for w in pool if w.task is None]:
                if queue:
                    worker.give(*queue.pop(0))
            while queue and len(pool) < workers:
                pool.append(_Worker(context, function))
                pool[-1].give(*queue.pop(0))
            busy = {w.conn: w for w in pool if w.task is not None} | {
                w.process.sentinel: w for w in pool if w.task is not None}
            for worker in dict.fromkeys(busy[r] for r in multiprocessing.connection.wait(list(busy))):
                key, outcome = worker.take()
                if isinstance(outcome, Died):
                    pool.remove(worker)
                    worker.stop(now=True)
                yield key, outcome
    finally:
        done = not queue and all(w.task is None for w in pool)
        for worker in pool:
            worker.stop(now=not done)
