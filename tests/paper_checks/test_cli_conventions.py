"""Command-line conventions: --version, exit codes 0/1/2/3/130, --out validated before any work and never mixing
runs, check --strict, warnings for options that would be ignored, third-party bars silenced, the summary table."""

import functools
import json

import numpy as np
import pytest

from infonce_gauss import cli
from infonce_gauss.cli import EXIT_CODES, main
from infonce_gauss.claim import Verdict
from infonce_gauss.report import summary_table
from infonce_gauss.runner import ClaimResult


def test_version(capsys):
    import tomllib
    from pathlib import Path

    import infonce_gauss

    # one source: the version pyproject.toml declares is the package's __version__ and what --version prints
    declared = tomllib.loads((Path(cli.__file__).parents[1] / "pyproject.toml").read_text())["project"]["version"]
    assert infonce_gauss.__version__ == declared
    with pytest.raises(SystemExit) as info:
        cli.build_parser().parse_args(["--version"])
    assert info.value.code == 0 and capsys.readouterr().out == f"infonce-gauss {declared}\n"


def test_python_dash_m_runs_the_command_line(tmp_path):
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "infonce_gauss", "claims", "--list", "--only", "MP-"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("MP-LEMMA3")


def test_exit_codes_are_documented_in_help_and_readme(capsys):
    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    readme = (cli.__file__.rsplit("/", 2)[0] + "/README.md")
    readme = open(readme, encoding="utf-8").read()
    for code in (0, 1, 2, 3, 130):
        assert code in EXIT_CODES and f"  {code:<4d} {EXIT_CODES[code]}" in text
        assert f"| {code} |" in readme


def test_an_internal_error_exits_3_with_one_line(monkeypatch, tmp_path, capsys):
    def crash(args):
        raise TypeError("unexpected")

    monkeypatch.setattr(cli, "_cmd_rates", crash)
    parser = cli.build_parser
    monkeypatch.setattr(cli, "build_parser", lambda command=None: _with_func(parser(command), crash))
    assert main(["rates", "sphere", "--out", str(tmp_path / "o")]) == 3
    err = capsys.readouterr().err
    assert "internal error (TypeError: unexpected)" in err and "Traceback" not in err
    log = err.rsplit(" in ", 1)[1].strip()
    assert "TypeError: unexpected" in open(log).read()


def _with_func(parser, func):
    parser.set_defaults(func=func)
    for action in parser._subparsers._group_actions:
        for sub in action.choices.values():
            sub.set_defaults(func=func)
            for nested in getattr(sub, "_subparsers", None)._group_actions if sub._subparsers else ():
                for p in nested.choices.values():
                    p.set_defaults(func=func)
    return parser


@pytest.fixture
def emb_file(tmp_path):
    path = tmp_path / "emb.npy"
    np.save(path, np.random.default_rng(0).standard_normal((300, 8)))
    return str(path)


@pytest.mark.parametrize("command", [
    ["claims", "--only", "MP-DF-BOUND"],
    ["rates", "sphere", "--k", "1", "--dims", "8", "16", "32", "64", "--n", "500"],
    ["check", "EMB"],
])
@pytest.mark.parametrize("where", ["file", "under-file"])
def test_bad_out_exits_2_before_any_work(command, where, tmp_path, emb_file, monkeypatch, capsys):
    (tmp_path / "f").write_text("x")
    out = tmp_path / "f" if where == "file" else tmp_path / "f" / "sub"
    from infonce_gauss.encoder_check import check
    from infonce_gauss import runner
    from infonce_gauss.sphere import rates

    def no_work(*a, **k):
        raise AssertionError("work started before --out was validated")

    # the check's options are built from its signature: the stand-in keeps it (functools.wraps)
    monkeypatch.setattr(check, "check", functools.wraps(check.check)(no_work))
    monkeypatch.setattr(runner, "run_claims", no_work)
    monkeypatch.setattr(rates, "sphere_rate_table", no_work, raising=False)
    argv = [emb_file if a == "EMB" else a for a in command]
    assert main(argv + ["--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and ("is a file" in err or "cannot write the results" in err), err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["emb.npy", "f"]


def test_a_failed_rates_run_leaves_no_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["rates", "sphere", "--dims", "1", "2", "--k", "1", "--n", "10", "--no-progress"]) == 2
    assert list(tmp_path.iterdir()) == []  # not even results/


def test_out_holding_other_files_is_refused(tmp_path, emb_file, capsys):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep")
    assert main(["check", emb_file, "--out", str(mine), "--no-progress"]) == 2
    assert "not a finished infonce-gauss run" in capsys.readouterr().err
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]


def test_out_with_a_foreign_run_json_is_refused(tmp_path, emb_file, capsys):
    # a project folder of the user's own holding a run.json of its own: not a run this tool may replace
    project = tmp_path / "project"
    project.mkdir()
    for name, text in (("run.json", '{"experiment": 7}'), ("thesis.tex", "precious"), ("data.csv", "1,2")):
        (project / name).write_text(text)
    assert main(["check", emb_file, "--out", str(project), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "does not list the files" in err and "Nothing was deleted" in err
    assert sorted(p.name for p in project.iterdir()) == ["data.csv", "run.json", "thesis.tex"]
    assert (project / "thesis.tex").read_text() == "precious"


@pytest.mark.parametrize("out, why", [(".", "the current folder"), ("dangling", "is a symbolic link")])
def test_out_that_cannot_take_the_run_is_refused_before_any_work(out, why, tmp_path, emb_file, monkeypatch, capsys):
    # refused at once, not after the work with the finished run left in a hidden folder
    from infonce_gauss.encoder_check import check

    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    (work / "dangling").symlink_to(tmp_path / "nowhere")
    monkeypatch.setattr(check, "check", functools.wraps(check.check)(lambda *a, **k: pytest.fail("work started")))
    assert main(["check", emb_file, "--out", out, "--no-progress"]) == 2
    assert why in capsys.readouterr().err
    assert [p.name for p in work.iterdir()] == ["dangling"] and sorted(p.name for p in tmp_path.iterdir()) == [
        "emb.npy", "work"]


def test_rerun_into_the_same_out_replaces_the_run(tmp_path, emb_file):
    out = tmp_path / "out"
    assert main(["claims", "--only", "MP-DF-BOUND", "--out", str(out), "--no-progress"]) == 0
    assert (out / "data").is_dir()
    assert main(["check", emb_file, "--out", str(out), "--no-progress", "--directions", "4"]) == 0
    assert not (out / "claims.json").exists() and json.loads((out / "run.json").read_text())["command"] == "check"


def _fails_uniformity(tmp_path):
    path = tmp_path / "shifted.npy"
    np.save(path, np.random.default_rng(1).standard_normal((400, 8)) + 3.0)  # directions far from uniform
    return str(path)


def test_check_strict_exits_1_when_an_assumption_fails(tmp_path, capsys):
    path = _fails_uniformity(tmp_path)
    assert main(["check", path, "--out", str(tmp_path / "a"), "--no-progress"]) == 0
    assert "FAILS" in capsys.readouterr().out
    assert main(["check", path, "--out", str(tmp_path / "b"), "--no-progress", "--strict"]) == 1
    assert "--strict:" in capsys.readouterr().err


@pytest.mark.parametrize("extra, warning", [
    (["--eta2", "0.5"], "--eta2 is used only with --positives"),
    (["--k", "20"], "--k 20 is larger than d = 8; using --k 8"),
    (["--directions", "64"], "--directions 64 is larger than d = 8"),
])
def test_check_warns_about_ignored_options(extra, warning, tmp_path, emb_file, capsys):
    assert main(["check", emb_file, "--out", str(tmp_path / "o"), "--no-progress", *extra]) == 0
    assert warning in capsys.readouterr().err


def test_check_refuses_nan_labels(tmp_path, emb_file, capsys):
    labels = np.zeros(300)
    labels[5] = np.nan
    np.save(tmp_path / "lab.npy", labels)
    assert main(["check", emb_file, "--labels", str(tmp_path / "lab.npy"), "--out", str(tmp_path / "o"),
                 "--no-progress"]) == 2
    assert "1 label(s) are NaN (e.g. row 5)" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_train_warns_that_data_dir_is_ignored_for_synthetic_presets(tmp_path, capsys, monkeypatch):
    from infonce_gauss import catalog

    monkeypatch.setattr(catalog, "train_preset", lambda *a, **k: (_ for _ in ()).throw(ValueError("stop here")))
    assert main(["train", "--preset", "table1-laplace", "--data-dir", str(tmp_path), "--out", str(tmp_path / "o"),
                 "--no-progress"]) == 2
    assert "trains on synthetic data; --data-dir" in capsys.readouterr().err


@pytest.mark.parametrize("flag", [[], ["--no-progress"]])
def test_third_party_bars_are_silenced(flag, tmp_path, fresh_python):
    code = ("import sys\nfrom infonce_gauss import cli\n"
            "def command(args):\n"
            "    import os\n    from tqdm.auto import tqdm\n"
            "    for _ in tqdm(range(3), desc='third-party bar'): pass\n"
            "    print('hub bars disabled:', os.environ.get('HF_HUB_DISABLE_PROGRESS_BARS'))\n    return 0\n"
            "cli._cmd_embed_text = command\n"
            "build = cli.build_parser\n"
            "def patched(name=None):\n    p = build(name)\n    p._subparsers._group_actions[0].choices['embed-text'].set_defaults(func=command)\n    return p\n"
            "cli.build_parser = patched\n"
            f"sys.exit(cli.main(['embed-text', *{flag!r}]))\n")
    done = fresh_python(code, cwd=tmp_path)
    assert "hub bars disabled: 1" in done.stdout  # Hugging Face's bars ("Loading weights") are always off
    assert ("third-party bar" in done.stderr) == (not flag)  # other libraries' bars: off with --no-progress


def test_summary_table_header_and_cut_cells():
    from infonce_gauss.catalog import select

    claim = select(["MP-DF-BOUND"])[0]
    long = Verdict(status="passed", measured={f"key{i}": float(i) for i in range(20)}, expected=1.0)
    table = summary_table([ClaimResult(claim, long, 1.0)], full_values="out/claims.json")
    header = table.splitlines()[0].split()
    assert header[-1] == "seconds"
    assert "cells ending in … are cut; the full values are in out/claims.json" in table


def test_check_interrupted_while_writing_leaves_no_report(tmp_path, emb_file, monkeypatch, capsys):
    """Figures already written, then Ctrl-C: no report anywhere, the earlier finished run untouched."""
    from infonce_gauss.encoder_check import report

    out = tmp_path / "out"
    assert main(["check", emb_file, "--out", str(out), "--no-progress", "--seed", "1"]) == 0
    before = json.loads((out / "run.json").read_text())
    real = report.write_report

    def interrupted(result, out_dir, **kwargs):
        real(result, out_dir, **kwargs)
        (out_dir / "report.md").unlink()
        raise KeyboardInterrupt

    monkeypatch.setattr(report, "write_report", interrupted)
    assert main(["check", emb_file, "--out", str(out), "--no-progress", "--seed", "2"]) == 130
    assert "interrupted; partial files (no report) are in" in capsys.readouterr().err
    assert json.loads((out / "run.json").read_text()) == before  # still the finished run, complete and alone
    partial = tmp_path / "out.partial"
    assert (partial / "PARTIAL.txt").is_file() and not (partial / "report.md").exists()


def test_commands_other_than_rates_do_not_import_every_result_nor_sympy(fresh_python):
    code = ("import sys\nfrom infonce_gauss.cli import build_parser\nfrom infonce_gauss import check\n"
            "build_parser('check').parse_args(['check', 'emb.npy'])\n"
            "print(sorted(m for m in ('infonce_gauss.catalog', 'infonce_gauss.battery.claims', 'sympy.core') "
            "if m in sys.modules))\n"
            "build_parser('rates').parse_args(['rates', 'sphere'])\n"
            "print('infonce_gauss.catalog' in sys.modules)\n")
    assert fresh_python(code).stdout.split() == ["[]", "True"]


@pytest.mark.parametrize("argv, says", [
    (["claims", "--bogus"], "unrecognized arguments: --bogus"),
    (["check"], "the following arguments are required: EMB"),
    (["check", "x.npy", "--k", "-3"], "argument --k: expected a positive integer, got -3"),
])
def test_usage_errors_are_one_line_with_exit_2(argv, says, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and says in err and "--help" in err, err


def test_an_inverted_fit_range_is_refused_before_any_work(tmp_path, capsys):
    assert main(["rates", "sphere", "--fit-range", "1024", "32", "--out", str(tmp_path / "o"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "1 <= d_min < d_max, got (1024, 32)" in err
    assert list(tmp_path.iterdir()) == []
