"""`infonce-gauss record`: the committed record and the README's findings come from a run's claims.json."""

from infonce_gauss.cli import main
from infonce_gauss.record import END, START


def test_record_and_readme_findings_are_generated_from_a_run(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["claims", "--only", "MP-DF-BOUND", "NCE-BIAS-RATE", "--out", str(run), "--no-progress"]) == 0
    readme = tmp_path / "README.md"
    readme.write_text(f"# title\n\nbefore\n{START}\nstale text\n{END}\nafter\n")
    out = tmp_path / "docs" / "record.md"
    assert main(["record", str(run), "--out", str(out), "--readme", str(readme)]) == 0
    record = out.read_text()
    assert "| MP-DF-BOUND |" in record and "| classical |" in record and "| loose |" in record
    assert "Profile `quick`" in record and "2 passed, 0 failed, 0 cannot tell, 0 skipped" in record
    text = readme.read_text()
    assert "stale text" not in text and text.startswith("# title\n\nbefore\n") and text.endswith("after\n")
    assert "| NCE-BIAS-RATE | passed | loose |" in text


def test_record_refuses_an_unfinished_run_and_a_readme_without_markers(tmp_path, capsys):
    assert main(["record", str(tmp_path)]) == 2
    assert "not a finished claims run" in capsys.readouterr().err
