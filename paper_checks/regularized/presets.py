"""Training presets of the regularized route on encoders (route 2: Theorem 1, Corollary 2): InfoNCE on the
directions plus the paper's regularizer β(−H + λE‖z‖²) with β = c·β₀(d, α, η₂) for c in :data:`REG_FACTORS`.

The ``REG-ENCODER-`` claims and ``infonce-gauss train --preset NAME`` share these definitions (see
:mod:`infonce_gauss.training_presets` for the profiles and how a preset is trained).
"""

from __future__ import annotations

from infonce_gauss.claim import Profile
from infonce_gauss.training_presets import Preset, Run, fmnist_images, image_run, synthetic_run

__all__ = ["REG_FACTORS", "PRESETS"]

REG_FACTORS = (0.0, 0.5, 1.0, 2.0, 4.0)  # β = c·β₀(d, α, η₂)


def _regularized_laplace(profile: Profile) -> list[Run]:
    """Same linear encoder and Laplace data (A = 0.6 without jitter: η₂ by quick quadrature) for each c."""
    size = profile.pick(quick={"n_train": 2048, "n_test": 2000, "dim": 256},
                        full={"n_train": 8000, "n_test": 5000, "dim": 1024},
                        gpu={"n_train": 20_000, "n_test": 5000, "dim": 1024})
    epochs = profile.pick(quick=10, full=30, gpu=150)
    d = profile.pick(quick=32, full=64, gpu=256)
    return [synthetic_run("laplace", label=f"c={c:g}", tags={"c": c, "d": d}, size={**size, "A": 0.6, "jitter": False},
                          out_dim=d, batch_size=128, epochs=epochs, diagnostics_every=epochs, reg_c=c,
                          eval_samples=size["n_test"]) for c in REG_FACTORS]


def _regularized_laplace_dims(profile: Profile) -> list[Run]:
    """The rate: fixed c = 1, d growing, else as :func:`_regularized_laplace`."""
    size = profile.pick(quick={"n_train": 2048, "n_test": 2000, "dim": 256},
                        full={"n_train": 8000, "n_test": 5000, "dim": 1024})
    epochs = profile.pick(quick=6, full=30, gpu=150)
    dims = profile.pick(quick=(8, 16, 32), full=(16, 64, 256))
    return [synthetic_run("laplace", label=f"d={d} c={c:g}", tags={"c": c, "d": d}, size={**size, "A": 0.6, "jitter": False},
                          out_dim=d, batch_size=128, epochs=epochs, diagnostics_every=epochs, reg_c=c,
                          eval_samples=size["n_test"]) for d in dims for c in (0.0, 1.0)]


def _regularized_fmnist(profile: Profile) -> list[Run]:
    """Same small CNN on the same Fashion-MNIST images (:func:`~infonce_gauss.training_presets.fmnist_images`) as
    the ``fmnist-`` presets, for each c; η₂ of SimCLR views is unknown: β₀ at η₂ = 0.5."""
    common = dict(encoder="cnn", width=profile.pick(quick=8, full=16, gpu=32), out_dim=64, batch_size=256,
                  epochs=profile.pick(quick=1, full=4, gpu=100), weight_decay=1e-4,
                  diagnostics_every=profile.pick(quick=1, full=4, gpu=10), reg_eta2=0.5,
                  eval_samples=profile.pick(quick=2000, full=5000, gpu=10_000))
    return [image_run("fashion-mnist", label=f"c={c:g}", tags={"c": c, "d": 64}, reg_c=c, data_options=fmnist_images(profile),
                      **common) for c in REG_FACTORS]


PRESETS: dict[str, Preset] = {p.name: p for p in (
    Preset("regularized-laplace", "Route 2: linear encoder on Laplace data (A = 0.6, no jitter), InfoNCE on the "
           "directions plus β(−H + λE‖z‖²), β = c·β₀ for c in {0, 0.5, 1, 2, 4}, λ = d/2 (kNN entropy of one view "
           "per batch)", "Theorem 1, Corollary 2", _regularized_laplace),
    Preset("regularized-laplace-dims", "Route 2 as d grows: regularized-laplace at c = 0 and c = 1 for several d",
           "Theorem 1 (bullet 3), Corollary 2", _regularized_laplace_dims),
    Preset("regularized-fmnist", "Route 2 on Fashion-MNIST: small CNN, SimCLR views, β = c·β₀(d, α, η₂ = 0.5) for c in "
           "{0, 0.5, 1, 2, 4}, λ = d/2", "Theorem 1, Corollary 2", _regularized_fmnist),
)}
