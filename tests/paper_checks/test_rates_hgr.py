"""`infonce-gauss rates hgr` end to end: the solvable model's δ(d) table, slope fits and figure."""

import csv
import json

from infonce_gauss.cli import main


def test_rates_hgr_writes_table_fits_and_figures(tmp_path, capsys):
    out = tmp_path / "rates"
    argv = ["rates", "hgr", "--A", "0.6", "--dims", "4", "16", "32", "64", "128", "256", "512",
            "--n", "1000", "--seeds", "1", "--out", str(out), "--no-progress"]
    assert main(argv) == 0
    for name in ("table.csv", "fits.csv", "rates_hgr.png", "rates_hgr.pdf", "run.json"):
        assert (out / name).stat().st_size > 0, name
    fits = list(csv.DictReader((out / "fits.csv").open()))
    exact = next(f for f in fits if f["source"] == "exact")
    assert float(exact["slope_ci_low"]) <= -1.0 <= float(exact["slope_ci_high"])
    assert json.loads((out / "run.json").read_text())["config"]["A"] == [0.6]
    assert "A=0.6, metric=delta, source=exact: slope -1" in capsys.readouterr().out


def test_rates_hgr_bad_input(tmp_path, capsys):
    assert main(["rates", "hgr", "--seeds", "0", "--out", str(tmp_path), "--no-progress"]) == 2
    assert "argument --seeds: expected a positive integer" in capsys.readouterr().err
    assert main(["rates", "hgr", "--A", "1.5", "--dims", "4", "8", "--n", "10", "--out", str(tmp_path), "--no-progress"]) == 2
    assert "[-1, 1]" in capsys.readouterr().err
