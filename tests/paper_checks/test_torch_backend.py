"""The torch backend of ``check`` (infonce_gauss.encoder_check.torch_backend) against the NumPy path on the same data.

On CPU tensors (``backend="torch"``) in the default suite; on a CUDA tensor under the ``gpu`` marker.
Agreement is asked to 1e-10 relative. The one statistic whose NumPy value carries a larger rounding error
is A² at large n (-n minus a sum of ~n terms of order one: an absolute error of order n·ε₆₄, measured up
to 44·n·ε for NumPy's einsum against an exact fsum); the tests at n ≤ 4000 stay far below it, and the
GPU test at n = 2·10⁵ allows it explicitly. Gram matrices are float64 products on the device and float32
blocks in NumPy (streaming.add_gram), so the comparisons of everything built on them replace add_gram by
float64 products (the quantity add_gram approximates, within its own tested error).
"""

import math
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from infonce_gauss import check
from infonce_gauss.encoder_check import streaming
from infonce_gauss.encoder_check import torch_backend as tb
from infonce_gauss.simulations import gaussianity as g

RTOL = 1e-10
FIELDS = ("ad", "dp_statistic", "dp_pvalue", "skewness", "excess_kurtosis")
CUDA = torch.cuda.is_available()


def _columns(n, d, dtype, seed):
    """Columns of several laws (Gaussian, heavy-tailed, skewed, light-tailed) and one far outlier (|w| > 37,
    where ndtr underflows and log_ndtr takes over)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d))
    laws = [lambda c: c, lambda c: c**3, np.exp, lambda c: stats.norm.cdf(c)]
    for j in range(d):
        x[:, j] = laws[j % len(laws)](x[:, j])
    x[0, -1] = 1e4  # one outlier: its standardized value is about sqrt(n - 1) > 37 for n > 1400
    return x.astype(dtype)


def _assert_same_tests(a: g.CoordinateTests, b: g.CoordinateTests, ad_atol: float = 0.0):
    assert a.n == b.n
    for f in FIELDS:
        np.testing.assert_allclose(getattr(b, f), getattr(a, f), rtol=RTOL, atol=ad_atol if f == "ad" else 0.0, err_msg=f)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n,d", [(20, 3), (1500, 5), (4000, 9)])
def test_coordinate_tests_match_numpy(dtype, n, d):
    x = _columns(n, d, dtype, seed=n + d)
    _assert_same_tests(g.coordinate_tests(x, workers=1), tb.coordinate_tests(torch.from_numpy(x)))
    xt = np.ascontiguousarray(x.T)
    _assert_same_tests(g.coordinate_tests(xt, columns_first=True, workers=1),
                       tb.coordinate_tests(torch.from_numpy(xt), columns_first=True))


def test_coordinate_tests_match_scipy():
    """An outside implementation: scipy.stats.anderson and normaltest, column by column."""
    x = _columns(2000, 4, np.float64, seed=7)
    res = tb.coordinate_tests(torch.from_numpy(x))
    for j in range(x.shape[1]):
        with warnings.catch_warnings():  # SciPy 1.17 asks for a p-value method; the statistic is the same
            warnings.simplefilter("ignore", FutureWarning)
            assert res.ad[j] == pytest.approx(stats.anderson(x[:, j], "norm").statistic, rel=1e-9)
        k2, p = stats.normaltest(x[:, j])
        assert res.dp_statistic[j] == pytest.approx(k2, rel=1e-9)
        assert res.dp_pvalue[j] == pytest.approx(p, rel=1e-9, abs=1e-300)


def test_work_items_split_columns(monkeypatch):
    """Columns split over several device work items give the same results as one."""
    x = torch.from_numpy(_columns(500, 7, np.float32, seed=3))
    whole = tb.coordinate_tests(x)
    monkeypatch.setattr(tb, "DEVICE_BLOCK_ELEMENTS", 2 * 500)
    _assert_same_tests(whole, tb.coordinate_tests(x))


def test_block_tests_constant_row_is_nan_and_coordinate_tests_refuse_it():
    x = _columns(100, 3, np.float32, seed=1)
    x[:, 1] = 2.5
    out = tb.block_tests(torch.from_numpy(np.ascontiguousarray(x.T)))
    assert torch.isnan(out[1]).all() and not torch.isnan(out[[0, 2]]).any()
    with pytest.raises(ValueError, match="1 column"):
        tb.coordinate_tests(torch.from_numpy(x))


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(20, 600), d=st.integers(1, 5),
       dtype=st.sampled_from([np.float32, np.float64]), scale=st.sampled_from([1e-30, 1.0, 1e30]))
def test_coordinate_tests_match_numpy_hypothesis(seed, n, d, dtype, scale):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal((n, d)) * rng.exponential(size=(n, 1)) * scale).astype(dtype)  # a scale mixture
    _assert_same_tests(g.coordinate_tests(x, workers=1), tb.coordinate_tests(torch.from_numpy(x)))


def _float64_gram(gram, z, *, shift=None, scale=None):
    y = np.asarray(z, dtype=np.float64) - (0 if shift is None else shift)
    y = y if scale is None else y * scale[:, None]
    gram += y.T @ y


def _assert_moments_equal(a: streaming.Moments, b: streaming.Moments):
    assert (a.n, a.size) == (b.n, b.size)
    for name in ("shift", "sum_z", "gram_z", "sum_u", "gram_u", "cosines", "sum_v", "gram_w", "sum_cos_w"):
        x, y = getattr(a, name), getattr(b, name)
        assert isinstance(y, np.ndarray), name
        np.testing.assert_allclose(y, x, rtol=RTOL, atol=RTOL * np.abs(x).max(), err_msg=name)  # entries near 0: of the largest
    assert a.class_sums.keys() == b.class_sums.keys()
    for c in a.class_sums:
        assert a.class_sums[c][1] == b.class_sums[c][1]
        np.testing.assert_allclose(b.class_sums[c][0], a.class_sums[c][0], rtol=RTOL, atol=RTOL * np.abs(a.class_sums[c][0]).max())


def _pass_inputs(n, d, seed):
    rng = np.random.default_rng(seed)
    z = (rng.standard_normal((n, d)) + 3.0).astype(np.float32)  # a large common mean: the shift matters
    v = (z + 0.5 * rng.standard_normal((n, d))).astype(np.float32)
    directions = g.random_directions(d, 6, rng=rng)
    flag = np.zeros(n, dtype=bool)
    flag[rng.choice(n, 50, replace=False)] = True
    return z, v, directions, flag, rng.integers(0, 4, n)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_moments_match_numpy(monkeypatch, dtype):
    z, v, directions, flag, codes = _pass_inputs(3000, 11, seed=5)
    z, v = z.astype(dtype), v.astype(dtype)
    keep = np.ones(3000, dtype=bool)
    keep[[3, 700, 2999]] = False  # dropped rows
    cols = np.array([0, 1, 2, 4, 5, 6, 7, 8, 10])  # dropped columns: indices, not a slice
    monkeypatch.setattr(streaming, "add_gram", _float64_gram)
    monkeypatch.setattr(streaming.EmbeddingMatrix, "chunk_rows", lambda self: 700)  # several chunks
    monkeypatch.setattr(tb.TensorMatrix, "chunk_rows", lambda self: 700)
    args = (g.random_directions(cols.size, 6, rng=np.random.default_rng(0)), flag[keep], codes[keep])
    m, arrays = streaming.accumulate(streaming.as_input(z, "z"), streaming.as_input(v, "v"), keep, cols, *args)
    zt, vt = (tb.as_input(torch.from_numpy(a), "t", device="cpu") for a in (z, v))
    mt, arrays_t = streaming.accumulate(zt, vt, keep, cols, *args)
    _assert_moments_equal(m, mt)
    np.testing.assert_allclose(arrays_t["norms"], arrays["norms"], rtol=RTOL)
    np.testing.assert_allclose(arrays_t["sample"], arrays["sample"], rtol=0)
    assert arrays_t["projections"].dtype == np.float32
    np.testing.assert_allclose(arrays_t["projections"], arrays["projections"], rtol=RTOL)


def test_device_gram_is_the_float64_product():
    """Without the float64 stand-in, the device's Gram matrix is the float64 product of the centred rows."""
    z, _, directions, flag, _ = _pass_inputs(2000, 8, seed=9)
    keep = np.ones(2000, dtype=bool)
    m, _ = streaming.accumulate(tb.as_input(torch.from_numpy(z), "z", device="cpu"), None, keep, np.arange(8),
                                directions, flag, None)
    c = z.astype(np.float64) - m.shift
    np.testing.assert_allclose(m.gram_z, c.T @ c, rtol=RTOL, atol=RTOL * np.abs(c.T @ c).max())


def test_scan_matches_numpy():
    """NaN/inf and zero rows, a constant column and an extreme scale are found alike (scan_and_accumulate)."""
    z, _, directions, flag, _ = _pass_inputs(500, 6, seed=2)
    z = z.astype(np.float64) * 2.0**40
    z[4, 2], z[9, 0], z[17] = np.nan, -np.inf, 0.0
    z[:, 5] = 1.5
    out = []
    for x in (streaming.as_input(z, "z"), tb.as_input(torch.from_numpy(z), "z", device="cpu")):
        keep, cols, described, moments = streaming.scan_and_accumulate(x, None, directions, flag, None, drop_nonfinite=True,
                                                                      drop_constant=True)
        out.append((keep, cols, described, moments, x.scale))
    (k1, c1, d1, m1, s1), (k2, c2, d2, m2, s2) = out
    np.testing.assert_array_equal(k1, k2)
    np.testing.assert_array_equal(c1, c2)
    assert d1 == d2 and s1 == s2 < 2.0**-40 and m1 is m2 is None  # rescaled: values near 2**43


def _numeric_leaves(tree, path=""):
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from _numeric_leaves(value, f"{path}/{key}")
    elif isinstance(tree, (list, tuple)):
        for i, value in enumerate(tree):
            yield from _numeric_leaves(value, f"{path}[{i}]")
    elif isinstance(tree, (int, float, np.number, np.ndarray)) and not isinstance(tree, bool):
        yield path, np.asarray(tree, dtype=np.float64)


def _assert_same_results(a, b):
    da, db = a.to_dict(), b.to_dict()
    for d in (da, db):
        d.pop("seconds", None)
        d["input"].pop("statistics_on")
    assert a.summary() == b.summary()
    leaves_b = dict(_numeric_leaves(db))
    for path, x in _numeric_leaves(da):
        if "seconds" in path:
            continue
        np.testing.assert_allclose(leaves_b[path], x, rtol=RTOL, atol=1e-300, err_msg=path)


def _check_inputs(n=2500, d=10, seed=4):
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, d)).astype(np.float32)
    z[:, 3] = z[:, 3] ** 3
    z[7, 1] = np.nan
    v = (z + 0.5 * rng.standard_normal((n, d))).astype(np.float32)
    return z, v, rng.integers(0, 3, n)


def test_check_matches_numpy_on_cpu_tensors(monkeypatch):
    """The whole check with positives, labels, a dropped row and whitening: every number to 1e-10 relative."""
    monkeypatch.setattr(streaming, "add_gram", _float64_gram)
    z, v, labels = _check_inputs()
    kw = dict(labels=labels, whiten=True, eta2=0.5, null_replicates=200, drop_nonfinite=True, memory_mb=1)
    numpy_result = check(z, positives=v, **kw)
    torch_result = check(torch.from_numpy(z), positives=torch.from_numpy(v), backend="torch", **kw)
    assert numpy_result.input["statistics_on"] == "numpy" and torch_result.input["statistics_on"] == "torch on cpu"
    _assert_same_results(numpy_result, torch_result)


def test_backend_choice():
    from infonce_gauss.encoder_check.check import _read

    t = torch.zeros((30, 4))
    assert isinstance(_read(t, "t", None, "auto"), streaming.EmbeddingMatrix)  # a CPU tensor: NumPy by default
    on_device = _read(t, "t", None, "torch")
    assert isinstance(on_device, tb.TensorMatrix) and streaming.backend(on_device) is tb
    assert streaming.backend(_read(t, "t", None, "numpy")) is streaming.NUMPY
    with pytest.raises(ValueError, match="backend must be one of"):
        _read(t, "t", None, "cuda")
    with pytest.raises(ValueError, match="n × d"):
        _read(torch.zeros(5), "t", None, "torch")
    # positives follow the embeddings to where their statistics run
    assert isinstance(_read(np.zeros((30, 4)), "p", None, "auto", like=on_device), tb.TensorMatrix)
    assert isinstance(_read(t, "p", None, "torch", like=_read(t, "t", None, "numpy")), streaming.EmbeddingMatrix)


@pytest.mark.gpu
@pytest.mark.skipif(not CUDA, reason="needs a CUDA device")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_coordinate_tests_match_numpy_on_cuda(dtype):
    for n, d in ((1500, 5), (4000, 9)):
        x = _columns(n, d, dtype, seed=n)
        _assert_same_tests(g.coordinate_tests(x, workers=1), tb.coordinate_tests(torch.from_numpy(x).cuda()))
    n = 200_000  # A²'s own rounding in NumPy is of order n·ε (module docstring): allowed at this n
    x = _columns(n, 4, dtype, seed=11)
    _assert_same_tests(g.coordinate_tests(x), tb.coordinate_tests(torch.from_numpy(x).cuda()),
                       ad_atol=64 * n * np.finfo(np.float64).eps)


@pytest.mark.gpu
@pytest.mark.skipif(not CUDA, reason="needs a CUDA device")
def test_moments_and_check_match_numpy_on_cuda(monkeypatch):
    monkeypatch.setattr(streaming, "add_gram", _float64_gram)
    z, v, directions, flag, codes = _pass_inputs(3000, 11, seed=5)
    keep = np.ones(3000, dtype=bool)
    m, arrays = streaming.accumulate(streaming.as_input(z, "z"), streaming.as_input(v, "v"), keep, np.arange(11),
                                     directions, flag, codes)
    mt, arrays_t = streaming.accumulate(tb.as_input(torch.from_numpy(z), "z", device="cuda"),
                                        tb.as_input(torch.from_numpy(v), "v", device="cuda"), keep, np.arange(11),
                                        directions, flag, codes)
    _assert_moments_equal(m, mt)
    np.testing.assert_allclose(arrays_t["norms"], arrays["norms"], rtol=RTOL)
    z, v, labels = _check_inputs()
    kw = dict(labels=labels, whiten=True, eta2=0.5, null_replicates=200, drop_nonfinite=True)
    cuda_result = check(torch.from_numpy(z).cuda(), positives=torch.from_numpy(v).cuda(), **kw)
    assert cuda_result.input["statistics_on"].startswith("torch on cuda")
    _assert_same_results(check(z, positives=v, **kw), cuda_result)
    assert math.isfinite(cuda_result.seconds)
