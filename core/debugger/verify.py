"""Verify a backward pass: the per-element finite-difference check of one layer, on the real batch.

``verify_layer(stepper_or_record, layer_name)`` runs core.gradcheck.check_layer — the same check
as the CLI's ``gradcheck`` (float64 central differences, element by element, the same relative
error with its floor) — on the input that layer actually sees in the current batch and on its
current parameters, copied to float64, and returns a :class:`VerifyResult`: the relative-error
map of the input and of every parameter, the worst element with its analytic and numeric
values, and ``passed(tol)``.

Where the input comes from:
  * a Stepper in the middle of an iteration whose forward pass has reached the layer: the
    layer's input of this iteration (``stepper.layer_input(k)``) and the current parameters;
  * a Stepper at an iteration boundary (or before the forward pass reached the layer): the
    batch the next iteration trains on, sent forward through the layers before, with the
    current parameters (nothing of the stepper changes);
  * an IterationRecord (needs ``network=``): the recorded input of the layer and the parameters
    that iteration used ("<layer>.<p>.old" after the update, else the network's).

Every element costs two forward passes of the layer over the whole check batch, so only
``samples`` of the batch are checked (default: the first two, like the CLI's ``--batch 2``).
The work is split into ``prepare`` (reads the engine: do it on the thread that owns it) and
``run_job`` (pure numpy on private copies: safe on a worker thread).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.gradcheck import LayerCheck, check_layer

DEFAULT_SAMPLES = 2


@dataclass(frozen=True)
class VerifyJob:
    """Everything the check needs, as private float64 copies."""

    layer_name: str
    layer_type: str
    layer: object  # the Layer instance (its hyperparameters are fixed)
    in_shape: tuple
    x: np.ndarray  # (n, *in_shape) float64
    params: dict
    samples: tuple  # positions in the batch of the checked samples
    source: str  # where the input came from, for the dialog
    eps: float = 1e-6
    seed: int = 0

    @property
    def n_elements(self) -> int:
        return int(self.x.size + sum(p.size for p in self.params.values()))


@dataclass(frozen=True)
class Worst:
    target: str  # "input", "weight", ...
    index: tuple
    analytic: float
    numeric: float
    rel_error: float


@dataclass(frozen=True)
class VerifyResult:
    layer_name: str
    layer_type: str
    check: LayerCheck
    samples: tuple
    source: str
    seconds: float = 0.0

    @property
    def targets(self) -> list[str]:
        return list(self.check.targets)

    @property
    def heat_maps(self) -> dict[str, np.ndarray]:
        """Target -> relative error per element (the input's map is batch-first: sample = row of samples)."""
        return {name: t.rel_error for name, t in self.check.targets.items()}

    @property
    def max_error(self) -> float:
        return self.check.max_error

    def element(self, target: str, index) -> Worst:
        t = self.check[target]
        index = tuple(int(i) for i in index)
        return Worst(target, index, float(t.analytic[index]), float(t.numeric[index]), float(t.rel_error[index]))

    @property
    def worst(self) -> Worst | None:
        """The element with the largest relative error over all targets."""
        name, index = self.check.worst
        if not name or not index:
            return None
        return self.element(name, index)

    def worst_elements(self, n: int = 10) -> list[Worst]:
        """The ``n`` largest relative errors over all targets, largest first."""
        rows = []
        for name, t in self.check.targets.items():
            flat = t.rel_error.reshape(-1)
            if not flat.size:
                continue
            top = np.argsort(flat)[::-1][:n]
            rows += [self.element(name, np.unravel_index(int(i), t.rel_error.shape)) for i in top]
        rows.sort(key=lambda w: -w.rel_error)
        return rows[:n]

    def passed(self, tol: float = 1e-6) -> bool:
        return self.check.passed(tol)

    def summary(self, tol: float = 1e-6) -> str:
        w = self.worst
        where = f"; worst {w.target}{list(w.index)}: analytic {w.analytic:.6g}, numeric {w.numeric:.6g}" if w else ""
        parts = ", ".join(f"{k} {v:.1e}" for k, v in self.check.max_rel_error.items())
        return (f"{self.layer_name} ({self.layer_type}): max rel error {self.max_error:.2e} ({parts}) — "
                f"{'passed' if self.passed(tol) else 'FAILED'} at tol {tol:g}{where}")


def _node_index(net, layer_name: str) -> int:
    for i, n in enumerate(net.nodes):
        if n.name == layer_name:
            return i
    raise KeyError(f"no layer {layer_name!r} in the network (layers: {', '.join(n.name for n in net.nodes)})")


def _pick(x: np.ndarray, samples) -> tuple[np.ndarray, tuple]:
    n = len(x)
    if samples is None:
        samples = tuple(range(min(DEFAULT_SAMPLES, n)))
    samples = tuple(int(s) for s in samples if 0 <= int(s) < n) or (0,)
    return np.array(x[list(samples)], dtype=np.float64), samples


def prepare(stepper_or_record, layer_name: str, eps: float = 1e-6, *, samples: Sequence[int] | None = None,
            network=None, seed: int = 0) -> VerifyJob:
    """Gather the layer, its real input and its parameters (float64 copies) for the check."""
    from core.record import IterationRecord

    src = stepper_or_record
    if isinstance(src, IterationRecord):
        if network is None:
            raise ValueError("verify_layer on an IterationRecord needs network= (for the layer objects)")
        net = network
        k = _node_index(net, layer_name)
        node = net.nodes[k]
        arrays = src.arrays
        if k == 0:
            if not src.snapshots:
                raise ValueError("the record is empty: step at least one phase first")
            x_full = src.snapshots[0].x
        else:
            prev = f"{net.nodes[k - 1].name}.out"
            if prev not in arrays:
                raise ValueError(f"{prev} is not recorded yet: step the forward pass up to {layer_name}")
            x_full = arrays[prev]
        params = {p: arrays.get(f"{layer_name}.{p}.old", v) for p, v in net.params[layer_name].items()}
        source = f"iteration {src.iteration + 1}: the recorded input of {layer_name}"
    else:
        st = src
        net = st.net if network is None else network
        k = _node_index(net, layer_name)
        node = net.nodes[k]
        x_full = st.layer_input(k)
        params = dict(net.params[layer_name])
        if x_full is not None:
            source = f"iteration {st.iteration + 1} (in progress): the input {layer_name} received"
        else:
            x_full = net.check_input(st.current_batch()[0], "dataset")
            for i in range(k):
                x_full, _ = net.forward_layer(i, x_full)
            source = (f"the batch of iteration {st.iteration + 1}, sent forward through the layers before "
                      f"{layer_name} with the current weights")
    x, picked = _pick(np.asarray(x_full), samples)
    params = {p: np.array(v, dtype=np.float64) for p, v in params.items()}
    lid = getattr(getattr(node.layer, "spec", None), "id", node.type)
    return VerifyJob(layer_name, lid, node.layer, tuple(node.in_shape), x, params, picked, source, eps, seed)


def run_job(job: VerifyJob) -> VerifyResult:
    """The check itself (pure numpy on the job's copies; fine on a worker thread)."""
    import time

    t0 = time.perf_counter()
    check = check_layer(job.layer, job.in_shape, batch=len(job.x), seed=job.seed, eps=job.eps,
                        params=job.params, x=job.x)
    return VerifyResult(job.layer_name, job.layer_type, check, job.samples, job.source, time.perf_counter() - t0)


def verify_layer(stepper_or_record, layer_name: str, eps: float = 1e-6, *, samples: Sequence[int] | None = None,
                 network=None, seed: int = 0) -> VerifyResult:
    """Finite-difference check of ``layer_name``'s backward on the current batch (see the module doc)."""
    return run_job(prepare(stepper_or_record, layer_name, eps, samples=samples, network=network, seed=seed))
