"""The claims runner: worker processes give the serial run's results."""


def test_parallel_run_matches_the_serial_one(tmp_path):
    from infonce_gauss.catalog import select
    from infonce_gauss.claim import PROFILES
    from infonce_gauss.runner import run_claims

    claims = select(["MP-DF-BOUND", "MP-KURT-IDENTITY", "POL-EQ13"])  # fast; the second is Monte Carlo
    serial = run_claims(claims, profile=PROFILES["quick"], out_dir=tmp_path / "serial", seed=3, progress=False)
    parallel = run_claims(claims, profile=PROFILES["quick"], out_dir=tmp_path / "parallel", seed=3, progress=False, jobs=2)
    assert [r.claim.id for r in parallel] == [c.id for c in claims]
    for s, p in zip(serial, parallel):
        assert p.verdict.status == s.verdict.status == "passed"
        assert p.verdict.measured == s.verdict.measured
        assert p.verdict.artifacts == s.verdict.artifacts
    assert sorted(f.name for f in (tmp_path / "parallel" / "data").iterdir()) == sorted(
        f.name for f in (tmp_path / "serial" / "data").iterdir())
