"""Training presets: replicate seeds train each run once per seed, into a folder per replicate."""

from infonce_gauss.catalog import preset
from infonce_gauss.simulations.replicates import replicate_seeds


def test_train_seeds_trains_every_run_once_per_replicate_seed(monkeypatch, tmp_path):
    laplace = preset("table1-laplace")
    calls = []
    monkeypatch.setattr(type(laplace), "train", lambda self, profile="quick", *, seed=0, out_dir=None, **kw:
                        calls.append((seed, out_dir)) or [seed])
    out = laplace.train_seeds("quick", seeds=3, seed=5, out_dir=tmp_path)
    assert list(out) == replicate_seeds(5, 3) and all(v == [s] for s, v in out.items())
    assert [c[1] for c in calls] == [tmp_path / f"seed-{i}" for i in range(3)]


def test_train_seeds_batches_the_replicates_and_equals_the_loop():
    import numpy as np
    import pytest

    from infonce_gauss.simulations import batched
    from infonce_gauss.training_presets import Preset, synthetic_run

    def runs(profile):
        size = {"n_train": 96, "n_test": 40, "dim": 10, "jitter": False}
        return [synthetic_run("laplace", label=f"{e}", size=size, encoder=e, out_dim=4, hidden=8, batch_size=32,
                              epochs=2, diagnostics_every=2, eval_samples=40, device="cpu") for e in ("linear", "mlp")]

    toy = Preset("toy", "two small runs", "none", runs)
    calls = []
    original = batched.train_batched
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(batched, "train_batched", lambda *a, **k: calls.append(len(a[0])) or original(*a, **k))
        together = toy.train_seeds("quick", seeds=3, seed=2, progress=False)
    assert calls == [3, 3]  # each run's three replicates trained as one batched model
    alone = {s: toy.train("quick", seed=s, progress=False) for s in replicate_seeds(2, 3)}
    assert list(together) == list(alone)
    for s in alone:
        for (run_a, _, a), (run_b, _, b) in zip(alone[s], together[s]):
            assert run_b == run_a
            np.testing.assert_allclose(b.embeddings, a.embeddings, rtol=1e-4, atol=1e-5)
            assert [r["epoch"] for r in b.rows] == [r["epoch"] for r in a.rows] == [0, 2]
            assert b.rows[-1]["train_loss"] == pytest.approx(a.rows[-1]["train_loss"], rel=1e-5)
