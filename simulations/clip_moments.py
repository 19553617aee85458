r"""The authors' own first two moments of CLIP ViT-L/14 embeddings, vendored from the W_CLIP release.

Betser, Levi & Gilboa, "Whitened CLIP as a Likelihood Surrogate of Images and Captions" (ICML 2025,
arXiv 2505.06934; CC BY 4.0, attribution in ``data/W_CLIP_SOURCE.md``) released, for the image and the
text encoder of CLIP ViT-L/14 on a reference set (MS-COCO), the mean :math:`m` of the embeddings and a
whitening matrix :math:`W` (768 × 768) made as follows: :math:`C=\operatorname{cov}(x-m)`, a general
eigendecomposition :math:`C=VSV^{-1}` with unit-norm eigenvector columns, sorted by descending
eigenvalue, and :math:`W=\operatorname{Re}(V)\,S^{-1/2}`. Column i of W is therefore
:math:`v_i/\sqrt{\lambda_i}`, so for every real eigenpair

.. math:: \lambda_i = 1/\|w_i\|^2,\qquad v_i = w_i/\|w_i\|,

with no inversion (:func:`spectrum_from_whitening`). Where V is orthonormal this is the spectrum of
:math:`(WW^\top)^{-1}=VSV^\top=C`; the release's V need not be (a complex-conjugate pair, whose real
parts were kept, gives two equal columns and a singular W), so the reading is checked twice: the
orthonormality defect :math:`\max|V_R^\top V_R-I|` on the resolved directions R, and, where W is
invertible, the gap between the spectrum of :math:`(WW^\top)^{-1}` and :math:`1/\|w_i\|^2`.

:func:`summarize` reduces (m, W) to what the claims need: the eigenvalues, the mean, the mean's
components :math:`V^\top m` in the eigenbasis and the coordinate variances :math:`\operatorname{diag}C`;
:func:`write_summary` regenerates the vendored file from the release's folder ``w_mats/``
(``python -m infonce_gauss.simulations.clip_moments W_MATS_FOLDER OUT.npz``, needs torch to read the
``.pt`` files) and :func:`load_clip_moments` reads it back.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from infonce_gauss.simulations.files import atomic_write, load_torch_file
from infonce_gauss.simulations.geometry import spectrum_summary

__all__ = ["MODALITIES", "SUMMARY_PATH", "WhiteningSpectrum", "ClipMoments", "spectrum_from_whitening",
           "summarize", "write_summary", "load_clip_moments", "isotropic_sample_participation_ratio",
           "isotropic_sample_size_for"]

MODALITIES = ("image", "text")
SUMMARY_PATH = Path(__file__).resolve().parent / "data" / "w_clip_vitl14_moments.npz"
# Eigenvalues below this fraction of the largest are left out of the orthonormality check: a float32
# covariance resolves eigenvalues only to about 1e-7 of its norm, and near-equal tiny ones mix.
RESOLVED_FRACTION = 1e-4


@dataclass(frozen=True)
class WhiteningSpectrum:
    """The covariance spectrum read off a whitening matrix W = V S^{-1/2} (columns in descending λ).

    Attributes
    ----------
    eigenvalues, eigenvectors
        λ_i = 1/‖w_i‖² (descending) and the unit columns v_i = w_i/‖w_i‖.
    resolved
        Boolean mask λ_i > RESOLVED_FRACTION · λ_1.
    orthogonality_defect
        max |V_Rᵀ V_R − I| over the resolved columns (0 for an exactly orthonormal V).
    duplicate_pairs
        Pairs of columns with |v_iᵀ v_j| > 0.999 (the real parts of a complex-conjugate pair).
    inverse_gap
        max_i |λ_i((WWᵀ)⁻¹) − λ_i| / λ_i over the resolved i, from the singular values of W; NaN where
        W is numerically singular (then (WWᵀ)⁻¹ does not exist and only the column reading is left).
    """

    eigenvalues: np.ndarray
    eigenvectors: np.ndarray
    resolved: np.ndarray
    orthogonality_defect: float
    duplicate_pairs: int
    inverse_gap: float


def spectrum_from_whitening(w) -> WhiteningSpectrum:
    """Eigenvalues and eigenvectors of C from W = V S^{-1/2}, with the two checks of the module docstring."""
    w = np.asarray(w, dtype=np.float64)
    if w.ndim != 2 or w.shape[0] != w.shape[1] or not np.all(np.isfinite(w)):
        raise ValueError(f"the whitening matrix must be a finite square array, got shape {w.shape}.")
    norms = np.linalg.norm(w, axis=0)
    if np.any(norms == 0):
        raise ValueError("the whitening matrix has a zero column: it was not made as W = V S^(-1/2).")
    lam = 1.0 / norms**2
    order = np.argsort(-lam, kind="stable")
    lam, v = lam[order], (w / norms)[:, order]
    resolved = lam > RESOLVED_FRACTION * lam[0]
    gram = v[:, resolved].T @ v[:, resolved]
    defect = float(np.max(np.abs(gram - np.eye(gram.shape[0]))))
    full = np.abs(v.T @ v)
    np.fill_diagonal(full, 0.0)
    duplicates = int(np.count_nonzero(np.triu(full > 0.999)))
    sv = np.linalg.svd(w, compute_uv=False)
    if sv[-1] > sv[0] * w.shape[0] * np.finfo(np.float64).eps:
        lam_inv = np.sort(1.0 / sv**2)[::-1]
        gap = float(np.max(np.abs(lam_inv[resolved] - lam[resolved]) / lam[resolved]))
    else:
        gap = float("nan")
    return WhiteningSpectrum(eigenvalues=lam, eigenvectors=v, resolved=resolved, orthogonality_defect=defect,
                             duplicate_pairs=duplicates, inverse_gap=gap)


def summarize(mean, w) -> dict[str, np.ndarray]:
    """The vendored summary of one encoder: eigenvalues, mean, V^T m, diag C and the recovery checks."""
    m = np.asarray(mean, dtype=np.float64).ravel()
    spec = spectrum_from_whitening(w)
    if m.shape != (spec.eigenvalues.size,):
        raise ValueError(f"the mean has {m.size} entries, the whitening matrix {spec.eigenvalues.size} columns.")
    return {"eigenvalues": spec.eigenvalues, "mean": m, "mean_components": spec.eigenvectors.T @ m,
            "coordinate_variances": (spec.eigenvectors**2) @ spec.eigenvalues,
            "orthogonality_defect": np.float64(spec.orthogonality_defect),
            "duplicate_pairs": np.int64(spec.duplicate_pairs), "inverse_gap": np.float64(spec.inverse_gap),
            "resolved": np.int64(spec.resolved.sum())}


def write_summary(folder, out=SUMMARY_PATH) -> Path:
    """Summarize the release's ``mean_{image,text}_L14.pt`` and ``w_mat_{image,text}_L14.pt`` in ``folder``
    (the W_CLIP release, folder ``w_mats/``) into the npz ``out`` (keys ``<modality>_<field>``)."""
    import torch

    folder = Path(folder)
    arrays = {}
    for modality in MODALITIES:
        paths = [folder / f"mean_{modality}_L14.pt", folder / f"w_mat_{modality}_L14.pt"]
        if missing := [p.name for p in paths if not p.is_file()]:
            raise ValueError(f"{folder} lacks {', '.join(missing)}: give the release's folder w_mats/.")
        mean, w = (load_torch_file(p, what="a plain tensor file", remedy="give the release's original file.")
                   for p in paths)
        summary = summarize(torch.as_tensor(mean).double().numpy(), torch.as_tensor(w).double().numpy())
        arrays.update({f"{modality}_{k}": v for k, v in summary.items()})
    return atomic_write(out, lambda fh: np.savez_compressed(fh, **arrays))


@dataclass(frozen=True)
class ClipMoments:
    r"""First two moments of one CLIP encoder's embeddings z (mean m, covariance C with eigenvalues λ).

    ``second_moment`` is :math:`E\|z\|^2=\|m\|^2+\operatorname{tr}C` (1 for L2-normalized embeddings);
    ``mean_share`` is :math:`\|m\|^2/E\|z\|^2`, which equals :math:`\|E u\|^2` for u = z/‖z‖ when the radius
    is constant (0 for the uniform sphere); ``participation_ratio`` is :math:`(\sum\lambda)^2/\sum\lambda^2`
    (d for an isotropic covariance).
    """

    modality: str
    eigenvalues: np.ndarray
    mean: np.ndarray
    mean_components: np.ndarray
    coordinate_variances: np.ndarray
    orthogonality_defect: float
    duplicate_pairs: int
    inverse_gap: float
    resolved: int

    @property
    def d(self) -> int:
        return int(self.eigenvalues.size)

    @property
    def mean_norm_sq(self) -> float:
        return float(self.mean @ self.mean)

    @property
    def trace(self) -> float:
        return float(self.eigenvalues.sum())

    @property
    def second_moment(self) -> float:
        return self.mean_norm_sq + self.trace

    @property
    def mean_share(self) -> float:
        return self.mean_norm_sq / self.second_moment

    @property
    def spectrum(self) -> dict:
        """:func:`~infonce_gauss.simulations.geometry.spectrum_summary` of the eigenvalues."""
        return spectrum_summary(self.eigenvalues)

    @property
    def participation_ratio(self) -> float:
        return self.spectrum["participation_ratio"]

    def mean_share_in_top(self, k: int) -> float:
        """Fraction of ‖m‖² along the k leading eigenvectors of C."""
        return float(np.sum(self.mean_components[:k] ** 2) / self.mean_norm_sq)


def load_clip_moments(path=SUMMARY_PATH) -> dict[str, ClipMoments]:
    """The vendored summary (or one written by :func:`write_summary`), one :class:`ClipMoments` per modality."""
    with np.load(path) as data:
        return {mod: ClipMoments(
            modality=mod, eigenvalues=data[f"{mod}_eigenvalues"], mean=data[f"{mod}_mean"],
            mean_components=data[f"{mod}_mean_components"], coordinate_variances=data[f"{mod}_coordinate_variances"],
            orthogonality_defect=float(data[f"{mod}_orthogonality_defect"]),
            duplicate_pairs=int(data[f"{mod}_duplicate_pairs"]), inverse_gap=float(data[f"{mod}_inverse_gap"]),
            resolved=int(data[f"{mod}_resolved"]))
            for mod in MODALITIES}


def isotropic_sample_participation_ratio(d: int, n: int) -> float:
    r"""Participation ratio of the sample covariance of n + 1 draws of an isotropic law, to leading order.

    For :math:`nS\sim W_d(n, sI)`: :math:`E\operatorname{tr}S^2=s^2d(n+d+1)/n` and
    :math:`E(\operatorname{tr}S)^2=s^2(d^2+2d/n)` (Wishart moments, e.g. Muirhead 1982, §3.2), so the ratio
    of expectations is :math:`(dn+2)/(n+d+1)`: d as n → ∞, deflated by the sample's own noise.
    """
    return (d * n + 2) / (n + d + 1)


def isotropic_sample_size_for(d: int, participation_ratio: float) -> float:
    """The n at which :func:`isotropic_sample_participation_ratio` falls to ``participation_ratio``: an
    isotropic covariance shows a participation ratio that low only from about n + 1 draws or fewer."""
    pr = float(participation_ratio)
    if not 0 < pr < d:
        raise ValueError(f"a participation ratio below d = {d} is needed, got {pr}.")
    return (pr * (d + 1) - 2) / (d - pr)


if __name__ == "__main__":  # regenerate the vendored summary: python -m ... W_MATS_FOLDER [OUT.npz]
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: python -m infonce_gauss.simulations.clip_moments W_MATS_FOLDER [OUT.npz]")
    try:
        print(write_summary(*sys.argv[1:]))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
