"""simulations.channels: the augmentation channels sample what they say and report the right η₂.

Independent references: moments of the mixing channel worked by hand (E[X X0] = A Var X0,
Var X = A² Var X0 + 1 − A²), binomial rates for dropout and flips, and η₂ of a two-component 1-D
mixture by a discretized SVD (theory.hgr.pmf_maximal_correlation on a grid, an independent route from
the Monte Carlo of GMMChannel.eta2).
"""

import math

import numpy as np
import pytest
from scipy import stats

from infonce_gauss.simulations.channels import (
    PAPER_JITTER,
    GMMChannel,
    Jitter,
    MixingChannel,
    SparseBinaryChannel,
    gaussian_base,
    laplace_base,
)
from infonce_gauss.theory.hgr import binary_channel_maximal_correlation, channel_pmf, pmf_maximal_correlation

CHANNELS = [
    MixingChannel(A=0.6, dim=8),
    MixingChannel(A=0.6, base="gaussian", dim=8, jitter=PAPER_JITTER),
    GMMChannel.random(3, 8, rng=0),
    SparseBinaryChannel(density=0.2, flip=0.05, dim=8),
]


@pytest.mark.parametrize("channel", CHANNELS, ids=lambda c: type(c).__name__)
def test_api_shapes_and_reproducibility(channel):
    x0 = channel.sample_base(50, 1)
    x, y = channel.sample_pair(x0, 2)
    assert x.shape == y.shape == (50, channel.dim)
    assert x.dtype == np.float64
    again = channel.sample_pair(x0, np.random.default_rng(2))
    np.testing.assert_array_equal(again[0], x)
    assert not np.array_equal(x, y)  # two draws, not one view twice
    eta = channel.eta2()
    assert 0 <= eta.lower <= eta.value <= eta.upper <= 1


def test_base_samplers_have_the_stated_laws():
    x = laplace_base(40_000, 2, 0).ravel()
    g = gaussian_base(40_000, 2, 0).ravel()
    assert stats.kstest(x, stats.laplace.cdf).pvalue > 1e-4
    assert stats.kstest(g, stats.norm.cdf).pvalue > 1e-4


@pytest.mark.parametrize("base, var0", [("laplace", 2.0), ("gaussian", 1.0)])
def test_mixing_channel_moments(base, var0):
    # E[X X0] = A Var X0 and Var X = A² Var X0 + (1 - A²) (Laplace(0,1) has variance 2).
    A, n = 0.6, 200_000
    channel = MixingChannel(A=A, base=base, dim=1)
    x0 = channel.sample_base(n, 3)
    x = channel.sample(x0, 4)
    cross = x0[:, 0] * x[:, 0]
    assert abs(cross.mean() - A * var0) < 4 * cross.std() / math.sqrt(n)
    sq = x[:, 0] ** 2
    assert abs(sq.mean() - (A * A * var0 + 1 - A * A)) < 4 * sq.std() / math.sqrt(n)


def test_jitter_dropout_rate_and_scale_sharing():
    n, dim = 4000, 16
    x = np.ones((n, dim))
    dropped = Jitter(noise_std=0.0, dropout=0.1, log_scale_std=0.0).apply(x, 0)
    rate = np.mean(dropped == 0)
    assert abs(rate - 0.1) < 4 * math.sqrt(0.1 * 0.9 / x.size)
    shared = Jitter(noise_std=0.0, dropout=0.0, log_scale_std=0.1, scale_per="sample").apply(x, 1)
    per_coord = Jitter(noise_std=0.0, dropout=0.0, log_scale_std=0.1, scale_per="coordinate").apply(x, 1)
    assert np.allclose(shared, shared[:, :1])  # one scale per view
    assert not np.allclose(per_coord, per_coord[:, :1])
    assert abs(np.log(shared[:, 0]).std(ddof=1) - 0.1) < 4 * 0.1 / math.sqrt(2 * n)


def test_mixing_channel_eta2_values():
    assert MixingChannel(A=0.6, base="gaussian").eta2().value == pytest.approx(0.36, abs=1e-15)
    plain = MixingChannel(A=0.6).eta2()
    assert plain.value == pytest.approx(math.exp(-4 / 9), abs=1e-12)  # the tail edge at A = 0.6
    per_coord = MixingChannel(A=0.6, jitter=Jitter(scale_per="coordinate")).eta2()
    shared = MixingChannel(A=0.6, jitter=PAPER_JITTER).eta2()
    # The shared scale is bracketed by the per-coordinate values with and without the scale.
    assert shared.lower == pytest.approx(per_coord.value, abs=1e-9)
    assert shared.upper == pytest.approx(0.9 * math.exp(-0.68 / 1.44), abs=1e-5)
    assert shared.upper < plain.lower


def test_sparse_binary_eta2_is_the_z_channel_closed_form():
    channel = SparseBinaryChannel(density=0.1, flip=0.01)
    P = channel_pmf([0.9, 0.1], [[0.99, 0.01], [0.0, 1.0]])
    assert channel.eta2().value == pytest.approx(pmf_maximal_correlation(P) ** 2, abs=1e-12)
    assert channel.eta2().value == pytest.approx(binary_channel_maximal_correlation(0.1, 0.01, 0.0) ** 2)


def test_sparse_binary_flips_only_zeros_at_the_stated_rate():
    channel = SparseBinaryChannel(density=0.1, flip=0.02, dim=64)
    x0 = channel.sample_base(5000, 0)
    x = channel.sample(x0, 1)
    assert np.all(x[x0 == 1] == 1)
    zeros = x0 == 0
    rate = x[zeros].mean()
    assert abs(rate - 0.02) < 4 * math.sqrt(0.02 * 0.98 / zeros.sum())
    assert abs(x0.mean() - 0.1) < 4 * math.sqrt(0.09 / x0.size)


def _two_component_eta2(separation, std):
    """η₂ of X0 ∈ {0, 1} (equal weights), X | k ~ N(±separation/2, std²), by a fine discretized SVD."""
    grid = np.linspace(-separation / 2 - 12 * std, separation / 2 + 12 * std, 4001)
    dens = np.exp(-0.5 * ((grid[None, :] - np.array([[-separation / 2], [separation / 2]])) / std) ** 2)
    P = dens / dens.sum()
    return pmf_maximal_correlation(P) ** 2


def test_gmm_eta2_matches_an_independent_discretization():
    channel = GMMChannel(np.array([[-0.75], [0.75]]), std=1.0)
    eta = channel.eta2(n_per_component=20_000, seed=3)
    exact = _two_component_eta2(1.5, 1.0)
    assert abs(eta.value - exact) < 4 * eta.error + 2e-3
    assert 0 < eta.error < 0.02


def test_gmm_with_separated_components_has_eta2_one():
    # Positives from the same well separated component give η₂ -> 1.
    channel = GMMChannel.random(5, 64, mean_std=3.0, std=0.5, rng=1)
    assert channel.eta2(n_per_component=200).value > 1 - 1e-9


def test_gmm_posterior_and_labels():
    channel = GMMChannel.random(4, 3, rng=2)
    labels = channel.sample_base(100, 0)
    assert set(np.unique(labels)) <= {0.0, 1.0, 2.0, 3.0}
    post = channel.posterior(channel.sample(labels, 1))
    np.testing.assert_allclose(post.sum(axis=1), 1.0)
    with pytest.raises(ValueError, match="component indices"):
        channel.sample(np.array([[4.0]]), 0)


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: MixingChannel(A=1.5), r"\[-1, 1\]"),
        (lambda: MixingChannel(base="uniform"), "base"),
        (lambda: Jitter(dropout=1.0), "dropout"),
        (lambda: Jitter(scale_per="row"), "scale_per"),
        (lambda: Jitter(noise_std=-0.1), "noise_std"),
        (lambda: GMMChannel(np.zeros((1, 3))), "K >= 2"),
        (lambda: GMMChannel(np.zeros((2, 3)), weights=[0.5, 0.6]), "weights"),
        (lambda: SparseBinaryChannel(density=0.0), "density"),
        (lambda: MixingChannel().sample(np.zeros(5), 0), "shape"),
        (lambda: SparseBinaryChannel(dim=2).sample(np.full((2, 2), 0.5), 0), "binary"),
        (lambda: MixingChannel(dim=2).sample_base(0, 0), "n"),
        (lambda: MixingChannel(dim=2).sample(np.zeros((2, 2)), -1), "rng"),
    ],
)
def test_bad_input_raises(make, match):
    with pytest.raises(ValueError, match=match):
        make()
