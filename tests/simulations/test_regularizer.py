"""The regularizer loss β(−Ĥ + λ E‖z‖²): its kNN and radial entropies pinned to Gaussian, Laplace, uniform-ball and
uniform-spacing closed forms, scale equivariance (exact), the measured bias trend in n and d, the radial
instrument's ranking Gaussian < Laplace < ball ≪ shell, the gradient's fixed point in the scale, β from
Theorem 1's threshold, bad input."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from infonce_gauss.simulations.entropy import knn_entropy, log_unit_ball_volume
from infonce_gauss.simulations.regularizer import (
    BIAS_LAWS,
    EntropyRegularizer,
    entropy_bias,
    gaussian_gap,
    knn_entropy_torch,
    radial_entropy_torch,
    spacing_entropy_torch,
)
from infonce_gauss.theory.gaussian_reference import GaussianReference
from infonce_gauss.theory.polar_coordinates import chi_radius, laplace_product_radius, log_sphere_area, uniform_ball_radius
from infonce_gauss.theory.regularized import beta_threshold


def test_same_estimate_as_the_numpy_estimator():
    x = np.random.default_rng(0).standard_normal((500, 5))
    assert float(knn_entropy_torch(torch.from_numpy(x))) == pytest.approx(knn_entropy(x, seed=0, jitter=0).value, abs=1e-9)


@pytest.mark.parametrize("law", ["gaussian", "ball"])
@pytest.mark.parametrize("d", [1, 2, 3])
def test_closed_forms_in_low_dimension(law, d):
    # h(N(0, I_d)) = (d/2) log 2πe (Cover & Thomas, Thm 8.4.1); h(uniform unit ball) = log V_d,
    # V_d = π^{d/2}/Γ(d/2+1). At n = 4000, d <= 3 the bias is a few hundredths of a nat (the ball's boundary:
    # +0.065 at d = 3); a wrong constant (ψ(k ± 1): ±0.4, log V_d of d ± 1: > 0.3) moves it by more than 0.1.
    oracle = BIAS_LAWS[law]
    z = torch.from_numpy(oracle.sample(4000, d, np.random.default_rng(d)))
    assert abs(float(knn_entropy_torch(z)) - oracle.entropy(d)) < 0.1


def test_oracle_entropies():
    assert BIAS_LAWS["ball"].entropy(2) == pytest.approx(math.log(math.pi))
    assert BIAS_LAWS["ball"].entropy(3) == pytest.approx(math.log(4 * math.pi / 3))
    # the ball's E‖Z‖² = d/(d+2): E R² with R = U^{1/d}
    z = BIAS_LAWS["ball"].sample(200_000, 4, np.random.default_rng(1))
    assert np.mean(np.sum(z * z, 1)) == pytest.approx(4 / 6, abs=3e-3)
    # rotation-invariant laws: H∘ = H, the polar entropy identity with the radius laws χ_d and Beta(d, 1)
    for d in (8, 64):
        for law, radius in (("gaussian", chi_radius(d)), ("ball", uniform_ball_radius(d))):
            polar = radius.entropy + (d - 1) * radius.mean_log + log_sphere_area(d)
            assert BIAS_LAWS[law].symmetrized_entropy(d) == pytest.approx(polar, rel=1e-10)
    # product Laplace: H∘ >= H (H∘ − H = E_R KL(P_{U|R}‖σ) >= 0), E‖Z‖² = 2d
    for d in (8, 32):
        assert BIAS_LAWS["laplace"].symmetrized_entropy(d) > BIAS_LAWS["laplace"].entropy(d)


@pytest.mark.parametrize("entropy", [knn_entropy_torch, radial_entropy_torch])
@settings(max_examples=30, deadline=None)
@given(st.floats(0.01, 100.0), st.integers(2, 40), st.integers(0, 10_000))
def test_scale_equivariance(entropy, s, d, seed):
    # Ĥ(sZ) = Ĥ(Z) + d log s, exactly: kNN distances scale by s; radially h(sR) = h(R) + log s and
    # (d−1) E log sR = (d−1)(E log R + log s)
    z = torch.from_numpy(np.random.default_rng(seed).standard_normal((40, d)))
    assert float(entropy(s * z)) == pytest.approx(float(entropy(z)) + d * math.log(s), abs=1e-8)


def test_gaussian_gap_is_the_kl_to_the_matched_gaussian():
    # zero for the Gaussian; for the unit ball (d/2) log(2πe/(d+2)) − log V_d, positive (max entropy)
    assert gaussian_gap(BIAS_LAWS["gaussian"].entropy(7), 7.0, 7) == pytest.approx(0.0, abs=1e-12)
    for d in (1, 2, 10, 100):
        gap = gaussian_gap(log_unit_ball_volume(d), d / (d + 2), d)
        assert gap == pytest.approx(0.5 * d * math.log(2 * math.pi * math.e / (d + 2)) - log_unit_ball_volume(d))
        assert gap > 0


def test_bias_trend_in_batch_size_and_dimension():
    # measured (docs/regularizer-bias.md): at d = 2 the bias is within a few hundredths of 0; at d = 32 it
    # is several nats, positive, and falls as n grows (decay like n^{-2/d} or slower). A formula with the wrong
    # dimension factor or a missing ψ(n) fails the low-d bound or the sign and monotone trend.
    low = entropy_bias("gaussian", 2, [512], reps=10, seed=3)[0]
    assert abs(low["bias"]) < 4 * low["bias_se"] + 0.05
    high = entropy_bias("gaussian", 32, [64, 256, 1024], reps=6, seed=4)
    biases = [r["bias"] for r in high]
    assert all(b > 2 for b in biases)
    assert biases[0] - biases[1] > 3 * math.hypot(high[0]["bias_se"], high[1]["bias_se"])
    assert biases[1] - biases[2] > 3 * math.hypot(high[1]["bias_se"], high[2]["bias_se"])


def test_gradient_fixes_the_second_moment_at_d_over_2_lambda():
    # scale equivariance: d/ds [−Ĥ(sz) + λ s² m̂₂] = −d/s + 2λ s m̂₂ vanishes at s² m̂₂ = d/(2λ)
    d, lam = 8, 3.0
    z = torch.from_numpy(np.random.default_rng(5).standard_normal((300, d)))
    reg = EntropyRegularizer(beta=1.0, lam=lam)
    scale = torch.tensor(math.sqrt(d / (2 * lam) / float((z * z).sum(1).mean())), dtype=torch.float64,
                         requires_grad=True)
    reg(scale * z).backward()
    assert abs(float(scale.grad)) < 1e-9
    for off in (0.8, 1.25):  # below the fixed point the loss falls with s, above it rises
        s = torch.tensor(float(scale.detach()) * off, dtype=torch.float64, requires_grad=True)
        reg(s * z).backward()
        assert math.copysign(1, float(s.grad)) == math.copysign(1, off - 1)


def test_loss_value_and_terms():
    z = torch.from_numpy(np.random.default_rng(6).standard_normal((100, 4)))
    reg = EntropyRegularizer(beta=0.3, lam=2.0, k=2)
    t = reg.terms(z)
    assert float(t["second_moment"]) == pytest.approx(float((z * z).sum() / 100))
    assert float(reg(z)) == pytest.approx(0.3 * (2.0 * float(t["second_moment"]) - float(knn_entropy_torch(z, k=2))))
    assert reg.terms(z.float())["entropy"].dtype == torch.float32


def test_strength_from_theorem1_threshold():
    reg = EntropyRegularizer.from_threshold(2.0, d=64, alpha=10.0, eta2=0.5)
    assert reg.beta == pytest.approx(2 * beta_threshold(64, 10.0, 0.5)) and reg.beta == pytest.approx(2 * 10 / 63)
    assert reg.lam == 32
    assert EntropyRegularizer.from_threshold(0.0, d=8, alpha=10.0, eta2=0.5).beta == 0


@pytest.mark.parametrize("kw, match", [({"beta": -1.0, "lam": 1.0}, "beta"), ({"beta": 1.0, "lam": 0.0}, "lam"),
                                       ({"beta": 1.0, "lam": 1.0, "k": 0}, "k")])
def test_bad_parameters(kw, match):
    with pytest.raises(ValueError, match=match):
        EntropyRegularizer(**kw)


def test_bad_input():
    with pytest.raises(ValueError, match="more than k"):
        knn_entropy_torch(torch.zeros(4, 2), k=3)
    with pytest.raises(ValueError, match="law"):
        entropy_bias("cauchy", 2, [10], reps=2, seed=0)
    with pytest.raises(ValueError, match="estimator"):
        EntropyRegularizer(beta=1.0, lam=1.0, estimator="kde")
    with pytest.raises(ValueError, match="m \\(the spacing order\\)"):
        EntropyRegularizer(beta=1.0, lam=1.0, estimator="radial", m=0)
    with pytest.raises(ValueError, match="more than m"):
        spacing_entropy_torch(torch.zeros(3), m=2)
    with pytest.raises(ValueError, match="d \\(the number of Laplace"):
        laplace_product_radius(4)
    with pytest.raises(ValueError, match="c"):
        EntropyRegularizer.from_threshold(-1.0, d=8, alpha=10.0, eta2=0.5)


# --- the radial instrument (Prop 3's polar split) --------------------------------------------------------

@pytest.mark.parametrize("m", [1, 3, 8])
def test_spacing_entropy_is_unbiased_on_uniform_laws(m):
    # U_(i+m) − U_(i) ~ Beta(m, n+1−m), E log = ψ(m) − ψ(n+1) (David & Nagaraja, Order Statistics, §6.4):
    # the corrected estimate has mean log(b − a) exactly; without the ψ terms it is off by log(n/m) + O(1/m) >= 0.5
    gen = np.random.default_rng(m)
    n, reps, width = 64, 400, 3.0
    est = np.array([float(spacing_entropy_torch(torch.from_numpy(gen.uniform(1.0, 1.0 + width, n)), m=m)) for _ in range(reps)])
    assert abs(est.mean() - math.log(width)) < 4 * est.std(ddof=1) / math.sqrt(reps)


def test_spacing_entropy_on_the_chi_law():
    # the chi law's entropy by quadrature (theory.polar_coordinates.chi_radius); the default m keeps the bias
    # under 0.1 nat from n = 64 on
    for d in (8, 256):
        law = chi_radius(d)
        gen = np.random.default_rng(d)
        for n in (64, 1024):
            est = np.array([float(spacing_entropy_torch(torch.from_numpy(law.dist.rvs(n, random_state=gen))))
                            for _ in range(100)])
            assert abs(est.mean() - law.entropy) < 0.1, (d, n)


def test_radial_entropy_sees_only_the_radius():
    # rotating each row (the direction law) leaves it unchanged
    gen = np.random.default_rng(2)
    z = torch.from_numpy(gen.standard_normal((200, 6)))
    directions = torch.from_numpy(gen.standard_normal((200, 6)))
    moved = directions / directions.norm(dim=1, keepdim=True) * z.norm(dim=1, keepdim=True)
    assert float(radial_entropy_torch(moved)) == pytest.approx(float(radial_entropy_torch(z)), abs=1e-10)


def test_radial_gap_is_the_radial_kl_at_the_matched_scale():
    # gaussian_gap(H∘, m2, d) = KL(ρ_R‖ξ) for λ with d/(2λ) = m2 (Prop 3's radial term, GaussianReference.radial_kl)
    for d in (8, 32):
        terms = laplace_product_radius(d)
        reference = GaussianReference(d, lam=d / (2 * terms.second_moment))
        kl = reference.radial_kl(terms.entropy, terms.mean_log, terms.second_moment)
        assert gaussian_gap(BIAS_LAWS["laplace"].symmetrized_entropy(d), terms.second_moment, d) == pytest.approx(kl, abs=1e-9)
        assert 0 < kl < gaussian_gap(BIAS_LAWS["laplace"].entropy(d), 2.0 * d, d)  # the radial part of the full KL


def test_laplace_radius_by_monte_carlo():
    # Fourier inversion against 400 000 draws: E log R and E R² = 2d (exact) within 4 SE
    gen = np.random.default_rng(9)
    for d in (6, 16):
        r = np.linalg.norm(gen.laplace(size=(400_000, d)), axis=1)
        terms = laplace_product_radius(d)
        assert abs(np.log(r).mean() - terms.mean_log) < 4 * np.log(r).std() / math.sqrt(r.size)
        assert terms.second_moment == 2 * d


@pytest.mark.parametrize("d", [8, 32, 64, 256])
def test_radial_instrument_bias_and_ranking(d):
    # the batch objective's gap at n = 128 (the presets' batch size): within 0.1 nat of the exact radial KL on the
    # Gaussian (0), Laplace (Fourier inversion) and the ball (closed form), and ordered Gaussian < Laplace < ball ≪
    # shell (exact KL +∞); the kNN instrument orders the ball and the shell below the Gaussian from d = 8 on
    rows = {law: entropy_bias(law, d, [128], reps=30, seed=d, estimator="radial")[0] for law in BIAS_LAWS}
    for law in ("gaussian", "laplace", "ball"):
        assert abs(rows[law]["gap_hat"] - rows[law]["gap"]) < 0.1 + 2 * rows[law]["gap_hat_se"], law
    assert rows["gaussian"]["gap_hat"] < rows["laplace"]["gap_hat"] < rows["ball"]["gap_hat"] < 10 * rows["ball"]["gap_hat"] < rows["shell"]["gap_hat"]
    knn = {law: entropy_bias(law, d, [128], reps=4, seed=d)[0]["gap_hat"] for law in ("gaussian", "ball", "shell")}
    assert knn["shell"] < knn["gaussian"] and knn["ball"] < knn["gaussian"]


def test_radial_gradient_fixes_the_second_moment_at_d_over_2_lambda():
    d, lam = 16, 8.0
    z = torch.from_numpy(np.random.default_rng(7).standard_normal((256, d)))
    reg = EntropyRegularizer(beta=1.0, lam=lam, estimator="radial")
    scale = torch.tensor(math.sqrt(d / (2 * lam) / float((z * z).sum(1).mean())), dtype=torch.float64, requires_grad=True)
    reg(scale * z).backward()
    assert abs(float(scale.grad)) < 1e-9
