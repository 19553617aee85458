"""Files on disk, written so that a crash never leaves a half-written file that looks complete, and pickles
read so that a file never runs code.

The bottom I/O layer of the suite: the training code (:mod:`~infonce_gauss.simulations.training`) and
the application (run folders, reports, tables) both write through :func:`atomic_write`. A file is
written under a hidden temporary name in its destination folder and renamed into place with
:func:`os.replace`, which is atomic on POSIX and Windows; its permissions follow the process umask like
any ``open(path, "w")`` (``tempfile.mkstemp`` alone would leave it ``0600``). :func:`process_umask` reads
that umask without changing it.

:func:`load_data_pickle` is the one reader of the pickles the suite must read (CIFAR-10's python batches):
a pickle names the functions that rebuild its objects, so a plain :func:`pickle.load` runs whatever a
file names; this reader admits only NumPy's array and dtype reconstruction. :func:`load_torch_file` reads
torch's ``.pt`` files (pickles too) with ``weights_only=True``: tensors and plain containers only.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import pickle
import tempfile
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np

__all__ = ["atomic_write", "atomic_write_bytes", "atomic_write_text", "replace_section", "to_jsonable", "write_json", "csv_text",
           "write_csv", "process_umask", "load_data_pickle", "load_torch_file"]


def _proc_umask() -> int | None:
    """The umask from ``/proc/self/status`` (Linux), None where the system does not report it there."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return None


def _umask_at_import() -> int:
    mask = _proc_umask()
    if mask is None:  # set and restored once, at import, before any thread of the suite runs
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


_UMASK_AT_IMPORT = _umask_at_import()


def process_umask() -> int:
    """The process umask, read without changing it.

    Linux reports it in ``/proc/self/status`` (the ``Umask:`` line); elsewhere the umask read once when this
    module was imported is returned (reading it with :func:`os.umask` means setting it, which would give the
    files other threads create meanwhile the wrong permissions).
    """
    mask = _proc_umask()
    return _UMASK_AT_IMPORT if mask is None else mask


def atomic_write(path: str | os.PathLike, write: Callable[[BinaryIO], object]) -> Path:
    """Call ``write(fh)`` on a temporary file beside ``path``, then rename it to ``path``.

    Parameters
    ----------
    path
        Destination; its folder is created if needed.
    write
        Writes the content to the binary file handle it is given (e.g. ``lambda fh: np.save(fh, a)``).

    Returns
    -------
    Path
        ``path``. On any exception (``KeyboardInterrupt`` included) the temporary file is removed and
        ``path`` is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        os.chmod(tmp, 0o666 & ~process_umask())
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_write`)."""
    return atomic_write(path, lambda fh: fh.write(data))


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def to_jsonable(value):
    """numpy scalars/arrays, Paths and non-finite floats to plain JSON values (NaN/inf become strings)."""
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return to_jsonable(value.tolist())
    if isinstance(value, np.generic):
        return to_jsonable(value.item())
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, float) and not np.isfinite(value):
        return str(value)
    return value


def replace_section(path: str | os.PathLike, start: str, end: str, section: str) -> Path:
    """Rewrite the part of the text file ``path`` from the line ``start`` to the line ``end`` (markers included)
    with ``section`` (which carries the markers), atomically; a ValueError when the markers are missing."""
    text = Path(path).read_text(encoding="utf-8")
    if start not in text or end not in text:
        raise ValueError(f"{path} has no generated section; add the lines {start!r} and {end!r} where it goes.")
    head, rest = text.split(start, 1)
    return atomic_write_text(path, head + section + rest.split(end, 1)[1])


def write_json(path: str | os.PathLike, obj) -> Path:
    """``obj`` (through :func:`to_jsonable`) as indented JSON, atomically."""
    return atomic_write_text(path, json.dumps(to_jsonable(obj), indent=2, sort_keys=False) + "\n")


def csv_text(rows: Sequence[Mapping]) -> str:
    """A tidy table (list of dicts) as CSV text; the header is the union of keys in first-seen order."""
    fields = list(dict.fromkeys(key for row in rows for key in row))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: to_jsonable(v) for k, v in row.items()} for row in rows)
    return buf.getvalue()


def write_csv(path: str | os.PathLike, rows: Sequence[Mapping]) -> Path:
    """A tidy table as CSV, atomically; an empty table is refused (it would hide a bug upstream)."""
    if not rows:
        raise ValueError(f"refusing to write an empty table to {path}.")
    return atomic_write_text(path, csv_text(rows))


def _array_rebuilders() -> dict[tuple[str, str], object]:
    """The globals a pickled NumPy array names, under every module name NumPy has pickled them from."""
    reconstruct = np.ndarray.__reduce__(np.zeros(1))[0]       # protocols 0-4: _reconstruct(ndarray, shape, dtype)
    frombuffer = np.ndarray.__reduce_ex__(np.zeros(1), 5)[0]  # protocol 5: _frombuffer(buffer, dtype, shape, order)
    admitted = {("numpy", "ndarray"): np.ndarray, ("numpy", "dtype"): np.dtype,
                ("_codecs", "encode"): codecs.encode}  # Python 3's bytes at protocols 0-2
    for core in ("numpy.core", "numpy._core"):  # NumPy 1 and NumPy 2
        admitted[(f"{core}.multiarray", "_reconstruct")] = reconstruct
        admitted[(f"{core}.numeric", "_frombuffer")] = frombuffer
    return admitted


class _DataUnpickler(pickle.Unpickler):
    """An unpickler that rebuilds plain data (dicts, lists, bytes, numbers) and NumPy arrays, and nothing else."""

    _ADMITTED = _array_rebuilders()

    def find_class(self, module: str, name: str):
        try:
            return self._ADMITTED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"it names {module}.{name}, which a data pickle never holds") from None


def load_data_pickle(path: str | os.PathLike, *, encoding: str = "bytes"):
    """Read the pickle ``path`` holding only plain data and NumPy arrays (e.g. a CIFAR-10 python batch).

    Parameters
    ----------
    path
        The pickle file.
    encoding
        How Python 2 strings are decoded (``"bytes"`` keeps them bytes, as CIFAR-10's keys ``b'data'`` are).

    Returns
    -------
    object
        The unpickled data.

    Raises
    ------
    ValueError
        When the file names any other global (a class or function a pickle would call: the way a pickle runs
        code) or is not a pickle at all; nothing it names is called.
    """
    with open(path, "rb") as fh:
        try:
            return _DataUnpickler(fh, encoding=encoding).load()
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError, IndexError, KeyError, AttributeError,
                OverflowError) as exc:
            raise ValueError(f"{path} is not a plain data pickle ({exc}); refusing to read it, since a pickle can "
                             "run code: replace it with the original file.") from None


def _torch_reason(exc: BaseException) -> str:
    """The line of torch's (several-paragraph) load error that says what was wrong with the file."""
    boilerplate = ("Weights only load failed", "Check the documentation", "Please file an issue")
    lines = [line.strip() for line in str(exc).splitlines() if line.strip() and not line.startswith(boilerplate)]
    return lines[-1].rstrip(".:") if lines else f"{type(exc).__name__}: empty or truncated"


def load_torch_file(path: str | os.PathLike, *, what: str, remedy: str, mmap: bool = False):
    """Read the torch file ``path`` (``torch.save``'s format) with ``weights_only=True``, onto the CPU.

    Parameters
    ----------
    path
        The file.
    what, remedy
        What the file should be and what to do when it is not, for the error message
        (``"{path} is not {what} (why); {remedy}"``).
    mmap
        Memory-map the tensors' storage instead of reading it (large embedding files).

    Raises
    ------
    ValueError
        When the file is corrupt or names anything but tensors and plain containers (a planted pickle): torch's
        restricted unpickler refuses it before anything it names runs.
    """
    import torch

    with open(path, "rb") as fh, warnings.catch_warnings():  # a file that cannot be opened is the system's error
        warnings.simplefilter("ignore", UserWarning)  # torch's note on a foreign pickle protocol: the error says it
        try:
            return torch.load(os.fspath(path) if mmap else fh, map_location="cpu", weights_only=True, mmap=mmap)
        except (pickle.UnpicklingError, RuntimeError, EOFError, OSError, ValueError, TypeError, KeyError,
                AttributeError, IndexError, OverflowError) as exc:
            raise ValueError(f"{path} is not {what} ({_torch_reason(exc)}); {remedy}") from None
