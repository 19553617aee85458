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
