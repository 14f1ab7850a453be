"""IDX files: reading, writing, and every way a file can be broken."""

import gzip

import numpy as np
import pytest

from core.datasets import load_dataset, load_idx_folder, read_idx, write_idx
from core.datasets.idx import read_idx_count
from core.errors import DataError


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("compress", [False, True])
def test_round_trip_every_idx_type(tmp_path, dtype, compress):
    a = (np.arange(2 * 3 * 4) - 5).astype(dtype).reshape(2, 3, 4)
    if dtype == np.uint8:
        a = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    path = write_idx(tmp_path / "a.idx", a, compress=compress)
    b = read_idx(path)
    assert b.shape == (2, 3, 4) and b.dtype == np.dtype(dtype) and b.dtype.isnative
    np.testing.assert_array_equal(a, b)
    assert read_idx_count(path) == 2


def test_layout_is_big_endian_mnist_header(tmp_path):
    path = write_idx(tmp_path / "labels", np.array([3, 1, 4], np.uint8))
    assert path.read_bytes() == b"\x00\x00\x08\x01\x00\x00\x00\x03\x03\x01\x04"
    path = write_idx(tmp_path / "shorts", np.array([258], np.int16))
    assert path.read_bytes()[-2:] == b"\x01\x02"


def test_gzip_is_detected_by_content_not_name(tmp_path):
    a = np.arange(10, dtype=np.uint8)
    gz_without_suffix = write_idx(tmp_path / "labels-idx1-ubyte", a, compress=True)
    raw_with_gz_suffix = write_idx(tmp_path / "labels-idx1-ubyte.gz", a, compress=False)
    np.testing.assert_array_equal(read_idx(gz_without_suffix), a)
    np.testing.assert_array_equal(read_idx(raw_with_gz_suffix), a)


def _idx_bytes(a):
    return bytes([0, 0, 8, a.ndim]) + np.asarray(a.shape, ">u4").tobytes() + a.tobytes()


@pytest.mark.parametrize(
    "content, words",
    [
        (b"", "too short"),
        (b"\x00\x00", "too short"),
        (b"<html>404 Not Found</html>", "not an IDX file"),
        (b"\x00\x01\x08\x01\x00\x00\x00\x01\x05", "not an IDX file"),
        (b"\x00\x00\x07\x01\x00\x00\x00\x01\x05", "unknown IDX data type 0x07"),
        (b"\x00\x00\x08\x00", "0 dimensions"),
        (b"\x00\x00\x08\x03\x00\x00\x00\x02", "truncated IDX header"),
        (_idx_bytes(np.zeros((4, 5, 5), np.uint8))[:-7], "truncated"),
        (_idx_bytes(np.zeros((4,), np.uint8)) + b"\x00\x00", "2 unexpected bytes"),
    ],
)
def test_broken_idx_files_name_the_file(tmp_path, content, words):
    path = tmp_path / "broken-idx1-ubyte"
    path.write_bytes(content)
    with pytest.raises(DataError) as info:
        read_idx(path)
    assert str(path) in str(info.value)
    assert words in str(info.value)


def test_truncated_gzip_names_the_file(tmp_path):
    data = gzip.compress(_idx_bytes(np.arange(5000, dtype=np.uint8) % 7))
    path = tmp_path / "train-labels-idx1-ubyte.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match="truncated gzip") as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_corrupt_gzip_names_the_file(tmp_path):
    path = tmp_path / "x.gz"
    path.write_bytes(b"\x1f\x8b" + b"\xff" * 40)
    with pytest.raises(DataError, match="gzip") as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_missing_file_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="cannot read"):
        read_idx(tmp_path / "nope")


@pytest.mark.parametrize("compress", [False, True])
def test_idx_folder_loads_either_compression(make_idx_folder, compress):
    folder = make_idx_folder(n_train=20, n_test=8, size=6, compress=compress)
    ds = load_dataset(str(folder))
    assert ds.x_train.shape == (20, 1, 6, 6) and ds.x_test.shape == (8, 1, 6, 6)
    assert ds.x_train.dtype == np.float32 and ds.y_train.dtype == np.int64
    assert ds.classes == tuple("0123456789")
    raw = read_idx(next(folder.glob("train-images*")))
    np.testing.assert_allclose(ds.x_train[:, 0] * 255, raw, atol=1e-4)
    assert ds.source == str(folder) and ds.name == "idx"


def test_idx_folder_label_count_mismatch_names_the_label_file(make_idx_folder):
    folder = make_idx_folder(compress=True)
    labels = folder / "train-labels-idx1-ubyte.gz"
    write_idx(labels, np.zeros(19, np.uint8), compress=True)
    with pytest.raises(DataError) as info:
        load_idx_folder(folder)
    assert str(info.value).startswith(f"{labels}: 19 labels but 20 images")


def test_idx_folder_missing_file_is_named(make_idx_folder):
    folder = make_idx_folder()
    (folder / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte") as info:
        load_dataset(str(folder))
    assert str(folder) in str(info.value)


def test_idx_folder_truncated_image_file_is_named(make_idx_folder):
    folder = make_idx_folder(compress=False)
    images = folder / "t10k-images-idx3-ubyte"
    images.write_bytes(images.read_bytes()[:-10])
    with pytest.raises(DataError, match="truncated") as info:
        load_dataset(str(folder))
    assert str(images) in str(info.value)


def test_idx_folder_labels_out_of_range_name_the_source(make_idx_folder):
    folder = make_idx_folder()
    (folder / "classes.txt").write_text("a\nb\nc\n")
    with pytest.raises(DataError, match="labels out of range: found 9, classes 0\u20132") as info:
        load_dataset(str(folder))
    assert str(folder) in str(info.value)


def test_idx_folder_class_names_from_classes_txt(make_idx_folder):
    folder = make_idx_folder()
    names = [f"class {k}" for k in range(10)]
    (folder / "classes.txt").write_text("\n".join(names) + "\n")
    assert load_dataset(str(folder)).classes == tuple(names)


def test_idx_folder_accepts_dotted_names(tmp_path, make_idx_folder):
    folder = make_idx_folder(compress=False)
    for p in list(folder.iterdir()):
        p.rename(p.with_name(p.name.replace("-idx", ".idx")))  # train-images.idx3-ubyte
    assert load_dataset(str(folder)).n_train == 20


def test_idx_folder_stray_label_names_the_label_file(make_idx_folder):
    folder = make_idx_folder(compress=False)
    labels = folder / "t10k-labels-idx1-ubyte"
    write_idx(labels, np.array([0, 1, 2, 3, 4, 5, 6, 200], np.uint8))
    with pytest.raises(DataError, match="found 200, classes 0\u201310") as info:
        load_dataset(str(folder))
    assert str(info.value).startswith(f"{labels}: ")
    assert "classes.txt" in str(info.value)
