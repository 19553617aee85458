"""vMF closed forms: mpmath grid to 1e-10 relative, scipy's independent vonmises_fisher, the I-projection,
KL between vMFs, mixtures, and input errors."""

import math

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import optimize, stats

from infonce_gauss.theory.polar_coordinates import log_sphere_area
from infonce_gauss.theory.vmf import (
    VMFMixture,
    vmf_entropy,
    vmf_kappa_for_mean_length,
    vmf_kl,
    vmf_kl_to_uniform,
    vmf_log_density,
    vmf_log_normalizer,
    vmf_mean_length,
    vmf_min_kl_at_mean_length,
)

DIMS = [2, 3, 10, 100, 1000, 10_000]
KAPPAS = [1e-3, 0.5, 10.0, 300.0, 3000.0, 10_000.0]


def test_kl_mean_length_and_normalizer_match_mpmath_to_1e10():
    # KL(vMF‖σ) = κA_d(κ) - log 0F1(; d/2; κ²/4), evaluated by mpmath at 40 digits; the
    # O(κ) cancellation makes KL the hardest of the three.
    worst = 0.0
    with mpmath.workdps(40):
        for d in DIMS:
            for k in KAPPAS:
                b = mpmath.mpf(d) / 2
                a = mpmath.besseli(b, k) / mpmath.besseli(b - 1, k)
                log_f = mpmath.log(mpmath.hyp0f1(b, mpmath.mpf(k) ** 2 / 4))
                for got, ref in ((vmf_kl_to_uniform(d, k), k * a - log_f), (vmf_mean_length(d, k), a),
                                 (vmf_log_normalizer(d, k), log_f)):
                    worst = max(worst, abs(got / float(ref) - 1))
    assert worst < 1e-10, worst


@pytest.mark.parametrize("d, kappa", [(3, 0.5), (3, 50.0), (5, 5.0), (20, 1.0), (20, 80.0)])
def test_entropy_matches_scipy_vonmises_fisher(d, kappa):
    # scipy's entropy is the differential entropy w.r.t. the surface measure: log|S^{d-1}| + entropy w.r.t. σ
    scipy_entropy = stats.vonmises_fisher(np.eye(d)[0], kappa).entropy()
    assert vmf_entropy(d, kappa) + log_sphere_area(d) == pytest.approx(scipy_entropy, rel=1e-9, abs=1e-9)


def test_log_density_matches_scipy_logpdf():
    rng = np.random.default_rng(0)
    mu = np.array([0.6, 0.0, 0.8])
    u = stats.vonmises_fisher(mu, 7.0).rvs(20, random_state=rng)
    np.testing.assert_allclose(vmf_log_density(u, mu, 7.0) - log_sphere_area(3),
                               stats.vonmises_fisher(mu, 7.0).logpdf(u), rtol=1e-10, atol=1e-10)


@given(d=st.integers(2, 500), r=st.floats(1e-4, 0.99))
def test_i_projection_is_the_legendre_transform_and_beats_lemma1(d, r):
    # inf{KL(μ‖σ): ‖m(μ)‖ = r} = sup_t [t r - log 0F1(; d/2; t²/4)] (Csiszár 1975), >= d r²/2 (Lemma 1, C = 1/2)
    kappa = vmf_kappa_for_mean_length(d, r)
    assert vmf_mean_length(d, kappa) == pytest.approx(r, rel=1e-10)
    res = optimize.minimize_scalar(lambda t: -(t * r - vmf_log_normalizer(d, t)), bounds=(0, 4 * kappa + 10),
                                   method="bounded", options={"xatol": 1e-12})
    value = vmf_min_kl_at_mean_length(d, r)
    assert value == pytest.approx(-res.fun, rel=1e-7, abs=1e-12)
    assert value >= d * r * r / 2 * (1 - 1e-12)


@given(d=st.integers(2, 200), kp=st.floats(0, 300), kq=st.floats(0, 300), cos=st.floats(-1, 1))
def test_kl_between_vmfs_is_nonnegative_and_reduces_correctly(d, kp, kq, cos):
    assert vmf_kl(d, kp, kq, cos) >= 0
    assert vmf_kl(d, kp, 0.0) == pytest.approx(vmf_kl_to_uniform(d, kp), rel=1e-12, abs=1e-15)
    assert vmf_kl(d, kp, kp, 1.0) == pytest.approx(0.0, abs=1e-9 * max(1.0, kp))


def test_kl_between_vmfs_matches_monte_carlo():
    rng = np.random.default_rng(1)
    d, kp, kq = 4, 3.0, 5.0
    wp, wq = np.eye(d)[0], np.array([0.6, 0.8, 0, 0])
    u = stats.vonmises_fisher(wp, kp).rvs(200_000, random_state=rng)
    values = vmf_log_density(u, wp, kp) - vmf_log_density(u, wq, kq)
    se = values.std() / math.sqrt(values.size)
    assert abs(values.mean() - vmf_kl(d, kp, kq, 0.6)) < 4 * se


def test_mixture_mean_and_density():
    mixture = VMFMixture([0.25, 0.75], [[1, 0, 0], [-1, 0, 0]], [2.0, 0.5])
    # A_3(κ) = coth κ - 1/κ (Langevin function, Mardia & Jupp 2000 §9.3.2)
    langevin = [1 / math.tanh(k) - 1 / k for k in (2.0, 0.5)]
    np.testing.assert_allclose(mixture.mean, [0.25 * langevin[0] - 0.75 * langevin[1], 0, 0], rtol=1e-12)
    # the density w.r.t. σ integrates to 1: in d = 3, t = u_1 is uniform on [-1, 1] under σ (Archimedes)
    t = np.linspace(-1, 1, 200_001)
    u = np.column_stack([t, np.sqrt(1 - t * t), np.zeros_like(t)])
    assert np.trapezoid(np.exp(mixture.log_density(u)), t) / 2 == pytest.approx(1.0, rel=1e-9)


@pytest.mark.parametrize("call, message", [
    (lambda: vmf_kl_to_uniform(1, 1.0), "d"),
    (lambda: vmf_kl_to_uniform(3, -1.0), "kappa"),
    (lambda: vmf_kl(3, 1.0, 1.0, 1.5), "cos_angle"),
    (lambda: vmf_kappa_for_mean_length(3, 1.0), "mean length"),
    (lambda: vmf_log_density([[1, 0, 0]], [1, 1, 0], 1.0), "unit norm"),
    (lambda: vmf_log_density([[2, 0, 0]], [1, 0, 0], 1.0), "unit norm"),
    (lambda: VMFMixture([0.5, 0.6], [[1, 0], [0, 1]], [1, 1]), "weights"),
    (lambda: VMFMixture([1.0], [[1, 0], [0, 1]], [1]), "one direction"),
])
def test_bad_input_is_explained(call, message):
    with pytest.raises(ValueError, match=message):
        call()
