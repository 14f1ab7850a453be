"""A whole network's trace (every output and gradient of one batch) matches PyTorch in float64."""

import numpy as np
import pytest

from core.bench import torch_model
from core.io import trace
from core.network import Network
from core.spec import load_spec, parse_spec

torch = pytest.importorskip("torch")

MIXED = {"format": "backstep.network/1", "input": {"shape": [2, 12, 12]}, "layers": [
    {"name": "c1", "type": "conv2d", "out_channels": 4, "kernel_size": 3, "stride": 2, "padding": 2},
    {"name": "r1", "type": "relu"},
    {"name": "p1", "type": "avgpool2d", "kernel_size": 2, "stride": 2},
    {"name": "c2", "type": "conv2d", "out_channels": 5, "kernel_size": 2, "padding": 1},
    {"name": "t1", "type": "tanh"},
    {"name": "p2", "type": "maxpool2d", "kernel_size": 2, "stride": 1},
    {"name": "f", "type": "flatten"},
    {"name": "d", "type": "dense", "out_features": 3}]}


@pytest.mark.parametrize("which", ["lecture", "mixed"])
def test_trace_matches_torch(which, lecture_path):
    spec = load_spec(lecture_path) if which == "lecture" else parse_spec(MIXED)
    net = Network(spec, dtype=np.float64, seed=3)
    rng = np.random.default_rng(0)
    x = rng.random((5, *net.input_shape))
    y = rng.integers(0, net.n_classes, 5)
    ours = trace(net, x, y)

    model = torch_model(net)
    tx = torch.from_numpy(x).requires_grad_(True)
    outs, h = [], tx
    for m in model:
        h = m(h)
        h.retain_grad()
        outs.append(h)
    loss = torch.nn.functional.cross_entropy(h, torch.from_numpy(y))
    loss.backward()
    assert float(ours["loss"]) == pytest.approx(loss.item(), abs=1e-12)
    np.testing.assert_allclose(ours["probs"], torch.softmax(h, 1).detach().numpy(), atol=1e-12)
    for node, m, out in zip(net.nodes, model, outs):
        np.testing.assert_allclose(ours[f"{node.name}.out"], out.detach().numpy(), rtol=0, atol=1e-10)
        np.testing.assert_allclose(ours[f"{node.name}.grad_out"], out.grad.numpy(), rtol=0, atol=1e-10)
        for k, p in m.named_parameters():
            np.testing.assert_allclose(ours[f"{node.name}.{k}.grad"], p.grad.numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(ours[f"{net.nodes[0].name}.grad_in"], tx.grad.numpy(), rtol=0, atol=1e-10)
