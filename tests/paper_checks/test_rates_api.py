"""The rate experiments as plain Python functions: no argparse, result objects, any executor."""

import inspect
from concurrent.futures import ThreadPoolExecutor

import pytest

import infonce_gauss as ig
from infonce_gauss.catalog import RATES
from infonce_gauss.executors import executor
from infonce_gauss.rates import RateResult

TINY = dict(k=(1,), dims=(8, 16, 32, 64, 128), n=500, seeds=2, fit_range=(8, 128), progress=False)


def test_a_rate_runs_from_python_and_returns_a_result_object(tmp_path):
    result = ig.sphere_rates(**TINY)
    assert isinstance(result, RateResult) and result.name == "sphere"
    mc = [r for r in result.table if r["source"] == "mc"]
    assert len({r["seed"] for r in mc}) == 2 and all(r["se"] > 0 for r in mc)
    exact_tv = next(f for f in result.fits if f["metric"] == "tv" and f["source"] == "exact")
    assert exact_tv["slope_ci_low"] <= -1.0 <= exact_tv["slope_ci_high"]  # TV ~ c/d (Diaconis–Freedman rate)
    assert set(result.to_dict()) == {"name", "config", "table", "fits"}
    assert "metric=tv" in result.summary() and "rows=" in repr(result)
    names = {p.name for p in result.save(tmp_path, wall_seconds=0.0)}
    assert {"table.csv", "fits.csv", "rates_sphere.png", "rates_sphere.pdf", "run.json"} <= names


def test_rate_parameters_are_keyword_only_and_every_option_has_a_default():
    for name, rate in RATES.items():
        params = inspect.signature(rate.function).parameters
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params.values()), name
        assert {"seed", "progress", "executor"} <= set(params), name
        assert {o.name for o in rate.options} <= set(rate.defaults()), name


def test_seeds_are_spawned_not_offset():
    result = ig.hgr_rates(A=(0.6,), dims=(4, 8, 16, 32), n=200, seeds=2, seed=5, progress=False)
    seeds = result.config["seeds"]
    assert len(set(seeds)) == 2 and not {5, 6} & set(seeds)


def test_the_table_does_not_depend_on_the_executor():
    inline = ig.sphere_rates(**TINY).table
    with ThreadPoolExecutor(2) as pool:
        threaded = ig.sphere_rates(**TINY, executor=pool).table
    assert threaded == inline


def test_unknown_engine_and_missing_engine_say_what_to_do():
    with pytest.raises(ValueError, match="choose one of inline, process, dask, ray"):
        with executor("spark"):
            pass


def test_a_sweep_runs_bit_identically_on_a_dask_local_cluster():
    pytest.importorskip("distributed", reason="the dask extra (dask.distributed) is not installed")
    inline = ig.sphere_rates(**TINY).table
    with executor("dask", workers=2) as pool:
        on_dask = ig.sphere_rates(**TINY, executor=pool).table
    assert on_dask == inline


def test_a_sweep_runs_bit_identically_on_local_ray():
    pytest.importorskip("ray", reason="the ray extra is not installed")
    inline = ig.sphere_rates(**TINY).table
    with executor("ray", workers=2) as pool:
        assert ig.sphere_rates(**TINY, executor=pool).table == inline


def test_dask_workers_without_the_package_are_refused_within_seconds():
    import time

    distributed = pytest.importorskip("distributed", reason="the dask extra (dask.distributed) is not installed")
    from infonce_gauss.executors import require_on_workers

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        require_on_workers(client)  # these workers run this interpreter: the same version
        start = time.perf_counter()
        with pytest.raises(ValueError, match=r"2 of 2 dask workers .* no-such-distribution-x .*not installed"):
            require_on_workers(client, "no-such-distribution-x")
        assert time.perf_counter() - start < 10


def test_a_missing_engine_names_its_extra(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed now raises ImportError
    with pytest.raises(ValueError, match=r"pip install 'infonce-gauss\[dask\]'"):
        with executor("dask"):
            pass
