"""Self-checks: run the exported model and compare it with Backstep's own forward pass.

On a batch (seeded uniform pixels in [0, 1), the network's input shape), the exported model's
logits and probabilities are compared with Backstep's float32 forward and softmax; the largest
absolute difference is reported, and anything beyond ``TOLERANCE`` fails the export (exit 1).
The runtime is onnxruntime for ONNX and torch for PyTorch, each only when installed.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.errors import BackstepError
from core.losses import softmax
from core.registry import import_file

TOLERANCE = 1e-4  # float32


class ExportCheckError(BackstepError):
    """The exported model computes something else than Backstep (exit 1)."""

    exit_code = 1


@dataclass(frozen=True)
class CheckResult:
    runtime: str  # "onnxruntime 1.32.0", "torch 2.13.0"; or, without differences, what was checked or why not
    logits_diff: float | None = None
    probs_diff: float | None = None
    batch: int = 0

    @property
    def max_diff(self) -> float | None:
        return None if self.logits_diff is None else max(self.logits_diff, self.probs_diff)

    def line(self) -> str:
        if self.max_diff is None:
            return self.runtime
        return (f"{self.runtime} on a batch of {self.batch}: largest difference from Backstep "
                f"{self.max_diff:.3g} (logits {self.logits_diff:.3g}, probs {self.probs_diff:.3g}; "
                f"tolerance {TOLERANCE:g})")


def check_batch(net, n: int = 8, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((n, *net.input_shape), dtype=np.float32)


def backstep_outputs(net, params, x) -> tuple[np.ndarray, np.ndarray]:
    """Backstep's logits and probabilities for ``x``, in float32, with ``params``."""
    net32 = net.astype(np.float32)
    net32.params = {layer: {k: np.asarray(v, np.float32) for k, v in ps.items()} for layer, ps in params.items()}
    logits = net32.forward(x.astype(np.float32), train=False)[0]
    return logits, softmax(logits.astype(np.float64)).astype(np.float32)


def compare(runtime: str, ours, theirs, batch: int) -> CheckResult:
    r = CheckResult(runtime, float(np.max(np.abs(ours[0] - theirs[0]))),
                    float(np.max(np.abs(ours[1] - theirs[1]))), batch)
    if not r.max_diff <= TOLERANCE:  # also NaN
        raise ExportCheckError(f"the exported model differs from Backstep: {r.line()}")
    return r


def run_onnx(path: Path, x: np.ndarray):
    """(logits, probs) of the ONNX file for ``x``, or None when onnxruntime is not installed."""
    try:
        import onnxruntime as ort
    except ImportError:
        return None
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    logits, probs = sess.run(["logits", "probs"], {"x": x})
    return (logits, probs), f"onnxruntime {ort.__version__}"


def run_pytorch(path: Path, x: np.ndarray):
    """(logits, probs) of the generated module for ``x``, or None when torch is not installed."""
    try:
        import torch
    except ImportError:
        return None
    module = import_file(path, "backstep_exported")  # (a fresh name per file: a new export is imported anew)
    model = module.load()
    with torch.no_grad():
        logits = model(torch.from_numpy(x))
        probs = torch.softmax(logits, dim=1)
    sys.modules.pop(module.__name__, None)
    return (logits.numpy(), probs.numpy()), f"torch {torch.__version__}"
