"""GaussianityMonitor against analytic oracles (Gaussian, uniform sphere), batch invariance, and its float32
accumulation against a float64 computation on the concatenated data."""

import math
import time

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
    # effective rank, RankMe and participation ratio → d (Marchenko–Pastur: PR = d/(1 + d/n) to first order)
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
    sigma = np.linalg.svd(z, compute_uv=False)  # RankMe (Garrido et al. 2023): singular values of Z, p = σ/Σσ + 1e-7
    q = sigma / sigma.sum() + 1e-7
    k = np.arange(1, len(lam) + 1)
    return {"norm_cv": r.std() / r.mean(), "mean_norm_sq": m.value, "mean_norm_sq_se": m.se,
            "effective_rank": math.exp(-np.sum(p * np.log(p))), "participation_ratio": lam.sum() ** 2 / np.sum(lam**2),
            "rankme": math.exp(-np.sum(q * np.log(q))),
            "alpha_req": -stats.linregress(np.log(k), np.log(np.sort(lam)[::-1])).slope,
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


def test_bad_input_is_refused_and_names_the_batch():
    mon = GaussianityMonitor(4)
    with pytest.raises(ValueError, match=r"\(batch, 4\)"):
        mon.update(torch.ones(3, 5))
    with pytest.raises(ValueError, match="row by row"):
        mon.update(torch.ones(3, 4), torch.ones(2, 4))
    with pytest.raises(ValueError, match="update"):
        mon.compute()
    with pytest.raises(ValueError, match="directions"):
        GaussianityMonitor(4, directions=0)
    good = np.random.default_rng(0).standard_normal((50, 4))
    mon = GaussianityMonitor(4)
    mon.update(good)
    for bad, row in ((np.nan, 7), (np.inf, 3), (0.0, None)):
        x = good.copy()
        if row is None:
            x[11] = 0.0  # a zero row: no direction
        else:
            x[row, 2] = bad
        with pytest.raises(ValueError, match=r"batch \d+ .*: z has 1 row.* rows \[%d\]" % (11 if row is None else row)):
            mon.update(torch.from_numpy(x))
        with pytest.raises(ValueError, match=r"batch \d+ .*: z_positive has 1 row"):
            mon.update(good, x)
    with pytest.raises(ValueError, match="complex"):
        mon.update(good + 1j * good)
    with pytest.raises(ValueError, match="complex"):
        mon.update(torch.from_numpy(good + 1j * good))
    # the refused batches added nothing: the statistics are those of the one good batch
    reference = GaussianityMonitor(4)
    reference.update(torch.from_numpy(good))
    assert mon.n == 50 and mon.compute() == reference.compute()


def test_numpy_batches_infer_dim_and_equal_tensor_batches():
    x = np.random.default_rng(1).standard_normal((600, 6))
    lazy = GaussianityMonitor()
    assert lazy.dim is None and lazy.n == 0
    for a in range(0, 600, 200):
        lazy.update(x[a:a + 200], x[a:a + 200] + 0.1)
    eager = GaussianityMonitor(6)
    eager.update(torch.from_numpy(x), torch.from_numpy(x + 0.1))
    assert lazy.dim == 6
    got, expected = lazy.compute(), eager.compute()
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, rel=1e-10, abs=1e-13), key
    assert repr(lazy) == "GaussianityMonitor(dim=6, directions=16, seed=0, n=600, pairs=600)"
    assert repr(GaussianityMonitor()) == "GaussianityMonitor(dim=None, directions=16, seed=0, n=0, pairs=0)"


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


def _monitor_of(x, v=None, batch=250, **kw):
    mon = GaussianityMonitor(x.shape[1], **kw)
    for a in range(0, x.shape[0], batch):
        mon.update(torch.from_numpy(x[a:a + batch]), None if v is None else torch.from_numpy(v[a:a + batch]))
    return mon


def _assert_same_statistics(got, expected, rel=1e-10):
    assert set(got) == set(expected)
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, rel=rel, abs=1e-13), key


def test_merge_state_equals_one_monitor_fed_both_halves():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((1000, 8)) * np.linspace(0.5, 2, 8) + 0.3
    v = x + 0.2 * rng.standard_normal(x.shape)
    first, second = _monitor_of(x[:500], v[:500]), _monitor_of(x[500:], v[500:])
    first.merge_state(second)
    assert first.n == 1000
    _assert_same_statistics(first.compute(), _monitor_of(x, v).compute())
    with pytest.raises(ValueError, match="seed"):
        first.merge_state(_monitor_of(x, seed=1))


def test_forward_returns_the_batch_and_accumulates_the_stream():
    x = np.random.default_rng(7).standard_normal((900, 5))
    mon = GaussianityMonitor(5)
    for a in range(0, 900, 300):
        batch = mon(torch.from_numpy(x[a:a + 300]))
        _assert_same_statistics(batch, _monitor_of(x[a:a + 300]).compute())
    _assert_same_statistics(mon.compute(), _monitor_of(x, batch=300).compute())


def test_state_dict_checkpoint_loads_with_weights_only(tmp_path):
    # the state is tensors only: torch.load(weights_only=True) restores it, into a monitor that has not seen a batch
    x = np.random.default_rng(8).standard_normal((400, 7))
    mon = _monitor_of(x, x + 0.5, seed=3)
    torch.save({"monitor": mon.state_dict()}, tmp_path / "ckpt.pt")
    state = torch.load(tmp_path / "ckpt.pt", weights_only=True)["monitor"]
    assert {"gram_z", "sum_u", "n_rows", "n_pairs"} <= set(state)
    restored = GaussianityMonitor(seed=3)
    restored.load_state_dict(state)
    assert (restored.dim, restored.n, restored.pairs) == (7, 400, 400)
    _assert_same_statistics(restored.compute(), mon.compute(), rel=0)
    restored.update(torch.from_numpy(x[:10]))  # and it goes on accumulating
    assert restored.n == 410


def test_to_moves_the_states_and_the_directions():
    mon = GaussianityMonitor(4).to(torch.device("cpu"))
    assert mon.gram_z.device.type == "cpu" and mon.device.type == "cpu"
    if torch.cuda.is_available():
        mon = mon.to("cuda")
        assert mon.gram_z.device.type == "cuda" and mon._w.device.type == "cuda"


def _ddp_rank(rank, world, init_file, x, v, out):
    """One gloo process: feed this rank's shard of (x, v) in batches of 200; write its synced statistics."""
    import json

    torch.distributed.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=world)
    try:
        mon = GaussianityMonitor(x.shape[1], seed=5)
        shard = slice(rank * len(x) // world, (rank + 1) * len(x) // world)  # unshuffled: each rank sees a different law
        xs, vs = x[shard], v[shard]
        for a in range(0, len(xs), 200):
            mon.update(torch.from_numpy(xs[a:a + 200]), torch.from_numpy(vs[a:a + 200]))
        stats = mon.compute()
        local = mon.n  # compute restores the local sums afterwards
        with open(f"{out}.{rank}", "w") as fh:
            json.dump({"stats": stats, "local_n": local}, fh)
    finally:
        torch.distributed.destroy_process_group()


def test_two_gloo_processes_each_fed_a_shard_equal_one_process_fed_everything(tmp_path):
    # 2 processes on the CPU (gloo), each fed its own half of an unshuffled data set whose halves differ in law
    # (shifted means): compute() all-reduces the sums, so every rank reports the statistics of one process fed all
    # 2000 rows (to float64 rounding), not those of its shard (whose ||m||² and n differ).
    import json

    rng = np.random.default_rng(9)
    x = rng.standard_normal((2000, 6))
    x[:1000] += 1.0
    v = x + 0.3 * rng.standard_normal(x.shape)
    # forked (under 1 s), not spawned (~80 s of re-imports on 2 loaded cores); a hung process fails the test
    context = torch.multiprocessing.start_processes(_ddp_rank, args=(2, tmp_path / "init", x, v, tmp_path / "out"),
                                                    nprocs=2, join=False, start_method="fork")
    deadline = time.monotonic() + 120
    while not context.join(timeout=1):
        if time.monotonic() > deadline:
            for process in context.processes:
                process.kill()
            pytest.fail("the two gloo processes did not finish in 120 s")
    expected = _monitor_of(x, v, batch=200, seed=5).compute()
    shard = _monitor_of(x[:1000], v[:1000], batch=200, seed=5).compute()
    assert abs(shard["mean_norm_sq"] - expected["mean_norm_sq"]) > 20 * expected["mean_norm_sq_se"]
    for rank in range(2):
        got = json.loads((tmp_path / f"out.{rank}").read_text())
        assert got["local_n"] == 1000
        _assert_same_statistics(got["stats"], expected, rel=1e-9)


def _fed(z, positives=None):
    monitor = GaussianityMonitor(seed=0)
    for rows in range(0, z.shape[0], 512):
        monitor.update(z[rows:rows + 512], None if positives is None else positives[rows:rows + 512])
    return monitor


def test_norm_cv_se_is_the_delta_method_se_of_the_norms():
    from infonce_gauss.simulations.estimates import cv_estimate

    z = torch.randn(3000, 24, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    z = z * torch.exp(0.3 * torch.randn(3000, 1, generator=torch.Generator().manual_seed(4), dtype=torch.float64))
    stats = _fed(z).compute()
    direct = cv_estimate(torch.linalg.vector_norm(z, dim=1).numpy())
    assert stats["norm_cv"] == pytest.approx(direct.value, rel=1e-9)
    assert stats["norm_cv_se"] == pytest.approx(direct.se, rel=1e-9)


def test_verdicts_follow_checks_rules_on_laws_with_known_answers():
    gen = torch.Generator().manual_seed(5)
    g = torch.randn(4096, 32, generator=gen)
    positives = g + 0.1 * torch.randn(4096, 32, generator=gen)
    gaussian = _fed(g, positives)
    v = gaussian.verdicts()
    # N(0, I_32): CV = CV_chi(32) (ratio 1 < 3), ||m||² = 0 < 1/sqrt(32); positives given but no eta2
    assert v == {"thin_shell": "holds", "mean_direction": "holds", "alignment": "cannot tell"}
    # E[u·v] ≈ 0.995 and ||m||² ≈ 0: Prop 1's bound eta2 + (1 - eta2)·0 is violated at eta2 = 0.5, met at 0.999
    assert gaussian.verdicts(eta2=0.5)["alignment"] == "fails"
    assert gaussian.verdicts(eta2=0.999)["alignment"] == "holds"
    # radii spread log-normally with sd 1: CV ≈ 1.3 against CV_chi(32) ≈ 0.125 (ratio ≈ 10 > 3)
    spread = g * torch.exp(torch.randn(4096, 1, generator=gen))
    assert _fed(spread).verdicts()["thin_shell"] == "fails"
    # a common mean of norm 6 in d = 32: ||E u||² ≈ 0.5 against the tolerance 1/sqrt(32) ≈ 0.18
    shifted = g + 6.0 * torch.nn.functional.one_hot(torch.tensor(0), 32)
    assert _fed(shifted).verdicts()["mean_direction"] == "fails"
    assert "alignment" not in _fed(g).verdicts(eta2=0.5)
