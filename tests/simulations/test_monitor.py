"""GaussianityMonitor against analytic oracles (Gaussian, uniform sphere), batch invariance, and its float32
accumulation against a float64 computation on the concatenated data."""

import math

import numpy as np
import pytest
import torch
from scipy import stats

from infonce_gauss.simulations.estimates import mean_norm_sq
from infonce_gauss.simulations.monitor import GaussianityMonitor
from infonce_gauss.simulations.sampling import uniform_sphere
from infonce_gauss.theory.sphere import chi_norm_moments


def _feed(x, batch=1000, positives=None, **kw):
    mon = GaussianityMonitor(x.shape[1], **kw)
    for a in range(0, x.shape[0], batch):
        mon.update(torch.from_numpy(x[a:a + batch]), None if positives is None else torch.from_numpy(positives[a:a + batch]))
    return mon.compute()


def test_gaussian_oracle():
    # N(0, I_d): CV of norms = CV_chi(d); coordinates and projections Gaussian (skew 0, excess kurtosis 0 ± √(24/n));
    # RankMe and participation ratio → d (Marchenko–Pastur: PR = d/(1 + d/n) to first order)
    n, d = 40_000, 16
    s = _feed(np.random.default_rng(0).standard_normal((n, d)))
    assert s["norm_cv"] == pytest.approx(chi_norm_moments(d).cv, rel=0.02)
    for key in ("coordinate_excess_kurtosis", "projection_excess_kurtosis"):
        assert abs(s[key]) < 4 * math.sqrt(24 / n)
    assert s["participation_ratio"] == pytest.approx(d / (1 + d / n), rel=2e-3)
    assert d * 0.999 < s["effective_rank"] <= d
    assert abs(s["mean_norm_sq"]) < 4 * s["mean_norm_sq_se"]


def test_uniform_sphere_oracle():
    # uniform on S^{d-1}: norms all 1 (CV 0), ||m||² = 0 (unbiased: within its SE), coordinate excess kurtosis −6/(d+2)
    n, d = 40_000, 8
    s = _feed(uniform_sphere(n, d, rng=1))
    assert s["norm_cv"] < 1e-6
    assert abs(s["mean_norm_sq"]) < 4 * s["mean_norm_sq_se"]
    assert s["coordinate_excess_kurtosis"] == pytest.approx(-6 / (d + 2), abs=4 * math.sqrt(24 / n / d) + 0.01)


def test_alignment_and_batch_invariance():
    # views z + σε of Gaussian z: E[u·v] → ρ = 1/√(1+σ²) as d grows (first order in 1/d: ρ − ρ(1−ρ²)/(2d))
    rng = np.random.default_rng(2)
    z = rng.standard_normal((20_000, 64))
    v = z + 0.5 * rng.standard_normal(z.shape)
    rho = 1 / math.sqrt(1.25)
    a = _feed(z, batch=500, positives=v)
    b = _feed(z, batch=20_000, positives=v)
    assert a["alignment"] == pytest.approx(rho - rho * (1 - rho**2) / 128, abs=4 * a["alignment_se"] + 2e-3)
    for key, value in a.items():
        assert b[key] == pytest.approx(value, rel=1e-9, abs=1e-12), key


def _reference(z, v, directions):
    """The monitor's statistics computed in float64 on the whole data at once, by SciPy and NumPy."""
    r = np.linalg.norm(z, axis=1)
    u = z / r[:, None]
    lam = np.linalg.eigvalsh(np.cov(z.T))
    p = lam / lam.sum()
    cos = np.einsum("ij,ij->i", u, v / np.linalg.norm(v, axis=1)[:, None])
    proj = z @ directions
    m = mean_norm_sq(u)
    return {"norm_cv": r.std() / r.mean(), "mean_norm_sq": m.value, "mean_norm_sq_se": m.se,
            "effective_rank": math.exp(-np.sum(p * np.log(p))), "participation_ratio": lam.sum() ** 2 / np.sum(lam**2),
            "coordinate_skewness": stats.skew(z).mean(), "coordinate_excess_kurtosis": stats.kurtosis(z).mean(),
            "projection_skewness": stats.skew(proj).mean(), "projection_excess_kurtosis": stats.kurtosis(proj).mean(),
            "projection_max_abs_excess_kurtosis": np.abs(stats.kurtosis(proj)).max(),
            "alignment": cos.mean(), "alignment_se": cos.std(ddof=1) / math.sqrt(len(cos))}


def test_float32_batches_match_a_float64_computation_on_all_the_data():
    # 100 float32 batches of 256 rows (a training epoch) of skewed, shifted, anisotropic data: the float32 products
    # per batch, added into float64 sums, reproduce the float64 statistics of the 25 600 rows to 2e-6 relative
    # (measured: <= 3e-7). Running sums kept in float32 instead miss by 7e-6 (norm CV) to 1e-2 (alignment SE).
    rng = np.random.default_rng(5)
    n, d = 256 * 100, 32
    x = (rng.exponential(size=(n, d)) * np.linspace(0.2, 2.0, d) + 0.5).astype(np.float32)
    pos = (x + 0.3 * rng.standard_normal((n, d))).astype(np.float32)
    mon = GaussianityMonitor(d, seed=3)
    for a in range(0, n, 256):
        mon.update(torch.from_numpy(x[a:a + 256]), torch.from_numpy(pos[a:a + 256]))
    got = mon.compute()
    assert (got["n"], mon.pairs) == (n, n)
    for key, value in _reference(x.astype(np.float64), pos.astype(np.float64), mon.directions.numpy()).items():
        assert got[key] == pytest.approx(value, rel=2e-6), key


def _replicated(sample, d, reps=20, n=20_000, batch=256):
    """Coordinate and projection excess kurtosis of ``reps`` independent float32 streams: means and SEs."""
    out = []
    for rep in range(reps):
        x = sample(np.random.default_rng([7, rep]), n, d).astype(np.float32)
        mon = GaussianityMonitor(d, seed=rep)
        for a in range(0, n, batch):
            mon.update(torch.from_numpy(x[a:a + batch]))
        s = mon.compute()
        out.append((s["coordinate_excess_kurtosis"], s["projection_excess_kurtosis"]))
    out = np.array(out)
    return out.mean(axis=0), out.std(axis=0, ddof=1) / math.sqrt(reps)


@pytest.mark.parametrize("d", [4, 8])
def test_sphere_excess_kurtosis_is_the_exact_sphere_law(d):
    # U uniform on S^{d-1}: E U_1^4 = 3/(d(d+2)), E U_1^2 = 1/d, so the excess kurtosis of every coordinate, and of
    # every fixed direction (rotation invariance), is 3d/(d+2) - 3 = -6/(d+2) (paper: the exact sphere law; the
    # Gaussian limit 0 only as d -> inf). Mean of 20 replicate streams of n = 20 000 float32 rows (seeds
    # SeedSequence([7, rep])) within 4 replicate SEs (~0.004); the O(1/n) bias of g2 is ~1e-4.
    mean, se = _replicated(lambda rng, n, d: uniform_sphere(n, d, rng=rng), d)
    for value, err in zip(mean, se):
        assert abs(value - (-6 / (d + 2))) < 4 * err
        assert abs(value - (-6 / (d + 4))) > 8 * err     # the tolerance separates neighbouring laws


def test_gaussian_excess_kurtosis_is_zero():
    # N(0, I_8): excess kurtosis 0 for coordinates and projections (E g2 = -6/(n+1) = -3e-4, below 4 SEs ~ 0.008)
    mean, se = _replicated(lambda rng, n, d: rng.standard_normal((n, d)), 8)
    assert np.all(np.abs(mean) < 4 * se)
    assert np.all(se < 0.005)


def test_bad_input_is_refused():
    mon = GaussianityMonitor(4)
    with pytest.raises(ValueError, match=r"\(batch, 4\)"):
        mon.update(torch.zeros(3, 5))
    with pytest.raises(ValueError, match="row by row"):
        mon.update(torch.zeros(3, 4), torch.zeros(2, 4))
    with pytest.raises(ValueError, match="update"):
        mon.compute()


@pytest.mark.gpu
def test_cuda_agrees_with_cpu():
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    x = np.random.default_rng(3).standard_normal((5000, 32))
    mon = GaussianityMonitor(32)
    mon.update(torch.from_numpy(x).cuda())
    cpu = _feed(x, batch=5000)
    for key, value in mon.compute().items():
        assert value == pytest.approx(cpu[key], rel=1e-10, abs=1e-12), key


def test_updates_inside_a_training_step_track_no_gradients_and_ignore_autocast():
    # A model's output (requires grad) under CPU bf16 autocast: the monitor's sums hold no graph, and its
    # statistics equal those of the same float32 embeddings fed outside autocast (bf16 products would move
    # the effective rank and the kurtoses by ~1e-3, far outside the 1e-9 asserted).
    gen = torch.Generator().manual_seed(2)
    layer = torch.nn.Linear(12, 24)
    x, noise = torch.randn(512, 12, generator=gen), 0.1 * torch.randn(512, 24, generator=gen)
    z = layer(x)
    plain = GaussianityMonitor(24, seed=1)
    plain.update(z.detach(), z.detach() + noise)
    inside = GaussianityMonitor(24, seed=1)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        inside.update(z, z + noise)
    assert all(not t.requires_grad for t in inside._moments.sums().values())
    expected = plain.compute()
    for key, value in inside.compute().items():
        assert value == pytest.approx(expected[key], rel=1e-9, abs=1e-12), key


def test_compute_between_updates_and_a_change_of_dtype_lose_no_rows():
    # compute() mid-epoch adds the open window (moments.GRAM_ROWS) into the running sums, and a batch of another dtype
    # starts a new window: every statistic equals that of one float64 stream of the same rows (to float32 rounding).
    x = np.random.default_rng(4).standard_normal((3000, 10)) * np.linspace(0.5, 2, 10)
    mixed = GaussianityMonitor(10, seed=2)
    mixed.update(torch.from_numpy(x[:1000]).float())
    first = mixed.compute()
    mixed.update(torch.from_numpy(x[1000:2000]))  # float64
    mixed.update(torch.from_numpy(x[2000:]).float())
    reference = GaussianityMonitor(10, seed=2)
    reference.update(torch.from_numpy(x))
    got, expected = mixed.compute(), reference.compute()
    assert first["n"] == 1000 and got["n"] == 3000
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, rel=1e-5, abs=1e-9), key
