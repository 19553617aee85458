"""Malformed inputs of ``check``: each is refused with exit status 2 and one line on stderr naming the file, and
nothing is written (never "internal error", exit 3); misuse of the API raises a ValueError that says what is wrong
before the heavy work."""

import json
import os
import re
import struct
import tempfile
import zipfile

import numpy as np
import pytest

from infonce_gauss import check
from infonce_gauss.cli import main
from infonce_gauss.encoder_check import embeddings as emb

torch = pytest.importorskip("torch")
GAUSS = np.random.default_rng(0).standard_normal((100, 4))


def _safetensors(path, header, payload=GAUSS.tobytes()):
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + payload)


def _trace(path, text):
    path.write_text(text)
    return ["--trace", str(path)]


class _Opaque:
    """Something torch.load(weights_only=True) refuses."""


def _npy_declaring(path, shape, dtype="<i8"):
    with open(path, "wb") as fh:
        np.lib.format.write_array_header_1_0(fh, {"descr": dtype, "fortran_order": False, "shape": shape})
        fh.write(b"\0" * 800)


# each case: (the file the message must name, its writer (given tmp_path), extra CLI arguments, the message)
CASES = {
    "structured-npy": ("x.npy", lambda p: np.save(p / "x.npy", np.zeros((100, 4), dtype=[("a", "f8")])), [],
                       "records with the fields a"),
    "void-npy": ("x.npy", lambda p: np.save(p / "x.npy", np.zeros((100, 4), dtype="V8")), [], "raw bytes"),
    "sparse-pt": ("x.pt", lambda p: torch.save(torch.eye(100, 4).to_sparse(), p / "x.pt"), [], "sparse_coo tensor"),
    "labels-pt-refused": ("labels.pt", lambda p: torch.save({"a": _Opaque()}, p / "labels.pt"),
                          ["--labels", "{tmp}/labels.pt"], r"is not a tensor file that torch.load\(weights_only=True\) reads"),
    "labels-npy-1e11": ("labels.npy", lambda p: _npy_declaring(p / "labels.npy", (10**11,)),
                        ["--labels", "{tmp}/labels.npy"], r"declares shape \(100000000000,\)"),
    "safetensors-list": ("x.safetensors", lambda p: _safetensors(p / "x.safetensors", [1, 2]), [], "JSON list"),
    "safetensors-entry": ("x.safetensors", lambda p: _safetensors(p / "x.safetensors", {"e": 7}), [],
                          "malformed safetensors header entry"),
    "safetensors-offsets": ("x.safetensors", lambda p: _safetensors(
        p / "x.safetensors", {"e": {"dtype": "F64", "shape": [100, 4], "data_offsets": 5}}), [], "data_offsets"),
    "safetensors-negative": ("x.safetensors", lambda p: _safetensors(
        p / "x.safetensors", {"e": {"dtype": "F64", "shape": [100, 4], "data_offsets": [-3200, 0]}}), [], "data_offsets"),
    "safetensors-not-utf8": ("x.safetensors", lambda p: _safetensors(p / "x.safetensors", b"\xff\xfe{"), [],
                             "not UTF-8 JSON"),
    "trace-short-row": ("trace.csv", lambda p: (p / "trace.csv").write_text("epoch,alignment\n1,0.5\n2\n3,0.4\n4,0.4\n"),
                        ["--trace", "{tmp}/trace.csv"], "line 3 needs numbers"),
    "trace-header-only": ("trace.csv", lambda p: (p / "trace.csv").write_text("epoch,alignment\n"),
                          ["--trace", "{tmp}/trace.csv"], "header but no rows"),
    "ragged-csv": ("x.csv", lambda p: (p / "x.csv").write_text("1,2,3\n4,5,6\n7,8\n"), [], "line 3 has 2 values"),
    "subnormal": ("x.npy", lambda p: np.save(p / "x.npy", GAUSS * 1e-310), [], "every entry is subnormal"),
    "subnormal-float32": ("x.npy", lambda p: np.save(p / "x.npy", (GAUSS * 1e-41).astype(np.float32)), [],
                          "every entry is subnormal"),
    "fifo": ("x.npy", lambda p: os.mkfifo(p / "x.npy"), [], "not a regular file"),
}


@pytest.mark.parametrize("case", CASES)
def test_malformed_inputs_exit_2_naming_the_file_and_write_nothing(tmp_path, capsys, case):
    named, write, extra, message = CASES[case]
    write(tmp_path)
    embeddings = tmp_path / named
    if not named.startswith("x."):  # a labels or trace file: beside good embeddings
        embeddings = tmp_path / "x.npy"
        np.save(embeddings, GAUSS)
    out = tmp_path / "out"
    args = [a.format(tmp=tmp_path) for a in extra]
    assert main(["check", str(embeddings), *args, "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(tmp_path / named) in err[0], err
    assert "internal error" not in err[0]
    assert re.search(message, err[0]), err[0]
    assert not out.exists()


def _no_temporary_files(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a compressed member was inflated into the temporary folder")

    monkeypatch.setattr(emb.tempfile, "NamedTemporaryFile", refuse)


def test_a_compressed_npz_declaring_a_huge_array_is_refused_before_inflating(tmp_path, monkeypatch):
    # a member whose .npy header declares 10^6 × 10^4 float64 (80 GB) over 1 kB of data, deflated to a few hundred bytes
    head = tmp_path / "h.npy"
    _npy_declaring(head, (10**6, 10**4), "<f8")
    with zipfile.ZipFile(tmp_path / "bomb.npz", "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("x.npy", head.read_bytes())
    _no_temporary_files(monkeypatch)
    with pytest.raises(ValueError, match=r"declares a 1000000 × 10000 float64 array .* the archive declares 800 bytes"):
        emb.open_embeddings(tmp_path / "bomb.npz")


def test_a_compressed_npz_larger_than_the_free_temporary_space_is_refused_before_inflating(tmp_path, monkeypatch):
    np.savez_compressed(tmp_path / "zeros.npz", x=np.zeros((2000, 500)))  # 8 MB inflated, ~8 kB on disk
    monkeypatch.setattr(emb.shutil, "disk_usage", lambda path: type("Usage", (), {"free": 2**20})())
    _no_temporary_files(monkeypatch)
    with pytest.raises(ValueError, match=r"would inflate to 0.00745 GiB .* save it with numpy.savez"):
        emb.open_embeddings(tmp_path / "zeros.npz")
    monkeypatch.undo()
    assert emb.open_embeddings(tmp_path / "zeros.npz").shape == (2000, 500)  # with room, it is read


def _no_heavy_work(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the passes over the rows started before the options were checked")

    monkeypatch.setattr("infonce_gauss.encoder_check.streaming.scan_and_accumulate", refuse)


@pytest.mark.parametrize("options, message", [
    ({"directions": 2.7}, r"^directions must be an integer, got 2.7"),
    ({"sliced_directions": 2.7}, r"^sliced_directions must be an integer, got 2.7"),
    ({"subsample": 5}, r"^subsample must exceed k = 8"),
    ({"subsample": 1}, r"^subsample must exceed k = 8"),
    ({"tau": 1e-9}, r"^tau must be at least 0.0001"),
    ({"null_replicates": 1}, r"^null_replicates must be >= 2"),
    ({"labels": np.zeros((100, 2))}, r"^labels: expected 100 entries, one label per row .* shape \(100, 2\)"),
    ({"embeddings": torch.empty((100, 4), device="meta")}, r"^embeddings is a tensor on the 'meta' device"),
    ({"embeddings": torch.eye(100, 4).to_sparse()}, r"^embeddings is a torch.sparse_coo tensor"),
], ids=["directions", "sliced", "subsample-5", "subsample-1", "tau", "null-replicates", "labels-n-2", "meta", "sparse"])
def test_api_misuse_is_refused_up_front_in_words_about_the_option(monkeypatch, options, message):
    _no_heavy_work(monkeypatch)
    options = {"embeddings": GAUSS, **options}
    with pytest.raises(ValueError, match=message):
        check(options.pop("embeddings"), **options)


def test_labels_of_shape_n_1_are_one_label_per_row():
    labels = np.repeat(np.arange(4), 25)
    flat = check(GAUSS, labels=labels, null_replicates=200, subsample=50)
    column = check(GAUSS, labels=labels[:, None], null_replicates=200, subsample=50)
    assert column.labels == flat.labels and column.verdicts == flat.verdicts


def test_one_row_is_too_few_rows_not_constant_columns():
    with pytest.raises(ValueError, match=r"only 1 usable row\(s\); the battery needs at least 20"):
        check(GAUSS[:1])
