"""The claims runner: worker processes and a dask cluster give the serial run's results."""

import json
from concurrent.futures import Executor, Future
from types import SimpleNamespace

import pytest

from infonce_gauss.catalog import select
from infonce_gauss.claim import PROFILES
from infonce_gauss.cli import main
from infonce_gauss.executors import worker_lost
from infonce_gauss.runner import run_claims


def test_parallel_run_matches_the_serial_one(tmp_path):
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


def _records(run) -> list[dict]:
    """claims.json of a run, without its timing field."""
    return [{k: v for k, v in r.items() if k != "seconds"} for r in json.loads((run / "claims.json").read_text())]


def test_claims_on_a_dask_cluster_write_the_record_of_a_local_run(tmp_path):
    distributed = pytest.importorskip("distributed", reason="the dask extra (dask.distributed) is not installed")
    argv = ["claims", "--only", "MP-DF-BOUND", "MP-KURT-IDENTITY", "--seed", "3", "--no-progress"]  # fast; the second is Monte Carlo
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        address = cluster.scheduler_address
        assert main([*argv, "--executor", "dask", "--address", address, "--out", str(tmp_path / "dask")]) == 0
    assert main([*argv, "--executor", "inline", "--out", str(tmp_path / "local")]) == 0
    on_dask, local = _records(tmp_path / "dask"), _records(tmp_path / "local")
    assert [r["status"] for r in on_dask] == ["passed", "passed"] and on_dask == local
    artifacts = [a for r in local for a in r["artifacts"]]
    assert artifacts  # the artifacts the worker wrote came back into the run's folder
    for name in artifacts:
        assert (tmp_path / "dask" / name).read_bytes() == (tmp_path / "local" / name).read_bytes()
    run = json.loads((tmp_path / "dask" / "run.json").read_text())
    assert run["config"]["executor"] == {"engine": "dask", "workers": None, "address": address}


@pytest.mark.parametrize("engine, address, message", [
    ("dask", "nosuchscheme://127.0.0.1:1", "no dask scheduler answered there"),
    ("process", "tcp://127.0.0.1:8786", "it needs --executor dask or ray"),
])
def test_claims_refuse_a_bad_address_and_write_nothing(tmp_path, capsys, engine, address, message):
    if engine == "dask":
        pytest.importorskip("distributed", reason="the dask extra (dask.distributed) is not installed")
    out = tmp_path / "run"
    assert main(["claims", "--only", "MP-DF-BOUND", "--executor", engine, "--address", address, "--out", str(out),
                 "--no-progress"]) == 2
    assert message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


class _LosingCluster(Executor):
    """An executor whose every task's worker is lost, as dask reports it."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        import distributed

        future = Future()
        future.set_exception(distributed.KilledWorker("task", SimpleNamespace(address="tcp://w:1"), allowed_failures=3))
        return future


def test_a_claim_whose_cluster_worker_is_lost_is_not_run(tmp_path):
    pytest.importorskip("distributed", reason="the dask extra (dask.distributed) is not installed")
    claims = select(["MP-DF-BOUND"])
    [result] = run_claims(claims, profile=PROFILES["quick"], out_dir=tmp_path, seed=0, progress=False,
                          executor=_LosingCluster())
    assert result.verdict.status == "not run"
    assert result.verdict.reason.startswith("cluster worker lost (KilledWorker")
    assert worker_lost(ValueError("a bug")) is None  # any other exception is raised, not hidden
