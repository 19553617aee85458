"""Embedding file readers: every format round-trips, slicing reads the right block, bad files are explained."""

import json
import struct

import numpy as np
import pytest

from infonce_gauss.encoder_check import embeddings as emb
from infonce_gauss.encoder_check.embeddings import load_vector, open_embeddings


@pytest.fixture
def x():
    return np.random.default_rng(0).standard_normal((301, 7)).astype(np.float32)


def _safetensors(path, tensors, dtype="F32"):
    header, blobs, offset = {"__metadata__": {"format": "np"}}, [], 0
    for name, arr in tensors.items():
        raw = arr.tobytes()
        header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(text)) + text + b"".join(blobs))
    return path


def _write(kind, tmp_path, x):
    path = tmp_path / f"e.{kind}"
    if kind == "npy":
        np.save(path, x)
    elif kind == "npz":
        np.savez(path, emb=x)
    elif kind == "csv":
        np.savetxt(path, x, delimiter=",", header=",".join(f"c{i}" for i in range(x.shape[1])), comments="")
    elif kind == "safetensors":
        _safetensors(path, {"emb": x})
    elif kind == "pt":
        torch = pytest.importorskip("torch")
        torch.save({"emb": torch.from_numpy(x), "step": torch.tensor(3)}, path)
    return path


@pytest.mark.parametrize("kind", ["npy", "npz", "csv", "safetensors", "pt"])
def test_round_trip_rows_and_columns(kind, tmp_path, x, monkeypatch):
    monkeypatch.setattr(emb, "CHUNK_BYTES", 7 * 8 * 10)  # 10 rows per read: column slices span many reads
    m = open_embeddings(_write(kind, tmp_path, x), key="emb" if kind == "pt" else None)
    assert m.shape == x.shape
    np.testing.assert_array_equal(m[:], x)
    np.testing.assert_array_equal(m[17:29], x[17:29])
    np.testing.assert_array_equal(m[:, 2:5], x[:, 2:5])
    np.testing.assert_array_equal(m[280:400, 6:], x[280:, 6:])


def test_compressed_npz_and_fortran_npy(tmp_path, x):
    np.savez_compressed(tmp_path / "c.npz", a=x, b=x[:, :3])
    np.testing.assert_array_equal(open_embeddings(tmp_path / "c.npz", key="a")[:, 1:3], x[:, 1:3])
    np.save(tmp_path / "f.npy", np.asfortranarray(x))
    np.testing.assert_array_equal(open_embeddings(tmp_path / "f.npy")[5:9], x[5:9])


def test_half_precision_safetensors_are_widened(tmp_path, x):
    half = open_embeddings(_safetensors(tmp_path / "h.safetensors", {"e": x.astype(np.float16)}, "F16"))
    np.testing.assert_array_equal(half[:], x.astype(np.float16).astype(np.float32))
    bf16_bits = (x.view(np.uint32) >> 16).astype(np.uint16)  # truncation to bfloat16
    bf = open_embeddings(_safetensors(tmp_path / "b.safetensors", {"e": bf16_bits}, "BF16"))
    np.testing.assert_allclose(bf[:], x, rtol=2**-7)
    assert bf.dtype == np.float32


@pytest.mark.parametrize("make, message", [
    (lambda p, x: np.save(p / "a.npy", x[:, 0]), "n × d matrix"),
    (lambda p, x: np.save(p / "a.npy", x[:, :1]), "d >= 2"),
    (lambda p, x: (p / "a.npy").write_bytes(b"not an array"), "is not a .npy file"),
    (lambda p, x: np.savez(p / "a.npz", a=x, b=x), "choose one with --key"),
    (lambda p, x: (p / "a.csv").write_text("1,2,3\n4,5\n"), "different numbers of columns"),
    (lambda p, x: (p / "a.csv").write_text("1,2\n3,x\n"), "line 2"),
    (lambda p, x: (p / "a.safetensors").write_bytes(b"\x01"), "too short"),
    (lambda p, x: (p / "a.txt").write_text("1"), "unknown file type"),
])
def test_bad_files_are_explained(make, message, tmp_path, x):
    make(tmp_path, x)
    path = next(p for p in tmp_path.iterdir())
    with pytest.raises(ValueError, match=message):
        open_embeddings(path)


def test_missing_file_and_wrong_key(tmp_path, x):
    with pytest.raises(ValueError, match="no such file"):
        open_embeddings(tmp_path / "none.npy")
    np.savez(tmp_path / "a.npz", emb=x)
    with pytest.raises(ValueError, match="no array 'other'"):
        open_embeddings(tmp_path / "a.npz", key="other")


def test_truncated_safetensors_is_caught(tmp_path, x):
    path = _safetensors(tmp_path / "t.safetensors", {"e": x})
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(ValueError, match="truncated"):
        open_embeddings(path)[:]


def test_load_vector(tmp_path):
    np.save(tmp_path / "l.npy", np.arange(5))
    (tmp_path / "l.txt").write_text("label\ncat\ndog\ncat\nfish\nbird\n")
    np.testing.assert_array_equal(load_vector(tmp_path / "l.npy", length=5), np.arange(5))
    assert load_vector(tmp_path / "l.txt", length=5).tolist() == ["cat", "dog", "cat", "fish", "bird"]
    with pytest.raises(ValueError, match="expected 4 entries"):
        load_vector(tmp_path / "l.npy", length=4)


@pytest.mark.parametrize("name, content, message", [
    ("empty.npy", b"", r"is empty \(0 bytes\)"),
    ("garbage.npy", b"not an array at all", "is not a .npy file"),
    ("garbage.pt", b"hello, this is text", "is not a .pt file"),
    ("garbage.npz", b"hello", "is not a .npz file"),
])
def test_unreadable_files_say_what_is_wrong(tmp_path, name, content, message):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(ValueError, match=message) as info:
        emb.open_embeddings(tmp_path / name)
    assert "serializ" not in str(info.value) and "magic string" not in str(info.value)


def test_a_folder_is_named_as_a_folder(tmp_path):
    with pytest.raises(ValueError, match="is a folder; name the embedding file inside it"):
        emb.open_embeddings(tmp_path)


def test_csv_header_never_eats_a_data_row(tmp_path):
    (tmp_path / "bad.csv").write_text("1.0,x,3.0\n4.0,5.0,6.0\n")
    with pytest.raises(ValueError, match=r"line 1 is not a row of numbers \(column 2"):
        emb.open_embeddings(tmp_path / "bad.csv")
    (tmp_path / "head.csv").write_text("a,b,c\n1,2,3\n4,5,6\n")
    assert emb.open_embeddings(tmp_path / "head.csv").shape == (2, 3)
    (tmp_path / "none.csv").write_text("1,2,3\n4,5,6\n")
    assert emb.open_embeddings(tmp_path / "none.csv").shape == (2, 3)


def _pandas_csv(x, *, index: bool) -> str:
    """``x`` as pandas' ``DataFrame(x).to_csv(index=index)`` writes it: the column names 0..d-1 as a header."""
    lead = "," if index else ""
    lines = [lead + ",".join(str(j) for j in range(x.shape[1]))]
    lines += [(f"{i}," if index else "") + ",".join(repr(float(v)) for v in row) for i, row in enumerate(x)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("index", [False, True], ids=["columns", "columns-and-index"])
def test_pandas_numeric_column_names_are_a_header(tmp_path, x, index):
    (tmp_path / "p.csv").write_text(_pandas_csv(x[:50], index=index))
    m = emb.open_embeddings(tmp_path / "p.csv")
    assert m.shape == (50, x.shape[1])
    np.testing.assert_array_equal(m[:], x[:50].astype(np.float64))


def test_an_index_column_under_a_named_header_is_dropped(tmp_path):
    (tmp_path / "p.csv").write_text(",a,b\n0,0.5,1.5\n1,2.5,3.5\n")
    np.testing.assert_array_equal(emb.open_embeddings(tmp_path / "p.csv")[:], [[0.5, 1.5], [2.5, 3.5]])


def test_an_integer_matrix_starting_0_1_2_keeps_its_first_row(tmp_path):
    (tmp_path / "i.csv").write_text("0,1,2\n3,4,5\n6,7,8\n")
    np.testing.assert_array_equal(emb.open_embeddings(tmp_path / "i.csv")[:], np.arange(9.0).reshape(3, 3))


def test_an_excel_byte_order_mark_is_accepted(tmp_path, x):
    (tmp_path / "bom.csv").write_bytes(b"\xef\xbb\xbf" + "a,b,c\n1,2,3\n4,5,6.5\n".encode())
    np.testing.assert_array_equal(emb.open_embeddings(tmp_path / "bom.csv")[:], [[1, 2, 3], [4, 5, 6.5]])
    (tmp_path / "bom2.csv").write_bytes(b"\xef\xbb\xbf" + "1,2\n3,4\n".encode())  # no header: the mark is not a cell
    assert emb.open_embeddings(tmp_path / "bom2.csv").shape == (2, 2)
    (tmp_path / "labels.csv").write_bytes(b"\xef\xbb\xbf" + "label\ncat\ndog\n".encode())
    assert load_vector(tmp_path / "labels.csv", length=2).tolist() == ["cat", "dog"]
    (tmp_path / "trace.csv").write_bytes(b"\xef\xbb\xbf" + "epoch,alignment\n1,0.5\n2,0.4\n".encode())
    np.testing.assert_array_equal(emb.load_trace(tmp_path / "trace.csv")[1], [0.5, 0.4])


def test_a_ragged_csv_names_the_line(tmp_path):
    (tmp_path / "r.csv").write_text("a,b,c\n1,2,3\n4,5,6\n7,8\n")
    with pytest.raises(ValueError, match=r"line 4 has 2 values where the lines before it have 3"):
        emb.open_embeddings(tmp_path / "r.csv")
