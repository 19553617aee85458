"""Random projections: orthonormal directions, the Bonferroni family's false-alarm rate, power."""

import numpy as np

from infonce_gauss.simulations.projections import projection_tests, random_directions


def test_random_directions_are_orthonormal():
    w = random_directions(20, 7, rng=9)
    np.testing.assert_allclose(w.T @ w, np.eye(7), atol=1e-12)

def test_projection_family_false_alarm_rate(within):
    # Orthonormal projections of an isotropic Gaussian are independent N(0,1) columns, so Bonferroni's
    # family rejects with probability 1 - (1 - 0.05/16)^16 = 0.0488.
    rng = np.random.default_rng(10)
    level = 1 - (1 - 0.05 / 16) ** 16
    rejected = sum(projection_tests(rng.standard_normal((300, 16)) @ random_directions(16, 16, rng=rng)).rejected
                   for _ in range(800))
    assert within(rejected, 800, level)

def test_projection_power_on_low_dimensional_structure():
    rng = np.random.default_rng(11)
    laplace = rng.laplace(size=(3000, 3))
    mixture = rng.standard_normal((3000, 16)) + np.outer(rng.choice([-3.0, 3.0], 3000), np.ones(16) / 4)
    for x in (laplace, mixture):
        w = random_directions(x.shape[1], x.shape[1], rng=rng)
        assert projection_tests(x @ w).rejected
