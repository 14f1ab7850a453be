"""How much memory a network needs, from its shapes alone, before any array is allocated.

Shapes come from shape inference (``Layer.output_shape``); parameter shapes from running the
layer's own ``init_params`` with :class:`ShapeOnlyRNG`, whose draws are zero-strided views
(``np.broadcast_to``) that take no memory whatever their shape — so a dense layer of 10¹²
weights is sized, not allocated. The estimate is deliberately generous (a few copies of every
activation for the forward cache, the backward pass and the update), because its job is to
refuse what cannot work — terabytes — with one line naming the layer, not to predict the peak.
"""

from __future__ import annotations

import math

import numpy as np

from core.errors import PluginError, ResourceError
from core.memory import available_memory, format_bytes

ACTIVATION_COPIES = 4  # forward output, its cache, the gradient flowing back, a temporary
UPDATE_COPIES = 5  # parameters, gradients, the new parameters, two optimiser buffers (Adam)


class ShapeOnlyRNG:
    """A stand-in for ``np.random.Generator`` whose draws have the asked shape and no memory."""

    @staticmethod
    def _draw(size, dtype=np.float64):
        if size is None:
            shape: tuple = ()
        elif isinstance(size, (tuple, list)):
            shape = tuple(int(s) for s in size)
        else:
            shape = (int(size),)
        if any(s < 0 for s in shape):
            raise ValueError(f"negative dimensions in {shape}")
        return np.broadcast_to(np.zeros((), dtype), shape)

    def uniform(self, low=0.0, high=1.0, size=None):
        return self._draw(size)

    def normal(self, loc=0.0, scale=1.0, size=None):
        return self._draw(size)

    def standard_normal(self, size=None, dtype=np.float64, out=None):
        return self._draw(size, dtype)

    def random(self, size=None, dtype=np.float64, out=None):
        return self._draw(size, dtype)

    def integers(self, low, high=None, size=None, dtype=np.int64, endpoint=False):
        return self._draw(size, dtype)


def param_shapes(node) -> dict[str, tuple] | None:
    """Shapes of ``node``'s parameters (core.network.Node) from its own init_params, run shape-only;
    None if that cannot be done (the layer is then sized when it is really allocated)."""
    try:
        params = node.layer.init_params(node.in_shape, ShapeOnlyRNG(), node.init)
        return {k: tuple(np.shape(v)) for k, v in dict(params).items()}
    except MemoryError:
        return {"?": (math.inf,)}
    except Exception:  # noqa: BLE001 - sizing a plugin's parameters is best-effort: it may raise anything
        return None


def unfold_values(shapes: dict[str, tuple], out_shape: tuple) -> int:
    """Values per sample of the patch matrix a convolution-like layer builds (im2col): the
    product of a 4-d weight's (in, kh, kw) and the output's spatial size; 0 for other layers."""
    w = shapes.get("weight")
    if w is None or len(w) != 4 or len(out_shape) != 3:
        return 0
    return math.prod(w[1:]) * math.prod(out_shape[1:])


class Footprint:
    """Bytes a network needs: parameters (with their update) and activations per sample."""

    def __init__(self, nodes, input_shape: tuple, dtype, source: str):
        self.itemsize = np.dtype(dtype).itemsize
        self.source = source
        self.where = {n.name: f"layers[{n.index}] ({n.name})" for n in nodes}
        self.input_values = math.prod(input_shape)
        self.params: dict[str, float] = {n.name: 0 for n in nodes}
        self.per_sample = {n.name: ACTIVATION_COPIES * math.prod(n.out_shape) for n in nodes}
        self.check()  # outputs alone too large: refused before init_params is asked for anything
        for n in nodes:
            shapes = param_shapes(n)
            if shapes is not None:
                self.params[n.name] = sum(math.prod(s) for s in shapes.values())
                self.per_sample[n.name] += unfold_values(shapes, n.out_shape)

    def param_bytes(self) -> float:
        # drawn in float64, then cast; training holds UPDATE_COPIES of them in the network's dtype
        total = sum(self.params.values())
        return total * (8 + UPDATE_COPIES * self.itemsize)

    def batch_bytes(self, batch: int) -> float:
        return batch * (self.input_values + sum(self.per_sample.values())) * self.itemsize

    def check(self, batch: int = 1, what: str | None = None) -> None:
        """ResourceError naming the largest layer if parameters plus a batch do not fit in memory."""
        params, acts = self.param_bytes(), self.batch_bytes(batch)
        budget = available_memory()
        if params + acts <= budget:
            return
        if params >= acts:
            name = max(self.params, key=self.params.get)
            count = self.params[name]
            detail = (f"{self.where[name]}: {count:,} parameters" if math.isfinite(count)
                      else f"{self.where[name]}: too many parameters to count")
            raise ResourceError(f"{self.source}: {detail}; the network's parameters need "
                                f"{format_bytes(params) if math.isfinite(params) else 'more than all memory'}, "
                                f"more than the {format_bytes(budget)} of memory available")
        name = max(self.per_sample, key=self.per_sample.get)
        who = what or f"{self.source}: a batch of {batch}"
        raise ResourceError(f"{who}: the activations need {format_bytes(acts)} (largest share: {self.where[name]}, "
                            f"{format_bytes(self.per_sample[name] * self.itemsize * batch)}), more than "
                            f"the {format_bytes(budget)} of memory available; use a smaller batch or network")


def check_output_shape(out, where: str, plugin: str) -> tuple[int, ...]:
    """``out`` (what a layer's output_shape returned) as a tuple of positive ints, else PluginError."""
    try:
        shape = tuple(out)
    except TypeError:
        shape = None
    ok = shape is not None and len(shape) > 0 and all(
        isinstance(s, (int, np.integer)) and not isinstance(s, (bool, np.bool_)) and s > 0 for s in shape)
    if not ok:
        from core.errors import short_repr

        raise PluginError(f"{where}: {plugin}: output_shape returned {short_repr(out)}, not a tuple of "
                          "positive whole sizes")
    return tuple(int(s) for s in shape)
