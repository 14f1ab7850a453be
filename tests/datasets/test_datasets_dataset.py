"""The Dataset value: validation on construction, read-only arrays, array conversions."""

import dataclasses

import numpy as np
import pytest

from core.datasets import Dataset, images_to_float, labels_to_int64, make_dataset
from core.errors import DataError


def _arrays(n_train=6, n_test=4, classes=3):
    x_train = np.random.default_rng(0).random((n_train, 1, 4, 4), dtype=np.float32)
    x_test = np.random.default_rng(1).random((n_test, 1, 4, 4), dtype=np.float32)
    y_train = np.arange(n_train, dtype=np.int64) % classes
    y_test = np.arange(n_test, dtype=np.int64) % classes
    return x_train, y_train, x_test, y_test


def test_valid_dataset_is_immutable():
    x_train, y_train, x_test, y_test = _arrays()
    ds = Dataset("toy", x_train, y_train, x_test, y_test, ("a", "b", "c"), "toy.npz")
    assert (ds.n_train, ds.n_test, ds.n_classes, ds.input_shape) == (6, 4, 3, (1, 4, 4))
    for a in (ds.x_train, ds.y_train, ds.x_test, ds.y_test):
        assert not a.flags.writeable
        with pytest.raises(ValueError):
            a[0] = 0
    with pytest.raises(dataclasses.FrozenInstanceError):
        ds.name = "other"
    assert x_train.flags.writeable  # the caller's own array is left alone
    assert "train=6" in repr(ds) and len(repr(ds)) < 200


def test_labels_out_of_range_names_the_source():
    x_train, y_train, x_test, y_test = _arrays()
    y_test = y_test.copy()
    y_test[1] = 12
    with pytest.raises(DataError) as info:
        Dataset("toy", x_train, y_train, x_test, y_test, tuple("0123456789"), "data/toy.npz")
    assert str(info.value) == "data/toy.npz: test labels out of range: found 12, classes 0\u20139"


def test_negative_label_is_out_of_range():
    x_train, y_train, x_test, y_test = _arrays()
    y_train = y_train.copy()
    y_train[0] = -1
    with pytest.raises(DataError, match="found -1"):
        Dataset("toy", x_train, y_train, x_test, y_test, ("a", "b", "c"), "src")


def test_length_mismatch():
    x_train, y_train, x_test, y_test = _arrays()
    with pytest.raises(DataError, match="src: 5 train labels but 6 train images"):
        Dataset("toy", x_train, y_train[:5], x_test, y_test, ("a", "b", "c"), "src")


def test_empty_split_is_refused():
    x_train, y_train, x_test, y_test = _arrays()
    with pytest.raises(DataError, match="src: the test set is empty"):
        Dataset("toy", x_train, y_train, x_test[:0], y_test[:0], ("a", "b", "c"), "src")


def test_train_and_test_shapes_must_agree():
    x_train, y_train, _, y_test = _arrays()
    x_test = np.zeros((4, 1, 5, 5), np.float32)
    with pytest.raises(DataError, match="test images are 5x5 but train images are 4x4"):
        Dataset("toy", x_train, y_train, x_test, y_test, ("a", "b", "c"), "src")


@pytest.mark.parametrize("bad", [np.float32(1.5), np.float32(-0.1), np.float32(np.nan)])
def test_pixel_values_must_be_in_unit_range(bad):
    x_train, y_train, x_test, y_test = _arrays()
    x_train = x_train.copy()
    x_train[0, 0, 0, 0] = bad
    with pytest.raises(DataError, match=r"src: train images: pixel values must lie in \[0, 1\]"):
        Dataset("toy", x_train, y_train, x_test, y_test, ("a", "b", "c"), "src")


def test_wrong_dtypes_are_refused():
    x_train, y_train, x_test, y_test = _arrays()
    with pytest.raises(DataError, match="float32"):
        Dataset("toy", x_train.astype(np.float64), y_train, x_test, y_test, ("a", "b", "c"), "s")
    with pytest.raises(DataError, match="integer"):
        Dataset("toy", x_train, y_train.astype(np.float32), x_test, y_test, ("a", "b", "c"), "s")


def test_duplicate_class_names():
    with pytest.raises(DataError, match="duplicate class names: a"):
        Dataset("toy", *_arrays(), ("a", "b", "a"), "s")


def test_images_to_float_layouts_and_scales():
    u8 = np.arange(2 * 3 * 5, dtype=np.uint8).reshape(2, 3, 5) * 8
    out = images_to_float(u8, "w")
    assert out.shape == (2, 1, 3, 5) and out.dtype == np.float32 and out.flags.c_contiguous
    np.testing.assert_allclose(out[:, 0], u8 / 255, rtol=1e-6)
    assert images_to_float(np.full((1, 2, 2), 255, np.uint8), "w").max() == 1.0

    nhwc = np.zeros((2, 3, 5, 3), np.uint8)
    nhwc[..., 1] = 255
    out = images_to_float(nhwc, "w")
    assert out.shape == (2, 3, 3, 5) and out[:, 1].min() == 1 and out[:, 0].max() == 0

    nchw = np.zeros((2, 1, 28, 28), np.float32)  # last axis cannot be channels
    assert images_to_float(nchw, "w").shape == (2, 1, 28, 28)

    floats255 = np.full((1, 2, 2), 127.5)
    np.testing.assert_allclose(images_to_float(floats255, "w"), 0.5)
    floats01 = np.full((1, 2, 2), 0.25)
    np.testing.assert_allclose(images_to_float(floats01, "w"), 0.25)


@pytest.mark.parametrize(
    "x, words",
    [
        (np.zeros((2, 3)), "expected (N, H, W)"),
        (np.full((1, 2, 2), -1.0), "range from -1"),
        (np.full((1, 2, 2), 300, np.int32), "expected 0..255"),
        (np.full((1, 2, 2), np.inf), "NaN or infinite"),
        (np.array([["a"]]), "must be numbers"),
    ],
)
def test_images_to_float_refuses(x, words):
    with pytest.raises(DataError, match="^here: ") as info:
        images_to_float(x, "here")
    assert words in str(info.value)


def test_labels_to_int64():
    np.testing.assert_array_equal(labels_to_int64(np.array([[1], [2]], np.uint8), "w"), [1, 2])
    assert labels_to_int64(np.array([1.0, 2.0]), "w").dtype == np.int64
    with pytest.raises(DataError, match="whole numbers"):
        labels_to_int64(np.array([1.5]), "w")
    with pytest.raises(DataError, match="one-hot"):
        labels_to_int64(np.eye(3), "w")


def test_make_dataset_numbers_unnamed_classes():
    x, xt = np.zeros((3, 2, 2), np.uint8), np.zeros((1, 2, 2), np.uint8)
    ds = make_dataset("t", x, np.array([0, 1, 3]), xt, np.array([2]), None, "src")
    assert ds.classes == ("0", "1", "2", "3")
    with pytest.raises(DataError, match="^src: y_test: labels out of range: found 4, classes 0–3"):
        make_dataset("t", x, np.array([0, 1, 3]), xt, np.array([4]), None, "src")
