"""What every panel draws from: one immutable StepView per redraw (Qt-free).

The workspace (core.workspace) makes a StepView after each phase, or while running at a
throttled rate, on the thread that ran the phase; the window hands it to every panel's
``update_view(view)``. A view is complete in itself: panels never read the engine.

Array keys in ``view.arrays`` (everything produced so far in the current iteration, or, between
iterations, the whole of the last one) follow core.snapshot.Snapshot:

  "<layer>.out"            forward output, (N, C, H, W) or (N, F)
  "<layer>.<name>"         intermediates from the layer's inspect() (e.g. "pool1.argmax")
  "probs" (N, K), "loss" ()
  "probs.grad"             ∂L/∂ŷ (N, K)
  "<layer>.grad_out"       ∂L/∂(layer output), "<layer>.grad_in"  ∂L/∂(layer input)
  "<layer>.<param>.grad"   ∂L/∂θ of the batch loss: the mean of the per-sample gradients
  "<layer>.<param>.old" / ".step" / ".new"   the update

The engine's gradients are of the batch loss L = (1/N) Σₛ L⁽ˢ⁾. The lecture's quantities for one
sample s are that sample's own: ∂L⁽ˢ⁾/∂z = N · (∂L/∂z)[s] (samples do not interact before the
loss), and ∂L⁽ˢ⁾/∂g, whose mean over the batch is the gradient the update uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from core.notation import Quantity, Symbol, output_symbols, weight_symbols

ERROR_SUFFIXES = (".grad_in", ".grad_out")
PARAM_SUFFIXES = (".grad", ".old", ".step", ".new")


def shape_text(shape) -> str:
    """(6, 24, 24) -> '6×24×24'; (120,) -> '120'."""
    return "×".join(str(int(s)) for s in shape)


def is_error(key: str) -> bool:
    """True for the per-sample gradients ∂L/∂ŷ, ∂L/∂(a layer's output or input): the batch loss
    gives them as (1/N)·∂L⁽ˢ⁾/∂·, one row per sample."""
    return key == "probs.grad" or key.endswith(ERROR_SUFFIXES)


@dataclass(frozen=True)
class Position:
    """Where training stands, counted from 1 as people count (the status bar shows it).

    ``iteration``: the one being stepped, or between iterations the last one completed (0: none
    yet); ``epoch`` the epoch it belongs to; ``in_epoch`` of ``per_epoch`` its place in the epoch
    (None before the first iteration). ``next_phase`` is what the next step runs.
    """

    iteration: int = 0
    epoch: int = 1
    in_epoch: int | None = None
    per_epoch: int | None = None
    next_phase: str = ""
    batch_size: int = 0


@dataclass(frozen=True)
class StepView:
    """One moment of training, as panels show it. Every array is read-only; nothing is live."""

    phase: str | None  # the phase just run ("forward:conv1", "loss", "backward:fc2", "update"), None before any
    layer: str | None  # the layer it touched (to highlight), None for loss/update
    iteration: int  # 0-based
    epoch: int  # 0-based
    nodes: tuple  # core.network.Node, in order
    classes: tuple[str, ...]
    x: np.ndarray | None  # the batch (N, C, H, W), None before any step
    y: np.ndarray | None  # labels (N,)
    arrays: Mapping[str, np.ndarray]
    params: Mapping[str, Mapping[str, np.ndarray]]  # the parameters now (after an update: the new ones)
    quantities: tuple[Quantity, ...] = ()  # labelled quantities of the backward phases so far
    focus: int = 0  # the sample of the batch the panels show (0-based; shown as focus + 1)
    lr: float = 0.0  # α of this iteration's update
    optimizer: str = "sgd"  # the optimiser this iteration's update uses
    history: Mapping = field(default_factory=dict)  # core.stepper.History.to_dict()
    position: Position = field(default_factory=Position)
    speed: float = 0.0  # iterations per second of the last run or step
    # the parameters this iteration's forward and backward used (= params until its update)
    used_params: Mapping[str, Mapping[str, np.ndarray]] | None = None
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    # --- construction ---------------------------------------------------------------------------

    @classmethod
    def from_record(cls, record, *, nodes, classes, params, history, position: Position, focus: int = 0,
                    speed: float = 0.0) -> StepView:
        """The view after ``record``'s last phase (a core.record.IterationRecord, not empty).

        The arrays are a copy of the record's mapping (the record keeps growing with later phases);
        lr and optimiser are the ones the snapshots say the iteration used."""
        snap, first = record.last, record.snapshots[0]
        return cls(snap.phase, snap.layer, snap.iteration, snap.epoch, tuple(nodes), tuple(classes), snap.x, snap.y,
                   MappingProxyType(dict(record.arrays)), params, tuple(record.quantities),
                   min(focus, len(snap.y) - 1), snap.lr, snap.optimizer, history, position, speed, first.params)

    @classmethod
    def before_first(cls, *, nodes, classes, x, y, params, lr: float, optimizer: str, history, position: Position,
                     iteration: int = 0, epoch: int = 0, focus: int = 0, speed: float = 0.0) -> StepView:
        """Before the first step of an iteration: the batch it will take, nothing computed yet."""
        return cls(None, None, iteration, epoch, tuple(nodes), tuple(classes), x, y, MappingProxyType({}), params,
                   (), min(focus, max(len(y) - 1, 0)), lr, optimizer, history, position, speed, params)

    # --- the lecture's names ----------------------------------------------------------------------

    @property
    def output_symbols(self) -> dict[str, Symbol]:
        """Layer name -> the lecture's name of its output (z⁽¹⁾, f(z⁽¹⁾), a⁽¹⁾, …)."""
        return dict(zip((n.name for n in self.nodes), output_symbols(list(self.nodes))))

    @property
    def weight_symbols(self) -> dict[str, Symbol]:
        """Layer name -> g⁽ᶜ⁾ / W⁽ᵈ⁾ for weighted layers."""
        return weight_symbols(list(self.nodes))

    # --- the focused sample -----------------------------------------------------------------------

    @property
    def batch_size(self) -> int:
        return 0 if self.y is None else len(self.y)

    def focused(self, key: str) -> np.ndarray | None:
        """The focused sample's slice of a batch array as the engine holds it (gradients of the
        batch loss), or None if it was not produced yet."""
        a = self.arrays.get(key)
        if a is None or a.ndim == 0:
            return a
        return a[min(self.focus, len(a) - 1)]

    def is_param_key(self, key: str) -> bool:
        """"<layer>.<param>.grad/.old/.step/.new": one array for the whole batch, not per sample."""
        stem, dot, suffix = key.rpartition(".")
        layer, _, param = stem.rpartition(".")
        return bool(dot) and f".{suffix}" in PARAM_SUFFIXES and param in self.params.get(layer, {})

    def sample_value(self, key: str, sample: int | None = None) -> np.ndarray | None:
        """Sample s's own value of ``key`` (default: the focused one) as the lecture writes it:
        forward arrays as they are; errors of its own loss L⁽ˢ⁾, N · (∂L/∂·)[s] (the output's is
        ŷ − y exactly). None if not produced yet, or for parameter keys, which are not per
        sample (see ``sample_param_grads``)."""
        a = self.arrays.get(key)
        if a is None or a.ndim == 0 or self.is_param_key(key):
            return None
        s = min(self.focus if sample is None else sample, len(a) - 1)
        if is_error(key):
            cached = self._cache.get(("own", key, s))
            if cached is None:
                cached = np.asarray(a[s], dtype=a.dtype) * a.dtype.type(len(a))
                cached.setflags(write=False)
                self._cache[("own", key, s)] = cached
            return cached
        return a[s]

    def computed_samples(self, layer: str) -> set[int]:
        """The samples whose ``sample_param_grads(layer, s)`` are computed already (cached)."""
        return {k[2] for k in self._cache if k[:2] == ("param", layer)}

    def sample_param_grads(self, layer: str, sample: int) -> dict[str, np.ndarray] | None:
        """∂L⁽ˢ⁾/∂θ of ``layer`` for sample s alone, from this view's recorded arrays (its input and
        ∂L/∂(its output)): the layer run on that one sample. The batch gradient the update uses is
        their mean over s. None until the backward pass has reached ``layer``."""
        key = ("param", layer, sample)
        if key in self._cache:
            return self._cache[key]
        k = next((i for i, n in enumerate(self.nodes) if n.name == layer), None)
        dout = self.arrays.get(f"{layer}.grad_out")
        inp = self.x if k == 0 else (self.arrays.get(f"{self.nodes[k - 1].name}.out") if k else None)
        params = (self.used_params or self.params).get(layer)
        if k is None or dout is None or inp is None or not params or not 0 <= sample < len(dout):
            return None
        node = self.nodes[k]
        x = np.asarray(inp[sample:sample + 1])
        if k == 0:
            x = x.astype(dout.dtype, copy=False)
        _, cache = node.layer.forward(x, params, True)
        grads = node.layer.param_grads(np.asarray(dout[sample:sample + 1]) * dout.dtype.type(len(dout)), cache)
        for g in grads.values():
            g.setflags(write=False)
        self._cache[key] = grads
        return grads


def empty_view(nodes, classes, params) -> StepView:
    """A view with nothing in it yet (no batch): panels show their hints."""
    return StepView(None, None, 0, 0, tuple(nodes), tuple(classes), None, None, MappingProxyType({}), params)
