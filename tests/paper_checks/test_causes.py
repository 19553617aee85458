"""The factorial's instruments: route 1's prediction on laws with known answers, the non-Gaussian input laws, the CNN
cells, the replicate seeds' derivation from the run seed, and the grading of CAUSE-UNIFORM and CAUSE-ROUTE1 over
seeds (on made-up factorial rows)."""

import dataclasses

import math

import numpy as np
import pytest

from infonce_gauss.causes import claims as cause_claims
from infonce_gauss.causes import factorial as cause_factorial
from infonce_gauss.causes.factorial import (CNN, CNN_PRESET, D, ENCODERS, IMAGES, INIT, INPUTS, OBJECTIVES,
                                            PAIR_OBJECTIVES, PRESET, cnn_missing, cnn_objectives, factorial_seed,
                                            route1)
from infonce_gauss.claim import PROFILES, ClaimContext
from infonce_gauss.runner import run_claims
from infonce_gauss.simulations.replicates import replicate_seeds
from infonce_gauss.simulations.channels import SCALE_MIXTURE_LOG_STD, STABLE_ALPHA, scale_mixture_base, stable_base
from infonce_gauss.simulations.projections import random_directions


def _sphere(n, d, rng):
    g = rng.standard_normal((n, d))
    return g / np.linalg.norm(g, axis=1, keepdims=True)


def test_route1_on_the_uniform_sphere_gives_its_exact_kurtosis():
    d, rng = 16, np.random.default_rng(0)
    out = route1(_sphere(20_000, d, rng), directions=random_directions(d, 16, rng=1), seed=2)
    assert out["kurt_sphere"] == pytest.approx(-6 / (d + 2))  # Lemma 3's coordinate law: excess kurtosis -6/(d+2)
    # sample excess kurtosis of n = 20000 draws has SE about sqrt(24/n) = 0.035 per direction, 16 directions
    assert out["kurt_measured"] == pytest.approx(-6 / (d + 2), abs=0.04)
    assert out["kurt_predicted"] == pytest.approx(-6 / (d + 2), abs=0.04)


def test_route1_tells_clusters_from_their_second_moment():
    # four tight clusters on S^{d-1}: the angular Gaussian with their mean and covariance is spread out, while fixed
    # projections of the clusters are discrete (four atoms), far lighter-tailed than that prediction
    d, rng = 8, np.random.default_rng(3)
    centres = _sphere(4, d, rng)
    u = centres[rng.integers(4, size=5000)] + 0.01 * rng.standard_normal((5000, d))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    out = route1(u, directions=random_directions(d, 8, rng=4), seed=5)
    assert out["kurt_measured"] < out["kurt_predicted"] - 0.3
    assert out["sliced_ep_p"] < 1e-6


def test_stable_base_has_the_stable_characteristic_function():
    # symmetric alpha-stable with unit scale (Chambers, Mallows & Stuck 1976): E cos(tX) = exp(-|t|^alpha)
    x = stable_base(200_000, 1, np.random.default_rng(6)).ravel()
    for t in (0.5, 1.0, 2.0):
        assert np.mean(np.cos(t * x)) == pytest.approx(math.exp(-t ** STABLE_ALPHA), abs=0.005)


def test_scale_mixture_base_shares_one_log_normal_scale_per_item():
    x = scale_mixture_base(20_000, 64, np.random.default_rng(7))
    # E x_j^2 = E s^2 = exp(2 sigma^2); and the per-item RMS is s (up to chi fluctuations of 64 coordinates)
    assert np.mean(x ** 2) == pytest.approx(math.exp(2 * SCALE_MIXTURE_LOG_STD ** 2), rel=0.1)
    log_rms = np.log(np.sqrt(np.mean(x ** 2, axis=1)))
    assert np.std(log_rms) == pytest.approx(SCALE_MIXTURE_LOG_STD, rel=0.05)


def test_the_factorial_preset_has_every_cell():
    runs = PRESET.runs_for("quick")
    assert len(runs) == len(INPUTS) * len(ENCODERS) * len(PAIR_OBJECTIVES)
    assert {(r.tags["input"], r.tags["encoder"], r.tags["objective_label"]) for r in runs} == {
        (i, e, o) for i in INPUTS for e in ENCODERS for o in PAIR_OBJECTIVES}


@pytest.mark.parametrize("profile,temperatures", [("quick", (0.1,)), ("full", (0.1, 0.5))])
def test_the_cnn_cells_train_the_small_cnn_with_infonce_vicreg_and_cross_entropy(profile, temperatures):
    runs = CNN_PRESET.runs_for(profile)
    assert [r.tags["objective_label"] for r in runs] == list(cnn_objectives(PROFILES[profile]))
    assert {r.data for r in runs} == {IMAGES} and {r.config.encoder for r in runs} == {CNN}
    assert {r.config.out_dim for r in runs} == {D}  # the synthetic cells' d: one set of route-1 directions
    assert sorted(r.config.tau for r in runs if r.config.objective == "infonce") == list(temperatures)
    assert {r.config.objective for r in runs} == {"infonce", "vicreg", "supervised"}  # cross-entropy: the suite's own


@pytest.mark.skipif(cnn_missing() is not None, reason="Fashion-MNIST is not installed")
def test_every_objective_of_a_cnn_seed_starts_from_the_same_network():
    # the init row of a CNN seed stands for every objective: the encoder (and evaluation) must not depend on it
    from infonce_gauss.simulations.training import train
    from infonce_gauss.training_presets import build_task

    embeddings = []
    for run in CNN_PRESET.runs_for("quick", seed=5):
        run = dataclasses.replace(run, data_options={"train_samples": 256})
        config = dataclasses.replace(run.config, epochs=0, eval_samples=64)
        embeddings.append(train(build_task(run, seed=5), config, progress=False, monitor=False).embeddings)
    assert len(embeddings) == 3
    for z in embeddings[1:]:
        np.testing.assert_array_equal(z, embeddings[0])


def test_the_replicate_seeds_follow_the_run_seed():
    k = 3
    assert replicate_seeds(factorial_seed(0), k) == replicate_seeds(factorial_seed(0), k)
    assert not set(replicate_seeds(factorial_seed(0), k)) & set(replicate_seeds(factorial_seed(1), k))


def test_the_claims_share_one_factorial_per_run_seed(monkeypatch, tmp_path):
    # every CAUSE- claim of a run asks for the factorial of the run's seed (not its own claim seed)
    from infonce_gauss.causes.claims import CLAIMS

    asked = []

    def fake(profile, run_seed):
        asked.append((profile, run_seed))
        raise RuntimeError("stop here")

    monkeypatch.setattr(cause_claims, "factorial", fake)
    run_claims([CLAIMS["CAUSE-INIT"], CLAIMS["CAUSE-SHELL"]], profile=PROFILES["quick"], out_dir=tmp_path, seed=7,
               progress=False, jobs=1)
    assert asked == [("quick", 7), ("quick", 7)]


def _rows(infonce_after: float, spread: float = 0.01, cross_entropy_after: float = 20.0):
    """Made-up factorial rows: d·E[(u·u')²] 2 at init, 8 with alignment alone, 1.1 with the other pair objectives,
    ``infonce_after`` with InfoNCE; the CNN cell from 15 at init to ``cross_entropy_after`` with cross-entropy."""
    rng = np.random.default_rng(8)
    rows = []
    cells = [(i, e, (INIT, *PAIR_OBJECTIVES)) for i in INPUTS for e in ENCODERS]
    for i, e, objectives in [*cells, (IMAGES, CNN, (INIT, "infonce τ=0.1", "vicreg", "cross-entropy"))]:
        for seed in range(4):
            for objective in objectives:
                target = {INIT: 2.0 if e != CNN else 15.0, "alignment": 8.0,
                          "cross-entropy": cross_entropy_after}.get(objective, 1.1)
                if objective.startswith("infonce"):
                    target = infonce_after
                rows.append({"input": i, "encoder": e, "objective": objective, "seed": seed, "n": 500, "d": 16,
                             "d_neg_cos_sq": target + spread * rng.standard_normal(), "m_sq": 0.0,
                             "alignment": 0.5})
    return rows


@pytest.mark.parametrize("after,status,finding", [(1.1, "passed", None), (3.0, "passed", "not reproduced"),
                                                   (2.0, "cannot tell", None)])
def test_cause_uniform_grades_by_welch_over_seeds(monkeypatch, tmp_path, after, status, finding):
    rows = _rows(after)
    monkeypatch.setattr(cause_claims, "_factorial", lambda ctx: rows)
    ctx = ClaimContext(profile=PROFILES["quick"], out_dir=tmp_path, seed=0)
    verdict = cause_claims.uniform_directions(ctx)
    assert (verdict.status, verdict.finding) == (status, finding)
    assert cause_claims.CLAIMS["CAUSE-UNIFORM"].refusal(verdict) is None


def test_cause_uniform_is_not_the_stated_cause_when_alignment_alone_makes_directions_uniform(monkeypatch, tmp_path):
    rows = [{**r, "d_neg_cos_sq": 1.1 + 0.01 * (r["seed"] % 2)} if r["objective"] == "alignment" else r
            for r in _rows(1.1)]
    monkeypatch.setattr(cause_claims, "_factorial", lambda ctx: rows)
    verdict = cause_claims.uniform_directions(ClaimContext(profile=PROFILES["quick"], out_dir=tmp_path, seed=0))
    assert verdict.finding == "not the stated cause" and verdict.details["control"]["effect_without_cause"]


def test_cross_entropy_lowering_the_cnn_spread_is_the_effect_without_the_cause(monkeypatch, tmp_path):
    monkeypatch.setattr(cause_claims, "_factorial", lambda ctx: _rows(1.1, cross_entropy_after=12.0))
    verdict = cause_claims.uniform_directions(ClaimContext(profile=PROFILES["quick"], out_dir=tmp_path, seed=0))
    assert verdict.finding == "not the stated cause"
    assert verdict.details["control"]["cells_with_effect"] == [f"{IMAGES} {CNN} cross-entropy"]
    assert cause_claims.CLAIMS["CAUSE-UNIFORM"].refusal(verdict) is None


def test_not_reproduced_takes_precedence_when_infonce_misses_the_end_state(monkeypatch, tmp_path):
    # "not the stated cause" means the paper's end state holds without its cause (claim.FINDINGS); where InfoNCE moves
    # the directions away from uniform the end state fails, whatever a control does: "not reproduced", naming both
    monkeypatch.setattr(cause_claims, "_factorial", lambda ctx: _rows(3.0, cross_entropy_after=12.0))
    verdict = cause_claims.uniform_directions(ClaimContext(profile=PROFILES["quick"], out_dir=tmp_path, seed=0))
    assert (verdict.status, verdict.finding) == ("passed", "not reproduced")
    assert f"{IMAGES} {CNN} cross-entropy" in verdict.reason and "away from uniform" in verdict.reason
    assert cause_claims.CLAIMS["CAUSE-UNIFORM"].refusal(verdict) is None


def _route1_rows(p_off: float):
    """20 near-uniform cells whose measured and predicted kurtosis agree exactly over 4 seeds, and one more whose
    Welch p-value (measured against predicted, 2 seeds' spread each side) is ``p_off``."""
    from scipy import stats

    rows = []
    cells = [(i, e, o) for i in INPUTS for e in ENCODERS for o in PAIR_OBJECTIVES][:21]
    base = np.array([-1.0, 1.0, -1.0, 1.0]) * 0.01  # seed deviations: sd 0.01155, se 0.00577 per arm
    gap = stats.t.isf(p_off / 2, 6) * math.sqrt(2) * 0.01 * math.sqrt(4 / 3) / 2  # Welch t with equal arms: df 6
    for n, (i, e, o) in enumerate(cells):
        for seed in range(4):
            rows.append({"input": i, "encoder": e, "objective": o, "seed": seed, "n": 500, "d": 16,
                         "d_neg_cos_sq": 1.05, "norm_ad_avg": 0.3, "kurt_sphere": -6 / 18,
                         "kurt_predicted": -0.33 + base[seed], "kurt_measured": -0.33 + (gap if n == 0 else 0.0)
                         - base[seed]})
    return rows


@pytest.mark.parametrize("p_off,status", [(0.005, "passed"), (1e-5, "failed")])
def test_cause_route1_tests_its_near_uniform_cells_as_one_family(monkeypatch, tmp_path, p_off, status):
    # 21 near-uniform cells at family level 0.01: a cell is off at p < 0.01/21 = 4.8e-4 (Bonferroni), so one
    # cell at p = 0.005 (off by the per-cell level) does not fail the statement, one at p = 1e-5 does
    monkeypatch.setattr(cause_claims, "_factorial", lambda ctx: _route1_rows(p_off))
    verdict = cause_claims.route1(ClaimContext(profile=PROFILES["quick"], out_dir=tmp_path, seed=0))
    assert verdict.status == status
    assert verdict.details["cells"][0]["pvalue"] == pytest.approx(p_off, rel=1e-6)
