"""The network as a readable, self-contained PyTorch file: one ``nn.Module`` and ``load()``.

The generated ``.py`` needs only torch and safetensors. Its module is named after the network
("Lecture CNN" -> ``LectureCNN``), holds one child per layer under the layer's name — so its
parameters are the weights contract's ``conv1.weight`` … — built from each layer's ``to_torch``
(core.api.TorchModule.source()), and its ``forward`` returns the logits. ``load(weights_path=None)``
builds it and loads the ``.safetensors`` written beside it (no pickle: ``safetensors.torch``).
"""

from __future__ import annotations

import keyword
from pathlib import Path

from core.errors import BackstepError


def class_name(name: str) -> str:
    """A Python class name for the network: "Lecture CNN" -> "LectureCNN", "3 layers" -> "Net3Layers"."""
    words = "".join(ch if ch.isalnum() else " " for ch in name).split()
    s = "".join(w[:1].upper() + w[1:] for w in words) or "Network"
    return s if s[0].isalpha() else "Net" + s


def _attribute_ok(name: str) -> bool:
    reserved = {"forward", "training", "eval", "train", "load", "to", "state_dict", "parameters", "modules"}
    return name.isidentifier() and not keyword.iskeyword(name) and name not in reserved and not name.startswith("_")


def _shape(shape) -> str:
    return "(N, " + ", ".join(str(d) for d in shape) + ")"


def module_source(net, weights_name: str, torch_modules: list) -> str:
    """The .py file's text for ``net``; ``weights_name`` is the .safetensors file beside it."""
    cls = class_name(net.spec.name)
    init, body = [], []
    for node, desc in zip(net.nodes, torch_modules):
        if desc is None:
            raise BackstepError(f"no PyTorch counterpart for layer {node.name} ({node.type}): "
                                "its class defines no to_torch")
        if _attribute_ok(node.name):
            init.append(f"        self.{node.name} = {desc.source()}")
            call = f"self.{node.name}(x)"
        else:
            init.append(f"        self.add_module({node.name!r}, {desc.source()})")
            call = f"self.get_submodule({node.name!r})(x)"
        body.append(f"        x = {call}  # {node.type}: {_shape(node.out_shape)}")
    chain = " → ".join(n.name for n in net.nodes)
    return f'''"""{net.spec.name}: a PyTorch module exported from Backstep.

    model = load()                 # the weights of {weights_name}, beside this file
    logits = model(x)              # x: {_shape(net.input_shape)} float32 -> logits (N, {net.n_classes})
    probs = logits.softmax(dim=1)

Parameter names are Backstep's weights keys (conv1.weight, …). Needs only torch and safetensors.
"""

from pathlib import Path

import torch
from torch import nn

WEIGHTS = Path(__file__).with_name({weights_name!r})
INPUT_SHAPE = {tuple(net.input_shape)!r}
CLASSES = {tuple(net.classes)!r}


class {cls}(nn.Module):
    """{chain}"""

    def __init__(self):
        super().__init__()
{chr(10).join(init)}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x {_shape(net.input_shape)} -> logits (N, {net.n_classes})."""
{chr(10).join(body)}
        return x


def load(weights_path=None) -> {cls}:
    """The module with the exported weights ({weights_name} beside this file by default), in eval mode."""
    from safetensors.torch import load_file

    model = {cls}()
    model.load_state_dict(load_file(str(weights_path or WEIGHTS)))
    return model.eval()
'''


def weights_path_for(py_path: Path) -> Path:
    """The .safetensors written beside the .py: model.py -> model.safetensors."""
    return Path(py_path).with_suffix(".safetensors")
