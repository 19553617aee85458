"""`infonce-gauss rates polar` end to end on a tiny grid: files written, fits beside the predictions."""

import csv
import json

from infonce_gauss.cli import main


def test_rates_polar_writes_table_fits_figure_and_run(tmp_path, capsys):
    out = tmp_path / "polar"
    code = main(["rates", "polar", "--dims", "8", "16", "32", "64", "128", "--mc-dims", "8", "--n", "500",
                 "--seeds", "1", "--fit-min", "8", "--out", str(out), "--no-progress"])
    assert code == 0
    rows = list(csv.DictReader(open(out / "table.csv")))
    assert {r["source"] for r in rows} == {"exact", "asymptotic", "mc"}
    fits = list(csv.DictReader(open(out / "fits.csv")))
    assert {f["term"] for f in fits} == {"radial_kl", "radial_kl_given_direction"}
    assert all(float(f["predicted_slope"]) == -1.0 for f in fits)
    assert (out / "rates_polar.png").stat().st_size > 0 and (out / "rates_polar.pdf").exists()
    assert json.load(open(out / "run.json"))["config"]["spike"] == 4.0
    assert "term=radial_kl" in capsys.readouterr().out
