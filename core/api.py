"""The layer plugin contract.

A layer is a class with metadata and two pure functions; the network owns the parameters::

    class Sigmoid(Layer):
        spec = LayerSpec(id="sigmoid", name="Sigmoid", category="Activation")
        def forward(self, x, params, train=True):  a = f(z); return a, a
        def backward(self, dout, cache):           return dout * a * (1 - a), {}

* Tensors are batch-first: ``x`` is ``(N, C, H, W)`` for maps or ``(N, F)`` for vectors; shapes
  given to :meth:`Layer.output_shape` are per sample (no ``N``).
* ``forward`` returns ``(out, cache)``; ``backward(dout, cache)`` returns ``(dx, grads)`` with one
  gradient per parameter, batch-averaged because ``dout`` already is (the loss is a batch mean).
* No hidden state: a layer instance holds only its validated hyperparameters (``self.hp``), so the
  same instance can be gradient-checked, replayed and shown at any moment.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from core.errors import HyperParamError, ShapeError, short_repr

API_VERSION = 1

__all__ = ["API_VERSION", "Formula", "HyperParam", "Layer", "LayerSpec", "ShapeError", "TorchModule"]

CATEGORIES = ("Convolution", "Pooling", "Activation", "Fully connected", "Reshape", "Other")


@dataclass(frozen=True)
class LayerSpec:
    """What a layer is: its id in spec files, how the GUI names, groups and draws it."""

    id: str
    name: str
    category: str = "Other"
    description: str = ""
    icon: str = ""  # a resource name under resources/icons/, or "" for the category's icon
    api_version: int = API_VERSION


@dataclass(frozen=True)
class HyperParam:
    """One hyperparameter: its type, default, range or choices and help (the GUI builds forms from it)."""

    type: type
    default: Any
    help: str = ""
    min: float | None = None
    max: float | None = None
    choices: tuple | None = None

    def coerce(self, name: str, value: Any) -> Any:
        """Return ``value`` converted to this type, or raise HyperParamError naming ``name``."""
        if self.type is bool:
            if not isinstance(value, bool):
                raise HyperParamError(f"{name}: expected true or false, got {short_repr(value)}")
            return value
        if self.type is int:
            if isinstance(value, bool) or not (
                isinstance(value, int) or (isinstance(value, float) and value.is_integer())
            ):
                raise HyperParamError(f"{name}: expected an integer, got {short_repr(value)}")
            value = int(value)
        elif self.type is float:
            value = _finite_float(name, value)
        elif self.type is str and not isinstance(value, str):
            raise HyperParamError(f"{name}: expected text, got {short_repr(value)}")
        if self.choices is not None and value not in self.choices:
            raise HyperParamError(f"{name}: {short_repr(value)} is not one of {', '.join(map(str, self.choices))}")
        if self.min is not None and value < self.min:
            raise HyperParamError(f"{name}: {short_repr(value)} is below the minimum {self.min}")
        if self.max is not None and value > self.max:
            raise HyperParamError(f"{name}: {short_repr(value)} is above the maximum {self.max}")
        return value


def _finite_float(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise HyperParamError(f"{name}: expected a number, got {short_repr(value)}")
    try:
        value = float(value)
    except OverflowError:
        raise HyperParamError(f"{name}: {short_repr(value)} is too large for a number") from None
    if not math.isfinite(value):
        raise HyperParamError(f"{name}: expected a finite number, got {short_repr(value)}")
    return value


@dataclass(frozen=True)
class Formula:
    """The lecture's equations for a layer, in its notation, for the formula panel.

    ``forward`` and ``backward`` are one line each (plain Unicode); ``grads`` maps a parameter name
    to the equation of its gradient.
    """

    forward: str
    backward: str
    grads: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TorchModule:
    """A ``torch.nn`` module as data, so that layers describe their PyTorch counterpart without
    importing torch: ``TorchModule("Conv2d", (1, 6), {"kernel_size": 5})`` is
    ``nn.Conv2d(1, 6, kernel_size=5)``. Its parameters must carry the layer's parameter names and
    shapes (conv2d's ``weight`` (F, C, kh, kw) and ``bias`` (F,) are nn.Conv2d's)."""

    cls: str  # a class of torch.nn
    args: tuple = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)

    def build(self, nn):
        """The module, from the ``torch.nn`` namespace ``nn``."""
        return getattr(nn, self.cls)(*self.args, **self.kwargs)

    def source(self) -> str:
        """The constructor as Python source: "nn.Conv2d(1, 6, kernel_size=5)"."""
        args = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"nn.{self.cls}({', '.join(args)})"


class Layer(ABC):
    """Base class of every layer plugin. Subclasses set the class attributes and the four methods.

    Class attributes:
      spec         LayerSpec: id, display name, category, icon, api_version.
      hyperparams  name -> HyperParam; values arrive validated in ``self.hp``.
      formula      Formula: the lecture's equations.
      init         for activations, the weight initialisation that suits them: "glorot_sigmoid",
                   "glorot" (tanh) or "he" (ReLU); the network uses it for the weighted layer before.
      weighted     True for layers with weights the lecture names (conv: g, dense: W).
      example_shape  a per-sample input shape for the start-up smoke run.
      explainer    a core.explain.Explainer (or a subclass of it): the formula of one element
                   with its numbers, for the formula view. None: the view shows ``formula`` only.

    Optional hooks, each saying "not applicable" by default: ``saturated`` and ``inactive`` (the
    health figures), ``to_torch`` (bench --compare-torch, export to PyTorch), ``to_onnx``.
    """

    spec: ClassVar[LayerSpec]
    hyperparams: ClassVar[dict[str, HyperParam]] = {}
    formula: ClassVar[Formula] = Formula(forward="", backward="")
    init: ClassVar[str | None] = None
    weighted: ClassVar[bool] = False
    example_shape: ClassVar[tuple] = (3, 8, 8)
    explainer: ClassVar[Any] = None

    def __init__(self, **hp: Any) -> None:
        unknown = sorted(set(hp) - set(self.hyperparams))
        if unknown:
            known = ", ".join(self.hyperparams) or "none"
            raise HyperParamError(
                f"{self.spec.id}: unknown hyperparameter {short_repr(unknown[0])} (it takes: {known})"
            )
        values = {}
        for name, schema in self.hyperparams.items():
            values[name] = schema.coerce(name, hp.get(name, schema.default))
        self.hp: Mapping[str, Any] = values

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.hp.items())
        return f"{type(self).__name__}({args})"

    @abstractmethod
    def output_shape(self, in_shape: tuple) -> tuple:
        """Per-sample output shape for a per-sample input shape; raise ShapeError("why") if impossible."""

    def init_params(self, in_shape: tuple, rng: np.random.Generator, init: str = "glorot") -> dict:
        """Initial parameters as float64 arrays; ``init`` is one of INIT_SCHEMES. Default: none."""
        return {}

    @abstractmethod
    def forward(self, x: np.ndarray, params: Mapping[str, np.ndarray], train: bool = True):
        """Return ``(out, cache)`` for a batch ``x``; ``cache`` is what backward needs."""

    @abstractmethod
    def backward(self, dout: np.ndarray, cache) -> tuple[np.ndarray, dict]:
        """Return ``(dx, grads)``: dL/d(input) and dL/d(each parameter), given dL/d(output)."""

    def param_grads(self, dout: np.ndarray, cache) -> dict:
        """Only the ``grads`` of ``backward``: the first layer's dL/dx is needed by nobody, so
        training asks it for these alone. Override when dx is costly (conv2d, dense); the
        default runs ``backward`` and drops dx."""
        return self.backward(dout, cache)[1]

    def inspect(self, cache) -> dict[str, np.ndarray]:
        """Named intermediates for the panels (e.g. the max-pool argmax mask). Default: none."""
        return {}

    # --- optional hooks: what this layer type means to the health monitor and to other tools ------

    def saturated(self, a: np.ndarray, margin: float) -> np.ndarray | None:
        """Where the output ``a`` (N, ...) is within ``margin`` of an asymptote, so that almost no
        gradient passes (bool, shaped like ``a``; sigmoid: a < margin or a > 1 − margin). None, the
        default, when the layer does not saturate. Health's "saturated" is the share of True."""
        return None

    def inactive(self, a: np.ndarray) -> np.ndarray | None:
        """Where the output ``a`` (N, ...) passes no gradient at all (bool, like ``a``; ReLU: a ≤ 0).
        None, the default, when it always passes some. Health counts a unit that is inactive for
        every sample of the batch as dead."""
        return None

    def to_torch(self, in_shape: tuple) -> TorchModule | None:
        """The torch.nn module that computes this layer for per-sample input ``in_shape``, with
        the same parameter names and shapes; None, the default, when there is none."""
        return None

    def to_onnx(self, g, x: str, in_shape: tuple) -> str | None:
        """Add this layer to an ONNX graph: ``g`` is a core.export.onnx_graph.OnnxGraph, ``x`` the
        name of the input (N, *in_shape); return the name of the output. ``g.op("Relu", [x])``
        adds a node and returns its output; ``g.param("weight")`` this layer's parameter as an
        initializer. None, the default: no ONNX mapping (export refuses the network)."""
        return None


INIT_GAIN = {"glorot": 1.0, "glorot_sigmoid": 4.0, "he": None}
INIT_SCHEMES = tuple(INIT_GAIN)


def fan_in_out(shape: tuple) -> tuple[int, int]:
    """Fan-in and fan-out of a weight of shape (out, in) or (out, in, kh, kw)."""
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def init_weight(shape: tuple, rng: np.random.Generator, init: str = "glorot") -> np.ndarray:
    """A weight drawn for the activation that follows it.

    "glorot" (tanh): U(-r, r), r = sqrt(6 / (fan_in + fan_out)).
    "glorot_sigmoid": the same range times 4, as Glorot & Bengio (2010) derive for the logistic
        sigmoid, whose slope at 0 is 1/4. With the plain range the lecture's sigmoid network sits
        on a plateau (loss 2.30) for a quarter of an MNIST epoch; with 4x it learns at once.
    "he" (ReLU): N(0, 2 / fan_in).
    """
    fan_in, fan_out = fan_in_out(shape)
    if init == "he":
        return rng.normal(0.0, math.sqrt(2.0 / fan_in), size=shape)  # (= standard_normal * scale, one array)
    if init not in INIT_GAIN:
        raise ValueError(f"unknown initialisation {init!r}")
    r = INIT_GAIN[init] * math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-r, r, size=shape)
