"""Monte Carlo of every polar term against theory.polar, density-free entropy checks, radial and angular
diagnostics (calibration and power), vMF mixtures, and the rates sweep."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infonce_gauss.simulations.polar import (
    TERMS,
    knn_polar_entropies,
    mc_kl_to_uniform,
    mc_polar_terms,
    pointwise_polar_residual,
    polar_diagnostics,
    polar_rate_fits,
    polar_rate_table,
    radial_chi_fit,
    random_vmf_mixture,
    sample_polar,
    sample_vmf_mixture,
    spiked_asymptotes,
)
from infonce_gauss.simulations.sampling import uniform_sphere
from infonce_gauss.theory.gaussian_reference import GaussianReference
from infonce_gauss.theory.polar import polar_terms
from infonce_gauss.theory.polar_coordinates import chi_radius, uniform_ball_radius
from infonce_gauss.theory.polar_laws import GaussianLaw, ProductLaw
from infonce_gauss.theory.vmf import vmf_mean_length, vmf_min_kl_at_mean_length

LAWS = {
    "anisotropic Gaussian": GaussianLaw.from_eigenvalues([0.4, 1.0, 3.0]),
    "rotated Gaussian, d=5": GaussianLaw(np.array([[2.0, 0.6, 0, 0, 0], [0.6, 1.0, 0.3, 0, 0], [0, 0.3, 0.5, 0, 0],
                                                   [0, 0, 0, 1.5, 0], [0, 0, 0, 0, 0.8]])),
    "vMF(κ=4) ⊗ 1.5·χ_4": ProductLaw(chi_radius(4, 1.5), 4, kappa=4.0),
    "σ ⊗ uniform ball": ProductLaw(uniform_ball_radius(3, 2.0), 3),
}


@pytest.mark.parametrize("name", LAWS)
def test_monte_carlo_terms_agree_with_exact_terms(name):
    law = LAWS[name]
    ref = GaussianReference(law.d, 0.4)
    exact = polar_terms(law, ref)
    est = mc_polar_terms(law, ref, n=40_000, seed=7)
    for term in TERMS:
        value = getattr(exact, term)
        assert abs(est[term].value - value) <= 4 * est[term].se + 1e-12 * max(1, abs(value)), (term, est[term], value)


def test_ball_reference_gives_infinite_terms_for_a_gaussian():
    law = LAWS["anisotropic Gaussian"]
    est = mc_polar_terms(law, GaussianReference(3, 0.5, radius=2.0), n=2000, seed=0)
    assert est["kl_to_reference"].value == math.inf and est["radial_kl"].value == math.inf
    assert math.isfinite(est["angular_kl"].value)


@pytest.mark.parametrize("name", LAWS)
def test_change_of_variables_holds_pointwise(name):
    # log p(z) = log f_R(r) + log dP_{U|R=r}/dσ(u) - log|S^{d-1}| - (d-1) log r, each density coded separately
    law = LAWS[name]
    z = sample_polar(law, 500, rng=3)
    assert np.max(np.abs(pointwise_polar_residual(law, z))) < 1e-9


def test_knn_entropies_confirm_the_identity_for_a_product():
    # h(Z) of vMF ⊗ radial is only defined through the polar identity in theory.polar_laws: the density-free
    # estimate checks it (bias allowance 0.05 nat at d = 3, see simulations/entropy.py)
    law = ProductLaw(chi_radius(3, 1.0), 3, kappa=3.0)
    exact = polar_terms(law, GaussianReference(3, 0.5))
    est = knn_polar_entropies(law, n=20_000, seed=2)
    assert abs(est["entropy"].value - exact.entropy) < 4 * est["entropy"].se + 0.05
    assert abs(est["radial_entropy"].value - exact.radial_entropy) < 4 * est["radial_entropy"].se + 0.05


def test_samplers_have_the_right_moments():
    rng = np.random.default_rng(0)
    law = LAWS["rotated Gaussian, d=5"]
    z = sample_polar(law, 100_000, rng=rng)
    np.testing.assert_allclose(np.cov(z.T), law.covariance, atol=0.03)
    product = LAWS["vMF(κ=4) ⊗ 1.5·χ_4"]
    z = sample_polar(product, 100_000, rng=rng)
    r = np.linalg.norm(z, axis=1)
    assert np.mean(r * r) == pytest.approx(product.second_moment, rel=0.02)
    # vMF mean direction e_1 with length A_4(4) (mean of u independent of r)
    u = z / r[:, None]
    np.testing.assert_allclose(u.mean(axis=0), [vmf_mean_length(4, 4.0), 0, 0, 0], atol=0.006)  # about 6 SE (sd of u_1 ~ 0.3)


# --- radial and angular diagnostics ------------------------------------------------------------
def test_radial_fit_false_alarm_rate_matches_level():
    # 300 null samples (Gaussian norms): the parametric-bootstrap p-value rejects at 5% about 15 times
    # (Binomial(300, 0.05), sd 3.8; accept within 4 sd). The plain KS p-value with an estimated scale
    # would reject far less often (conservative).
    rng = np.random.default_rng(11)
    p = [radial_chi_fit(rng.standard_normal((200, 4)) * 3.0, seed=i, n_boot=99).p_value for i in range(300)]
    rejections = int(np.sum(np.array(p) <= 0.05))
    assert abs(rejections - 15) <= 4 * math.sqrt(300 * 0.05 * 0.95), rejections


def test_radial_fit_detects_a_thin_shell_and_reports_effect_sizes():
    rng = np.random.default_rng(1)
    gaussian = radial_chi_fit(rng.standard_normal((5000, 16)), seed=0)
    shell = radial_chi_fit(uniform_sphere(5000, 16, rng=rng) * rng.uniform(3.9, 4.1, size=(5000, 1)), seed=0)
    assert gaussian.p_value > 0.01 and abs(gaussian.cv_ratio - 1) < 4 * gaussian.cv.se / gaussian.chi_cv
    assert shell.p_value <= 1 / 200 and shell.cv_ratio < 0.2 and shell.ks > 0.1
    assert gaussian.scale == pytest.approx(1.0, rel=0.02)


def test_polar_diagnostics_split_radius_and_direction():
    rng = np.random.default_rng(2)
    tilted = sample_polar(ProductLaw(chi_radius(8), 8, kappa=3.0), 4000, rng=rng)  # chi radius, vMF direction
    diag = polar_diagnostics(tilted, seed=0, n_boot=99)
    assert diag.radial.p_value > 0.01
    assert diag.rayleigh.p_value < 1e-6 and diag.rayleigh.effect > 0.1
    axial = sample_polar(GaussianLaw.from_eigenvalues([4.0] + [1.0] * 7), 4000, rng=rng)
    diag = polar_diagnostics(axial, seed=0, n_boot=99)
    assert diag.rayleigh.p_value > 1e-3 and diag.bingham.p_value < 1e-6


# --- vMF mixtures (Lemma 1) -----------------------------------------------------------------------
def test_mixture_sampler_mean():
    mixture = random_vmf_mixture(5, 3, rng=4)
    u = sample_vmf_mixture(mixture, 200_000, rng=5)
    np.testing.assert_allclose(np.linalg.norm(u, axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(u.mean(axis=0), mixture.mean, atol=0.008)


@settings(max_examples=8)
@given(seed=st.integers(0, 10**6), d=st.sampled_from([3, 6, 16]), components=st.integers(1, 4))
def test_lemma1_on_random_vmf_mixtures(seed, d, components):
    # KL(μ‖σ) by Monte Carlo (with its SE) is at least the vMF infimum at ‖m(μ)‖, itself >= (d/2)‖m‖²
    mixture = random_vmf_mixture(d, components, rng=seed)
    est = mc_kl_to_uniform(mixture, n=5000, seed=seed)
    m = float(np.linalg.norm(mixture.mean))
    assert est.value + 4 * est.se >= vmf_min_kl_at_mean_length(d, m) >= d * m * m / 2 * (1 - 1e-12)


# --- the rates sweep ----------------------------------------------------------------------------
def test_polar_rate_table_and_fits():
    table = polar_rate_table([8, 16, 32, 64, 128, 256], spike=3.0, n=2000, seeds=[0], mc_dims=[8], progress=False)
    exact = {(r["d"], r["term"]): r["value"] for r in table if r["source"] == "exact"}
    for d in (8, 256):  # the two chain rules hold row by row
        assert exact[(d, "angular_kl")] + exact[(d, "radial_kl_given_direction")] == pytest.approx(exact[(d, "kl_to_reference")], rel=1e-9)
        assert exact[(d, "radial_kl")] + exact[(d, "angular_kl_given_radius")] == pytest.approx(exact[(d, "kl_to_reference")], rel=1e-9)
    assert exact[(256, "kl_to_reference")] == pytest.approx(0.5 * (2 - math.log(3)), rel=1e-12)  # KL(N(0,Σ)‖N(0,I))
    mc = [r for r in table if r["source"] == "mc"]
    assert {r["term"] for r in mc} == {r["term"] for r in table} and all(r["n"] == 2000 for r in mc)
    fits = polar_rate_fits(table, d_min=16)
    assert {f["term"] for f in fits} == {"radial_kl", "radial_kl_given_direction"}
    assert all(f["slope_covers_prediction"] for f in fits)
    assert spiked_asymptotes(100, 3.0)["radial_kl_given_direction"] == pytest.approx(3 * 4 / 400)


def test_bad_input_is_explained():
    with pytest.raises(ValueError, match="unknown law"):
        sample_polar(object(), 10, rng=0)
    with pytest.raises(ValueError, match=r"\(n, d\)"):
        radial_chi_fit(np.ones(20), seed=0)
    with pytest.raises(ValueError, match="zero"):
        radial_chi_fit(np.zeros((20, 3)), seed=0)
    with pytest.raises(ValueError, match="spike"):
        polar_rate_table([8], spike=-1.0, n=10, seeds=[0])
