"""The lecture's names for other networks too: numbering follows the weighted layers."""

from core.network import Network
from core.notation import lecture_steps, output_symbols
from core.spec import parse_spec


def spec(layers, shape=(1, 8, 8)):
    return parse_spec({"format": "backstep.network/1", "input": {"shape": list(shape)}, "layers": layers})


def test_mlp_names():
    net = Network(spec([{"name": "f", "type": "flatten"}, {"name": "h", "type": "dense", "out_features": 5},
                        {"name": "r", "type": "relu"}, {"name": "o", "type": "dense", "out_features": 3}]))
    assert [s.ascii for s in output_symbols(net.nodes)] == ["f(x)", "z(1)", "a(1)", "z(2)"]
    assert [q.ascii for q in lecture_steps(net.nodes)] == ["dL/dy_hat", "dL/dz(2)", "dL/dW(2)", "dL/dz(1)", "dL/dW(1)"]


def test_lecture_names(lecture_path):
    from core.spec import load_spec
    net = Network(load_spec(lecture_path))
    assert [s.ascii for s in output_symbols(net.nodes)] == [
        "z(1)", "f(z(1))", "a(1)", "z(2)", "f(z(2))", "a(2)", "a(2)", "z(3)", "a(3)", "z(4)"]
