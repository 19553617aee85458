"""Where a sweep runs: in-process, a local process pool, a dask.distributed cluster, or Ray.

Every rate sweep submits its work to a :class:`concurrent.futures.Executor`
(:func:`~infonce_gauss.simulations.rates.sweep`). Each task carries its own seed, so the numbers do not
depend on where or in which order the tasks run: a dask or Ray cluster gives the same table, bit for bit,
as the default in-process run.

* ``dask``: ``distributed.Client.get_executor(pure=False)``. ``pure=False`` matters: with dask's default
  ``pure=True`` identical submissions are merged into one task, which would silently drop replicates.
* ``ray``: Ray has no ``Executor``; :class:`RayExecutor` wraps ``ray.remote`` and returns the
  ``concurrent.futures.Future`` of each object ref.
* ``process``: :class:`concurrent.futures.ProcessPoolExecutor` through :func:`process_pool`, which an
  interrupt stops at once.

Install an engine with its extra: ``pip install "infonce-gauss[dask]"`` or ``pip install "infonce-gauss[ray]"``.
Every dask worker needs infonce-gauss too, of the version the client runs: :func:`executor` asks each worker
for it when it connects and refuses a cluster whose workers lack it, instead of leaving the client waiting on
tasks no worker can load. A cluster that loses the worker of a task (:func:`worker_lost`) costs that task only:
the claims runner reports its claim ``not run``.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from importlib import metadata

from infonce_gauss.workers import prepare_worker

__all__ = ["ENGINES", "RayExecutor", "executor", "process_pool", "require_on_workers", "worker_lost"]

ENGINES = ("inline", "process", "dask", "ray")

CONNECT_SECONDS = 10
"""How long :func:`executor` tries to reach the dask scheduler at ``address`` before refusing it."""


class RayExecutor(Executor):
    """A :class:`concurrent.futures.Executor` over Ray tasks (``ray.init`` must have been called)."""

    def __init__(self):
        import ray

        self._ray = ray

    def submit(self, fn, /, *args, **kwargs) -> Future:
        return self._ray.remote(fn).remote(*args, **kwargs).future()


@contextlib.contextmanager
def process_pool(max_workers: int | None = None, mp_context=None) -> Iterator[ProcessPoolExecutor]:
    """A :class:`~concurrent.futures.ProcessPoolExecutor` that an exception or an interrupt stops at once.

    On a normal exit it waits for its work like ``with ProcessPoolExecutor()``. On any exception
    (``KeyboardInterrupt`` included) the queued tasks are cancelled and the worker processes terminated
    instead of finishing every queued task first. The workers ignore SIGINT (a Ctrl-C sent to the whole
    process group reaches the parent, which stops them) and exit when the parent dies
    (:func:`~infonce_gauss.workers.prepare_worker`).
    """
    pool = ProcessPoolExecutor(max_workers=max_workers, mp_context=mp_context, initializer=prepare_worker)
    try:
        yield pool
    except BaseException:
        workers = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in workers:
            process.terminate()
        for process in workers:
            process.join(timeout=5)
        raise
    pool.shutdown(wait=True)


def _missing(engine: str, package: str) -> ValueError:
    return ValueError(f"--executor {engine} needs the {package} package; install it with "
                      f"pip install 'infonce-gauss[{engine}]' (from a checkout: pip install -e '.[{engine}]').")


def require_on_workers(client, distribution: str = "infonce-gauss") -> None:
    """Refuse a dask cluster whose workers lack ``distribution`` at the version this process runs.

    Asks every worker for the installed version (``importlib.metadata.version``, a standard-library function,
    so a worker without the package can still answer); a task of the package sent to such a worker would
    fail to load there. Workers that join later are not asked.

    Raises
    ------
    ValueError
        Naming the workers without the package or with another version, and what to install.
    """
    try:
        wanted = metadata.version(distribution)
    except metadata.PackageNotFoundError:
        wanted = None
    found = client.run(metadata.version, distribution, on_error="return")
    wrong = {worker: ("not installed" if isinstance(version, BaseException) else version)
             for worker, version in found.items() if isinstance(version, BaseException) or version != wanted}
    if wrong:
        listed = ", ".join(f"{worker} ({what})" for worker, what in sorted(wrong.items()))
        raise ValueError(f"{len(wrong)} of {len(found)} dask workers cannot run this sweep, for want of "
                         f"{distribution} {wanted}: {listed}; install {distribution}=={wanted} on every worker "
                         "(the version this client runs).")


def worker_lost(exc: BaseException) -> str | None:
    """Why a cluster task ended without a result, in words (like
    :func:`~infonce_gauss.environment.worker_death` for a local worker), if ``exc`` says the cluster lost its worker (dask's
    ``KilledWorker``; Ray's ``WorkerCrashedError``, ``NodeDiedError``, ``OutOfMemoryError``); else None.

    An environment error (:mod:`~infonce_gauss.environment`), never a finding. Only the engines already
    imported are asked: an exception of an engine that was never imported cannot have been raised.
    """
    lost = []
    if (dask := sys.modules.get("distributed")) is not None:
        lost.append(dask.KilledWorker)
    if (ray := sys.modules.get("ray.exceptions")) is not None:
        lost += [ray.WorkerCrashedError, ray.NodeDiedError, ray.OutOfMemoryError]
    if not isinstance(exc, tuple(lost)):
        return None
    return f"cluster worker lost ({type(exc).__name__}: {exc})"


def _dask_client(address: str):
    """A client of the dask scheduler at ``address``; a ValueError saying so if it cannot be reached in
    :data:`CONNECT_SECONDS`."""
    from distributed import Client

    try:
        return Client(address, timeout=CONNECT_SECONDS)
    except (OSError, ValueError, TypeError) as exc:
        raise ValueError(f"--address {address}: no dask scheduler answered there "
                         f"({type(exc).__name__}: {exc}); give the address the scheduler prints (e.g. "
                         "tcp://host:8786), or leave --address out to start a local cluster.") from None


@contextlib.contextmanager
def executor(engine: str = "inline", *, workers: int | None = None, address: str | None = None) -> Iterator[Executor | None]:
    """An executor for :func:`~infonce_gauss.simulations.rates.sweep`, closed on exit.

    Parameters
    ----------
    engine : {'inline', 'process', 'dask', 'ray'}
        ``inline`` yields None (the sweeps then run in the calling process).
    workers : int, optional
        Worker processes of a local pool or cluster (default: the engine's choice).
    address : str, optional
        A running cluster to join instead of starting a local one: a dask scheduler
        (``tcp://host:8786``) or a Ray head (``ray://host:10001`` or ``auto``); only with ``dask`` or ``ray``.

    Examples
    --------
    >>> from infonce_gauss import executor, sphere_rates
    >>> with executor("dask", workers=2) as pool:  # doctest: +SKIP
    ...     result = sphere_rates(dims=(8, 64, 512), executor=pool)
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown executor {engine!r}; choose one of {', '.join(ENGINES)}.")
    if address and engine not in ("dask", "ray"):
        raise ValueError(f"--address {address} joins a dask or Ray cluster; it needs --executor dask or ray, "
                         f"not {engine}.")
    if engine == "inline":
        yield None
    elif engine == "process":
        with process_pool(max_workers=workers) as pool:
            yield pool
    elif engine == "dask":
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise _missing("dask", "distributed") from None
        if address:
            with _dask_client(address) as client:
                require_on_workers(client)
                yield client.get_executor(pure=False)
        else:
            with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
                    Client(cluster) as client:
                yield client.get_executor(pure=False)
    else:
        try:
            import ray
        except ImportError:
            raise _missing("ray", "ray") from None
        ray.init(address=address, num_cpus=None if address else workers, include_dashboard=False,
                 ignore_reinit_error=True, log_to_driver=False)
        try:
            yield RayExecutor()
        finally:
            ray.shutdown()
