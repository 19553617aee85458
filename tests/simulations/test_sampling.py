"""Samplers: exact laws (KS against the closed-form CDFs), moments within standard errors, reproducibility."""

import math

import numpy as np
import pytest
from scipy import stats

from infonce_gauss.simulations.sampling import (
    as_generator,
    derive_seed,
    iter_uniform_sphere,
    normalize_rows,
    projected_sphere,
    sample_scaled_radius,
    spawn_seeds,
    uniform_sphere,
)
from infonce_gauss.theory.sphere import ChiRadius, FixedRadius, PerturbedRadius, projected_cdf


def test_uniform_sphere_rows_are_unit_and_isotropic():
    n, d = 20000, 6
    u = uniform_sphere(n, d, rng=0)
    np.testing.assert_allclose(np.linalg.norm(u, axis=1), 1.0, rtol=1e-14)
    # E u = 0 and E uu^T = I/d; each entry's SE is below sqrt(1/(n d)) and sqrt(2/(n d^2)) resp.
    assert np.all(np.abs(u.mean(axis=0)) < 5 / math.sqrt(n * d))
    assert np.all(np.abs(u.T @ u / n - np.eye(d) / d) < 5 * math.sqrt(2 / n) / d)


def test_first_coordinate_follows_the_exact_law():
    d = 7
    s = math.sqrt(d) * uniform_sphere(5000, d, rng=1)[:, 0]
    assert stats.kstest(s, lambda t: projected_cdf(t, d)).pvalue > 1e-3
    assert stats.kstest(s, "norm").pvalue < 0.05 or d > 50  # at d = 7 and n = 5000 the Gaussian is visibly off


@pytest.mark.parametrize("d, k", [(3, 1), (9, 1), (9, 2), (40, 5)])
def test_projected_sampler_matches_the_full_sphere(d, k):
    fast = projected_sphere(4000, d, k, rng=2)
    full = math.sqrt(d) * uniform_sphere(4000, d, rng=3)[:, :k]
    fast2 = fast**2 if k == 1 else np.sum(fast**2, axis=1)
    full2 = np.sum(full**2, axis=1)
    # ||s||^2/d ~ Beta(k/2, (d-k)/2)
    assert stats.kstest(fast2 / d, stats.beta(k / 2, (d - k) / 2).cdf).pvalue > 1e-3
    assert stats.ks_2samp(fast2, full2).pvalue > 1e-3
    assert fast.shape == ((4000,) if k == 1 else (4000, k))


def test_chunked_stream_equals_one_draw():
    whole = uniform_sphere(1000, 16, rng=7)
    chunks = list(iter_uniform_sphere(1000, 16, rng=7, chunk_bytes=16 * 8 * 64))
    assert len(chunks) == 16 and all(c.shape[0] <= 64 for c in chunks)
    np.testing.assert_array_equal(np.vstack(chunks), whole)


def test_float32_and_reproducibility():
    a = uniform_sphere(10, 5, rng=4, dtype=np.float32)
    assert a.dtype == np.float32
    np.testing.assert_array_equal(a, uniform_sphere(10, 5, rng=4, dtype=np.float32))
    assert not np.array_equal(uniform_sphere(10, 5, rng=4), uniform_sphere(10, 5, rng=5))


@pytest.mark.parametrize("family", [FixedRadius(), ChiRadius(), PerturbedRadius(0.5, 0.5), PerturbedRadius(0.3, 0.0)])
def test_radius_samples_have_the_exact_moments(family):
    d, n = 64, 200_000
    w = sample_scaled_radius(family, d, n, rng=5)
    m2, m4 = family.scaled_radius_moments(d)
    for draws, exact in ((w**2, m2), (w**4, m4)):
        se = draws.std() / math.sqrt(n)
        assert abs(draws.mean() - exact) <= 5 * se + 1e-15


def test_bad_input():
    with pytest.raises(ValueError, match="unknown radial family"):
        sample_scaled_radius(object(), 5, 10, rng=0)
    with pytest.raises(ValueError, match="Generator or a non-negative integer seed"):
        as_generator(-1)
    with pytest.raises(ValueError, match="float32 or float64"):
        uniform_sphere(3, 3, rng=0, dtype=np.int64)
    with pytest.raises(ValueError, match=">= 2"):
        uniform_sphere(3, 1, rng=0)


def test_normalize_rows_maps_zero_to_the_fixed_point():
    u = normalize_rows(np.array([[3.0, 4.0], [0.0, 0.0]]))
    np.testing.assert_allclose(u, [[0.6, 0.8], [1.0, 0.0]])
    with pytest.raises(ValueError, match="d >= 2"):
        normalize_rows(np.ones((3, 1)))
    with pytest.raises(ValueError, match="NaN"):
        normalize_rows(np.array([[np.nan, 1.0]]))


def test_normalize_rows_can_refuse_zero_rows_and_work_in_place():
    with pytest.raises(ValueError, match="exactly zero"):
        normalize_rows(np.array([[1.0, 0.0], [0.0, 0.0]]), zero="raise")
    x = np.array([[3.0, 4.0]])
    assert normalize_rows(x, copy=False) is x and x.tolist() == [[0.6, 0.8]]


def test_derived_seeds_are_stable_distinct_and_order_sensitive():
    assert derive_seed(3, 64, 2) == derive_seed(3, 64, 2)
    assert len({derive_seed(3, 64, 2), derive_seed(3, 2, 64), derive_seed(3, 64), derive_seed(4, 64, 2)}) == 4
    seeds = spawn_seeds(0, 5)
    assert len(set(seeds)) == 5 and seeds == spawn_seeds(0, 5) and not set(range(5)) & set(seeds)
    with pytest.raises(ValueError, match="seeds must be >= 1"):
        spawn_seeds(0, 0)
    with pytest.raises(ValueError, match="non-negative"):
        derive_seed(-1)
