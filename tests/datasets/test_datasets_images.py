"""Folders of class sub-folders of images."""

import numpy as np
import pytest
from PIL import Image

from core.datasets import load_dataset, load_image_folder
from core.errors import DataError


def _save(path, value, size=(6, 5), mode="L"):
    path.parent.mkdir(parents=True, exist_ok=True)
    w, h = size
    if mode == "L":
        Image.fromarray(np.full((h, w), value, np.uint8)).save(path)
    else:
        Image.fromarray(np.full((h, w, 3), value, np.uint8), "RGB").save(path)


def _class_folder(root, counts=None):
    counts = counts or {"cat": 5, "dog": 10, "ant": 3}
    for cls, n in counts.items():
        for i in range(n):
            _save(root / cls / f"{i:02d}.png", 10 * i)
    return root


def test_split_80_20_per_class_sorted_classes_deterministic(tmp_path):
    root = _class_folder(tmp_path / "pets")
    (root / "cat" / "notes.txt").write_text("not an image")  # ignored
    (root / ".hidden").mkdir()  # ignored
    ds = load_dataset(str(root))
    assert ds.classes == ("ant", "cat", "dog")
    assert ds.x_train.shape[1:] == (1, 5, 6)
    assert (ds.n_train, ds.n_test) == (14, 4)
    assert np.bincount(ds.y_test, minlength=3).tolist() == [1, 1, 2]  # round(0.2 n), >= 1
    again = load_image_folder(root)
    np.testing.assert_array_equal(ds.x_train, again.x_train)
    np.testing.assert_array_equal(ds.y_test, again.y_test)


def test_pixels_are_grayscale_over_255(tmp_path):
    root = tmp_path / "colour"
    for cls in ("a", "b"):
        for i in range(3):
            _save(root / cls / f"{i}.png", 200, mode="RGB")
    ds = load_image_folder(root)
    np.testing.assert_allclose(ds.x_train, 200 / 255, rtol=1e-6)


def test_train_and_test_subfolders_are_used(tmp_path):
    root = tmp_path / "split"
    _class_folder(root / "train", {"x": 3, "y": 4})
    _class_folder(root / "test", {"x": 2})  # test may lack a class
    ds = load_dataset(str(root))
    assert ds.classes == ("x", "y")
    assert (ds.n_train, ds.n_test) == (7, 2)
    assert ds.y_test.tolist() == [0, 0]


def test_mismatched_size_names_the_first_odd_file(tmp_path):
    root = _class_folder(tmp_path / "sizes")
    odd = root / "dog" / "03.png"
    _save(odd, 0, size=(7, 5))
    _save(root / "dog" / "07.png", 0, size=(9, 9))  # a later odd one is not the one reported
    with pytest.raises(DataError) as info:
        load_dataset(str(root))
    message = str(info.value)
    assert message.startswith(f"{odd}: 7x5 pixels")
    assert str(root / "ant" / "00.png") in message and "6x5" in message


def test_empty_folder_names_the_folder(tmp_path):
    root = tmp_path / "empty"
    root.mkdir()
    with pytest.raises(DataError, match="no class sub-folders") as info:
        load_dataset(str(root))
    assert str(root) in str(info.value)


def test_class_folder_without_images_is_named(tmp_path):
    root = _class_folder(tmp_path / "gap")
    (root / "zebra").mkdir()
    with pytest.raises(DataError, match="no images") as info:
        load_dataset(str(root))
    assert str(root / "zebra") in str(info.value)


def test_unreadable_image_is_named(tmp_path):
    root = _class_folder(tmp_path / "corrupt")
    bad = root / "cat" / "02.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    with pytest.raises(DataError, match="cannot read as an image") as info:
        load_dataset(str(root))
    assert str(bad) in str(info.value)


def test_train_without_test_is_refused(tmp_path):
    root = tmp_path / "half"
    _class_folder(root / "train", {"x": 3})
    with pytest.raises(DataError, match="train/ sub-folder but no test/"):
        load_dataset(str(root))


def test_test_class_unknown_to_train_is_refused(tmp_path):
    root = tmp_path / "mismatch"
    _class_folder(root / "train", {"x": 3})
    _class_folder(root / "test", {"q": 1})
    with pytest.raises(DataError, match="q not in"):
        load_dataset(str(root))


def test_too_few_images_to_split(tmp_path):
    root = _class_folder(tmp_path / "tiny", {"a": 1})
    with pytest.raises(DataError, match="too few images"):
        load_dataset(str(root))
