"""The streaming moments: add_gram against float64 products, the NumPy and torch paths against each other and
against sums over all the rows at once, and merge (the sum of two states) against the state of the union."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from infonce_gauss.simulations import moments
from infonce_gauss.simulations.moments import Moments, add_gram

SUMS = ("sum_z", "gram_z", "sum_u", "gram_u", "powers", "norm_sums", "cos_sums", "sum_v", "gram_w", "sum_cos_w")


def _data(n=600, d=5, seed=0):
    """Skewed, shifted rows, noisy positives, three classes, K = 3 directions and a subsample mask."""
    rng = np.random.default_rng(seed)
    z = 4.0 + rng.exponential(size=(n, d)) * np.linspace(0.5, 2.0, d)
    v = z + 0.5 * rng.standard_normal((n, d))
    directions = np.linalg.qr(rng.standard_normal((d, 3)))[0]
    return z, v, rng.integers(0, 3, n), rng.random(n) < 0.1, directions


def _state(z, v, codes, mask, directions, *, tensor=False, size=True, chunk=None):
    m = Moments(directions=directions, size=z.shape[0] if size else 0, centre=True, power_sums=True, pair_means=True)
    chunk = chunk or z.shape[0]
    for a in range(0, z.shape[0], chunk):
        rows, pos = z[a:a + chunk], v[a:a + chunk]
        if tensor:
            rows, pos = torch.from_numpy(rows), torch.from_numpy(pos)
        m.add(rows, pos, codes=codes[a:a + chunk], sample=mask[a:a + chunk])
    return m.host()


def _exact(z, v, codes, directions):
    """Every sum computed on all the rows at once, in float64 (about the first rows' mean of each state)."""
    u = z / np.linalg.norm(z, axis=1, keepdims=True)
    vh = v / np.linalg.norm(v, axis=1, keepdims=True)
    cos = np.einsum("ij,ij->i", u, vh)
    w = (u + vh) / 2
    x = np.hstack((z, z @ directions))
    r = np.linalg.norm(z, axis=1)
    return {"sum_z": z.sum(0), "sum_u": u.sum(0), "gram_u": u.T @ u, "powers": np.stack([(x**k).sum(0) for k in range(1, 5)]),
            "norm_sums": np.array([(r**k).sum() for k in range(1, 5)]), "cos_sums": np.array([cos.sum(), cos @ cos]), "sum_v": vh.sum(0),
            "gram_w": w.T @ w, "sum_cos_w": cos @ w, "covariance": np.cov(z, rowvar=False),
            "classes": {c: u[codes == c].sum(0) for c in np.unique(codes)}, "norms": r, "cosines": cos}


def _assert_close(got: Moments, expected: dict, rtol: float):
    for name, value in expected.items():
        if name == "classes":
            assert sorted(got.class_sums) == sorted(value)
            for c, s in value.items():
                np.testing.assert_allclose(got.class_sums[c][0], s, rtol=rtol, atol=rtol * np.abs(s).max())
            continue
        ours = got.covariance() if name == "covariance" else getattr(got, name)
        np.testing.assert_allclose(ours, value, rtol=rtol, atol=rtol * np.abs(value).max(), err_msg=name)


def _float64_gram(gram, z, *, shift=None, scale=None):
    y = np.asarray(z, dtype=np.float64) - (0 if shift is None else shift)
    y = y if scale is None else y * scale[:, None]
    gram += y.T @ y


@pytest.mark.parametrize("form", ["plain", "shift", "scale"])
def test_add_gram_is_the_float64_product_of_the_shifted_or_scaled_rows_to_float32_rounding(form):
    # 10 000 rows (three float32 blocks and a partial one), summed in float64: each entry within
    # ~sqrt(4096)·6e-8 = 4e-6 of the sum of |a_i||b_i| per block (add_gram's docstring), typically ~10x less; 1e-6
    # of the largest such sum is asserted (a missing shift or scale is off by far more).
    rng = np.random.default_rng(3)
    z = 5 + rng.standard_normal((10_000, 7))
    shift = z[:100].mean(axis=0) if form == "shift" else None
    scale = 1 / np.linalg.norm(z, axis=1) if form == "scale" else None
    y = z - (0 if shift is None else shift)
    y = y if scale is None else y * scale[:, None]
    gram = np.zeros((7, 7))
    add_gram(gram, z, shift=shift, scale=scale)
    exact = y.T @ y
    np.testing.assert_allclose(gram, exact, rtol=0, atol=1e-6 * (np.abs(y).T @ np.abs(y)).max())


@pytest.mark.parametrize("tensor", [False, True])
def test_both_paths_equal_the_sums_over_all_rows(tensor):
    # float64 rows in chunks of 128: the torch path's products are float64 (1e-12); the NumPy path's Gram matrices
    # are float32 blocks (add_gram: ~1e-6 of the largest entry), its other sums float64.
    z, v, codes, mask, directions = _data()
    got = _state(z, v, codes, mask, directions, tensor=tensor, chunk=128)
    exact = _exact(z, v, codes, directions)
    _assert_close(got, {k: exact.pop(k) for k in ("gram_u", "gram_w", "covariance")}, 1e-12 if tensor else 1e-6)
    _assert_close(got, exact, 1e-12)
    assert (got.n, got.pairs, got.norms.shape, got.projections.dtype) == (600, 600, (600,), np.float32)
    np.testing.assert_array_equal(np.concatenate(got.sample), z[mask])
    skew, kurt = got.standardized_moments()
    from scipy import stats

    x = np.hstack((z, z @ directions))
    np.testing.assert_allclose(skew, stats.skew(x), rtol=1e-9)
    np.testing.assert_allclose(kurt, stats.kurtosis(x), rtol=1e-9)
    assert got.mean_norm_sq().value == pytest.approx(
        (np.sum(exact["sum_u"] ** 2) - 600) / (600 * 599), rel=1e-9)


def test_numpy_and_torch_paths_agree(monkeypatch):
    # with add_gram's float32 blocks replaced by float64 products, the two paths differ only in float64 rounding
    monkeypatch.setattr(moments, "add_gram", _float64_gram)
    z, v, codes, mask, directions = _data(seed=1)
    a = _state(z, v, codes, mask, directions, chunk=250)
    b = _state(z, v, codes, mask, directions, tensor=True, chunk=250)
    for name in (*SUMS, "shift", "norms", "cosines", "projections"):
        x, y = getattr(a, name), getattr(b, name)
        assert isinstance(y, np.ndarray), name
        np.testing.assert_allclose(y, x, rtol=1e-10, atol=1e-10 * np.abs(x).max(), err_msg=name)
    assert a.class_sums.keys() == b.class_sums.keys()
    np.testing.assert_array_equal(np.concatenate(a.sample), np.concatenate(b.sample))


def test_float32_rows_use_a_window_flushed_into_float64():
    # float32 tensors: Gram products in float32, added into the float64 sums every GRAM_ROWS rows and on reading
    # (the window is then zeroed in place, its memory kept)
    z = np.random.default_rng(2).standard_normal((5000, 6)).astype(np.float32)
    m = Moments()
    for a in range(0, 5000, 1000):
        m.add(torch.from_numpy(z[a:a + 1000]))
        assert m._window_rows == (a + 1000 if a + 1000 < moments.GRAM_ROWS else 0)  # flushed at 5000 rows
    exact = z.astype(np.float64).T @ z.astype(np.float64)
    np.testing.assert_allclose(m.host().gram_z, exact, rtol=0, atol=1e-6 * np.abs(exact).max())
    assert m.gram_z.dtype == torch.float64 and m._window_rows == 0 and not any(w.any() for w in m._window.values())


@pytest.mark.parametrize("tensor", [False, True])
def test_merge_of_two_halves_is_the_state_of_the_whole(tensor):
    # each half is centred on its own first chunk's mean; merge moves the second half's Gram matrix to the first's
    z, v, codes, mask, directions = _data(seed=3)
    whole = _state(z, v, codes, mask, directions, tensor=tensor, chunk=50)
    halves = [_state(z[s], v[s], codes[s], mask[s], directions, tensor=tensor, chunk=50)
              for s in (slice(0, 250), slice(250, None))]
    merged = halves[0].merge(halves[1])
    assert (merged.n, merged.pairs, merged.size) == (600, 600, 600)
    np.testing.assert_array_equal(merged.shift, whole.shift)
    rtol = 1e-12 if tensor else 1e-6  # the NumPy path's float32 Gram blocks differ by the rows they hold
    for name in SUMS:
        x = getattr(whole, name)
        np.testing.assert_allclose(getattr(merged, name), x, rtol=rtol, atol=rtol * np.abs(x).max(), err_msg=name)
    for name in ("norms", "cosines", "projections"):
        np.testing.assert_array_equal(getattr(merged, name), getattr(whole, name))
    np.testing.assert_array_equal(np.concatenate(merged.sample), np.concatenate(whole.sample))
    for c in whole.class_sums:
        assert merged.class_sums[c][1] == whole.class_sums[c][1]
        np.testing.assert_allclose(merged.class_sums[c][0], whole.class_sums[c][0], rtol=1e-12)


def test_merge_of_torch_states_stays_on_the_device_and_leaves_its_inputs_unchanged():
    z = torch.from_numpy(np.random.default_rng(4).standard_normal((300, 4)).astype(np.float32))
    a, b = Moments(centre=True), Moments(centre=True)
    a.add(z[:100])
    b.add(z[100:])
    before = {k: v.clone() for k, v in a.sums().items()}
    merged = a.merge(b)
    assert isinstance(merged.gram_z, torch.Tensor) and merged.n == 300
    for k, v in a.sums().items():
        assert torch.equal(v, before[k]), k
    assert Moments(centre=True).merge(a).n == a.merge(Moments(centre=True)).n == 100


def test_merge_refuses_states_of_different_settings():
    a, b = Moments(power_sums=True), Moments()
    with pytest.raises(ValueError, match="power_sums"):
        a.merge(b)
    with pytest.raises(ValueError, match="directions"):
        Moments(directions=np.eye(3)).merge(Moments(directions=np.eye(3)[:, ::-1]))


@given(st.lists(st.integers(1, 80), min_size=3, max_size=3), st.booleans())
def test_merge_is_associative_and_commutative_to_rounding(sizes, tensor):
    z, v, codes, mask, directions = _data(n=sum(sizes), d=4, seed=sum(sizes))
    cuts = np.cumsum([0, *sizes])
    a, b, c = (_state(z[s:e], v[s:e], codes[s:e], mask[s:e], directions, tensor=tensor, size=False)
               for s, e in zip(cuts[:-1], cuts[1:]))
    left, right = a.merge(b).merge(c), a.merge(b.merge(c))
    swapped = b.merge(a).merge(c)
    for name in SUMS:
        x = getattr(left, name)
        np.testing.assert_allclose(getattr(right, name), x, rtol=1e-12, atol=1e-12 * np.abs(x).max(), err_msg=name)
        if name != "gram_z":  # the Gram matrix of z is about the first state's shift: compare the covariances
            np.testing.assert_allclose(getattr(swapped, name), x, rtol=1e-12, atol=1e-12 * np.abs(x).max(), err_msg=name)
    if left.n > 1:
        cov = left.covariance()
        np.testing.assert_allclose(swapped.covariance(), cov, rtol=1e-9, atol=1e-9 * np.abs(cov).max())
    assert left.class_sums.keys() == swapped.class_sums.keys()
