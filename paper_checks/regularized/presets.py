"""Training presets of the regularized route on encoders (route 2: Theorem 1, Corollary 2): InfoNCE on the
directions plus the paper's regularizer β(−H + λE‖z‖²) with β = c·β₀(d, α, η₂) for c in :data:`REG_FACTORS`, the
entropy H estimated by either instrument of :mod:`infonce_gauss.simulations.regularizer` (:data:`ARMS`).

The ``REG-ENCODER-`` claims and ``infonce-gauss train --preset NAME`` share these definitions (see
:mod:`infonce_gauss.training_presets` for the profiles and how a preset is trained).
"""

from __future__ import annotations

from infonce_gauss.claim import Profile
from infonce_gauss.training_presets import Preset, Run, fmnist_images, image_run, synthetic_run

__all__ = ["REG_FACTORS", "ARMS", "PRESETS"]

REG_FACTORS = (0.0, 1.0)  # β = c·β₀(d, α, η₂): the control and Theorem 1's threshold
ARMS = (("none", 0.0), ("knn", 1.0), ("radial", 1.0))  # (entropy instrument, c); c = 0 has no instrument
"""The arms of every route-2 preset: the unregularized control and β = β₀ with each entropy instrument
(:data:`infonce_gauss.simulations.regularizer.ESTIMATORS`)."""


def _arm_runs(make, encoders, dims=(None,)) -> list[Run]:
    """One run per (d, encoder, arm): ``make(label, tags, **config)``."""
    return [make(" ".join(filter(None, [f"d={d}" if d else "", encoder, estimator, f"c={c:g}"])),
                 {"encoder": encoder, "estimator": estimator, "c": c, **({"d": d} if d else {})},
                 encoder=encoder, reg_c=c, reg_estimator="knn" if estimator == "none" else estimator,
                 **({"out_dim": d} if d else {}))
            for d in dims for encoder in encoders for estimator, c in ARMS]


def _laplace(size: dict, epochs: int, d: int | None = None):
    def make(label, tags, **config):
        config.setdefault("out_dim", d)
        return synthetic_run("laplace", label=label, tags={"d": config["out_dim"], **tags},
                             size={**size, "A": 0.6, "jitter": False}, batch_size=128, epochs=epochs,
                             diagnostics_every=epochs, hidden=64, eval_samples=size["n_test"], **config)
    return make


def _regularized_laplace(profile: Profile) -> list[Run]:
    """The linear encoder and the free-norm encoder (linear direction, MLP norm: any radial law is realizable) on
    the same Laplace data (A = 0.6 without jitter: η₂ by quick quadrature), each with every arm of :data:`ARMS`."""
    size = profile.pick(quick={"n_train": 512, "n_test": 500, "dim": 256},
                        full={"n_train": 2048, "n_test": 2000, "dim": 256},
                        gpu={"n_train": 20_000, "n_test": 5000, "dim": 1024})
    make = _laplace(size, profile.pick(quick=4, full=20, gpu=150), d=profile.pick(quick=32, full=32, gpu=256))
    return _arm_runs(make, ("linear", "free-norm"))


def _regularized_laplace_dims(profile: Profile) -> list[Run]:
    """The d-trend: the free-norm encoder with every arm of :data:`ARMS` for several d, else as
    :func:`_regularized_laplace`."""
    size = profile.pick(quick={"n_train": 512, "n_test": 500, "dim": 256},
                        full={"n_train": 1024, "n_test": 2000, "dim": 256})
    make = _laplace(size, profile.pick(quick=3, full=20, gpu=150))
    return _arm_runs(make, ("free-norm",), dims=profile.pick(quick=(8, 16, 32), full=(8, 16, 32, 64)))


def _regularized_fmnist(profile: Profile) -> list[Run]:
    """Same small CNN on the same Fashion-MNIST images (:func:`~infonce_gauss.training_presets.fmnist_images`) as
    the ``fmnist-`` presets, with every arm of :data:`ARMS`; η₂ of SimCLR views is unknown: β₀ at η₂ = 0.5."""
    common = dict(width=profile.pick(quick=8, full=8, gpu=32), out_dim=64, batch_size=256,
                  epochs=profile.pick(quick=1, full=2, gpu=100), weight_decay=1e-4,
                  diagnostics_every=profile.pick(quick=1, full=2, gpu=10), reg_eta2=0.5,
                  eval_samples=profile.pick(quick=2000, full=3000, gpu=10_000))

    def make(label, tags, **config):
        return image_run("fashion-mnist", label=label, tags={"d": 64, **tags}, data_options=fmnist_images(profile),
                         **common, **config)
    return _arm_runs(make, ("cnn",))


PRESETS: dict[str, Preset] = {p.name: p for p in (
    Preset("regularized-laplace", "Route 2: linear and free-norm encoders on Laplace data (A = 0.6, no jitter), InfoNCE "
           "on the directions, unregularized or plus β(−H + λE‖z‖²) at β = β₀ with the kNN or the radial entropy "
           "instrument (one view per batch), λ = d/2", "Theorem 1, Corollary 2, Prop 3", _regularized_laplace),
    Preset("regularized-laplace-dims", "Route 2 as d grows: the free-norm encoder of regularized-laplace, every arm, "
           "for several d", "Theorem 1 (bullet 3), Corollary 2", _regularized_laplace_dims),
    Preset("regularized-fmnist", "Route 2 on Fashion-MNIST: small CNN, SimCLR views, unregularized or β = β₀(d, α, "
           "η₂ = 0.5) with the kNN or the radial instrument, λ = d/2", "Theorem 1, Corollary 2", _regularized_fmnist),
)}
