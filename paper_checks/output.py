"""What a run leaves on disk: its folder, its figures and its run.json.

A run writes into a :class:`RunFolder`: a fresh temporary folder swapped in for the destination only
when the run finished, so a folder never mixes two runs and a failed run leaves nothing. Every file
goes through :mod:`infonce_gauss.simulations.files` (temporary name, atomic rename, the umask's
permissions). Figures are saved by :func:`save_figure` (PNG and PDF, byte-reproducible, without pyplot);
``run.json`` (:func:`run_metadata`) is written last.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import io
import functools
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path

from infonce_gauss.simulations.files import atomic_write_bytes

__all__ = ["RunFolder", "default_run_dir", "keep_open_folders", "save_figure", "run_metadata", "git_commit"]

_PACKAGES = ("infonce-gauss", "numpy", "scipy", "sympy", "mpmath", "matplotlib", "tqdm", "torch")


def default_run_dir(command: str, root: str | os.PathLike = "results") -> Path:
    """A fresh ``root/<command>-<timestamp>`` name (not created)."""
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    base = Path(root) / f"{command}-{stamp}"
    path, i = base, 1
    while path.exists() or _partial_name(path).exists():
        path, i = Path(f"{base}-{i}"), i + 1
    return path


def _partial_name(target: Path) -> Path:
    return target.with_name(target.name + ".partial")


def _is_run(path: Path) -> bool:
    """Whether ``path`` is an empty folder or a finished run of this suite (it holds run.json)."""
    return path.is_dir() and (not any(path.iterdir()) or (path / "run.json").is_file())


def _umask_mode(mode: int = 0o777) -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mode & ~mask


@contextlib.contextmanager
def _signals_deferred():
    """SIGINT and SIGTERM arriving inside are handled once it ends, so that a cleanup is not cut short (a
    second Ctrl-C would otherwise leave a hidden temporary folder). Python runs handlers in the main thread
    only; elsewhere this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught = []
    saved = {sig: signal.signal(sig, lambda signum, frame: caught.append(signum)) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, signal.SIG_DFL if handler is None else handler)
        if caught:
            signal.raise_signal(caught[0])


_OPEN: set["RunFolder"] = set()  # the run folders of this process being filled


def keep_open_folders() -> None:
    """Keep the files of every run folder still being filled as ``<name>.partial/``, without unwinding: for
    an exit at once (a second Ctrl-C), which would otherwise leave hidden temporary folders."""
    for folder in list(_OPEN):
        with contextlib.suppress(OSError):
            folder._keep_partial()


class RunFolder:
    """The output folder of one run, filled in a fresh temporary folder and swapped in only on success.

    ``with RunFolder("claims", out) as folder:`` validates the destination at once (before any work),
    creates ``.<name>.<random>.tmp`` beside it (the write test) and yields that folder; when the block
    ends without an exception the temporary folder replaces the destination (rename), so the
    destination never holds files of two runs and never a half-finished run. On an exception it is
    removed, with any parent folders created for it: nothing is left behind. On ``KeyboardInterrupt`` the
    files written so far, if any, are kept in ``<name>.partial/`` (with ``PARTIAL.txt`` saying so) and the
    interrupt is re-raised with that path as its ``partial`` attribute (None when nothing was written).

    Parameters
    ----------
    command : str
        Names the default destination ``root/<command>-<timestamp>/``.
    out : path, optional
        The destination. It may be new, an empty folder, or a finished run of this suite (a folder
        with ``run.json``), which is then replaced; anything else is refused with a ``ValueError``.
    root : path
        Parent of the default destination.
    resume : bool
        Start from a copy of the destination's files (of ``<name>.partial/`` if an interrupted run
        left one): ``train --resume`` continues its checkpoints.
    """

    def __init__(self, command: str, out: str | os.PathLike | None = None, *, root: str | os.PathLike = "results",
                 resume: bool = False):
        self.command = command
        self.target = Path(out) if out is not None else default_run_dir(command, root)
        self.resume = resume
        self.path: Path | None = None
        self._created: list[Path] = []
        if self.target.exists() and not self.target.is_dir():
            raise ValueError(f"--out {self.target} is a file; give a folder to write the results into.")
        if self.target.is_dir() and not _is_run(self.target):
            raise ValueError(f"--out {self.target} already holds files that are not a finished infonce-gauss run "
                             "(no run.json); give a new or empty folder (a finished run there is replaced).")

    def __enter__(self) -> Path:
        parent = self.target.absolute().parent
        missing = [p for p in (parent, *parent.parents) if not p.exists()]
        try:
            parent.mkdir(parents=True, exist_ok=True)
            self._created = missing
            self.path = Path(tempfile.mkdtemp(prefix=f".{self.target.name}.", suffix=".tmp", dir=parent))
            os.chmod(self.path, _umask_mode())
            probe = self.path / ".write-test"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            self._cleanup()
            raise ValueError(f"cannot write the results to {self.target}: {exc.strerror or exc} "
                             f"({exc.filename or parent}); give an --out folder you can write to.") from None
        _OPEN.add(self)
        if self.resume:
            source = _partial_name(self.target) if _partial_name(self.target).is_dir() else self.target
            if source.is_dir():
                shutil.copytree(source, self.path, dirs_exist_ok=True, ignore=shutil.ignore_patterns("PARTIAL.txt"))
        return self.path

    def __exit__(self, exc_type, exc, tb) -> bool:
        with _signals_deferred():
            _OPEN.discard(self)
            if exc_type is None:
                self._swap_in()
            elif issubclass(exc_type, KeyboardInterrupt):
                exc.partial = self._keep_partial()
            else:
                self._cleanup()
        return False

    def _swap_in(self) -> None:
        old = None
        if self.target.exists():
            old = self.target.with_name(f".{self.target.name}.{os.getpid()}.old")
            os.rename(self.target, old)
        os.rename(self.path, self.target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        partial = _partial_name(self.target)
        if partial.is_dir() and (partial / "PARTIAL.txt").is_file():
            shutil.rmtree(partial, ignore_errors=True)

    def _keep_partial(self) -> Path | None:
        if not any(self.path.iterdir()):
            self._cleanup()
            return None
        partial = _partial_name(self.target)
        (self.path / "PARTIAL.txt").write_text(
            f"An interrupted run of `infonce-gauss {self.command}` (stopped "
            f"{_dt.datetime.now(_dt.timezone.utc).isoformat(timespec='seconds')}): incomplete, no report. "
            f"Its finished results would have gone to {self.target.name}/.\n", encoding="utf-8")
        if partial.is_dir() and (partial / "PARTIAL.txt").is_file():
            shutil.rmtree(partial, ignore_errors=True)
        try:
            os.rename(self.path, partial)
        except OSError:
            return self.path
        return partial

    def _cleanup(self) -> None:
        if self.path is not None:
            shutil.rmtree(self.path, ignore_errors=True)
        for folder in self._created:  # innermost first
            with contextlib.suppress(OSError):
                folder.rmdir()


def save_figure(figure, stem: str | os.PathLike) -> list[Path]:
    """Save ``figure`` (a :class:`matplotlib.figure.Figure`) as ``stem.png`` and ``stem.pdf`` without timestamps
    (byte-reproducible).

    ``Figure.savefig`` renders each format with its own canvas, so neither pyplot nor the user's backend is
    touched. The figure lays itself out (``tight_layout`` or a constrained layout) when drawn; a tight bounding
    box would draw every format twice.
    """
    stem = Path(stem)
    paths = []
    for fmt, meta in (("png", {"Software": None}), ("pdf", {"Creator": None, "Producer": None, "CreationDate": None})):
        buf = io.BytesIO()
        figure.savefig(buf, format=fmt, dpi=150, metadata=meta)
        paths.append(atomic_write_bytes(stem.with_suffix(f".{fmt}"), buf.getvalue()))
    return paths


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


@functools.lru_cache(maxsize=1)
def git_commit() -> str | None:
    """The commit of the source tree, read once per process: call it when a command starts, so that a tree
    that moves on during a long run (a checkout, a merge) does not change the commit its results record."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5, cwd=Path(__file__).parent
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return (out.stdout.strip() or None) if out.returncode == 0 else None


def _device() -> dict:
    """The compute device: torch's view if torch is already loaded (never imported just for this)."""
    torch = sys.modules.get("torch")
    if torch is None:
        return {"compute": "cpu (numpy/scipy)", "torch_loaded": False}
    cuda = bool(torch.cuda.is_available())
    return {
        "compute": "cuda" if cuda else "cpu",
        "torch_loaded": True,
        "cuda_device": torch.cuda.get_device_name(0) if cuda else None,
        "torch_threads": torch.get_num_threads(),
    }


def run_metadata(command: str, config: Mapping, *, seed: int | None, wall_seconds: float) -> dict:
    """Everything needed to reproduce a run: command, config, seed, versions, device, git commit, time."""
    return {
        "command": command,
        "config": dict(config),
        "seed": seed,
        "finished": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "wall_seconds": round(wall_seconds, 3),
        "versions": {"python": platform.python_version(), **{p: _version(p) for p in _PACKAGES}},
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "device": _device(),
        "git_commit": git_commit(),
    }
