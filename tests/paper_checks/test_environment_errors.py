"""Environment errors are never findings: a killed worker or a full disk makes a claim "not run" (no finding, never
failed), the other claims are reported, and the command exits 4 with a message saying what happened."""

import errno
import json
import os
import signal

import pytest

from infonce_gauss import catalog, cli
from infonce_gauss.claim import PROFILES, Claim, Verdict
from infonce_gauss.environment import environment_error, worker_death
from infonce_gauss.runner import run_claims


def _fine(ctx):
    ctx.save_table("fine", [{"x": 1}])
    return Verdict("passed", measured=1)


def _killed(ctx):
    os.kill(os.getpid(), signal.SIGKILL)


def _full_disk(ctx):
    raise OSError(errno.ENOSPC, "No space left on device", str(ctx.out_dir / "data" / "big.csv"))


def _claim(id, check):
    return Claim(id=id, title=id, paper_ref="Test", statement="a test claim", check=check, finding="confirmed")


def _claims(bad):
    return [_claim("T-FINE-1", _fine), _claim("T-BAD", bad), _claim("T-FINE-2", _fine), _claim("T-FINE-3", _fine)]


def _run_cli(monkeypatch, claims, out, *extra) -> int:
    monkeypatch.setattr(catalog, "select", lambda only: claims)
    return cli.main(["claims", "--out", str(out), "--no-progress", *extra])


@pytest.mark.parametrize("exc, expected", [
    (OSError(errno.ENOSPC, "No space left on device", "/d/f.csv"), "no space left on the device (/d/f.csv)"),
    (OSError(errno.EDQUOT, "Disk quota exceeded"), "disk quota exceeded"),
    (OSError(errno.EIO, "Input/output error"), "input/output error"),
    (OSError(errno.EROFS, "Read-only file system"), "read-only file system"),
    (OSError(errno.ENOMEM, "Cannot allocate memory"), "out of memory"),
    (MemoryError(), "out of memory (MemoryError)"),
    (OSError(errno.ENOENT, "No such file"), None),
    (ValueError("bad input"), None),
])
def test_one_classification_of_environment_errors(exc, expected):
    assert environment_error(exc) == expected
    wrapped = RuntimeError("while saving")
    wrapped.__cause__ = exc
    assert environment_error(wrapped) == expected  # raise ... from exc keeps the classification


def test_a_worker_death_names_the_signal():
    assert worker_death(-9) == "worker process died (signal 9 / SIGKILL, likely out of memory)"
    assert worker_death(-11) == "worker process died (signal 11 / SIGSEGV)"
    assert worker_death(3) == "worker process died (exit status 3)"


def test_a_claim_that_was_not_run_has_no_finding():
    assert Verdict.not_run("disk full").status == "not run"
    assert _claim("T-X", _fine).finding_of(Verdict.not_run("disk full")) is None
    with pytest.raises(ValueError, match="not run"):
        Verdict("not run", finding="confirmed")


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="no SIGKILL on this platform")
def test_a_killed_worker_costs_only_its_claim(tmp_path):
    results = run_claims(_claims(_killed), profile=PROFILES["quick"], out_dir=tmp_path, seed=0, progress=False, jobs=2)
    status = {r.claim.id: r.verdict.status for r in results}
    assert [r.claim.id for r in results] == ["T-FINE-1", "T-BAD", "T-FINE-2", "T-FINE-3"]
    assert status == {"T-FINE-1": "passed", "T-BAD": "not run", "T-FINE-2": "passed", "T-FINE-3": "passed"}
    killed = results[1]
    assert killed.verdict.reason == "worker process died (signal 9 / SIGKILL, likely out of memory)"
    assert killed.finding is None


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="no SIGKILL on this platform")
def test_claims_with_a_killed_worker_keeps_the_report_and_exits_4(monkeypatch, tmp_path, capsys):
    out = tmp_path / "out"
    assert _run_cli(monkeypatch, _claims(_killed), out, "--jobs", "2") == cli.EXIT_ENVIRONMENT == 4
    captured = capsys.readouterr()
    records = {r["id"]: r for r in json.loads((out / "claims.json").read_text())}
    assert [records[i]["status"] for i in ("T-FINE-1", "T-FINE-2", "T-FINE-3")] == ["passed"] * 3
    assert records["T-BAD"]["status"] == "not run" and records["T-BAD"]["finding"] is None
    assert "signal 9 / SIGKILL, likely out of memory" in records["T-BAD"]["reason"]
    assert json.loads((out / "run.json").read_text())["not_run"] == ["T-BAD"]
    assert (out / "report.md").read_text().startswith("# Claim checks") and "INCOMPLETE RUN" in (out / "report.md").read_text()
    assert "3 passed, 0 failed, 0 cannot tell, 0 skipped, 1 not run" in captured.out
    assert "environment error: incomplete run: 1 claim(s) not run" in captured.err and "--only T-BAD" in captured.err


def test_a_full_disk_inside_a_claim_is_not_a_failed_claim(monkeypatch, tmp_path, capsys):
    out = tmp_path / "out"
    assert _run_cli(monkeypatch, _claims(_full_disk), out, "--jobs", "1") == 4
    records = {r["id"]: r for r in json.loads((out / "claims.json").read_text())}
    assert records["T-BAD"]["status"] == "not run" and records["T-BAD"]["finding"] is None
    assert "no space left on the device" in records["T-BAD"]["reason"]
    assert not any(r["status"] == "failed" for r in records.values())
    assert not (out / "logs").exists()  # no traceback: nothing went wrong with the check
    assert "INCOMPLETE RUN" in (out / "report.md").read_text()
    assert "environment error" in capsys.readouterr().err


def test_a_full_disk_while_recording_a_crash_is_not_a_failed_claim(monkeypatch, tmp_path):
    from infonce_gauss import runner

    def crash(ctx):
        raise ZeroDivisionError("a bug in the check")

    def full(path, text):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(runner, "atomic_write_text", full)
    [result] = run_claims([_claim("T-CRASH", crash)], profile=PROFILES["quick"], out_dir=tmp_path, seed=0, progress=False)
    assert result.verdict.status == "not run" and "no space left" in result.verdict.reason


def test_a_full_disk_while_writing_the_report_exits_4_and_keeps_nothing(monkeypatch, tmp_path, capsys):
    from infonce_gauss import report

    def full(path, value):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(report, "write_json", full)
    out = tmp_path / "out"
    assert _run_cli(monkeypatch, _claims(_fine), out, "--jobs", "1") == 4
    err = capsys.readouterr().err
    assert "environment error: no space left on the device" in err and "nothing of this run was kept" in err
    assert "failed" not in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []  # no report folder, complete-looking or not, and no hidden one
