"""`infonce-gauss record`: the committed record and the README's findings come from a run's claims.json."""

import pytest

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
    assert "| MP-DF-BOUND |" in record and "| classical |" in record and "| sharpened |" in record
    assert "Profile `quick`" in record and "2 passed, 0 failed, 0 cannot tell, 0 skipped" in record
    text = readme.read_text()
    assert "stale text" not in text and text.startswith("# title\n\nbefore\n") and text.endswith("after\n")
    assert "| NCE-BIAS-RATE | passed | sharpened |" in text


def test_record_refuses_an_unfinished_run_and_a_readme_without_markers(tmp_path, capsys):
    assert main(["record", str(tmp_path)]) == 2
    assert "not a finished claims run" in capsys.readouterr().err


def test_record_combines_runs_of_one_profile_the_last_run_counting(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    assert main(["claims", "--only", "MP-DF-BOUND", "NCE-BIAS-RATE", "--out", str(first), "--no-progress"]) == 0
    assert main(["claims", "--only", "MP-DF-BOUND", "--out", str(second), "--no-progress", "--seed", "3"]) == 0
    out = tmp_path / "record.md"
    assert main(["record", str(first), str(second), "--out", str(out)]) == 0
    record = out.read_text()
    assert "Run 1 of 2 (1 claims)" in record and "Run 2 of 2 (1 claims)" in record
    assert record.count("| MP-DF-BOUND |") == 1 and "| NCE-BIAS-RATE |" in record
    from infonce_gauss.record import load_runs

    records, runs = load_runs([first, second])
    assert [r["id"] for r in records] == ["MP-DF-BOUND", "NCE-BIAS-RATE"] and {r["run"] for r in records} == {0, 1}
    assert runs[1]["seed"] == 3


def test_record_refuses_to_write_over_what_it_reads(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["claims", "--only", "MP-DF-BOUND", "--out", str(run), "--no-progress"]) == 0
    readme = tmp_path / "README.md"
    readme.write_text(f"# title\n{START}\n{END}\n")
    before = {p: p.read_bytes() for p in (run / "claims.json", run / "run.json", readme)}
    for out in (run / "claims.json", run / "run.json", readme):
        capsys.readouterr()
        assert main(["record", str(run), "--out", str(out), "--readme", str(readme)]) == 2
        assert "is or holds the input" in capsys.readouterr().err
    assert {p: p.read_bytes() for p in before} == before


@pytest.mark.parametrize("claims_json, run_json, says", [
    ('{"a": 1}', '{"config": {}}', "is not a claims.json"),
    ('[{"id": 3}]', '{"config": {}}', "is not a claims.json"),
    ('[{"id": "MP-LEMMA3", "status": "passed"}]', '{}', "is not the run.json"),
    ("not json", '{"config": {}}', "claims.json is not JSON"),
])
def test_a_malformed_run_is_refused_naming_the_file(claims_json, run_json, says, tmp_path, capsys):
    run = tmp_path / "run"
    run.mkdir()
    (run / "claims.json").write_text(claims_json)
    (run / "run.json").write_text(run_json)
    assert main(["record", str(run), "--out", str(tmp_path / "record.md")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and says in err and str(run) in err
    assert not (tmp_path / "record.md").exists()


def test_the_record_cuts_nothing_and_keeps_every_detail_in_json(tmp_path):
    import json

    run = tmp_path / "run"
    run.mkdir()
    long_measured = {f"series {i}": 0.123456 + i for i in range(12)}
    claims = [{"id": "MP-LEMMA3", "title": "t", "paper_ref": "Lemma 3, " + "a long reference " * 4, "status": "passed",
               "finding": "classical", "measured": long_measured, "expected": 0, "reason": "r " * 80,
               "details": {"per_seed": [1.5, 2.5, 3.5]}, "seconds": 1.0}]
    (run / "claims.json").write_text(json.dumps(claims))
    (run / "run.json").write_text(json.dumps({"config": {"profile": "full"}, "seed": 0, "git_commit": "abc",
                                              "finished": "now", "wall_seconds": 60.0, "cpu_count": 2}))
    out = tmp_path / "docs" / "claims-full.md"
    assert main(["record", str(run), "--out", str(out)]) == 0
    record = out.read_text()
    assert "…" not in record and "[below](#mp-lemma3)" in record and "### MP-LEMMA3" in record
    assert "series 11=11.12" in record and ("r " * 80).strip() in record  # written out whole below the table
    data = json.loads(out.with_suffix(".json").read_text())
    assert data["claims"][0]["details"] == {"per_seed": [1.5, 2.5, 3.5]} and data["runs"][0]["git_commit"] == "abc"
    assert "claims-full.json" in record
