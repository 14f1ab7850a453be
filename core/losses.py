"""Softmax cross-entropy, as the lecture writes it, averaged over the batch.

    ŷᵢ = exp(z⁽⁴⁾ᵢ) / Σⱼ exp(z⁽⁴⁾ⱼ)            L = −Σᵢ yᵢ log ŷᵢ
    ∂L/∂ŷᵢ = −yᵢ / ŷᵢ                          ∂L/∂z⁽⁴⁾ᵢ = ŷᵢ − yᵢ

For a batch of N samples the loss is the mean, so every gradient carries a factor 1/N: that is
the lecture's "Average the Gradient Across the Batch", done once here at the top of the chain.
"""

from __future__ import annotations

import numpy as np

LOSSES = ("softmax_cross_entropy",)


def softmax(z: np.ndarray) -> np.ndarray:
    """ŷ = softmax(z) row-wise, stable for large |z| (subtracts the row maximum). z: (N, K)."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    e /= e.sum(axis=1, keepdims=True)
    return e


def one_hot(labels: np.ndarray, k: int, dtype=np.float64) -> np.ndarray:
    """y: (N,) class indices -> (N, K) one-hot rows."""
    y = np.zeros((len(labels), k), dtype=dtype)
    y[np.arange(len(labels)), labels] = 1
    return y


def cross_entropy(z: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """Batch-mean L and ŷ for logits z: (N, K) and labels: (N,) ints.

    log ŷ is computed as z − logsumexp(z), so L stays finite even where ŷ underflows to 0.
    """
    shifted = z - z.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    log_probs = shifted - log_norm
    loss = -float(log_probs[np.arange(len(labels)), labels].mean())
    return loss, np.exp(log_probs)


def grad_logits(probs: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """∂L/∂z⁽⁴⁾ = (ŷ − y) / N for the batch-mean loss. probs: (N, K)."""
    g = probs.copy()
    g[np.arange(len(labels)), labels] -= 1
    g /= len(labels)
    return g


def grad_probs(probs: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """∂L/∂ŷ = −y / (N ŷ), the lecture's first backward quantity (zero where y = 0).

    Shown, not used: the engine goes straight to ∂L/∂z⁽⁴⁾ = ŷ − y, which stays finite when ŷ
    underflows. Where ŷ of the true class is 0 the value is −inf, honestly.
    """
    g = np.zeros_like(probs)
    rows = np.arange(len(labels))
    with np.errstate(divide="ignore"):
        g[rows, labels] = -1.0 / (len(labels) * probs[rows, labels])
    return g
