"""The terminal summary of a claims run."""

from infonce_gauss.claim import Claim, Verdict
from infonce_gauss.report import summary_table
from infonce_gauss.runner import ClaimResult

LONG = {f"value_{i}": 0.123456 for i in range(8)}


def _results(n: int, status: str = "passed") -> list[ClaimResult]:
    claims = [Claim(id=f"T-{i}", title="t", paper_ref="-", statement="-", check=lambda ctx: None) for i in range(n)]
    verdicts = {"passed": Verdict(status="passed", measured=LONG, expected=1.0),
                "failed": Verdict(status="failed", measured=LONG, expected=1.0, reason="sub-check x failed"),
                "skipped": Verdict.skipped("needs a GPU")}
    return [ClaimResult(claim=c, verdict=verdicts[status], seconds=0.5) for c in claims]


def test_long_cells_are_cut_with_an_ellipsis_and_spelled_out_for_a_few_claims():
    text = summary_table(_results(2))
    assert "…" in text.splitlines()[1]
    assert "value_7=0.1235" in text  # the full value appears below the table
    assert "1 passed" not in text and "2 passed, 0 failed, 0 cannot tell, 0 skipped" in text


def test_many_passing_claims_are_not_spelled_out_but_failures_and_skips_are():
    assert "value_7" not in summary_table(_results(10))
    failed = summary_table(_results(10, "failed"))
    assert "value_7=0.1235" in failed and "sub-check x failed" in failed
    assert "needs a GPU" in summary_table(_results(10, "skipped"))
