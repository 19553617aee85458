"""Claims as data: claim sets, the catalog of results, verdicts."""

import pytest

from infonce_gauss.catalog import RESULTS, all_claims, select
from infonce_gauss.claim import PROFILES, Claim, ClaimSet, Verdict


def test_every_claim_id_carries_a_module_tag_and_a_paper_reference():
    claims = select()
    assert claims, "no claim registered"
    tags = ("MP-", "HGR-", "POL-", "NCE-", "REG-", "EMP-", "CHK-", "CAUSE-")
    for c in claims:
        assert c.id.startswith(tags), c.id
        assert c.paper_ref and c.statement and c.title


def test_select_by_id_and_prefix():
    assert [c.id for c in select(["MP-DF-BOUND"])] == ["MP-DF-BOUND"]
    assert {c.id for c in select(["mp-"])} == {c.id for c in all_claims() if c.id.startswith("MP-")}
    with pytest.raises(ValueError, match="no claim matches 'NOPE'"):
        select(["NOPE"])


def test_verdict_from_checks_names_the_failing_ones():
    v = Verdict.from_checks({"a holds": True, "b holds": False}, measured=1.0, reason="extra")
    assert v.status == "failed" and v.reason == "failed: b holds; extra"
    assert v.details["checks"] == {"a holds": True, "b holds": False}
    assert Verdict.from_checks({"a": True}).status == "passed"
    assert Verdict.skipped("no GPU").status == "skipped"
    with pytest.raises(ValueError, match="status"):
        Verdict(status="ok")


def test_claim_seeds_are_stable_and_distinct():
    a = Claim("MP-A", "t", "r", "s", lambda ctx: None)
    b = Claim("MP-B", "t", "r", "s", lambda ctx: None)
    assert a.seed_for(0) == a.seed_for(0) != b.seed_for(0)
    assert a.seed_for(0) != a.seed_for(1)


def test_profiles_pick():
    assert PROFILES["quick"].pick(quick=1, full=2) == 1
    assert PROFILES["gpu"].pick(quick=1, full=2) == 2
    assert PROFILES["gpu"].pick(quick=1, full=2, gpu=3) == 3


def test_every_result_keeps_its_own_tag_and_ids_are_unique():
    ids = [c.id for c in all_claims()]
    assert len(ids) == len(set(ids))
    for result in RESULTS:
        assert result.claims, result.name
        assert all(cid.startswith(result.claims.tag) for cid in result.claims), result.name


def test_claim_set_rejects_a_foreign_tag_and_a_repeated_id():
    claims = ClaimSet("MP-")
    with pytest.raises(ValueError, match="must start with its result's tag 'MP-'"):
        claims.claim("POL-X", title="t", paper_ref="r", statement="s", finding="confirmed")
    claims.claim("MP-X", title="t", paper_ref="r", statement="s", finding="classical")(lambda ctx: None)
    with pytest.raises(ValueError, match="declared twice"):
        claims.claim("MP-X", title="t", paper_ref="r", statement="s", finding="classical")
    with pytest.raises(ValueError, match="finding must be one of"):
        claims.claim("MP-Y", title="t", paper_ref="r", statement="s", finding="fine")
    assert list(claims) == ["MP-X"] and claims["MP-X"].title == "t"


def test_a_finding_comes_from_the_outcome():
    claim = Claim("MP-A", "t", "r", "s", lambda ctx: None, finding="sharpened")
    assert claim.finding_of(Verdict("passed")) == "sharpened"
    assert claim.finding_of(Verdict("failed")) is None and claim.finding_of(Verdict.skipped("no GPU")) is None
    assert claim.finding_of(Verdict("passed", finding="loose")) == "loose"
    with pytest.raises(ValueError, match="finding must be one of"):
        Verdict("passed", finding="great")


def test_every_claim_declares_a_finding_and_cites_the_paper_by_its_own_numbering():
    from infonce_gauss.claim import FINDINGS

    for c in all_claims():
        assert c.finding in FINDINGS, c.id
        assert "[" not in c.paper_ref and "paper" + ".md" not in c.paper_ref and "§" not in c.paper_ref, c.paper_ref


def test_cannot_tell_is_a_status_of_its_own():
    from infonce_gauss.claim import status_counts

    v = Verdict.cannot_tell("CVs 1.2 SE apart", measured=1.0)
    assert v.status == "cannot tell" and v.reason == "CVs 1.2 SE apart"
    assert status_counts(["passed", "cannot tell", "passed", "skipped"]) == "2 passed, 0 failed, 1 cannot tell, 1 skipped"


# details that satisfy each finding's rule, and a change that breaks it (the rule's own keys, FINDINGS)
_JUSTIFIED = {
    "confirmed": ({"control": {"what": "the encoder at initialization", "effect_without_cause": False}},
                  {"control": {"what": "the encoder at initialization", "effect_without_cause": True}}),
    "sharpened": ({"adds": "the constant c1 the paper leaves open"}, {"adds": ""}),
    "loose": ({"tightness": {"paper": "O(N^-1/2)", "suite": "Θ(1/N)"}}, {}),
    "not the stated cause": ({"control": {"what": "initialization", "effect_without_cause": True}},
                             {"control": {"what": "initialization", "effect_without_cause": False}}),
    "not reproduced": ({"tried": "Table 1 binary columns at densities 0.01-0.1"}, {"tried": None}),
    "inconsistent": ({"statements": ["Fig. 2: alignment 0.95", "App. E.1 channel with Prop 1"]},
                     {"statements": ["Fig. 2: alignment 0.95"]}),
    "outside premise": ({"premise": "Prop 2 assumes r/r0 -> 1 with r0 fixed", "scope": "r0(d) form"},
                        {"premise": "Prop 2 assumes r/r0 -> 1 with r0 fixed"}),
    "classical": ({"source": "Diaconis & Freedman (1987)"}, {"sources": "misspelt key"}),
    "not comparable": ({"setting_difference": "MiniLM instead of CLIP"}, {}),
    "calibration": ({}, {}),
}


def test_every_finding_has_a_meaning_a_rule_and_a_case_here():
    from infonce_gauss.claim import FINDINGS

    assert set(_JUSTIFIED) == set(FINDINGS)
    assert all(f.meaning and f.rule for f in FINDINGS.values())


@pytest.mark.parametrize("finding", list(_JUSTIFIED))
def test_a_finding_is_carried_only_by_details_that_satisfy_its_rule(finding):
    good, bad = _JUSTIFIED[finding]
    claim = Claim(id="MP-RULE", title="t", paper_ref="Lemma 3", statement="s", check=lambda ctx: None, finding=finding)
    known = {"expected": 0.05} if finding == "calibration" else {}
    assert claim.refusal(Verdict("passed", details=good, **known)) is None
    refused = claim.refusal(Verdict("passed", details=bad))
    assert refused is not None and refused.startswith(f"finding {finding!r} refused")
    # a failed or skipped check has no finding and so nothing to justify
    assert claim.refusal(Verdict("failed", details=bad)) is None


def test_confirmed_needs_no_control_where_the_statement_names_no_cause():
    claim = Claim(id="POL-RULE", title="t", paper_ref="Prop 3", statement="s", check=lambda ctx: None)
    assert claim.refusal(Verdict("passed")) is None


def test_the_runner_fails_a_claim_whose_details_do_not_justify_its_finding(tmp_path):
    from infonce_gauss.runner import run_claims

    claims = ClaimSet("MP-")
    claims.claim("MP-BARE", title="t", paper_ref="Lemma 3", statement="s", finding="sharpened")(
        lambda ctx: Verdict("passed", measured=1.0))
    claims.claim("MP-SAYS", title="t", paper_ref="Lemma 3", statement="s", finding="sharpened")(
        lambda ctx: Verdict("passed", measured=1.0, details={"adds": "a constant"}))
    bare, says = run_claims([claims["MP-BARE"], claims["MP-SAYS"]], profile=PROFILES["quick"],
                            out_dir=tmp_path, seed=0, progress=False)
    assert bare.verdict.status == "failed" and bare.finding is None and "'adds'" in bare.verdict.reason
    assert bare.verdict.measured == 1.0  # the figures stay in the record
    assert says.verdict.status == "passed" and says.finding == "sharpened"
