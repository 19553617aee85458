"""Data: the synthetic sets (seeded, parameters exposed) and the image loaders on tiny files in the
standard formats (CIFAR-10 python pickles, IDX), plus the real Debian Fashion-MNIST package when present."""

import gzip
import pickle
import struct

import numpy as np
import pytest

from infonce_gauss.simulations.datasets import (
    CIFAR10_ENV,
    FASHION_MNIST_SYSTEM_DIR,
    DatasetMissing,
    load_cifar10,
    load_digits,
    load_fashion_mnist,
    load_images,
    make_synthetic,
)


# --- synthetic ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["laplace", "gmm", "binary"])
def test_synthetic_sets_are_seeded_and_split(name):
    a = make_synthetic(name, n_train=50, n_test=30, dim=16, seed=3)
    b = make_synthetic(name, n_train=50, n_test=30, dim=16, seed=3)
    c = make_synthetic(name, n_train=50, n_test=30, dim=16, seed=4)
    assert a.train_base.shape[0] == 50 and a.test_base.shape[0] == 30
    assert np.array_equal(a.train_base, b.train_base) and np.array_equal(a.test_base, b.test_base)
    assert not np.array_equal(a.train_base, c.train_base)
    x, y = a.channel.sample_pair(np.repeat(a.test_base, 100, axis=0), np.random.default_rng(0))
    assert x.shape == y.shape == (3000, 16) and not np.array_equal(x, y)  # conditionally independent views
    assert a.params["seed"] == 3 and a.params["dim"] == 16


def test_laplace_set_has_the_paper_law_and_channel():
    data = make_synthetic("laplace", n_train=20_000, n_test=20, dim=8, seed=0)
    # Laplace(0, 1): variance 2, excess kurtosis 3 (textbook); SEs at n = 160k: 0.011 and ~0.03
    x = data.train_base.ravel()
    assert abs(x.var() - 2.0) < 0.05
    assert abs(np.mean(x**4) / x.var() ** 2 - 6.0) < 0.3
    assert data.channel.A == 0.6 and data.channel.jitter is not None
    assert data.base_is_input


def test_gmm_labels_are_the_components_and_positives_share_them():
    data = make_synthetic("gmm", n_train=40, n_test=20, dim=32, seed=1, mean_std=5.0, std=0.1)
    assert not data.base_is_input
    assert np.array_equal(data.test_labels, data.test_base[:, 0].astype(int))
    x, y = data.channel.sample_pair(data.test_base, np.random.default_rng(0))
    # with components 50x further apart than their spread, both views sit next to their own component mean
    nearest = lambda v: np.argmin(((v[:, None, :] - data.channel.means[None]) ** 2).sum(-1), axis=1)
    assert np.array_equal(nearest(x), data.test_labels) and np.array_equal(nearest(y), data.test_labels)
    assert data.channel.means.shape == (25, 32)


def test_binary_density_and_flips():
    data = make_synthetic("binary", n_train=4000, n_test=20, dim=256, seed=2, density=0.05, flip=0.01)
    base = data.train_base
    assert set(np.unique(base)) <= {0.0, 1.0}
    assert abs(base.mean() - 0.05) < 4 * np.sqrt(0.05 * 0.95 / base.size)
    view = data.channel.sample(base, np.random.default_rng(0))
    assert np.all(view >= base)  # ones stay ones
    turned = (view - base).sum() / (base == 0).sum()
    assert abs(turned - 0.01) < 4 * np.sqrt(0.01 * 0.99 / (base == 0).sum())


def test_bad_synthetic_requests_raise():
    with pytest.raises(ValueError, match="unknown synthetic set"):
        make_synthetic("swiss-roll")
    with pytest.raises(ValueError, match="bad parameter"):
        make_synthetic("laplace", n_train=10, n_test=20, dim=4, density=0.1)


# --- CIFAR-10 -------------------------------------------------------------------------------------

def _cifar_batch(path, images, labels):
    # The documented layout: b'data' is (n, 3072) uint8, the first 1024 bytes the red plane in row-major
    # order, then green, then blue; b'labels' a list of ints (https://www.cs.toronto.edu/~kriz/cifar.html).
    data = np.concatenate([images[:, c].reshape(len(images), -1) for c in range(3)], axis=1)
    with open(path, "wb") as fh:
        pickle.dump({b"data": data, b"labels": list(map(int, labels)), b"batch_label": b"x"}, fh)


@pytest.fixture
def tiny_cifar(tmp_path):
    rng = np.random.default_rng(0)
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    batches = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        images = rng.integers(0, 256, size=(3, 3, 32, 32), dtype=np.uint8)
        labels = rng.integers(0, 10, size=3)
        _cifar_batch(folder / name, images, labels)
        batches[name] = (images, labels)
    return tmp_path, batches


def test_cifar_loader_reads_the_standard_pickles(tiny_cifar):
    root, batches = tiny_cifar
    for where in (root, root / "cifar-10-batches-py"):  # the parent or the batch folder itself
        data = load_cifar10(where)
        assert data.train_images.shape == (15, 3, 32, 32) and data.test_images.shape == (3, 3, 32, 32)
        assert np.array_equal(data.train_images[:3], batches["data_batch_1"][0])
        assert np.array_equal(data.train_images[12:], batches["data_batch_5"][0])
        assert np.array_equal(data.test_labels, batches["test_batch"][1])
        assert data.train_images.dtype == np.uint8 and data.shape == (3, 32, 32)


def test_cifar_red_plane_comes_first(tmp_path):
    image = np.zeros((1, 3, 32, 32), np.uint8)
    image[0, 0, 0, 1] = 255  # red at row 0, column 1
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        _cifar_batch(tmp_path / name, image, [3])
    data = load_cifar10(tmp_path)
    assert data.test_images[0, 0, 0, 1] == 255 and data.test_images.sum() == 255


def test_cifar_from_the_environment_variable(tiny_cifar, monkeypatch):
    monkeypatch.setenv(CIFAR10_ENV, str(tiny_cifar[0]))
    assert load_images("cifar10").train_images.shape[0] == 15


def test_missing_cifar_says_what_to_put_where(tmp_path, monkeypatch):
    monkeypatch.delenv(CIFAR10_ENV, raising=False)
    with pytest.raises(DatasetMissing, match=CIFAR10_ENV):
        load_cifar10()
    with pytest.raises(DatasetMissing, match="missing data_batch_1.*test_batch.*--data-dir"):
        load_cifar10(tmp_path)
    assert issubclass(DatasetMissing, ValueError)


def test_corrupt_cifar_batch_is_reported(tiny_cifar):
    root, _ = tiny_cifar
    with open(root / "cifar-10-batches-py" / "test_batch", "wb") as fh:
        pickle.dump({b"data": np.zeros((2, 10), np.uint8), b"labels": [0, 1]}, fh)
    with pytest.raises(DatasetMissing, match="expected data of shape"):
        load_cifar10(root)


def test_a_poisoned_cifar_batch_is_refused_without_running_it(tiny_cifar, planted):
    root, _ = tiny_cifar
    payload, marker = planted
    with open(root / "cifar-10-batches-py" / "data_batch_3", "wb") as fh:
        pickle.dump({b"data": np.zeros((1, 3072), np.uint8), b"labels": [0], b"batch_label": payload}, fh)
    with pytest.raises(ValueError, match="data_batch_3 is not a plain data pickle.*posix.mkdir"):
        load_cifar10(root)
    assert not marker.exists()


# --- Fashion-MNIST (IDX) --------------------------------------------------------------------------

def _idx(path, array, *, compress=True):
    # IDX (LeCun): two zero bytes, type 0x08 (unsigned byte), ndim, then big-endian int32 sizes and the data
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}i", *array.shape)
    raw = header + array.astype(np.uint8).tobytes()
    (gzip.open if compress else open)(path, "wb").write(raw)


def test_fashion_mnist_loader_reads_idx_files(tmp_path):
    rng = np.random.default_rng(0)
    train = rng.integers(0, 256, size=(6, 28, 28), dtype=np.uint8)
    test = rng.integers(0, 256, size=(4, 28, 28), dtype=np.uint8)
    _idx(tmp_path / "train-images-idx3-ubyte.gz", train)
    _idx(tmp_path / "train-labels-idx1-ubyte.gz", np.arange(6) % 10)
    _idx(tmp_path / "t10k-images-idx3-ubyte", test, compress=False)  # plain files work too
    _idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.array([9, 8, 7, 6]))
    data = load_fashion_mnist(tmp_path)
    assert data.train_images.shape == (6, 1, 28, 28) and np.array_equal(data.train_images[:, 0], train)
    assert np.array_equal(data.test_images[:, 0], test)
    assert data.test_labels.tolist() == [9, 8, 7, 6]


def test_fashion_mnist_missing_or_truncated(tmp_path):
    with pytest.raises(DatasetMissing, match="apt-get install dataset-fashion-mnist"):
        load_fashion_mnist(tmp_path)
    for stem in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        _idx(tmp_path / f"{stem}.gz", np.zeros((2, 28, 28) if "images" in stem else (2,)))
    raw = gzip.open(tmp_path / "t10k-images-idx3-ubyte.gz").read()
    gzip.open(tmp_path / "t10k-images-idx3-ubyte.gz", "wb").write(raw[:-10])
    with pytest.raises(DatasetMissing, match="truncated"):
        load_fashion_mnist(tmp_path)


@pytest.mark.skipif(not (FASHION_MNIST_SYSTEM_DIR / "train-images-idx3-ubyte.gz").is_file(),
                    reason="Debian's dataset-fashion-mnist is not installed (apt-get install dataset-fashion-mnist)")
def test_the_debian_fashion_mnist_package():
    data = load_fashion_mnist()
    # Xiao et al. (2017): 60,000 training and 10,000 test 28x28 images, 10 classes of 6,000 / 1,000 each
    assert data.train_images.shape == (60_000, 1, 28, 28) and data.test_images.shape == (10_000, 1, 28, 28)
    assert np.bincount(data.train_labels).tolist() == [6000] * 10
    assert np.bincount(data.test_labels).tolist() == [1000] * 10


def test_digits_extra():
    pytest.importorskip("sklearn", reason="the digits extra (scikit-learn) is not installed")
    data = load_digits(seed=0)
    # scikit-learn's bundled copy of the UCI optical digits test set: 1797 8x8 images, values 0..16
    assert data.train_images.shape[0] + data.test_images.shape[0] == 1797
    assert data.shape == (1, 8, 8) and data.train_images.max() == 255 and data.classes == 10


def test_unknown_image_set():
    with pytest.raises(ValueError, match="unknown image data set"):
        load_images("imagenet")
