"""``infonce-gauss train``: presets, outputs, resume, clean failures without data; the EMP- claims' skips."""

import contextlib
import json

import numpy as np
import pytest

from infonce_gauss import training_presets
from infonce_gauss.catalog import PRESETS, runs_for
from infonce_gauss.cli import main
from infonce_gauss.training_presets import Preset, Run
from infonce_gauss.claim import PROFILES
from infonce_gauss.simulations.training import TrainConfig


def _tiny(profile):
    config = TrainConfig(out_dim=8, batch_size=32, epochs=profile.pick(quick=2, full=3), diagnostics_every=1,
                         eval_samples=200, device="cpu")
    return [Run("d=8 N=32", "binary", config, {"n_train": 256, "n_test": 200, "dim": 64, "density": 0.1})]


@pytest.fixture
def tiny_preset(monkeypatch):
    monkeypatch.setitem(PRESETS, "tiny", Preset("tiny", "a test preset", "test", _tiny))
    return "tiny"


def test_train_writes_diagnostics_embeddings_and_run_json(tmp_path, tiny_preset, capsys):
    out = tmp_path / "run"
    assert main(["train", "--preset", tiny_preset, "--out", str(out), "--no-progress", "--seed", "3"]) == 0
    run = json.loads((out / "run.json").read_text())
    assert run["config"]["preset"] == "tiny" and run["seed"] == 3
    rows = (out / "diagnostics.csv").read_text().splitlines()
    header = rows[0].split(",")
    for column in ("preset", "run", "epoch", "cv", "ad_avg", "ad_pass_pct", "dp_avg", "dp_pass_pct", "norm_ad_avg",
                   "alignment", "align_bound", "eta2", "m_sq", "uniformity", "neg_cos_var", "inv_d"):
        assert column in header
    assert len(rows) == 1 + 3  # epochs 0, 1, 2
    folder = out / "d8_N32"
    z = np.load(folder / "embeddings.npy")
    assert z.shape == (200, 8) and np.load(folder / "positives_b.npy").shape == (200, 8)
    assert (folder / "checkpoint.pt").is_file() and (out / "training_curves.png").is_file()
    printed = capsys.readouterr().out
    assert "d=8 N=32: epoch 2" in printed and "infonce-gauss check" in printed


def test_train_resumes_and_extends(tmp_path, tiny_preset):
    out = tmp_path / "run"
    assert main(["train", "--preset", tiny_preset, "--out", str(out), "--no-progress"]) == 0
    before = np.load(out / "d8_N32" / "embeddings.npy")
    assert main(["train", "--preset", tiny_preset, "--out", str(out), "--no-progress", "--resume", "--epochs", "3"]) == 0
    lines = (out / "d8_N32" / "diagnostics.csv").read_text().splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == ["0", "1", "2", "3"]
    assert not np.array_equal(before, np.load(out / "d8_N32" / "embeddings.npy"))


def test_trained_embeddings_feed_the_check_command(tmp_path, tiny_preset):
    out = tmp_path / "run"
    assert main(["train", "--preset", tiny_preset, "--out", str(out), "--no-progress", "--epochs", "3"]) == 0
    folder = out / "d8_N32"
    assert main(["check", str(folder / "positives_a.npy"), "--positives", str(folder / "positives_b.npy"),
                 "--trace", str(folder / "diagnostics.csv"), "--out", str(tmp_path / "check"), "--no-progress",
                 "--subsample", "100", "--directions", "4", "--k", "2"]) == 0
    saved = json.loads((tmp_path / "check" / "check.json").read_text())
    assert saved["assumptions"]["plateau"]["details"]["epochs"] == len((folder / "diagnostics.csv").read_text().splitlines()) - 1


def test_cifar_presets_fail_cleanly_without_data(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("INFONCE_GAUSS_CIFAR10", raising=False)
    code = main(["train", "--preset", "fig4-cifar-mlp", "--data-dir", str(tmp_path), "--out", str(tmp_path / "o"),
                 "--no-progress"])
    assert code == 2
    err = capsys.readouterr().err
    assert "CIFAR-10 not found" in err and "data_batch_1" in err and "--data-dir" in err


def test_train_needs_a_known_preset(capsys):
    assert main(["train"]) == 2
    assert "--preset" in capsys.readouterr().err
    with pytest.raises(ValueError, match="unknown preset"):
        runs_for("table9")
    assert main(["train", "--list"]) == 0
    listed = capsys.readouterr().out
    for name in ("table1-laplace", "table1-gmm", "table1-binary", "fig3-sweep", "fig4-cifar-mlp", "table1-cifar-resnet18"):
        assert name in listed


@pytest.mark.parametrize("profile", ["quick", "full", "gpu"])
def test_every_preset_is_well_formed(profile):
    for name in PRESETS:
        runs = runs_for(name, profile, epochs=None, seed=5)
        assert runs and len({r.label for r in runs}) == len(runs)
        for run in runs:
            assert run.config.seed == 5 and run.config.diagnostics_every <= max(run.config.epochs, 1)


def test_paper_scale_matches_the_paper():
    # App. E.1 / Sec. 5: Fig. 3 grid, Laplace 150 epochs, CIFAR batch 256, 100 epochs, wd 1e-4
    sweep = runs_for("fig3-sweep", "gpu")
    assert sorted({r.config.out_dim for r in sweep}) == [32, 64, 128, 256]
    assert sorted({r.config.batch_size for r in sweep}) == [8, 16, 32, 48, 64, 96, 128]
    assert {r.config.epochs for r in sweep} == {150} and {r.config.tau for r in sweep} == {0.1}
    resnet = runs_for("table1-cifar-resnet18", "gpu")
    assert {r.config.objective for r in resnet} == {"infonce", "supervised"}
    assert {(r.config.width, r.config.batch_size, r.config.epochs, r.config.weight_decay, r.config.lr) for r in resnet} == {
        (64, 256, 100, 1e-4, 1e-3)}


def test_epochs_override():
    runs = runs_for("table1-binary", PROFILES["quick"], epochs=3)
    assert {r.config.epochs for r in runs} == {3} and all(r.config.diagnostics_every <= 3 for r in runs)


def test_image_claims_skip_with_a_reason(tmp_path, monkeypatch):
    from infonce_gauss.simulations import datasets

    monkeypatch.setattr(datasets, "FASHION_MNIST_SYSTEM_DIR", tmp_path / "no-such-folder")
    monkeypatch.delenv(datasets.FASHION_MNIST_ENV, raising=False)
    assert main(["claims", "--only", "EMP-CIFAR", "EMP-FMNIST", "--out", str(tmp_path / "run"), "--no-progress",
                 "--jobs", "1"]) == 0
    records = {r["id"]: r for r in json.loads((tmp_path / "run" / "claims.json").read_text())}
    assert set(records) == {"EMP-CIFAR-MLP", "EMP-CIFAR-RESNET", "EMP-FMNIST", "EMP-FMNIST-ABLATION"}
    assert all(r["status"] == "skipped" and r["reason"] for r in records.values())
    assert "apt-get install dataset-fashion-mnist" in records["EMP-FMNIST"]["reason"]


@pytest.mark.slow
def test_the_quick_emp_claims_pass(tmp_path):
    assert main(["claims", "--only", "EMP-", "--out", str(tmp_path), "--no-progress"]) == 0
    statuses = {r["id"]: r["status"] for r in json.loads((tmp_path / "claims.json").read_text())}
    assert all(s == "passed" for k, s in statuses.items() if not k.startswith(("EMP-CIFAR", "EMP-FMNIST", "EMP-BINARY")))
    # the rise of the normalized pass fraction at density 0.005 is not resolved over the quick profile's 3 seeds
    assert statuses["EMP-BINARY"] in ("passed", "cannot tell")


def test_preset_data_is_cached_per_seed():
    run = _tiny(PROFILES["quick"])[0]
    a = training_presets.build_task(run, seed=0)
    b = training_presets.build_task(run, seed=0)
    c = training_presets.build_task(run, seed=1)
    assert a.data is b.data and a.data is not c.data


def test_fmnist_presets_subsample_and_change_one_setting_at_a_time():
    base = runs_for("fmnist-contrastive-vs-supervised", "full")
    assert {r.config.objective for r in base} == {"infonce", "supervised"}
    assert {r.data_options["train_samples"] for r in base} == {4096}  # the EMP subsample traded for 5 seeds
    ablation = {r.label: r for r in runs_for("fmnist-ablation", "full")}
    reference = ablation["baseline"].config
    assert reference == base[0].config
    fields = ("epochs", "width", "encoder", "out_dim", "batch_size")
    for label, run in ablation.items():
        changed = {f for f in fields if getattr(run.config, f) != getattr(reference, f)}
        changed |= {"augment"} if "augment" in run.data_options else set()
        assert len(changed) <= 2 and (label == "baseline") == (not changed), (label, changed)
    assert ablation["weak augmentation"].data_options["augment"]["scale"] == (0.6, 1.0)
    assert runs_for("fmnist-contrastive-vs-supervised", "gpu")[0].config.encoder == "resnet18"


def test_train_options_come_from_the_preset_signature(capsys):
    import inspect

    from infonce_gauss.cli import _train_options, main
    from infonce_gauss.training_presets import Preset

    params = inspect.signature(Preset.train).parameters
    assert main(["train", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    for opt in _train_options():
        assert opt.name in params and "--" + opt.name.replace("_", "-") in text
        if params[opt.name].default not in (None, False):
            assert f"{opt.help} (default: {params[opt.name].default})" in text


# --- a planted checkpoint never runs; an --out holding the command's input is refused ------------------------

@pytest.mark.parametrize("where", ["finished run", "partial run"])
def test_resume_never_runs_a_planted_checkpoint(tmp_path, tiny_preset, planted, capsys, where):
    # the checkpoint is a pickle; one planted in a results folder (with a run.json listing it, as anyone can write)
    # or in an interrupted run's <out>.partial/ is read with weights_only=True and refused: exit 2, no code run
    import torch

    from infonce_gauss.output import RunFolder

    payload, marker = planted
    out = tmp_path / "run"
    assert main(["train", "--preset", tiny_preset, "--out", str(out), "--no-progress"]) == 0
    state = torch.load(out / "d8_N32" / "checkpoint.pt", weights_only=True)
    with pytest.raises(KeyboardInterrupt) if where == "partial run" else contextlib.nullcontext():
        with RunFolder(f"train-{tiny_preset}", out, resume=True) as work:
            torch.save({**state, "rows": [payload]}, work / "d8_N32" / "checkpoint.pt")
            if where == "partial run":
                raise KeyboardInterrupt
    embeddings = (out / "d8_N32" / "embeddings.npy").read_bytes()
    capsys.readouterr()
    assert main(["train", "--preset", tiny_preset, "--out", str(out), "--no-progress", "--resume"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is not a checkpoint of infonce-gauss train" in err and "posix.mkdir" in err, err
    assert not marker.exists() and (out / "d8_N32" / "embeddings.npy").read_bytes() == embeddings


def test_check_into_the_train_run_it_reads_is_refused(tmp_path, tiny_preset, capsys):
    # the README's next step, with --out pointing at the train run: it would replace the embeddings it reads
    out = tmp_path / "train"
    assert main(["train", "--preset", tiny_preset, "--out", str(out), "--no-progress"]) == 0
    folder = out / "d8_N32"
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    capsys.readouterr()
    assert main(["check", str(folder / "positives_a.npy"), "--positives", str(folder / "positives_b.npy"),
                 "--out", str(out), "--no-progress"]) == 2
    assert "is or holds the input" in capsys.readouterr().err
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_train_refuses_an_out_holding_its_data(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("INFONCE_GAUSS_CIFAR10", str(tmp_path / "cifar" / "batches"))
    for data in (["--data-dir", str(tmp_path / "data")], []):
        out = tmp_path / ("data" if data else "cifar")
        assert main(["train", "--preset", "fig4-cifar-mlp", *data, "--out", str(out), "--no-progress"]) == 2
        assert "is or holds the input" in capsys.readouterr().err and not out.exists()
