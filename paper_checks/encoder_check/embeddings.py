"""Embedding files for ``infonce-gauss check``: .npy, .npz, .safetensors, .pt and .csv, read in chunks.

:func:`open_embeddings` returns an :class:`EmbeddingMatrix`: an (n, d) matrix that is read from disk
only when sliced (``m[a:b]`` for rows, ``m[:, a:b]`` for columns, assembled from row chunks), so a
file far larger than memory is processed with bounded memory. Raw C-order data (.npy, uncompressed
.npz members, .safetensors) is memory-mapped one read at a time at its byte offset: no copy is made,
and only the rows the caller holds stay resident. A compressed .npz member and a .csv file are first
streamed into a temporary raw file (one pass). A .csv file may start with a header and pandas' row-index column
(:func:`_csv_layout`). ``.pt`` needs torch (imported only then) and is
memory-mapped by ``torch.load(mmap=True)``. safetensors is parsed directly (an 8-byte header length,
a JSON header, raw little-endian data), so the ``safetensors`` package is not needed.

Every failure to read raises a ``ValueError`` that names the file and what to do.
"""

from __future__ import annotations

import itertools
import json
import math
import shutil
import struct
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from infonce_gauss.simulations.files import load_torch_file

__all__ = ["EmbeddingMatrix", "open_embeddings", "as_matrix", "widened_tensor", "Scan", "scan", "bad_rows_text", "load_vector", "label_vector", "load_trace",
           "SUFFIXES", "CHUNK_BYTES", "SCALE_RANGE", "TINY"]

SUFFIXES = (".npy", ".npz", ".pt", ".pth", ".csv", ".safetensors")
CHUNK_BYTES = 64 * 2**20
_TEXT_ENCODING = "utf-8-sig"  # UTF-8, with the byte-order mark Excel writes at the start of a CSV accepted
_SAFETENSORS_DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "BF16": "bf16",
                       "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1", "U8": "u1"}


@dataclass
class EmbeddingMatrix:
    """An (n, d) numeric matrix read lazily from a file (or wrapping an in-memory array).

    Slicing returns float arrays: ``m[a:b]`` rows a..b-1, ``m[:, a:b]`` columns (read chunk by chunk),
    ``m[a:b, c:e]`` both. float16/bfloat16/integers are widened to float32, float64 stays float64.
    """

    source: str
    shape: tuple[int, int]
    dtype: np.dtype
    _reader: object = field(repr=False)
    _keep: list = field(default_factory=list, repr=False)  # open temporary files kept alive
    scale: float = 1.0  # a power of two every value read is multiplied by (set by :func:`scan`)

    @property
    def nbytes(self) -> int:
        return self.shape[0] * self.shape[1] * self.dtype.itemsize

    @property
    def out_dtype(self) -> np.dtype:
        return np.dtype(np.float64) if self.dtype == np.float64 else np.dtype(np.float32)

    def rows(self, start: int, stop: int) -> np.ndarray:
        start, stop = max(0, start), min(self.shape[0], stop)
        out = np.asarray(self._reader(start, stop), dtype=self.out_dtype)
        return out if self.scale == 1 else out * self.out_dtype.type(self.scale)

    def chunk_rows(self) -> int:
        """Rows per read: about ``CHUNK_BYTES`` of float64."""
        return max(1, CHUNK_BYTES // max(1, self.shape[1] * 8))

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, key):
        rows, cols = (key, slice(None)) if not isinstance(key, tuple) else key
        if not isinstance(rows, slice) or not isinstance(cols, slice) or rows.step not in (None, 1):
            raise TypeError("an EmbeddingMatrix is sliced with contiguous slices only, e.g. m[a:b] or m[:, a:b].")
        start, stop, _ = rows.indices(self.shape[0])
        if cols == slice(None):
            return self.rows(start, stop)
        step = self.chunk_rows()
        return np.concatenate([self.rows(a, min(a + step, stop))[:, cols] for a in range(start, stop, step)]
                              or [np.empty((0, len(range(*cols.indices(self.shape[1])))), self.out_dtype)])


SCALE_RANGE = (2.0**-32, 2.0**32)
TINY = 2.0**-100


class Scan:
    """The running part of :func:`scan`, fed chunk by chunk in row order (so another pass can carry it)."""

    def __init__(self, n: int, d: int):
        self.finite = np.zeros(n, dtype=bool)
        self.row_max = np.zeros(n)
        self.lo, self.hi = np.full(d, np.inf), np.full(d, -np.inf)
        self.rows = 0
        self.tiny = 0.0  # the least normal number of the rows' dtype

    def add(self, chunk: np.ndarray) -> None:
        a, b = self.rows, self.rows + chunk.shape[0]
        self.tiny = float(np.finfo(chunk.dtype).tiny)
        top = np.maximum(chunk.max(axis=1, initial=-np.inf), -chunk.min(axis=1, initial=np.inf))  # NaN propagates
        ok = np.isfinite(top)
        self.finite[a:b] = ok
        self.row_max[a:b] = np.where(ok, top, 0.0)
        usable = ok & (self.row_max[a:b] > 0)
        good = chunk if usable.all() else chunk[usable]
        if good.size:
            self.lo = np.minimum(self.lo, good.min(axis=0))
            self.hi = np.maximum(self.hi, good.max(axis=0))
        self.rows = b

    def result(self) -> dict:
        """What :func:`scan` returns."""
        finite, row_max = self.finite, self.row_max
        top = float(row_max.max(initial=0.0))
        subnormal = 0 < top < self.tiny
        scale = 2.0 ** -math.frexp(top)[1] if top > 0 and not subnormal and not SCALE_RANGE[0] <= top <= SCALE_RANGE[1] else 1.0
        zero = finite & (row_max == 0)
        tiny = finite & ~zero & (row_max * scale < TINY)
        return {"bad": ~finite | zero | tiny, "nonfinite_rows": int((~finite).sum()), "zero_rows": int(zero.sum()),
                "tiny_rows": int(tiny.sum()), "constant": np.flatnonzero(self.lo >= self.hi), "scale": scale,
                "max_abs": top, "max_abs_row": int(row_max.argmax()), "subnormal": subnormal}


def scan(x: EmbeddingMatrix) -> dict:
    r"""One pass over the rows: NaN/inf and zero rows, constant columns, and a safe scale.

    The battery's statistics are scale-invariant, but squares of entries near 1e300 overflow and of
    entries near 1e-200 underflow (in float32 column blocks far sooner). When the largest finite
    :math:`|x_{ij}|` lies outside :data:`SCALE_RANGE`, ``x.scale`` is set to the power of two that brings
    it into [1/2, 1) (exact: only exponents change). A row whose largest entry is then below
    :data:`TINY` is numerically zero beside the largest (its squared norm would underflow) and counts
    as a zero row (``tiny_rows``). A largest entry below the least normal number of the rows' dtype (every entry
    subnormal: no encoder's output, and the scale would overflow) is left unscaled and flagged ``subnormal``;
    :func:`~infonce_gauss.encoder_check.streaming.validate` refuses such input.

    Returns
    -------
    dict
        ``bad`` (boolean mask of unusable rows), ``nonfinite_rows``, ``zero_rows``, ``tiny_rows``,
        ``constant`` (indices of constant columns over the usable rows), ``scale``, ``max_abs`` and
        ``max_abs_row`` (the largest finite entry and its row), ``subnormal``.
    """
    x.scale = 1.0
    running = Scan(*x.shape)
    step = x.chunk_rows()
    for a in range(0, x.shape[0], step):
        running.add(x.rows(a, a + step))
    info = running.result()
    x.scale = info["scale"]
    return info


def bad_rows_text(info: dict, source: str) -> str:
    """What :func:`scan` found wrong with the rows of ``source``, in words."""
    text = f"{source}: {info['nonfinite_rows']} with NaN/inf, {info['zero_rows']} all zero"
    if info["tiny_rows"]:
        text += (f", {info['tiny_rows']} numerically zero beside its largest entry {info['max_abs']:.3g} "
                 f"(row {info['max_abs_row']}; a range of magnitudes beyond floating point, perhaps a corrupt row)")
    return text


def _raw_reader(path: Path, offset: int, shape, dtype: np.dtype):
    """Rows [a, b) of a C-order matrix stored at ``offset`` in ``path``, memory-mapped for that read only
    (so no copy is made, and the pages leave the process's resident memory when the caller drops the
    rows); bf16 is widened to float32. A file shorter than its header says is refused here."""
    bf16 = dtype == np.dtype("V2")
    store = np.dtype("<u2") if bf16 else dtype
    row_bytes = shape[1] * store.itemsize
    if path.stat().st_size < offset + shape[0] * row_bytes:
        raise ValueError(f"{path} is truncated: expected {shape[0]} rows of {row_bytes} bytes after byte {offset}, "
                         f"the file has {path.stat().st_size} bytes; write it again.")

    def read(a: int, b: int) -> np.ndarray:
        if b <= a:
            return np.empty((0, shape[1]), dtype=np.float32 if bf16 else store)
        out = np.asarray(np.memmap(path, dtype=store, mode="r", offset=offset + a * row_bytes, shape=(b - a, shape[1])))
        return (out.astype(np.uint32) << 16).view(np.float32) if bf16 else out

    return read


def _check_matrix(shape, dtype, source: str) -> tuple[int, int]:
    if len(shape) != 2:
        raise ValueError(f"{source}: expected an n × d matrix of embeddings (one row per sample), got shape "
                         f"{tuple(shape)}; reshape it to 2-D first.")
    if np.dtype(dtype).kind not in "fiuV":
        raise ValueError(f"{source}: expected numbers, got dtype {dtype}.")
    n, d = (int(s) for s in shape)
    if n < 1:
        raise ValueError(f"{source} holds no rows.")
    if d < 2:
        raise ValueError(f"{source}: embeddings need d >= 2 columns (a direction on a sphere), got d = {d}.")
    return n, d


def _check_numbers(dtype: np.dtype, source: str) -> None:
    """A ValueError unless a stored array's ``dtype`` holds plain numbers (not Python objects, records or raw bytes)."""
    if dtype.hasobject:
        raise ValueError(f"{source} holds Python objects, not numbers; save a numeric array.")
    if dtype.kind == "V":
        kind = f"records with the fields {', '.join(dtype.names)}" if dtype.names else "raw bytes"
        raise ValueError(f"{source} holds {kind} (dtype {dtype}), not numbers; save a plain numeric n × d array "
                         "(for records: numpy.lib.recfunctions.structured_to_unstructured).")


def _npy_header(fh) -> tuple[tuple, bool, np.dtype]:
    version = np.lib.format.read_magic(fh)
    reader = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
    if version not in reader:
        raise ValueError(f"unsupported .npy version {version}.")
    shape, fortran, dtype = reader[version](fh)
    return shape, fortran, dtype


def widened_tensor(x, name: str = "tensor"):
    """The tensor ``x`` detached from its graph, float16/bfloat16 widened to float32 (the statistics need at
    least float32's digits); a ValueError naming ``name`` for a tensor without values to read (on the ``meta``
    device) or not dense (sparse layouts)."""
    import torch  # only tensors come here

    if x.device.type == "meta":
        raise ValueError(f"{name} is a tensor on the 'meta' device, which holds shapes but no values; pass the "
                         "materialized tensor (e.g. after loading the weights and running the encoder).")
    if x.layout != torch.strided:
        raise ValueError(f"{name} is a {x.layout} tensor; pass a dense one (tensor.to_dense()).")
    x = x.detach()
    return x.float() if x.dtype.is_floating_point and x.element_size() < 4 else x


def as_matrix(array, source: str = "array") -> EmbeddingMatrix:
    """Wrap an in-memory (n, d) array (no copy) so that it reads like a file."""
    return _from_array(np.asarray(array), source)


def _from_array(array: np.ndarray, source: str, keep=()) -> EmbeddingMatrix:
    shape = _check_matrix(array.shape, array.dtype, source)
    return EmbeddingMatrix(source, shape, np.dtype(array.dtype), lambda a, b: array[a:b], list(keep))


def _open_npy_at(path: Path, offset: int, source: str, keep=()) -> EmbeddingMatrix:
    with open(path, "rb") as fh:
        fh.seek(offset)
        shape, fortran, dtype = _npy_header(fh)
        data_offset = fh.tell()
    _check_numbers(dtype, source)
    if fortran and len(shape) == 2:  # columns are contiguous: fall back to numpy's memory map
        return _from_array(np.memmap(path, dtype=dtype, mode="r", offset=data_offset, shape=shape, order="F"), source, keep)
    shape = _check_matrix(shape, dtype, source)
    return EmbeddingMatrix(source, shape, dtype, _raw_reader(path, data_offset, shape, dtype), list(keep))


def _pick(names, key: str | None, source, what: str = "array") -> str:
    """``key`` if it names one of ``names``, or the only name when ``key`` is None; else a ValueError."""
    names = [str(n) for n in names]
    if key is None:
        if len(names) != 1:
            raise ValueError(f"{source} holds {len(names)} {what}s ({', '.join(names)}); choose one with --key.")
        return names[0]
    if key not in names:
        raise ValueError(f"{source} has no {what} {key!r}; it holds: {', '.join(names)}.")
    return key


def _npz_member(zf: zipfile.ZipFile, key: str | None, source: str) -> zipfile.ZipInfo:
    return zf.getinfo(_pick([n[:-4] for n in zf.namelist() if n.endswith(".npy")], key, source) + ".npy")


def _open_npz(path: Path, key: str | None) -> EmbeddingMatrix:
    with zipfile.ZipFile(path) as zf:
        info = _npz_member(zf, key, str(path))
        source = f"{path}:{info.filename[:-4]}"
        if info.compress_type == zipfile.ZIP_STORED:
            with open(path, "rb") as fh:
                fh.seek(info.header_offset)
                local = fh.read(30)
                name_len, extra_len = struct.unpack("<HH", local[26:30])
            return _open_npy_at(path, info.header_offset + 30 + name_len + extra_len, source)
        _check_inflatable(zf, info, source)
        tmp = tempfile.NamedTemporaryFile(prefix="infonce-gauss-", suffix=".npy")
        with zf.open(info) as member:
            while block := member.read(CHUNK_BYTES):
                tmp.write(block)
        tmp.flush()
    return _open_npy_at(Path(tmp.name), 0, source, keep=[tmp])


def _member_header(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[tuple, np.dtype, int]:
    """The shape and dtype a .npz member's .npy header declares, and the header's length in bytes, read from the
    start of the (decompressed) stream: only the header is inflated."""
    with zf.open(info) as member:
        shape, _, dtype = _npy_header(member)
        return shape, dtype, member.tell()


def _check_inflatable(zf: zipfile.ZipFile, info: zipfile.ZipInfo, source: str) -> None:
    """Before a compressed .npz member is inflated into the temporary folder: a ValueError unless its header
    declares a numeric n × d matrix whose size is the zip's declared size of the member and fits the free space
    of the temporary folder (so a small file declaring a huge array writes nothing large)."""
    shape, dtype, header = _member_header(zf, info)
    _check_numbers(dtype, source)
    n, d = _check_matrix(shape, dtype, source)
    size = n * d * dtype.itemsize
    if header + size != info.file_size:
        raise ValueError(f"{source}: its header declares a {n} × {d} {dtype} array ({size} bytes) but the archive "
                         f"declares {info.file_size - header} bytes of data; the file is corrupt, write it again.")
    free = shutil.disk_usage(tempfile.gettempdir()).free
    if size > free:
        raise ValueError(f"{source} is compressed and would inflate to {size / 2**30:.3g} GiB in the temporary "
                         f"folder {tempfile.gettempdir()} ({free / 2**30:.3g} GiB free); save it with numpy.savez "
                         "(uncompressed members are read in place) or point TMPDIR at a larger disk.")


def _open_safetensors(path: Path, key: str | None) -> EmbeddingMatrix:
    with open(path, "rb") as fh:
        raw = fh.read(8)
        if len(raw) != 8:
            raise ValueError("the file is too short for a safetensors header.")
        (length,) = struct.unpack("<Q", raw)
        if length > 100 * 2**20:
            raise ValueError(f"implausible safetensors header length {length}; is this a safetensors file?")
        try:
            header = json.loads(fh.read(length).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"its header is not UTF-8 JSON ({_reason(exc)}); is this a safetensors file?") from None
    if not isinstance(header, dict):
        raise ValueError(f"its header is a JSON {type(header).__name__}, not an object of tensors; is this a safetensors file?")
    tensors = {k: v for k, v in header.items() if k != "__metadata__"}
    key = _pick(tensors, key, path, "tensor")
    source = f"{path}:{key}"
    spec = _safetensors_spec(tensors[key], source)
    if spec["dtype"] not in _SAFETENSORS_DTYPES:
        raise ValueError(f"{path}:{key} has dtype {spec['dtype']}; supported: {', '.join(_SAFETENSORS_DTYPES)}.")
    code = _SAFETENSORS_DTYPES[spec["dtype"]]
    dtype = np.dtype("V2") if code == "bf16" else np.dtype(code)
    shape = _check_matrix(spec["shape"], dtype, source)
    begin, end = spec["data_offsets"]
    if end - begin != shape[0] * shape[1] * dtype.itemsize:
        raise ValueError(f"{source}: data_offsets do not match shape {shape} and dtype {spec['dtype']}.")
    return EmbeddingMatrix(source, shape, np.dtype(np.float32) if code == "bf16" else dtype,
                           _raw_reader(path, 8 + length + begin, shape, dtype))


def _safetensors_spec(spec, source: str) -> dict:
    """A safetensors header's entry of one tensor, checked to be ``{"dtype": str, "shape": [int, ...],
    "data_offsets": [begin, end]}`` with 0 <= begin <= end; else a ValueError saying which field is malformed."""
    def counts(value, length=None) -> bool:
        return (isinstance(value, list) and (length is None or len(value) == length)
                and all(type(v) is int and v >= 0 for v in value))

    fields = {"dtype": lambda v: isinstance(v, str), "shape": counts,
              "data_offsets": lambda v: counts(v, 2) and v[0] <= v[1]}
    bad = [name for name, ok in fields.items() if not isinstance(spec, dict) or not ok(spec.get(name))]
    if bad:
        raise ValueError(f"{source}: malformed safetensors header entry ({', '.join(bad)} missing or invalid: "
                         f"{str(spec)[:120]}); write the file again.")
    return spec


def _open_pt(path: Path, key: str | None) -> EmbeddingMatrix:
    import torch  # only .pt files need torch

    obj = _torch_load(path, mmap=True)
    if isinstance(obj, dict):
        tensors = {str(k): v for k, v in obj.items() if isinstance(v, torch.Tensor)}
        key = _pick(tensors, key, path, "tensor")
        obj, source = tensors[key], f"{path}:{key}"
    else:
        source = str(path)
    if not isinstance(obj, torch.Tensor):
        raise ValueError(f"{path} holds a {type(obj).__name__}, not a tensor or a dict of tensors.")
    tensor = widened_tensor(obj, source)
    return _from_array(tensor.numpy(), source, keep=[tensor])


def _torch_load(path: Path, *, mmap: bool = False):
    """``torch.load(path)`` on the CPU with ``weights_only=True`` (:func:`~infonce_gauss.simulations.files.load_torch_file`:
    a file never runs code); a ValueError for a file holding objects beyond tensors and plain containers."""
    return load_torch_file(path, what="a tensor file that torch.load(weights_only=True) reads", mmap=mmap,
                           remedy="save the tensor itself (torch.save(tensor, path)); other Python objects could run code "
                                  "when loaded")


def _open_csv(path: Path) -> EmbeddingMatrix:
    """A CSV of numbers, one row per line (blank lines skipped, an Excel byte-order mark accepted), read into a
    temporary raw float64 file; its first line may be a header and its first column pandas' row index
    (:func:`_csv_layout`)."""
    tmp = tempfile.NamedTemporaryFile(prefix="infonce-gauss-", suffix=".f8")
    n, d, batch = 0, None, []
    with open(path, encoding=_TEXT_ENCODING) as fh:
        lines = ((no, line) for no, line in enumerate(fh, start=1) if line.strip())
        head = list(itertools.islice(lines, 2))
        header, skip = _csv_layout([line for _, line in head])
        for line_no, line in itertools.chain(head[header:], lines):
            row = _csv_row(line, line_no, skip)
            d = row.size if d is None else d
            if row.size != d:
                raise ValueError(f"line {line_no} has {row.size} values where the lines before it have {d}: rows have "
                                 "different numbers of columns; every row needs one value per column.")
            batch.append(row)
            if len(batch) >= 8192:
                n += _flush_csv(tmp, batch)
        n += _flush_csv(tmp, batch)
    tmp.flush()
    if n == 0:
        raise ValueError("no rows of numbers found.")
    shape = _check_matrix((n, d), np.float64, str(path))
    return EmbeddingMatrix(str(path), shape, np.dtype(np.float64), _raw_reader(Path(tmp.name), 0, shape, np.dtype("<f8")), [tmp])


def _is_number(cell: str, kind: type = float) -> bool:
    """Whether ``cell`` reads as a number of ``kind`` (float, or int for an integer)."""
    try:
        kind(cell)
    except ValueError:
        return False
    return True


def _csv_layout(head: list[str]) -> tuple[bool, int]:
    """Whether the first of the first two lines ``head`` is a header, and how many leading columns are row labels.

    The first line is a header when none of its cells is a number (so a bad cell cannot eat a data row), or when
    its cells are the integers 0, 1, …, d−1, pandas' default column names, and the next line is not integers too
    (an integer matrix whose first row happens to be 0, 1, …, d−1 stays data). A header whose first cell is empty
    is pandas' ``to_csv`` with its row index: the first column of every line is that index and is dropped."""
    if not head:
        return False, 0
    cells = [cell.strip() for cell in head[0].split(",")]
    index = int(cells[0] == "" and len(cells) > 1)
    names = cells[index:]
    below = [cell.strip() for cell in head[1].split(",")[index:]] if len(head) > 1 else []
    numbered = names == [str(i) for i in range(len(names))] and not all(_is_number(cell, int) for cell in below)
    header = numbered or not any(map(_is_number, names))
    return header, index if header else 0


def _csv_row(line: str, line_no: int, skip: int) -> np.ndarray:
    """The numbers of one CSV line after its first ``skip`` cells (row labels); a ValueError naming the line and cell."""
    cells = line.split(",")[skip:]
    try:
        return np.array(cells, dtype=np.float64)
    except ValueError:
        bad = next(i for i, cell in enumerate(cells) if not _is_number(cell))
        raise ValueError(f"line {line_no} is not a row of numbers (column {bad + skip + 1}: {cells[bad].strip()[:30]!r}); "
                         f"a header line, if any, must have no numeric cell.") from None


def _flush_csv(tmp, batch: list) -> int:
    """Append the rows of ``batch`` to ``tmp`` as raw float64, empty the batch, and return how many there were."""
    if batch:
        tmp.write(np.vstack(batch).astype("<f8").tobytes())
    count = len(batch)
    batch.clear()
    return count


def open_embeddings(path, *, key: str | None = None) -> EmbeddingMatrix:
    """Open an (n, d) embedding file (see the module docstring); ``key`` picks an array in .npz/.safetensors/.pt."""
    path = Path(path)
    suffix = path.suffix.lower()
    if path.is_dir():
        raise ValueError(f"{path} is a folder; name the embedding file inside it ({', '.join(SUFFIXES)}).")
    if suffix not in SUFFIXES:
        raise ValueError(f"{path}: unknown file type {suffix or '(none)'}; use one of {', '.join(SUFFIXES)}.")
    _check_file(path, suffix)
    try:
        if suffix == ".npy":
            return _open_npy_at(path, 0, str(path))
        if suffix == ".npz":
            return _open_npz(path, key)
        if suffix == ".safetensors":
            return _open_safetensors(path, key)
        if suffix == ".csv":
            return _open_csv(path)
        return _open_pt(path, key)
    except ValueError as exc:
        msg = str(exc)
        raise ValueError(msg if msg.startswith(str(path)) else f"{path}: {msg}") from None
    except _READ_ERRORS as exc:
        raise ValueError(f"{path}: could not read it as {suffix} ({_reason(exc)}).") from None


# what a file that is not what its name says raises while it is parsed (a ValueError says so itself)
_READ_ERRORS = (OSError, EOFError, zipfile.BadZipFile, json.JSONDecodeError, UnicodeDecodeError, RuntimeError, KeyError,
                AttributeError, struct.error)


def _reason(exc: BaseException) -> str:
    """An exception in one line: its type and the first line of its message."""
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0] if lines else ''}"


# the first bytes of each binary format: .npy's magic string; a zip archive (.npz; .pt since torch 1.6);
# a pickle (legacy .pt)
_MAGIC = {".npy": (b"\x93NUMPY",), ".npz": (b"PK",), ".pt": (b"PK", b"\x80"), ".pth": (b"PK", b"\x80")}
_WRITER = {".npy": "numpy.save", ".npz": "numpy.savez", ".pt": "torch.save", ".pth": "torch.save"}


def _check_file(path: Path, suffix: str) -> None:
    """A ValueError naming what is wrong with ``path`` when it is missing, empty or not of its suffix's format."""
    if not path.exists():
        raise ValueError(f"{path}: no such file.")
    if not path.is_file():
        raise ValueError(f"{path} is not a regular file (a pipe, socket or device); save the data to a file and "
                         "pass its path.")
    if path.stat().st_size == 0:
        raise ValueError(f"{path} is empty (0 bytes); was it written completely?")
    if suffix in _MAGIC:
        with open(path, "rb") as fh:
            head = fh.read(8)
        if not head.startswith(_MAGIC[suffix]):
            raise ValueError(f"{path} is not a {suffix} file: it does not start like one written by "
                             f"{_WRITER[suffix]} (first bytes {head!r}); check the file, or rename it to its real type.")


def load_vector(path, *, length: int, key: str | None = None) -> np.ndarray:
    """A 1-D array of ``length`` entries (e.g. class labels) from .npy/.npz/.csv/.txt/.pt; strings allowed."""
    path = Path(path)
    suffix = path.suffix.lower()
    if path.is_dir():
        raise ValueError(f"{path} is a folder; name the file inside it.")
    _check_file(path, suffix)
    try:
        if suffix in (".csv", ".txt"):
            values = np.array([line.strip() for line in path.read_text(encoding=_TEXT_ENCODING).splitlines() if line.strip()])
            if values.size == length + 1:  # a header line
                values = values[1:]
        elif suffix == ".npz":
            with zipfile.ZipFile(path) as zf:
                info = _npz_member(zf, key, "it")
                _check_length(_member_header(zf, info)[0], length)
            with np.load(path) as data:
                values = data[info.filename[:-4]]
        elif suffix in (".pt", ".pth"):
            values = _torch_load(path).numpy()
        elif suffix == ".npy":
            with open(path, "rb") as fh:
                _check_length(_npy_header(fh)[0], length)
            values = np.load(path, allow_pickle=False)
        else:
            raise ValueError(f"unknown file type {suffix or '(none)'}; use .npy, .npz, .csv, .txt or .pt.")
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
    except _READ_ERRORS as exc:
        raise ValueError(f"{path}: could not read it ({_reason(exc)}).") from None
    return label_vector(values, length=length, source=str(path))


def label_vector(values, *, length: int, source: str) -> np.ndarray:
    """``values`` as a 1-D array of ``length`` entries, one per embedding row (a (length, 1) or (1, length) column or
    row is flattened); else a ValueError naming ``source`` and the shape."""
    values = np.asarray(values)
    if values.ndim == 2 and 1 in values.shape:
        values = values.reshape(-1)
    if values.ndim != 1 or values.size != length:
        raise ValueError(f"{source}: expected {length} entries, one label per row of the embeddings (a 1-D array), got "
                         f"shape {values.shape}.")
    return values


def _check_length(shape: tuple, length: int) -> None:
    """A ValueError unless a stored array's declared ``shape`` holds ``length`` entries (checked before it is read)."""
    if math.prod(shape) != length:
        raise ValueError(f"expected {length} entries, one per embedding row, but the file declares shape {tuple(shape)}.")


def load_trace(path, *, run: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """An alignment-vs-epoch training trace from a CSV with columns ``epoch`` and ``alignment``.

    ``train``'s ``diagnostics.csv`` qualifies; where a ``run`` column names several runs, ``run`` picks
    one. Returns (epochs, alignment) sorted by epoch.
    """
    import csv

    path = Path(path)
    try:
        with path.open(newline="", encoding=_TEXT_ENCODING) as fh:
            reader = csv.DictReader(fh)
            rows = [(reader.line_num, row) for row in reader]
            columns = reader.fieldnames or ()
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ValueError(f"{path}: could not read the trace ({type(exc).__name__}: {exc}).") from None
    missing = {"epoch", "alignment"} - set(columns)
    if missing:
        raise ValueError(f"{path}: a trace needs the CSV columns 'epoch' and 'alignment' (one row per evaluation); "
                         f"missing {sorted(missing)}.")
    runs = sorted({r.get("run", "") for _, r in rows})
    if run is not None:
        rows = [(line, r) for line, r in rows if r.get("run") == run]
        if not rows:
            raise ValueError(f"{path}: no rows of run {run!r}; its runs are {runs}.")
    elif len(runs) > 1:
        raise ValueError(f"{path}: the trace holds {len(runs)} runs {runs}; pick one with --trace-run.")
    if not rows:
        raise ValueError(f"{path}: the trace has its header but no rows; give one row per evaluation.")
    pairs = sorted(_trace_row(path, line, r) for line, r in rows)
    epochs, alignment = (np.array(v) for v in zip(*pairs))
    return epochs, alignment


def _trace_row(path: Path, line: int, row: dict) -> tuple[float, float]:
    """(epoch, alignment) of one trace row; a ValueError naming the line when a value is missing or not a number."""
    try:
        return float(row["epoch"]), float(row["alignment"])
    except (TypeError, ValueError):
        raise ValueError(f"{path}: line {line} needs numbers in the columns epoch and alignment, got "
                         f"{row['epoch']!r} and {row['alignment']!r}.") from None
