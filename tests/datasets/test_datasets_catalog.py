"""Built-in MNIST-5k, synthetic shapes, names, the dataset listing and the user folders."""

import time
from pathlib import Path

import numpy as np
import pytest

from core import paths
from core.datasets import (
    SHAPES_CLASSES,
    available_datasets,
    load_dataset,
    load_mnist5k,
    make_shapes,
)
from core.datasets.builtin import MNIST5K_PATH
from core.errors import DataError


def test_mnist5k_split_classes_and_range():
    ds = load_dataset("mnist-5k")
    assert (ds.n_train, ds.n_test) == (4000, 1000)
    assert ds.x_train.shape == (4000, 1, 28, 28) and ds.x_train.dtype == np.float32
    assert ds.classes == tuple(str(d) for d in range(10))
    assert np.bincount(ds.y_train).tolist() == [400] * 10
    assert np.bincount(ds.y_test).tolist() == [100] * 10
    for x in (ds.x_train, ds.x_test):
        assert x.min() == 0.0 and x.max() == 1.0
    assert not ds.x_train.flags.writeable
    assert ds.y_train[:20].tolist() != sorted(ds.y_train[:20].tolist())  # shuffled, not by class
    assert load_dataset("MNIST-5k") is ds  # cached


def test_mnist5k_resource_layout():
    with np.load(MNIST5K_PATH, allow_pickle=False) as z:
        assert z["images"].dtype == np.uint8 and z["images"].shape == (5000, 28, 28)
        assert z["labels"].dtype == np.uint8 and z["labels"].shape == (5000,)
        assert z["split"].tolist() == [0] * 4000 + [1] * 1000
        assert sorted(z["source_row"].tolist()) == list(range(5000))  # each CSV row once


def test_missing_builtin_file_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="missing"):
        load_mnist5k(tmp_path / "mnist5k.npz")


def test_shapes_deterministic_balanced_fast():
    times = []
    for _ in range(2):
        start = time.perf_counter()
        a = make_shapes(seed=3)
        times.append(time.perf_counter() - start)
    b = make_shapes(seed=3)
    c = make_shapes(seed=4)
    assert min(times) < 1.0
    assert (a.n_train, a.n_test, a.input_shape) == (3000, 600, (1, 28, 28))
    assert a.classes == SHAPES_CLASSES and len(SHAPES_CLASSES) == 6
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.x_train, c.x_train)
    assert np.bincount(a.y_train).tolist() == [500] * 6
    assert np.bincount(a.y_test).tolist() == [100] * 6
    assert a.x_train.min() >= 0 and a.x_train.max() <= 1


def test_shapes_patterns_have_their_orientation():
    # Noise-free horizontal bars vary along rows only; vertical ones along columns only.
    ds = make_shapes(n_train=60, n_test=6, noise=0.0)
    x = ds.x_train[:, 0]
    horizontal = x[ds.y_train == SHAPES_CLASSES.index("horizontal bar")]
    vertical = x[ds.y_train == SHAPES_CLASSES.index("vertical bar")]
    assert np.allclose(horizontal, horizontal[:, :, :1])  # constant along each row
    assert np.allclose(vertical, vertical[:, :1, :])  # constant along each column
    assert horizontal.std(axis=1).min() > 0.05  # but not blank


def test_shapes_by_name():
    ds = load_dataset("shapes")
    assert ds.name == "shapes" and ds.n_train == 3000


def test_unknown_name_lists_known_names():
    with pytest.raises(DataError) as info:
        load_dataset("cifar-10")
    message = str(info.value)
    assert "'cifar-10'" in message
    for name in ("mnist-5k", "mnist", "fashion-mnist", "shapes"):
        assert name in message


@pytest.mark.parametrize("name", ["mnist", "fashion-mnist"])
def test_not_downloaded_says_how_to_download(tmp_path, name):
    with pytest.raises(DataError, match=f"python main.py download {name}"):
        load_dataset(name, cache_dir=tmp_path)


def test_partly_downloaded_names_the_missing_files(tmp_path):
    folder = tmp_path / "datasets" / "mnist"
    folder.mkdir(parents=True)
    (folder / "train-images-idx3-ubyte.gz").write_bytes(b"x")
    with pytest.raises(DataError, match="missing train-labels-idx1-ubyte.gz, t10k-images") as info:
        load_dataset("mnist", cache_dir=tmp_path)
    assert "train-images" not in str(info.value).split("(files go")[0]


def test_available_datasets_lists_everything(tmp_path, make_idx_folder):
    idx = make_idx_folder(n_train=20, n_test=8)
    cache = tmp_path / "cache"
    mnist_folder = cache / "datasets" / "mnist"
    mnist_folder.parent.mkdir(parents=True)
    idx.rename(mnist_folder)
    data = tmp_path / "data"
    (data / "datasets" / "my-digits").mkdir(parents=True)
    (data / "datasets" / "extra.npz").write_bytes(b"")

    infos = {i.name: i for i in available_datasets(cache_dir=cache, data_dir=data)}
    assert infos["mnist-5k"].kind == "built-in"
    assert (infos["mnist-5k"].n_train, infos["mnist-5k"].n_test) == (4000, 1000)
    assert infos["shapes"].kind == "synthetic" and infos["shapes"].n_test == 600
    assert infos["mnist"].kind == "downloaded" and infos["mnist"].path == mnist_folder
    assert (infos["mnist"].n_train, infos["mnist"].n_test) == (20, 8)
    assert infos["fashion-mnist"].kind == "not downloaded"
    assert infos["fashion-mnist"].path == cache / "datasets" / "fashion-mnist"
    assert infos["my-digits"].kind == "on disk" and infos["extra"].kind == "on disk"


def test_names_from_the_user_datasets_folder(tmp_path, make_idx_folder):
    data = tmp_path / "data"
    (data / "datasets").mkdir(parents=True)
    make_idx_folder(n_train=20, n_test=8).rename(data / "datasets" / "mine")
    ds = load_dataset("mine", data_dir=data)
    assert ds.name == "mine" and ds.n_train == 20


def test_downloaded_idx_gets_known_class_names(tmp_path, make_idx_folder):
    folder = tmp_path / "datasets" / "fashion-mnist"
    folder.parent.mkdir(parents=True)
    src = make_idx_folder(compress=True)
    src.rename(folder)
    ds = load_dataset("fashion-mnist", cache_dir=tmp_path)
    assert ds.classes[0] == "T-shirt/top" and ds.classes[-1] == "Ankle boot"
    assert ds.name == "fashion-mnist"


def test_user_dirs_from_env(monkeypatch, tmp_path):
    monkeypatch.setenv("BACKSTEP_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.setenv("BACKSTEP_CACHE_DIR", str(tmp_path / "c"))
    assert paths.user_data_dir() == tmp_path / "d"
    assert paths.user_cache_dir() == tmp_path / "c"
    assert paths.user_plugin_dir() == tmp_path / "d" / "plugins"


def test_user_dirs_follow_xdg_then_home(monkeypatch, tmp_path):
    monkeypatch.delenv("BACKSTEP_DATA_DIR", raising=False)
    monkeypatch.delenv("BACKSTEP_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xd"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xc"))
    assert paths.user_data_dir() == tmp_path / "xd" / "backstep"
    assert paths.user_cache_dir() == tmp_path / "xc" / "backstep"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/ignored")
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert paths.user_data_dir() == tmp_path / "home" / ".local" / "share" / "backstep"
    assert paths.user_cache_dir() == tmp_path / "home" / ".cache" / "backstep"


def test_user_dirs_on_windows_and_macos(monkeypatch, tmp_path):
    for var in ("BACKSTEP_DATA_DIR", "BACKSTEP_CACHE_DIR", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr(paths.sys, "platform", "win32")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "local"))
    assert paths.user_data_dir() == tmp_path / "local" / "backstep"
    assert paths.user_cache_dir() == tmp_path / "local" / "backstep" / "cache"
    assert paths.user_plugin_dir() == tmp_path / "local" / "backstep" / "plugins"
    monkeypatch.setattr(paths.sys, "platform", "darwin")
    assert paths.user_data_dir() == tmp_path / "home" / "Library" / "Application Support" / "backstep"
    assert paths.user_cache_dir() == tmp_path / "home" / "Library" / "Caches" / "backstep"
    monkeypatch.setenv("BACKSTEP_DATA_DIR", str(tmp_path / "d"))  # the override wins everywhere
    assert paths.user_data_dir() == tmp_path / "d"


def test_default_cache_dir_comes_from_env(tmp_path, monkeypatch):
    monkeypatch.setenv("BACKSTEP_CACHE_DIR", str(tmp_path))
    with pytest.raises(DataError, match=str(Path(tmp_path) / "datasets" / "mnist")):
        load_dataset("mnist")


def test_missing_path_is_named_as_a_path(tmp_path):
    missing = tmp_path / "nowhere" / "data.npz"
    with pytest.raises(DataError, match="no such file or folder") as info:
        load_dataset(str(missing))
    assert str(info.value).startswith(f"{missing}: ")
