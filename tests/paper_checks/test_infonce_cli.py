"""Tests of the InfoNCE figures and of ``infonce-gauss rates infonce`` on a tiny setting."""

import csv
import json


from infonce_gauss.cli import main
from infonce_gauss.infonce.plots import plot_bias, plot_particles
from infonce_gauss.infonce.settings import BIAS_LAW, LIMIT_LAWS
from infonce_gauss.catalog import select


def test_nce_claims_are_registered():
    ids = [c.id for c in select(["NCE-"])]
    assert ids == ["NCE-PHI-UNIFORM", "NCE-PHI-UNIQUE", "NCE-WI-UNIFORMITY", "NCE-FUNK-HECKE", "NCE-WI-LIMIT",
                   "NCE-BIAS-RATE", "NCE-PLATEAU-PARTICLES"]
    assert next(iter(LIMIT_LAWS.values())) is BIAS_LAW


def test_plots_take_tables():
    bias = [{"n_batch": n, "bias": 3 / n, "bias_se": 0.1 / n, "loss_sd": n**-0.5, "loss_sd_se": 0.01, "seed": s}
            for n in (8, 16, 32) for s in (0, 1)]
    fig = plot_bias(bias, bias_constant=3.0)
    assert len(fig.axes) == 2 and fig.axes[0].get_xlabel()
    keys = ("rayleigh_effect", "rayleigh_iid", "bingham_effect", "bingham_iid", "phi_gap", "ks_orth_k1", "ks_axis_k1",
            "kolmogorov_sphere_to_gauss")
    particles = [{"d": d, "start": start, "state": state, **{k: 0.1 + 0.01 * i for i, k in enumerate(keys)}}
                 for d in (8, 16) for start in ("cap", "uniform") for state in ("initial", "trained")]
    assert len(plot_particles(particles).axes) == 4


def test_rates_infonce_cli(tmp_path):
    out = tmp_path / "rates"
    code = main(["rates", "infonce", "--sizes", "8", "16", "32", "64", "--pairs", "1024", "--seeds", "1", "--fit-min", "8",
                 "--dims", "8", "--particles", "16", "--steps", "5", "--device", "cpu", "--out", str(out), "--no-progress"])
    assert code == 0
    rows = list(csv.DictReader(open(out / "table.csv")))
    assert {r["experiment"] for r in rows} == {"bias", "particles"}
    fits = list(csv.DictReader(open(out / "fits.csv")))
    assert [f["metric"] for f in fits] == ["bias", "loss_sd"]
    assert (out / "rates_infonce.png").stat().st_size > 0
    assert json.loads((out / "run.json").read_text())


def test_rates_infonce_rejects_bad_seeds(tmp_path, capsys):
    assert main(["rates", "infonce", "--seeds", "0", "--out", str(tmp_path)]) != 0
    assert "--seeds" in capsys.readouterr().err
