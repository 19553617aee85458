"""simulations.files: atomic writes that honour the umask, CSV and JSON values."""

import json
import os
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
