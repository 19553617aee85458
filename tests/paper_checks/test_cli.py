"""The infonce-gauss command end to end on temporary folders."""

import json

import pytest

from infonce_gauss import catalog
from infonce_gauss.cli import main
from infonce_gauss.claim import ClaimSet, Verdict


def test_claims_writes_the_report(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["claims", "--only", "MP-DF-BOUND", "MP-KOLMOGOROV", "--out", str(out), "--no-progress"]) == 0
    records = json.loads((out / "claims.json").read_text())
    assert [r["id"] for r in records] == ["MP-DF-BOUND", "MP-KOLMOGOROV"]
    for r in records:
        assert {"id", "title", "paper_ref", "status", "measured", "expected", "reason"} <= set(r)
        assert r["status"] == "passed" and r["finding"] == "classical"
    run = json.loads((out / "run.json").read_text())
    assert run["config"]["profile"] == "quick" and run["seed"] == 0
    assert (out / "data" / "df_bound_grid.csv").exists()
    report = (out / "report.md").read_text()
    assert "MP-DF-BOUND" in report and "passed" in report
    assert "2 passed, 0 failed, 0 cannot tell, 0 skipped" in capsys.readouterr().out


def test_a_failing_claim_gives_exit_status_1(tmp_path, monkeypatch):
    def broken(ctx):
        raise RuntimeError("boom")

    fake = ClaimSet("MP-ZZ")
    fake.claim("MP-ZZ-BROKEN", title="t", paper_ref="r", statement="s", finding="confirmed")(broken)
    fake.claim("MP-ZZ-FALSE", title="t", paper_ref="r", statement="s", finding="confirmed")(lambda ctx: Verdict.from_checks({"holds": False}))
    monkeypatch.setattr(catalog, "RESULTS", catalog.RESULTS + (catalog.Result("test", "two failing claims", fake),))
    # --jobs 2: the local checks cannot go to a worker process and run in this one
    assert main(["claims", "--only", "MP-ZZ", "--jobs", "2", "--out", str(tmp_path), "--no-progress"]) == 1
    records = {r["id"]: r for r in json.loads((tmp_path / "claims.json").read_text())}
    assert records["MP-ZZ-BROKEN"]["status"] == "failed" and "RuntimeError: boom" in records["MP-ZZ-BROKEN"]["reason"]
    assert (tmp_path / "logs" / "MP-ZZ-BROKEN.traceback.txt").exists()
    assert records["MP-ZZ-FALSE"]["reason"] == "failed: holds"
    assert records["MP-ZZ-FALSE"]["finding"] is None  # a failed check says nothing about the paper


def test_rates_sphere_writes_table_fits_and_figures(tmp_path):
    out = tmp_path / "rates"
    assert main(["rates", "sphere", "--k", "1", "--dims", "8", "16", "32", "64", "128", "256",
                 "--n", "2000", "--seeds", "2", "--fit-range", "8", "256", "--out", str(out), "--no-progress"]) == 0
    for name in ("table.csv", "fits.csv", "rates_sphere.png", "rates_sphere.pdf", "run.json"):
        assert (out / name).stat().st_size > 0, name
    run = json.loads((out / "run.json").read_text())
    assert run["config"]["n"] == 2000
    assert run["executor"] == {"engine": "inline", "workers": None, "address": None}


def test_rates_run_json_records_the_executor(tmp_path):
    out = tmp_path / "pool"
    assert main(["rates", "sphere", "--k", "1", "--dims", "8", "16", "--n", "200", "--seeds", "1", "--executor",
                 "process", "--workers", "2", "--out", str(out), "--no-progress"]) == 0
    assert json.loads((out / "run.json").read_text())["executor"] == {"engine": "process", "workers": 2, "address": None}


@pytest.mark.parametrize("argv, message", [
    (["claims", "--only", "NOPE"], "no claim matches"),
    (["rates", "sphere", "--dims", "1", "2", "--k", "1", "--n", "10"], "d must be >= 2"),
    (["rates", "sphere", "--seeds", "0"], "argument --seeds: expected a positive integer"),
])
def test_bad_input_exits_2_with_a_message(tmp_path, capsys, argv, message):
    assert main(argv + ["--out", str(tmp_path), "--no-progress"]) == 2
    assert message in capsys.readouterr().err


def test_list_and_help(capsys):
    assert main(["claims", "--list", "--only", "MP-"]) == 0
    assert "MP-LEMMA3" in capsys.readouterr().out
    assert main(["rates", "sphere", "--help"]) == 0
    assert "--fit-range" in capsys.readouterr().out


def test_rates_with_too_few_points_write_fits_csv_with_the_reason(tmp_path, capsys):
    out = tmp_path / "few"
    assert main(["rates", "sphere", "--k", "1", "--dims", "64", "128", "--n", "500", "--seeds", "1",
                 "--out", str(out), "--no-progress"]) == 0
    fits = (out / "fits.csv").read_text().splitlines()
    assert fits[0] == "reason" and "no slope fitted" in fits[1] and "d = 64 128" in fits[1]
    assert "no slope fitted" in capsys.readouterr().out


def test_rates_with_exactly_four_points_keep_the_table(tmp_path):
    # 4 dims in the fit range: enough for the Monte Carlo series (3 terms), one short for the exact series
    # (4 terms: the truncation error takes one more), which are skipped instead of ending the run with exit 2
    out = tmp_path / "four"
    assert main(["rates", "sphere", "--k", "1", "--dims", "32", "64", "128", "256", "--n", "500", "--seeds", "1",
                 "--out", str(out), "--no-progress"]) == 0
    assert (out / "table.csv").is_file()
    assert {row.split(",")[2] for row in (out / "fits.csv").read_text().splitlines()[1:]} <= {"mc"}


def test_infonce_rates_refuse_a_fit_range_without_enough_sizes_before_the_monte_carlo(tmp_path, capsys):
    assert main(["rates", "infonce", "--sizes", "16", "32", "64", "128", "--fit-min", "32", "--out", str(tmp_path / "x"),
                 "--no-progress"]) == 2
    assert "needs >= 4 batch sizes" in capsys.readouterr().err and not (tmp_path / "x").exists()
