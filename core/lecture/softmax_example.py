"""12.3's example: K = 5 classes, ŷ = [0.5, 0, 0.1, 0.2, 0.1], y = class 1 (Qt-free).

    L = −Σᵢ yᵢ log ŷᵢ,   ∂L/∂ŷᵢ = −yᵢ/ŷᵢ,   ∂ŷᵢ/∂zⱼ = ŷᵢ(1 − ŷᵢ) if i = j, −ŷᵢŷⱼ otherwise,
    ∂L/∂zᵢ = Σⱼ ∂L/∂ŷⱼ ∂ŷⱼ/∂zᵢ = ŷᵢ − yᵢ    = [−0.5, 0, 0.1, 0.2, 0.1]

The chain needs only Σᵢ yᵢ = 1 (y one-hot). The lecture's ŷ sums to 0.9 and has a 0, which no
softmax gives (its outputs are positive and sum to 1): they are numbers to show ŷ − y with, and
``softmax_note`` says so. Terms with yⱼ = 0 contribute 0 to ∂L/∂ŷ (0/ŷ, even where ŷ = 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CLASSES = ("penguin", "building", "chair", "person", "bird")
YHAT = (0.5, 0.0, 0.1, 0.2, 0.1)
TRUE = 0  # class 1, penguin


@dataclass(frozen=True)
class SoftmaxExample:
    yhat: np.ndarray  # (K,)
    y: np.ndarray  # (K,) one-hot
    classes: tuple[str, ...]

    @property
    def true(self) -> int:
        return int(np.argmax(self.y))

    @property
    def loss(self) -> float:
        p = float(self.yhat[self.true])
        return float("inf") if p <= 0 else -float(np.log(p))

    @property
    def dl_dyhat(self) -> np.ndarray:
        """−yᵢ/ŷᵢ; 0 where yᵢ = 0, −∞ if the true class has ŷ = 0."""
        out = np.zeros_like(self.yhat)
        t = self.true
        out[t] = -np.inf if self.yhat[t] <= 0 else -1.0 / self.yhat[t]
        return out

    @property
    def jacobian(self) -> np.ndarray:
        """∂ŷᵢ/∂zⱼ (K, K): diag(ŷ) − ŷŷᵀ."""
        return np.diag(self.yhat) - np.outer(self.yhat, self.yhat)

    @property
    def dl_dz_chain(self) -> np.ndarray:
        """Σⱼ ∂L/∂ŷⱼ ∂ŷⱼ/∂zᵢ, term by term (finite if ŷ of the true class > 0)."""
        return self.jacobian.T @ self.dl_dyhat

    @property
    def dl_dz(self) -> np.ndarray:
        """ŷ − y."""
        return self.yhat - self.y

    def remarks(self) -> tuple[str, str]:
        """The lecture's two remarks, with these numbers."""
        d = self.dl_dz
        t = self.true
        others = [self.classes[i] for i in range(len(d)) if i != t and d[i] > 0]
        return (f"∂L/∂z of the true class ({self.classes[t]}) is {d[t]:+.3g} < 0: increasing its score "
                "decreases the loss.",
                f"∂L/∂z of the others ({', '.join(others) or 'none with ŷ > 0'}) is > 0: decreasing their "
                "scores also decreases the loss.")

    def softmax_note(self) -> str:
        total = float(self.yhat.sum())
        if abs(total - 1) < 1e-9 and (self.yhat > 0).all():
            return "These ŷ could come from a softmax: positive, summing to 1."
        return (f"These ŷ sum to {total:g}{' and include 0' if (self.yhat <= 0).any() else ''}: a softmax's "
                "outputs are positive and sum to 1. ŷ − y holds all the same, since it needs only Σ y = 1.")


def example(yhat=YHAT, true: int = TRUE, classes=CLASSES) -> SoftmaxExample:
    yhat = np.asarray(yhat, dtype=np.float64)
    y = np.zeros_like(yhat)
    y[true] = 1.0
    return SoftmaxExample(yhat, y, tuple(classes))
