"""InfoNCE training: the loss is Eq. 2, the diagnostics are the stated estimators, and training is
deterministic on the CPU with a checkpoint that resumes exactly."""

import math

import numpy as np
import pytest
import torch

from infonce_gauss.simulations.datasets import ImageData, make_synthetic
from infonce_gauss.simulations.encoders import LinearEncoder
from infonce_gauss.simulations.estimates import mean_norm_sq
from infonce_gauss.simulations.monitor import GaussianityMonitor
from infonce_gauss.simulations.training import (
    ImageTask,
    PairTask,
    TrainConfig,
    build_model,
    dependence_columns,
    embed,
    embedding_diagnostics,
    info_nce_loss,
    row_power_sums,
    train,
)
from infonce_gauss.theory.sphere import chi_norm_moments


def _explicit_eq2(za, zb, tau):
    """Paper Eq. 2 written out in float64: -(1/N) Σ_i log(exp(α u_i·v_i) / Σ_j exp(α u_i·v_j))."""
    u = za / np.linalg.norm(za, axis=1, keepdims=True)
    v = zb / np.linalg.norm(zb, axis=1, keepdims=True)
    total = 0.0
    for i in range(len(u)):
        logits = [u[i] @ v[j] / tau for j in range(len(v))]
        total -= logits[i] - math.log(sum(math.exp(s) for s in logits))
    return total / len(u)


def test_loss_is_equation_2():
    rng = np.random.default_rng(0)
    za, zb = rng.standard_normal((7, 5)), rng.standard_normal((7, 5))
    got = info_nce_loss(torch.tensor(za), torch.tensor(zb), tau=0.1).item()
    assert got == pytest.approx(_explicit_eq2(za, zb, 0.1), rel=1e-5)


def test_loss_of_orthonormal_aligned_pairs():
    # u_i = v_i = e_i: every negative cosine is 0, so L = log(1 + (N - 1) e^{-α}) exactly.
    n, tau = 6, 0.5
    eye = torch.eye(n, 8) * 3.0  # norms do not matter
    expected = math.log(1 + (n - 1) * math.exp(-1 / tau))
    assert info_nce_loss(eye, eye, tau=tau).item() == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("symmetric", [False, True])
def test_closed_form_gradient_is_the_derivative(symmetric):
    # the closed-form backward against central differences of the float64 loss (torch.autograd.gradcheck), for K = 2
    # seeds with per-seed loss weights (a weighted sum as upstream gradient), unequal norms and a zero-norm-free batch
    from infonce_gauss.simulations.training import _InfoNCE

    gen = torch.Generator().manual_seed(3)
    za = torch.randn(2, 5, 4, dtype=torch.float64, generator=gen) * torch.rand(2, 5, 1, generator=gen, dtype=torch.float64)
    zb = torch.randn(2, 5, 4, dtype=torch.float64, generator=gen) + 0.1
    z = torch.cat((za, zb), dim=1)  # both views stacked, as _InfoNCE takes them
    assert torch.autograd.gradcheck(lambda z: _InfoNCE.apply(z, 0.3, symmetric) * torch.tensor([1.0, -2.5]),
                                     (z.requires_grad_(),), eps=1e-6, atol=1e-8, rtol=1e-6)


def test_symmetric_loss_averages_both_directions():
    rng = np.random.default_rng(1)
    za, zb = rng.standard_normal((5, 4)), rng.standard_normal((5, 4))
    both = info_nce_loss(torch.tensor(za), torch.tensor(zb), tau=0.2, symmetric=True).item()
    assert both == pytest.approx((_explicit_eq2(za, zb, 0.2) + _explicit_eq2(zb, za, 0.2)) / 2, rel=1e-5)


# --- diagnostics ------------------------------------------------------------------------------------

def test_diagnostics_on_an_isotropic_gaussian():
    rng = np.random.default_rng(2)
    n, d = 4000, 16
    z = rng.standard_normal((n, d))
    out = embedding_diagnostics(z, z, z + 0.01 * rng.standard_normal((n, d)), eta2=0.5)
    # ||z|| ~ chi_d: the CV estimate is within 4 SE of the exact chi CV
    assert abs(out["cv"] - chi_norm_moments(d).cv) < 4 * out["cv_se"]
    # unbiased ||m||^2 = 0 under rotation invariance; its SD is sqrt(2/(d n^2)) (Hoeffding) ~ 9e-5
    assert abs(out["m_sq"]) < 5e-4
    assert out["align_bound"] == pytest.approx(0.5 + 0.5 * out["m_sq"])
    # u uniform: E[(u.u')^2] = 1/d exactly, so d E[(u.u')^2] = 1 and Var(u.u') = 1/d
    assert out["d_neg_cos_sq"] == pytest.approx(1.0, abs=0.03)
    assert out["neg_cos_var"] == pytest.approx(1 / d, rel=0.03)
    assert out["uniformity"] == pytest.approx(out["uniformity_sigma"], abs=0.02)
    assert 0.99 < out["alignment"] < 1.0
    assert out["ad_avg"] < 0.752 and out["dp_avg"] > 0.05
    # the normalized coordinates follow the sphere law (excess kurtosis -6/(d+2)), which the DP test detects
    # once n >> (d+2)^2: here the noncentrality 1.5 n/(d+2)^2 is about 18
    assert out["norm_dp_pass_pct"] < 50
    # independent coordinates: each sample correlation is ~N(0, 1/n), so (1/d)Σ_jl R_jl² = 1 + (d − 1)/n on average
    # (SD ~ 5e-4 over the 120 pairs) and the higher power sums are 1 to within (d − 1)·3/n² ~ 3e-6; the
    # participation ratio is d/P_2
    assert out["corr_power_sum_2"] == pytest.approx(1 + (d - 1) / n, abs=2e-3)
    assert out["corr_participation_ratio"] == pytest.approx(d / out["corr_power_sum_2"], rel=1e-12)
    assert out["corr_power_sum_8"] == pytest.approx(1.0, abs=1e-4) and out["norm_corr_power_sum_8"] == pytest.approx(1.0, abs=1e-4)
    assert row_power_sums(out, "norm_")[2] == out["norm_corr_power_sum_2"] and len(row_power_sums(out)) == 16


def test_dependence_columns_of_equicorrelated_coordinates():
    # z = √r·f·1ᵀ + √(1−r)·E: every pair has correlation r, so P_k = 1 + (d − 1) r^k (within sampling error) and
    # the participation ratio is d / (1 + (d − 1) r²)
    n, d, r = 20_000, 24, 0.6
    gen = np.random.default_rng(4)
    z = np.sqrt(r) * gen.standard_normal((n, 1)) + np.sqrt(1 - r) * gen.standard_normal((n, d))
    out = dependence_columns(z)
    for k in (2, 4, 8, 16):
        assert out[f"corr_power_sum_{k}"] == pytest.approx(1 + (d - 1) * r**k, rel=0.05), k
    assert out["corr_participation_ratio"] == pytest.approx(d / (1 + (d - 1) * r * r), rel=0.05)


def test_diagnostics_of_degenerate_laws():
    rng = np.random.default_rng(3)
    same = np.tile(rng.standard_normal(8), (50, 1)) * rng.uniform(1, 2, size=(50, 1)) + 1e-3 * rng.standard_normal((50, 8))
    out = embedding_diagnostics(same, same, same)
    assert out["alignment"] == pytest.approx(1.0) and out["alignment_se"] == pytest.approx(0.0, abs=1e-12)
    assert out["m_sq"] == pytest.approx(1.0, abs=1e-3)  # every direction is the same: ||m|| = 1
    assert out["d_neg_cos_sq"] == pytest.approx(8.0, rel=1e-3)  # rank one: d E[(u.u')^2] = d
    with pytest.raises(ValueError, match="exactly zero"):
        embedding_diagnostics(np.zeros((30, 4)), np.ones((30, 4)), np.ones((30, 4)))


def test_mean_norm_sq_is_the_off_diagonal_mean():
    rng = np.random.default_rng(np.random.SeedSequence(11))
    w = rng.standard_normal((9, 3)) + 0.5
    off = [w[i] @ w[j] for i in range(9) for j in range(9) if i != j]
    assert mean_norm_sq(w).value == pytest.approx(np.mean(off), rel=1e-12)


@pytest.mark.parametrize("m_norm", [0.0, 0.5])
def test_mean_norm_sq_is_unbiased_with_the_hoeffding_standard_error(m_norm):
    # w ~ N(m, I_d): E U = ||m||^2 and Var U = (4(n-2) m'm + 2(d + 2 m'm)) / (n(n-1)) exactly (zeta_1 = m'Σm,
    # zeta_2 = tr Σ^2 + 2 m'Σm for a Gaussian); the plug-in ||w̄||^2 is biased up by d/n = 0.04, 5x the test's 4 SE.
    n, d, reps = 100, 4, 400
    rng = np.random.default_rng(np.random.SeedSequence([12, int(10 * m_norm)]))
    m = np.full(d, m_norm / math.sqrt(d))
    est = [mean_norm_sq(m + rng.standard_normal((n, d))) for _ in range(reps)]
    values, ses = np.array([e.value for e in est]), np.array([e.se for e in est])
    exact_sd = math.sqrt((4 * (n - 2) * m_norm**2 + 2 * (d + 2 * m_norm**2)) / (n * (n - 1)))
    assert abs(values.mean() - m_norm**2) < 4 * exact_sd / math.sqrt(reps)
    rms = math.sqrt(np.mean(ses**2))
    if m_norm > 0:  # the reported SE is calibrated: its root mean square within 12% of the exact SD (about 3 SE of the check)
        assert rms == pytest.approx(exact_sd, rel=0.12)
    else:  # at m = 0 the estimated ζ₁ is clipped at its true value's lower limit 0: conservative, never 0
        assert ses.min() > 0 and 0.97 * exact_sd < rms < 1.3 * exact_sd


def _bias_dominated(eval_rows, seed, *, bias=3.0, dim=32, out_dim=8):
    """A Laplace A = 0.05 channel (views ≈ N(0, 1) noise, variance ≈ 1; anchors = the clean Laplace items,
    variance 2) and a linear encoder Wx + b with ||b|| = 3 against ||Wx|| ≈ 2.8 on views, 4 on anchors: the
    views collapse towards b more than the anchors do, so their laws (and their ||E u||^2) differ."""
    from infonce_gauss.simulations.training import _rng

    task = PairTask(make_synthetic("laplace", n_train=10, n_test=eval_rows, dim=dim, seed=seed, A=0.05, jitter=False))
    encoder = LinearEncoder(dim, out_dim)
    with torch.no_grad():
        encoder.net.weight.copy_(torch.randn(out_dim, dim, generator=torch.Generator().manual_seed(1)) / math.sqrt(dim))
        encoder.net.bias.zero_()
        encoder.net.bias[0] = bias
    evaluation = task.evaluation(_rng(seed, 0), eval_rows)
    return task, encoder, [embed(encoder, x) for x in (evaluation.anchors, evaluation.view_a, evaluation.view_b)]


def test_prop1_bound_uses_the_view_law_not_the_anchors():
    task, encoder, (z, za, zb) = _bias_dominated(4000, seed=0)
    eta2 = task.eta2()
    out = embedding_diagnostics(z, za, zb, eta2=eta2)
    # ||E u||^2 of the view law, independently: 400k fresh views, plug-in minus its bias tr(Σ_u)/N
    gen = np.random.default_rng(np.random.SeedSequence(13))
    channel = task.data.channel
    u = embed(encoder, torch.from_numpy(channel.sample(channel.sample_base(400_000, gen), gen).astype(np.float32)))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    ref = mean_norm_sq(u)
    pairs = [x / np.linalg.norm(x, axis=1, keepdims=True) for x in (za, zb)]
    se = mean_norm_sq((pairs[0] + pairs[1]) / 2).se  # the SE of the estimate from these 4000 pairs
    assert abs(out["m_sq"] - ref.value) < 4 * math.hypot(se, ref.se)
    assert out["m_sq_se"] == pytest.approx(se)
    # the anchors' law is another one: its ||E u||^2 is far below the views'
    assert out["anchor_m_sq"] < out["m_sq"] - 0.1
    # Prop 1 with the view law holds as an interval statement ...
    assert out["align_bound"] == pytest.approx(eta2 + (1 - eta2) * out["m_sq"])
    assert out["alignment"] - out["align_bound"] == pytest.approx(-out["align_slack"])
    assert out["align_excess_z"] <= 3.0
    assert out["alignment"] - out["align_bound"] <= 3.0 * out["align_slack_se"]
    # ... while the bound computed from the anchors is exceeded by tens of standard errors
    anchors_bound = eta2 + (1 - eta2) * out["anchor_m_sq"]
    assert out["alignment"] - anchors_bound > 10 * out["alignment_se"]


def test_prop1_slack_standard_error_counts_the_covariance():
    # alignment and ||m||^2 come from the same pairs and move together here (alignment ≈ ||m||^2 + small), so
    # the slack's SD is well below sqrt(se_a^2 + se_m^2); the reported SE matches the spread over replicates.
    reps = 150
    slack, se, naive = [], [], []
    for r in range(reps):
        task, _, (z, za, zb) = _bias_dominated(600, seed=100 + r)
        out = embedding_diagnostics(z, za, zb, eta2=task.eta2(), pairs=50)
        slack.append(out["align_slack"])
        se.append(out["align_slack_se"])
        naive.append(math.hypot(out["alignment_se"], out["align_bound_se"]))
    sd = float(np.std(slack, ddof=1))
    assert math.sqrt(np.mean(np.square(se))) == pytest.approx(sd, rel=0.18)  # 1/sqrt(2·150) = 6% per SD estimate
    assert math.sqrt(np.mean(np.square(naive))) > 1.3 * sd


# --- the loop ---------------------------------------------------------------------------------------

def _task(n_train=256, dim=32, name="laplace", **params):
    params = {"jitter": False, **params} if name == "laplace" else params
    return PairTask(make_synthetic(name, n_train=n_train, n_test=100, dim=dim, seed=0, **params))


CONFIG = TrainConfig(out_dim=8, batch_size=32, epochs=4, diagnostics_every=2, eval_samples=100, device="cpu")


def test_training_is_deterministic_on_the_cpu():
    task = _task()
    a = train(task, CONFIG, progress=False)
    b = train(task, CONFIG, progress=False)
    assert np.array_equal(a.embeddings, b.embeddings)
    assert [r["train_loss"] for r in a.rows] == [r["train_loss"] for r in b.rows]
    assert [r["epoch"] for r in a.rows] == [0, 2, 4]
    c = train(task, TrainConfig(**{**CONFIG.to_dict(), "seed": 1}), progress=False)
    assert not np.array_equal(a.embeddings, c.embeddings)


def test_checkpoint_resume_equals_the_uninterrupted_run(tmp_path):
    task = _task()
    whole = train(task, CONFIG, out_dir=tmp_path / "whole", progress=False)
    train(task, TrainConfig(**{**CONFIG.to_dict(), "epochs": 2}), out_dir=tmp_path / "split", progress=False)
    resumed = train(task, CONFIG, out_dir=tmp_path / "split", resume=True, progress=False)
    assert np.array_equal(whole.embeddings, resumed.embeddings)
    strip = lambda rows: [{k: v for k, v in r.items() if k != "seconds"} for r in rows]
    assert strip(whole.rows) == strip(resumed.rows)
    for name in ("embeddings", "positives_a", "positives_b", "diagnostics", "checkpoint"):
        assert (tmp_path / "split" / resumed.files[name].name).is_file()
    assert np.array_equal(np.load(tmp_path / "split" / "embeddings.npy"), resumed.embeddings)


def test_the_train_columns_monitor_the_epochs_own_batches(tmp_path):
    # the row of epoch 2 holds the GaussianityMonitor statistics of epoch 2's training batches exactly as the loss
    # saw them (anchors z_a, positives z_b), replayed here by hand from the documented seeds (module docstring)
    task = _task()
    result = train(task, CONFIG, out_dir=tmp_path, progress=False)
    model = build_model(CONFIG, task)
    optimizer = torch.optim.Adam(model.parameters(), lr=CONFIG.lr, weight_decay=CONFIG.weight_decay)
    replay = GaussianityMonitor(CONFIG.out_dim, seed=CONFIG.seed)
    for epoch in (1, 2):
        rng = np.random.default_rng(np.random.SeedSequence([CONFIG.seed, 1, epoch]))
        for x, y in task.batches(rng, CONFIG.batch_size, "infonce"):
            z_a, z_b = model(torch.cat([x, y])).chunk(2)
            if epoch == 2:
                replay.update(z_a, z_b)
            loss = info_nce_loss(z_a, z_b, tau=CONFIG.tau)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    rows = {row["epoch"]: row for row in result.rows}
    assert {k: v for k, v in rows[2].items() if k.startswith("train_") and k != "train_loss"} == pytest.approx(
        {f"train_{k}": v for k, v in replay.compute().items()}, rel=1e-12)
    assert rows[4]["train_n"] == task.train_size  # reset at the epoch's start: one epoch of anchors, not two
    assert "train_alignment" not in rows[0]       # no training before epoch 0
    assert "train_effective_rank" in (tmp_path / "diagnostics.csv").read_text().splitlines()[0].split(",")
    plain = train(task, CONFIG, progress=False, monitor=False)
    assert [k for k in plain.final if k.startswith("train_")] == ["train_loss"]
    assert np.array_equal(plain.embeddings, result.embeddings)  # the monitor leaves training untouched


def test_resume_refuses_a_changed_config_or_a_missing_checkpoint(tmp_path):
    task = _task()
    train(task, TrainConfig(**{**CONFIG.to_dict(), "epochs": 1}), out_dir=tmp_path, progress=False)
    with pytest.raises(ValueError, match="different configuration.*tau"):
        train(task, TrainConfig(**{**CONFIG.to_dict(), "tau": 0.5}), out_dir=tmp_path, resume=True, progress=False)
    with pytest.raises(ValueError, match="nothing to resume"):
        train(task, CONFIG, out_dir=tmp_path / "empty", resume=True, progress=False)


def test_resume_reads_the_checkpoint_as_weights_only(tmp_path, planted):
    # a checkpoint is a pickle: one planted in a results folder must not run the code it names
    task = _task()
    payload, marker = planted
    good = train(task, TrainConfig(**{**CONFIG.to_dict(), "epochs": 2}), out_dir=tmp_path, progress=False)
    checkpoint = good.files["checkpoint"]
    whole = checkpoint.read_bytes()
    state = torch.load(checkpoint, weights_only=True)  # what the suite writes is plain: tensors, numbers, dicts
    plants = {"zip": lambda: torch.save({**state, "rows": [payload]}, checkpoint),
              "raw pickle": lambda: checkpoint.write_bytes(__import__("pickle").dumps(payload)),
              "truncated": lambda: checkpoint.write_bytes(whole[: len(whole) // 2]),
              "not a state": lambda: torch.save({"model": {}}, checkpoint),
              "wrong shapes": lambda: torch.save({**state, "model": {"w": torch.zeros(1)}}, checkpoint)}
    for name, plant in plants.items():
        plant()
        with pytest.raises(ValueError, match="is not a checkpoint of infonce-gauss train .*without --resume"):
            train(task, CONFIG, out_dir=tmp_path, resume=True, progress=False)
        assert not marker.exists(), name


def test_training_lowers_the_loss_and_logs_prop1():
    # sparse binary data: views differ in a few flipped bits, so positives are easy to align (η₂ ≈ 0.98)
    task = _task(n_train=512, dim=64, name="binary", density=0.2)
    result = train(task, TrainConfig(**{**CONFIG.to_dict(), "epochs": 6, "diagnostics_every": 1}), progress=False)
    losses = [r["train_loss"] for r in result.rows[1:]]
    assert losses[-1] < losses[0]
    last = result.final
    assert last["eta2"] == pytest.approx(task.eta2())
    # Prop 1 as an interval statement: alignment - bound <= 3 SE of the slack
    assert last["alignment"] - last["align_bound"] <= 3 * last["align_slack_se"]
    assert last["align_excess_z"] == pytest.approx((last["alignment"] - last["align_bound"]) / last["align_slack_se"])


def _tiny_images(n=96, classes=2, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, classes, size=n)
    images = (rng.integers(0, 60, size=(n, 1, 8, 8)) + 180 * labels[:, None, None, None]).astype(np.uint8)
    return ImageData("tiny", images[:48], labels[:48], images[48:], labels[48:], "test")


def test_supervised_baseline_learns_separable_classes(tmp_path):
    task = ImageTask(_tiny_images())
    config = TrainConfig(encoder="cnn", width=4, out_dim=4, objective="supervised", batch_size=16, epochs=8, lr=1e-2,
                         diagnostics_every=8, eval_samples=20, device="cpu")
    result = train(task, config, out_dir=tmp_path, progress=False)
    assert result.rows[-1]["train_loss"] < math.log(2)  # below chance for two classes
    assert result.rows[-1]["eta2"] is None
    assert np.array_equal(np.load(tmp_path / "labels.npy"), task.data.test_labels[:20])


def test_image_task_standardizes_with_the_training_statistics():
    data = _tiny_images()
    task = ImageTask(data)
    pixels = data.train_images / 255.0
    anchors = task._standardize(torch.from_numpy(pixels).float())
    assert anchors.mean().item() == pytest.approx(0.0, abs=1e-5)
    assert anchors.std(unbiased=False).item() == pytest.approx(1.0, abs=1e-4)


def test_contrastive_images_use_clean_anchors_and_augmented_pairs():
    task = ImageTask(_tiny_images())
    result = train(task, TrainConfig(encoder="mlp", hidden=16, out_dim=4, batch_size=16, epochs=1, diagnostics_every=1,
                                     eval_samples=20, device="cpu"), progress=False)
    assert result.embeddings.shape == result.positives_a.shape == (20, 4)
    assert not np.array_equal(result.embeddings, result.positives_a)


def test_bad_configurations_raise():
    with pytest.raises(ValueError, match="objective"):
        TrainConfig(objective="byol")
    with pytest.raises(ValueError, match="tau"):
        TrainConfig(tau=0)
    with pytest.raises(ValueError, match="batch_size"):
        TrainConfig(batch_size=1)
    with pytest.raises(ValueError, match="exceeds"):
        train(_task(n_train=16), CONFIG, progress=False)
    with pytest.raises(ValueError, match="infonce"):
        train(_task(), TrainConfig(**{**CONFIG.to_dict(), "objective": "supervised"}), progress=False)


@pytest.mark.gpu
def test_cuda_training_with_bf16_autocast():
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    result = train(_task(), TrainConfig(**{**CONFIG.to_dict(), "device": "cuda"}), progress=False)
    assert np.all(np.isfinite(result.embeddings))


def test_image_task_trains_on_its_first_train_samples_images():
    data = _tiny_images()
    task = ImageTask(data, train_samples=16)
    assert task.train_size == 16 and ImageTask(data, train_samples=10_000).train_size == 48
    pixels = data.train_images[:16] / 255.0
    anchors = task._standardize(torch.from_numpy(pixels).float())
    assert anchors.mean().item() == pytest.approx(0.0, abs=1e-5)  # standardized with the subset's statistics
    batches = list(task.batches(np.random.default_rng(0), 8, "infonce"))
    assert len(batches) == 2
    with pytest.raises(ValueError, match="train_samples"):
        ImageTask(data, train_samples=1)


def test_backbone_diagnostics_measure_the_layer_before_the_head():
    from infonce_gauss.simulations.training import backbone_diagnostics, build_model, embed

    task = ImageTask(_tiny_images())
    config = TrainConfig(encoder="cnn", width=4, out_dim=3, batch_size=16, epochs=1, eval_samples=20, device="cpu")
    model = build_model(config, task)
    row = backbone_diagnostics(model, task, config)
    assert row["d"] == 8 and row["n"] == 20  # 2·width channels after pooling
    z = embed(model.features, task.evaluation(np.random.default_rng(0), 20).anchors)
    assert row["mean_norm"] == pytest.approx(float(np.linalg.norm(z, axis=1).mean()))
    with pytest.raises(ValueError, match="no backbone"):
        backbone_diagnostics(build_model(TrainConfig(encoder="mlp", hidden=4, out_dim=3), task), task,
                             TrainConfig(encoder="mlp", hidden=4, out_dim=3))
