"""simulations.hgr: estimators of ρ_m and η₂, Prop 1 by Monte Carlo, the plateau detector, the δ(d) sweep.

Independent references: Gaussian pairs (ρ_m = |ρ|, Lancaster), independent pairs (ρ_m = 0), the
closed form σ₂ of a finite pmf, the solvable model's closed form E[u·v], and the spread of estimates over seeds for standard errors.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infonce_gauss.simulations.channels import GMMChannel, MixingChannel, SparseBinaryChannel
from infonce_gauss.simulations.hgr import (
    LinearEncoder,
    alignment_check,
    as_numpy_encoder,
    conditional_alignment,
    eta2_from_pairs,
    hgr_ace,
    hgr_histogram,
    mc_solvable_alignment,
    random_linear_encoder,
    random_mlp_encoder,
    solvable_rate_fits,
    solvable_rate_table,
)
from infonce_gauss.theory.hgr import Eta2, pmf_maximal_correlation, solvable_alignment


def _gaussian_pair(n, rho, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    return x, rho * x + math.sqrt(1 - rho * rho) * rng.standard_normal(n)


# ------------------------------------------------------------------ estimators
@pytest.mark.parametrize("estimator", [hgr_ace, hgr_histogram], ids=["ace", "histogram"])
def test_estimators_converge_to_the_gaussian_closed_form(estimator):
    # ρ_m = |ρ| for a Gaussian pair; the cross-fitted error shrinks with n and ends within 4 SE.
    small = estimator(*_gaussian_pair(2_000, -0.6, 0), seed=1)
    large = estimator(*_gaussian_pair(200_000, -0.6, 0), seed=1)
    assert abs(large.value - 0.6) < abs(small.value - 0.6) + 1e-3
    assert abs(large.z_score(0.6)) < 4
    assert large.se < small.se / 5


def test_in_sample_estimates_are_biased_up_and_cross_fitting_removes_it():
    # Independent pair: ρ_m = 0. The in-sample σ₂ of a b×b table is about sqrt((b-1)/n) > 0.
    x, y = _gaussian_pair(20_000, 0.0, 3)
    for estimator in (hgr_ace, hgr_histogram):
        biased = estimator(x, y, cross_fit=False, seed=1)
        honest = estimator(x, y, seed=1)
        assert biased.value > 4 * biased.se
        assert abs(honest.z_score(0.0)) < 4


def test_ace_finds_a_nonlinear_dependence_that_pearson_misses():
    rng = np.random.default_rng(5)
    x = rng.standard_normal(20_000)
    y = x**2 + 0.5 * rng.standard_normal(x.size)
    assert abs(np.corrcoef(x, y)[0, 1]) < 0.05
    # ρ_m >= corr(X², Y) = sqrt(2)/sqrt(2.25) ≈ 0.943 (a lower bound: g(x) = x²).
    assert hgr_ace(x, y).value > 0.943 - 4 * hgr_ace(x, y).se


def test_histogram_estimator_on_categorical_data_converges_to_sigma2():
    P = np.array([[0.2, 0.05, 0.05], [0.05, 0.3, 0.05], [0.1, 0.1, 0.1]])
    cells = np.random.default_rng(0).choice(P.size, size=100_000, p=P.ravel())
    x, y = np.divmod(cells, 3)
    est = hgr_histogram(x.astype(float), y.astype(float))
    assert abs(est.z_score(pmf_maximal_correlation(P))) < 4


def test_eta2_from_positive_pairs_recovers_A_squared():
    # ρ_m(X, Y) = η₂ = A² for conditionally i.i.d. views of the Gaussian channel.
    channel = MixingChannel(A=0.7, base="gaussian", dim=16)
    x, y = channel.sample_pair(channel.sample_base(5_000, 0), 1)
    pooled = eta2_from_pairs(x, y)
    assert abs(pooled.z_score(0.49)) < 4
    per_coordinate = eta2_from_pairs(x[:, :3], y[:, :3], pool_coordinates=False, method="histogram")
    assert per_coordinate.n == 5_000 and 0.3 < per_coordinate.value < 0.7


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: hgr_ace(np.arange(30.0), np.arange(31.0)), "same size"),
        (lambda: hgr_ace(np.arange(10.0), np.arange(10.0)), "at least 20"),
        (lambda: hgr_histogram(np.ones(50), np.arange(50.0)), "constant"),
        (lambda: hgr_ace(np.ones((30, 2)), np.ones((30, 2))), "1-D"),
        (lambda: hgr_ace(np.arange(30.0), np.arange(30.0), span=2.0), "span"),
        (lambda: eta2_from_pairs(np.ones((30, 2)), np.ones((30, 3))), "same shape"),
        (lambda: eta2_from_pairs(np.arange(30.0), np.arange(30.0), method="knn"), "method"),
        (lambda: hgr_histogram(np.r_[np.arange(29.0), np.nan], np.arange(30.0)), "NaN"),
    ],
)
def test_estimator_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# ------------------------------------------------------------------ encoders
def test_as_numpy_encoder_rejects_a_non_callable():
    with pytest.raises(ValueError, match="callable"):
        as_numpy_encoder(3)


def test_torch_modules_are_accepted_and_match_numpy():
    torch = pytest.importorskip("torch")
    encoder = random_linear_encoder(6, 4, rng=0)
    module = torch.nn.Linear(6, 4, bias=False).double()
    with torch.no_grad():
        module.weight.copy_(torch.from_numpy(encoder.weight))
    channel = MixingChannel(A=0.6, dim=6)
    a = alignment_check(module, channel, n=500, seed=1)
    b = alignment_check(encoder, channel, n=500, seed=1)
    assert a.alignment.value == pytest.approx(b.alignment.value, abs=1e-12)
    tensor_fn = lambda x: torch.as_tensor(x) @ torch.from_numpy(encoder.weight).T  # noqa: E731
    assert alignment_check(tensor_fn, channel, n=500, seed=1).alignment.value == pytest.approx(b.alignment.value, abs=1e-12)


# ------------------------------------------------------------------ Prop 1
def test_identity_encoder_alignment_matches_the_closed_form():
    check = mc_solvable_alignment(16, 0.6, n=40_000, seed=0)
    assert abs(check.alignment.z_score(solvable_alignment(16, 0.6))) < 4
    assert abs(check.mean_sq_norm.z_score(0.0)) < 4  # μ = σ exactly: m = 0


def test_constant_encoder_is_perfectly_aligned_and_collapsed():
    check = alignment_check(lambda x: np.ones((x.shape[0], 3)), MixingChannel(dim=4), n=200, seed=0)
    assert check.alignment.value == pytest.approx(1.0)
    assert check.mean_sq_norm.value == pytest.approx(1.0)
    assert check.slack.value == pytest.approx(0.0, abs=1e-12) and check.holds()


def test_mean_sq_norm_is_unbiased_where_the_plug_in_is_not():
    # m = 0 for the identity encoder on an isotropic channel: the U-statistic averages to 0 over seeds,
    # the plug-in ||ū||² would average to (1 - ||m||²)/n = 1/n.
    # Its reported SE (degenerate U-statistic here) is close to, and not below, the spread over seeds.
    n = 200
    estimates = [mc_solvable_alignment(8, 0.5, n=n, seed=s).mean_sq_norm for s in range(100)]
    values = np.array([e.value for e in estimates])
    assert abs(values.mean()) < 4 * values.std() / math.sqrt(values.size)
    assert abs(values.mean() - 1 / n) > 4 * values.std() / math.sqrt(values.size)
    assert 0.9 < np.mean([e.se for e in estimates]) / values.std(ddof=1) < 1.5


def test_slack_standard_error_is_calibrated():
    # The reported SE of the slack (with the U-statistic variance and the covariance term) matches the
    # spread of the estimate over independent seeds.
    channel = MixingChannel(A=0.6, dim=8)
    encoder = random_mlp_encoder(8, 4, hidden=16, rng=3)
    eta = Eta2(0.64)
    checks = [alignment_check(encoder, channel, n=400, seed=s, eta2=eta) for s in range(80)]
    spread = np.std([c.slack.value for c in checks], ddof=1)
    reported = np.mean([c.slack.se for c in checks])
    assert 0.75 < reported / spread < 1.33


@settings(max_examples=12)
@given(st.integers(0, 10**6), st.sampled_from(["gaussian", "laplace", "gmm", "binary"]), st.sampled_from(["linear", "tanh", "relu"]))
def test_prop1_bound_holds_for_random_encoders_and_channels(seed, kind, arch):
    rng = np.random.default_rng(seed)
    A = float(rng.uniform(0.1, 0.95))
    channel = {"gaussian": MixingChannel(A=A, base="gaussian", dim=6),
               "laplace": MixingChannel(A=float(rng.choice([0.3, 0.6, 0.9])), dim=6),  # η₂ cached per A
               "gmm": GMMChannel.random(3, 4, std=float(rng.uniform(0.5, 2.0)), rng=seed),
               "binary": SparseBinaryChannel(density=float(rng.uniform(0.05, 0.5)), flip=float(rng.uniform(0.0, 0.3)), dim=6)}[kind]
    if arch == "linear":
        encoder = random_linear_encoder(channel.dim, 3, rng=seed)
    else:
        encoder = random_mlp_encoder(channel.dim, 3, hidden=12, activation=arch, rng=seed)
    check = alignment_check(encoder, channel, n=1_500, seed=seed)
    assert check.holds(4.0)
    assert check.explained <= check.eta2.upper + 4 * check.slack.se / max(1 - check.mean_sq_norm.value, 1e-3) + 1e-9


def test_alignment_equals_the_conditional_mean_norm():
    # E[u·v] = E||E[u | X0]||², alignment from pairs vs inner Monte Carlo over views.
    channel = MixingChannel(A=0.6, dim=8)
    encoder = random_mlp_encoder(8, 4, hidden=16, rng=1)
    pairs = alignment_check(encoder, channel, n=20_000, seed=2).alignment
    inner = conditional_alignment(encoder, channel, n_base=4_000, n_views=6, seed=3)
    assert abs(pairs.value - inner.value) < 4 * math.hypot(pairs.se, inner.se)
    with pytest.raises(ValueError, match="n_views"):
        conditional_alignment(encoder, channel, n_base=10, n_views=1, seed=0)


def test_linear_encoder_is_a_plain_matrix_product():
    W = np.array([[1.0, 2.0], [0.0, 1.0], [1.0, -1.0]])
    np.testing.assert_allclose(LinearEncoder(W)(np.array([[1.0, 1.0]])), [[3.0, 1.0, 0.0]])


# ------------------------------------------------------------------ the δ(d) sweep
def test_solvable_rate_table_and_fits():
    table = solvable_rate_table([0.6], [2, 8, 32, 64, 128, 256, 512], n=2_000, seeds=[0], progress=False)
    assert {r["source"] for r in table} == {"exact", "asymptotic", "mc"}
    assert {r["quantity"] for r in table} == {"delta", "slack_random_linear"}
    fits = solvable_rate_fits(table, d_min=32)
    exact = next(f for f in fits if f["source"] == "exact")
    assert exact["slope_covers_prediction"]
    assert exact["constant_ci_low"] <= 0.6**2 * (1 - 0.6**4) / 2 <= exact["constant_ci_high"]
