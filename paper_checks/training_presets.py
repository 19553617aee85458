"""Training presets: named training runs at three sizes, and how a preset is trained.

A :class:`Preset` lists its runs (a data set and a :class:`infonce_gauss.simulations.training.TrainConfig`)
for a profile: ``quick`` and ``full`` are CPU-sized (seconds and minutes), ``gpu`` is the paper's scale. Each
result declares its own presets, built with :func:`synthetic_run` and :func:`image_run` (the paper's
experiments in :mod:`infonce_gauss.empirical.presets`, the regularized route in
:mod:`infonce_gauss.regularized.presets`); :mod:`infonce_gauss.catalog` lists them all by name for
``infonce-gauss train --preset NAME``. :meth:`Preset.train` trains every run and writes one folder per run
(diagnostics.csv, checkpoint.pt, embeddings.npy, ...) when given an output folder; :func:`preset_rows`
flattens the diagnostics.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from infonce_gauss.claim import PROFILES, Profile

__all__ = ["Run", "Preset", "synthetic_run", "image_run", "fmnist_images", "build_task", "preset_rows"]


@dataclass(frozen=True)
class Run:
    """One training run: a label within its preset, the data set and its options, and the config."""

    label: str
    data: str
    config: object
    data_options: Mapping = field(default_factory=dict)
    tags: Mapping = field(default_factory=dict)


@dataclass(frozen=True)
class Preset:
    """A named experiment: ``runs(profile)`` lists its runs at a profile; ``paper_ref`` says where the paper has it."""

    name: str
    help: str
    paper_ref: str
    runs: Callable[[Profile], list]

    def runs_for(self, profile: str | Profile = "quick", *, epochs: int | None = None, device: str | None = None,
                 seed: int = 0) -> list[Run]:
        """The runs at ``profile``, with optional overrides of epochs, device and seed."""
        profile = PROFILES[profile] if isinstance(profile, str) else profile
        runs = []
        for run in self.runs(profile):
            changes = {"seed": seed}
            if epochs is not None:
                changes.update(epochs=epochs, diagnostics_every=max(1, min(run.config.diagnostics_every, epochs)))
            if device is not None:
                changes["device"] = device
            runs.append(dataclasses.replace(run, config=dataclasses.replace(run.config, **changes)))
        return runs

    def train(self, profile: str | Profile = "quick", *, seed: int = 0, out_dir=None, epochs=None, device=None,
              data_dir=None, progress: bool = True, resume: bool = False) -> list[tuple]:
        """Train every run; returns ``(run, task, result)`` per run. With ``out_dir``, each run writes into
        ``out_dir/<run label>/`` (see :func:`infonce_gauss.simulations.training.train`)."""
        from infonce_gauss.simulations.training import train

        done = []
        for run in self.runs_for(profile, epochs=epochs, device=device, seed=seed):
            task = build_task(run, seed=seed, data_dir=data_dir)
            folder = None if out_dir is None else Path(out_dir) / _folder(run.label)
            done.append((run, task, train(task, run.config, out_dir=folder, resume=resume, progress=progress)))
        return done

    def train_seeds(self, profile: str | Profile = "quick", *, seeds: int, seed: int = 0, out_dir=None, **options
                    ) -> dict[int, list[tuple]]:
        """Train every run once per replicate seed (:func:`infonce_gauss.simulations.replicates.replicate_seeds`
        of ``seed``): ``{replicate seed: train(...)}``; seeds, not coordinates, are a trained encoder's replicates.
        With ``out_dir``, replicate i writes into ``out_dir/seed-<i>/``. ``options`` as for :meth:`train`.

        Without ``out_dir`` (and without ``resume``), the replicates of a run that allows it (a linear or MLP
        encoder on synthetic pairs, :func:`infonce_gauss.simulations.batched.batchable`) train together as one
        batched model (:func:`~infonce_gauss.simulations.batched.train_batched`): the same results up to float
        rounding, at little more than the cost of one seed where one seed leaves the cores idle."""
        from infonce_gauss.simulations.replicates import replicate_seeds

        replicas = replicate_seeds(seed, seeds)
        if out_dir is not None or options.get("resume"):
            return {s: self.train(profile, seed=s, out_dir=Path(out_dir) / f"seed-{i}", **options)
                    for i, s in enumerate(replicas)}
        from infonce_gauss.simulations.batched import batchable, train_batched
        from infonce_gauss.simulations.training import train

        data_dir, progress = options.pop("data_dir", None), options.pop("progress", True)
        options.pop("resume", None)
        runs = {s: self.runs_for(profile, seed=s, **options) for s in replicas}
        done = {s: [] for s in replicas}
        for group in zip(*runs.values()):
            tasks = [build_task(run, seed=s, data_dir=data_dir) for run, s in zip(group, replicas)]
            configs = [run.config for run in group]
            results = (train_batched(tasks, configs, progress=progress) if batchable(tasks, configs) is None else
                       [train(t, c, progress=progress) for t, c in zip(tasks, configs)])
            for s, run, task, result in zip(replicas, group, tasks, results):
                done[s].append((run, task, result))
        return done


def _config(**kw):
    from infonce_gauss.simulations.training import TrainConfig

    return TrainConfig(**kw)


def synthetic_run(data: str, *, label: str, size: dict, tags: dict | None = None, **config) -> Run:
    """A run on the synthetic set ``data`` (``size``: its options), tagged ``{"run": label}`` unless ``tags``."""
    return Run(label=label, data=data, config=_config(**config), data_options=size, tags=tags or {"run": label})


def image_run(data: str, *, label: str, objective: str = "infonce", tags: dict | None = None, data_options=None,
              **config) -> Run:
    """A run on the image set ``data``, tagged ``{"objective": objective}`` unless ``tags``."""
    return Run(label=label, data=data, config=_config(objective=objective, **config), data_options=data_options or {},
               tags=tags or {"objective": objective})


def fmnist_images(profile: Profile) -> dict:
    """The Fashion-MNIST training images of every preset that trains on them: a subsample of 8192 (quick) or
    10 000 (full), all of them (gpu)."""
    return {"train_samples": profile.pick(quick=8192, full=10_000, gpu=None)}


@functools.lru_cache(maxsize=8)
def _synthetic_data(name: str, options: tuple, seed: int):
    from infonce_gauss.simulations.datasets import make_synthetic

    return make_synthetic(name, seed=seed, **dict(options))


@functools.lru_cache(maxsize=2)
def _image_data(name: str, data_dir: str | None):
    from infonce_gauss.simulations.datasets import load_images

    return load_images(name, data_dir)


def build_task(run: Run, *, seed: int, data_dir=None):
    """The training task of ``run``: synthetic data seeded with ``seed``, or images read from ``data_dir``."""
    from infonce_gauss.simulations.datasets import IMAGE_DATASETS
    from infonce_gauss.simulations.training import ImageTask, PairTask

    if run.data in IMAGE_DATASETS:
        from infonce_gauss.simulations.augment import SimCLRAugment

        options = dict(run.data_options)
        return ImageTask(_image_data(run.data, None if data_dir is None else str(data_dir)),
                         augment=SimCLRAugment(**options.pop("augment", {})), **options)
    return PairTask(_synthetic_data(run.data, tuple(sorted(run.data_options.items())), seed))


def _folder(label: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in label.replace("=", "")).strip("_")


def preset_rows(name: str, trained) -> list[dict]:
    """The diagnostics rows of all runs of a trained preset, each tagged with ``preset``, ``run``, the run's
    tags (e.g. ``d``, ``N``) and its encoder, objective, batch size and embedding dimension."""
    rows = []
    for run, _, result in trained:
        tags = {"preset": name, "run": run.label, **run.tags, "encoder": run.config.encoder,
                "objective": run.config.objective, "batch_size": run.config.batch_size, "out_dim": run.config.out_dim}
        rows += [{**tags, **row} for row in result.rows]
    return rows
