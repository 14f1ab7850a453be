"""export: ONNX in onnxruntime and the generated PyTorch file in torch agree with trace on real digits."""

import functools
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core.cli import main as cli
from core.io import read_weights, save_npz
from core.network import Network
from core.safetensors_io import read_safetensors
from core.spec import load_spec, parse_spec
from tests.datasets.conftest import shared_mnist  # noqa: F401 - a fixture

ROOT = Path(__file__).resolve().parents[2]
MIXED = {"format": "backstep.network/1", "name": "Mixed net", "input": {"shape": [1, 28, 28]}, "layers": [
    {"name": "c1", "type": "conv2d", "out_channels": 4, "kernel_size": 5, "stride": 2, "padding": 2},
    {"name": "r1", "type": "relu"},
    {"name": "p1", "type": "avgpool2d", "kernel_size": 2, "stride": 2},
    {"name": "c2", "type": "conv2d", "out_channels": 6, "kernel_size": 3, "padding": 1},
    {"name": "t1", "type": "tanh"},
    {"name": "p2", "type": "maxpool2d", "kernel_size": 3, "stride": 2},
    {"name": "f", "type": "flatten"},
    {"name": "d", "type": "dense", "out_features": 10}]}


def spec_file(tmp_path, which):
    if which == "lecture":
        return ROOT / "resources" / "networks" / "lecture.json"
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps(MIXED))
    return path


@pytest.fixture
def digits(shared_mnist):  # noqa: F811 - the imported fixture
    """The first 7 test digits of the real MNIST, (7, 1, 28, 28) in [0, 1], and their labels."""
    return _digits(shared_mnist)


@functools.cache
def _digits(folder):
    from core.datasets.idx import read_idx

    x = read_idx(folder / "t10k-images-idx3-ubyte.gz")[:7].astype(np.float32)[:, None] / 255
    y = read_idx(folder / "t10k-labels-idx1-ubyte.gz")[:7].astype(np.int64)
    return x, y


def weights_for(tmp_path, spec_path, seed=1):
    """Weights of the network (seeded, scaled up so the probabilities are far from uniform)."""
    net = Network(load_spec(spec_path), dtype=np.float64, seed=seed)
    flat = {k: v * (3.0 if k.endswith("weight") else 1.0) + (0.1 if k.endswith("bias") else 0.0)
            for k, v in net.flat_params().items()}
    path = tmp_path / f"{spec_path.stem}.npz"
    save_npz(path, flat)
    return path


def traced_probs(tmp_path, spec_path, weights, x, y):
    """trace's probabilities, through the CLI (float64)."""
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    out = tmp_path / "t.npz"
    assert cli(["trace", str(spec_path), "--weights", str(weights), "--input", str(tmp_path / "x.npy"),
                "--labels", str(tmp_path / "y.npy"), "--out", str(out)]) == 0
    with np.load(out) as t:
        return t["probs"]


@pytest.mark.parametrize("which", ["lecture", "mixed"])
def test_onnx_in_onnxruntime_agrees_with_trace(tmp_path, which, digits, capsys):
    ort = pytest.importorskip("onnxruntime")
    onnx = pytest.importorskip("onnx")
    spec_path = spec_file(tmp_path, which)
    weights = weights_for(tmp_path, spec_path)
    out = tmp_path / "model.onnx"
    assert cli(["export", str(spec_path), "--weights", str(weights), "--to", "onnx", "--out", str(out)]) == 0
    assert "largest difference from Backstep" in capsys.readouterr().out
    model = onnx.load(str(out))
    onnx.checker.check_model(model, full_check=True)
    assert model.opset_import[0].version == 17 and model.ir_version == 8
    assert [i.name for i in model.graph.input] == ["x"] and [o.name for o in model.graph.output] == ["logits", "probs"]
    assert model.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "N"
    assert {t.name for t in model.graph.initializer} == set(read_weights(weights))
    sess = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    x, y = digits
    for n in (1, 7):
        expect = traced_probs(tmp_path, spec_path, weights, x[:n], y[:n])
        logits, probs = sess.run(["logits", "probs"], {"x": x[:n]})
        assert probs.shape == (n, 10) and logits.shape == (n, 10)
        np.testing.assert_allclose(probs, expect, rtol=0, atol=1e-5)
        assert expect.max() > 0.5  # not a uniform guess: the comparison means something


@pytest.mark.parametrize("which", ["lecture", "mixed"])
def test_pytorch_file_in_torch_agrees_with_trace(tmp_path, which, digits):
    torch = pytest.importorskip("torch")
    spec_path = spec_file(tmp_path, which)
    weights = weights_for(tmp_path, spec_path)
    out = tmp_path / "exported" / "net.py"
    assert cli(["export", str(spec_path), "--weights", str(weights), "--to", "pytorch", "--out", str(out)]) == 0
    assert (out.parent / "net.safetensors").is_file()
    from core.export.check import import_file

    module = import_file(out)
    model = module.load()
    assert set(model.state_dict()) == set(read_weights(weights))
    name = "LectureCNN" if which == "lecture" else "MixedNet"
    assert type(model).__name__ == name and f"class {name}(nn.Module)" in out.read_text()
    assert "nn.Conv2d" in out.read_text() and "nn.Linear" in out.read_text()
    x, y = digits
    for n in (1, 7):
        expect = traced_probs(tmp_path, spec_path, weights, x[:n], y[:n])
        with torch.no_grad():
            probs = torch.softmax(model(torch.from_numpy(x[:n])), dim=1).numpy()
        np.testing.assert_allclose(probs, expect, rtol=0, atol=1e-5)


def test_the_pytorch_file_needs_only_torch_and_safetensors(tmp_path):
    pytest.importorskip("torch")
    spec_path = spec_file(tmp_path, "lecture")
    weights = weights_for(tmp_path, spec_path)
    out = tmp_path / "alone" / "lecture_model.py"
    assert cli(["export", str(spec_path), "--weights", str(weights), "--to", "pytorch", "--out", str(out),
                "--no-check"]) == 0
    code = f"""
import sys
from pathlib import Path
sys.path = [p for p in sys.path if p and not (Path(p) / "core" / "api.py").exists()]
sys.path.insert(0, {str(out.parent)!r})
import torch
import lecture_model
m = lecture_model.load()
z = m(torch.zeros(2, *lecture_model.INPUT_SHAPE))
mine = [n for n in sys.modules if n.split(".")[0] in ("core", "plugins", "desktop")]
assert not mine, mine
print(tuple(z.shape), sorted(dict(m.named_parameters()))[:2])
"""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    r = subprocess.run([sys.executable, "-I", "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "(2, 10) ['conv1.bias', 'conv1.weight']"


@pytest.mark.parametrize("source", ["float64", "float32"])
def test_safetensors_round_trips_bit_exactly(tmp_path, source):
    spec_path = spec_file(tmp_path, "lecture")
    net = Network(load_spec(spec_path), dtype=np.dtype(source), seed=2)
    save_npz(tmp_path / "w.npz", net.flat_params())
    out = tmp_path / "w.safetensors"
    assert cli(["export", str(spec_path), "--weights", str(tmp_path / "w.npz"), "--to", "safetensors",
                "--out", str(out)]) == 0
    back, orig = read_safetensors(out), read_weights(tmp_path / "w.npz")
    assert set(back) == set(orig)
    for k in orig:
        assert back[k].dtype == orig[k].dtype and back[k].tobytes() == orig[k].tobytes()
    # and .safetensors is accepted wherever weights are read: trace, export
    x = np.random.default_rng(0).random((3, 1, 28, 28))
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", np.array([1, 2, 3]))
    for w, t in (("w.npz", "a.npz"), ("w.safetensors", "b.npz")):
        assert cli(["trace", str(spec_path), "--weights", str(tmp_path / w), "--input", str(tmp_path / "x.npy"),
                    "--labels", str(tmp_path / "y.npy"), "--out", str(tmp_path / t)]) == 0
    with np.load(tmp_path / "a.npz") as a, np.load(tmp_path / "b.npz") as b:
        assert np.array_equal(a["probs"], b["probs"])
    assert cli(["export", str(spec_path), "--weights", str(out), "--to", "safetensors",
                "--out", str(tmp_path / "again.safetensors")]) == 0


def test_a_plugin_layer_without_mapping_is_refused_by_name(tmp_path, monkeypatch, capsys):
    from tests.fixtures.plugins import GOOD

    (tmp_path / "softsign.py").write_text(GOOD)
    monkeypatch.setenv("BACKSTEP_PLUGIN_PATH", str(tmp_path))
    import core.registry

    monkeypatch.setattr(core.registry, "_default", None)  # discover again, with the plugin folder
    spec = {"format": "backstep.network/1", "name": "p", "input": {"shape": [1, 28, 28]},
            "layers": [{"name": "f", "type": "flatten"}, {"name": "soft", "type": "softsign"},
                       {"name": "d", "type": "dense", "out_features": 10}]}
    (tmp_path / "p.json").write_text(json.dumps(spec))
    net = Network(parse_spec(spec))
    save_npz(tmp_path / "w.npz", net.flat_params())
    for target, suffix in (("onnx", "onnx"), ("pytorch", "py")):
        out = tmp_path / f"m.{suffix}"
        code = cli(["export", str(tmp_path / "p.json"), "--weights", str(tmp_path / "w.npz"), "--to", target,
                    "--out", str(out)])
        err = capsys.readouterr().err.strip()
        assert code == 2 and "soft (softsign)" in err and len(err.splitlines()) == 1, err
        assert not out.exists()


def test_bad_weights_are_named_with_exit_2(tmp_path, capsys):
    spec_path = spec_file(tmp_path, "lecture")
    net = Network(load_spec(spec_path), seed=0)
    w = net.flat_params()
    w["fc1.weight"] = w["fc1.weight"][:, :5]
    save_npz(tmp_path / "w.npz", w)
    code = cli(["export", str(spec_path), "--weights", str(tmp_path / "w.npz"), "--to", "onnx",
                "--out", str(tmp_path / "m.onnx")])
    err = capsys.readouterr().err
    assert code == 2 and "w.npz" in err and "fc1.weight" in err
    (tmp_path / "bad.safetensors").write_bytes(b"not a safetensors file")
    code = cli(["export", str(spec_path), "--weights", str(tmp_path / "bad.safetensors"), "--to", "onnx",
                "--out", str(tmp_path / "m.onnx")])
    assert code == 2 and "bad.safetensors" in capsys.readouterr().err


def test_a_model_that_computes_something_else_fails_the_check(tmp_path, monkeypatch, capsys):
    pytest.importorskip("onnxruntime")
    import plugins.sigmoid

    spec_path = spec_file(tmp_path, "lecture")
    weights = weights_for(tmp_path, spec_path)
    monkeypatch.setattr(plugins.sigmoid.Sigmoid, "to_onnx", lambda self, g, x, s: g.op("Tanh", [x]))
    code = cli(["export", str(spec_path), "--weights", str(weights), "--to", "onnx", "--out", str(tmp_path / "m.onnx")])
    err = capsys.readouterr().err
    assert code == 1 and "differs from Backstep" in err


def test_the_template_plugin_exports_to_both(tmp_path, monkeypatch, capsys):
    """A user's layer with to_onnx and to_torch (the template's leaky ReLU) exports and checks."""
    import shutil

    import core.registry

    pytest.importorskip("onnxruntime")
    pytest.importorskip("torch")
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    shutil.copy(ROOT / "resources" / "plugin_template.py", plugins / "leaky.py")
    monkeypatch.setenv("BACKSTEP_PLUGIN_PATH", str(plugins))
    monkeypatch.setattr(core.registry, "_default", None)
    spec = dict(MIXED, layers=[dict(MIXED["layers"][0]), {"name": "lk", "type": "leaky_relu", "slope": 0.2},
                               *MIXED["layers"][2:]])
    (tmp_path / "s.json").write_text(json.dumps(spec))
    weights = weights_for(tmp_path, tmp_path / "s.json")
    for target, out in (("onnx", "m.onnx"), ("pytorch", "m.py")):
        assert cli(["export", str(tmp_path / "s.json"), "--weights", str(weights), "--to", target,
                    "--out", str(tmp_path / out)]) == 0
        assert "largest difference from Backstep" in capsys.readouterr().out


def test_without_the_safetensors_package_a_weights_file_says_to_install_it(tmp_path, monkeypatch):
    from core.errors import WeightsError
    from core.safetensors_io import safetensors_shapes

    path = tmp_path / "w.safetensors"
    path.write_bytes(b"\0" * 16)
    monkeypatch.setitem(sys.modules, "safetensors", None)  # (import safetensors now raises ImportError)
    monkeypatch.setitem(sys.modules, "safetensors.numpy", None)
    with pytest.raises(WeightsError, match="pip install safetensors"):
        safetensors_shapes(path)
