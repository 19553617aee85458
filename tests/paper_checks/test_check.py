"""The check battery: verdicts on laws where the answer is known, chunked = in-memory, report files,
and bad input (clear message, non-zero exit, nothing written)."""

import json

import numpy as np
import pytest

from infonce_gauss import check
from infonce_gauss.encoder_check import embeddings as emb
from infonce_gauss.encoder_check import streaming
from infonce_gauss.encoder_check.rules import ASSUMPTIONS
from infonce_gauss.cli import main
from infonce_gauss.simulations.sampling import uniform_sphere

FAST = {"null_replicates": 300, "subsample": 300}
UNN, NOR = "coordinates.unnormalized", "coordinates.normalized"


@pytest.fixture(scope="module")
def gaussian():
    return np.random.default_rng(0).standard_normal((3000, 32))


@pytest.fixture(scope="module")
def gaussian_result(gaussian):
    rng = np.random.default_rng(1)
    positives = gaussian + 0.5 * rng.standard_normal(gaussian.shape)
    return check(gaussian, positives=positives, labels=rng.integers(0, 4, 3000), **FAST)


def test_gaussian_embeddings_hold_every_assumption(gaussian_result):
    v = gaussian_result.verdicts
    for key in ("thin_shell", UNN, NOR, "projections", "joint", "isotropy", "uniformity"):
        assert v[key] == "holds", key
    assert v["alignment"] == "cannot tell"  # no η₂ given
    assert gaussian_result.plateau is None  # no trace given


def test_result_is_frozen_with_stable_keys(gaussian_result):
    assert list(gaussian_result.assumptions) == [k for k in ASSUMPTIONS if k != "plateau"]
    with pytest.raises(AttributeError):
        gaussian_result.thin_shell = None
    for a in gaussian_result.assumptions.values():
        assert a.verdict in ("holds", "fails", "cannot tell") and a.rule and a.reference and a.effects
        for e in a.effects:
            assert e.low is None or e.low <= e.value <= e.high or a.key == "coordinates"  # coordinates show the null band
    shell = gaussian_result.thin_shell
    ratio = shell.details["ratio"]
    assert shell.effect.value == ratio and shell.effect.low < 1 < shell.effect.high  # N(0, I): CV equals CV_chi(d)
    assert gaussian_result.isotropy.effects[1].name.startswith("effective rank (covariance eigenvalues)")
    assert 0.9 < gaussian_result.isotropy.effects[1].value <= 1  # effective rank / d of N(0, I_32) at n = 3000


def test_alignment_and_prop1_bound(gaussian, gaussian_result):
    # Views z + 0.5 ε of a Gaussian z: coordinate correlation 1/sqrt(1.25); E[u·v] is close to it at d = 32
    # (E[u·v] = ρ - ρ(1-ρ²)/(2d) + O(d^-2) for the identity encoder, theory.hgr.solvable_alignment).
    rho = 1 / np.sqrt(1.25)
    assert gaussian_result.alignment.details["alignment"] == pytest.approx(rho - rho * (1 - rho**2) / 64, abs=0.01)
    positives = gaussian + 0.5 * np.random.default_rng(1).standard_normal(gaussian.shape)
    low = check(gaussian, positives=positives, null_replicates=200, subsample=300, eta2=0.5)
    high = check(gaussian, positives=positives, null_replicates=200, subsample=300, eta2=0.95)
    assert low.alignment.verdict == "fails" and low.alignment.pvalue < 1e-6
    assert high.alignment.verdict == "holds" and high.alignment.pvalue > 0.5


def test_labels_between_class_share(gaussian_result):
    assert gaussian_result.labels["classes"] == 4
    assert gaussian_result.labels["between_class_share"] < 0.01  # random labels explain nothing


def test_sphere_law_is_told_from_gaussian_where_it_can_be():
    # Exactly uniform directions at d = 8, n = 4000: DP's noncentrality 1.5 n/(d+2)² = 60, so the
    # unnormalized coordinates fail the Gaussian band while the normalized ones sit in the sphere band.
    v = check(5.0 * uniform_sphere(4000, 8, rng=2), **FAST).verdicts
    assert v[UNN] == "fails" and v["coordinates"] == "fails"  # the headline is the unnormalized variant
    assert v[NOR] == "holds"
    assert v["thin_shell"] == "holds"


def test_non_gaussian_laws_fail():
    rng = np.random.default_rng(3)
    laplace = check(rng.laplace(size=(3000, 16)), **FAST)
    assert laplace.verdicts[UNN] == "fails"
    assert laplace.projections.verdict == "fails"
    # a projection of 16 Laplace coordinates has excess kurtosis 3 Σ w_i⁴ ≈ 0.35: Epps–Pulley sees it at n = 3000
    assert laplace.projections.details["epps_pulley"]["family_pvalue"] < 0.01
    centres = 6 * rng.standard_normal((5, 32))
    labels = rng.integers(0, 5, 3000)
    clustered = check(centres[labels] + rng.standard_normal((3000, 32)), labels=labels, **FAST)
    assert clustered.uniformity.verdict == "fails"
    assert clustered.isotropy.verdict == "fails"
    assert clustered.labels["between_class_share"] > 0.5
    wide = check(rng.standard_normal((3000, 64)) * rng.exponential(size=(3000, 1)), **FAST)
    assert wide.thin_shell.verdict == "fails"


def test_chunked_file_memmap_and_tensor_equal_in_memory(tmp_path, monkeypatch, gaussian):
    import torch

    x = gaussian.astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    monkeypatch.setattr(emb, "CHUNK_BYTES", 32 * 8 * 100)  # 100 rows per read
    opts = {"null_replicates": 200, "subsample": 300, "whiten": True}
    a = check(x, **opts)  # one column block of all 32 coordinates
    monkeypatch.setattr(streaming, "block_width", lambda n, d, memory_mb: 5)  # 7 blocks, the last of 2 columns
    others = [check(tmp_path / "x.npy", **opts), check(str(tmp_path / "x.npy"), **opts),
              check(np.load(tmp_path / "x.npy", mmap_mode="r"), **opts), check(torch.from_numpy(x), **opts)]
    for b in others:
        for name in ("unnormalized", "normalized", "whitened"):
            np.testing.assert_allclose(a.coordinates.parts[name].details["ad"], b.coordinates.parts[name].details["ad"], rtol=1e-6)
        assert a.thin_shell.details["cv"] == pytest.approx(b.thin_shell.details["cv"], rel=1e-9)
        assert a.verdicts == b.verdicts


def test_whitening_survives_ill_conditioning():
    # cond(Σ) = 1e9 (standard deviations 10^4.5 apart, above the 1e-5 pseudo-inverse cut on singular values):
    # the SVD of the streamed R factor of the centred data whitens it back to N(0, I), so all 12 directions
    # are kept and the whitened coordinates are Gaussian (excess kurtosis 0 ± 0.08 for n = 4000).
    rng = np.random.default_rng(7)
    g = rng.standard_normal((4000, 12))
    q = np.linalg.qr(rng.standard_normal((12, 12)))[0]
    x = (g * np.logspace(0, 4.5, 12)) @ q.T
    res = check(x, whiten=True, null_replicates=200, subsample=300)
    assert res.spectrum["whitening_rank"] == 12
    assert res.coordinates.parts["whitened"].verdict == "holds"
    white = res.coordinates.parts["whitened"].details
    assert abs(white["mean_excess_kurtosis"]) < 0.05  # mean of 12 coordinates: SE ≈ 0.08/√12


def test_report_files_and_summary(tmp_path, gaussian_result):
    report = gaussian_result.save(tmp_path, command={"test": True})
    assert report.read_text().startswith("# infonce-gauss check")
    data = json.loads((tmp_path / "check.json").read_text())
    assert set(data["assumptions"]) == set(gaussian_result.assumptions)
    assert len(data["assumptions"]["coordinates"]["parts"]["unnormalized"]["details"]["ad"]) == 32
    for name in ("norms", "pass_rates", "qq", "spectrum"):
        assert (tmp_path / "figures" / f"{name}.png").stat().st_size > 0
        assert (tmp_path / "data" / f"{name}.csv").exists()
    run = json.loads((tmp_path / "run.json").read_text())
    assert run["config"]["test"] is True and run["config"]["level"] == 0.05
    text = gaussian_result.summary()
    assert len(text.splitlines()) >= 1 + len(gaussian_result.assumptions)
    md = gaussian_result._repr_markdown_()
    assert md.count("\n| ") >= len(gaussian_result.assumptions) + 1  # header row + one row per line
    assert all(row.count(" | ") == 5 for row in md.splitlines() if row.startswith("| ") and "---" not in row)


def test_an_assumption_prints_in_one_short_line(gaussian_result):
    a = gaussian_result.thin_shell
    assert repr(a) == f"Assumption(thin_shell: {a.verdict}; {a.effect})" and len(repr(a)) < 100
    assert str(a) == f"{a.verdict.upper()} Thin shell (Assumption 2): {a.figure}" and "\n" not in str(a)


def test_displaying_a_result_imports_nothing_heavy(fresh_python):
    # a notebook shows a CheckResult through _repr_markdown_: no claims runner, no catalog, no progress bars,
    # no plotting, and no warning
    code = ("import sys, warnings; import numpy as np; import infonce_gauss as ig;"
            "r = ig.check(np.random.default_rng(0).standard_normal((300, 8)), progress=False, directions=4);"
            "before = set(sys.modules); warnings.simplefilter('error');"
            "text = r._repr_markdown_() + repr(r) + repr(r.thin_shell) + str(r.thin_shell);"
            "print(sorted(set(sys.modules) - before))")
    new = fresh_python(code).stdout
    assert not any(name in new for name in ("runner", "catalog", "tqdm", "matplotlib", "claim")), new


def test_cli_check_writes_the_report(tmp_path, gaussian, capsys):
    np.save(tmp_path / "x.npy", gaussian[:500])
    out = tmp_path / "out"
    assert main(["check", str(tmp_path / "x.npy"), "--out", str(out), "--no-progress", "--directions", "8"]) == 0
    assert "Thin shell" in capsys.readouterr().out
    assert {"report.md", "check.json", "run.json"} <= {p.name for p in out.iterdir()}


def test_cli_check_progress_goes_to_stderr_and_stdout_holds_only_the_summary(tmp_path, gaussian, capsys):
    np.save(tmp_path / "x.npy", gaussian[:500])
    assert main(["check", str(tmp_path / "x.npy"), "--out", str(tmp_path / "out"), "--directions", "8"]) == 0
    captured = capsys.readouterr()
    assert "s] moments of 500 × " in captured.err  # the timed progress lines
    assert not any(line.startswith("[") for line in captured.out.splitlines())
    assert captured.out.startswith("infonce-gauss check: n = 500 rows")


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
    res = check(x, null_replicates=200, subsample=200, drop_nonfinite=True, drop_constant=True)
    assert res.input["dropped_rows"] == 1
    assert res.input["dropped_constant_columns"] == [4]
    assert (res.input["n"], res.input["d"]) == (299, 5)
    # the pass is repeated on what is kept: the same answer as on the clean rows and columns given alone
    clean = check(np.delete(np.delete(x, 3, axis=0), 4, axis=1), null_replicates=200, subsample=200)
    np.testing.assert_allclose(res.coordinates.parts["normalized"].details["ad"],
                               clean.coordinates.parts["normalized"].details["ad"], rtol=1e-12)
    for key in ("mean_norm_sq", "isotropy_effect", "participation_ratio_u"):
        assert res.uniformity.details[key] == pytest.approx(clean.uniformity.details[key], rel=1e-12)  # summation order only
    assert res.projections.pvalue == pytest.approx(clean.projections.pvalue, rel=1e-9)


def test_positives_must_match(gaussian):
    with pytest.raises(ValueError, match="positives have shape"):
        check(gaussian, positives=gaussian[:, :5])
    with pytest.raises(ValueError, match="one label per row"):
        check(gaussian, labels=np.zeros(3))


def test_small_n_skips_what_it_cannot_run_and_says_why():
    res = check(np.random.default_rng(6).standard_normal((25, 16)), null_replicates=200)
    assert res.joint.verdict == "cannot tell" and "needs more than 32 rows" in res.joint.figure
    assert res.isotropy.verdict == "cannot tell"  # n < 2d


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
    verdict = {name: check(x, trace=trace, null_replicates=200, subsample=200, eta2=eta2).plateau.verdict
               for name, trace, eta2 in (("flat", flat, 0.6), ("flat_above_eta2", flat, 0.3), ("ramp", ramp, None))}
    assert verdict["flat"] == "holds"
    assert verdict["flat_above_eta2"] == "fails"  # Assumption 1 needs the plateau <= η₂
    assert verdict["ramp"] == "fails"


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
        check(np.random.default_rng(0).standard_normal((100, 4)), trace=short, **FAST)


def test_cli_check_with_a_trace(tmp_path, gaussian, capsys):
    np.save(tmp_path / "x.npy", gaussian[:300])
    trace = _write_trace(tmp_path / "diagnostics.csv", 0.4 * (1 - np.exp(-np.arange(30) / 2)))
    out = tmp_path / "out"
    assert main(["check", str(tmp_path / "x.npy"), "--trace", str(trace), "--eta2", "0.5", "--out", str(out),
                 "--no-progress", "--directions", "8"]) == 0
    assert "HOLDS        Alignment plateau (Assumption 1)" in capsys.readouterr().out
    saved = json.loads((out / "check.json").read_text())["assumptions"]["plateau"]["details"]
    assert saved["reached"] and saved["value"] == pytest.approx(0.4, abs=0.01)


@pytest.mark.parametrize("factor", [1e-200, 1e250, 2.0**40])
def test_extreme_scales_give_the_unscaled_answer(gaussian, factor):
    """The battery's statistics are scale-invariant, so any finite scale gives the same verdicts and CV."""
    base = check(gaussian[:600], **FAST)
    scaled = check(gaussian[:600] * factor, **FAST)
    assert scaled.verdicts == base.verdicts
    assert scaled.thin_shell.details["cv"] == pytest.approx(base.thin_shell.details["cv"], rel=1e-6)
    assert scaled.input["rescaled_by"] != 1.0


def test_one_huge_entry_is_named(gaussian):
    x = gaussian[:600].copy()
    x[17, 3] = 1e300
    with pytest.raises(ValueError, match=r"numerically zero beside its largest entry 1e\+300 \(row 17") as info:
        check(x, **FAST)
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


def test_float32_gram_blocks_match_float64_within_a_tiny_fraction_of_the_errors(monkeypatch):
    # Anisotropic coordinates (sd 1 to 10) around a common mean 1000, read 2000 rows at a time: float32
    # products of blocks centred on the first chunk's mean, summed in float64, give the covariance spectrum,
    # the Bingham statistic and ||m||² of a float64 computation (uncentred float32 products would lose
    # ~1e-7·1000² = 0.1 of each covariance entry).
    from infonce_gauss.encoder_check.embeddings import as_matrix
    from infonce_gauss.simulations.estimates import mean_norm_sq, mean_norm_sq_from_sums
    from infonce_gauss.simulations.geometry import spectrum_summary
    from infonce_gauss.simulations.uniformity import bingham_from_scatter

    n, d = 20_000, 48
    monkeypatch.setattr(emb, "CHUNK_BYTES", 2000 * d * 8)
    z = 1000 + np.random.default_rng(8).standard_normal((n, d)) * np.logspace(0, 1, d)
    m, _ = streaming.accumulate(as_matrix(z), None, np.ones(n, bool), np.arange(d), np.eye(d)[:, :2], np.zeros(n, bool), None)
    u = z / np.linalg.norm(z, axis=1, keepdims=True)
    exact = spectrum_summary(np.linalg.eigvalsh(np.cov(z, rowvar=False))[::-1])
    ours = spectrum_summary(np.linalg.eigvalsh(m.covariance())[::-1])
    for key in ("participation_ratio", "effective_rank"):
        assert ours[key] == pytest.approx(exact[key], rel=1e-6)
    b64, b32 = bingham_from_scatter(u.T @ u / n, n), bingham_from_scatter(m.gram_u / n, n)
    assert abs(b32.statistic - b64.statistic) < 1e-3 * np.sqrt(2 * b64.df)  # the null SD of the statistic
    m64 = mean_norm_sq(u)
    m32 = mean_norm_sq_from_sums(m.sum_u, m.gram_u, n)
    assert abs(m32.value - m64.value) < 1e-3 * m64.se


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_a_large_offset_and_a_small_spread_survive_the_float32_blocks(backend):
    # float64 columns N(0,1)·1e-3 + 1e4: narrowed to float32 before centring, the spread is ~1 ulp of 1e4 and exactly
    # Gaussian data was judged "fails" (mean A² ~70); centred first, the coordinates give the unshifted data's answers
    if backend == "torch":
        torch = pytest.importorskip("torch")
    g = np.random.default_rng(0).standard_normal((2000, 8))
    shifted = g * 1e-3 + 1e4
    base = check(g, null_replicates=200)
    res = check(torch.from_numpy(shifted) if backend == "torch" else shifted, null_replicates=200, backend=backend)
    assert res.coordinates.verdict == base.coordinates.verdict == "holds"
    assert res.coordinates.parts["unnormalized"].verdict == base.coordinates.parts["unnormalized"].verdict
    for field in ("ad", "dp_pvalue"):
        np.testing.assert_allclose(res.coordinates.parts["unnormalized"].details[field],
                                   base.coordinates.parts["unnormalized"].details[field], rtol=1e-6)
    # the normalized coordinates z/‖z‖ of the shifted data, tested in float64 (their spread is ~1e-7 of their mean)
    from infonce_gauss.simulations.univariate import coordinate_tests

    u = shifted / np.linalg.norm(shifted, axis=1, keepdims=True)
    np.testing.assert_allclose(res.coordinates.parts["normalized"].details["ad"],
                               coordinate_tests(u - u.mean(axis=0), workers=1).ad, rtol=1e-5)
