"""A real ``infonce-gauss claims`` process stops promptly on SIGINT/SIGTERM: exit 130, no report, no workers left."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

CLI = Path(sys.executable).with_name("infonce-gauss")


def _start(out: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([str(CLI), "claims", "--jobs", "2", "--out", str(out), "--no-progress"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=out.parent)


def _wait_for_work(proc: subprocess.Popen, parent: Path, seconds: float = 60) -> None:
    """Until the run's temporary folder holds a first file (the workers are running claims)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if any(f.is_file() for d in parent.glob(".out.*.tmp") for f in d.rglob("*")):
            time.sleep(1)
            return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.2)
    pytest.fail("the claims run wrote nothing within a minute")


def _files(folder: Path) -> set:
    return {p.relative_to(folder) for p in folder.rglob("*")} if folder.exists() else set()


@pytest.mark.skipif(not CLI.exists(), reason="the infonce-gauss script is not installed beside this Python")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_one_signal_stops_claims_within_10_s(tmp_path, sig):
    out = tmp_path / "out"
    proc = _start(out)
    try:
        _wait_for_work(proc, tmp_path)
        sent = time.monotonic()
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=10)
        assert time.monotonic() - sent < 10
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "interrupted; partial files (no report) are in" in err, err
    assert not list(tmp_path.rglob("report.md")) and not list(tmp_path.rglob("run.json"))
    assert not out.exists()  # nothing that looks like a finished run
    partial = tmp_path / "out.partial"
    assert (partial / "PARTIAL.txt").is_file() and str(partial) in err
    before = _files(partial)
    time.sleep(3)
    assert _files(partial) == before  # no worker is still running claims
    assert not list(tmp_path.glob(".out.*"))


@pytest.mark.skipif(not CLI.exists(), reason="the infonce-gauss script is not installed beside this Python")
def test_a_second_sigint_exits_at_once(tmp_path):
    out = tmp_path / "out"
    proc = _start(out)
    try:
        _wait_for_work(proc, tmp_path)
        proc.send_signal(signal.SIGINT)
        time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130 and "Traceback" not in err, err
    assert not list(tmp_path.rglob("report.md"))
