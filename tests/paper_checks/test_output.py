"""What a run leaves on disk: run folders (fresh, swapped in on success, nothing left on failure), figures, run metadata."""

import json
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


# --- what the tool may delete: only its own finished run, holding nothing else, and never an input -----------

def _finished(out, files=(("report.md", "r"), ("data/t.csv", "a,b"))):
    with output.RunFolder("check", out) as work:
        for name, text in files:
            (work / name).parent.mkdir(parents=True, exist_ok=True)
            (work / name).write_text(text)
        (work / "run.json").write_text('{"command": "check"}')
    return out


def test_a_foreign_run_json_does_not_make_a_folder_replaceable(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "run.json").write_text('{"command": "my own experiment"}')
    (project / "thesis.tex").write_text("precious")
    with pytest.raises(ValueError, match="not a finished infonce-gauss run that may be replaced: it does not list "
                       "the files.*Nothing was deleted"):
        output.RunFolder("check", project)
    assert _entries(project) == ["run.json", "thesis.tex"] and (project / "thesis.tex").read_text() == "precious"


@pytest.mark.parametrize("change", ["added file", "added folder", "edited file", "symlink"])
def test_a_finished_run_with_anything_the_tool_did_not_write_is_refused(tmp_path, change):
    out = _finished(tmp_path / "out")
    {"added file": lambda: (out / "notes.txt").write_text("mine"),
     "added folder": lambda: (out / "data" / "mine").mkdir(),
     "edited file": lambda: (out / "report.md").write_text("my edits"),
     "symlink": lambda: (out / "link").symlink_to(tmp_path)}[change]()
    before = sorted(str(p.relative_to(out)) for p in out.rglob("*"))
    with pytest.raises(ValueError, match="Nothing was deleted"):
        output.RunFolder("check", out)
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*")) == before


def test_a_finished_run_alone_is_replaced_and_records_what_it_wrote(tmp_path):
    out = _finished(tmp_path / "out")
    meta = json.loads((out / "run.json").read_text())
    assert meta["command"] == "check"  # what the command wrote, and the list of its files
    assert meta["output"] == {"tool": "infonce-gauss", "files": {"data/t.csv": 3, "report.md": 1}, "folders": ["data"]}
    (out / "report.md").unlink()  # deleting what the run wrote loses nothing: still replaceable
    assert output.replaceable(out) is None
    _finished(out, files=[("new.md", "n")])
    assert _entries(out) == ["new.md", "run.json"]


def test_only_the_tools_own_partial_run_is_removed(tmp_path):
    out, partial = tmp_path / "out", tmp_path / "out.partial"
    partial.mkdir()
    (partial / "PARTIAL.txt").write_text("my own notes, not an interrupted run")
    _finished(out)
    assert _entries(partial) == ["PARTIAL.txt"]  # a folder of that name with foreign content stays
    with pytest.raises(ValueError, match="out.partial is not an interrupted infonce-gauss run"):
        output.RunFolder("train", out, resume=True)
    with pytest.raises(KeyboardInterrupt) as info, output.RunFolder("check", out) as work:
        (work / "half.csv").write_text("x")
        raise KeyboardInterrupt
    assert info.value.partial == tmp_path / "out.partial-1" and _entries(partial) == ["PARTIAL.txt"]


@pytest.mark.parametrize("where", ["is", "holds", "holds the folder", "partial", "symlink"])
def test_an_out_holding_an_input_is_refused(tmp_path, where):
    run = _finished(tmp_path / "run", files=[("sub/emb.npy", "e")])
    emb = run / "sub" / "emb.npy"
    if where == "symlink":
        (tmp_path / "alias").symlink_to(run / "sub")
    out, given = {"is": (emb, emb), "holds": (run, emb), "holds the folder": (run, run / "sub"),
                  "partial": (tmp_path / "run", tmp_path / "run.partial" / "x.npy"),
                  "symlink": (run, tmp_path / "alias" / "emb.npy")}[where]
    with pytest.raises(ValueError, match="is or holds the input"):
        output.RunFolder("check", out, inputs=[None, given])
    assert emb.read_text() == "e"
    output.RunFolder("check", run / "sub" / "check", inputs=[emb, run / "sub"])  # inside an input folder: allowed


def test_the_current_folder_and_symbolic_links_are_refused_before_any_work(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for out in (".", tmp_path, "sub/..", tmp_path.parent):
        with pytest.raises(ValueError, match="the current folder or holds it"):
            output.RunFolder("check", out)
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    (tmp_path / "alias").symlink_to(_finished(tmp_path / "real"))
    for out in ("dangling", "alias"):
        with pytest.raises(ValueError, match="is a symbolic link"):
            output.RunFolder("check", out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["alias", "dangling", "real"]


def test_a_finished_run_that_loses_the_race_for_out_is_kept_in_view(tmp_path, monkeypatch, capsys):
    # another run takes --out between this run's two renames: the finished run goes to out-1, never stays hidden
    out = _finished(tmp_path / "out")
    rename, raced = os.rename, []

    def racing(src, dst):
        if str(src).endswith(".tmp") and os.fspath(dst) == os.fspath(out) and not raced:
            raced.append(True)
            _finished(out, files=[("theirs.md", "t")])
        return rename(src, dst)

    folder = output.RunFolder("check", out)
    with folder as work:
        (work / "mine.md").write_text("m")
        monkeypatch.setattr(output.os, "rename", racing)
    assert folder.target == tmp_path / "out-1" and _entries(folder.target) == ["mine.md", "run.json"]
    assert _entries(out) == ["run.json", "theirs.md"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "out-1"]  # nothing hidden left behind
    assert "it is in" in capsys.readouterr().err


def test_a_destination_that_gained_foreign_files_during_the_run_is_kept(tmp_path, capsys):
    out = _finished(tmp_path / "out")
    folder = output.RunFolder("check", out)
    with folder as work:
        (work / "mine.md").write_text("m")
        (out / "notes.txt").write_text("written by the user during the run")
    assert (out / "notes.txt").exists() and folder.target == tmp_path / "out-1"
    assert "notes.txt is not a file the run wrote" in capsys.readouterr().err


def test_run_folders_never_set_the_umask(tmp_path, monkeypatch):
    old = os.umask(0o027)
    try:
        monkeypatch.setattr(os, "umask", lambda mask: pytest.fail("os.umask called: it sets the umask"))
        with output.RunFolder("claims", tmp_path / "out") as work:
            (work / "run.json").write_text("{}")
    finally:
        monkeypatch.undo()
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "out").stat().st_mode) == 0o750


def test_an_error_names_out_not_the_hidden_folder_being_filled(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(ValueError) as info, output.RunFolder("train", out) as work:
        raise ValueError(f"{work / 'run' / 'checkpoint.pt'} is not a checkpoint")
    assert str(info.value) == f"{out / 'run' / 'checkpoint.pt'} is not a checkpoint"
    with pytest.raises(OSError) as info, output.RunFolder("train", out) as work:
        open(work / "missing" / "file.txt")
    assert info.value.filename == str(out / "missing" / "file.txt") and ".tmp" not in str(info.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == []
