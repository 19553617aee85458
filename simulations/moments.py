r"""Streaming sufficient statistics of embeddings: one state, a NumPy and a torch update path, and their sum.

For rows :math:`z_i\in\mathbb R^d` with directions :math:`u_i=z_i/\|z_i\|`, optional positives :math:`v_i`
(:math:`\hat v_i=v_i/\|v_i\|`, cosines :math:`c_i=u_i\cdot\hat v_i`, pair means :math:`w_i=(u_i+\hat v_i)/2`),
class labels and K fixed directions :math:`W\in\mathbb R^{d\times K}`, a :class:`Moments` holds

* always: :math:`n`, :math:`\sum z`, :math:`\sum(z-s)(z-s)^\top` about a shift s (the first rows' mean with
  ``centre=True``, else 0, so that a large common mean does not cancel in the covariance),
  :math:`\sum u`, :math:`\sum uu^\top`; with labels, per class :math:`(\sum u,\ \text{count})`;
* ``power_sums=True``: :math:`\sum x^k`, k = 1..4, for every coordinate of z and of :math:`zW`, and
  :math:`(\sum\|z\|,\sum\|z\|^2)`, :math:`(\sum c,\sum c^2)` (the training monitor's statistics);
* ``pair_means=True``: :math:`\sum\hat v`, :math:`\sum ww^\top`, :math:`\sum c\,w` (the alignment
  assumption's :math:`\|m\|^2` of the pair means and its covariance with the alignment);
* ``size > 0``: per-row records for ``size`` rows: :math:`\|z_i\|`, :math:`z_iW` (float32), :math:`c_i`, and the
  rows a mask selects (the subsample of ``check``).

Every statistic is a sum over rows, so the state of a union of disjoint row sets is the sum of their states
(:meth:`Moments.merge`; records are concatenated); the covariance, the standardized moments of the power sums
and the unbiased :math:`\|E u\|^2` are derived from it.

Precision. Sums are float64. Gram products are where their cost is: the NumPy path forms float32 products of
:data:`GRAM_ROWS` rows at a time and sums them in float64 (:func:`add_gram`), half the cost of float64 products
on a CPU; the torch path forms products in the rows' dtype, float64 products added directly, float32 ones into
a window of :data:`GRAM_ROWS` rows that is added into the float64 sums when full (:meth:`Moments.flush`). A
float32 sum over 4096 rows carries a relative rounding error of order :math:`\sqrt{4096}\,\epsilon_{32}\approx
4\cdot10^{-6}` of :math:`\sum|a_i||b_i|`, and the blocks' errors, summed in float64, do not grow with n.

The NumPy path does not import torch; the torch path runs on the rows' device.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field

import numpy as np

from infonce_gauss.simulations.device import is_tensor
from infonce_gauss.simulations.estimates import Estimate, mean_norm_sq_from_sums

__all__ = ["GRAM_ROWS", "add_gram", "Moments"]

GRAM_ROWS = 4096
"""Rows per float32 Gram product before it is added into a float64 sum: the blocks of :func:`add_gram` (NumPy)
and the window of :meth:`Moments.flush` (torch). A float32 sum over 4096 rows is accurate to
~√4096·6e-8 ≈ 4e-6 relative, and each block's error is added once."""

_SUMS = ("sum_z", "gram_z", "sum_u", "gram_u", "powers", "norm_sums", "cos_sums", "sum_v", "gram_w", "sum_cos_w")
_GRAMS = ("gram_z", "gram_u", "gram_w")
_RECORDS = ("norms", "projections", "cosines")


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


def _refuse_bad_rows(norms, v_norms=None) -> None:
    """A ValueError listing the rows of z (``norms``, a tensor of row norms) or of its positives (``v_norms``)
    whose norm is zero or not finite.

    log 0 = -inf, log inf = inf, log nan = nan: the sum of the logs of all the norms is finite iff every row is
    good, so one reduction over both and one host sync decide a batch; the rows are listed only when it is bad.
    """
    import torch

    all_norms = norms if v_norms is None else torch.cat((norms, v_norms))
    if math.isfinite(all_norms.log().sum().item()):
        return
    for name, these in (("z", norms), ("z_positive", v_norms)):
        bad = [] if these is None else (~(torch.isfinite(these) & (these > 0))).nonzero().flatten().tolist()
        if bad:
            raise ValueError(f"{name} has {len(bad)} row(s) that are zero or not finite (NaN, Inf or overflowing), "
                             f"rows {bad[:5]}{' ...' if len(bad) > 5 else ''}; nothing of the batch was added. Drop or "
                             "fix them (a zero row has no direction z/||z||).")


def _outer(a, b):
    """:math:`ab^\\top` of two vectors, NumPy arrays or tensors alike."""
    return a[:, None] * b[None, :]


def _plus(a, b):
    """a + b where either may be None (absent)."""
    return b if a is None else a if b is None else a + b


def _concatenate(a, b):
    if is_tensor(a):
        import torch

        return torch.cat((a, b))
    return np.concatenate((a, b))


def _host(a):
    """A tensor as a NumPy array on the host; anything else unchanged."""
    return a.detach().cpu().numpy() if is_tensor(a) else a


@dataclass(eq=False)
class Moments:
    r"""Sufficient statistics of a stream of embeddings (see the module docstring), fed by :meth:`add`.

    Parameters
    ----------
    directions : (d, K) array or tensor, optional
        The fixed directions W of the projections :math:`zW` (recorded per row with ``size``, summed with
        ``power_sums``).
    size : int
        Rows the per-row records are allocated for; 0 keeps none.
    centre : bool
        Whether ``gram_z`` is taken about the first rows' mean (``shift``) rather than about 0.
    power_sums, pair_means : bool
        Whether to accumulate the power sums and the sums of the pair means (module docstring).
    refuse_bad_rows : bool
        Torch path: refuse rows (of z or v) that are zero or not finite with a ValueError that lists them, before
        anything of the batch is added (one reduction over z and v, one host sync per batch).

    Attributes
    ----------
    n, pairs : rows and positive pairs added.
    sum_z, gram_z, sum_u, gram_u, powers (4, d + K), norm_sums (4,) (Σr, Σr², Σr³, Σr⁴), cos_sums (2,), sum_v, gram_w, sum_cos_w :
        the float64 sums, None until accumulated; NumPy arrays from NumPy rows, tensors on the rows' device
        from tensors.
    class_sums : dict
        label -> (sum of u, count).
    norms, projections, cosines, sample :
        the per-row records (``size`` rows; ``sample`` a list of row blocks).
    """

    directions: np.ndarray | None = None
    size: int = 0
    centre: bool = False
    power_sums: bool = False
    pair_means: bool = False
    refuse_bad_rows: bool = False
    n: int = 0
    pairs: int = 0
    shift: object = None
    sum_z: object = None
    gram_z: object = None
    sum_u: object = None
    gram_u: object = None
    powers: object = None
    norm_sums: object = None
    cos_sums: object = None
    sum_v: object = None
    gram_w: object = None
    sum_cos_w: object = None
    class_sums: dict = field(default_factory=dict)
    norms: object = None
    projections: object = None
    cosines: object = None
    sample: list = field(default_factory=list)
    _window: dict = field(default_factory=dict, repr=False)  # torch path: float32 Gram products of < GRAM_ROWS rows
    _window_rows: int = field(default=0, repr=False)
    _directions_on: dict = field(default_factory=dict, repr=False)  # W as a tensor per (device, dtype)

    # ---- updates ----------------------------------------------------------------------------------------------

    def add(self, z, v=None, *, codes: np.ndarray | None = None, sample: np.ndarray | None = None) -> None:
        """Add the rows ``z`` (an (m, d) NumPy array or torch tensor), their positives ``v`` row by row, their
        class labels ``codes`` (integers, a NumPy array) and, into :attr:`sample`, the rows the boolean mask
        ``sample`` selects. NumPy rows are accumulated in NumPy, tensors by torch on their device."""
        if is_tensor(z):
            self._add_torch(z, v, codes, sample)
        else:
            self._add_numpy(z, v, codes, sample)

    def _start(self, z, zeros, d: int) -> None:
        """Allocate the sums on the first rows (``zeros(shape)``: float64 zeros where z lives)."""
        self.sum_z, self.sum_u = zeros(d), zeros(d)
        self.gram_z, self.gram_u = zeros((d, d)), zeros((d, d))
        if self.power_sums:
            k = 0 if self.directions is None else self.directions.shape[1]
            self.powers, self.norm_sums, self.cos_sums = zeros((4, d + k)), zeros(4), zeros(2)

    def _add_numpy(self, z: np.ndarray, v, codes, sample) -> None:
        r"""The NumPy path for float64 rows: :math:`\sum u` as the product :math:`(1/\|z\|)^\top z` and the Gram
        matrices from z (:func:`add_gram`), so that u itself is formed only for positives or labels."""
        norms = np.sqrt(np.einsum("ij,ij->i", z, z))
        inverse = 1 / norms
        if self.sum_z is None:
            if self.centre:
                self.shift = z.mean(axis=0)
            self._start(z, np.zeros, z.shape[1])
            if self.size:
                self.norms = np.empty(self.size)
                if self.directions is not None:
                    self.projections = np.empty((self.size, self.directions.shape[1]), np.float32)
        rows = slice(self.n, self.n + z.shape[0])
        self.n += z.shape[0]
        self.sum_z += z.sum(axis=0)
        self.sum_u += inverse @ z
        add_gram(self.gram_z, z, shift=self.shift)
        add_gram(self.gram_u, z, scale=inverse)
        projected = None if self.directions is None else z @ self.directions
        if self.size:
            self.norms[rows] = norms
            if projected is not None:
                self.projections[rows] = projected
        if sample is not None:
            self.sample.append(z[sample])
        if self.power_sums:
            x = z if projected is None else np.hstack((z, projected))
            x2 = x * x
            self.powers += np.stack((x.sum(axis=0), x2.sum(axis=0), (x2 * x).sum(axis=0), (x2 * x2).sum(axis=0)))
            r2 = norms * norms
            self.norm_sums += (norms.sum(), r2.sum(), r2 @ norms, r2 @ r2)
        if v is None and codes is None:
            return
        u = z * inverse[:, None]
        if v is not None:
            v = v / np.sqrt(np.einsum("ij,ij->i", v, v))[:, None]
            cos = np.einsum("ij,ij->i", u, v)
            self.pairs += z.shape[0]
            if self.size:
                if self.cosines is None:
                    self.cosines = np.empty(self.size)
                self.cosines[rows] = cos
            if self.power_sums:
                self.cos_sums += (cos.sum(), cos @ cos)
            if self.pair_means:
                w = (u + v) / 2
                if self.sum_v is None:
                    self.sum_v, self.gram_w, self.sum_cos_w = np.zeros_like(self.sum_u), np.zeros_like(self.gram_u), np.zeros_like(self.sum_u)
                self.sum_v += v.sum(axis=0)
                add_gram(self.gram_w, w)
                self.sum_cos_w += cos @ w
        if codes is not None:
            order = np.argsort(codes, kind="stable")
            uniq, starts = np.unique(codes[order], return_index=True)
            counts = np.diff(np.append(starts, codes.size))
            self._add_classes(uniq, np.add.reduceat(u[order], starts, axis=0), counts)

    def _add_classes(self, labels, sums, counts) -> None:
        for c, s, k in zip(labels, sums, counts):
            total, count = self.class_sums.get(int(c), (0.0, 0))
            self.class_sums[int(c)] = (total + s, count + int(k))

    def _projection_matrix(self, z):
        """W (an array or a tensor) as a tensor on z's device in z's dtype, converted once per (device, dtype)."""
        key = (z.device, z.dtype)
        if key not in self._directions_on:
            import torch

            self._directions_on[key] = torch.as_tensor(self.directions).to(device=z.device, dtype=z.dtype)
        return self._directions_on[key]

    def _add_gram_torch(self, name: str, y) -> None:
        """``gram += yᵀy``: directly for float64 rows, else into the window in the rows' dtype."""
        if y.dtype == self.gram_z.dtype:
            getattr(self, name).add_(y.T @ y)
            return
        if name not in self._window:
            import torch

            self._window[name] = torch.zeros_like(self.gram_z, dtype=y.dtype)
        self._window[name].addmm_(y.T, y)  # accumulated in place, in the rows' dtype (see GRAM_ROWS)

    def _add_torch(self, z, v, codes, sample) -> None:
        """The torch path: products in the rows' dtype (float32 or float64) on their device, sums in float64."""
        import torch

        norms = torch.linalg.vector_norm(z, dim=1)
        if v is not None:
            v = v.to(z.dtype)
            v_norms = torch.linalg.vector_norm(v, dim=1)
        if self.refuse_bad_rows:
            _refuse_bad_rows(norms, v_norms if v is not None else None)
        u = z / norms[:, None]
        d, dev = z.shape[1], z.device
        if self.sum_z is None:
            if self.centre:
                self.shift = z.mean(dim=0)
            self._start(z, lambda shape: torch.zeros(shape, dtype=torch.float64, device=dev), d)
            if self.size:
                self.norms = torch.empty(self.size, dtype=torch.float64, device=dev)
                if self.directions is not None:
                    self.projections = torch.empty((self.size, self.directions.shape[1]), dtype=torch.float32, device=dev)
        if any(w.dtype != z.dtype or w.device != z.device for w in self._window.values()):
            if self._window_rows:
                self.flush()  # rows of another dtype: the window is added and restarted in theirs
            self._window.clear()
        rows = slice(self.n, self.n + z.shape[0])
        self.n += z.shape[0]
        self._add_gram_torch("gram_z", z if self.shift is None else z - self.shift)
        self._add_gram_torch("gram_u", u)
        projected = None if self.directions is None else z @ self._projection_matrix(z)
        cos = None if v is None else torch.linalg.vecdot(u, v) / v_norms
        if self.power_sums:
            x = z if projected is None else torch.cat((z, projected), dim=1)
            x2 = x * x
            s1, s2 = x.sum(0), x2.sum(0)
            cube = x * x2 if projected is None else x.mul_(x2)  # in place only in the concatenated copy, never in z
            powers = torch.stack((s1, s2, cube.sum(0), x2.mul_(x2).sum(0)))
            self.powers += powers
            self.sum_z += powers[0, :d]
            scalars = norms[:, None] if cos is None else torch.stack((norms, cos), dim=1)
            sums = torch.linalg.vander(scalars.double(), N=5).sum(0)  # row j: Σ (row scalar j)^k, k = 0..4
            self.norm_sums += sums[0, 1:]
            if cos is not None:
                self.cos_sums += sums[1, 1:3]
        else:
            self.sum_z += z.sum(dim=0)
        self.sum_u += u.sum(dim=0)
        if self.size:
            self.norms[rows] = norms
            if projected is not None:
                self.projections[rows] = projected
        if sample is not None:
            self.sample.append(z[torch.as_tensor(sample, device=dev)])
        if v is not None:
            self.pairs += z.shape[0]
            if self.size:
                if self.cosines is None:
                    self.cosines = torch.empty(self.size, dtype=torch.float64, device=dev)
                self.cosines[rows] = cos
            if self.pair_means:
                v = v / v_norms[:, None]
                w = (u + v) / 2
                if self.sum_v is None:
                    self.sum_v, self.sum_cos_w = torch.zeros_like(self.sum_u), torch.zeros_like(self.sum_u)
                    self.gram_w = torch.zeros_like(self.gram_u)
                self.sum_v += v.sum(dim=0)
                self._add_gram_torch("gram_w", w)
                self.sum_cos_w += cos @ w
        if codes is not None:
            uniq, inverse, counts = np.unique(codes, return_inverse=True, return_counts=True)
            sums = torch.zeros((uniq.size, d), dtype=torch.float64, device=dev)
            sums.index_add_(0, torch.as_tensor(inverse.astype(np.int64), device=dev), u.double())
            self._add_classes(uniq, sums, counts)
        if self._window:
            self._window_rows += z.shape[0]
            if self._window_rows >= GRAM_ROWS:
                self.flush()

    def flush(self) -> None:
        """Add the torch path's window of float32 Gram products into the float64 sums and zero it, in place (the
        state's value is unchanged: the sums read afterwards include every row; the window's memory is kept)."""
        if not self._window_rows:
            return
        for name, window in self._window.items():
            getattr(self, name).add_(window)
            window.zero_()
        self._window_rows = 0

    # ---- the sum of two states --------------------------------------------------------------------------------

    def sums(self) -> dict:
        """The float64 sums accumulated (name -> array or tensor), each additive over disjoint rows; the window
        is flushed first. With :attr:`n` and :attr:`pairs` they are what a distributed sum must reduce."""
        self.flush()
        return {name: getattr(self, name) for name in _SUMS if getattr(self, name) is not None}

    def merge(self, other: Moments) -> Moments:
        r"""The state of the rows of ``self`` followed by those of ``other`` (a new state; both are left as they
        were, their windows flushed).

        Each sum is the sum of the two; ``other``'s Gram matrix of z is moved to ``self``'s shift first:
        with :math:`\delta=s_b-s_a` and :math:`t_b=\sum_b(z-s_b)`,
        :math:`\sum_b(z-s_a)(z-s_a)^\top=\sum_b(z-s_b)(z-s_b)^\top+t_b\delta^\top+\delta t_b^\top+n_b\delta\delta^\top`.
        Per-row records are concatenated (the merged state holds ``self.n + other.n`` rows).
        """
        for name in ("size", "centre", "power_sums", "pair_means"):
            if bool(getattr(self, name)) != bool(getattr(other, name)):
                raise ValueError(f"cannot merge states accumulated with different {name!r}.")
        if (self.directions is None) != (other.directions is None) or (
                self.directions is not None and not np.array_equal(self.directions, other.directions)):
            raise ValueError("cannot merge states of different projection directions.")
        a, b = self.sums(), other.sums()
        if not self.n or not other.n:
            out = copy.deepcopy(other if not self.n else self)
            out._directions_on = {}
            return out
        out = Moments(directions=self.directions, size=self.n + other.n if self.size else 0, centre=self.centre,
                      power_sums=self.power_sums, pair_means=self.pair_means, n=self.n + other.n,
                      pairs=self.pairs + other.pairs, shift=self.shift)
        for name in _SUMS:
            setattr(out, name, _plus(a.get(name), b.get(name)))
        if self.shift is not None:
            delta = other.shift - self.shift
            t = other.sum_z - other.n * other.shift
            out.gram_z = a["gram_z"] + b["gram_z"] + _outer(t, delta) + _outer(delta, t) + other.n * _outer(delta, delta)
        out.class_sums = dict(self.class_sums)
        for c, (s, k) in other.class_sums.items():
            total, count = out.class_sums.get(c, (0.0, 0))
            out.class_sums[c] = (total + s, count + k)
        for name in _RECORDS:
            mine, theirs = getattr(self, name), getattr(other, name)
            if mine is not None and theirs is not None:
                setattr(out, name, _concatenate(mine[:self.n], theirs[:other.n]))
        out.sample = list(self.sample) + list(other.sample)
        return out

    # ---- derived quantities -----------------------------------------------------------------------------------

    def host(self) -> Moments:
        """This state with NumPy arrays (tensors copied to the host, the window flushed); itself for NumPy rows."""
        self.flush()
        fields = {name: _host(getattr(self, name)) for name in ("shift", *_SUMS, *_RECORDS)}
        if not any(is_tensor(getattr(self, name)) for name in fields):
            return self
        return Moments(directions=self.directions, size=self.size, centre=self.centre, power_sums=self.power_sums,
                       pair_means=self.pair_means, n=self.n, pairs=self.pairs, sample=[_host(s) for s in self.sample],
                       class_sums={c: (_host(t), k) for c, (t, k) in self.class_sums.items()}, **fields)

    def covariance(self) -> np.ndarray:
        r"""The unbiased covariance of z, :math:`\frac1{n-1}\big[\sum(z-s)(z-s)^\top-n(\bar z-s)(\bar z-s)^\top\big]`
        (s = 0 without a shift), from the host's sums."""
        offset = self.sum_z / self.n if self.shift is None else self.sum_z / self.n - self.shift
        return (self.gram_z - self.n * np.outer(offset, offset)) / (self.n - 1)

    def mean_norm_sq(self) -> Estimate:
        r"""The unbiased :math:`\|E u\|^2` of the directions with its standard error
        (:func:`~infonce_gauss.simulations.estimates.mean_norm_sq_from_sums` of :math:`\sum u`, :math:`\sum uu^\top`)."""
        return mean_norm_sq_from_sums(self.sum_u, self.gram_u, self.n)

    def standardized_moments(self) -> tuple[np.ndarray, np.ndarray]:
        r"""Skewness :math:`g_1` and excess kurtosis :math:`g_2` (biased, as SciPy's) of each column of the power
        sums (the d coordinates, then the K projections): with :math:`m_1=S_1/n` and the central moments
        :math:`c_2=S_2/n-m_1^2`, :math:`c_3=S_3/n-3m_1S_2/n+2m_1^3`,
        :math:`c_4=S_4/n-4m_1S_3/n+6m_1^2S_2/n-3m_1^4`: :math:`g_1=c_3/c_2^{3/2}`, :math:`g_2=c_4/c_2^2-3`."""
        s1, s2, s3, s4 = self.powers
        n = self.n
        m1 = s1 / n
        c2 = s2 / n - m1**2
        c3 = s3 / n - 3 * m1 * s2 / n + 2 * m1**3
        c4 = s4 / n - 4 * m1 * s3 / n + 6 * m1**2 * s2 / n - 3 * m1**4
        return c3 / c2**1.5, c4 / c2**2 - 3
