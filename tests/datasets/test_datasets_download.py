"""Downloads against a local HTTP mirror of ../shared/data: md5, resume, skip, errors."""

import shutil
import socket

import pytest

from core.datasets import REMOTE_DATASETS, available_datasets, download, download_file, load_dataset
from core.datasets.download import file_md5
from core.errors import DataError

MNIST = REMOTE_DATASETS["mnist"]
MD5 = {f.name: f.md5 for f in MNIST.files}
SIZE = {f.name: f.size for f in MNIST.files}
T10K_IMAGES = "t10k-images-idx3-ubyte.gz"
T10K_LABELS = "t10k-labels-idx1-ubyte.gz"


def _cache_with_all_but(shared_mnist, cache, missing):
    """A cache folder holding verified copies of every MNIST file except ``missing``."""
    folder = cache / "datasets" / "mnist"
    folder.mkdir(parents=True)
    for f in MNIST.files:
        if f.name != missing:
            shutil.copyfile(shared_mnist / f.name, folder / f.name)
    return folder


def _no_leftovers(folder):
    return not list(folder.glob("*.part"))


def test_full_download_verifies_and_then_skips(shared_mnist, http_mirror, tmp_path):
    base, log = http_mirror(shared_mnist)
    calls = []
    folder = download("mnist", cache_dir=tmp_path, mirror=base, progress=lambda *a: calls.append(a))

    assert folder == tmp_path / "datasets" / "mnist"
    assert sorted(r["path"] for r in log) == sorted(MD5)
    assert all(r["status"] == 200 and r["range"] is None for r in log)
    for name, md5 in MD5.items():
        assert file_md5(folder / name) == md5
    assert _no_leftovers(folder)
    for name, size in SIZE.items():
        done = [c[1] for c in calls if c[0] == name]
        assert done == sorted(done) and done[-1] == size
        assert all(c[2] == size for c in calls if c[0] == name)

    ds = load_dataset("mnist", cache_dir=tmp_path)
    assert (ds.n_train, ds.n_test) == (60000, 10000) and ds.classes == tuple("0123456789")
    info = {i.name: i for i in available_datasets(cache_dir=tmp_path)}["mnist"]
    assert (info.kind, info.n_train, info.n_test) == ("downloaded", 60000, 10000)

    log.clear()
    calls.clear()
    download("mnist", cache_dir=tmp_path, mirror=base, progress=lambda *a: calls.append(a))
    assert log == []  # everything already present and verified
    assert sorted(calls) == sorted((name, size, size) for name, size in SIZE.items())


def test_mirror_from_env_and_present_files_skipped(shared_mnist, http_mirror, tmp_path, monkeypatch):
    base, log = http_mirror(shared_mnist)
    monkeypatch.setenv("BACKSTEP_MNIST_MIRROR", base.rstrip("/"))  # the slash is added
    folder = _cache_with_all_but(shared_mnist, tmp_path, T10K_LABELS)
    download("mnist", cache_dir=tmp_path)
    assert [r["path"] for r in log] == [T10K_LABELS]
    assert file_md5(folder / T10K_LABELS) == MD5[T10K_LABELS]


def test_default_cache_dir_is_the_user_cache(shared_mnist, http_mirror, tmp_path, monkeypatch):
    base, _ = http_mirror(shared_mnist)
    monkeypatch.setenv("BACKSTEP_CACHE_DIR", str(tmp_path / "cache"))
    _cache_with_all_but(shared_mnist, tmp_path / "cache", T10K_LABELS)
    assert download("mnist", mirror=base) == tmp_path / "cache" / "datasets" / "mnist"


def test_md5_mismatch_names_file_and_both_md5s_and_removes_it(shared_mnist, http_mirror, tmp_path):
    bad_root = tmp_path / "bad-mirror"
    bad_root.mkdir()
    data = bytearray((shared_mnist / T10K_LABELS).read_bytes())
    data[100] ^= 0xFF
    (bad_root / T10K_LABELS).write_bytes(bytes(data))
    bad_md5 = file_md5(bad_root / T10K_LABELS)
    base, _ = http_mirror(bad_root)
    folder = _cache_with_all_but(shared_mnist, tmp_path / "cache", T10K_LABELS)

    with pytest.raises(DataError) as info:
        download("mnist", cache_dir=tmp_path / "cache", mirror=base)
    message = str(info.value)
    assert T10K_LABELS in message and MD5[T10K_LABELS] in message and bad_md5 in message
    assert not (folder / T10K_LABELS).exists() and _no_leftovers(folder)


def test_resume_uses_a_range_request(shared_mnist, http_mirror, tmp_path):
    base, log = http_mirror(shared_mnist)
    folder = _cache_with_all_but(shared_mnist, tmp_path, T10K_IMAGES)
    head = (shared_mnist / T10K_IMAGES).read_bytes()[:600_000]
    (folder / (T10K_IMAGES + ".part")).write_bytes(head)
    calls = []

    download("mnist", cache_dir=tmp_path, mirror=base, progress=lambda *a: calls.append(a))
    assert log == [{"path": T10K_IMAGES, "range": "bytes=600000-", "status": 206}]
    assert file_md5(folder / T10K_IMAGES) == MD5[T10K_IMAGES]
    assert _no_leftovers(folder)
    first = next(c for c in calls if c[0] == T10K_IMAGES)
    assert first == (T10K_IMAGES, 600_000, SIZE[T10K_IMAGES])


def test_resume_restarts_cleanly_when_range_is_ignored(shared_mnist, http_mirror, tmp_path):
    base, log = http_mirror(shared_mnist, ignore_range=True)
    folder = _cache_with_all_but(shared_mnist, tmp_path, T10K_IMAGES)
    head = (shared_mnist / T10K_IMAGES).read_bytes()[:600_000]
    (folder / (T10K_IMAGES + ".part")).write_bytes(head)

    download("mnist", cache_dir=tmp_path, mirror=base)
    assert log == [{"path": T10K_IMAGES, "range": "bytes=600000-", "status": 200}]
    assert file_md5(folder / T10K_IMAGES) == MD5[T10K_IMAGES]  # not the head twice
    assert _no_leftovers(folder)


def test_a_bad_part_is_fetched_again_from_the_start(shared_mnist, http_mirror, tmp_path):
    base, log = http_mirror(shared_mnist)
    folder = _cache_with_all_but(shared_mnist, tmp_path, T10K_LABELS)
    (folder / (T10K_LABELS + ".part")).write_bytes(b"\xff" * 1000)  # not a prefix of the file

    download("mnist", cache_dir=tmp_path, mirror=base)
    assert [(r["range"], r["status"]) for r in log] == [("bytes=1000-", 206), (None, 200)]
    assert file_md5(folder / T10K_LABELS) == MD5[T10K_LABELS]


def test_a_part_longer_than_the_file_restarts(shared_mnist, http_mirror, tmp_path):
    base, log = http_mirror(shared_mnist)
    dest = tmp_path / T10K_LABELS
    (tmp_path / (T10K_LABELS + ".part")).write_bytes(b"\0" * (SIZE[T10K_LABELS] + 10))
    # size unknown to the caller: the server answers 416 and the download starts over
    assert download_file(base + T10K_LABELS, dest, MD5[T10K_LABELS], size=None)
    assert [r["status"] for r in log] == [416, 200]
    assert file_md5(dest) == MD5[T10K_LABELS]


def test_a_damaged_final_file_is_replaced(shared_mnist, http_mirror, tmp_path):
    base, log = http_mirror(shared_mnist)
    folder = _cache_with_all_but(shared_mnist, tmp_path, T10K_LABELS)
    (folder / T10K_LABELS).write_bytes(b"damaged")
    download("mnist", cache_dir=tmp_path, mirror=base)
    assert [r["path"] for r in log] == [T10K_LABELS]
    assert file_md5(folder / T10K_LABELS) == MD5[T10K_LABELS]


def test_cancel_from_progress_keeps_the_part_for_resuming(shared_mnist, http_mirror, tmp_path):
    base, log = http_mirror(shared_mnist)
    folder = _cache_with_all_but(shared_mnist, tmp_path, T10K_IMAGES)

    class CancelledError(Exception):
        pass

    def cancel_midway(name, done, total):
        if name == T10K_IMAGES and done > 200_000:
            raise CancelledError

    with pytest.raises(CancelledError):
        download("mnist", cache_dir=tmp_path, mirror=base, progress=cancel_midway)
    part = folder / (T10K_IMAGES + ".part")
    kept = part.stat().st_size
    assert 200_000 < kept < SIZE[T10K_IMAGES] and not (folder / T10K_IMAGES).exists()

    download("mnist", cache_dir=tmp_path, mirror=base)
    assert log[-1] == {"path": T10K_IMAGES, "range": f"bytes={kept}-", "status": 206}
    assert file_md5(folder / T10K_IMAGES) == MD5[T10K_IMAGES]


def test_file_url_mirror(shared_mnist, tmp_path):
    dest = tmp_path / T10K_LABELS
    url = (shared_mnist / T10K_LABELS).as_uri()
    assert download_file(url, dest, MD5[T10K_LABELS], SIZE[T10K_LABELS])
    assert file_md5(dest) == MD5[T10K_LABELS]


def test_http_error_names_the_url(http_mirror, tmp_path):
    empty = tmp_path / "empty-mirror"
    empty.mkdir()
    base, _ = http_mirror(empty)
    with pytest.raises(DataError, match="HTTP 404") as info:
        download("mnist", cache_dir=tmp_path / "cache", mirror=base)
    assert f"{base}train-images-idx3-ubyte.gz" in str(info.value)


def test_unreachable_mirror_names_the_url(tmp_path):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}/mnist/"
    with pytest.raises(DataError) as info:
        download("fashion-mnist", cache_dir=tmp_path, mirror=base)
    assert f"{base}train-images-idx3-ubyte.gz" in str(info.value)


def test_unknown_dataset_lists_downloadable_ones(tmp_path):
    with pytest.raises(DataError, match="mnist, fashion-mnist"):
        download("cifar-10", cache_dir=tmp_path)


def test_fashion_env_var_mirror(shared_fashion, http_mirror, tmp_path, monkeypatch):
    # Only the small label files travel; the image files are copied in place.
    base, log = http_mirror(shared_fashion)
    monkeypatch.setenv("BACKSTEP_FASHION_MNIST_MIRROR", base)
    folder = tmp_path / "datasets" / "fashion-mnist"
    folder.mkdir(parents=True)
    for name in ("train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz"):
        shutil.copyfile(shared_fashion / name, folder / name)
    download("fashion-mnist", cache_dir=tmp_path)
    assert sorted(r["path"] for r in log) == ["t10k-labels-idx1-ubyte.gz", "train-labels-idx1-ubyte.gz"]
    for f in REMOTE_DATASETS["fashion-mnist"].files:
        assert file_md5(folder / f.name) == f.md5
    info = {i.name: i for i in available_datasets(cache_dir=tmp_path)}["fashion-mnist"]
    assert (info.kind, info.n_train, info.n_test) == ("downloaded", 60000, 10000)
