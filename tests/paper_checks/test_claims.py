"""Every registered claim passes on the quick profile (the README's main job, claim by claim)."""

import pytest

from infonce_gauss.catalog import select
from infonce_gauss.claim import PROFILES, ClaimContext

QUICK_UNRESOLVED = {"EMP-FMNIST", "REG-ENCODER-LAPLACE"}


@pytest.mark.parametrize("claim", select(), ids=lambda c: c.id)
def test_claim_passes_on_the_quick_profile(claim, tmp_path):
    ctx = ClaimContext(profile=PROFILES["quick"], out_dir=tmp_path, seed=claim.seed_for(0))
    verdict = claim.check(ctx)
    # EMP-FMNIST compares two objectives whose CVs are not resolved at the quick size (about 2.6 SE apart):
    # it may say "cannot tell", with the contrasts it measured; REG-ENCODER-LAPLACE's quick training (16 steps) stops
    # before the regularizer's fixed scale, where it says "cannot tell"
    allowed = ("passed", "skipped", "cannot tell") if claim.id in QUICK_UNRESOLVED else ("passed", "skipped")
    assert verdict.status in allowed, verdict.reason
    assert claim.refusal(verdict) is None  # its details satisfy its finding's rule (claim.FINDINGS)
    if verdict.status != "passed":
        assert verdict.reason, "a skipped or undecided claim must say why"
    if verdict.status == "cannot tell" and claim.id == "EMP-FMNIST":
        assert verdict.details["contrasts"] and verdict.details["init_control"]
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


def _row(run, epoch, **values):
    base = {"run": run, "epoch": epoch, "d": 64, "cv": 0.1, "cv_se": 0.001, "ad_avg": 0.4, "ad_sd": 0.16,
            "ad_pass_pct": 95.0, "dp_avg": 0.5, "dp_sd": 0.3, "dp_pass_pct": 95.0, "norm_ad_avg": 0.4, "norm_ad_sd": 0.16,
            "norm_ad_pass_pct": 95.0, "alignment": 0.5, "alignment_se": 0.002}
    return {**base, **values}


def test_init_control_measures_changes_in_standard_errors():
    from infonce_gauss.empirical.claims import CONTRAST_Z, diagnostic_se, init_control

    rows = [_row("a", 0), _row("a", 5, cv=0.2, ad_avg=0.41), _row("b", 0), _row("b", 5)]
    control = {(c["run"], c["statistic"]): c for c in init_control(rows)}
    cv = control["a", "cv"]
    assert cv["z"] == pytest.approx(0.1 / (0.001 * 2**0.5)) and cv["moved"]
    # mean A²: sd/√d = 0.02 per epoch, so a change of 0.01 is 0.35 SE: not moved
    assert control["a", "ad_avg"]["z"] == pytest.approx(0.01 / (0.02 * 2**0.5)) and not control["a", "ad_avg"]["moved"]
    assert not any(c["moved"] for (run, _), c in control.items() if run == "b")
    # a pass percentage: binomial SE 100·sqrt(p(1-p)/d) at p = 0.95, d = 64
    assert diagnostic_se(rows[0], "ad_pass_pct") == pytest.approx(100 * (0.95 * 0.05 / 64) ** 0.5)
    assert diagnostic_se(rows[0], "norm_ad_avg") == pytest.approx(0.02)
    assert CONTRAST_Z == 3.0


def test_gaussianity_origin_names_where_it_came_from():
    from infonce_gauss.empirical.claims import gaussianity_origin

    rows = [_row("init", 0), _row("init", 9), _row("made", 0, ad_avg=3.0), _row("made", 9),
            _row("lost", 0), _row("lost", 9, ad_avg=3.0), _row("never", 0, dp_avg=0.01), _row("never", 9, ad_avg=2.0)]
    origin = {run: o["origin"] for run, o in gaussianity_origin(rows).items()}
    assert origin == {"init": "Gaussian already at initialization", "made": "made Gaussian by training",
                      "lost": "Gaussian at initialization, not after training",
                      "never": "not Gaussian at initialization nor after training"}
