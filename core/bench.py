"""Timing one training iteration (forward + backward + SGD update), optionally against PyTorch.

A training iteration is timed in three parts — forward (all layers + loss), backward (all
layers), update — so the report can say where time goes. With PyTorch installed, the same
network (same weights) is built in torch and the two are timed alternately in the same run, so
both see the same machine load.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from core.errors import BackstepError
from core.losses import cross_entropy, grad_logits
from core.network import Network
from core.optim import SGD


@dataclass
class Timing:
    total: list  # ms per iteration
    forward: list
    backward: list
    update: list

    def summary(self) -> dict:
        t = np.array(self.total)
        med = float(np.median(t))
        parts = {k: float(np.median(getattr(self, k))) for k in ("forward", "backward", "update")}
        s = sum(parts.values()) or 1.0
        return {"ms_per_iteration": med, "ms_p10": float(np.percentile(t, 10)), "ms_p90": float(np.percentile(t, 90)),
                "share": {k: v / s for k, v in parts.items()}}


def make_batch(net: Network, batch_size: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.random((batch_size, *net.input_shape)).astype(net.dtype)
    y = rng.integers(0, net.n_classes, batch_size)
    return x, y


def backstep_iteration(net: Network, opt: SGD, x, y, timing: Timing) -> None:
    t0 = time.perf_counter()
    logits, caches = net.forward(x)
    _, probs = cross_entropy(logits, y)
    t1 = time.perf_counter()
    grads = net.backward(grad_logits(probs, y), caches)
    t2 = time.perf_counter()
    net.params = opt.step(net.params, grads)
    t3 = time.perf_counter()
    timing.forward.append((t1 - t0) * 1e3)
    timing.backward.append((t2 - t1) * 1e3)
    timing.update.append((t3 - t2) * 1e3)
    timing.total.append((t3 - t0) * 1e3)


# --- PyTorch, for comparison ---------------------------------------------------------------------

def torch_modules(net: Network) -> list:
    """Each layer's core.api.TorchModule (its ``to_torch`` hook), in order; BackstepError naming
    every layer that has none."""
    mods, missing = [], []
    for node in net.nodes:
        m = node.layer.to_torch(tuple(node.in_shape))
        (mods if m is not None else missing).append(m if m is not None else f"{node.name} ({node.type})")
    if missing:
        raise BackstepError(f"no PyTorch counterpart for layer {', '.join(missing)}: its class defines no to_torch")
    return mods


def torch_model(net: Network):
    """The same layers and weights as a torch.nn.Sequential (children named after the layers, so
    parameters are "<layer>.<param>"); BackstepError for a layer without a ``to_torch``."""
    from collections import OrderedDict

    import torch
    from torch import nn

    torch_dtype = torch.float64 if net.dtype == np.float64 else torch.float32
    mods = OrderedDict()
    for node, desc in zip(net.nodes, torch_modules(net)):
        m = desc.build(nn).to(torch_dtype)  # before copying, so float64 weights are not rounded to float32
        with torch.no_grad():
            for k, v in net.params[node.name].items():
                getattr(m, k).copy_(torch.from_numpy(np.array(v)))
        mods[node.name] = m
    return nn.Sequential(mods)


def torch_iteration(model, opt, loss_fn, x, y, timing: Timing) -> None:
    t0 = time.perf_counter()
    opt.zero_grad(set_to_none=True)
    loss = loss_fn(model(x), y)
    t1 = time.perf_counter()
    loss.backward()
    t2 = time.perf_counter()
    opt.step()
    t3 = time.perf_counter()
    timing.forward.append((t1 - t0) * 1e3)
    timing.backward.append((t2 - t1) * 1e3)
    timing.update.append((t3 - t2) * 1e3)
    timing.total.append((t3 - t0) * 1e3)


def run_bench(net: Network, batch_size: int = 64, iterations: int = 50, warmup: int = 5,
              compare_torch: bool = False, threads: int | None = None) -> dict:
    """Median ms per iteration (and phases' share); with ``compare_torch`` torch's too, alternately timed."""
    x, y = make_batch(net, batch_size)
    opt = SGD(0.01)
    mine = Timing([], [], [], [])
    theirs = Timing([], [], [], [])
    torch_step = None
    result = {"batch_size": batch_size, "iterations": iterations, "dtype": str(net.dtype)}
    if compare_torch:
        try:
            import torch
        except ImportError:
            raise BackstepError("--compare-torch: PyTorch is not installed (pip install torch)") from None
        if threads:
            torch.set_num_threads(threads)
        model = torch_model(net)
        topt = torch.optim.SGD(model.parameters(), lr=0.01)
        tx, ty = torch.from_numpy(x), torch.from_numpy(y)
        loss_fn = torch.nn.CrossEntropyLoss()
        torch_step = lambda timing: torch_iteration(model, topt, loss_fn, tx, ty, timing)  # noqa: E731
        result["torch_version"] = torch.__version__
        result["torch_threads"] = torch.get_num_threads()
    scratch = Timing([], [], [], [])
    for _ in range(warmup):
        backstep_iteration(net, opt, x, y, scratch)
        if torch_step:
            torch_step(scratch)
    for _ in range(iterations):
        backstep_iteration(net, opt, x, y, mine)
        if torch_step:
            torch_step(theirs)
    result.update(mine.summary())
    if torch_step:
        t = theirs.summary()
        result["torch"] = t
        result["ratio"] = result["ms_per_iteration"] / t["ms_per_iteration"]
    return result
