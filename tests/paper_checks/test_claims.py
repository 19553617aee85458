"""Every registered claim passes on the quick profile (the README's main job, claim by claim)."""

import pytest

from infonce_gauss.catalog import select
from infonce_gauss.registry import PROFILES, CheckContext


@pytest.mark.parametrize("claim", select(), ids=lambda c: c.id)
def test_claim_passes_on_the_quick_profile(claim, tmp_path):
    ctx = CheckContext(profile=PROFILES["quick"], out_dir=tmp_path, seed=claim.seed_for(0))
    verdict = claim.check(ctx)
    assert verdict.status in ("passed", "skipped"), verdict.reason
    if verdict.status == "skipped":
        assert verdict.reason, "a skipped claim must say why"
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
