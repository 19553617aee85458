"""Reading and streaming for the check: the input as an :class:`EmbeddingMatrix`, the rows kept, and the
passes over them.

Every pass reads the rows in chunks (``EmbeddingMatrix.chunk_rows``), so a file far larger than
memory is checked with memory bounded by ``memory_mb`` plus O(n) vectors and O(d²) matrices:

* :func:`scan_and_accumulate`: the sufficient statistics of the moment-based assumptions
  (:class:`Moments`) and, in the same pass, the input's scan
  (:class:`~infonce_gauss.encoder_check.embeddings.Scan`: rows with NaN/inf or zero norm, constant columns,
  the scale that keeps extreme magnitudes finite); only when the scan finds something to drop or
  rescale is the pass repeated on what is kept (:func:`accumulate`);
* :func:`column_blocks`: (columns × n) float32 blocks for the per-coordinate tests, one read per block.

A torch tensor on an accelerator stays there (:func:`infonce_gauss.encoder_check.torch_backend.as_input` wraps it
in a :class:`~infonce_gauss.encoder_check.torch_backend.TensorMatrix`), and :func:`backend` gives the functions
that run where the input lives: NumPy's here, or their mirrors in :mod:`~infonce_gauss.encoder_check.torch_backend`.

A chunk is copied only where it must be: files are memory-mapped a chunk at a time, rows are masked
only when some are dropped, and columns are sliced (a view) rather than gathered when none is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np

from infonce_gauss.encoder_check.embeddings import (EmbeddingMatrix, Scan, as_matrix, bad_rows_text, is_tensor, open_embeddings,
                                              widened_tensor)
from infonce_gauss.simulations import gaussianity as g

__all__ = ["as_input", "backend", "NUMPY", "validate", "GRAM_ROWS", "add_gram", "Moments",
           "scan_and_accumulate", "accumulate", "block_width", "transposed_block", "column_blocks", "kept_rows"]


def as_input(x, name: str, *, key: str | None = None) -> EmbeddingMatrix:
    """``x`` as an :class:`EmbeddingMatrix`: an EmbeddingMatrix, a path, a NumPy (or memory-mapped) array,
    or a torch tensor (moved to the CPU; float16/bfloat16 widened to float32). A tensor whose statistics
    run on its device is read by :func:`~infonce_gauss.encoder_check.torch_backend.as_input` instead."""
    if isinstance(x, EmbeddingMatrix):
        return x
    if isinstance(x, (str, bytes)) or hasattr(x, "__fspath__"):
        return open_embeddings(x, key=key)
    if is_tensor(x):
        x = widened_tensor(x).cpu().numpy()
    arr = np.asarray(x)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be an n × d array (one row per sample), got shape {arr.shape}.")
    return as_matrix(arr, name)


def backend(x):
    """The functions the statistics of ``x`` run with where its rows live: ``x.backend`` for a matrix on a
    device (a :class:`~infonce_gauss.encoder_check.torch_backend.TensorMatrix`: the module
    :mod:`~infonce_gauss.encoder_check.torch_backend`), else NumPy's: this module's :class:`Scan`, :class:`Moments`,
    :func:`kept_rows`, :func:`column_blocks`, and :func:`~infonce_gauss.simulations.gaussianity.coordinate_tests`.
    Both also have ``host(a)`` (an array as NumPy's), ``put(a, like)`` (a NumPy array where ``like`` lives)
    and ``host_matrix(x)`` (x read as NumPy)."""
    return getattr(x, "backend", NUMPY)


def validate(x: EmbeddingMatrix, pos: EmbeddingMatrix | None, info: dict, pinfo: dict | None, *, drop_nonfinite: bool,
             drop_constant: bool) -> tuple[np.ndarray, np.ndarray, dict]:
    """The kept rows (boolean mask) and columns (indices), and a description of the input, from the scans
    ``info`` of x and ``pinfo`` of the positives; a ValueError that says what is wrong and which option drops it."""
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
    constant = info["constant"]
    if constant.size and not drop_constant:
        raise ValueError(f"{constant.size} column(s) are constant (e.g. {constant[:5].tolist()}): dead dimensions, on which "
                         "the normality tests are undefined; pass --drop-constant (drop_constant=True) to drop them "
                         "(the report says how many).")
    cols = np.setdiff1d(np.arange(x.shape[1]), constant)
    if cols.size < 2:
        raise ValueError(f"only {cols.size} non-constant column(s) left; the battery needs d >= 2.")
    n_kept = int(keep.sum())
    if n_kept < 20:
        raise ValueError(f"only {n_kept} usable row(s); the battery needs at least 20 (the coordinate tests' minimum).")
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


GRAM_ROWS = 4096


def add_gram(gram: np.ndarray, z: np.ndarray, *, shift: np.ndarray | None = None, scale: np.ndarray | None = None) -> None:
    r"""``gram += yᵀy`` for the rows :math:`y_i=z_i-c` (``shift`` c) or :math:`y_i=s_iz_i` (``scale`` s) or z
    itself: float32 products of :data:`GRAM_ROWS` rows at a time, summed in float64.

    Each part of y is computed in z's precision and rounded once into a float32 buffer, so no float64 copy
    of y is made. A float32 product over k rows carries a relative rounding error of order
    :math:`\sqrt k\,\epsilon_{32}` (:math:`\epsilon_{32}=6\cdot10^{-8}`); over 4096 rows that is ~4e-6 of
    :math:`\sum|a_i||b_i|` per block, and the blocks' errors, summed in float64, do not grow with n. The
    spectrum's summaries, the Bingham statistic and :math:`\|m\|^2` then agree with float64 products far
    within their standard errors (tested), at half the cost; the rows should be centred (see
    :class:`Moments`) so that a large common mean does not cancel.
    """
    if shift is not None and scale is not None:
        raise ValueError("add_gram takes a shift or a scale, not both.")
    buffer = np.empty((min(GRAM_ROWS, z.shape[0]), z.shape[1]), dtype=np.float32)
    for a in range(0, z.shape[0], GRAM_ROWS):
        part = z[a:a + GRAM_ROWS]
        y = buffer[:part.shape[0]]
        if scale is not None:
            np.multiply(part, scale[a:a + GRAM_ROWS, None], out=y, casting="same_kind")
        else:
            np.subtract(part, 0.0 if shift is None else shift, out=y, casting="same_kind")
        gram += y.T @ y


@dataclass
class Moments:
    r"""Sufficient statistics of one pass over ``size`` rows: sums of z and u = z/‖z‖, the Gram matrix of u and
    that of z about a shift c (the first chunk's mean: :math:`\sum(z-c)(z-c)^\top`, so that a large common
    mean does not cancel in the covariance), the norms, K projections :math:`zW` (float32), a row
    subsample; with positives v, the cosines u·v, the sum of v and, for the pair means w = (u + v)/2, the
    sums of w wᵀ and of (u·v) w; with labels, the per-class sums of u. Sums are float64, Gram products
    float32 blocks summed in float64 (:func:`add_gram`)."""

    n: int = 0
    size: int = 0  # rows the O(n) arrays are allocated for
    shift: np.ndarray = None
    sum_z: np.ndarray = None
    gram_z: np.ndarray = None
    sum_u: np.ndarray = None
    gram_u: np.ndarray = None
    norms: np.ndarray = None
    projections: np.ndarray = None
    sample: list = field(default_factory=list)
    cosines: np.ndarray = None
    sum_v: np.ndarray = None
    gram_w: np.ndarray = None
    sum_cos_w: np.ndarray = None
    class_sums: dict = field(default_factory=dict)

    def host(self) -> Moments:
        """These moments with NumPy arrays: themselves (see :meth:`torch_backend.Moments.host`)."""
        return self

    def covariance(self) -> np.ndarray:
        r"""The unbiased covariance of z, :math:`\frac1{n-1}\big[\sum(z-c)(z-c)^\top-n(\bar z-c)(\bar z-c)^\top\big]`."""
        offset = self.sum_z / self.n - self.shift
        return (self.gram_z - self.n * np.outer(offset, offset)) / (self.n - 1)

    def add(self, z: np.ndarray, directions: np.ndarray, sample_mask: np.ndarray, v=None, codes=None):
        r"""Add the float64 rows ``z``: :math:`\sum u=\sum z_i/\|z_i\|` as the product (1/‖z‖)ᵀz and the Gram
        matrices from z (:func:`add_gram`), so that u itself is formed only for positives or labels."""
        norms = np.sqrt(np.einsum("ij,ij->i", z, z))
        inverse = 1 / norms
        if self.sum_z is None:
            d = z.shape[1]
            self.shift = z.mean(axis=0)
            self.sum_z, self.sum_u = np.zeros(d), np.zeros(d)
            self.gram_z, self.gram_u = np.zeros((d, d)), np.zeros((d, d))
            self.norms, self.projections = np.empty(self.size), np.empty((self.size, directions.shape[1]), np.float32)
        rows = slice(self.n, self.n + z.shape[0])
        self.n += z.shape[0]
        self.sum_z += z.sum(axis=0)
        self.sum_u += inverse @ z
        add_gram(self.gram_z, z, shift=self.shift)
        add_gram(self.gram_u, z, scale=inverse)
        self.norms[rows] = norms
        self.projections[rows] = z @ directions
        self.sample.append(z[sample_mask])
        if v is None and codes is None:
            return
        u = z * inverse[:, None]
        if v is not None:
            v = v / np.sqrt(np.einsum("ij,ij->i", v, v))[:, None]
            cos = np.einsum("ij,ij->i", u, v)
            w = (u + v) / 2
            if self.cosines is None:
                self.cosines = np.empty(self.size)
            self.cosines[rows] = cos
            if self.sum_v is None:
                self.sum_v, self.gram_w, self.sum_cos_w = np.zeros_like(self.sum_u), np.zeros_like(self.gram_u), np.zeros_like(self.sum_u)
            self.sum_v += v.sum(axis=0)
            add_gram(self.gram_w, w)
            self.sum_cos_w += cos @ w
        if codes is not None:
            order = np.argsort(codes, kind="stable")
            uniq, starts = np.unique(codes[order], return_index=True)
            counts = np.diff(np.append(starts, codes.size))
            for c, s, k in zip(uniq, np.add.reduceat(u[order], starts, axis=0), counts):
                total, count = self.class_sums.get(int(c), (0.0, 0))
                self.class_sums[int(c)] = (total + s, count + int(k))


def accumulate(x, pos, keep, cols, directions, sample_flag, codes, scans=None) -> tuple[Moments, dict]:
    """One pass over the kept rows (and their positives) collecting the :class:`Moments`; returns them
    and the O(n) arrays ``norms``, ``projections`` (n × K) and ``sample`` (the subsampled rows).
    ``scans``: a :class:`Scan` for x and one for the positives (or None), fed every chunk as read."""
    xs, ps = scans or (None, None)
    ops = backend(x)
    m = ops.Moments(size=int(keep.sum()))
    done = 0
    pos_rows = ops.kept_rows(pos, keep, cols, None if ps is None else ps.add) if pos is not None else None
    for z in ops.kept_rows(x, keep, cols, None if xs is None else xs.add):
        rows = z.shape[0]
        v = next(pos_rows) if pos_rows is not None else None
        m.add(z, directions, sample_flag[done:done + rows], v=v, codes=None if codes is None else codes[done:done + rows])
        done += rows
    m = m.host()
    arrays = {"norms": m.norms, "projections": m.projections, "sample": np.concatenate(m.sample)}
    m.norms = m.projections = m.sample = None  # one home for the O(n) arrays
    return m, arrays


def scan_and_accumulate(x, pos, directions, sample_flag, codes, *, drop_nonfinite: bool, drop_constant: bool):
    """:func:`accumulate` over every row and column with the input's scan in the same pass.

    Returns ``(keep, cols, described, moments)``: the kept rows and columns and the description of the
    input (:func:`validate`, which raises on unusable input), and ``(Moments, arrays)``, or None when the
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


def column_blocks(x: EmbeddingMatrix, keep: np.ndarray, cols: np.ndarray, width: int):
    """Yield (column indices, (b, n_kept) float32 block), filled chunk by chunk: the rows are read once per block."""
    step = x.chunk_rows()
    n_kept = int(keep.sum())
    for j in range(0, cols.size, width):
        idx = cols[j:j + width]
        take = _columns(idx, x.shape[1])
        parts = (_take(x.rows(a, a + step), keep[a:a + step], take) for a in range(0, x.shape[0], step))
        yield idx, transposed_block(parts, idx.size, n_kept)


NUMPY = SimpleNamespace(Scan=Scan, Moments=Moments, kept_rows=kept_rows, column_blocks=column_blocks,
                        coordinate_tests=g.coordinate_tests, host=np.asarray, put=lambda a, like: a,
                        host_matrix=lambda x: x)
