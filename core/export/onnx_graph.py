"""The network as one ONNX model, built with the ``onnx`` package's helpers.

Input ``x`` (N, C, H, W) float32 with a symbolic batch dimension "N"; outputs ``logits`` (N, K)
and ``probs`` = Softmax(logits, axis 1). Each layer adds its own nodes through its ``to_onnx``
hook (core.api.Layer) on an :class:`OnnxGraph`; its parameters become float32 initializers named
by the weights contract (``conv1.weight``). The model declares opset 17 and IR version 8, which
every onnxruntime since 1.14 (2023) loads, and passes ``onnx.checker``'s full check (with shape
inference).
"""

from __future__ import annotations

import numpy as np

from core.api import Layer
from core.errors import BackstepError

OPSET = 17
IR_VERSION = 8


def onnx_module():
    try:
        import onnx
    except ImportError:
        raise BackstepError("export --to onnx needs the onnx package (pip install onnx, or backstep[export])") from None
    return onnx


class OnnxGraph:
    """What a layer's ``to_onnx`` sees: ``op`` adds a node, ``param`` names a parameter."""

    def __init__(self, params: dict[str, dict[str, np.ndarray]]):
        self.onnx = onnx_module()
        self.params = params
        self.nodes: list = []
        self.initializers: list = []
        self.layer = ""  # the layer being added

    def param(self, name: str) -> str:
        """The current layer's parameter ``name`` as a float32 initializer; returns its name."""
        key = f"{self.layer}.{name}"
        if not any(t.name == key for t in self.initializers):
            arr = np.asarray(self.params[self.layer][name], dtype=np.float32)
            self.initializers.append(self.onnx.numpy_helper.from_array(arr, key))
        return key

    def op(self, op_type: str, inputs: list[str], **attrs) -> str:
        """Add node ``op_type`` reading ``inputs``; returns the name of its one output."""
        out = f"{self.layer}/{op_type}_{len(self.nodes)}"
        self.nodes.append(self.onnx.helper.make_node(op_type, inputs, [out], name=out, **attrs))
        return out


def build_model(net, params: dict[str, dict[str, np.ndarray]]):
    """The checked onnx.ModelProto of ``net`` with ``params``; BackstepError naming a layer without to_onnx."""
    missing = [f"{n.name} ({n.type})" for n in net.nodes if type(n.layer).to_onnx is Layer.to_onnx]
    if missing:
        raise BackstepError(f"no ONNX mapping for layer {', '.join(missing)}: its class defines no to_onnx")
    g = OnnxGraph(params)
    onnx, helper = g.onnx, g.onnx.helper
    x = "x"
    for node in net.nodes:
        g.layer = node.name
        x = node.layer.to_onnx(g, x, tuple(node.in_shape))
        if x is None:
            raise BackstepError(f"no ONNX mapping for layer {node.name} ({node.type}): its to_onnx returned None")
    g.layer = ""
    if g.nodes and g.nodes[-1].output[0] == x:
        g.nodes[-1].output[0] = "logits"
    else:
        g.nodes.append(helper.make_node("Identity", [x], ["logits"], name="logits"))
    g.nodes.append(helper.make_node("Softmax", ["logits"], ["probs"], name="softmax", axis=1))
    k = net.n_classes
    graph = helper.make_graph(
        g.nodes, _identifier(net.spec.name),
        [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, ["N", *net.input_shape])],
        [helper.make_tensor_value_info("logits", onnx.TensorProto.FLOAT, ["N", k]),
         helper.make_tensor_value_info("probs", onnx.TensorProto.FLOAT, ["N", k])],
        g.initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="backstep",
                              doc_string=f"{net.spec.name}: exported from Backstep; classes {list(net.classes)}")
    model.ir_version = IR_VERSION
    try:
        onnx.checker.check_model(model, full_check=True)
    except Exception as exc:  # noqa: BLE001 - onnx.checker raises several types; all mean the model is invalid
        raise BackstepError(f"the exported ONNX model of {net.spec.name!r} fails onnx.checker: {exc}") from None
    return model


def _identifier(name: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in name) or "network"

