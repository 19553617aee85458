"""The null calibration's caches: a stored rate is read back equal, a corrupt or stale file is recomputed,
and ``INFONCE_GAUSS_CACHE=off`` writes nothing."""

import json

import pytest

from infonce_gauss.encoder_check import calibration
from infonce_gauss.battery.claims import NULL_TRUE, false_fail_rates
from infonce_gauss.simulations import gaussianity as g


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("INFONCE_GAUSS_CACHE", str(tmp_path))
    calibration._rates.cache_clear()
    yield tmp_path / "null-rates"
    calibration._rates.cache_clear()


def _refuse(*args, **kwargs):
    raise AssertionError("simulated again although the rates are stored")


def test_stored_rates_are_read_back_equal(cache, monkeypatch):
    first = calibration.null_rates(300, 16, seed=4, replicates=50)
    files = sorted(p.name for p in cache.iterdir())
    assert len(files) == 2 and files[0].startswith("gaussian-n300-dany-r50") and files[1].startswith("sphere-n300-d16-r50")
    calibration._rates.cache_clear()
    monkeypatch.setattr(g, "null_pass_rates", _refuse)
    again = calibration.null_rates(300, 16, seed=4, replicates=50)
    assert {law: r.as_dict() for law, r in again.items()} == {law: r.as_dict() for law, r in first.items()}
    # the Gaussian law does not depend on d: another d reuses its file
    seed = first["gaussian"].seed
    assert calibration._rates("gaussian", 300, 24, 50, seed).ad_pass == first["gaussian"].ad_pass
    with pytest.raises(AssertionError, match="simulated again"):  # the sphere law at d = 24 is not stored
        calibration.null_rates(300, 24, seed=4, replicates=50)


def test_corrupt_or_stale_files_are_recomputed(cache):
    first = calibration.null_rates(300, 16, seed=5, replicates=40)
    gauss, sphere = sorted(cache.iterdir())
    gauss.write_text("{not json")
    record = json.loads(sphere.read_text())
    record["version"] = calibration.NULL_RATES_VERSION - 1
    sphere.write_text(json.dumps(record))
    calibration._rates.cache_clear()
    again = calibration.null_rates(300, 16, seed=5, replicates=40)
    assert again["gaussian"].as_dict() == first["gaussian"].as_dict()
    assert json.loads(gauss.read_text())["version"] == calibration.NULL_RATES_VERSION  # rewritten
    assert json.loads(sphere.read_text())["version"] == calibration.NULL_RATES_VERSION


def test_cache_off_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("INFONCE_GAUSS_CACHE", "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    calibration._rates.cache_clear()
    assert calibration.cache_folder() is None
    calibration.null_rates(300, 16, seed=6, replicates=30)
    calibration._rates.cache_clear()
    assert not any(tmp_path.iterdir())


def test_false_fail_rates_on_exact_null_data_are_within_the_level():
    # 30 seeds per law at n = 500, d = 8: every verdict whose assumption is true of the law fails at most
    # 0.05 + 4 binomial SE (0.21); the estimator itself counts fails (at level 0.5 the projections'
    # Bonferroni rule fails about half the time).
    bound = 0.05 + 4 * (0.05 * 0.95 / 30) ** 0.5
    for law in ("gaussian", "sphere"):
        rates = false_fail_rates(law, replicates=30, n=500, d=8, seed=3, null_replicates=200, subsample=200)
        assert set(rates) == set(NULL_TRUE[law])
        for key, rate in rates.items():
            assert rate.value <= bound, (law, key, rate)
    loose = false_fail_rates("gaussian", replicates=30, n=500, d=8, seed=3, level=0.5, null_replicates=200,
                                         subsample=200)
    assert 0.15 < loose["projections"].value


def test_the_phi_null_is_stored_read_back_and_gives_phi_gap_its_own_null(cache, monkeypatch):
    # The stored null gaps equal phi_null_gaps' and, passed to phi_gap, give exactly the dict phi_gap computes
    # with its own null at the same (replicates, seed); a second call reads the file instead of simulating.
    from infonce_gauss.simulations.sampling import uniform_sphere

    calibration.phi_null.cache_clear()
    stored = calibration.phi_null(200, 8, alpha=10.0, replicates=6, seed=3)
    assert stored == tuple(g.phi_null_gaps(200, 8, alpha=10.0, replicates=6, seed=3))
    u = uniform_sphere(200, 8, rng=1)
    assert g.phi_gap(u, alpha=10.0, seed=3, null=stored) == g.phi_gap(u, alpha=10.0, replicates=6, seed=3)
    calibration.phi_null.cache_clear()
    monkeypatch.setattr(g, "phi_null_gaps", _refuse)
    assert calibration.phi_null(200, 8, alpha=10.0, replicates=6, seed=3) == stored
    (path,) = (cache.parent / "phi-null").iterdir()
    path.write_text("{not json")
    calibration.phi_null.cache_clear()
    with pytest.raises(AssertionError, match="simulated again"):  # a corrupt file is recomputed
        calibration.phi_null(200, 8, alpha=10.0, replicates=6, seed=3)
    calibration.phi_null.cache_clear()
