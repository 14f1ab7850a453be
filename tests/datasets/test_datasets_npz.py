"""Keras-layout .npz files, and the ones that must be refused."""

import numpy as np
import pytest

from core.datasets import load_dataset, load_npz
from core.errors import DataError


def _keras_arrays(rng=None, n_train=12, n_test=5, shape=(7, 7)):
    rng = rng or np.random.default_rng(0)
    return {
        "x_train": rng.integers(0, 256, (n_train, *shape), dtype=np.uint8),
        "y_train": np.arange(n_train, dtype=np.uint8) % 3,
        "x_test": rng.integers(0, 256, (n_test, *shape), dtype=np.uint8),
        "y_test": np.arange(n_test, dtype=np.int64) % 3,
    }


def test_keras_npz_uint8_nhw(tmp_path):
    path = tmp_path / "toy.npz"
    arrays = _keras_arrays()
    np.savez(path, **arrays)
    ds = load_dataset(str(path))
    assert ds.name == "toy" and ds.source == str(path)
    assert ds.x_train.shape == (12, 1, 7, 7) and ds.x_test.shape == (5, 1, 7, 7)
    np.testing.assert_allclose(ds.x_train[:, 0], arrays["x_train"] / 255, rtol=1e-6)
    assert ds.classes == ("0", "1", "2")


def test_keras_npz_float_nhwc_with_class_names(tmp_path):
    path = tmp_path / "rgb.npz"
    arrays = _keras_arrays(shape=(4, 4, 3))
    arrays["x_train"] = arrays["x_train"].astype(np.float32) / 255
    arrays["x_test"] = arrays["x_test"].astype(np.float32) / 255
    np.savez_compressed(path, **arrays, classes=np.array(["cat", "dog", "owl"]))
    ds = load_npz(path)
    assert ds.x_train.shape == (12, 3, 4, 4)
    np.testing.assert_allclose(ds.x_train, arrays["x_train"].transpose(0, 3, 1, 2))
    assert ds.classes == ("cat", "dog", "owl")


def test_missing_key_names_file_and_key(tmp_path):
    path = tmp_path / "partial.npz"
    arrays = _keras_arrays()
    del arrays["y_test"]
    np.savez(path, **arrays)
    with pytest.raises(DataError) as info:
        load_dataset(str(path))
    message = str(info.value)
    assert message.startswith(f"{path}: missing key y_test")
    assert "x_train" in message  # lists what is there


def test_object_array_is_refused_without_unpickling(tmp_path):
    path = tmp_path / "evil.npz"
    arrays = _keras_arrays()
    arrays["y_train"] = np.array([object()] * 12, dtype=object)
    np.savez(path, **arrays)  # numpy pickles object arrays on save
    with pytest.raises(DataError) as info:
        load_dataset(str(path))
    assert str(path) in str(info.value)
    assert "y_train" in str(info.value) and "object array" in str(info.value)


def test_labels_out_of_range_name_the_file(tmp_path):
    path = tmp_path / "bad-labels.npz"
    arrays = _keras_arrays()
    np.savez(path, **arrays, classes=np.array(["a", "b"]))
    with pytest.raises(DataError, match="labels out of range: found 2, classes 0\u20131") as info:
        load_dataset(str(path))
    assert str(path) in str(info.value)


def test_length_mismatch_names_the_file(tmp_path):
    path = tmp_path / "short.npz"
    arrays = _keras_arrays()
    arrays["y_train"] = arrays["y_train"][:-1]
    np.savez(path, **arrays)
    with pytest.raises(DataError, match="11 train labels but 12 train images") as info:
        load_dataset(str(path))
    assert str(path) in str(info.value)


def test_bad_image_shape_names_file_and_key(tmp_path):
    path = tmp_path / "flat.npz"
    arrays = _keras_arrays()
    arrays["x_test"] = arrays["x_test"].reshape(5, -1)
    np.savez(path, **arrays)
    with pytest.raises(DataError, match=r"flat.npz: x_test: images have shape \(5, 49\)"):
        load_dataset(str(path))


@pytest.mark.parametrize(
    "content, words",
    [
        (b"just some text", "not an .npz"),
        (b"\x93NUMPY\x01\x00", "single .npy array"),
        (b"PK\x03\x04garbage", "cannot open as .npz"),
    ],
)
def test_not_an_npz(tmp_path, content, words):
    path = tmp_path / "thing.npz"
    path.write_bytes(content)
    with pytest.raises(DataError, match=words) as info:
        load_npz(path)
    assert str(path) in str(info.value)


def test_a_plain_file_is_not_a_dataset(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    with pytest.raises(DataError, match="not a dataset") as info:
        load_dataset(str(path))
    assert str(path) in str(info.value)


def test_a_gap_in_unnamed_labels_is_out_of_range(tmp_path):
    # Without class names the classes are 0..K-1 for K distinct labels: a stray 12 is caught.
    path = tmp_path / "stray.npz"
    arrays = _keras_arrays()
    arrays["y_train"] = arrays["y_train"].copy()
    arrays["y_train"][3] = 12
    np.savez(path, **arrays)
    with pytest.raises(DataError) as info:
        load_dataset(str(path))
    message = str(info.value)
    assert message.startswith(f"{path}: y_train: labels out of range: found 12, classes 0\u20133")
    assert "'classes'" in message
