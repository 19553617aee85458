"""Environment errors: the machine, not the paper and not the input, stopped the work.

One classification for the whole tool. A full disk or quota, an I/O error, a read-only file system, memory
running out (``MemoryError`` or ``ENOMEM``) and a worker process that died (the out-of-memory killer, a
signal) say nothing about the paper: the runner records a claim they stopped as ``not run``
(:data:`~infonce_gauss.claim.STATUSES`), never as failed, and the command line exits with its own status
(:data:`~infonce_gauss.cli.EXIT_CODES`), never with a verdict.
"""

from __future__ import annotations

import errno
import signal

__all__ = ["ENVIRONMENT_ERRNOS", "environment_error", "worker_death"]

# errno values of an OSError that mean the machine refused, whatever the file or the input
ENVIRONMENT_ERRNOS = {
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EIO: "input/output error",
    errno.EROFS: "read-only file system",
    errno.ENOMEM: "out of memory",
}


def environment_error(exc: BaseException) -> str | None:
    """What went wrong, in words, if ``exc`` is an environment error (or was raised from one); else None.

    Parameters
    ----------
    exc : BaseException
        An exception a check or a command raised. Its ``__cause__`` chain (``raise ... from exc``) is
        followed, so a wrapper that keeps the original error is classified by it.

    Returns
    -------
    str or None
        E.g. ``"no space left on the device (out/data/table.csv)"``; None for every other exception.
    """
    while exc is not None:
        if isinstance(exc, MemoryError):
            return "out of memory (MemoryError)"
        if isinstance(exc, OSError) and exc.errno in ENVIRONMENT_ERRNOS:
            return ENVIRONMENT_ERRNOS[exc.errno] + (f" ({exc.filename})" if exc.filename else "")
        exc = exc.__cause__
    return None


def worker_death(exitcode: int | None) -> str:
    """Why a worker process ended without a result, from its exit code (``-N``: killed by signal ``N``).

    Examples
    --------
    >>> worker_death(-9)
    'worker process died (signal 9 / SIGKILL, likely out of memory)'
    >>> worker_death(1)
    'worker process died (exit status 1)'
    """
    if exitcode is None or exitcode >= 0:
        return f"worker process died (exit status {exitcode})"
    try:
        name = signal.Signals(-exitcode).name
    except ValueError:
        name = "unknown signal"
    likely = ", likely out of memory" if name == "SIGKILL" else ""
    return f"worker process died (signal {-exitcode} / {name}{likely})"
