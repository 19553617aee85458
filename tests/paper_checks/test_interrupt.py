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
    assert "leaked semaphore" not in err, err
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
    assert proc.returncode == 130 and "Traceback" not in err and "leaked semaphore" not in err, err
    assert not list(tmp_path.rglob("report.md"))


CHECKS = '''
import os, signal, time
from pathlib import Path
from infonce_gauss.claim import Claim, Verdict

def slow(ctx):
    (Path(os.environ["PIDS"]) / str(os.getpid())).touch()
    time.sleep(120)
    return Verdict("passed")

def interrupted(ctx):  # a Ctrl-C during the check; how a second one or a swallowing callback follows: $MODE
    ctx.save_table("before", [{"x": 1}])
    mode = os.environ["MODE"]
    if mode == "swallowed":  # the KeyboardInterrupt lands in a callback that swallows it (a finalizer)
        try:
            signal.raise_signal(signal.SIGINT)
        except KeyboardInterrupt:
            pass
        return Verdict("passed")
    try:
        signal.raise_signal(signal.SIGINT)
    finally:
        if mode == "twice-unwinding":  # the second Ctrl-C while the first one unwinds
            signal.raise_signal(signal.SIGINT)

def claims(check):
    return [Claim(id=f"T-{i}", title="t", paper_ref="t", statement="t", check=check) for i in range(2)]
'''


def _python(tmp_path: Path, code: str, **env) -> subprocess.Popen:
    (tmp_path / "testchecks.py").write_text(CHECKS)
    env = {**os.environ, "PYTHONPATH": str(tmp_path), **env}
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, cwd=tmp_path)


def _children(pid: int) -> list[int]:
    """The live child processes of ``pid`` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_exit_when_the_parent_is_killed(tmp_path):
    (tmp_path / "pids").mkdir()
    proc = _python(tmp_path, "import sys, testchecks; from infonce_gauss.runner import run_claims; "
                   "from infonce_gauss.claim import PROFILES; "
                   "run_claims(testchecks.claims(testchecks.slow), profile=PROFILES['quick'], out_dir='out', seed=0, "
                   "progress=False, jobs=2)", PIDS=str(tmp_path / "pids"))
    try:
        deadline = time.monotonic() + 60
        while len(list((tmp_path / "pids").iterdir())) < 2:
            assert time.monotonic() < deadline and proc.poll() is None, proc.communicate()
            time.sleep(0.1)
        children = _children(proc.pid)  # the two workers and multiprocessing's resource tracker
        assert {int(p.name) for p in (tmp_path / "pids").iterdir()} <= set(children)
        proc.kill()
        proc.wait()
        deadline = time.monotonic() + 5
        while any(map(_alive, children)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in children if _alive(pid)]
    finally:
        for pid in _children(proc.pid):
            os.kill(pid, signal.SIGKILL)


RUN = ("import sys, testchecks; from infonce_gauss import catalog, cli, output; "
       "catalog.select = lambda only: testchecks.claims(testchecks.interrupted); {patch}"
       "sys.exit(cli.main(['claims', '--out', 'out', '--jobs', '1', '--no-progress']))")
# a second Ctrl-C inside the run folder's cleanup (keeping the files as out.partial/)
SECOND_IN_CLEANUP = ("keep = output.RunFolder._keep_partial; import signal; "
                     "output.RunFolder._keep_partial = lambda self: (signal.raise_signal(signal.SIGINT), keep(self))[1]; ")


@pytest.mark.parametrize("mode, patch", [("swallowed", ""), ("twice-unwinding", ""), ("twice", SECOND_IN_CLEANUP)])
def test_an_interrupt_is_never_lost_and_never_leaves_a_hidden_folder(tmp_path, mode, patch):
    proc = _python(tmp_path, RUN.format(patch=patch), MODE=mode)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err, err
    assert not (tmp_path / "out").exists()  # nothing that looks like a finished run
    assert (tmp_path / "out.partial" / "PARTIAL.txt").is_file() and (tmp_path / "out.partial" / "data").is_dir()
    assert not list(tmp_path.glob(".out.*"))  # no hidden temporary folder
