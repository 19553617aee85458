"""Tests of simulations.infonce: vMF sampling, pair laws, the batch-loss Monte Carlo and its bias, the
rate fits, and the free-particle experiment. Exact references are closed forms (Bessel ratios, the
population loss), scipy's own vMF sampler, or the loss recomputed from theory.infonce."""

import math
import subprocess
import sys

import numpy as np
import pytest
from scipy import stats

from infonce_gauss.simulations import infonce as sim
from infonce_gauss.theory.infonce import CopyOrFresh, VMFAugmentation, infonce_loss, symmetric_infonce_loss
from infonce_gauss.theory.special import bessel_ratio

Z = 4.0


def _z(values, exact):
    values = np.asarray(values, float)
    return (values.mean() - exact) / (values.std(ddof=1) / math.sqrt(values.size))


@pytest.mark.parametrize("d, kappa", [(2, 3.0), (3, 0.5), (10, 20.0), (300, 150.0)])
def test_vmf_sampler_mean_length(d, kappa):
    # E[w·v] = A_d(κ) = I_{d/2}(κ)/I_{d/2-1}(κ) under vMF(κ, w)
    rng = np.random.default_rng(0)
    means = sim.uniform_sphere(20_000, d, rng=rng)
    draws = sim.sample_vmf(means, kappa, rng=rng)
    assert np.allclose(np.linalg.norm(draws, axis=1), 1.0, atol=1e-12)
    assert abs(_z(np.sum(draws * means, 1), bessel_ratio(d, kappa))) < Z


def test_vmf_sampler_matches_scipy():
    d, kappa = 5, 4.0
    ours = sim.sample_vmf(np.tile(np.eye(d)[0], (20_000, 1)), kappa, rng=1)
    theirs = stats.vonmises_fisher(np.eye(d)[0], kappa).rvs(20_000, random_state=np.random.default_rng(2))
    for j in (0, 1):
        assert stats.ks_2samp(ours[:, j], theirs[:, j]).pvalue > 1e-3


def test_reflection_is_orthogonal_and_maps_e1():
    rng = np.random.default_rng(3)
    d = 6
    means = sim.uniform_sphere(50, d, rng=rng)
    means[0] = np.eye(d)[0]  # the cases m = e1 and m = -e1, where a single reflection would degenerate
    means[1] = -np.eye(d)[0]
    e1 = np.tile(np.eye(d)[0], (50, 1))
    assert np.allclose(sim._reflect_to(means, e1), means, atol=1e-14)
    x, y = sim.uniform_sphere(50, d, rng=rng), sim.uniform_sphere(50, d, rng=rng)
    assert np.allclose(np.sum(sim._reflect_to(means, x) * sim._reflect_to(means, y), 1), np.sum(x * y, 1), atol=1e-13)


def test_reflection_in_torch_is_differentiable():
    torch = pytest.importorskip("torch")
    means = torch.tensor(sim.uniform_sphere(4, 5, rng=0), requires_grad=True)
    out = sim._reflect_to(means, torch.tensor(np.tile(np.eye(5)[0], (4, 1))))
    assert torch.allclose(out, means)
    out.sum().backward()
    assert torch.isfinite(means.grad).all()


def test_sample_vmf_rejects_bad_input():
    with pytest.raises(ValueError, match="kappa"):
        sim.sample_vmf(np.eye(3), -1.0, rng=0)
    with pytest.raises(ValueError, match="means"):
        sim.sample_vmf(np.ones(3), 1.0, rng=0)


@pytest.mark.parametrize("law", [VMFAugmentation(d=12, kappa=8.0, alpha=5.0), CopyOrFresh(d=7, kappa=3.0, p=0.4, alpha=5.0)])
def test_pair_laws_alignment(law):
    u, v = sim.sample_pairs(law, 40_000, rng=4)
    assert abs(_z(np.sum(u * v, 1), law.alignment())) < Z
    # both marginals are mu: equal mean vectors within Monte Carlo error
    diff = u[:, 0] - v[:, 0]
    assert abs(diff.mean()) < Z * diff.std() / math.sqrt(diff.size) + 1e-12


def test_batch_estimates_equal_the_theory_loss_on_the_same_draws():
    law = VMFAugmentation(d=6, kappa=4.0, alpha=3.0)
    n_batch, batches, seed = 8, 50, 11
    est = sim.batch_loss_estimates(law, n_batch, batches=batches, seed=seed)
    u, v = sim.sample_pairs(law, n_batch * batches, rng=np.random.default_rng(seed))
    u, v = u.reshape(batches, n_batch, 6), v.reshape(batches, n_batch, 6)
    assert est["loss"].value == pytest.approx(np.mean(infonce_loss(u, v, 3.0)) - math.log(n_batch), rel=1e-12)
    assert est["symmetric_loss"].value == pytest.approx(np.mean(symmetric_infonce_loss(u, v, 3.0)) - math.log(n_batch), rel=1e-12)
    assert est["loss_sd"].value == pytest.approx(np.std(infonce_loss(u, v, 3.0), ddof=1), rel=1e-10)
    assert est["loss"].n == batches and est["loss"].seed == seed


def test_bias_agrees_with_the_first_order_constant():
    # c1/N (VMFAugmentation.bias_constant) against Monte Carlo at N = 128 (the O(N^-2) term is a few % there)
    law = CopyOrFresh(d=16, kappa=5.0, p=0.5, alpha=3.0)
    n_batch = 128
    est = sim.batch_loss_estimates(law, n_batch, batches=120, seed=5)
    c1 = law.bias_constant()
    assert abs(n_batch * est["bias"].value - c1) <= 0.15 * c1 + Z * n_batch * est["bias"].se
    assert abs(est["symmetric_minus_loss"].z_score(0.0)) < Z
    assert abs(est["loss"].z_score(law.population_loss() + c1 / n_batch)) < Z + 0.15 * c1 / n_batch / est["loss"].se


def test_bias_rate_fit_recovers_the_slope():
    law = VMFAugmentation(d=32, kappa=5.0, alpha=2.0)
    c1 = law.bias_constant()
    rng = np.random.default_rng(6)
    sizes = [16, 32, 64, 128, 256, 512]
    table = [{"n_batch": n, "bias": c1 / n * (1 + 0.5 / n) + rng.normal(0, 0.01 * c1 / n), "bias_se": 0.01 * c1 / n,
              "loss_sd": 1 / math.sqrt(n) * (1 + rng.normal(0, 0.01)), "loss_sd_se": 0.01 / math.sqrt(n)} for n in sizes]
    fits = sim.bias_rate_fits(table, law)
    assert fits["bias"]["slope_covers_prediction"] and fits["loss_sd"]["slope_covers_prediction"]
    assert fits["bias"]["constant_ci_low"] <= c1 <= fits["bias"]["constant_ci_high"]
    with pytest.raises(ValueError, match="resolve the bias"):
        sim.bias_rate_fits([{**r, "bias": 0.0} for r in table], law)


def test_bias_sweep_table():
    law = VMFAugmentation(d=8, kappa=3.0, alpha=2.0)
    rows = sim.bias_sweep(law, [4, 8], pairs=256, seeds=[0, 1])
    assert [(r["n_batch"], r["seed"]) for r in rows] == [(4, 0), (4, 1), (8, 0), (8, 1)]
    assert all(r["predicted_bias"] == pytest.approx(law.bias_constant() / r["n_batch"]) for r in rows)


# --------------------------------------------------------------------------------------------
# Free particles
# --------------------------------------------------------------------------------------------
def test_particle_config_validation():
    with pytest.raises(ValueError, match="alignment"):
        sim.ParticleConfig(alignment=0.0)
    with pytest.raises(ValueError, match="start"):
        sim.ParticleConfig(start="ring")
    assert math.isinf(sim.ParticleConfig(alignment=1.0).view_kappa)
    config = sim.ParticleConfig(d=16, alignment=0.5)
    assert bessel_ratio(16, config.view_kappa) ** 2 == pytest.approx(0.5, rel=1e-10)


def test_particles_are_deterministic_and_hold_their_alignment():
    config = sim.ParticleConfig(n=32, d=8, steps=40, alignment=0.6, seed=3)
    first, second = sim.train_particles(config), sim.train_particles(config)
    assert np.array_equal(first.final, second.final)
    assert abs(first.alignment.z_score(0.6)) < Z
    assert first.history[-1]["mean_norm2"] < first.history[0]["mean_norm2"] / 10  # the cap spreads out
    assert np.allclose(np.linalg.norm(first.final, axis=1), 1.0)


def test_noiseless_particles_reach_uniform_second_moments():
    run = sim.train_particles(sim.ParticleConfig(n=64, d=8, steps=150, alignment=1.0, seed=0))
    row = sim.particle_diagnostics(run.final, alpha=10.0)
    assert row["rayleigh_effect"] < row["rayleigh_iid"] and row["bingham_effect"] < row["bingham_iid"]
    assert all(h["alignment"] == pytest.approx(1.0, abs=1e-5) for h in run.history)


def test_particle_diagnostics_on_known_configurations():
    d = 8
    same = np.tile(np.eye(d)[0], (20, 1))
    row = sim.particle_diagnostics(same, alpha=5.0)
    assert row["rayleigh_effect"] == pytest.approx(1.0) and row["bingham_effect"] == pytest.approx(d - 1.0)
    assert row["phi_gap"] == pytest.approx(5.0 - sim.phi_uniform(d, 5.0))
    iid = sim.particle_diagnostics(sim.uniform_sphere(2000, d, rng=7), alpha=5.0)
    assert min(v for k, v in iid.items() if k.startswith("ks_") and k.endswith("_p") and "gauss" not in k) > 1e-4


def test_particle_sweep_rows():
    rows = sim.particle_sweep([8], n=16, steps=5, seed=0)
    assert [(r["start"], r["state"]) for r in rows] == [("cap", "initial"), ("cap", "trained"), ("uniform", "initial"), ("uniform", "trained")]


def test_torch_is_imported_lazily():
    code = "import sys, simulations.infonce, theory.infonce; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
