"""Every registered claim passes on the quick profile (the README's main job, claim by claim)."""

import numpy as np
import pytest

from infonce_gauss.catalog import select
from infonce_gauss.claim import PROFILES, ClaimContext

# contrasts over the quick profile's 3 seeds that Welch's test does not resolve at level 0.01: EMP-FMNIST's objectives
# (2048 images, 3 epochs) and EMP-BINARY's rise of the normalized pass fraction (p ≈ 0.2); REG-ENCODER-LAPLACE's quick
# training (16 steps) stops before the regularizer's fixed scale
QUICK_UNRESOLVED = {"EMP-FMNIST", "EMP-BINARY", "REG-ENCODER-LAPLACE"}


@pytest.mark.parametrize("claim", select(), ids=lambda c: c.id)
def test_claim_passes_on_the_quick_profile(claim, tmp_path):
    ctx = ClaimContext(profile=PROFILES["quick"], out_dir=tmp_path, seed=claim.seed_for(0))
    verdict = claim.check(ctx)
    allowed = ("passed", "skipped", "cannot tell") if claim.id in QUICK_UNRESOLVED else ("passed", "skipped")
    assert verdict.status in allowed, verdict.reason
    assert claim.refusal(verdict) is None  # its details satisfy its finding's rule (claim.FINDINGS)
    if verdict.status != "passed":
        assert verdict.reason, "a skipped or undecided claim must say why"
    if verdict.status == "cannot tell" and claim.id.startswith("EMP-"):  # the unresolved checks, the seeds' control
        assert None in verdict.details["checks"].values() and verdict.details["init_control"]
    for path in ctx.artifacts:
        assert (tmp_path / path).stat().st_size > 0


# --- helpers of the EMP- claims ------------------------------------------------------------------

def test_cv_of_sqrt_binomial_is_exact():
    from infonce_gauss.empirical.claims import _cv_sqrt_binomial

    # one bit: sqrt(K) = K ~ Bernoulli(p), CV = sqrt((1 - p) / p)
    assert _cv_sqrt_binomial(1, 0.2) == pytest.approx(2.0, rel=1e-12)
    # two bits: E sqrt(K) = 2p(1-p) + sqrt(2) p^2, E K = 2p
    p = 0.3
    m1 = 2 * p * (1 - p) + 2**0.5 * p * p
    assert _cv_sqrt_binomial(2, p) == pytest.approx((2 * p - m1 * m1) ** 0.5 / m1, rel=1e-12)


def test_channel_share_inverts_the_alignment_identity():
    from infonce_gauss.empirical.claims import _channel_share

    # E[u·v] = ||m||^2 + c (1 - ||m||^2) with c = 0.3 and ||m||^2 = 0.75: the share returns c
    row = {"alignment": 0.75 + 0.3 * 0.25, "m_sq": 0.75, "alignment_se": 0.002, "m_sq_se": 0.001}
    share, se = _channel_share(row)
    assert share == pytest.approx(0.3)
    # the triangle-inequality SE: (0.002 + 0.7 · 0.001) / 0.25
    assert se == pytest.approx(0.0108)


def _row(run, epoch, seed=0, **values):
    from infonce_gauss.simulations.dependence import POWERS

    independent = {f"{p}corr_power_sum_{k}": 1.0 for p in ("", "norm_") for k in POWERS}  # R = I: every P_k = 1
    base = {"run": run, "epoch": epoch, "seed": seed, "d": 64, "cv": 0.1, "cv_se": 0.001, "ad_avg": 0.4, "ad_sd": 0.16,
            "ad_pass_pct": 95.0, "dp_avg": 0.5, "dp_sd": 0.3, "dp_pass_pct": 95.0, "norm_ad_avg": 0.4, "norm_ad_sd": 0.16,
            "norm_ad_pass_pct": 95.0, "norm_dp_avg": 0.5, "alignment": 0.5, "alignment_se": 0.002, **independent}
    return {**base, **values}


def test_init_control_compares_initialization_and_training_over_seeds():
    from scipy import stats

    from infonce_gauss.empirical.claims import diagnostic_se, init_control

    cv0, cv1 = [0.10, 0.11, 0.12], [0.20, 0.22, 0.21]
    ad0, ad1 = [0.40, 0.45, 0.38], [0.41, 0.44, 0.39]
    rows = [r for s in range(3) for r in (_row("a", 0, s, cv=cv0[s], ad_avg=ad0[s]), _row("a", 5, s, cv=cv1[s], ad_avg=ad1[s]))]
    control = {c["statistic"]: c for c in init_control(rows, stats=("cv", "ad_avg"))}
    cv = control["cv"]
    # Welch's test over the three seeds of each arm (scipy's ttest_ind with unequal variances)
    ref = stats.ttest_ind(cv1, cv0, equal_var=False)
    assert cv["t"] == pytest.approx(ref.statistic, rel=1e-10) and cv["pvalue"] == pytest.approx(ref.pvalue, rel=1e-8)
    assert cv["initialization"] == pytest.approx(0.11) and cv["trained_values"] == cv1 and cv["moved"]
    # the within-run z of each seed uses the within-run SEs (cv_se = 0.001 at both ends)
    assert cv["z_within_run"][0] == pytest.approx(0.10 / (0.001 * 2**0.5))
    # the mean A² barely moves against its seed spread: not resolved at level 0.01, though each seed's within-run
    # z (sd/√d = 0.02 per end, coordinates taken as independent) is reported beside
    assert not control["ad_avg"]["moved"] and control["ad_avg"]["pvalue"] > 0.01
    assert control["ad_avg"]["trained_within_run_se"] == pytest.approx(0.02)
    # a pass percentage: binomial SE 100·sqrt(p(1-p)/d) at p = 0.95, d = 64
    assert diagnostic_se(rows[0], "ad_pass_pct") == pytest.approx(100 * (0.95 * 0.05 / 64) ** 0.5)
    assert diagnostic_se(rows[0], "norm_ad_avg") == pytest.approx(0.02)
    # the rows' coordinates are uncorrelated (every power sum 1): D = 1, the corrected SE of a mean is sd/√d and
    # that of a pass percentage 100·sqrt(p(1-p)/(d-1)) (the unbiased p(1-p)); CV keeps its own SE
    ad = control["ad_avg"]
    assert ad["trained_design_effect"] == pytest.approx(1.0) and ad["trained_effective_coordinates"] == pytest.approx(64)
    assert ad["trained_within_run_se_corrected"] == pytest.approx(0.02)
    assert ad["z_within_run_corrected"] == pytest.approx(ad["z_within_run"])
    assert diagnostic_se(rows[0], "ad_pass_pct", corrected=True) == pytest.approx(100 * (0.95 * 0.05 / 63) ** 0.5)
    assert cv["z_within_run_corrected"] == cv["z_within_run"] and cv["trained_design_effect"] is None


def test_corrected_within_run_se_scales_with_the_design_effect():
    from infonce_gauss.empirical.claims import design_effect, diagnostic_se
    from infonce_gauss.encoder_check.calibration import outcome_map
    from infonce_gauss.simulations.dependence import POWERS

    # equicorrelated coordinates (r = 0.9, d = 64): P_k = 1 + 63·0.9^k, D = 1 + 63·ρ(0.9) for the unnormalized columns;
    # the normalized ones stay independent
    row = _row("a", 5, **{f"corr_power_sum_{k}": 1 + 63 * 0.9**k for k in POWERS})
    m = outcome_map()
    for stat, summary in (("ad_avg", "ad_mean"), ("dp_avg", "dp_mean"), ("ad_pass_pct", "ad_pass"), ("dp_pass_pct", "dp_pass")):
        deff = 1 + 63 * float(m(summary, 0.9))
        assert design_effect(row, stat) == pytest.approx(deff, rel=1e-12)
        ratio = (deff * 63 / (64 - deff)) ** 0.5 if stat.endswith("avg") else (deff * 64 / (64 - deff)) ** 0.5
        assert diagnostic_se(row, stat, corrected=True) == pytest.approx(diagnostic_se(row, stat) * ratio, rel=1e-12)
    assert design_effect(row, "norm_ad_avg") == pytest.approx(1.0)
    assert design_effect(row, "cv") is None and diagnostic_se(row, "cv", corrected=True) == 0.001


@pytest.mark.parametrize("n, d, r, replicates", [(500, 32, 0.9, 300), pytest.param(2000, 64, 0.8, 400, marks=pytest.mark.slow)])
def test_corrected_within_run_se_is_the_spread_of_the_statistic_over_replicates(n, d, r, replicates):
    # Oracle: the Monte Carlo SD of each Table-1 column over replicate equicorrelated Gaussian embeddings
    # z = √r·f·1ᵀ + √(1−r)·E (f, E i.i.d. N(0, 1)). The root mean corrected SE of one embedding matches it within
    # the Monte Carlo error of an SD over the replicates (relative SE ~1/sqrt(2·replicates) ≈ 4%, more for the
    # skewed pass shares) and the outcome map's fit: 15%. The independent SE (sd/√d, binomial) is 2–5 times smaller,
    # and the corrected SE without the bias factor (d−1)/(d−D) of the sample SD (D ≈ 11 of d = 32 for the means)
    # is 20–30% smaller: both fail. (The normalized columns are left out: a strong common factor couples their
    # tails through the shared norm beyond their correlation, which the Gaussian outcome map does not see; see
    # WITHIN_RUN_SE.)
    from infonce_gauss.empirical.claims import design_effect, diagnostic_se
    from infonce_gauss.simulations.training import embedding_diagnostics

    gen = np.random.default_rng(20261207)
    rows = []
    for _ in range(replicates):
        z = np.sqrt(r) * gen.standard_normal((n, 1)) + np.sqrt(1 - r) * gen.standard_normal((n, d))
        rows.append(embedding_diagnostics(z, z, z, pairs=50))
    for stat in ("ad_avg", "dp_avg", "ad_pass_pct", "dp_pass_pct"):
        spread = np.std([row[stat] for row in rows], ddof=1)
        corrected = np.sqrt(np.mean([diagnostic_se(row, stat, corrected=True) ** 2 for row in rows]))
        independent = np.sqrt(np.mean([diagnostic_se(row, stat) ** 2 for row in rows]))
        assert corrected == pytest.approx(spread, rel=0.15), stat
        assert independent < spread / 2, stat
        assert np.mean([design_effect(row, stat) for row in rows]) > 4, stat


def test_gaussianity_origin_names_where_it_came_from_on_seed_means():
    from infonce_gauss.empirical.claims import gaussianity_origin

    rows = [r for s in range(2) for r in
            (_row("init", 0, s), _row("init", 9, s), _row("made", 0, s, ad_avg=3.0), _row("made", 9, s),
             _row("lost", 0, s), _row("lost", 9, s, ad_avg=3.0), _row("never", 0, s, dp_avg=0.01), _row("never", 9, s, ad_avg=2.0))]
    # one seed of "mixed" is Gaussian after training, the other not; the seed mean of mean A² (0.55) is
    rows += [_row("mixed", 0, 0, ad_avg=3.0), _row("mixed", 9, 0, ad_avg=0.3), _row("mixed", 0, 1, ad_avg=3.0),
             _row("mixed", 9, 1, ad_avg=0.8)]
    origin = gaussianity_origin(rows)
    assert {run: o["origin"] for run, o in origin.items()} == {
        "init": "Gaussian already at initialization", "made": "made Gaussian by training",
        "lost": "Gaussian at initialization, not after training",
        "never": "not Gaussian at initialization nor after training", "mixed": "made Gaussian by training"}
    assert origin["mixed"]["per_seed"] == ["made Gaussian by training", "not Gaussian at initialization nor after training"]
    assert origin["mixed"]["ad_avg"] == pytest.approx([3.0, 0.55])


def test_a_contrast_decides_a_check_only_when_resolved():
    from infonce_gauss.empirical.claims import directed, seed_contrast

    rows = lambda values: [{"x": v} for v in values]  # noqa: E731
    up = seed_contrast(rows([1.0, 1.1, 0.9]), rows([2.0, 2.1, 1.9]), "x")
    assert up["resolved"] and directed(up, +1) is True and directed(up, -1) is False
    # a difference of one seed-level SD with three seeds per arm: Welch's p is far above 0.01
    unclear = seed_contrast(rows([1.0, 1.1, 0.9]), rows([1.1, 1.2, 1.0]), "x")
    assert not unclear["resolved"] and directed(unclear, +1) is None


def test_an_unresolved_check_makes_the_claim_cannot_tell_and_a_false_one_fails():
    from infonce_gauss.empirical.claims import _verdict

    rows = [r for s in range(3) for r in (_row("a", 0, s), _row("a", 4, s, cv=0.1 + 0.01 * s))]
    assert _verdict(rows, {"holds": True, "unresolved": None}).status == "cannot tell"
    failed = _verdict(rows, {"fails": False, "unresolved": None})
    assert failed.status == "failed" and "fails" in failed.reason
    passed = _verdict(rows, {"holds": True})
    assert passed.status == "passed" and passed.details["seeds"] == 3 and passed.details["init_control"]


@pytest.mark.slow
def test_the_ablation_runs_its_full_profile_path_at_a_tiny_size(tmp_path, monkeypatch):
    """EMP-FMNIST-ABLATION is skipped in the quick profile; its full-profile code (seeds, backbone, contrasts) at
    2 seeds, 1 epoch and 1024 images."""
    import infonce_gauss.empirical.claims as claims
    import infonce_gauss.empirical.presets as presets
    from infonce_gauss.simulations.datasets import missing_reason
    from infonce_gauss.simulations.replicates import replicate_seeds

    if missing_reason("fashion-mnist"):
        pytest.skip("needs Fashion-MNIST")
    monkeypatch.setattr(presets, "_fmnist_common", lambda profile: dict(
        encoder="cnn", width=4, out_dim=16, batch_size=128, epochs=1, weight_decay=1e-4, diagnostics_every=1,
        eval_samples=300))
    monkeypatch.setattr(presets, "_fmnist_images", lambda profile: {"train_samples": 1024})
    monkeypatch.setattr(claims, "seeds", lambda profile: 2)
    claim, = select(["EMP-FMNIST-ABLATION"])
    verdict = claim.check(ClaimContext(profile=PROFILES["full"], out_dir=tmp_path, seed=claim.seed_for(0)))
    assert verdict.status in ("passed", "failed", "cannot tell"), verdict.reason
    table = {t["run"]: t for t in verdict.details["table"]}
    assert len(table) == 10 and all(len(t["cv_trained"]["values"]) == 2 for t in table.values())
    assert {r["seed"] for r in verdict.details["backbone"]} == set(replicate_seeds(claim.seed_for(0), 2))


@pytest.mark.parametrize("ad_at_init,finding", [(0.4, "not the stated cause"), (2.0, "confirmed")])
def test_a_gaussianity_present_at_initialization_is_graded_not_the_stated_cause(ad_at_init, finding):
    from infonce_gauss.empirical.claims import CLAIMS, _verdict, cause_control

    rows = [_row(run, epoch, seed, ad_avg=(ad_at_init if epoch == 0 else 0.4) + 0.01 * seed, cv=0.1 + 0.01 * seed + epoch / 100)
            for run in ("a", "b") for seed in range(3) for epoch in (0, 5)]
    control = cause_control(rows, "InfoNCE training")
    assert control["runs_with_effect"] == ["a", "b"]
    assert control["effect_without_cause"] is (ad_at_init < 0.752)
    verdict = _verdict(rows, {"Gaussian after training": True}, control=control)
    claim = CLAIMS["EMP-LAPLACE"]  # declared "confirmed"
    assert verdict.status == "passed" and claim.finding_of(verdict) == finding
    assert claim.refusal(verdict) is None
    # the same verdict graded "confirmed" while its control shows the effect is refused by the finding's rule
    if finding == "not the stated cause":
        import dataclasses

        assert claim.refusal(dataclasses.replace(verdict, finding="confirmed")) is not None
