"""Results on disk: run folders, deterministic figures, run metadata."""

import matplotlib.pyplot as plt
import pytest

from infonce_gauss import results


def test_figures_are_byte_reproducible(tmp_path):
    def draw():
        fig, ax = plt.subplots()
        ax.plot([1, 2, 3], [3, 1, 2])
        return fig

    first = [p.read_bytes() for p in results.save_figure(draw(), tmp_path / "a")]
    second = [p.read_bytes() for p in results.save_figure(draw(), tmp_path / "b")]
    assert first == second
    assert (tmp_path / "a.png").exists() and (tmp_path / "a.pdf").exists()


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
