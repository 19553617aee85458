"""Reading and streaming for the check: the input as an :class:`EmbeddingMatrix`, the rows kept, and the
passes over them.

Every pass reads the rows in chunks (``EmbeddingMatrix.chunk_rows``), so a file far larger than
memory is checked with memory bounded by ``memory_mb`` plus O(n) vectors and O(d²) matrices:

* :func:`scan_and_accumulate`: the sufficient statistics of the moment-based assumptions
  (:class:`~infonce_gauss.simulations.moments.Moments`) and, in the same pass, the input's scan
  (:class:`~infonce_gauss.encoder_check.embeddings.Scan`: rows with NaN/inf or zero norm, constant columns,
  the scale that keeps extreme magnitudes finite); only when the scan finds something to drop or
  rescale is the pass repeated on what is kept (:func:`accumulate`);
* :func:`column_blocks`: (columns × n) float32 blocks for the per-coordinate tests, one read per block,
  each column centred (its mean from the moments pass subtracted in the rows' own precision) before it is
  narrowed to float32, so that a large common offset does not round away a small spread.

A torch tensor on an accelerator stays there (:func:`infonce_gauss.encoder_check.torch_backend.as_input` wraps it
in a :class:`~infonce_gauss.encoder_check.torch_backend.TensorMatrix`), and :func:`backend` gives the functions
that run where the input lives: NumPy's here, or their mirrors in :mod:`~infonce_gauss.encoder_check.torch_backend`.

A chunk is copied only where it must be: files are memory-mapped a chunk at a time, rows are masked
only when some are dropped, and columns are sliced (a view) rather than gathered when none is dropped.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from infonce_gauss.encoder_check.embeddings import (EmbeddingMatrix, Scan, as_matrix, bad_rows_text, open_embeddings,
                                              widened_tensor)
from infonce_gauss.simulations.device import is_tensor
from infonce_gauss.simulations import univariate
from infonce_gauss.simulations.moments import Moments

__all__ = ["as_input", "backend", "NUMPY", "validate", "scan_and_accumulate", "accumulate", "block_width", "transposed_block",
           "column_blocks", "kept_rows"]


def as_input(x, name: str, *, key: str | None = None) -> EmbeddingMatrix:
    """``x`` as an :class:`EmbeddingMatrix`: an EmbeddingMatrix, a path, a NumPy (or memory-mapped) array,
    or a torch tensor (moved to the CPU; float16/bfloat16 widened to float32). A tensor whose statistics
    run on its device is read by :func:`~infonce_gauss.encoder_check.torch_backend.as_input` instead."""
    if isinstance(x, EmbeddingMatrix):
        return x
    if isinstance(x, (str, bytes)) or hasattr(x, "__fspath__"):
        return open_embeddings(x, key=key)
    if is_tensor(x):
        x = widened_tensor(x, name).cpu().numpy()
    arr = np.asarray(x)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be an n × d array (one row per sample), got shape {arr.shape}.")
    return as_matrix(arr, name)


def backend(x):
    """The functions the statistics of ``x`` run with where its rows live: ``x.backend`` for a matrix on a
    device (a :class:`~infonce_gauss.encoder_check.torch_backend.TensorMatrix`: the module
    :mod:`~infonce_gauss.encoder_check.torch_backend`), else NumPy's: this module's :class:`Scan`, :func:`kept_rows`,
    :func:`column_blocks`, and :func:`~infonce_gauss.simulations.univariate.coordinate_tests`.
    Both also have ``host(a)`` (an array as NumPy's), ``put(a, like)`` (a NumPy array where ``like`` lives)
    and ``host_matrix(x)`` (x read as NumPy)."""
    return getattr(x, "backend", NUMPY)


def validate(x: EmbeddingMatrix, pos: EmbeddingMatrix | None, info: dict, pinfo: dict | None, *, drop_nonfinite: bool,
             drop_constant: bool) -> tuple[np.ndarray, np.ndarray, dict]:
    """The kept rows (boolean mask) and columns (indices), and a description of the input, from the scans
    ``info`` of x and ``pinfo`` of the positives; a ValueError that says what is wrong and which option drops it."""
    for matrix, scanned in ((x, info), (pos, pinfo)):
        if scanned is not None and scanned["subnormal"]:
            raise ValueError(f"{matrix.source}: every entry is subnormal (the largest is {scanned['max_abs']:.3g}): no "
                             "encoder's output; are these integers or another type read as floating point? Multiply "
                             "real data by a power of two first, in float64.")
    bad = info["bad"]
    described = {"source": x.source, "rows": x.shape[0], "columns": x.shape[1], "nonfinite_rows": info["nonfinite_rows"],
                 "zero_rows": info["zero_rows"] + info["tiny_rows"], "rescaled_by": info["scale"]}
    faults = [bad_rows_text(info, x.source)] if bad.any() else []
    if pos is not None:
        described.update(positives_nonfinite_rows=pinfo["nonfinite_rows"],
                         positives_zero_rows=pinfo["zero_rows"] + pinfo["tiny_rows"])
        faults += [bad_rows_text(pinfo, pos.source)] if pinfo["bad"].any() else []
        bad = bad | pinfo["bad"]
    if bad.any() and not drop_nonfinite:
        raise ValueError(f"{int(bad.sum())} row(s) have NaN/inf values or zero norm ({'; '.join(faults)}; e.g. row "
                         f"{int(np.flatnonzero(bad)[0])}); pass --drop-nonfinite (drop_nonfinite=True) to drop them "
                         "(pairs are dropped together).")
    keep = ~bad
    n_kept = int(keep.sum())
    if n_kept < 20:
        raise ValueError(f"only {n_kept} usable row(s); the battery needs at least 20 (the coordinate tests' minimum).")
    constant = info["constant"]
    if constant.size and not drop_constant:
        raise ValueError(f"{constant.size} column(s) are constant (e.g. {constant[:5].tolist()}): dead dimensions, on which "
                         "the normality tests are undefined; pass --drop-constant (drop_constant=True) to drop them "
                         "(the report says how many).")
    cols = np.setdiff1d(np.arange(x.shape[1]), constant)
    if cols.size < 2:
        raise ValueError(f"only {cols.size} non-constant column(s) left; the battery needs d >= 2.")
    described.update(dropped_rows=int(bad.sum()), dropped_constant_columns=constant.tolist(), n=n_kept, d=int(cols.size))
    return keep, cols, described


def _take(chunk: np.ndarray, mask: np.ndarray, cols: np.ndarray | slice) -> np.ndarray:
    """Kept rows and columns of a chunk, copying only what is dropped (a slice of columns is a view)."""
    if not mask.all():
        chunk = chunk[mask]
    return chunk[:, cols]


def _columns(cols: np.ndarray, d: int) -> np.ndarray | slice:
    """A slice (a view when taken) where ``cols`` is a contiguous run, else the indices."""
    if cols.size and cols[-1] - cols[0] + 1 == cols.size:
        return slice(int(cols[0]), int(cols[-1]) + 1) if cols.size < d else slice(None)
    return cols


def kept_rows(x: EmbeddingMatrix, keep: np.ndarray, cols: np.ndarray, observe=None):
    """Yield float64 chunks of the kept rows and columns over the whole matrix (``observe(chunk)`` is first
    called on each chunk as read, e.g. :meth:`Scan.add`)."""
    step = x.chunk_rows()
    take = _columns(cols, x.shape[1])
    for a in range(0, x.shape[0], step):
        chunk = x.rows(a, a + step)
        if observe is not None:
            observe(chunk)
        yield np.asarray(_take(chunk, keep[a:a + chunk.shape[0]], take), dtype=np.float64)


def accumulate(x, pos, keep, cols, directions, sample_flag, codes, scans=None) -> tuple[Moments, dict]:
    """One pass over the kept rows (and their positives) collecting their
    :class:`~infonce_gauss.simulations.moments.Moments` (centred, with the pair means' sums and per-row
    records); returns them and the O(n) arrays ``norms``, ``projections`` (n × K) and ``sample`` (the
    subsampled rows). ``scans``: a :class:`Scan` for x and one for the positives (or None), fed every chunk as read."""
    xs, ps = scans or (None, None)
    ops = backend(x)
    m = Moments(directions=directions, size=int(keep.sum()), centre=True, pair_means=True)
    done = 0
    pos_rows = ops.kept_rows(pos, keep, cols, None if ps is None else ps.add) if pos is not None else None
    for z in ops.kept_rows(x, keep, cols, None if xs is None else xs.add):
        rows = z.shape[0]
        v = next(pos_rows) if pos_rows is not None else None
        m.add(z, v, codes=None if codes is None else codes[done:done + rows], sample=sample_flag[done:done + rows])
        done += rows
    m = m.host()
    arrays = {"norms": m.norms, "projections": m.projections, "sample": np.concatenate(m.sample)}
    m.norms = m.projections = m.sample = None  # one home for the O(n) arrays
    return m, arrays


def scan_and_accumulate(x, pos, directions, sample_flag, codes, *, drop_nonfinite: bool, drop_constant: bool):
    """:func:`accumulate` over every row and column with the input's scan in the same pass.

    Returns ``(keep, cols, described, moments)``: the kept rows and columns and the description of the
    input (:func:`validate`, which raises on unusable input), and ``(Moments, arrays)`` (:func:`accumulate`), or None when the
    scan found rows or columns to drop or a scale to apply (``x.scale`` is then set): the moments of
    this pass are then void, and the caller runs :func:`accumulate` again on what is kept.
    """
    ops = backend(x)
    scans = (ops.Scan(*x.shape), None if pos is None else ops.Scan(*pos.shape))
    x.scale = 1.0
    if pos is not None:
        pos.scale = 1.0
    keep_all = np.ones(x.shape[0], dtype=bool)
    with np.errstate(all="ignore"):  # NaN, zero or extreme rows void this pass's moments, found by the scan
        moments = accumulate(x, pos, keep_all, np.arange(x.shape[1]), directions, sample_flag, codes, scans)
    infos = [s.result() for s in scans if s is not None]
    for matrix, info in zip((x, pos), infos):
        matrix.scale = info["scale"]
    keep, cols, described = validate(x, pos, infos[0], infos[1] if pos is not None else None,
                                     drop_nonfinite=drop_nonfinite, drop_constant=drop_constant)
    clean = not infos[0]["constant"].size and all(not i["bad"].any() and i["scale"] == 1 for i in infos)
    return keep, cols, described, moments if clean else None


def block_width(n: int, d: int, memory_mb: int) -> int:
    """Columns per block so that one float32 (columns × n) block and its working copies fit in ``memory_mb``."""
    return max(1, min(d, memory_mb * 2**20 // (8 * n)))


_TILE = 256


def transposed_block(parts, width: int, n: int) -> np.ndarray:
    """The (width, n) float32 block whose columns are the rows of the (rows, width) ``parts``, in order,
    copied 256 rows at a time (a whole chunk transposed at once is ~7× slower: cache misses)."""
    block = np.empty((width, n), dtype=np.float32)
    filled = 0
    for part in parts:
        for t in range(0, part.shape[0], _TILE):
            tile = part[t:t + _TILE]
            block[:, filled:filled + tile.shape[0]] = tile.T
            filled += tile.shape[0]
    return block


def column_blocks(x: EmbeddingMatrix, keep: np.ndarray, cols: np.ndarray, width: int, *, centre: np.ndarray):
    """Yield (column indices, (b, n_kept) float32 block of the columns minus ``centre``), filled chunk by chunk: the
    rows are read once per block. ``centre`` (one value per column of ``cols``, e.g. the means) is subtracted in the
    rows' dtype before the narrowing: float64 columns of a large offset and a small spread keep their spread."""
    step = x.chunk_rows()
    n_kept = int(keep.sum())
    for j in range(0, cols.size, width):
        idx = cols[j:j + width]
        take = _columns(idx, x.shape[1])
        shift = centre[j:j + width].astype(x.out_dtype)
        parts = (_take(x.rows(a, a + step), keep[a:a + step], take) - shift for a in range(0, x.shape[0], step))
        yield idx, transposed_block(parts, idx.size, n_kept)


NUMPY = SimpleNamespace(Scan=Scan, kept_rows=kept_rows, column_blocks=column_blocks,
                        coordinate_tests=univariate.coordinate_tests, host=np.asarray, put=lambda a, like: a,
                        host_matrix=lambda x: x)
