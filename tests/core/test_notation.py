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


def test_each_layers_formula_in_this_networks_own_names():
    """z⁽²⁾ = … g⁽²⁾ … a⁽¹⁾ for the second convolution, not z⁽ˡ⁺¹⁾ = … g⁽ˡ⁾ a⁽ˡ⁾ for all of them;
    a ReLU and a sigmoid each with its own definition and derivative."""
    from core.network import Network
    from core.notation import layer_formula
    from core.spec import load_spec, parse_spec
    from tests.conftest import LECTURE

    net = Network(load_spec(LECTURE))
    names = [n.name for n in net.nodes]
    f = layer_formula(net.nodes, names.index("conv2"))
    assert f.forward.startswith("z⁽²⁾ᵢⱼ = Σₘ Σₙ g⁽²⁾ₘₙ a⁽¹⁾")
    assert f.grads["weight"].startswith("∂L/∂g⁽²⁾ₘₙ = Σᵢ Σⱼ ∂L/∂z⁽²⁾ᵢⱼ a⁽¹⁾")
    assert "x₍ᵢ₊ₘ₎" in layer_formula(net.nodes, 0).forward  # the first one reads the input x
    assert layer_formula(net.nodes, names.index("fc2")).forward == "z⁽⁴⁾ᵢ = Σⱼ W⁽²⁾ᵢⱼ a⁽³⁾ⱼ + bᵢ"
    sig = layer_formula(net.nodes, names.index("sig1"))
    assert sig.forward == "f(z⁽¹⁾) = 1 / (1 + exp(−z⁽¹⁾))" and "f(z⁽¹⁾)(1 − f(z⁽¹⁾))" in sig.backward
    spec = load_spec(LECTURE).to_dict()
    spec["layers"][1]["type"] = "relu"
    relu_net = Network(parse_spec(spec))
    relu = layer_formula(relu_net.nodes, 1)
    assert relu.forward == "f(z⁽¹⁾) = max(0, z⁽¹⁾)" and "[z⁽¹⁾ > 0]" in relu.backward
    for i in range(len(net.nodes)):
        f = layer_formula(net.nodes, i)
        assert "⁽ˡ" not in f.forward + f.backward + "".join(f.grads.values())
