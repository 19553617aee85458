"""What a run leaves on disk: its folder, its figures and its run.json; and what the tool may delete.

A run writes into a :class:`RunFolder`: a fresh temporary folder swapped in for the destination only
when the run finished, so a folder never mixes two runs and a failed run leaves nothing. Every file
goes through :mod:`infonce_gauss.simulations.files` (temporary name, atomic rename, the umask's
permissions). Figures are saved by :func:`save_figure` (PNG and PDF, byte-reproducible, without pyplot);
``run.json`` (:func:`run_metadata`) is written last.

The one rule of what the tool deletes lives here: a folder is replaced only when it is provably the tool's
own finished run, holding nothing the tool did not write (:func:`replaceable`: its ``run.json`` lists every
file the run wrote, with its size, and the folder holds nothing else), never when it holds an input of the
command (:func:`refuse_inputs`); an interrupted run's ``<out>.partial/`` is removed on the same proof
(``PARTIAL.txt`` lists its files).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import io
import functools
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path

from infonce_gauss.simulations.files import atomic_write_bytes, atomic_write_text, process_umask, write_json

__all__ = ["RunFolder", "default_run_dir", "replaceable", "refuse_inputs", "keep_open_folders", "save_figure",
           "run_metadata", "git_commit"]

_PACKAGES = ("infonce-gauss", "numpy", "scipy", "sympy", "mpmath", "matplotlib", "tqdm", "torch")
_TOOL = "infonce-gauss"
_RUN_JSON, _PARTIAL_TXT = "run.json", "PARTIAL.txt"
_MANIFEST_LINE = "files written (for infonce-gauss): "  # PARTIAL.txt's last line: the partial run's manifest


def default_run_dir(command: str, root: str | os.PathLike = "results") -> Path:
    """A fresh ``root/<command>-<timestamp>`` name (not created)."""
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return _free_name(Path(root) / f"{command}-{stamp}")


def _free_name(base: Path, *, first: int = 0) -> Path:
    """The first of ``base`` (when ``first`` is 0), ``base-1``, ``base-2``, … that neither it nor its partial run
    takes."""
    i = first
    while True:
        path = base if i == 0 else Path(f"{base}-{i}")
        if not (os.path.lexists(path) or os.path.lexists(_partial_name(path))):
            return path
        i += 1


def _partial_name(target: Path) -> Path:
    return target.with_name(target.name + ".partial")


# --- what the tool wrote: the manifest, and the proof that a folder is the tool's own ---------------------

def _manifest(folder: Path, skip: str) -> dict:
    """Every file below ``folder`` but ``skip`` (relative POSIX path: size in bytes) and every subfolder."""
    files, folders = {}, []
    for root, dirs, names in os.walk(folder):
        here = Path(root).relative_to(folder)
        folders += [(here / d).as_posix() for d in dirs]
        files.update({(here / n).as_posix(): os.lstat(Path(root) / n).st_size for n in names})
    files.pop(skip, None)
    return {"tool": _TOOL, "files": dict(sorted(files.items())), "folders": sorted(folders)}


def _foreign(folder: Path, manifest, skip: str) -> str | None:
    """Why ``folder`` holds something its ``manifest`` does not account for (None: nothing; files the run
    wrote that were deleted since are no reason)."""
    if not isinstance(manifest, dict) or manifest.get("tool") != _TOOL or not isinstance(manifest.get("files"), dict):
        return ("it does not list the files an infonce-gauss run wrote there (another tool's folder, or a run of an "
                "older version)")
    files, folders = manifest["files"], set(manifest.get("folders") or ())
    for root, dirs, names in os.walk(folder):
        here = Path(root).relative_to(folder)
        for name in dirs + names:
            path, rel = Path(root) / name, (here / name).as_posix()
            if path.is_symlink():
                return f"{rel} is a symbolic link, which the run did not make"
            if name in dirs and rel not in folders:
                return f"the folder {rel} is not the run's"
            if name in names and rel != skip and files.get(rel) != os.lstat(path).st_size:
                return (f"{rel} is not a file the run wrote" if rel not in files
                        else f"{rel} changed since the run wrote it")
    return None


def _read_run_json(folder: Path):
    try:
        return json.loads((folder / _RUN_JSON).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def replaceable(folder: str | os.PathLike) -> str | None:
    """Why the existing folder ``folder`` may not be replaced by a run, or None when it may: it is empty, or a
    finished run of this tool holding nothing the tool did not write (its ``run.json`` lists the files the run
    wrote and their sizes; any other file or folder, a changed size or a symbolic link is a reason)."""
    folder = Path(folder)
    if not any(folder.iterdir()):
        return None
    meta = _read_run_json(folder)
    if meta is None:
        return "it holds files but no run.json"
    return _foreign(folder, meta.get("output") if isinstance(meta, dict) else None, _RUN_JSON)


def _partial_is_own(partial: Path) -> bool:
    """Whether ``partial`` is an interrupted run's folder that holds only what the run wrote."""
    try:
        last = (partial / _PARTIAL_TXT).read_text(encoding="utf-8").rstrip("\n").rsplit("\n", 1)[-1]
        manifest = json.loads(last[len(_MANIFEST_LINE):]) if last.startswith(_MANIFEST_LINE) else None
    except (OSError, ValueError):
        return False
    return _foreign(partial, manifest, _PARTIAL_TXT) is None


def _remove_own_partial(target: Path) -> None:
    """Remove ``<target>.partial/`` when it is provably an interrupted run's leftover (else leave it)."""
    partial = _partial_name(target)
    if partial.is_dir() and not partial.is_symlink() and _partial_is_own(partial):
        shutil.rmtree(partial, ignore_errors=True)


def _holds(folder: Path, path: Path) -> bool:
    return path == folder or folder in path.parents


def _forms(path) -> set[Path]:
    """``path`` as given (made absolute) and with its symbolic links resolved."""
    return {Path(os.path.abspath(path)), Path(os.path.realpath(path))}


def refuse_inputs(out: str | os.PathLike, inputs: Iterable, *, option: str = "--out") -> None:
    """Raise a ValueError when the output path ``out`` (or its ``.partial`` twin) is or holds an input of the
    command (a file or folder of ``inputs``, symbolic links resolved; None entries are skipped): writing there
    would replace what the command reads. Writing inside an input folder is allowed (it replaces nothing)."""
    outs = _forms(out) | _forms(_partial_name(Path(os.path.abspath(out))))
    for given in (i for i in inputs if i is not None):
        if any(_holds(o, i) for o in outs for i in _forms(given)):
            raise ValueError(f"{option} {out} is or holds the input {given}: the results would replace what the "
                             f"command reads; give an {option} that holds none of the inputs.")


def _umask_mode(mode: int = 0o777) -> int:
    return mode & ~process_umask()


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
    destination never holds files of two runs and never a half-finished run. ``run.json`` then gets the list
    of files the run wrote (its ``output`` entry), the proof that a later run may replace the folder. On an
    exception it is removed, with any parent folders created for it: nothing is left behind. On
    ``KeyboardInterrupt`` the files written so far, if any, are kept in ``<name>.partial/`` (with
    ``PARTIAL.txt`` saying so) and the interrupt is re-raised with that path as its ``partial`` attribute
    (None when nothing was written). When the destination cannot take the finished run at the end (it gained
    foreign files meanwhile, another run took it that very moment), the run is kept under a free name beside it,
    which :attr:`target` then names, with a warning: a finished run is never left hidden.

    Parameters
    ----------
    command : str
        Names the default destination ``root/<command>-<timestamp>/``.
    out : path, optional
        The destination. It may be new, an empty folder, or a finished run of this suite holding nothing else
        (:func:`replaceable`), which is then replaced; anything else, a symbolic link, the current folder or one
        holding it is refused with a ``ValueError``.
    root : path
        Parent of the default destination.
    resume : bool
        Start from a copy of the destination's files (of ``<name>.partial/`` if an interrupted run
        left one): ``train --resume`` continues its checkpoints.
    inputs : iterable of paths
        What the command reads: an ``out`` that holds one, or lies inside one, is refused (:func:`refuse_inputs`).
    """

    def __init__(self, command: str, out: str | os.PathLike | None = None, *, root: str | os.PathLike = "results",
                 resume: bool = False, inputs: Iterable = ()):
        self.command = command
        self.target = Path(out) if out is not None else default_run_dir(command, root)
        if self.target.name in ("", ".", ".."):  # "." or "a/..": name the folder itself
            self.target = Path(os.path.abspath(self.target))
        self.resume = resume
        self.path: Path | None = None
        self._created: list[Path] = []
        refuse_inputs(self.target, inputs)
        self._validate()

    def _validate(self) -> None:
        """Refuse a destination the run may not replace (at the start, and again when the run finished)."""
        target = self.target
        if target.is_symlink():
            raise ValueError(f"--out {target} is a symbolic link; give the folder itself (or a new one).")
        if target.exists() and not target.is_dir():
            raise ValueError(f"--out {target} is a file; give a folder to write the results into.")
        if any(_holds(o, Path.cwd().resolve()) for o in _forms(target)):
            raise ValueError(f"--out {target} is the current folder or holds it; give a folder inside it, e.g. "
                             "--out results/run.")
        if target.is_dir() and (why := replaceable(target)) is not None:
            raise ValueError(f"--out {target} is not a finished infonce-gauss run that may be replaced: {why}. "
                             "Nothing was deleted; give a new or empty folder, or move the files away first.")
        partial = _partial_name(target)
        if self.resume and os.path.lexists(partial) and not _partial_is_own(partial):
            raise ValueError(f"{partial} is not an interrupted infonce-gauss run (its PARTIAL.txt does not list "
                             "what it holds); move it away to resume from --out.")

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
                shutil.copytree(source, self.path, dirs_exist_ok=True, ignore=shutil.ignore_patterns(_PARTIAL_TXT))
        return self.path

    def __exit__(self, exc_type, exc, tb) -> bool:
        with _signals_deferred():
            _OPEN.discard(self)
            if exc_type is None:
                self._swap_in()
            elif issubclass(exc_type, KeyboardInterrupt):
                exc.partial = self._keep_partial()
            else:
                self._name_the_destination(exc)
                self._cleanup()
        return False

    def _name_the_destination(self, exc: BaseException) -> None:
        """An error's message names ``--out``, where the user looks, not the hidden temporary folder being filled."""
        hidden, shown = str(self.path), str(self.target)
        for attr in ("filename", "filename2"):
            if isinstance(getattr(exc, attr, None), str):
                setattr(exc, attr, getattr(exc, attr).replace(hidden, shown))
        exc.args = tuple(a.replace(hidden, shown) if isinstance(a, str) else a for a in exc.args)

    def _swap_in(self) -> None:
        meta = _read_run_json(self.path) if (self.path / _RUN_JSON).exists() else {}
        write_json(self.path / _RUN_JSON, {**(meta if isinstance(meta, dict) else {"run": meta}),
                                           "output": _manifest(self.path, _RUN_JSON)})
        old = None
        try:
            self._validate()  # the destination may have changed during the run
            if os.path.lexists(self.target):
                old = self.target.with_name(f".{self.target.name}.{os.getpid()}.old")
                os.rename(self.target, old)
            os.rename(self.path, self.target)
        except (OSError, ValueError) as exc:
            if old is not None and not os.path.lexists(self.target):
                with contextlib.suppress(OSError):
                    os.rename(old, self.target)
                    old = None
            self._keep_elsewhere(exc)
        finally:
            if old is not None:  # a finished run of this tool, proven so above
                shutil.rmtree(old, ignore_errors=True)
        _remove_own_partial(self.target)

    def _keep_elsewhere(self, exc: BaseException) -> None:
        """Move the finished run to a free name beside the destination (``<out>-1``, …), which :attr:`target` then
        names, and say so."""
        wanted, why = self.target, exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        self.target = _free_name(wanted, first=1)
        try:
            os.rename(self.path, self.target)
        except OSError:
            self.target = self.path
        print(f"infonce-gauss: warning: --out {wanted} could not take the finished run ({why}); it is in "
              f"{self.target}/ instead.", file=sys.stderr)

    def _keep_partial(self) -> Path | None:
        if not any(self.path.iterdir()):
            self._cleanup()
            return None
        manifest = json.dumps(_manifest(self.path, _PARTIAL_TXT))
        atomic_write_text(self.path / _PARTIAL_TXT,
            f"An interrupted run of `infonce-gauss {self.command}` (stopped "
            f"{_dt.datetime.now(_dt.timezone.utc).isoformat(timespec='seconds')}): incomplete, no report. "
            f"Its finished results would have gone to {self.target.name}/.\n{_MANIFEST_LINE}{manifest}\n")
        _remove_own_partial(self.target)
        partial = _partial_name(self.target)
        if os.path.lexists(partial):  # a folder of that name that is not this tool's: keep both
            partial = _free_name(partial)
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
