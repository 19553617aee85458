"""simulations.regularized and the particle regularizer: the trained radii follow γ_λ's chi law only when β > 0."""

import math

import numpy as np
import pytest
from scipy import stats

from infonce_gauss.simulations.infonce import ParticleConfig, train_particles
from infonce_gauss.simulations.regularized import regularized_particle_diagnostics, regularizer_sweep


def test_regularizer_moves_radii_to_the_chi_law():
    rows = regularizer_sweep([16], [0.0, 2.0], n=128, steps=150, seed=0)
    off, on = rows
    # c = 0: the InfoNCE loss is radius-blind, the radii stay at 1 (CV 0); c > 0: χ_16/√16 (Prop 3)
    assert off["radius_cv"] < 1e-6 and off["ks_radius_chi"] > 0.4
    assert on["ks_radius_chi"] < 1.36 / math.sqrt(128)  # within the 5% KS critical value
    assert on["radius_cv"] == pytest.approx(on["radius_cv_chi"], rel=0.25)


def test_diagnostics_on_exact_gaussian_points():
    d, lam = 32, 3.0
    z = np.random.default_rng(1).standard_normal((2000, d)) / math.sqrt(2 * lam)
    row = regularized_particle_diagnostics(z, lam=lam, alpha=10.0)
    assert row["ks_radius_chi_p"] > 1e-3 and row["ks_first_coordinate_gamma_p"] > 1e-3
    chi = stats.chi(d)
    assert row["radius_cv_chi"] == pytest.approx(chi.std() / chi.mean(), rel=1e-12)


def test_bad_regularizer_settings():
    with pytest.raises(ValueError, match="beta"):
        ParticleConfig(beta=-1.0)
    with pytest.raises(ValueError, match="lam"):
        ParticleConfig(lam=0.0)


def test_default_lambda_and_unregularized_points_are_unit():
    config = ParticleConfig(n=16, d=8, steps=5)
    assert config.reference_lam == 4.0
    run = train_particles(config)
    assert np.allclose(np.linalg.norm(run.final_points, axis=1), 1.0)


def test_target_distances_split_shape_from_scale():
    # scale-free distances are invariant under z -> s z (exactly: the RMS normalization undoes s), the scale
    # ratio moves by s²; on N(0, (2λ)⁻¹I) samples the scale ratio is 1 within 5 SE (Var ‖z‖²·2λ/d = 2/d per row)
    # and the CV ratio within 0.05 of 1, the raw radius KS of 2z rejects
    from infonce_gauss.simulations.regularized import gaussian_target_distances

    d, n, lam = 16, 4000, 8.0
    z = np.random.default_rng(3).standard_normal((n, d)) / math.sqrt(2 * lam)
    base, doubled = (gaussian_target_distances(x, lam=lam, seed=1) for x in (z, 2 * z))
    for key in ("ks_radius_sf", "ks_coord_sf", "ks_proj_sf", "cov_sf", "cv_ratio"):
        assert doubled[key] == pytest.approx(base[key], rel=1e-9, abs=1e-12), key
    assert doubled["scale_ratio"] == pytest.approx(4 * base["scale_ratio"], rel=1e-12)
    assert abs(base["scale_ratio"] - 1) < 5 * math.sqrt(2 / d / n)
    assert abs(base["cv_ratio"] - 1) < 0.05 and base["ks_radius_sf"] < base["ks_crit"]
    assert doubled["ks_radius"] > 0.9
