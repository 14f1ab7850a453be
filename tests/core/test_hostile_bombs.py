"""#14, resource bombs: each is refused before allocating, in one line naming the file or layer and
the size, with the command's peak memory (ru_maxrss of the child) under PEAK_MB.

The bound: a CLI command that loads numpy and the built-in plugins peaks at about 45 MB here;
PEAK_MB leaves room for that on any machine, and is far below every bomb (1 GB to terabytes).
"""

import gzip
import json
import os
import zipfile

import numpy as np
import pytest

from tests.fixtures.hostile import LECTURE, assert_one_line, cli, tiny_npz_dataset, write_lecture_variant

PEAK_MB = 200


def _npy_header(shape, dtype="<f8") -> bytes:
    """A version 1.0 .npy header declaring ``shape`` (and no data after it)."""
    header = repr({"descr": dtype, "fortran_order": False, "shape": tuple(shape)}).encode()
    header += b" " * (63 - (10 + len(header)) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header


def _npz_with(path, members: dict[str, bytes], compress=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compress) as z:
        for key, data in members.items():
            z.writestr(f"{key}.npy", data)
    return path


@pytest.fixture(scope="module")
def gigabyte_member(tmp_path_factory):
    """An .npz whose member inflates to 1 GiB of zeros (about 1 MB on disk)."""
    path = tmp_path_factory.mktemp("bomb") / "zeros.npz"
    n = 2**30
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z, z.open("x_train.npy", "w", force_zip64=True) as f:
        f.write(_npy_header((n,), "|u1"))
        block = bytes(2**24)
        for _ in range(n // len(block)):
            f.write(block)
    return path


def _run(*args, needles=()):
    r = cli(*args, measure=True)
    line = assert_one_line(r, *needles)
    assert r.peak_mb < PEAK_MB, (r.peak_mb, line)
    print(f"peak {r.peak_mb:.0f} MB, {r.seconds:.1f} s: {line}")  # (seen with pytest -s)
    return r, line


def test_a_spec_whose_parameters_need_hundreds_of_gigabytes(tmp_path):
    def huge(d):  # two dense layers of 100 000 units (the hyperparameter's maximum): 10^10 weights
        d["layers"][7].update(out_features=100000)
        d["layers"].insert(9, {"name": "fc_big", "type": "dense", "out_features": 100000})

    spec = write_lecture_variant(tmp_path / "huge.json", huge)
    for command in (["gradcheck", spec], ["train", spec, "--dataset", "shapes"], ["bench", spec]):
        _run(*command, needles=(str(spec), "layers[9] (fc_big)", "10,000,100,000 parameters", "GB"))


def test_a_spec_whose_activations_need_terabytes(tmp_path):
    spec = write_lecture_variant(tmp_path / "wide.json", lambda d: d["input"].update(shape=[1, 200000, 200000]))
    _run("gradcheck", spec, needles=(str(spec), "TB"))


def test_bench_with_a_batch_of_a_hundred_million():
    _run("bench", LECTURE, "--batch-size", "100000000", needles=("--batch-size 100000000", "TB"))


@pytest.mark.parametrize("which", ["weights", "input", "labels"])
def test_an_npy_header_declaring_a_trillion_elements(tmp_path, which):
    w, x, y = tmp_path / "w.npz", tmp_path / "x.npy", tmp_path / "y.npy"
    from core.network import Network
    from core.spec import load_spec

    np.savez(w, **Network(load_spec(LECTURE)).flat_params())
    np.save(x, np.zeros((2, 1, 28, 28)))
    np.save(y, np.array([1, 2]))
    bomb = {"weights": w, "input": x, "labels": y}[which]
    if which == "weights":
        _npz_with(w, {"conv1.weight": _npy_header((10**12,))})
    else:
        bomb.write_bytes(_npy_header((10**12,), "<i8" if which == "labels" else "<f8"))
    assert os.path.getsize(bomb) < 1000
    _run("trace", LECTURE, "--weights", w, "--input", x, "--labels", y, "--out", tmp_path / "t.npz",
         needles=(str(bomb),))


def test_a_session_header_declaring_a_trillion_elements(tmp_path):
    from core.session import SessionError, load_session

    path = _npz_with(tmp_path / "s.bstep", {"meta.json": _npy_header((10**12,), "|u1")})
    with pytest.raises(SessionError, match="s.bstep: meta.json: truncated"):
        load_session(path)


def test_a_zip_member_that_inflates_to_a_gigabyte(gigabyte_member, tmp_path):
    assert os.path.getsize(gigabyte_member) < 5 * 2**20
    _run("train", LECTURE, "--dataset", gigabyte_member, needles=(str(gigabyte_member), "x_train", "zip bomb"))
    w = tmp_path / "w.npz"
    os.link(gigabyte_member, w)
    _run("trace", LECTURE, "--weights", w, "--input", "x.npy", "--labels", "y.npy", "--out", tmp_path / "t.npz",
         needles=(str(w),))


def test_a_gzip_idx_that_inflates_a_thousand_to_one(tmp_path):
    folder = tmp_path / "idx"
    folder.mkdir()
    n, size = 1000, 316  # 100 MB of zeros: about 100 KB of gzip
    header = bytes([0, 0, 8, 3]) + np.asarray((n, size, size), ">u4").tobytes()
    with gzip.open(folder / "train-images-idx3-ubyte.gz", "wb") as f:
        f.write(header)
        for _ in range(n):
            f.write(bytes(size * size))
    compressed = os.path.getsize(folder / "train-images-idx3-ubyte.gz")
    assert n * size * size / compressed > 500
    small = tmp_path / "small"
    from core.datasets.idx import write_idx

    rng = np.random.default_rng(0)
    write_idx(folder / "train-labels-idx1-ubyte.gz", np.arange(n, dtype=np.uint8) % 10, compress=True)
    write_idx(folder / "t10k-images-idx3-ubyte.gz", rng.integers(0, 255, (5, size, size), dtype=np.uint8), True)
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", np.arange(5, dtype=np.uint8), compress=True)
    del small
    _run("train", LECTURE, "--dataset", folder, needles=("train-images-idx3-ubyte.gz", "gzip bomb"))


def test_an_idx_header_declaring_far_more_than_memory(tmp_path):
    from core.datasets.idx import read_idx
    from core.errors import DataError

    path = tmp_path / "huge-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(bytes([0, 0, 8, 3]) + np.asarray((2**31, 2**15, 2**15), ">u4").tobytes()))
    with pytest.raises(DataError, match="huge-idx3-ubyte.gz"):
        read_idx(path)


def test_an_image_folder_that_decodes_to_tens_of_gigabytes(tmp_path):
    from PIL import Image

    root = tmp_path / "images"
    for cls in ("a", "b"):
        (root / cls).mkdir(parents=True)
    first = root / "a" / "000.png"
    Image.new("L", (6000, 6000)).save(first)  # 36 Mpixel of black: a few KB of PNG
    for cls in ("a", "b"):
        for i in range(1, 151):
            os.link(first, root / cls / f"{i:03d}.png")  # 300 of them: 54 GB as float32
    _run("train", LECTURE, "--dataset", root, needles=(str(root), "6000x6000", "GB"))


@pytest.mark.parametrize("text,needle", [
    ("[" * 100000 + "]" * 100000, "nested"),
    ('{"format": "backstep.network/1", "n": ' + "9" * 5000 + "}", "digits"),
    ('{"a": ' * 40 + "1" + "}" * 40, "at most 32"),
], ids=["deep-lists", "5000-digits", "deep-objects"])  # (short ids: PYTEST_CURRENT_TEST goes into the env)
def test_json_that_trips_the_parsers_limits(tmp_path, text, needle):
    spec = tmp_path / "odd.json"
    spec.write_text(text)
    _run("gradcheck", spec, needles=(str(spec), needle))


def test_json_limits_in_a_session(tmp_path):
    from core.session import SessionError, load_session

    path = tmp_path / "s.bstep"
    meta = b'{"format": "backstep.session/1", "counters": ' + b"[" * 100000 + b"]" * 100000 + b"}"
    with open(path, "wb") as f:
        np.savez(f, **{"meta.json": np.frombuffer(meta, np.uint8)})
    with pytest.raises(SessionError, match="meta.json: JSON nested too deeply"):
        load_session(path)
    meta = b'{"format": "backstep.session/1", "counters": {"epoch": ' + b"7" * 5000 + b"}}"
    with open(path, "wb") as f:
        np.savez(f, **{"meta.json": np.frombuffer(meta, np.uint8)})
    with pytest.raises(SessionError, match="meta.json: not usable JSON"):
        load_session(path)


def test_a_train_batch_too_large_for_memory(tmp_path):
    data = tiny_npz_dataset(tmp_path / "d.npz")
    _run("train", LECTURE, "--dataset", data, "--batch-size", str(10**9), needles=("--batch-size", "TB"))
    assert json.loads(json.dumps(PEAK_MB)) == PEAK_MB
