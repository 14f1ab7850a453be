"""What one phase produced: an immutable Snapshot, and the helpers that make arrays read-only.

A Snapshot holds references, never live engine arrays: every array in it is read-only, either a
copy made when the phase produced it or an array the engine never writes again (a frozen batch,
the parameters, which updates replace rather than change).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from core.notation import Quantity


def frozen(a: np.ndarray) -> np.ndarray:
    """A read-only copy: the snapshot keeps its numbers whatever the engine does next. An array
    already read-only is kept as it is: the engine makes those only of what it never changes
    (an earlier snapshot's copy, views of parameters, which updates replace, never write)."""
    if not a.flags.writeable:
        return a
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


def readonly_view(a: np.ndarray) -> np.ndarray:
    """A read-only view of ``a`` (no copy): for arrays the engine replaces rather than writes."""
    v = a.view()
    v.setflags(write=False)
    return v


def update_arrays(old: Mapping, new: Mapping) -> dict[str, np.ndarray]:
    """The update phase's arrays: "<layer>.<param>.old", ".step" (new − old: −α·∂L/∂θ for SGD, the
    optimiser's move otherwise) and ".new", from layer -> name -> array before and after."""
    arrays = {}
    for lname, ps in old.items():
        for k, p in ps.items():
            arrays[f"{lname}.{k}.old"] = p
            arrays[f"{lname}.{k}.step"] = new[lname][k] - p
            arrays[f"{lname}.{k}.new"] = new[lname][k]
    return arrays


@dataclass(frozen=True)
class Snapshot:
    """What one phase produced, and the moment it belongs to. All arrays are read-only.

    arrays keys (as in trace files): "<layer>.out", "<layer>.<intermediate>" (from inspect),
    "probs", "loss", "<layer>.grad_out", "<layer>.grad_in", "<layer>.<param>.grad",
    "probs.grad"; for update "<layer>.<param>.old", ".step" (new − old), ".new".
    Gradients are of the batch loss L = (1/N) Σₛ L⁽ˢ⁾, as the engine computes them.
    """

    phase: str
    kind: str  # forward | loss | backward | update
    layer: str | None
    phase_index: int
    iteration: int  # 0-based index of the iteration this phase belongs to
    epoch: int
    batch_indices: np.ndarray
    x: np.ndarray  # (N, C, H, W) the batch
    y: np.ndarray  # (N,) labels
    arrays: Mapping[str, np.ndarray]
    quantities: tuple[Quantity, ...] = ()
    params: Mapping[str, Mapping[str, np.ndarray]] = field(default_factory=dict)
    loss: float | None = None
    lr: float = 0.0  # the learning rate this iteration uses (its update's α)
    optimizer: str = "sgd"  # the optimiser's name (core.optim.OPTIMIZERS)
