"""#14, special files and odd arguments: a FIFO or /dev/zero is refused from its stat, never opened
(so nothing hangs or fills memory); odd options and bad input batches are one line, exit 2."""

import os

import numpy as np
import pytest

from core.errors import BackstepError
from tests.fixtures.hostile import LECTURE, assert_one_line, cli, tiny_npz_dataset

QUICK_S = 30  # a FIFO that was opened would block until the timeout of cli() (120 s)


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "pipe.json"
    os.mkfifo(path)
    return path


@pytest.fixture
def batch(tmp_path):
    from core.network import Network
    from core.spec import load_spec

    w, x, y = tmp_path / "w.npz", tmp_path / "x.npy", tmp_path / "y.npy"
    np.savez(w, **Network(load_spec(LECTURE)).flat_params())
    np.save(x, np.zeros((2, 1, 28, 28)))
    np.save(y, np.array([1, 2]))
    return w, x, y


def _trace(tmp_path, w, x, y):
    return cli("trace", LECTURE, "--weights", w, "--input", x, "--labels", y, "--out", tmp_path / "t.npz")


@pytest.mark.parametrize("special", ["fifo", "/dev/zero", "/dev/null"])
def test_a_special_file_as_the_spec(special, fifo):
    path = fifo if special == "fifo" else special
    r = cli("gradcheck", path)
    assert_one_line(r, str(path), "FIFO" if special == "fifo" else "character device")
    assert r.seconds < QUICK_S


def test_a_fifo_as_the_dataset_weights_input_or_labels(tmp_path, fifo, batch):
    r = cli("train", LECTURE, "--dataset", fifo, "--epochs", "1")
    assert_one_line(r, str(fifo), "FIFO")
    w, x, y = batch
    for args in ((fifo, x, y), (w, fifo, y), (w, x, fifo), (w, "/dev/zero", y)):
        r = _trace(tmp_path, *args)
        assert_one_line(r, "pipe.json" if fifo in args else "/dev/zero")
        assert r.seconds < QUICK_S


def test_a_sessions_dataset_naming_a_fifo_is_refused_without_opening_it(fifo):
    from core.datasets import load_dataset

    with pytest.raises(BackstepError, match="FIFO"):
        load_dataset(str(fifo))
    with pytest.raises(BackstepError, match="character device"):
        load_dataset("/dev/zero")


@pytest.mark.parametrize("args,needle", [
    (["train", LECTURE, "--seed", "-1"], "--seed"),
    (["gradcheck", LECTURE, "--seed", "-5"], "--seed"),
    (["gradcheck", LECTURE, "--batch", "0"], "--batch"),
    (["gradcheck", LECTURE, "--batch", "-3"], "--batch"),
    (["gradcheck", LECTURE, "--tol", "nan"], "--tol"),
    (["train", LECTURE, "--epochs", "0"], "--epochs"),
    (["train", LECTURE, "--lr", "inf"], "--lr"),
    (["bench", LECTURE, "--iterations", "-1"], "--iterations"),
    (["train", LECTURE, "--dataset", "~nouser/x"], "~nouser"),
    (["train", LECTURE, "--dataset", "~nouser"], "~nouser"),
])
def test_odd_arguments(args, needle):
    r = cli(*args)
    assert_one_line(r, needle)
    assert r.seconds < QUICK_S


def test_a_path_with_a_nul_byte_is_one_error():
    from core.errors import SpecError
    from core.spec import load_spec

    with pytest.raises(SpecError, match="not a usable path"):
        load_spec("bad\0name.json")


def test_trace_refuses_an_empty_batch(tmp_path, batch):
    w, x, y = batch
    np.save(x, np.zeros((0, 1, 28, 28)))
    np.save(y, np.zeros(0, int))
    assert_one_line(_trace(tmp_path, w, x, y), str(x), "empty")


def test_trace_refuses_nan_or_inf_inputs(tmp_path, batch):
    w, x, y = batch
    for bad in (np.nan, np.inf):
        a = np.zeros((2, 1, 28, 28))
        a[1, 0, 3, 3] = bad
        np.save(x, a)
        assert_one_line(_trace(tmp_path, w, x, y), str(x), "NaN or Inf")
        assert not (tmp_path / "t.npz").exists()


def test_trace_refuses_weights_or_inputs_that_overflow_float32(tmp_path, batch):
    w, x, y = batch
    arrays = dict(np.load(w))
    arrays["fc1.weight"] = arrays["fc1.weight"].astype(np.float64)
    arrays["fc1.weight"][0, 0] = 1e300
    np.savez(w, **arrays)
    r = cli("trace", LECTURE, "--weights", w, "--input", x, "--labels", y, "--out", tmp_path / "t.npz",
            "--dtype", "float32")
    assert_one_line(r, str(w), "fc1.weight", "overflow float32")
    np.savez(w, **{k: v for k, v in np.load(batch[0]).items()} | {"fc1.weight": arrays["fc1.weight"] * 0})
    np.save(x, np.full((2, 1, 28, 28), 1e300))
    r = cli("trace", LECTURE, "--weights", w, "--input", x, "--labels", y, "--out", tmp_path / "t.npz",
            "--dtype", "float32")
    assert_one_line(r, str(x), "overflow float32")
    assert not (tmp_path / "t.npz").exists()


def test_a_good_trace_still_works(tmp_path, batch):
    r = _trace(tmp_path, *batch)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "t.npz").is_file()


def test_train_on_a_tiny_dataset_still_works(tmp_path):
    r = cli("train", LECTURE, "--dataset", tiny_npz_dataset(tmp_path / "d.npz"), "--epochs", "1")
    assert r.returncode == 0, r.stderr
