"""simulations.traces: the alignment plateau of Assumption 1 on synthetic training traces."""

import numpy as np
import pytest

from infonce_gauss.simulations.traces import detect_plateau


def _trace(plateau, epochs=60, noise=0.002, seed=0):
    t = np.arange(epochs, dtype=float)
    return plateau - 0.3 * np.exp(-t / 4) + noise * np.random.default_rng(seed).standard_normal(epochs)


def test_plateau_is_detected_with_its_value_and_start():
    p = detect_plateau(_trace(0.5), eta2=0.6, align_uniform=0.55)
    assert p.reached
    assert 8 <= p.start_epoch <= 25  # the transient 0.3 e^{-t/4} drops below the band after ~20 epochs
    assert abs(p.value - 0.5) < 4 * p.se + 1e-3
    assert p.r_plat == pytest.approx(p.value - 0.6)
    assert p.feasible_at_uniform


def test_plateau_above_the_ceiling_is_infeasible_and_a_rising_trace_has_none():
    assert not detect_plateau(_trace(0.7), eta2=0.6).feasible_at_uniform
    rising = detect_plateau(np.linspace(0.1, 0.6, 50))
    assert not rising.reached
    assert rising.r_plat is None and rising.feasible_at_uniform is None


def test_plateau_bad_input():
    with pytest.raises(ValueError, match="at least 4"):
        detect_plateau([0.1, 0.2])
    with pytest.raises(ValueError, match="increasing"):
        detect_plateau([0.1, 0.2, 0.3, 0.3], epochs=[0, 1, 1, 2])
    with pytest.raises(ValueError, match="tail_fraction"):
        detect_plateau(np.ones(10), tail_fraction=1.5)
