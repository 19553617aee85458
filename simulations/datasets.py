r"""The paper's data, generated or read from local files: never downloaded.

Synthetic sets (Sec. 5, App. E.1), built on the augmentation channels of
:mod:`infonce_gauss.simulations.channels`: base items :math:`X_0` drawn once with a seed, split into train and
test, and the channel that makes positive pairs :math:`X,Y\sim\mathcal A(\cdot|X_0)`.

Image sets, read from local files (numpy arrays of shape (n, C, H, W), uint8):

* CIFAR-10 from the standard python-pickle batches (``data_batch_1`` … ``data_batch_5``,
  ``test_batch``), in ``--data-dir`` or ``$INFONCE_GAUSS_CIFAR10``;
* Fashion-MNIST from Debian's ``dataset-fashion-mnist`` package
  (``/usr/share/datasets/fashion-mnist/*-ubyte.gz``), ``--data-dir`` or ``$INFONCE_GAUSS_FASHION_MNIST``;
* scikit-learn's bundled 8×8 digits (``pip install "infonce-gauss[digits]"``).

A missing data set raises :class:`DatasetMissing` (a ValueError) whose message says what to put where.
"""

from __future__ import annotations

import functools

import gzip
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from infonce_gauss.simulations.files import load_data_pickle

__all__ = [
    "DatasetMissing",
    "ImageData",
    "CIFAR10_ENV",
    "FASHION_MNIST_ENV",
    "FASHION_MNIST_SYSTEM_DIR",
    "load_cifar10",
    "load_fashion_mnist",
    "missing_reason",
    "load_digits",
    "load_images",
    "IMAGE_DATASETS",
    "SyntheticData",
    "SYNTHETIC",
    "make_synthetic",
]

CIFAR10_ENV = "INFONCE_GAUSS_CIFAR10"
FASHION_MNIST_ENV = "INFONCE_GAUSS_FASHION_MNIST"
FASHION_MNIST_SYSTEM_DIR = Path("/usr/share/datasets/fashion-mnist")
_CIFAR_TRAIN = tuple(f"data_batch_{i}" for i in range(1, 6))
_CIFAR_TEST = "test_batch"
_CIFAR_SUBDIR = "cifar-10-batches-py"
_FMNIST_FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
                 "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


class DatasetMissing(ValueError):
    """A data set is not where we looked; the message says what to put where."""


@dataclass(frozen=True)
class ImageData:
    """Train and test images (uint8, shape (n, C, H, W)) with integer labels, and where they came from."""

    name: str
    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    source: str

    @property
    def shape(self) -> tuple[int, int, int]:
        return tuple(self.train_images.shape[1:])

    @property
    def classes(self) -> int:
        return int(max(self.train_labels.max(), self.test_labels.max())) + 1


def _candidate_dir(data_dir, env: str) -> Path | None:
    chosen = data_dir if data_dir is not None else os.environ.get(env)
    return Path(chosen).expanduser() if chosen else None


# --- CIFAR-10 -----------------------------------------------------------------------------------

def _cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    batch = load_data_pickle(path)  # a pickle: read without running anything it names
    try:
        data = np.asarray(batch[b"data"], dtype=np.uint8)
        labels = np.asarray(batch[b"labels"], dtype=np.int64)
    except (KeyError, TypeError):
        raise DatasetMissing(f"{path} is not a CIFAR-10 python batch (a pickled dict with b'data' and b'labels').") from None
    if data.ndim != 2 or data.shape[1] != 3 * 32 * 32 or labels.shape != (data.shape[0],):
        raise DatasetMissing(f"{path}: expected data of shape (n, 3072) and n labels, got {data.shape} and {labels.shape}.")
    return data.reshape(-1, 3, 32, 32), labels


def load_cifar10(data_dir=None) -> ImageData:
    """CIFAR-10 (50k train, 10k test, 3×32×32) from the python-pickle batches.

    ``data_dir`` (else ``$INFONCE_GAUSS_CIFAR10``) is the folder holding ``data_batch_1`` …
    ``data_batch_5`` and ``test_batch``, or its parent holding ``cifar-10-batches-py/``.
    """
    root = _candidate_dir(data_dir, CIFAR10_ENV)
    how = (f"Put the CIFAR-10 python batches (data_batch_1 ... data_batch_5 and test_batch, from "
           f"'cifar-10-python.tar.gz') in one folder and pass it with --data-dir DIR or set {CIFAR10_ENV}=DIR.")
    if root is None:
        raise DatasetMissing(f"CIFAR-10 not found: no --data-dir given and {CIFAR10_ENV} is not set. {how}")
    folder = root / _CIFAR_SUBDIR if (root / _CIFAR_SUBDIR).is_dir() else root
    missing = [name for name in (*_CIFAR_TRAIN, _CIFAR_TEST) if not (folder / name).is_file()]
    if missing:
        raise DatasetMissing(f"CIFAR-10 not found in {folder}: missing {', '.join(missing)}. {how}")
    train = [_cifar_batch(folder / name) for name in _CIFAR_TRAIN]
    test_images, test_labels = _cifar_batch(folder / _CIFAR_TEST)
    return ImageData("cifar10", np.concatenate([t[0] for t in train]), np.concatenate([t[1] for t in train]),
                     test_images, test_labels, str(folder))


# --- Fashion-MNIST ------------------------------------------------------------------------------

def _read_idx(path: Path) -> np.ndarray:
    """An IDX file (LeCun's MNIST format: magic 0x0000 08 ndim, big-endian int32 sizes, uint8 data)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:
        raw = fh.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise DatasetMissing(f"{path} is not an unsigned-byte IDX file.")
    ndim = raw[3]
    dims = np.frombuffer(raw, dtype=">i4", count=ndim, offset=4).astype(int)
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise DatasetMissing(f"{path}: header says {tuple(dims)} but holds {data.size} bytes (truncated?).")
    return data.reshape(dims)


def _find_idx(folder: Path, stem: str) -> Path | None:
    for name in (stem + ".gz", stem):
        if (folder / name).is_file():
            return folder / name
    return None


def load_fashion_mnist(data_dir=None) -> ImageData:
    """Fashion-MNIST (60k train, 10k test, 1×28×28) from its IDX files (gzipped or not).

    Looks in ``data_dir``, else ``$INFONCE_GAUSS_FASHION_MNIST``, else Debian's
    ``/usr/share/datasets/fashion-mnist`` (``apt-get install dataset-fashion-mnist``).
    """
    folder = _candidate_dir(data_dir, FASHION_MNIST_ENV) or FASHION_MNIST_SYSTEM_DIR
    paths = {split: [_find_idx(folder, stem) for stem in stems] for split, stems in _FMNIST_FILES.items()}
    missing = [stem for split, stems in _FMNIST_FILES.items() for stem, p in zip(stems, paths[split]) if p is None]
    if missing:
        raise DatasetMissing(
            f"Fashion-MNIST not found in {folder}: missing {', '.join(s + '[.gz]' for s in missing)}. Install Debian's "
            f"package (apt-get install dataset-fashion-mnist, which puts them in {FASHION_MNIST_SYSTEM_DIR}), or put the "
            f"four IDX files in a folder and pass --data-dir DIR or set {FASHION_MNIST_ENV}=DIR.")
    arrays = {split: (_read_idx(p[0])[:, None], _read_idx(p[1]).astype(np.int64)) for split, p in paths.items()}
    return ImageData("fashion-mnist", *arrays["train"], *arrays["test"], str(folder))


# --- scikit-learn digits ------------------------------------------------------------------------

def load_digits(data_dir=None, *, test_fraction: float = 0.2, seed: int = 0) -> ImageData:
    """scikit-learn's bundled 1797 8×8 digits (values 0–16, rescaled to 0–255), split at random into
    train and test with ``seed``. Needs the ``digits`` extra (scikit-learn); ``data_dir`` is ignored."""
    try:
        from sklearn.datasets import load_digits as _sk_digits
    except ImportError:
        raise DatasetMissing("the digits data set needs scikit-learn: pip install 'infonce-gauss[digits]' (or pip install scikit-learn).") from None
    bunch = _sk_digits()
    images = np.round(bunch.images * (255 / 16)).astype(np.uint8)[:, None]
    labels = bunch.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(labels.size)
    cut = int(round(labels.size * (1 - test_fraction)))
    train, test = order[:cut], order[cut:]
    return ImageData("digits", images[train], labels[train], images[test], labels[test], "sklearn.datasets.load_digits")


IMAGE_DATASETS = {"cifar10": load_cifar10, "fashion-mnist": load_fashion_mnist, "digits": load_digits}


def missing_reason(name: str, data_dir=None) -> str | None:
    """Why image data set ``name`` cannot be loaded here (the :class:`DatasetMissing` message, which says what
    to install or where to put the files), or None when it loads."""
    try:
        load_images(name, data_dir)
    except DatasetMissing as exc:
        return str(exc)
    return None


def load_images(name: str, data_dir=None) -> ImageData:
    """An image data set by name (``cifar10``, ``fashion-mnist``, ``digits``)."""
    if name not in IMAGE_DATASETS:
        raise ValueError(f"unknown image data set {name!r}; choose one of {', '.join(IMAGE_DATASETS)}.")
    return IMAGE_DATASETS[name](data_dir)


# --- synthetic sets -------------------------------------------------------------

@dataclass(frozen=True)
class SyntheticData:
    """A seeded synthetic set: base items :math:`X_0` (train and test rows), the channel that makes
    positive pairs from them, class labels where the set has them (GMM components), and every
    parameter that made it (for reports)."""

    name: str
    train_base: np.ndarray
    test_base: np.ndarray
    channel: object
    params: dict
    train_labels: np.ndarray | None = None
    test_labels: np.ndarray | None = None

    @property
    def base_is_input(self) -> bool:
        """Whether a base item is itself an input of the encoder (Laplace, binary) or only indexes the
        law of the views (GMM: the base item is a component)."""
        return self.name != "gmm"


def _laplace(streams, n, *, dim, A=0.6, jitter=True, scale_per="sample"):
    from infonce_gauss.simulations.channels import Jitter, MixingChannel

    channel = MixingChannel(A=A, base="laplace", dim=dim, jitter=Jitter(scale_per=scale_per) if jitter else None)
    return channel, channel.sample_base(n, streams[1]), None


def _gmm(streams, n, *, dim, n_components=25, mean_std=1.0, std=1.0):
    from infonce_gauss.simulations.channels import GMMChannel

    channel = GMMChannel.random(n_components, dim, mean_std=mean_std, std=std, rng=streams[0])
    base = channel.sample_base(n, streams[1])
    return channel, base, base[:, 0].astype(np.int64)


def _binary(streams, n, *, dim, density=0.05, flip=0.001):
    from infonce_gauss.simulations.channels import SparseBinaryChannel

    channel = SparseBinaryChannel(density=density, flip=flip, dim=dim)
    return channel, channel.sample_base(n, streams[1]), None


def _mixing(base, streams, n, *, dim, A=0.6):
    from infonce_gauss.simulations.channels import MixingChannel

    channel = MixingChannel(A=A, base=base, dim=dim)
    return channel, channel.sample_base(n, streams[1]), None


SYNTHETIC = {"laplace": _laplace, "gmm": _gmm, "binary": _binary, "stable": functools.partial(_mixing, "stable"),
             "scale-mixture": functools.partial(_mixing, "scale-mixture")}


def make_synthetic(name: str, *, n_train: int = 10_000, n_test: int = 5000, dim: int = 1024, seed: int = 0,
                   **params) -> SyntheticData:
    r"""One of the paper's synthetic sets, generated from ``seed`` (Sec. 5, App. E.1).

    ``laplace``
        i.i.d. Laplace(0, 1) coordinates; views :math:`X=AX_0+\sqrt{1-A^2}\varepsilon` then the
        paper's jitter (noise 0.2, dropout 0.1, log-normal scale 0.1; Eq. 53). Parameters ``A``
        (0.6, the paper's default), ``jitter`` (True), ``scale_per`` (``"sample"``: one scale per view;
        the paper does not say, ``"coordinate"`` is the other reading).
    ``gmm``
        25 equally weighted components with means drawn once as :math:`N(0,\text{mean\_std}^2I)` and
        a shared isotropic covariance :math:`\text{std}^2I`; the base item is the component, positives
        are two draws from it. The paper states neither spread; we take ``mean_std = std = 1``
        (components far apart in 1024-d, so :math:`\eta_2\approx1`).
    ``binary``
        i.i.d. Bernoulli(``density``) coordinates; each view turns each zero into a one with probability
        ``flip`` = 0.001 (the paper's 0.1%). The paper does not state the density; we take 0.05
        (about 51 ones in 1024).

    ``stable``, ``scale-mixture``
        Controls whose linear embeddings are not Gaussian at initialization: i.i.d. symmetric α-stable
        coordinates (α = 1.5, infinite variance) or a Gaussian scale mixture (one log-normal scale per item);
        views :math:`X=AX_0+\sqrt{1-A^2}\varepsilon` (parameter ``A``, 0.6), no jitter, η₂ unknown.

    The base items are drawn as one sample of ``n_train + n_test`` rows, split in that order; the
    GMM means come from an independent stream, so they do not depend on the sizes.
    """
    if name not in SYNTHETIC:
        raise ValueError(f"unknown synthetic set {name!r}; choose one of {', '.join(SYNTHETIC)}.")
    from infonce_gauss.theory.validation import integer

    n_train = integer(n_train, "n_train", minimum=2)
    n_test = integer(n_test, "n_test", minimum=20)
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence([integer(seed, "seed", minimum=0), 7]).spawn(2)]
    try:
        channel, base, labels = SYNTHETIC[name](streams, n_train + n_test, dim=integer(dim, "dim", minimum=1), **params)
    except TypeError as exc:
        raise ValueError(f"bad parameter for the {name!r} set: {exc}") from None
    split = (None, None) if labels is None else (labels[:n_train], labels[n_train:])
    return SyntheticData(name, base[:n_train], base[n_train:], channel,
                         {"n_train": n_train, "n_test": n_test, "dim": dim, "seed": seed, **params}, *split)
