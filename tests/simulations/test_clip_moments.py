"""The CLIP-moments summary: recovery of C from a whitening matrix made as in the W_CLIP release, the
summary of a Gaussian whose moments are known, the Wishart participation ratio, and the vendored file."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infonce_gauss.simulations.clip_moments import (MODALITIES, isotropic_sample_participation_ratio,
                                                    isotropic_sample_size_for, load_clip_moments,
                                                    spectrum_from_whitening, summarize, write_summary)


def _release_whitening(c):
    """W = Re(V) S^(-1/2) from a general (non-symmetric) eigensolver, sorted by descending eigenvalue, as in
    the release's whitening code."""
    vals, vecs = np.linalg.eig(c)
    order = np.argsort(-vals.real)
    return vecs.real[:, order] / np.sqrt(vals.real[order])


def _known_gaussian(d=12, seed=0):
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    lam = np.sort(rng.uniform(0.1, 5.0, d))[::-1]
    return q, lam, rng.standard_normal(d) * 2


def test_recovers_eigenvalues_and_covariance_from_a_release_style_whitening_matrix():
    q, lam, _ = _known_gaussian()
    c = (q * lam) @ q.T
    spec = spectrum_from_whitening(_release_whitening(c))
    np.testing.assert_allclose(spec.eigenvalues, lam, rtol=1e-12)
    np.testing.assert_allclose((spec.eigenvectors * spec.eigenvalues) @ spec.eigenvectors.T, c, atol=1e-12)
    w = _release_whitening(c)
    np.testing.assert_allclose(np.linalg.inv(w @ w.T), c, atol=1e-10)   # C = inv(W Wᵀ) for orthonormal V
    assert spec.orthogonality_defect < 1e-12 and spec.inverse_gap < 1e-10 and spec.duplicate_pairs == 0


def test_a_complex_pair_gives_equal_columns_a_singular_w_and_no_inverse_check():
    q, lam, _ = _known_gaussian()
    c = (q * lam) @ q.T
    # a non-symmetric perturbation inside the eigenspace of the two smallest eigenvalues, made equal:
    # the general eigensolver then returns a complex-conjugate pair, whose real parts coincide
    lam2 = lam.copy()
    lam2[-2:] = lam[-1]
    a, b = q[:, -2], q[:, -1]
    c = (q * lam2) @ q.T + 1e-3 * (np.outer(a, b) - np.outer(b, a))
    spec = spectrum_from_whitening(_release_whitening(c))
    assert spec.duplicate_pairs == 1 and np.isnan(spec.inverse_gap)
    np.testing.assert_allclose(spec.eigenvalues[:-2], lam[:-2], rtol=1e-9)  # the real eigenpairs are exact


def test_summary_of_a_gaussian_with_known_moments():
    q, lam, mu = _known_gaussian()
    s = summarize(mu, _release_whitening((q * lam) @ q.T))
    np.testing.assert_allclose(s["eigenvalues"], lam, rtol=1e-12)
    np.testing.assert_allclose(np.abs(s["mean_components"]), np.abs(q.T @ mu), rtol=1e-10)  # eigenvector signs free
    np.testing.assert_allclose(s["coordinate_variances"], np.diag((q * lam) @ q.T), rtol=1e-10)


def test_write_and_load_round_trip_and_the_moment_properties(tmp_path):
    torch = pytest.importorskip("torch")
    rows = {}
    for i, mod in enumerate(MODALITIES):
        q, lam, mu = _known_gaussian(d=10, seed=i)
        rows[mod] = (q, lam, mu)
        torch.save(torch.tensor(mu, dtype=torch.float32), tmp_path / f"mean_{mod}_L14.pt")
        torch.save(torch.tensor(_release_whitening((q * lam) @ q.T), dtype=torch.float32), tmp_path / f"w_mat_{mod}_L14.pt")
    got = load_clip_moments(write_summary(tmp_path, tmp_path / "out.npz"))
    for mod, (q, lam, mu) in rows.items():
        m = got[mod]
        mu32 = mu.astype(np.float32).astype(np.float64)
        assert m.trace == pytest.approx(lam.sum(), rel=1e-5)
        assert m.mean_norm_sq == pytest.approx(mu32 @ mu32, rel=1e-12)
        assert m.mean_share == pytest.approx(mu32 @ mu32 / (mu32 @ mu32 + lam.sum()), rel=1e-5)
        assert m.participation_ratio == pytest.approx(lam.sum() ** 2 / np.sum(lam**2), rel=1e-5)


def test_write_summary_refuses_a_folder_without_the_release_files(tmp_path):
    with pytest.raises(ValueError, match="w_mats"):
        write_summary(tmp_path, tmp_path / "out.npz")
    assert not (tmp_path / "out.npz").exists()


def test_isotropic_sample_participation_ratio_matches_wishart_simulation():
    d, n, reps = 20, 60, 4000
    rng = np.random.default_rng(3)
    x = rng.standard_normal((reps, n, d))
    s = np.einsum("rni,rnj->rij", x, x) / n           # n S ~ W_d(n, I)
    tr = np.trace(s, axis1=1, axis2=2)
    tr2 = np.einsum("rij,rji->r", s, s)
    # the Wishart moments behind the formula (Muirhead 1982, §3.2), within 4 Monte Carlo SE
    assert abs(tr2.mean() - d * (n + d + 1) / n) < 4 * tr2.std() / np.sqrt(reps)
    assert abs((tr**2).mean() - (d**2 + 2 * d / n)) < 4 * (tr**2).std() / np.sqrt(reps)
    assert (tr**2).mean() / tr2.mean() == pytest.approx(isotropic_sample_participation_ratio(d, n), rel=0.01)


@settings(max_examples=50, deadline=None)
@given(st.integers(2, 2000), st.integers(1, 10**6))
def test_isotropic_participation_ratio_is_below_d_increasing_and_inverted(d, n):
    pr = isotropic_sample_participation_ratio(d, n)
    assert 0 < pr < d and pr <= isotropic_sample_participation_ratio(d, n + 1)
    assert isotropic_sample_size_for(d, pr) == pytest.approx(n, rel=1e-9)


def test_vendored_summary_is_self_consistent():
    for mod, m in load_clip_moments().items():
        assert m.d == 768 and np.all(np.diff(m.eigenvalues) <= 0) and m.eigenvalues[-1] > 0
        # V is orthonormal to the stored defect, so the mean's components keep its norm
        assert np.sum(m.mean_components**2) == pytest.approx(m.mean_norm_sq, rel=1e-3)
        assert m.coordinate_variances.sum() == pytest.approx(m.trace, rel=1e-3)
        assert m.orthogonality_defect < 0.01 and m.resolved > 600


def test_write_summary_refuses_a_pickle_that_runs_code(tmp_path, planted):
    torch = pytest.importorskip("torch")
    payload, marker = planted
    for mod in MODALITIES:
        torch.save(torch.zeros(4), tmp_path / f"mean_{mod}_L14.pt")
        torch.save({"w": payload}, tmp_path / f"w_mat_{mod}_L14.pt")
    with pytest.raises(ValueError, match="w_mat_image_L14.pt is not a plain tensor file"):
        write_summary(tmp_path, tmp_path / "out.npz")
    assert not marker.exists() and not (tmp_path / "out.npz").exists()
