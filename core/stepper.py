"""The training state machine: one iteration as observable phases, with a snapshot after each.

Phases of one iteration, in order::

    forward:<layer> for every layer   x → z⁽¹⁾ → f(z⁽¹⁾) → a⁽¹⁾ → … → z⁽⁴⁾
    loss                              ŷ = softmax(z⁽⁴⁾),  L = −Σ y log ŷ  (batch mean)
    backward:<layer> last to first    ∂L/∂ŷ, ∂L/∂z⁽⁴⁾, ∂L/∂W⁽²⁾, … ∂L/∂g⁽¹⁾  (core.notation)
    update                            θ ← θ − α ∂L/∂θ  (or momentum, Adam)

Nothing changes the parameters before ``update``, so the state at any phase boundary is the
state at the start of the iteration plus the phase arrays: that is what sessions and time travel
save. ``step_phase`` returns an immutable Snapshot; ``step_iteration`` and ``run`` take the fast
path (no snapshots) and give the same numbers. Batches are drawn from a permutation seeded by
(seed, epoch), so a run is deterministic for a seed and resumable from any iteration boundary.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from core.errors import DivergedError, HyperParamError
from core.losses import cross_entropy, grad_logits, grad_probs
from core.network import Network
from core.notation import backward_quantities
from core.optim import Optimizer, make_optimizer
from core.snapshot import Snapshot, frozen, readonly_view, update_arrays

__all__ = ["History", "Snapshot", "Stepper", "update_arrays"]


@dataclass
class History:
    """Curves: per batch (loss, accuracy) and per epoch (train and test loss/accuracy)."""

    batch_loss: list = field(default_factory=list)
    batch_acc: list = field(default_factory=list)
    epochs: list = field(default_factory=list)  # dicts: epoch, train_loss, train_acc, test_loss, test_acc, seconds

    def to_dict(self) -> dict:
        return {"batch_loss": list(self.batch_loss), "batch_acc": list(self.batch_acc), "epochs": list(self.epochs)}

    @classmethod
    def from_dict(cls, d: dict) -> History:
        return cls(list(d.get("batch_loss", [])), list(d.get("batch_acc", [])), list(d.get("epochs", [])))


@dataclass
class _Work:
    """The iteration in progress: its batch, the activations and caches so far, the gradients."""

    idx: np.ndarray
    x: np.ndarray
    y: np.ndarray
    acts: list = field(default_factory=list)  # [x, out of layer 0, out of layer 1, ...]
    caches: list = field(default_factory=list)
    grads: dict = field(default_factory=dict)  # layer -> {param: ∂L/∂θ}
    loss: float | None = None
    probs: np.ndarray | None = None
    dout: np.ndarray | None = None  # ∂L/∂(output) of the next layer to go backward
    dout_frozen: np.ndarray | None = None  # the same, as the last snapshot froze it
    new_params: dict | None = None
    # frozen once per iteration: every phase's snapshot shares the same batch arrays, so a viewer
    # can tell the batch did not change
    frozen: tuple = ()

    def __post_init__(self):
        self.acts = [self.x]
        self.frozen = (frozen(self.idx), frozen(self.x), frozen(self.y))


class Stepper:
    """Trains ``network`` on ``dataset`` one phase, iteration or epoch at a time."""

    def __init__(self, network: Network, dataset, *, batch_size: int = 32, optimizer: Optimizer | str = "sgd",
                 lr: float | None = None, seed: int = 0, evaluate_every_epoch: bool = True):
        self.net = network
        self.data = dataset
        self.seed = int(seed)
        self.batch_size = batch_size
        self.optimizer = make_optimizer(optimizer, lr) if isinstance(optimizer, str) else optimizer
        self.evaluate_every_epoch = evaluate_every_epoch
        self.epoch = 0
        self.offset = 0  # position in this epoch's permutation
        self.iteration = 0  # completed iterations
        self.history = History()
        self._epoch_start = time.perf_counter()
        self._epoch_losses: list[float] = []
        self._epoch_correct = 0
        self._epoch_seen = 0
        self._perm_epoch, self._perm = -1, None
        nodes = network.nodes
        self.phases = ([f"forward:{n.name}" for n in nodes] + ["loss"]
                       + [f"backward:{n.name}" for n in reversed(nodes)] + ["update"])
        self._quantities = backward_quantities(nodes)
        self.position = 0  # index of the next phase; 0 = at an iteration boundary
        self._given: tuple | None = None  # a batch for the next iteration only (use_batch)
        self._work: _Work | None = None  # the iteration in progress, phase by phase

    # --- settings -----------------------------------------------------------------------------

    @property
    def batch_size(self) -> int:
        return self._batch_size

    @batch_size.setter
    def batch_size(self, b: int) -> None:
        if isinstance(b, bool) or not isinstance(b, int) or b < 1:
            raise HyperParamError(f"batch size: must be a positive integer, got {b!r}")
        self._batch_size = b

    @property
    def lr(self) -> float:
        return self.optimizer.lr

    @property
    def n_train(self) -> int:
        return len(self.data.x_train)

    @property
    def batches_per_epoch(self) -> int:
        return math.ceil(self.n_train / self.batch_size)

    @property
    def next_phase(self) -> str:
        return self.phases[self.position]

    # --- batches ------------------------------------------------------------------------------

    def _permutation(self, epoch: int) -> np.ndarray:
        if self._perm_epoch != epoch:
            self._perm = np.random.default_rng([self.seed, epoch]).permutation(self.n_train)
            self._perm_epoch = epoch
        return self._perm

    def next_batch_indices(self) -> np.ndarray:
        """Indices of the batch the next iteration trains on."""
        return self._permutation(self.epoch)[self.offset:self.offset + self.batch_size]

    def use_batch(self, x: np.ndarray, y: np.ndarray, source: str = "given") -> None:
        """The next iteration trains on (x, y) instead of the next batch of the permutation — a drawn
        digit, a test example to follow through — once; the data order carries on after it (the
        offset does not move). x: (N, C, H, W) in the network's input scale, y: (N,) labels."""
        x = self.net.check_input(np.asarray(x), source)
        y = np.asarray(y, dtype=np.int64).reshape(-1)
        if len(y) != len(x) or not len(y):
            raise HyperParamError(f"{source}: {len(x)} inputs and {len(y)} labels")
        if int(y.min()) < 0 or int(y.max()) >= self.net.n_classes:
            raise HyperParamError(f"{source}: labels must be 0…{self.net.n_classes - 1}")
        self._given = (np.full(len(y), -1, dtype=np.int64), x, y)

    def next_batch(self) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) of the batch the next iteration takes (given, or the permutation's next)."""
        if self._given is not None:
            return self._given[1], self._given[2]
        idx = self.next_batch_indices()
        return self.data.x_train[idx], self.data.y_train[idx]

    @property
    def given_batch(self) -> bool:
        """True while the next (or current) iteration is a batch given by ``use_batch``."""
        return self._given is not None

    def _batch(self):
        if self._given is not None:
            return self._given
        idx = self.next_batch_indices()
        x = self.net.check_input(self.data.x_train[idx], "dataset")
        return idx, x, self.data.y_train[idx]

    # --- the fast path ------------------------------------------------------------------------

    def _finish_iteration(self, loss: float, probs: np.ndarray, y: np.ndarray, new_params) -> None:
        self.net.params = new_params
        correct = int((probs.argmax(axis=1) == y).sum())
        self.history.batch_loss.append(loss)
        self.history.batch_acc.append(correct / len(y))
        self._epoch_losses.append(loss * len(y))
        self._epoch_correct += correct
        self._epoch_seen += len(y)
        self.iteration += 1
        if self._given is None:
            self.offset += len(y)
        self._given = None  # (a given batch is used once)
        self.position = 0
        self._work = None
        if self.offset >= self.n_train:
            self._end_epoch()

    def _end_epoch(self) -> None:
        record = {"epoch": self.epoch + 1,
                  "train_loss": sum(self._epoch_losses) / max(self._epoch_seen, 1),
                  "train_acc": self._epoch_correct / max(self._epoch_seen, 1),
                  "seconds": time.perf_counter() - self._epoch_start,
                  "iteration": self.iteration}  # (iterations done when the epoch ended: where its point goes)
        if self.evaluate_every_epoch:
            record["test_loss"], record["test_acc"] = self.evaluate()
        self.history.epochs.append(record)
        self.epoch += 1
        self.offset = 0
        self._epoch_losses, self._epoch_correct, self._epoch_seen = [], 0, 0
        self._epoch_start = time.perf_counter()

    def step_iteration(self) -> None:
        """Finish the current iteration (all of it, if at a boundary) without snapshots."""
        if self.position:
            while self.position:
                self.step_phase()
            return
        idx, x, y = self._batch()
        logits, caches = self.net.forward(x)
        loss, probs = cross_entropy(logits, y)
        grads = self.net.backward(grad_logits(probs, y), caches)
        if not (math.isfinite(loss) and all(np.isfinite(g).all() for gs in grads.values() for g in gs.values())):
            self._locate_divergence()
        self._finish_iteration(loss, probs, y, self.optimizer.step(self.net.params, grads))

    def _locate_divergence(self):
        """Re-run this iteration phase by phase: the first phase with NaN/Inf raises, naming itself."""
        while True:
            self.step_phase()  # raises DivergedError at the culprit
            if self.position == len(self.phases) - 1:
                break
        self.position, self._work = 0, None
        raise DivergedError("training diverged: the loss or a gradient is NaN or Inf")

    def run(self, iterations: int | None = None, *, until_epoch_end: bool = False,
            should_stop: Callable[[], bool] | None = None,
            on_iteration: Callable[[Stepper], None] | None = None) -> int:
        """Run whole iterations fast; stop after ``iterations``, at the epoch's end, or when asked.

        Returns the number of iterations run. ``should_stop`` is polled between iterations.
        """
        done, start_epoch = 0, self.epoch
        while (iterations is None or done < iterations) and not (until_epoch_end and self.epoch != start_epoch):
            if should_stop is not None and should_stop():
                break
            self.step_iteration()
            done += 1
            if on_iteration is not None:
                on_iteration(self)
        return done

    def step_epoch(self, **kw) -> int:
        """Finish the current epoch."""
        return self.run(until_epoch_end=True, **kw)

    # --- phase by phase -----------------------------------------------------------------------

    def step_phase(self) -> Snapshot:
        """Run the next phase and return its snapshot; raises DivergedError on NaN/Inf (phase kept)."""
        if self.position == 0:
            self._work = _Work(*self._batch())
        phase = self.phases[self.position]
        kind, _, layer = phase.partition(":")
        w = self._work
        arrays, quantities = self._PHASES[kind](self, phase, layer)
        snap = Snapshot(
            phase=phase, kind=kind, layer=layer or None, phase_index=self.position,
            iteration=self.iteration, epoch=self.epoch, batch_indices=w.frozen[0], x=w.frozen[1],
            y=w.frozen[2], arrays=MappingProxyType({k: frozen(v) for k, v in arrays.items()}),
            quantities=quantities, params=self.params_view(), loss=w.loss, lr=self.lr,
            optimizer=self.optimizer.name)
        if kind == "backward":
            w.dout_frozen = snap.arrays[f"{layer}.grad_in"]
        if kind == "update":
            self._finish_iteration(w.loss, w.probs, w.y, w.new_params)
        else:
            self.position += 1
        return snap

    def _forward_phase(self, phase: str, layer: str) -> tuple[dict, tuple]:
        """forward:<layer>: z⁽ˡ⁾ (or a⁽ˡ⁾, f(z)) from the previous layer's output."""
        w, i = self._work, self.position
        out, cache = self.net.forward_layer(i, w.acts[-1])
        self._check_finite(phase, layer, {f"{layer}.out": out})
        w.acts.append(out)
        w.caches.append(cache)
        arrays = {f"{layer}.out": out}
        for k, v in self.net.nodes[i].layer.inspect(cache).items():
            arrays[f"{layer}.{k}"] = v
        return arrays, ()

    def _loss_phase(self, phase: str, layer: str) -> tuple[dict, tuple]:
        """loss: ŷ = softmax(z), L = (1/N) Σₛ −log ŷ⁽ˢ⁾_y, and ∂L/∂z = (ŷ − y)/N for the backward."""
        w = self._work
        loss, probs = cross_entropy(w.acts[-1], w.y)
        if not math.isfinite(loss):
            raise DivergedError(f"NaN or Inf in phase loss: the loss is {loss}", "loss", None)
        w.loss, w.probs = loss, probs
        w.dout = grad_logits(probs, w.y)
        return {"probs": probs, "loss": np.array(loss)}, ()

    def _backward_phase(self, phase: str, layer: str) -> tuple[dict, tuple]:
        """backward:<layer>: ∂L/∂(input) and ∂L/∂θ from ∂L/∂(output), the lecture's steps."""
        w, n = self._work, len(self.net.nodes)
        i = n - 1 - (self.position - n - 1)
        arrays = {}
        if i == n - 1:
            arrays["probs.grad"] = grad_probs(w.probs, w.y)
        # (the previous backward phase's grad_in, frozen already: the same numbers, not a copy)
        arrays[f"{layer}.grad_out"] = w.dout if w.dout_frozen is None else w.dout_frozen
        dx, grads = self.net.backward_layer(i, w.dout, w.caches[i])
        produced = {f"{layer}.grad_in": dx, **{f"{layer}.{k}.grad": g for k, g in grads.items()}}
        self._check_finite(phase, layer, produced)
        arrays.update(produced)
        w.grads[layer] = grads
        w.dout = dx
        return arrays, tuple(self._quantities[i])

    def _update_phase(self, phase: str, layer: str) -> tuple[dict, tuple]:
        """update: θ ← θ − α ∂L/∂θ (or the optimiser's step); old, step and new of every parameter."""
        w = self._work
        w.new_params = self.optimizer.step(self.net.params, w.grads)
        arrays = {k: readonly_view(v) for k, v in update_arrays(self.net.params, w.new_params).items()}
        self._check_finite(phase, None, {k: v for k, v in arrays.items() if k.endswith(".new")})
        return arrays, ()

    _PHASES = {"forward": _forward_phase, "loss": _loss_phase, "backward": _backward_phase,
               "update": _update_phase}

    def layer_input(self, k: int) -> np.ndarray | None:
        """The input layer ``k`` received in the iteration in progress, or None if not computed yet."""
        acts = self._work.acts if self._work is not None else ()
        return acts[k] if len(acts) > k else None

    def current_batch(self) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) of the iteration in progress, or of the next one at a boundary — a given batch
        (``use_batch``) included; x checked against the network's input shape."""
        if self._work is not None:
            return self._work.x, self._work.y
        _, x, y = self._batch()
        return x, y

    @staticmethod
    def _check_finite(phase: str, layer: str | None, arrays: dict) -> None:
        for key, a in arrays.items():
            if not np.isfinite(a).all():
                what = "NaN" if np.isnan(a).any() else "Inf"
                where = f" (layer {layer})" if layer else ""
                raise DivergedError(f"{what} in phase {phase}{where}: {key} is not finite", phase, layer)

    def params_view(self) -> Mapping[str, Mapping[str, np.ndarray]]:
        """Read-only views of the current parameters (updates make new arrays, so views stay valid)."""
        return MappingProxyType({lname: MappingProxyType({k: readonly_view(v) for k, v in ps.items()})
                                 for lname, ps in self.net.params.items()})

    def cancel_iteration(self) -> None:
        """Drop a half-done iteration: nothing was updated yet, so the state is the boundary's."""
        self.position, self._work = 0, None

    # --- the batch, dissected -----------------------------------------------------------------

    def per_sample_grads(self, layer: str, sample: int) -> dict[str, np.ndarray]:
        """One sample's contribution to ``layer``'s batch-averaged gradients (they sum to the batch's).

        Needs the current iteration's forward and loss done (position past ``loss``). The lecture's
        "Training Batch": dL/dg = (1/N) Σₛ dL/dg⁽ˢ⁾; this returns (1/N) dL/dg⁽ˢ⁾ for s = ``sample``.
        """
        w, n = self._work, len(self.net.nodes)
        if self.position <= n:
            raise RuntimeError("per-sample gradients need the forward pass and the loss done first")
        mask = np.zeros_like(w.probs[:, :1])
        mask[sample] = 1
        d = grad_logits(w.probs, w.y) * mask
        i_target = next(i for i, node in enumerate(self.net.nodes) if node.name == layer)
        for i in range(n - 1, i_target - 1, -1):
            d, grads = self.net.backward_layer(i, d, w.caches[i])
        return grads

    # --- evaluation ---------------------------------------------------------------------------

    def evaluate(self, split: str = "test", limit: int | None = None) -> tuple[float, float]:
        """(mean loss, accuracy) on the test or train split."""
        x = self.data.x_test if split == "test" else self.data.x_train
        y = self.data.y_test if split == "test" else self.data.y_train
        if limit:
            x, y = x[:limit], y[:limit]
        if len(x) == 0:
            return float("nan"), float("nan")
        logits = self.net.predict(x)
        loss, probs = cross_entropy(logits.astype(np.float64), y)
        return loss, float((probs.argmax(axis=1) == y).mean())

    # --- state (sessions, time travel) --------------------------------------------------------

    def state(self, copy: bool = True) -> dict:
        """Everything needed to resume exactly from the last iteration boundary.

        ``copy=False`` hands out the live parameter and optimiser arrays: safe to keep as they are,
        because updates replace them with new arrays rather than writing into them, but whoever
        keeps them must not write into them either (the timeline takes read-only copies).
        """
        take = (lambda v: np.array(v, copy=True)) if copy else np.asarray
        return {"params": {lname: {k: take(v) for k, v in ps.items()} for lname, ps in self.net.params.items()},
                "optimizer": {"name": self.optimizer.name, "lr": self.optimizer.lr,
                              "state": {k: take(v) for k, v in self.optimizer.get_state().items()}},
                "epoch": self.epoch, "offset": self.offset, "iteration": self.iteration, "seed": self.seed,
                "batch_size": self.batch_size, "history": self.history.to_dict(),
                "epoch_acc": [list(self._epoch_losses), self._epoch_correct, self._epoch_seen]}

    def load_state(self, state: dict) -> None:
        self.net.params = {lname: {k: np.asarray(v, dtype=self.net.dtype).copy() for k, v in ps.items()}
                           for lname, ps in state["params"].items()}
        opt = state["optimizer"]
        self.optimizer = make_optimizer(opt["name"], opt["lr"])
        self.optimizer.set_state(opt["state"])
        self.epoch, self.offset, self.iteration = int(state["epoch"]), int(state["offset"]), int(state["iteration"])
        self.seed, self.batch_size = int(state["seed"]), int(state["batch_size"])
        self.history = History.from_dict(state["history"])
        losses, correct, seen = state.get("epoch_acc", [[], 0, 0])
        self._epoch_losses, self._epoch_correct, self._epoch_seen = list(losses), int(correct), int(seen)
        self._perm_epoch = -1
        self._given = None
        self.cancel_iteration()

    def set_optimizer(self, name: str, lr: float | None = None) -> None:
        """Switch optimiser between steps (its state starts fresh) or just change the learning rate."""
        if name == self.optimizer.name and lr is not None:
            self.optimizer.lr = make_optimizer(name, lr).lr  # validates
        else:
            self.optimizer = make_optimizer(name, lr)

    def reset(self, seed: int | None = None) -> None:
        """Fresh weights (from ``seed``), counters and curves; the same settings."""
        if seed is not None:
            self.seed = int(seed)
        self.net.init_params(self.seed)
        self.optimizer = make_optimizer(self.optimizer.name, self.optimizer.lr)
        self.epoch = self.offset = self.iteration = 0
        self.history = History()
        self._epoch_losses, self._epoch_correct, self._epoch_seen = [], 0, 0
        self._perm_epoch = -1
        self._given = None
        self.cancel_iteration()
