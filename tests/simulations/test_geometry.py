"""The thin shell against the chi law, and the spectrum summaries on exact cases."""

import numpy as np
import pytest

from infonce_gauss.simulations.geometry import spectrum_summary, thin_shell


def test_thin_shell_against_the_chi_reference():
    rng = np.random.default_rng(17)
    gauss = thin_shell(np.linalg.norm(rng.standard_normal((40_000, 64)), axis=1), 64)
    assert abs(gauss["ratio"] - 1) <= 4 * gauss["ratio_se"]
    assert abs(gauss["implied_excess_kurtosis"]) < 0.03      # 0 for the Gaussian
    fixed = thin_shell(np.full(100, 3.0) + 1e-11 * np.arange(100), 64)
    assert fixed["cv"] < 1e-6  # cv_estimate uses raw moments: its floor is about sqrt(machine eps)
    assert fixed["implied_excess_kurtosis"] == pytest.approx(-6 / 66, abs=1e-6)  # the sphere's -6/(d+2)

def test_spectrum_summary_exact_cases():
    iso = spectrum_summary(np.full(10, 2.0))
    assert iso["effective_rank"] == pytest.approx(10) and iso["participation_ratio"] == pytest.approx(10)
    spike = spectrum_summary(np.r_[1.0, np.zeros(9)])
    assert spike["effective_rank"] == pytest.approx(1) and spike["participation_ratio"] == pytest.approx(1)
    with pytest.raises(ValueError, match="constant"):
        spectrum_summary(np.zeros(4))
