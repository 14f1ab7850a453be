"""Optimisers: the lecture's SGD, plus momentum and Adam.

Each ``step`` takes the parameters and their batch-averaged gradients and returns *new* arrays
(it never writes into the old ones), so a snapshot taken before the update keeps the old weights.
State (velocities, moments) lives in ``state`` as plain arrays, saved in sessions.

    SGD       θ ← θ − α ∂L/∂θ                                     (the lecture's update rule)
    momentum  v ← μ v − α ∂L/∂θ;   θ ← θ + v
    Adam      m ← β₁m + (1−β₁)g;  s ← β₂s + (1−β₂)g²;  θ ← θ − α m̂ / (√ŝ + ε)
"""

from __future__ import annotations

import math

import numpy as np

from core.errors import HyperParamError

Params = dict[str, dict[str, np.ndarray]]  # layer name -> param name -> array

DEFAULT_LR = {"sgd": 0.3, "momentum": 0.05, "adam": 0.001}


class Optimizer:
    name = ""

    def __init__(self, lr: float):
        if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
            raise HyperParamError(f"learning rate: must be a positive number, got {lr!r}")
        self.lr = float(lr)
        self.t = 0
        self.state: dict[str, np.ndarray] = {}

    def step(self, params: Params, grads: Params) -> Params:
        """Return updated parameters; ``grads`` has the same layout as ``params``."""
        self.t += 1
        return {layer: {k: self.update(f"{layer}.{k}", p, grads[layer][k]) for k, p in ps.items()}
                for layer, ps in params.items()}

    def update(self, key: str, p: np.ndarray, g: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def get_state(self) -> dict[str, np.ndarray]:
        """Everything needed to resume: counters and buffers, as arrays (for .npz sessions)."""
        return {"t": np.array(self.t), **{f"state.{k}": v for k, v in self.state.items()}}

    def set_state(self, state: dict[str, np.ndarray]) -> None:
        self.t = int(state.get("t", 0))
        self.state = {k[len("state."):]: np.array(v) for k, v in state.items() if k.startswith("state.")}


class SGD(Optimizer):
    """θ ← θ − α ∂L/∂θ."""

    name = "sgd"

    def update(self, key, p, g):
        return p - self.lr * g


class Momentum(Optimizer):
    """v ← μ v − α g;  θ ← θ + v  (μ = 0.9)."""

    name = "momentum"

    def __init__(self, lr: float, mu: float = 0.9):
        super().__init__(lr)
        self.mu = mu

    def update(self, key, p, g):
        v = self.state.get(key)
        v = -self.lr * g if v is None else self.mu * v - self.lr * g
        self.state[key] = v
        return p + v


class Adam(Optimizer):
    """Adam (Kingma & Ba) with bias correction; β₁ = 0.9, β₂ = 0.999, ε = 1e-8."""

    name = "adam"

    def __init__(self, lr: float, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8):
        super().__init__(lr)
        self.b1, self.b2, self.eps = b1, b2, eps

    def update(self, key, p, g):
        m, s = self.state.get(f"{key}.m"), self.state.get(f"{key}.s")
        m = (1 - self.b1) * g if m is None else self.b1 * m + (1 - self.b1) * g  # (state starts at 0)
        s = (1 - self.b2) * (g * g) if s is None else self.b2 * s + (1 - self.b2) * (g * g)
        self.state[f"{key}.m"], self.state[f"{key}.s"] = m, s
        m_hat = m / (1 - self.b1 ** self.t)
        s_hat = s / (1 - self.b2 ** self.t)
        return (p - self.lr * m_hat / (np.sqrt(s_hat) + self.eps)).astype(p.dtype, copy=False)


OPTIMIZERS = {cls.name: cls for cls in (SGD, Momentum, Adam)}


def make_optimizer(name: str, lr: float | None = None) -> Optimizer:
    """An optimiser by name, with its default learning rate unless ``lr`` is given."""
    if name not in OPTIMIZERS:
        raise HyperParamError(f"optimizer: {name!r} is not one of {', '.join(OPTIMIZERS)}")
    return OPTIMIZERS[name](DEFAULT_LR[name] if lr is None else lr)
