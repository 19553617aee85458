"""Files on disk, written so that a crash never leaves a half-written file that looks complete.

The bottom I/O layer of the suite: the training code (:mod:`~infonce_gauss.simulations.training`) and
the application (run folders, reports, tables) both write through :func:`atomic_write`. A file is
written under a hidden temporary name in its destination folder and renamed into place with
:func:`os.replace`, which is atomic on POSIX and Windows; its permissions follow the process umask like
any ``open(path, "w")`` (``tempfile.mkstemp`` alone would leave it ``0600``).
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np

__all__ = ["atomic_write", "atomic_write_bytes", "atomic_write_text", "replace_section", "to_jsonable", "write_json", "csv_text",
           "write_csv"]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


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
        os.chmod(tmp, 0o666 & ~_umask())
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
