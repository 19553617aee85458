r"""The check's heavy statistics on the device a torch tensor lives on (a CUDA GPU), mirroring the NumPy path.

:func:`~infonce_gauss.check` reads a tensor on a CUDA device (or any tensor, with ``backend="torch"``)
with :func:`as_input`, as a :class:`TensorMatrix`; :func:`~infonce_gauss.encoder_check.streaming.backend` then hands
:func:`~infonce_gauss.check` this module in place of the NumPy functions, one for one:

============================  =======================================================================
here                          NumPy
============================  =======================================================================
:class:`TensorMatrix`         :class:`~infonce_gauss.encoder_check.embeddings.EmbeddingMatrix`
:class:`Scan`                 :class:`~infonce_gauss.encoder_check.embeddings.Scan`
:func:`kept_rows`             :func:`~infonce_gauss.encoder_check.streaming.kept_rows`
:func:`column_blocks`         :func:`~infonce_gauss.encoder_check.streaming.column_blocks`
:func:`block_tests`           ``univariate._block_tests``
:func:`coordinate_tests`      :func:`~infonce_gauss.simulations.univariate.coordinate_tests`
============================  =======================================================================

The rows never leave the device: what comes back to the host is O(n) vectors (norms, K projections, the
scan's row flags), O(d²) matrices and the per-column :math:`(A^2, g_1, b_2)`, from which the NumPy code
makes every verdict (:func:`~infonce_gauss.simulations.univariate.coordinate_results` adds the same
D'Agostino–Pearson :math:`K^2`). The whitened variant and the multivariate tests (on a subsample) stay on
the host.

Precision is that of the NumPy path: columns sorted in float32 and tested in float64, sums and moments in
float64, the results equal to the NumPy path's on the same data (tested on CPU tensors) to ~1e-11 relative
up to n ≈ 10⁴; at 10⁵–10⁶ rows A² differs by up to ~3e-9 relative, NumPy's own summation rounding (order n·ε:
against an exact ``math.fsum`` this path's sum is the closer one).
The sufficient statistics are the same :class:`~infonce_gauss.simulations.moments.Moments` state as
NumPy's, fed tensors (its torch path, on the device). One difference, on purpose: Gram matrices of the
float64 rows are float64 products there, where the NumPy path takes float32 blocks summed in float64
(:func:`~infonce_gauss.simulations.moments.add_gram`) to halve the CPU's cost; they agree with float64
products of the same rows to 1e-13 and with the NumPy path's float32 blocks within those blocks' own
rounding (~1e-6 relative). On the CPU NumPy is faster (``torch.sort`` is
13–25× slower than ``np.sort`` there), so ``backend="auto"`` takes this path only for a tensor on an
accelerator.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass

import numpy as np
import torch

from infonce_gauss.encoder_check import embeddings, streaming
from infonce_gauss.simulations.device import is_tensor
from infonce_gauss.simulations import univariate
from infonce_gauss.simulations.univariate import CoordinateTests, coordinate_results, tested_shape

__all__ = ["as_input", "TensorMatrix", "Scan", "kept_rows", "column_blocks", "block_tests", "coordinate_tests",
           "DEVICE_BLOCK_ELEMENTS", "host", "put", "host_matrix"]

DEVICE_BLOCK_ELEMENTS = 2**24  # samples per device work item in coordinate_tests (128 MB per float64 temporary)


@dataclass
class TensorMatrix:
    """An (n, d) torch tensor read like an :class:`~infonce_gauss.encoder_check.embeddings.EmbeddingMatrix`, its rows
    left on the tensor's device: ``rows(a, b)`` is a float32 tensor there (float64 for a float64 tensor)."""

    source: str
    tensor: torch.Tensor
    scale: float = 1.0  # a power of two every value read is multiplied by (set by the scan)

    def __post_init__(self):
        if self.tensor.is_complex() or self.tensor.dtype == torch.bool:
            raise ValueError(f"{self.source}: expected real numbers, got dtype {self.tensor.dtype}.")
        self.shape = embeddings._check_matrix(tuple(self.tensor.shape), np.float32, self.source)
        self.out_dtype = torch.float64 if self.tensor.dtype == torch.float64 else torch.float32

    @property
    def device(self) -> torch.device:
        return self.tensor.device

    @property
    def backend(self):
        """The functions its statistics run with (see :func:`~infonce_gauss.encoder_check.streaming.backend`): this module."""
        return sys.modules[__name__]

    def rows(self, start: int, stop: int) -> torch.Tensor:
        out = self.tensor[max(0, start):min(self.shape[0], stop)].to(self.out_dtype)
        return out if self.scale == 1 else out * self.scale

    def chunk_rows(self) -> int:
        """Rows per read, as :meth:`EmbeddingMatrix.chunk_rows`."""
        return max(1, embeddings.CHUNK_BYTES // max(1, self.shape[1] * 8))

    def __len__(self) -> int:
        return self.shape[0]


def as_input(x, name: str, *, device, key: str | None = None) -> TensorMatrix:
    """``x`` as a :class:`TensorMatrix` on ``device``: a tensor (float16/bfloat16 widened to float32) moved
    there if elsewhere, or anything :func:`~infonce_gauss.encoder_check.streaming.as_input` reads, read whole and
    copied there (the positives of embeddings on a device)."""
    if is_tensor(x):
        x = embeddings.widened_tensor(x, name)
        if x.ndim != 2:
            raise ValueError(f"{name} must be an n × d array (one row per sample), got shape {tuple(x.shape)}.")
        return TensorMatrix(name, x.to(device))
    m = streaming.as_input(x, name, key=key)
    return TensorMatrix(m.source, torch.as_tensor(m[:], device=device))


def host(a) -> np.ndarray:
    """A tensor as a NumPy array on the host."""
    return a.detach().cpu().numpy()


def put(a: np.ndarray, like: torch.Tensor) -> torch.Tensor:
    """A NumPy array as a tensor on the device of ``like``."""
    return torch.as_tensor(a, device=like.device)


def host_matrix(x: TensorMatrix) -> embeddings.EmbeddingMatrix:
    """``x`` as a NumPy :class:`~infonce_gauss.encoder_check.embeddings.EmbeddingMatrix` that copies each chunk read to
    the host (for the statistics that run there, e.g. the whitened variant)."""
    dtype = np.dtype(np.float64 if x.out_dtype == torch.float64 else np.float32)
    out = embeddings.EmbeddingMatrix(x.source, x.shape, dtype, lambda a, b: host(x.tensor[a:b].to(x.out_dtype)))
    out.scale = x.scale
    return out


class Scan(embeddings.Scan):
    """:class:`~infonce_gauss.encoder_check.embeddings.Scan` on the device: per row whether it is finite and its
    largest :math:`|x_{ij}|` (0 for a non-finite row), per column the least and largest entry over the rows
    that are finite and not zero, allocated on the first chunk's device; :meth:`result` is the host's, on
    these arrays copied back."""

    def __init__(self, n: int, d: int):
        self.n, self.d = n, d
        self.rows = 0

    def add(self, chunk: torch.Tensor) -> None:
        if self.rows == 0:
            dev = chunk.device
            self.finite = torch.zeros(self.n, dtype=torch.bool, device=dev)
            self.row_max = torch.zeros(self.n, dtype=torch.float64, device=dev)
            self.lo = torch.full((self.d,), torch.inf, dtype=torch.float64, device=dev)
            self.hi = torch.full((self.d,), -torch.inf, dtype=torch.float64, device=dev)
        a, b = self.rows, self.rows + chunk.shape[0]
        self.tiny = torch.finfo(chunk.dtype).tiny
        ok = torch.isfinite(chunk).all(dim=1)
        self.finite[a:b] = ok
        self.row_max[a:b] = torch.where(ok, chunk.abs().amax(dim=1).double(), 0.0)
        usable = (ok & (self.row_max[a:b] > 0))[:, None]
        self.lo = torch.minimum(self.lo, torch.where(usable, chunk, torch.inf).amin(dim=0).double())
        self.hi = torch.maximum(self.hi, torch.where(usable, chunk, -torch.inf).amax(dim=0).double())
        self.rows = b

    def result(self) -> dict:
        done = embeddings.Scan(0, 0)
        done.finite, done.row_max, done.lo, done.hi = (host(a) for a in (self.finite, self.row_max, self.lo, self.hi))
        done.tiny = self.tiny
        return done.result()


def _take(chunk: torch.Tensor, mask: np.ndarray, cols) -> torch.Tensor:
    """Kept rows and columns of a chunk (``mask`` on the host: no device sync to learn that nothing is dropped)."""
    if not mask.all():
        chunk = chunk[put(mask, chunk)]
    return chunk[:, cols if isinstance(cols, slice) else put(cols, chunk)]


def kept_rows(x: TensorMatrix, keep: np.ndarray, cols: np.ndarray, observe=None):
    """:func:`~infonce_gauss.encoder_check.streaming.kept_rows` on the device: float64 chunks of the kept rows and columns
    (``observe(chunk)`` first called on each chunk as read)."""
    step = x.chunk_rows()
    take = streaming._columns(cols, x.shape[1])
    for a in range(0, x.shape[0], step):
        chunk = x.rows(a, a + step)
        if observe is not None:
            observe(chunk)
        yield _take(chunk, keep[a:a + chunk.shape[0]], take).double()


def column_blocks(x: TensorMatrix, keep: np.ndarray, cols: np.ndarray, width: int, *, centre: np.ndarray):
    """:func:`~infonce_gauss.encoder_check.streaming.column_blocks` on the device: yield (column indices, (b, n_kept)
    float32 block of the columns minus ``centre``, subtracted in the rows' dtype), filled chunk by chunk."""
    step = x.chunk_rows()
    n_kept = int(keep.sum())
    for j in range(0, cols.size, width):
        idx = cols[j:j + width]
        take = streaming._columns(idx, x.shape[1])
        shift = torch.as_tensor(centre[j:j + width], dtype=x.out_dtype, device=x.device)
        block = torch.empty((idx.size, n_kept), dtype=torch.float32, device=x.device)
        filled = 0
        for a in range(0, x.shape[0], step):
            chunk = x.rows(a, a + step)
            part = _take(chunk, keep[a:a + chunk.shape[0]], take) - shift
            block[:, filled:filled + part.shape[0]] = part.T
            filled += part.shape[0]
        yield idx, block


def block_tests(block: torch.Tensor) -> torch.Tensor:
    r"""(rows, 3) float64 tensor of :math:`(A^2, g_1, b_2)` for each row of a (rows, n) block: ``_block_tests``
    of :mod:`~infonce_gauss.simulations.univariate` on the block's device, step for step.

    Each row is sorted in its own dtype and widened to float64. With :math:`w_{(i)}=(y_{(i)}-\bar y)/s`
    (``ddof=1``) and :math:`c_i=(2i-1)/n`,
    :math:`A^2=-n-\sum_i[c_i\log\Phi(w_{(i)})+c_{n+1-i}\log\Phi(-w_{(i)})]`; the small tail probability
    :math:`p=\Phi(-|w|)=\tfrac12\operatorname{erfc}(|w|/\sqrt2)` to full relative precision (SciPy's ``ndtr``
    does the same; ``torch.special.ndtr`` computes :math:`\tfrac12(1+\operatorname{erf})` and loses it in the
    tail: measured relative error 4e-11 at w = -5, 2% at -8, and 0 returned below -12), the other tail as :math:`\log(1-p)`
    (absolute error below 3e-16, since :math:`1-p\ge1/2`), and ``log_ndtr`` where ``ndtr`` falls below
    1e-300 (:math:`|w|>37`). :math:`g_1=m_3/m_2^{3/2}`, :math:`b_2=m_4/m_2^2` with the biased central
    moments :math:`m_k=\frac1n\sum(y-\bar y)^k`. A constant row (:math:`m_2=0`) gives NaN.
    """
    rows, n = block.shape
    y = torch.sort(block, dim=1).values.double()
    y -= y.mean(dim=1, keepdim=True)
    sq = y * y
    m2 = sq.sum(dim=1) / n
    m3 = torch.einsum("ij,ij->i", sq, y) / n
    m4 = torch.einsum("ij,ij->i", sq, sq) / n
    upper = y >= 0
    y.abs_()
    y *= (-1.0 / torch.sqrt(m2 * n / (n - 1)))[:, None]
    p = torch.special.erfc(y * -math.sqrt(0.5)) / 2
    small = torch.log(p)
    far = p < univariate._TINY
    if bool(far[:, [0, -1]].any()):  # |w| is largest at the two ends of each sorted row
        small = torch.where(far, torch.special.log_ndtr(y), small)
    large = torch.log(1.0 - p)
    c = (2.0 * torch.arange(1, n + 1, dtype=torch.float64, device=block.device) - 1.0) / n
    cr = c.flip(0)
    # below the mean log F = small, log S = large; above it the two swap, which adds (cr - c)(small - large);
    # sums of products rather than matrix-vector products: torch's summation is the more accurate (the sums
    # are ~n and cancel against -n; measured at n = 10^6, 3 units of 1e-10 off an exact sum where mv is 19 off)
    total = (small * c).sum(dim=1) + (large * cr).sum(dim=1)
    small -= large
    small *= upper
    small *= cr - c
    total += small.sum(dim=1)
    out = torch.stack([-n - total, m3 / m2**1.5, m4 / m2**2], dim=1)
    return torch.where((m2 > 0)[:, None], out, torch.nan)


def coordinate_tests(x: torch.Tensor, *, columns_first: bool = False, workers=None) -> CoordinateTests:
    """:func:`~infonce_gauss.simulations.univariate.coordinate_tests` of a tensor on its device: Anderson–Darling
    :math:`A^2`, skewness and kurtosis per column by :func:`block_tests`, in work items of
    :data:`DEVICE_BLOCK_ELEMENTS` samples, and D'Agostino–Pearson on the host
    (:func:`~infonce_gauss.simulations.univariate.coordinate_results`). ``workers`` (the NumPy path's
    threads) is accepted for the same call and unused: the device runs each work item whole."""
    d, n = tested_shape(x, columns_first)
    step = max(1, DEVICE_BLOCK_ELEMENTS // n)
    parts = [block_tests(x[s:s + step] if columns_first else x[:, s:s + step].T) for s in range(0, d, step)]
    return coordinate_results(host(torch.cat(parts)), n)
