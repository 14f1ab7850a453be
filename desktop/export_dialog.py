"""File › Export…: the network and the weights in view, as ONNX, a PyTorch file or safetensors.

``export_dialog(window)`` asks for a file in a save dialog whose type filter picks the target
(ONNX model, PyTorch module, safetensors weights), exports through core.export — which refuses a
layer without the mapping by name and runs the exported model to check it — and says what it
wrote and how the check went (or why it failed) in a message box and the status bar.

It reads from the window only ``window.bridge.network`` (spec and registry) and
``window.bridge.boundary_state()["params"]`` — the weights at the last iteration boundary, safe
while training runs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from core.export import SUFFIXES

FILTERS = {  # the save dialog's type filter -> core.export target
    "ONNX model (*.onnx)": "onnx",
    "PyTorch module, with its .safetensors beside it (*.py)": "pytorch",
    "Weights as safetensors (*.safetensors)": "safetensors",
}


def _target(path: str, chosen_filter: str) -> tuple[str, Path]:
    """The target named by the file's suffix if it has a known one, else by the filter (suffix added)."""
    p = Path(path)
    for target, suffix in SUFFIXES.items():
        if p.suffix == suffix:
            return target, p
    target = FILTERS.get(chosen_filter, "onnx")
    return target, p.with_name(p.name + SUFFIXES[target])


def _file_stem(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name.strip().lower()) or "network"


def export_dialog(window):
    """Ask where and as what, export the network and weights in view; the ExportReport, or None."""
    from core.errors import BackstepError
    from core.export import export_network
    from core.network import Network

    bridge = window.bridge
    spec, registry = bridge.network.spec, bridge.network.registry
    start = str(Path.home() / (_file_stem(spec.name) + ".onnx"))
    path, chosen = QFileDialog.getSaveFileName(window, "Export the network and its weights", start,
                                               ";;".join(FILTERS))
    if not path:
        return None
    target, out = _target(path, chosen)
    params = bridge.boundary_state()["params"]
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        report = export_network(Network(spec, registry, dtype=np.float32), params, target, out)
    except BackstepError as exc:
        QApplication.restoreOverrideCursor()
        QMessageBox.critical(window, "Export failed", str(exc))
        return None
    QApplication.restoreOverrideCursor()
    text = "\n".join(report.lines())
    QMessageBox.information(window, "Exported", text)
    status = getattr(window, "status", None)
    if status is not None:
        status.showMessage(f"exported {spec.name} to {out}", 8000)
    return report
