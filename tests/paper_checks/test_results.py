"""Results on disk: atomic writes, deterministic figures, run metadata."""

import json
import os

import matplotlib.pyplot as plt
import pytest

from infonce_gauss import results


def test_atomic_write_leaves_no_partial_file(tmp_path, monkeypatch):
    target = tmp_path / "out.json"
    results.write_json(target, {"a": 1})

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        results.write_json(target, {"a": 2})
    assert json.loads(target.read_text()) == {"a": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_figures_are_byte_reproducible(tmp_path):
    def draw():
        fig, ax = plt.subplots()
        ax.plot([1, 2, 3], [3, 1, 2])
        return fig

    first = [p.read_bytes() for p in results.save_figure(draw(), tmp_path / "a")]
    second = [p.read_bytes() for p in results.save_figure(draw(), tmp_path / "b")]
    assert first == second
    assert (tmp_path / "a.png").exists() and (tmp_path / "a.pdf").exists()


def test_csv_and_json_values(tmp_path):
    import numpy as np

    path = results.write_csv(tmp_path / "t.csv", [{"a": np.float64(1.5), "b": 2}, {"a": 3, "c": "x"}])
    assert path.read_text().splitlines() == ["a,b,c", "1.5,2,", "3,,x"]
    results.write_json(tmp_path / "j.json", {"x": np.arange(2), "y": float("inf")})
    assert json.loads((tmp_path / "j.json").read_text()) == {"x": [0, 1], "y": "inf"}
    with pytest.raises(ValueError, match="empty table"):
        results.write_csv(tmp_path / "e.csv", [])


def test_run_dir_and_metadata(tmp_path):
    run = results.new_run_dir("claims", root=tmp_path)
    assert run.name.startswith("claims-") and run.is_dir()
    assert results.new_run_dir("claims", root=tmp_path) != run
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="is a file"):
        results.new_run_dir("claims", tmp_path / "file")
    meta = results.run_metadata("claims", {"profile": "quick"}, seed=3, wall_seconds=1.23456)
    assert meta["seed"] == 3 and meta["wall_seconds"] == 1.235
    assert {"python", "numpy", "scipy", "sympy", "torch"} <= set(meta["versions"])
    assert "compute" in meta["device"]
