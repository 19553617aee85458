"""RankMe, α-ReQ and LiDAR against their papers' definitions on matrices built with a known spectrum."""

import math

import numpy as np
import pytest

from infonce_gauss.simulations.collapse import RANKME_EPS, alpha_req, lidar, rankme, rankme_from_gram
from infonce_gauss.simulations.geometry import effective_rank


def _orthonormal(n, d, seed, *, centred=False):
    """(n, d) orthonormal columns (orthogonal to the ones vector when ``centred``)."""
    a = np.random.default_rng(seed).standard_normal((n, d))
    if centred:
        a -= a.mean(axis=0)
    return np.linalg.qr(a)[0]


def _published_rankme(sigma, eps=RANKME_EPS):
    """Garrido et al. 2023, Eq. (1): p_k = σ_k / ||σ||_1 + ε, RankMe = exp(-Σ p_k log p_k)."""
    p = np.asarray(sigma) / np.sum(sigma) + eps
    return math.exp(-sum(pk * math.log(pk) for pk in p))


def test_rankme_is_the_entropy_of_the_singular_values():
    # Z = U diag(σ) Vᵀ with σ_k = 0.8^k: RankMe from the SVD of Z, and from ZᵀZ as the monitor keeps it, both equal
    # the published formula on σ; the effective rank of the eigenvalues σ² is smaller (a decaying spectrum)
    d = 24
    sigma = 0.8 ** np.arange(d)
    z = _orthonormal(500, d, 0) * sigma @ _orthonormal(d, d, 1).T
    expected = _published_rankme(sigma)
    assert rankme(z) == pytest.approx(expected, rel=1e-9)
    assert rankme_from_gram(z.T @ z) == pytest.approx(expected, rel=1e-9)
    assert effective_rank(sigma**2) < expected - 3
    # rtol: eigenvalues of ZᵀZ below rtol × the largest are rounding, taken as 0 (else the square root lifts them)
    lam = np.array([4.0, 2.0, 1.0, 1e-8, 1e-8])
    gram = _orthonormal(5, 5, 8) * lam @ _orthonormal(5, 5, 8).T
    assert rankme_from_gram(gram, rtol=1e-5) == pytest.approx(_published_rankme([2.0, 2 ** 0.5, 1.0, 0, 0]), rel=1e-9)
    assert rankme_from_gram(gram) == pytest.approx(_published_rankme(np.sqrt(lam)), rel=1e-6)


def test_rankme_limits():
    # equal singular values: p_k = 1/d + ε, RankMe = d (1 - O(dε)); rank one: p = (1 + ε, ε, ...) -> 1 + O(dε log ε)
    d = 16
    assert rankme(_orthonormal(100, d, 2)) == pytest.approx(d, rel=1e-5)
    assert rankme(np.outer(np.ones(100), np.arange(1, d + 1))) == pytest.approx(1.0, abs=5e-5)


@pytest.mark.parametrize("alpha", [0.5, 1.0, 2.3])
def test_alpha_req_recovers_the_exponent_of_an_exact_power_law(alpha):
    # embeddings whose sample covariance has eigenvalues exactly k^-alpha, k = 1..32
    n, d = 400, 32
    lam = np.arange(1, d + 1, dtype=float) ** -alpha
    z = _orthonormal(n, d, 3, centred=True) * np.sqrt(lam * (n - 1)) @ _orthonormal(d, d, 4).T
    eig = np.linalg.eigvalsh(np.cov(z.T))
    assert alpha_req(eig) == pytest.approx(alpha, rel=1e-9)
    assert alpha_req(eig, fit_range=(5, 20)) == pytest.approx(alpha, rel=1e-9)
    bent = eig * np.where(np.arange(d) < 16, 1.0, 0.01)  # a kink: the fit range changes the estimate
    assert alpha_req(bent, fit_range=(1, 8)) != pytest.approx(alpha_req(bent), rel=1e-2)
    with pytest.raises(ValueError, match="fit range"):
        alpha_req(eig, fit_range=(3, 3))
    tail = np.concatenate((eig, [1e-12, 3e-13]))  # rounding below rtol × the largest is left out of the fit
    assert alpha_req(tail, rtol=1e-9) == pytest.approx(alpha, rel=1e-9)


def test_lidar_on_a_closed_form_between_and_within_spectrum():
    # instance means with between-covariance exactly diag(a²) and two views μ ± w with within-covariance exactly I:
    # Σ_w + δI = (1 + δ) I, so the LiDAR matrix has eigenvalues a² / (1 + δ) (Thilak et al. 2023, Eqs. 2-4)
    n, d, delta = 300, 12, 1e-4
    a2 = np.linspace(0.2, 3.0, d)
    means = _orthonormal(n, d, 5, centred=True) * np.sqrt(a2 * (n - 1))
    w = _orthonormal(n, d, 6) * math.sqrt(n / 2)  # (1/(2n)) Σ (z - v)(z - v)ᵀ = (2/n) WᵀW = I
    views = np.stack((means + w, means - w), axis=1)
    lam = a2 / (1 + delta)
    p = lam / lam.sum() + RANKME_EPS
    assert lidar(views, delta=delta) == pytest.approx(math.exp(-np.sum(p * np.log(p))), rel=1e-9)


def test_lidar_is_invariant_under_an_invertible_linear_map():
    # Σ_w^-1 Σ_b is similar under z -> zAᵀ (δ = 0): LiDAR measures discriminability, not scale
    rng = np.random.default_rng(7)
    means = rng.standard_normal((200, 6)) * np.linspace(0.3, 2, 6)
    views = means[:, None, :] + 0.5 * rng.standard_normal((200, 3, 6))
    a = rng.standard_normal((6, 6)) + 3 * np.eye(6)
    assert lidar(views @ a.T, delta=0.0) == pytest.approx(lidar(views, delta=0.0), rel=1e-8)
    with pytest.raises(ValueError, match=r"\(n, q, d\)"):
        lidar(views[:, :1])
