"""The seeds of one configuration trained as one batched model equal each seed trained alone (same losses,
diagnostics and embeddings up to float rounding), and the pair losses are their stated formulas, per seed."""

import math

import numpy as np
import pytest
import torch

from infonce_gauss.simulations.batched import StackedEncoder, batchable, train_batched
from infonce_gauss.simulations.datasets import make_synthetic
from infonce_gauss.simulations.encoders import MLPEncoder
from infonce_gauss.simulations.training import (
    PairTask,
    TrainConfig,
    alignment_loss,
    info_nce_loss,
    pair_loss,
    train,
    uniformity_loss,
    vicreg_loss,
)

SEEDS = (3, 11, 20)


def _tasks(name="laplace", **params):
    params = {"jitter": False, **params} if name == "laplace" else params
    return [PairTask(make_synthetic(name, n_train=128, n_test=60, dim=12, seed=s, **params)) for s in SEEDS]


def _configs(**kw):
    base = dict(out_dim=6, hidden=16, batch_size=32, epochs=3, diagnostics_every=2, eval_samples=60, device="cpu")
    return [TrainConfig(**{**base, **kw, "seed": s}) for s in SEEDS]


@pytest.mark.parametrize("encoder,objective,extra,ahead", [
    ("linear", "infonce", {}, False),
    ("linear", "infonce", {}, True),
    ("mlp", "infonce", {"symmetric": True, "weight_decay": 1e-3}, True),
    ("mlp", "alignment", {}, False),
    ("linear", "uniformity", {}, False),
    ("mlp", "vicreg", {}, True),
])
def test_batched_seeds_equal_each_seed_alone(monkeypatch, encoder, objective, extra, ahead):
    # ahead: the batches drawn ahead in a worker thread (batched.prefetched), as where torch leaves a core idle
    from infonce_gauss.simulations import batched

    monkeypatch.setattr(batched, "_core_to_spare", lambda: ahead)
    tasks, configs = _tasks(), _configs(encoder=encoder, objective=objective, **extra)
    alone = [train(t, c, progress=False) for t, c in zip(tasks, configs)]
    together = train_batched(tasks, configs, progress=False)
    assert len(together) == len(SEEDS)
    for a, b in zip(alone, together):
        assert b.config == a.config
        assert [r["epoch"] for r in b.rows] == [r["epoch"] for r in a.rows] == [0, 2, 3]
        assert set(b.rows[-1]) == set(a.rows[-1])  # the same columns, train_* of the monitor included
        for ra, rb in zip(a.rows, b.rows):
            for key in ("train_loss", "ad_avg", "norm_dp_avg", "alignment", "m_sq", "cv", "d_neg_cos_sq",
                        "train_mean_norm_sq", "train_coordinate_excess_kurtosis"):
                if ra.get(key) is None:
                    assert rb.get(key) is None
                else:
                    assert rb[key] == pytest.approx(ra[key], rel=1e-4, abs=1e-6), key
        np.testing.assert_allclose(b.embeddings, a.embeddings, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(b.positives_b, a.positives_b, rtol=1e-4, atol=1e-5)
        for pa, pb in zip(a.model.parameters(), b.model.parameters()):  # the unstacked model is the seed's own
            np.testing.assert_allclose(pb.detach().numpy(), pa.detach().numpy(), rtol=1e-4, atol=1e-6)
    # the seeds really differ (else equality above would say little)
    assert not np.allclose(together[0].embeddings, together[1].embeddings)


def test_stacked_encoder_applies_encoder_k_to_slice_k():
    torch.manual_seed(0)
    encoders = [MLPEncoder(5, 3, hidden=7) for _ in range(4)]
    x = torch.randn(4, 9, 5)
    out = StackedEncoder(encoders)(x)
    for k, e in enumerate(encoders):
        torch.testing.assert_close(out[k], e(x[k]))


def _unit(z):
    return z / np.linalg.norm(z, axis=-1, keepdims=True)


def test_pair_losses_are_their_formulas_per_seed():
    rng = np.random.default_rng(5)
    za, zb = rng.standard_normal((3, 8, 4)), rng.standard_normal((3, 8, 4))
    ta, tb = torch.tensor(za), torch.tensor(zb)
    for k in range(3):
        u, v = _unit(za[k]), _unit(zb[k])
        # Wang & Isola (2020): alignment E||u - v||^2, uniformity log of the mean of exp(-2||u_i - u_j||^2), i != j
        assert alignment_loss(ta, tb)[k].item() == pytest.approx(np.mean(np.sum((u - v) ** 2, axis=1)), rel=1e-6)
        unif = [math.log(np.mean([math.exp(-2 * np.sum((w[i] - w[j]) ** 2)) for i in range(8) for j in range(8)
                                  if i != j])) for w in (u, v)]
        assert uniformity_loss(ta, tb)[k].item() == pytest.approx(np.mean(unif), rel=1e-5)
        # VICReg (Bardes et al. 2022), weights 25, 25, 1: covariance over off-diagonal entries, divided by d
        inv = np.mean(np.sum((za[k] - zb[k]) ** 2, axis=1)) / 4
        spread = 0.0
        for z in (za[k], zb[k]):
            cov = np.cov(z, rowvar=False)
            spread += 25 * np.mean(np.maximum(0, 1 - np.sqrt(np.diag(cov) + 1e-4)))
            spread += np.sum((cov - np.diag(np.diag(cov))) ** 2) / 4
        assert vicreg_loss(ta, tb)[k].item() == pytest.approx(25 * inv + spread, rel=1e-5)
        for symmetric in (False, True):
            batched = info_nce_loss(ta, tb, tau=0.3, symmetric=symmetric)[k].item()
            assert batched == pytest.approx(info_nce_loss(ta[k], tb[k], tau=0.3, symmetric=symmetric).item(), rel=1e-6)


def test_pair_loss_dispatches_on_the_objective():
    za, zb = torch.randn(6, 3), torch.randn(6, 3)
    config = TrainConfig(objective="uniformity", tau=0.5)
    z = torch.cat((za, zb))  # both views stacked, as the encoder maps them
    assert pair_loss(z, config).item() == pytest.approx(uniformity_loss(za, zb).item())
    config = TrainConfig(objective="infonce", tau=0.5)
    assert pair_loss(z, config).item() == pytest.approx(info_nce_loss(za, zb, tau=0.5).item())
    with pytest.raises(ValueError, match="both views stacked"):
        pair_loss(z[:-1], config)
    with pytest.raises(ValueError, match="pair up row by row"):
        info_nce_loss(za, zb[:-1], tau=0.5)


def test_batchable_says_why_not():
    tasks = _tasks()
    assert batchable(tasks, _configs()) is None
    assert "cnn" in batchable(tasks, _configs(encoder="cnn"))
    assert "supervised" in batchable(tasks, _configs(objective="supervised"))
    assert "regularizer" in batchable(tasks, _configs(reg_beta=0.1))
    mixed = _configs()
    mixed[1] = TrainConfig(**{**mixed[1].to_dict(), "lr": 0.01})
    assert "lr" in batchable(tasks, mixed)
    small = [PairTask(make_synthetic("laplace", n_train=64, n_test=60, dim=12, seed=0, jitter=False))] + tasks[1:]
    assert "shape" in batchable(small, _configs())
    with pytest.raises(ValueError, match="one by one"):
        train_batched(tasks, _configs(encoder="cnn"), progress=False)


def test_prefetched_gives_the_items_in_order_and_raises_where_production_failed():
    from infonce_gauss.simulations.batched import prefetched

    assert list(prefetched(iter(range(50)), depth=3)) == list(range(50))

    def failing():
        yield from range(3)
        raise RuntimeError("drawing failed")

    got = []
    with pytest.raises(RuntimeError, match="drawing failed"):
        for item in prefetched(failing()):
            got.append(item)
    assert got == [0, 1, 2]


def test_leaving_a_prefetched_loop_early_stops_its_worker():
    import threading

    from infonce_gauss.simulations.batched import prefetched

    drawn = []

    def endless():
        while True:
            drawn.append(len(drawn))
            yield drawn[-1]

    loop = prefetched(endless(), depth=2)
    assert [next(loop) for _ in range(5)] == [0, 1, 2, 3, 4]
    loop.close()  # as when the training loop raises or is interrupted
    assert not any(t.name == "infonce-gauss batches" for t in threading.enumerate())
    assert len(drawn) <= 5 + 2 + 2  # the worker drew at most a queue's worth ahead, then stopped
