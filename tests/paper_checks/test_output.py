"""What a run leaves on disk: run folders (fresh, swapped in on success, nothing left on failure), figures, run metadata."""

import os
import stat

import pytest
from matplotlib.figure import Figure

from infonce_gauss import output
from infonce_gauss.simulations.files import atomic_write_text


def test_figures_are_byte_reproducible(tmp_path):
    def draw():
        fig = Figure()
        ax = fig.subplots()
        ax.plot([1, 2, 3], [3, 1, 2])
        return fig

    first = [p.read_bytes() for p in output.save_figure(draw(), tmp_path / "a")]
    second = [p.read_bytes() for p in output.save_figure(draw(), tmp_path / "b")]
    assert first == second
    assert (tmp_path / "a.png").exists() and (tmp_path / "a.pdf").exists()


def test_run_metadata():
    meta = output.run_metadata("claims", {"profile": "quick"}, seed=3, wall_seconds=1.23456)
    assert meta["seed"] == 3 and meta["wall_seconds"] == 1.235
    assert {"python", "numpy", "scipy", "sympy", "torch"} <= set(meta["versions"])
    assert "compute" in meta["device"]


def _entries(folder):
    return sorted(p.name for p in folder.iterdir())


def test_default_run_folder_is_fresh_and_swapped_in_on_success(tmp_path):
    first = output.RunFolder("claims", root=tmp_path)
    with first as work:
        assert work.parent == tmp_path and work.name.startswith(".") and not first.target.exists()
        (work / "run.json").write_text("{}")
    assert first.target.name.startswith("claims-") and _entries(first.target) == ["run.json"]
    assert _entries(tmp_path) == [first.target.name]  # no temporary folder left
    assert output.RunFolder("claims", root=tmp_path).target != first.target


def test_a_folder_never_holds_files_of_two_runs(tmp_path):
    out = tmp_path / "out"
    with output.RunFolder("check", out) as work:
        (work / "old_figure.png").write_text("old")
        (work / "run.json").write_text("{}")
    with pytest.raises(KeyboardInterrupt) as info, output.RunFolder("check", out) as work:
        (work / "new_figure.png").write_text("new")
        raise KeyboardInterrupt
    assert _entries(out) == ["old_figure.png", "run.json"]  # the finished run is untouched
    partial = info.value.partial
    assert partial == tmp_path / "out.partial" and _entries(partial) == ["PARTIAL.txt", "new_figure.png"]
    with output.RunFolder("check", out) as work:
        (work / "run.json").write_text("{}")
    assert _entries(out) == ["run.json"]  # replaced as a whole, not merged
    assert not partial.exists()  # the stale partial run is gone too


def test_a_failed_run_leaves_nothing_behind(tmp_path):
    out = tmp_path / "a" / "b" / "out"
    with pytest.raises(ValueError, match="boom"), output.RunFolder("rates", out) as work:
        (work / "table.csv").write_text("x")
        raise ValueError("boom")
    assert list(tmp_path.iterdir()) == []  # neither the folder nor the parents created for it
    with pytest.raises(KeyboardInterrupt) as info, output.RunFolder("rates", out):
        raise KeyboardInterrupt
    assert info.value.partial is None and list(tmp_path.iterdir()) == []


def test_out_is_validated_before_any_work(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="is a file"):
        output.RunFolder("claims", tmp_path / "file")
    with pytest.raises(ValueError, match="cannot write the results"):
        output.RunFolder("claims", tmp_path / "file" / "below").__enter__()
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("precious")
    with pytest.raises(ValueError, match="not a finished infonce-gauss run"):
        output.RunFolder("claims", tmp_path / "mine")
    assert (tmp_path / "mine" / "thesis.tex").read_text() == "precious"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_unwritable_out_is_refused(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(ValueError, match="cannot write the results"):
            output.RunFolder("claims", locked / "out").__enter__()
    finally:
        locked.chmod(0o700)


def test_run_folder_honours_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        with output.RunFolder("claims", tmp_path / "out") as work:
            path = atomic_write_text(work / "report.md", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "out").stat().st_mode) == 0o755
    assert stat.S_IMODE((tmp_path / "out" / path.name).stat().st_mode) == 0o644


def test_resume_starts_from_the_previous_files(tmp_path):
    out = tmp_path / "out"
    with output.RunFolder("train", out) as work:
        (work / "checkpoint.pt").write_text("epoch 2")
        (work / "run.json").write_text("{}")
    with output.RunFolder("train", out, resume=True) as work:
        assert (work / "checkpoint.pt").read_text() == "epoch 2"
        (work / "checkpoint.pt").write_text("epoch 3")
    with pytest.raises(KeyboardInterrupt), output.RunFolder("train", out, resume=True) as work:
        (work / "checkpoint.pt").write_text("epoch 4")
        raise KeyboardInterrupt
    with output.RunFolder("train", out, resume=True) as work:  # continues the interrupted run's files
        assert (work / "checkpoint.pt").read_text() == "epoch 4" and not (work / "PARTIAL.txt").exists()


def test_the_recorded_commit_is_read_once_per_process(monkeypatch):
    import subprocess

    from infonce_gauss import output

    output.git_commit.cache_clear()
    first = output.git_commit()

    def moved(*args, **kwargs):
        return subprocess.CompletedProcess(args, 0, stdout="f" * 40 + "\n", stderr="")

    monkeypatch.setattr(output.subprocess, "run", moved)
    assert output.git_commit() == first  # the tree moving on during a run does not change it
    output.git_commit.cache_clear()
    assert output.git_commit() == "f" * 40
    output.git_commit.cache_clear()
