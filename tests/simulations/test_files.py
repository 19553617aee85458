"""simulations.files: atomic writes that honour the umask, CSV and JSON values, pickles read without running code."""

import json
import os
import pickle
import stat

import numpy as np
import pytest

from infonce_gauss.simulations import files


def test_atomic_write_leaves_no_partial_file(tmp_path, monkeypatch):
    target = tmp_path / "out.json"
    files.write_json(target, {"a": 1})

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        files.write_json(target, {"a": 2})
    assert json.loads(target.read_text()) == {"a": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_interrupted_writer_leaves_nothing(tmp_path):
    def interrupted(fh):
        fh.write(b"half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        files.atomic_write(tmp_path / "x.npy", interrupted)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_files_honour_the_umask(tmp_path, mask):
    old = os.umask(mask)
    try:
        path = files.atomic_write_text(tmp_path / "t.txt", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask


def test_csv_and_json_values(tmp_path):
    path = files.write_csv(tmp_path / "t.csv", [{"a": np.float64(1.5), "b": 2}, {"a": 3, "c": "x"}])
    assert path.read_text().splitlines() == ["a,b,c", "1.5,2,", "3,,x"]
    files.write_json(tmp_path / "j.json", {"x": np.arange(2), "y": float("inf")})
    assert json.loads((tmp_path / "j.json").read_text()) == {"x": [0, 1], "y": "inf"}
    with pytest.raises(ValueError, match="empty table"):
        files.write_csv(tmp_path / "e.csv", [])


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_data_pickles_load_at_every_protocol(tmp_path, protocol):
    batch = {b"data": np.arange(12, dtype=np.uint8).reshape(2, 6), b"labels": [1, 2], b"batch_label": b"x",
             b"filenames": [b"a.png", b"b.png"], b"mean": np.float64(0.5) * np.ones(3)}
    (tmp_path / "b").write_bytes(pickle.dumps(batch, protocol=protocol))
    loaded = files.load_data_pickle(tmp_path / "b")
    assert np.array_equal(loaded[b"data"], batch[b"data"]) and loaded[b"labels"] == [1, 2]
    assert loaded[b"filenames"] == [b"a.png", b"b.png"] and np.array_equal(loaded[b"mean"], batch[b"mean"])


def test_a_python2_cifar_batch_loads(tmp_path):
    # CIFAR-10's batches were written by Python 2's cPickle (protocol 2): NumPy 1's module names, str as bytes
    data = np.arange(6, dtype=np.uint8).reshape(1, 6)
    body = pickle.dumps({b"data": data}, protocol=2).replace(b"numpy._core.multiarray", b"numpy.core.multiarray")
    (tmp_path / "b").write_bytes(body)
    assert np.array_equal(files.load_data_pickle(tmp_path / "b")[b"data"], data)


@pytest.mark.parametrize("protocol", [0, 2, 5])
def test_a_pickle_that_names_code_is_refused_without_running_it(tmp_path, planted, protocol):
    payload, marker = planted
    (tmp_path / "b").write_bytes(pickle.dumps({b"data": payload}, protocol=protocol))
    with pytest.raises(ValueError, match=r"not a plain data pickle \(it names posix.mkdir.*run code"):
        files.load_data_pickle(tmp_path / "b")
    assert not marker.exists()
    (tmp_path / "c").write_bytes(b"not a pickle")
    with pytest.raises(ValueError, match="not a plain data pickle"):
        files.load_data_pickle(tmp_path / "c")


def test_reading_the_umask_never_changes_it(tmp_path, monkeypatch):
    # os.umask(0) followed by os.umask(old) leaves the umask 0 for an instant, process-wide: a file another thread
    # creates meanwhile comes out world-writable. The suite reads it without writing it.
    old = os.umask(0o027)
    try:
        def never(mask):
            raise AssertionError("os.umask called after import")

        monkeypatch.setattr(os, "umask", never)
        path = files.atomic_write_text(tmp_path / "t.txt", "x")
        assert files.process_umask() == 0o027
    finally:
        monkeypatch.undo()
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
