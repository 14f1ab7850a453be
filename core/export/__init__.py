"""Take a network elsewhere: ONNX, a PyTorch file, or safetensors weights — each checked after writing.

``export_network(net, weights, target, out)`` writes

    "onnx"         one .onnx model (core.export.onnx_graph): input x (N, C, H, W) float32, outputs
                   logits and probs; checked by running it in onnxruntime (when installed)
    "pytorch"      a self-contained .py with an nn.Module and load() (core.export.pytorch_code) and
                   the .safetensors beside it; checked by importing and running it in torch (when
                   installed)
    "safetensors"  the weights with the contract's keys and their own dtypes; checked by reading
                   the file back, bit for bit

and returns an :class:`ExportReport`. A layer without the mapping a target needs (``to_onnx``,
``to_torch``) is refused by name before anything is written (BackstepError, exit 2); a model that
computes something else than Backstep's forward pass beyond 1e-4 fails (ExportCheckError, exit 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.errors import BackstepError
from core.export import check as checks
from core.export.check import CheckResult, ExportCheckError
from core.io import apply_weights, atomic_write, atomic_write_text
from core.safetensors_io import read_safetensors, safetensors_bytes

TARGETS = ("onnx", "pytorch", "safetensors")
SUFFIXES = {"onnx": ".onnx", "pytorch": ".py", "safetensors": ".safetensors"}

__all__ = ["SUFFIXES", "TARGETS", "CheckResult", "ExportCheckError", "ExportReport", "export_network"]


@dataclass
class ExportReport:
    target: str
    written: list[Path] = field(default_factory=list)
    check: CheckResult | None = None

    def lines(self) -> list[str]:
        return [f"wrote {p}" for p in self.written] + ([f"check: {self.check.line()}"] if self.check else [])


def _flat(weights) -> dict[str, np.ndarray]:
    """Weights as the contract's flat keys, from a flat dict or a layer -> name -> array dict."""
    if all(isinstance(v, dict) for v in weights.values()):
        return {f"{layer}.{k}": np.asarray(v) for layer, ps in weights.items() for k, v in ps.items()}
    return {k: np.asarray(v) for k, v in weights.items()}


def _metadata(net) -> dict[str, str]:
    return {"network": net.spec.name, "producer": "backstep"}


def export_network(net, weights, target: str, out, check: bool = True, source: str = "the weights") -> ExportReport:
    """Write ``net`` with ``weights`` (flat "<layer>.<param>" keys or nested) as ``target`` to ``out``;
    ``source`` names the weights in error messages (their file)."""
    if target not in TARGETS:
        raise BackstepError(f"--to: {target!r} is not one of {', '.join(TARGETS)}")
    out = Path(out)
    flat = _flat(weights)
    apply_weights(net, flat, source)  # every key present, shapes right, finite (names the key)
    report = ExportReport(target)
    if target == "safetensors":
        atomic_write(out, lambda f: f.write(safetensors_bytes(flat, _metadata(net))))
        report.written.append(out)
        if check:
            back = read_safetensors(out)
            same = set(back) == set(flat) and all(back[k].dtype == flat[k].dtype and back[k].shape == flat[k].shape
                                                  and back[k].tobytes() == np.ascontiguousarray(flat[k]).tobytes()
                                                  for k in flat)
            if not same:
                raise ExportCheckError(f"{out}: reading the file back does not give the same bytes")
            report.check = CheckResult(f"read back: {len(flat)} arrays, bit-exact")
        return report
    if target == "onnx":
        from core.export.onnx_graph import build_model

        model = build_model(net, net.params)
        atomic_write(out, lambda f: f.write(model.SerializeToString()))
        report.written.append(out)
        run = checks.run_onnx
    else:
        from core.bench import torch_modules
        from core.export.pytorch_code import module_source, weights_path_for

        if out.suffix != ".py":
            raise BackstepError(f"--out {out}: the PyTorch export is a Python file, name it *.py")
        wpath = weights_path_for(out)
        source = module_source(net, wpath.name, torch_modules(net))
        f32 = {k: v.astype(np.float32) for k, v in flat.items()}
        atomic_write(wpath, lambda f: f.write(safetensors_bytes(f32, {**_metadata(net), "format": "pt"})))
        atomic_write_text(out, source)
        report.written += [out, wpath]
        run = checks.run_pytorch
    if check:
        x = checks.check_batch(net)
        got = run(out, x)
        if got is None:
            need = "onnxruntime" if target == "onnx" else "torch"
            report.check = CheckResult(f"not run: {need} is not installed (pip install {need})")
        else:
            report.check = checks.compare(got[1], checks.backstep_outputs(net, net.params, x), got[0], len(x))
    return report
