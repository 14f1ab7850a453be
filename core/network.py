"""A network built from a spec: layers from the registry, shapes inferred, parameters owned.

The lecture's network, forward (z: a weighted layer's output, a = pool(f(z)))::

    a⁽¹⁾ = pool(f(g⁽¹⁾ * x))    a⁽²⁾ = pool(f(g⁽²⁾ * a⁽¹⁾))    a⁽³⁾ = f(W⁽¹⁾ a⁽²⁾)    ŷ = softmax(W⁽²⁾ a⁽³⁾)

The network holds only parameters and the layer objects (whose hyperparameters are fixed);
``forward`` returns every layer's cache so that ``backward`` and the stepper can use and show
them. Parameters are in ``dtype`` (float32 for speed, float64 for gradient checks).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np

from core.api import Layer
from core.errors import BackstepError, HyperParamError, PluginError, ResourceError, ShapeError, SpecError
from core.registry import Registry, default_registry
from core.sizing import Footprint, check_output_shape
from core.spec import NetworkSpec


@dataclass(frozen=True)
class Node:
    """One layer in place: its name, the layer object and its per-sample shapes."""

    index: int
    name: str
    type: str
    layer: Layer
    in_shape: tuple
    out_shape: tuple
    init: str  # core.api.INIT_SCHEMES: the initialisation its weights get


@dataclass(frozen=True)
class ShapeInfo:
    """What shape inference says about one spec entry: its output shape or why it has none."""

    out_shape: tuple | None
    error: str | None = None


def _where(spec: NetworkSpec, i: int) -> str:
    return f"{spec.source}: layers[{i}] ({spec.layers[i].name})"


def plugin_label(registry: Registry, type_id: str) -> str:
    """"plugin 'softsign' (/home/me/plugins/softsign.py)" for messages about what a plugin did."""
    try:
        p = registry.plugin(type_id)
    except KeyError:
        return f"plugin {type_id!r}"
    return f"plugin {type_id!r} ({p.path or p.module})"


def _make_layer(spec: NetworkSpec, i: int, registry: Registry) -> Layer:
    entry = spec.layers[i]
    try:
        cls = registry.get(entry.type)
        return cls(**entry.hp)
    except (HyperParamError, PluginError) as exc:
        raise type(exc)(f"{_where(spec, i)}: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - a plugin's own constructor may raise anything
        raise PluginError(f"{_where(spec, i)}: {entry.type} could not be created: {exc}") from None


def infer_shapes(spec: NetworkSpec, registry: Registry | None = None) -> list[ShapeInfo]:
    """Per entry, its output shape or the reason it has none; never raises (for the editor)."""
    registry = registry or default_registry()
    infos, shape = [], tuple(spec.input_shape)
    for i in range(len(spec.layers)):
        if shape is None:
            infos.append(ShapeInfo(None, "an earlier layer has no valid output shape"))
            continue
        try:
            entry = spec.layers[i]
            shape = check_output_shape(_make_layer(spec, i, registry).output_shape(shape), _where(spec, i),
                                       plugin_label(registry, entry.type))
            infos.append(ShapeInfo(shape))
        except BackstepError as exc:
            infos.append(ShapeInfo(None, str(exc).split(": ", 2)[-1] if str(exc).startswith(spec.source)
                                   else str(exc)))
            shape = None
        except Exception as exc:  # noqa: BLE001 - a plugin's bug must not break the editor
            infos.append(ShapeInfo(None, f"{type(exc).__name__}: {exc}"))
            shape = None
    return infos


def _init_schemes(layers: list[Layer]) -> list[str]:
    """For each layer, the initialisation of the first activation after it (before the next weighted layer)."""
    schemes = []
    for i in range(len(layers)):
        scheme = "glorot"
        for later in layers[i + 1:]:
            if later.weighted:
                break
            if later.init:
                scheme = later.init
                break
        schemes.append(scheme)
    return schemes


class Network:
    """Layers + parameters for one spec. ``params[layer][name]`` is an ndarray in ``dtype``."""

    def __init__(self, spec: NetworkSpec, registry: Registry | None = None, dtype=np.float32, seed: int = 0):
        self.spec = spec
        self.registry = registry or default_registry()
        self.dtype = np.dtype(dtype)
        layers = [_make_layer(spec, i, self.registry) for i in range(len(spec.layers))]
        schemes = _init_schemes(layers)
        nodes, shape = [], tuple(spec.input_shape)
        for i, (entry, layer) in enumerate(zip(spec.layers, layers)):
            try:
                out = layer.output_shape(shape)
            except BackstepError as exc:
                raise ShapeError(f"{_where(spec, i)}: {exc}") from None
            except Exception as exc:  # noqa: BLE001 - a plugin's output_shape may raise anything
                raise PluginError(f"{_where(spec, i)}: {plugin_label(self.registry, entry.type)}: output_shape "
                                  f"failed: {type(exc).__name__}: {exc}") from None
            out = check_output_shape(out, _where(spec, i), plugin_label(self.registry, entry.type))
            nodes.append(Node(i, entry.name, entry.type, layer, shape, out, schemes[i]))
            _remember_name(layer, entry.name)
            shape = out
        if len(shape) != 1:
            raise ShapeError(f"{spec.source}: the last layer ({nodes[-1].name}) outputs {shape}; the loss "
                             "needs one score per class: end with flatten + dense")
        if spec.classes and len(spec.classes) != shape[0]:
            raise SpecError(f"{spec.source}: classes: {len(spec.classes)} class names, but the last layer "
                            f"({nodes[-1].name}) outputs {shape[0]} scores")
        self.nodes: list[Node] = nodes
        self.classes = spec.classes or tuple(str(k) for k in range(shape[0]))
        self.footprint = Footprint(nodes, tuple(spec.input_shape), self.dtype, spec.source)
        self.footprint.check(1)  # parameters and one sample must fit before any is allocated
        self.params: dict[str, dict[str, np.ndarray]] = {}
        try:
            self.init_params(seed)
        except MemoryError:
            raise ResourceError(f"{spec.source}: not enough memory for the network's parameters") from None

    # --- parameters ---------------------------------------------------------------------------

    def init_params(self, seed: int) -> None:
        """Fresh weights for every layer, drawn in float64 from one seeded generator, then cast."""
        rng = np.random.default_rng(seed)
        self.params = {n.name: self._cast(n.layer.init_params(n.in_shape, rng, n.init)) for n in self.nodes}

    def _cast(self, params: dict) -> dict:
        return {k: np.ascontiguousarray(v, dtype=self.dtype) for k, v in params.items()}

    def astype(self, dtype) -> Network:
        """A copy of this network in another dtype, with the same (cast) parameters."""
        other = object.__new__(Network)
        other.__dict__.update(self.__dict__)
        other.dtype = np.dtype(dtype)
        other.params = {n: other._cast(ps) for n, ps in self.params.items()}
        return other

    def flat_params(self) -> dict[str, np.ndarray]:
        """``{"conv1.weight": array, ...}``: the weights file's keys."""
        return {f"{layer}.{k}": v for layer, ps in self.params.items() for k, v in ps.items()}

    def param_count(self, name: str | None = None) -> int:
        layers = [name] if name else list(self.params)
        return sum(int(v.size) for n in layers for v in self.params[n].values())

    def node(self, name: str) -> Node:
        for n in self.nodes:
            if n.name == name:
                return n
        raise KeyError(name)

    def check_batch(self, batch: int, what: str | None = None) -> None:
        """ResourceError (one line naming ``what`` and the largest layer) if a training batch of
        ``batch`` samples would not fit in memory; call it before allocating the batch."""
        self.footprint.check(batch, what)

    @property
    def input_shape(self) -> tuple:
        return tuple(self.spec.input_shape)

    @property
    def n_classes(self) -> int:
        return self.nodes[-1].out_shape[0]

    # --- passes -------------------------------------------------------------------------------

    def check_input(self, x: np.ndarray, what: str = "input") -> np.ndarray:
        if tuple(x.shape[1:]) != self.input_shape:
            raise ShapeError(f"{what}: samples of shape {tuple(x.shape[1:])}, the network "
                             f"{self.spec.name!r} takes {self.input_shape}")
        return x.astype(self.dtype, copy=False)

    def forward_layer(self, i: int, x: np.ndarray, train: bool = True):
        """(out, cache) of layer i for input x."""
        node = self.nodes[i]
        return node.layer.forward(x, self.params[node.name], train)

    def backward_layer(self, i: int, dout: np.ndarray, cache):
        """(dx, grads) of layer i."""
        return self.nodes[i].layer.backward(dout, cache)

    def forward(self, x: np.ndarray, train: bool = True):
        """Logits z (N, K) and the list of per-layer caches."""
        caches = []
        for node in self.nodes:
            x, cache = node.layer.forward(x, self.params[node.name], train)
            caches.append(cache)
        return x, caches

    def predict(self, x: np.ndarray, batch_size: int = 500) -> np.ndarray:
        """Logits for many samples, in batches (no caches kept)."""
        out = [self.forward(self.check_input(x[i:i + batch_size]), train=False)[0]
               for i in range(0, len(x), batch_size)]
        return np.concatenate(out) if out else np.zeros((0, self.n_classes), self.dtype)

    def backward(self, dlogits: np.ndarray, caches: list) -> dict:
        """Parameter gradients (same layout as params) from dL/dz of the last layer. The first
        layer gives only its parameter gradients (Layer.param_grads): dL/dx is not needed."""
        grads = {}
        d = dlogits
        for i in range(len(self.nodes) - 1, 0, -1):
            d, grads[self.nodes[i].name] = self.nodes[i].layer.backward(d, caches[i])
        grads[self.nodes[0].name] = self.nodes[0].layer.param_grads(d, caches[0])
        return grads


# --- checking a network's plugins on its own shapes ---------------------------------------------

LAYER_NAMES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # layer object -> node name, for messages


def _remember_name(layer, name: str) -> None:
    try:
        LAYER_NAMES[layer] = name
    except TypeError:  # a plugin class that is not hashable or weak-referenceable: messages lack the name
        pass


def check_passes(net: Network, what: str) -> None:
    """One forward and backward of 2 zero samples through ``net``, every shape checked against
    shape inference; PluginError naming ``what`` (the command), the layer, its plugin file and the
    phase if a layer raises or returns a wrong shape. Milliseconds for the lecture network; run it
    before long work so a broken plugin fails in one line at once, not after an epoch."""
    x = np.zeros((2, *net.input_shape), net.dtype)
    caches = []
    for node in net.nodes:
        x, cache = _call(net, node, "forward", what, node.layer.forward, x, net.params[node.name], True)
        if np.shape(x) != (2, *node.out_shape):
            raise PluginError(f"{what}: forward:{node.name}: {plugin_label(net.registry, node.type)} returned shape "
                              f"{np.shape(x)}, its output_shape says {(2, *node.out_shape)}")
        caches.append(cache)
    d = np.full(np.shape(x), 0.5, net.dtype)
    for node, cache in zip(reversed(net.nodes), reversed(caches)):
        d, grads = _call(net, node, "backward", what, node.layer.backward, d, cache)
        label = f"{what}: backward:{node.name}: {plugin_label(net.registry, node.type)}"
        if np.shape(d) != (2, *node.in_shape):
            raise PluginError(f"{label} returned dL/dx of shape {np.shape(d)} for an input of shape "
                              f"{(2, *node.in_shape)}")
        want = {k: np.shape(v) for k, v in net.params[node.name].items()}
        got = {k: np.shape(v) for k, v in dict(grads).items()} if isinstance(grads, dict) else None
        if got != want:
            raise PluginError(f"{label} returned gradients {got}, the parameters are {want}")


def _call(net, node, phase, what, fn, *args):
    try:
        return fn(*args)
    except BackstepError as exc:
        raise type(exc)(f"{what}: {phase}:{node.name}: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - a plugin's forward or backward may raise anything: named, one line
        raise PluginError(f"{what}: {phase}:{node.name}: {plugin_label(net.registry, node.type)} raised "
                          f"{type(exc).__name__}: {exc}") from None
