"""The check battery: verdicts on laws where the answer is known, chunked = in-memory, report files,
and bad input (clear message, non-zero exit, nothing written)."""

import json

import numpy as np
import pytest

from infonce_gauss.battery import embeddings as emb
from infonce_gauss.battery.check import CheckConfig, run_check, summary_text, write_check_report
from infonce_gauss.cli import main
from infonce_gauss.simulations.sampling import uniform_sphere

FAST = CheckConfig(null_replicates=300, subsample=300)


def _verdicts(result):
    return {f.assumption.split(" (")[0] if "paper's protocol" not in f.assumption else f.assumption: f.verdict
            for f in result.findings}


@pytest.fixture(scope="module")
def gaussian():
    return np.random.default_rng(0).standard_normal((3000, 32))


@pytest.fixture(scope="module")
def gaussian_result(gaussian):
    rng = np.random.default_rng(1)
    positives = gaussian + 0.5 * rng.standard_normal(gaussian.shape)
    return run_check(gaussian, positives=positives, labels=rng.integers(0, 4, 3000), config=FAST)


def test_gaussian_embeddings_hold_every_assumption(gaussian_result):
    v = _verdicts(gaussian_result)
    assert v["Thin shell"] == "holds"
    assert v["Coordinates Gaussian, paper's protocol (unnormalized)"] == "holds"
    assert v["Coordinates Gaussian, paper's protocol (normalized)"] == "holds"
    assert v["Random 1-D projections Gaussian"] == "holds"
    assert v["8-dim projections jointly Gaussian"] == "holds"
    assert v["No dimensional collapse"] == "holds"
    assert v["Uniform directions on the sphere"] == "holds"
    assert v["Alignment within Prop 1's bound"] == "cannot tell"  # no η₂ given


def test_alignment_and_prop1_bound(gaussian, gaussian_result):
    # Views z + 0.5 ε of a Gaussian z: coordinate correlation 1/sqrt(1.25); E[u·v] is close to it at d = 32
    # (E[u·v] = ρ - ρ(1-ρ²)/(2d) + O(d^-2) for the identity encoder, theory.hgr.solvable_alignment).
    rho = 1 / np.sqrt(1.25)
    sec = gaussian_result.sections["alignment"]
    assert sec["alignment"] == pytest.approx(rho - rho * (1 - rho**2) / 64, abs=0.01)
    positives = gaussian + 0.5 * np.random.default_rng(1).standard_normal(gaussian.shape)
    low = run_check(gaussian, positives=positives, config=CheckConfig(null_replicates=200, subsample=300, eta2=0.5))
    high = run_check(gaussian, positives=positives, config=CheckConfig(null_replicates=200, subsample=300, eta2=0.95))
    assert _verdicts(low)["Alignment within Prop 1's bound"] == "fails"
    assert _verdicts(high)["Alignment within Prop 1's bound"] == "holds"


def test_labels_between_class_share(gaussian_result):
    assert gaussian_result.sections["labels"]["classes"] == 4
    assert gaussian_result.sections["labels"]["between_class_share"] < 0.01  # random labels explain nothing


def test_sphere_law_is_told_from_gaussian_where_it_can_be():
    # Exactly uniform directions at d = 8, n = 4000: DP's noncentrality 1.5 n/(d+2)² = 60, so the
    # unnormalized coordinates fail the Gaussian band while the normalized ones sit in the sphere band.
    x = 5.0 * uniform_sphere(4000, 8, rng=2)
    v = _verdicts(run_check(x, config=FAST))
    assert v["Coordinates Gaussian, paper's protocol (unnormalized)"] == "fails"
    assert v["Coordinates Gaussian, paper's protocol (normalized)"] == "holds"
    assert v["Thin shell"] == "holds"


def test_non_gaussian_laws_fail():
    rng = np.random.default_rng(3)
    laplace = run_check(rng.laplace(size=(3000, 16)), config=FAST)
    assert _verdicts(laplace)["Coordinates Gaussian, paper's protocol (unnormalized)"] == "fails"
    centres = 6 * rng.standard_normal((5, 32))
    labels = rng.integers(0, 5, 3000)
    clustered = run_check(centres[labels] + rng.standard_normal((3000, 32)), labels=labels, config=FAST)
    v = _verdicts(clustered)
    assert v["Uniform directions on the sphere"] == "fails"
    assert v["No dimensional collapse"] == "fails"
    assert clustered.sections["labels"]["between_class_share"] > 0.5
    wide = run_check(rng.standard_normal((3000, 64)) * rng.exponential(size=(3000, 1)), config=FAST)
    assert _verdicts(wide)["Thin shell"] == "fails"


def test_chunked_file_equals_in_memory(tmp_path, monkeypatch, gaussian):
    x = gaussian.astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    monkeypatch.setattr(emb, "CHUNK_BYTES", 32 * 8 * 100)  # 100 rows per read
    cfg = CheckConfig(null_replicates=200, subsample=300, memory_mb=1, whiten=True)
    a = run_check(x, config=cfg)
    b = run_check(emb.open_embeddings(tmp_path / "x.npy"), config=cfg)
    for name in ("unnormalized", "normalized", "whitened"):
        np.testing.assert_allclose(a.sections["coordinates"][name]["ad"], b.sections["coordinates"][name]["ad"], rtol=1e-6)
    assert a.sections["thin_shell"]["cv"] == pytest.approx(b.sections["thin_shell"]["cv"], rel=1e-9)
    assert [f.verdict for f in a.findings] == [f.verdict for f in b.findings]


def test_report_files_and_summary(tmp_path, gaussian_result):
    report = write_check_report(gaussian_result, tmp_path, config={"test": True}, wall_seconds=1.0)
    assert report.read_text().startswith("# infonce-gauss check")
    data = json.loads((tmp_path / "check.json").read_text())
    assert len(data["findings"]) == len(gaussian_result.findings)
    assert len(data["coordinates"]["unnormalized"]["ad"]) == 32
    for name in ("norms", "pass_rates", "qq", "spectrum"):
        assert (tmp_path / "figures" / f"{name}.png").stat().st_size > 0
        assert (tmp_path / "data" / f"{name}.csv").exists()
    assert (tmp_path / "run.json").exists()
    text = summary_text(gaussian_result)
    assert len(text.splitlines()) >= 1 + len(gaussian_result.findings)


def test_cli_check_writes_the_report(tmp_path, gaussian, capsys):
    np.save(tmp_path / "x.npy", gaussian[:500])
    out = tmp_path / "out"
    assert main(["check", str(tmp_path / "x.npy"), "--out", str(out), "--no-progress", "--directions", "8"]) == 0
    assert "Thin shell" in capsys.readouterr().out
    assert {"report.md", "check.json", "run.json"} <= {p.name for p in out.iterdir()}


def _bad(tmp_path, name, array):
    np.save(tmp_path / name, array)
    return str(tmp_path / name)


@pytest.mark.parametrize("make, extra, message", [
    (lambda rng: np.where(np.arange(100)[:, None] == 7, np.nan, rng.standard_normal((100, 4))), [], "--drop-nonfinite"),
    (lambda rng: np.vstack([np.zeros((1, 4)), rng.standard_normal((99, 4))]), [], "zero norm"),
    (lambda rng: np.column_stack([rng.standard_normal((100, 3)), np.ones(100)]), [], "--drop-constant"),
    (lambda rng: rng.standard_normal((10, 4)), [], "at least 20"),
    (lambda rng: rng.standard_normal((100, 1)), [], "d >= 2"),
    (lambda rng: rng.standard_normal((100, 4)), ["--eta2", "1.5"], None),
])
def test_cli_bad_input_exits_nonzero_and_writes_nothing(make, extra, message, tmp_path, capsys):
    path = _bad(tmp_path, "x.npy", make(np.random.default_rng(4)))
    out = tmp_path / "out"
    try:
        code = main(["check", path, "--out", str(out), "--no-progress", *extra])
    except SystemExit as exc:  # argparse rejects --eta2 1.5 itself
        code = exc.code
    assert code != 0
    assert not out.exists()
    if message:
        assert message in capsys.readouterr().err


def test_drop_flags_report_what_was_dropped(tmp_path):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((300, 6))
    x[3, 1] = np.inf
    x[:, 4] = 2.0
    res = run_check(x, config=CheckConfig(null_replicates=200, subsample=200, drop_nonfinite=True, drop_constant=True))
    assert res.sections["input"]["dropped_rows"] == 1
    assert res.sections["input"]["dropped_constant_columns"] == [4]
    assert (res.sections["input"]["n"], res.sections["input"]["d"]) == (299, 5)


def test_positives_must_match(gaussian):
    with pytest.raises(ValueError, match="positives have shape"):
        run_check(gaussian, positives=gaussian[:, :5])
    with pytest.raises(ValueError, match="one label per row"):
        run_check(gaussian, labels=np.zeros(3))


def test_small_n_skips_what_it_cannot_run_and_says_why():
    res = run_check(np.random.default_rng(6).standard_normal((25, 16)), config=CheckConfig(null_replicates=200))
    v = {f.assumption: f for f in res.findings}
    multi = v["8-dim projections jointly Gaussian"]
    assert multi.verdict == "cannot tell" and "needs more than 32 rows" in multi.figure
    assert v["No dimensional collapse (isotropic covariance)"].verdict == "cannot tell"  # n < 2d


def _write_trace(path, alignment, runs=None):
    lines = ["run,epoch,alignment"] + [f"{runs[i] if runs else 'a'},{i},{a}" for i, a in enumerate(alignment)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_plateau_from_a_trace(tmp_path, gaussian):
    # a saturating trace 0.5(1 - e^{-t/3}) plateaus at ~0.5; a linear ramp never does
    t = np.arange(40)
    flat = emb.load_trace(_write_trace(tmp_path / "flat.csv", 0.5 * (1 - np.exp(-t / 3))))
    ramp = emb.load_trace(_write_trace(tmp_path / "ramp.csv", 0.01 * t))
    x = gaussian[:500]
    verdict = {name: _verdicts(run_check(x, trace=trace, config=CheckConfig(null_replicates=200, subsample=200, eta2=eta2)))
               for name, trace, eta2 in (("flat", flat, 0.6), ("flat_above_eta2", flat, 0.3), ("ramp", ramp, None))}
    assert verdict["flat"]["Alignment plateau"] == "holds"
    assert verdict["flat_above_eta2"]["Alignment plateau"] == "fails"  # Assumption 1 needs the plateau <= η₂
    assert verdict["ramp"]["Alignment plateau"] == "fails"


def test_trace_input_errors(tmp_path):
    with pytest.raises(ValueError, match="'epoch' and 'alignment'"):
        (tmp_path / "t.csv").write_text("epoch,loss\n0,1\n")
        emb.load_trace(tmp_path / "t.csv")
    two = _write_trace(tmp_path / "two.csv", [0.1, 0.2, 0.3, 0.4], runs=["a", "a", "b", "b"])
    with pytest.raises(ValueError, match="--trace-run"):
        emb.load_trace(two)
    epochs, alignment = emb.load_trace(two, run="b")
    assert epochs.tolist() == [2.0, 3.0] and alignment.tolist() == [0.3, 0.4]
    with pytest.raises(ValueError, match="no rows of run 'c'"):
        emb.load_trace(two, run="c")
    short = emb.load_trace(_write_trace(tmp_path / "short.csv", [0.1, 0.2, 0.3]))
    with pytest.raises(ValueError, match="at least 4 epochs"):
        run_check(np.random.default_rng(0).standard_normal((100, 4)), trace=short, config=FAST)


def test_cli_check_with_a_trace(tmp_path, gaussian, capsys):
    np.save(tmp_path / "x.npy", gaussian[:300])
    trace = _write_trace(tmp_path / "diagnostics.csv", 0.4 * (1 - np.exp(-np.arange(30) / 2)))
    out = tmp_path / "out"
    assert main(["check", str(tmp_path / "x.npy"), "--trace", str(trace), "--eta2", "0.5", "--out", str(out),
                 "--no-progress", "--directions", "8"]) == 0
    assert "HOLDS        Alignment plateau (Assumption 1)" in capsys.readouterr().out
    saved = json.loads((out / "check.json").read_text())
    assert saved["plateau"]["reached"] and saved["plateau"]["value"] == pytest.approx(0.4, abs=0.01)


@pytest.mark.parametrize("factor", [1e-200, 1e250, 2.0**40])
def test_extreme_scales_give_the_unscaled_answer(gaussian, factor):
    """The battery's statistics are scale-invariant, so any finite scale gives the same verdicts and CV."""
    base = run_check(gaussian[:600], config=FAST)
    scaled = run_check(gaussian[:600] * factor, config=FAST)
    assert [f.verdict for f in scaled.findings] == [f.verdict for f in base.findings]
    assert scaled.sections["thin_shell"]["cv"] == pytest.approx(base.sections["thin_shell"]["cv"], rel=1e-6)
    assert scaled.sections["input"]["rescaled_by"] != 1.0


def test_one_huge_entry_is_named(gaussian):
    x = gaussian[:600].copy()
    x[17, 3] = 1e300
    with pytest.raises(ValueError, match=r"numerically zero beside its largest entry 1e\+300 \(row 17") as info:
        run_check(x, config=FAST)
    assert "RuntimeWarning" not in str(info.value)


def test_bad_positive_rows_name_the_positives(tmp_path, gaussian, capsys):
    pos = gaussian[:500].copy()
    pos[4, 0] = np.nan
    np.save(tmp_path / "emb.npy", gaussian[:500])
    np.save(tmp_path / "pos.npy", pos)
    assert main(["check", str(tmp_path / "emb.npy"), "--positives", str(tmp_path / "pos.npy"),
                 "--out", str(tmp_path / "out"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'pos.npy'}: 1 with NaN/inf" in err and "e.g. row 4" in err
    assert f"{tmp_path / 'emb.npy'}:" not in err  # the embeddings are fine
