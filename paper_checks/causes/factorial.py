r"""The factorial of trained encoders: input law × encoder × objective, each cell against its initialization.

Inputs whose linear embeddings are far from Gaussian at initialization (a Gaussian scale mixture, sparse binary
at low density, α-stable coordinates, four separated clusters) stand beside the paper's Laplace input, the CLT
reference (Gaussian already at initialization); encoders linear and MLP; objectives InfoNCE at τ = 0.1 and 0.5,
Wang & Isola's alignment and uniformity terms alone, VICReg. Beside them, the CNN cells: Fashion-MNIST images
(Debian's ``dataset-fashion-mnist``; absent data leaves the CNN cells out, :func:`cnn_missing`) through the suite's
small CNN, trained with InfoNCE, VICReg and the supervised cross-entropy control (the suite's ``supervised``
objective, as EMP-FMNIST's), the only cells with labels. Every cell is trained over k replicate seeds
(:meth:`infonce_gauss.training_presets.Preset.train_seeds`: one batched model per synthetic cell; the CNN is not
batchable and loops over its seeds); the epoch-0 row of a run is its initialization (the same network and data for
every objective of a seed). Per cell and seed it records the run's
:func:`~infonce_gauss.simulations.training.embedding_diagnostics` at initialization and at the end, and the route-1
quantities of :func:`route1`.

The replicate seeds derive from the run's seed (:func:`factorial_seed`), so the claims of one run share one training
(cached per profile and run seed in the process: each worker process of ``infonce-gauss claims --jobs J`` trains its
own copy, so ``--jobs 1`` trains it once) and one table. Sizes: inputs of dimension 64 (sparse binary 256), d = 16,
MLP width 64, N = 128, Adam at 5·10⁻³; quick 3 seeds × 8 epochs of 1024 items, full 5 seeds × 20 epochs of 2048
items.

The CNN cells are sized to the claims' time budget, not to the paper: width 8, d = 16 (the factorial's), N = 128,
Adam at 5·10⁻³ with weight decay 10⁻⁴, SimCLR views; quick 2 epochs of 1024 training images (16 steps) with
InfoNCE at τ = 0.1 only, full 3 epochs of 2048 images (48 steps) with both temperatures; 500 / 1000 test images
evaluated (each claim's run records its wall time). What that trades: the CNN is far from converged (EMP-FMNIST's
"partially collapsed" state: at initialization its directions crowd into a cone, d·E[(u·u′)²] near d), so its cells
say what the first steps of each objective do from that start, not where training ends; paper-scale epochs need the
gpu profile's ResNet-18 (EMP-FMNIST), which this factorial does not run.
"""

from __future__ import annotations

import dataclasses
import functools
import math

import numpy as np

from infonce_gauss.claim import PROFILES, Profile
from infonce_gauss.training_presets import Preset, fmnist_images, image_run, synthetic_run

__all__ = ["INPUTS", "REFERENCE", "ENCODERS", "OBJECTIVES", "PAIR_OBJECTIVES", "IMAGES", "CNN", "D", "PRESET",
           "CNN_PRESET", "seeds", "cnn_objectives", "factorial_seed", "cnn_missing", "factorial", "route1", "STATS"]

FACTORIAL_STREAM = 28  # the factorial's key under the run seed (issue 28): factorial_seed(run_seed)
D = 16  # the embedding dimension of every cell
REFERENCE = "laplace"
INPUTS = {  # label: (synthetic set, its options)
    "laplace": ("laplace", {"dim": 64}),  # the paper's channel (A = 0.6, the E.1 jitter): the CLT reference
    "scale-mixture": ("scale-mixture", {"dim": 64}),
    "sparse-binary": ("binary", {"dim": 256, "density": 0.008}),
    "stable": ("stable", {"dim": 64}),
    "clusters": ("gmm", {"dim": 64, "n_components": 4, "mean_std": 1.0, "std": 0.25}),
}
ENCODERS = ("linear", "mlp")  # the synthetic inputs' encoders
IMAGES, CNN = "fashion-mnist", "cnn"  # the image input and its encoder
OBJECTIVES = {  # label: TrainConfig options
    "infonce τ=0.1": {"objective": "infonce", "tau": 0.1},
    "infonce τ=0.5": {"objective": "infonce", "tau": 0.5},
    "alignment": {"objective": "alignment"},
    "uniformity": {"objective": "uniformity"},
    "vicreg": {"objective": "vicreg"},
    "cross-entropy": {"objective": "supervised"},  # the supervised control, where labels exist (the CNN cells)
}
PAIR_OBJECTIVES = ("infonce τ=0.1", "infonce τ=0.5", "alignment", "uniformity", "vicreg")  # the synthetic cells'
INIT = "init"
STATS = ("m_sq", "d_neg_cos_sq", "alignment", "align_bound", "norm_ad_avg", "norm_dp_avg", "sliced_ep_p",
         "ad_avg", "dp_avg", "cv", "cv_chi", "kurt_measured", "kurt_predicted", "kurt_sphere")


def _runs(profile: Profile) -> list:
    size = {"n_train": profile.pick(quick=1024, full=2048), "n_test": profile.pick(quick=500, full=1000)}
    return [synthetic_run(data, label=f"{name} {encoder} {objective}", size={**size, **options},
                          tags={"input": name, "encoder": encoder, "objective_label": objective},
                          encoder=encoder, out_dim=D, hidden=64, batch_size=128, lr=5e-3,
                          epochs=profile.pick(quick=8, full=20), diagnostics_every=profile.pick(quick=8, full=20),
                          eval_samples=profile.pick(quick=500, full=1000), device="cpu", **config)
            for name, (data, options) in INPUTS.items() for encoder in ENCODERS
            for objective, config in ((o, OBJECTIVES[o]) for o in PAIR_OBJECTIVES)]


def cnn_objectives(profile: Profile) -> tuple[str, ...]:
    """The CNN cells' objectives: InfoNCE at τ = 0.1 (and 0.5 outside the quick profile), VICReg, cross-entropy."""
    return ("infonce τ=0.1", *profile.pick(quick=(), full=("infonce τ=0.5",)), "vicreg", "cross-entropy")


def _cnn_runs(profile: Profile) -> list:
    data = {**fmnist_images(profile), "train_samples": profile.pick(quick=1024, full=2048)}
    epochs = profile.pick(quick=2, full=3)
    return [image_run(IMAGES, label=f"{IMAGES} {CNN} {objective}", data_options=data,
                      tags={"input": IMAGES, "encoder": CNN, "objective_label": objective}, encoder=CNN, width=8,
                      out_dim=D, batch_size=128, lr=5e-3, weight_decay=1e-4, epochs=epochs, diagnostics_every=epochs,
                      eval_samples=profile.pick(quick=500, full=1000), device="cpu", **OBJECTIVES[objective])
            for objective in cnn_objectives(profile)]


PRESET = Preset("causes-factorial", "the factorial of issue 28: five input laws x linear/MLP x five objectives, "
                "d = 16, N = 128 (CPU-sized in every profile)", "title; Sec. 3–4 (the causal chain)", _runs)
CNN_PRESET = Preset("causes-cnn", "the factorial's CNN cells: Fashion-MNIST subsample, small CNN (width 8), d = 16, "
                    "InfoNCE, VICReg and cross-entropy, a few epochs (CPU-sized in every profile; Debian's "
                    "dataset-fashion-mnist)", "title; Sec. 3–4 (the causal chain); Table 1 (CIFAR rows, stand-in)",
                    _cnn_runs)


def seeds(profile: Profile) -> int:
    """Replicate seeds per cell: 3 (quick), 5 (full)."""
    return profile.pick(quick=3, full=5)


def factorial_seed(run_seed: int) -> int:
    """The factorial's base seed for the run seeded ``run_seed`` (``infonce-gauss claims --seed``):
    :func:`~infonce_gauss.simulations.sampling.derive_seed` of it and :data:`FACTORIAL_STREAM`; its replicate seeds
    are :func:`~infonce_gauss.simulations.replicates.replicate_seeds` of this one."""
    from infonce_gauss.simulations.sampling import derive_seed

    return derive_seed(run_seed, FACTORIAL_STREAM)


@functools.lru_cache(maxsize=1)
def cnn_missing() -> str | None:
    """Why the CNN cells cannot run here (Fashion-MNIST not found: what to install), or None. Cached."""
    from infonce_gauss.simulations.datasets import missing_reason

    return missing_reason(IMAGES)


def route1(u: np.ndarray, *, directions: np.ndarray, seed: int, samples: int = 20_000) -> dict:
    r"""Route 1 as a prediction: fixed projections :math:`w\cdot u` of the normalized embedding (rows ``u``) against
    the law they would have if the directions were as uniform as measured, and no less.

    * ``kurt_measured``: the mean over the fixed unit ``directions`` (columns) of the excess kurtosis of
      :math:`w\cdot u` (the bias-corrected sample estimator, as for the prediction: at n = 500 the plain one is
      low by about 6/n).
    * ``kurt_sphere``: its exact value for the uniform law on :math:`S^{d-1}`, :math:`-6/(d+2)`
      (:func:`infonce_gauss.theory.sphere.projected_excess_kurtosis`).
    * ``kurt_predicted``: its value for the angular Gaussian law with the measured mean and covariance of u
      (:math:`u'=g/\|g\|`, :math:`g\sim N(\hat\mu,\hat\Sigma)`; ``samples`` draws seeded with ``seed``), the sphere
      law plus the contribution of the measured non-uniformity up to second order (``kurt_predicted_se``: its
      Monte Carlo standard error over the directions' mean).
    * ``sliced_ep_p``: the Bonferroni p-value of Epps–Pulley on the projections
      (:func:`infonce_gauss.simulations.sliced.sliced_epps_pulley`).
    """
    from scipy import stats

    from infonce_gauss.simulations.sliced import sliced_epps_pulley
    from infonce_gauss.theory.sphere import projected_excess_kurtosis

    d = u.shape[1]
    measured = stats.kurtosis(u @ directions, axis=0, bias=False)
    rng = np.random.default_rng(seed)
    g = rng.multivariate_normal(u.mean(axis=0), np.cov(u, rowvar=False), size=samples, method="eigh")
    predicted = stats.kurtosis((g / np.linalg.norm(g, axis=1, keepdims=True)) @ directions, axis=0, bias=False)
    return {"kurt_measured": float(measured.mean()), "kurt_predicted": float(predicted.mean()),
            "kurt_predicted_se": float(predicted.std(ddof=1) / math.sqrt(predicted.size)),
            "kurt_sphere": float(projected_excess_kurtosis(d)), "sliced_ep_p": sliced_epps_pulley(u @ directions).pvalue}


def _cell_row(run, *, stage: str, row: dict, z: np.ndarray, seed: int, directions) -> dict:
    from infonce_gauss.simulations.sampling import normalize_rows
    from infonce_gauss.theory.sphere import chi_norm_moments

    return {"input": run.tags["input"], "encoder": run.tags["encoder"],
            "objective": INIT if stage == INIT else run.tags["objective_label"], "stage": stage, "seed": seed,
            **{k: row[k] for k in ("m_sq", "d_neg_cos_sq", "alignment", "align_bound", "norm_ad_avg", "norm_dp_avg",
                                   "ad_avg", "dp_avg", "cv", "d", "n")},
            "cv_chi": chi_norm_moments(row["d"]).cv,
            **route1(normalize_rows(z, zero="raise"), directions=directions, seed=seed)}


@functools.lru_cache(maxsize=2)
def factorial(profile_name: str, run_seed: int) -> tuple[dict, ...]:
    """The factorial's table at ``profile_name`` for the run seeded ``run_seed``: one row per (input, encoder,
    objective, seed) for the trained cells and one per (input, encoder, seed) for the initialization (``objective``
    = ``init``); columns :data:`STATS` and their labels. The CNN cells are there when :func:`cnn_missing` is None.
    Cached: the claims of one run share it."""
    from infonce_gauss.simulations.device import one_torch_thread
    from infonce_gauss.simulations.projections import random_directions
    from infonce_gauss.simulations.sampling import derive_seed
    from infonce_gauss.simulations.training import train

    profile = PROFILES[profile_name]
    trained = {}
    with one_torch_thread():
        for preset in (PRESET, *(() if cnn_missing() else (CNN_PRESET,))):
            for seed, runs in preset.train_seeds(profile, seeds=seeds(profile), seed=factorial_seed(run_seed),
                                                 progress=False).items():
                trained.setdefault(seed, []).extend(runs)
    rows, initial = [], set()
    for seed, runs in trained.items():
        directions = random_directions(D, D, rng=derive_seed(seed, 1))
        for run, task, result in runs:
            key = (run.tags["input"], run.tags["encoder"], seed)
            if key not in initial:  # the same network and data for every objective of this seed: train 0 epochs
                initial.add(key)
                with one_torch_thread():
                    init = train(task, dataclasses.replace(run.config, epochs=0), progress=False, monitor=False)
                rows.append(_cell_row(run, stage=INIT, row=init.final, z=init.embeddings, seed=seed,
                                      directions=directions))
            rows.append(_cell_row(run, stage="trained", row=result.final, z=result.embeddings,
                                  seed=seed, directions=directions))
    return tuple(rows)
