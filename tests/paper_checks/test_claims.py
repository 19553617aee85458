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
