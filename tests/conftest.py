"""Shared fixtures: paths, the lecture network, a small dataset; headless Qt for every test."""

import os
import sys
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

LECTURE = ROOT / "resources" / "networks" / "lecture.json"
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory, monkeypatch):
    """Never touch the real user's folders: plugins, cache and settings go to a temporary home."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("BACKSTEP_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("BACKSTEP_CACHE_DIR", str(home / "cache"))
    monkeypatch.setenv("BACKSTEP_CONFIG_DIR", str(home / "config"))
    monkeypatch.delenv("BACKSTEP_PLUGIN_PATH", raising=False)
    monkeypatch.delenv("BACKSTEP_STRICT_PLUGINS", raising=False)


@pytest.fixture
def lecture_path():
    return LECTURE


@pytest.fixture
def shared_data():
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not present")
    return SHARED_DATA


def tiny_dataset(n_train=64, n_test=16, seed=0):
    """A random 28x28 dataset with 10 classes, built without touching disk."""
    from core.datasets import Dataset

    rng = np.random.default_rng(seed)
    return Dataset(name="tiny", x_train=rng.random((n_train, 1, 28, 28), dtype=np.float32),
                   y_train=rng.integers(0, 10, n_train), x_test=rng.random((n_test, 1, 28, 28), dtype=np.float32),
                   y_test=rng.integers(0, 10, n_test), classes=tuple("0123456789"), source="test")


@pytest.fixture
def tiny():
    return tiny_dataset()
