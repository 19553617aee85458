"""simulations.device: the cores a process may use."""

import os

from infonce_gauss.simulations.device import usable_cores


def test_usable_cores_is_at_least_one_and_at_most_the_cpus():
    assert 1 <= usable_cores() <= (os.cpu_count() or 1)
