"""The command line: every bad input exits 2 with one line naming the file, field or layer."""

import json
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import LECTURE, ROOT


def cli(*args, cwd=ROOT, env=None):
    import os
    e = dict(os.environ, **(env or {}))
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, env=e, timeout=300)


def assert_bad_input(result, *needles):
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = [lname for lname in result.stderr.strip().splitlines() if lname]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for n in needles:
        assert n in lines[0], (n, lines[0])


def write_spec(tmp_path, mutate, name="net.json"):
    data = json.loads(LECTURE.read_text())
    mutate(data)
    p = tmp_path / name
    p.write_text(json.dumps(data))
    return p


@pytest.mark.parametrize("content,needle", [
    (None, "no such file"), ("", "empty"), ("{not json", "not valid JSON"), ("[1, 2]", "JSON object"),
])
def test_unreadable_spec(tmp_path, content, needle):
    p = tmp_path / "spec.json"
    if content is not None:
        p.write_text(content)
    assert_bad_input(cli("gradcheck", p), str(p), needle)


@pytest.mark.parametrize("mutate,needles", [
    (lambda d: d["layers"][3].update(type="conv3d"), ["layers[3] (conv2)", "unknown layer type 'conv3d'"]),
    (lambda d: d["layers"][0].update(kernel_size=40), ["layers[0] (conv1)", "kernel"]),
    (lambda d: d["layers"][0].update(kernel_size=0), ["layers[0] (conv1)", "kernel_size"]),
    (lambda d: d["layers"][0].update(out_channels="six"), ["layers[0] (conv1)", "out_channels"]),
    (lambda d: d["layers"][0].update(colour="red"), ["layers[0] (conv1)", "colour"]),
    (lambda d: d["layers"][4].update(name="conv1"), ["layers[4]", "duplicate layer name 'conv1'"]),
    (lambda d: d["layers"].pop(6), ["layers[6] (fc1)", "flatten"]),
    (lambda d: d.update(format="other/2"), ["format"]),
    (lambda d: d["input"].update(shape=[1, -28, 28]), ["input.shape"]),
    (lambda d: d.update(classes=["a", "b"]), ["classes", "10 scores"]),
])
def test_invalid_spec(tmp_path, mutate, needles):
    p = write_spec(tmp_path, mutate)
    assert_bad_input(cli("train", p, "--epochs", "1", "--dataset", "shapes"), str(p), *needles)


@pytest.mark.parametrize("args,needle", [
    (["--lr", "0"], "--lr"), (["--lr", "-0.1"], "--lr"), (["--batch-size", "0"], "--batch-size"),
    (["--dataset", "nosuchset"], "nosuchset"),
])
def test_bad_options(args, needle):
    assert_bad_input(cli("train", LECTURE, "--epochs", "1", *args), needle)


def test_corrupt_dataset(tmp_path):
    d = tmp_path / "idx"
    d.mkdir()
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                 "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        (d / name).write_bytes(b"\x00\x00\x08\x03garbage")
    assert_bad_input(cli("train", LECTURE, "--dataset", d), str(d))


def test_mislabelled_dataset(tmp_path):
    p = tmp_path / "data.npz"
    rng = np.random.default_rng(0)
    np.savez(p, x_train=rng.random((20, 28, 28)), y_train=np.full(20, 12), x_test=rng.random((5, 28, 28)),
             y_test=np.zeros(5, int))
    assert_bad_input(cli("train", LECTURE, "--dataset", p), str(p), "12")


def test_weights_that_do_not_fit(tmp_path):
    w = tmp_path / "w.npz"
    np.savez(w, **{"conv1.weight": np.zeros((6, 1, 3, 3))})
    x, y = tmp_path / "x.npy", tmp_path / "y.npy"
    np.save(x, np.zeros((2, 1, 28, 28)))
    np.save(y, np.zeros(2, int))
    r = cli("trace", LECTURE, "--weights", w, "--input", x, "--labels", y, "--out", tmp_path / "t.npz")
    assert_bad_input(r, str(w))


def test_pickled_weights_are_refused(tmp_path):
    w = tmp_path / "w.npz"
    np.savez(w, **{"conv1.weight": np.array([object()], dtype=object)})
    x, y = tmp_path / "x.npy", tmp_path / "y.npy"
    np.save(x, np.zeros((2, 1, 28, 28)))
    np.save(y, np.zeros(2, int))
    r = cli("trace", LECTURE, "--weights", w, "--input", x, "--labels", y, "--out", tmp_path / "t.npz")
    assert_bad_input(r, str(w), "Python objects")


def test_divergence_names_phase_and_layer():
    r = cli("train", LECTURE, "--dataset", "shapes", "--epochs", "1", "--lr", "1e38")
    assert r.returncode == 1, r.stderr
    last = r.stderr.strip().splitlines()[-1]
    assert "phase" in last and "layer" in last and "Traceback" not in r.stderr


def test_every_command_has_help():
    for cmd in ("train", "trace", "gradcheck", "bench", "plugins", "datasets", "download"):
        r = cli(cmd, "--help")
        assert r.returncode == 0 and "usage" in r.stdout, cmd


def test_gradcheck_lecture_passes():
    r = cli("gradcheck", LECTURE)
    assert r.returncode == 0, r.stdout + r.stderr
    for layer in ("conv1", "sig1", "pool1", "conv2", "flat", "fc1", "fc2"):
        assert layer in r.stdout


def test_train_json_and_weights_round_trip(tmp_path):
    w = tmp_path / "w.npz"
    r = cli("train", LECTURE, "--dataset", "shapes", "--epochs", "1", "--json", "--save", w)
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout.strip().splitlines()[-1])
    assert {"epochs", "train_loss", "test_loss", "test_accuracy", "seconds"} <= set(summary)
    assert sorted(np.load(w).files) == sorted(["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias",
                                               "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"])


def test_trace_writes_the_contract_keys(tmp_path):
    w = tmp_path / "w.npz"
    assert cli("train", LECTURE, "--dataset", "shapes", "--epochs", "1", "--save", w).returncode == 0
    x, y, t = tmp_path / "x.npy", tmp_path / "y.npy", tmp_path / "t.npz"
    np.save(x, np.random.default_rng(0).random((3, 1, 28, 28)))
    np.save(y, np.array([1, 2, 3]))
    r = cli("trace", LECTURE, "--weights", w, "--input", x, "--labels", y, "--out", t)
    assert r.returncode == 0, r.stderr
    keys = set(np.load(t).files)
    assert {"loss", "probs", "conv1.out", "conv1.grad_out", "conv1.grad_in", "conv1.weight.grad",
            "fc2.bias.grad"} <= keys
    assert np.load(t)["probs"].shape == (3, 10)


def test_a_reader_that_goes_away_gets_no_traceback():
    """`backstep plugins | head -1`: the command stops quietly when its pipe closes."""
    child = subprocess.Popen([sys.executable, "main.py", "plugins"], cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    child.stdout.close()  # the reader is gone before the first line (head has read what it wanted)
    err = child.stderr.read()
    assert child.wait(120) == 1 and "Traceback" not in err and "BrokenPipe" not in err, err
