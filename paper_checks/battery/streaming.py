"""Reading and streaming for the check: the input as an :class:`EmbeddingMatrix`, the rows kept, and the
passes over them.

Every pass reads the rows in chunks (``EmbeddingMatrix.chunk_rows``), so a file far larger than
memory is checked with memory bounded by ``memory_mb`` plus O(n) vectors and O(d²) matrices:

* :func:`input_rows`: rows with NaN/inf or zero norm and constant columns, and the scale that keeps
  extreme magnitudes finite (one pass, :func:`~infonce_gauss.battery.embeddings.scan`);
* :func:`accumulate`: the sufficient statistics of the moment-based assumptions (:class:`Moments`);
* :func:`column_blocks`: (columns × n) float32 blocks for the per-coordinate tests, one read per block.

A chunk is copied only where it must be: rows are masked only when some are dropped, and columns are
sliced (a view) rather than gathered when none is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from infonce_gauss.battery.embeddings import EmbeddingMatrix, as_matrix, bad_rows_text, open_embeddings, scan

__all__ = ["as_input", "input_rows", "Moments", "accumulate", "block_width", "column_blocks", "kept_rows"]


def as_input(x, name: str, *, key: str | None = None) -> EmbeddingMatrix:
    """``x`` as an :class:`EmbeddingMatrix`: an EmbeddingMatrix, a path, a NumPy (or memory-mapped) array,
    or a torch tensor (moved to the CPU; float16/bfloat16 widened to float32)."""
    if isinstance(x, EmbeddingMatrix):
        return x
    if isinstance(x, (str, bytes)) or hasattr(x, "__fspath__"):
        return open_embeddings(x, key=key)
    if type(x).__module__.startswith("torch"):
        x = x.detach()
        if x.dtype.is_floating_point and x.element_size() < 4:
            x = x.float()
        x = x.cpu().numpy()
    arr = np.asarray(x)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be an n × d array (one row per sample), got shape {arr.shape}.")
    return as_matrix(arr, name)


def input_rows(x: EmbeddingMatrix, pos: EmbeddingMatrix | None, *, drop_nonfinite: bool,
               drop_constant: bool) -> tuple[np.ndarray, np.ndarray, dict]:
    """The kept rows (boolean mask) and columns (indices), and a description of the input;
    a ValueError that says what is wrong and which option drops it."""
    info = scan(x)  # also rescales extreme-magnitude input (x.scale)
    bad = info["bad"]
    described = {"source": x.source, "rows": x.shape[0], "columns": x.shape[1], "nonfinite_rows": info["nonfinite_rows"],
                 "zero_rows": info["zero_rows"] + info["tiny_rows"], "rescaled_by": info["scale"]}
    faults = [bad_rows_text(info, x.source)] if bad.any() else []
    if pos is not None:
        pinfo = scan(pos)
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


def kept_rows(x: EmbeddingMatrix, keep: np.ndarray, cols: np.ndarray):
    """Yield float64 chunks of the kept rows and columns over the whole matrix."""
    step = x.chunk_rows()
    take = _columns(cols, x.shape[1])
    for a in range(0, x.shape[0], step):
        chunk = x.rows(a, a + step)
        yield np.asarray(_take(chunk, keep[a:a + chunk.shape[0]], take), dtype=np.float64)


@dataclass
class Moments:
    r"""Sufficient statistics of one pass over the rows: sums and Gram matrices of z and u = z/‖z‖,
    the norms, K projections :math:`zW` (float32), a row subsample; with positives v, the cosines
    u·v, the sum of v and, for the pair means w = (u + v)/2, the sums of w wᵀ and of (u·v) w; with
    labels, the per-class sums of u."""

    n: int = 0
    sum_z: np.ndarray = None
    gram_z: np.ndarray = None
    sum_u: np.ndarray = None
    gram_u: np.ndarray = None
    norms: list = field(default_factory=list)
    projections: list = field(default_factory=list)
    sample: list = field(default_factory=list)
    cosines: list = field(default_factory=list)
    sum_v: np.ndarray = None
    gram_w: np.ndarray = None
    sum_cos_w: np.ndarray = None
    class_sums: dict = field(default_factory=dict)

    def add(self, z: np.ndarray, directions: np.ndarray, sample_mask: np.ndarray, v=None, codes=None):
        norms = np.sqrt(np.einsum("ij,ij->i", z, z))
        u = z / norms[:, None]
        if self.sum_z is None:
            d = z.shape[1]
            self.sum_z, self.sum_u = np.zeros(d), np.zeros(d)
            self.gram_z, self.gram_u = np.zeros((d, d)), np.zeros((d, d))
        self.n += z.shape[0]
        self.sum_z += z.sum(axis=0)
        self.sum_u += u.sum(axis=0)
        self.gram_z += z.T @ z
        self.gram_u += u.T @ u
        self.norms.append(norms)
        self.projections.append((z @ directions).astype(np.float32))
        self.sample.append(z[sample_mask])
        if v is not None:
            v = v / np.sqrt(np.einsum("ij,ij->i", v, v))[:, None]
            cos = np.einsum("ij,ij->i", u, v)
            w = (u + v) / 2
            self.cosines.append(cos)
            if self.sum_v is None:
                self.sum_v, self.gram_w, self.sum_cos_w = np.zeros_like(self.sum_u), np.zeros_like(self.gram_u), np.zeros_like(self.sum_u)
            self.sum_v += v.sum(axis=0)
            self.gram_w += w.T @ w
            self.sum_cos_w += cos @ w
        if codes is not None:
            order = np.argsort(codes, kind="stable")
            uniq, starts = np.unique(codes[order], return_index=True)
            counts = np.diff(np.append(starts, codes.size))
            for c, s, k in zip(uniq, np.add.reduceat(u[order], starts, axis=0), counts):
                total, count = self.class_sums.get(int(c), (0.0, 0))
                self.class_sums[int(c)] = (total + s, count + int(k))


def accumulate(x, pos, keep, cols, directions, sample_flag, codes) -> tuple[Moments, dict]:
    """One pass over the kept rows (and their positives) collecting the :class:`Moments`; returns them
    and the O(n) arrays ``norms``, ``projections`` (n × K) and ``sample`` (the subsampled rows)."""
    m = Moments()
    done = 0
    pos_rows = kept_rows(pos, keep, cols) if pos is not None else None
    for z in kept_rows(x, keep, cols):
        rows = z.shape[0]
        v = next(pos_rows) if pos_rows is not None else None
        m.add(z, directions, sample_flag[done:done + rows], v=v, codes=None if codes is None else codes[done:done + rows])
        done += rows
    arrays = {name: np.concatenate(getattr(m, name)) for name in ("norms", "projections", "sample")}
    m.norms = m.projections = m.sample = None  # one copy of the O(n) arrays
    return m, arrays


def block_width(n: int, d: int, memory_mb: int) -> int:
    """Columns per block so that one float32 (columns × n) block and its working copies fit in ``memory_mb``."""
    return max(1, min(d, memory_mb * 2**20 // (8 * n)))


def column_blocks(x: EmbeddingMatrix, keep: np.ndarray, cols: np.ndarray, width: int):
    """Yield (column indices, (b, n_kept) float32 block), filled chunk by chunk: the rows are read once per block."""
    step = x.chunk_rows()
    n_kept = int(keep.sum())
    for j in range(0, cols.size, width):
        idx = cols[j:j + width]
        take = _columns(idx, x.shape[1])
        block = np.empty((idx.size, n_kept), dtype=np.float32)
        filled = 0
        for a in range(0, x.shape[0], step):
            chunk = x.rows(a, a + step)
            part = _take(chunk, keep[a:a + chunk.shape[0]], take)
            block[:, filled:filled + part.shape[0]] = part.T
            filled += part.shape[0]
        yield idx, block
