"""Verify a backward pass: the finite-difference check of one layer, as heat maps.

``VerifyDialog(workspace, layer_name)`` gathers the layer's real input (this batch) and parameters on
the GUI thread (core.debugger.verify.prepare), runs the check on a worker QThread with a busy
indicator, then shows per target (input, weight, bias, …) the relative error as a heat map
(log₁₀, with a colour bar; samples/filters are rows, channels columns of small tiles), a table
of the worst elements, pass/fail at the chosen tolerance, and "Jump to worst": it selects the
worst element, centres its heat map on it and shows its analytic and numeric values.

``install_verify(host)`` adds "Verify backward of <layer>…" to the Debug menu (one entry per
layer, rebuilt as the network changes) and to the editor blocks' context menu (chained with any
hook already installed).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QThread, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.debugger.verify import VerifyJob, VerifyResult, run_job
from core.workspace import describe_error

TOLERANCES = (1e-4, 1e-5, 1e-6, 1e-7, 1e-8)
LOG_FLOOR = -16.0  # log10 of the smallest relative error drawn
CMAP = "inferno"


class _Worker(QThread):
    done = Signal(object)
    failed = Signal(str)

    def __init__(self, job: VerifyJob):
        super().__init__()
        self.job = job

    def run(self) -> None:
        try:
            self.done.emit(run_job(self.job))
        except Exception as exc:  # noqa: BLE001 - a plugin's layer may raise anything
            self.failed.emit(f"{type(exc).__name__}: {exc}")


def tile_layout(shape: tuple) -> tuple[tuple, callable]:
    """(image shape, index -> (row, col)) for drawing an array of any rank as one 2-D image.

    4-D (A, B, H, W): A rows × B columns of H×W tiles, 1 pixel apart; 3-D (C, H, W): one row of
    tiles; 2-D as is; 1-D one row; higher ranks: the first axis against the rest flattened.
    """
    shape = tuple(shape)
    if len(shape) == 3:
        inner, lift = tile_layout((1, *shape))
        return inner, lambda idx: lift((0, *idx))
    if len(shape) == 4:
        a, b, h, w = shape
        img = (a * (h + 1) - 1, b * (w + 1) - 1)
        return img, lambda idx: (idx[0] * (h + 1) + idx[2], idx[1] * (w + 1) + idx[3])
    if len(shape) == 2:
        return shape, lambda idx: (idx[0], idx[1])
    if len(shape) == 1:
        return (1, shape[0]), lambda idx: (0, idx[0])
    rest = int(np.prod(shape[1:]))
    return (shape[0], rest), lambda idx: (idx[0], int(np.ravel_multi_index(idx[1:], shape[1:])))


def tile_image(a: np.ndarray) -> np.ndarray:
    """``a`` laid out as :func:`tile_layout` says, NaN between tiles."""
    img_shape, where = tile_layout(a.shape)
    img = np.full(img_shape, np.nan)
    if a.ndim in (3, 4):
        a4 = a.reshape((1, *a.shape)) if a.ndim == 3 else a
        _, _, h, w = a4.shape
        for i in range(a4.shape[0]):
            for j in range(a4.shape[1]):
                img[i * (h + 1): i * (h + 1) + h, j * (w + 1): j * (w + 1) + w] = a4[i, j]
    else:
        img[...] = a.reshape(img_shape)
    return img


class HeatMap(pg.GraphicsLayoutWidget):
    """log₁₀ relative error of one target, with a colour bar and a marker on the selected element."""

    def __init__(self, name: str, rel: np.ndarray, parent=None):
        super().__init__(parent)
        self.name, self.rel = name, rel
        self.setBackground("w")
        self.plot = self.addPlot()
        self.plot.setAspectLocked(rel.ndim >= 3)
        self.plot.invertY(True)
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        axes = {4: ("channel (tiles) · column", "sample / filter (tiles) · row"), 3: ("channel · col", "row"),
                2: ("unit / input", "sample / output"), 1: ("element", "")}.get(rel.ndim, ("", ""))
        self.plot.setLabel("bottom", axes[0])
        if axes[1]:
            self.plot.setLabel("left", axes[1])
        with np.errstate(divide="ignore"):
            img = np.maximum(np.log10(np.maximum(tile_image(rel), 0)), LOG_FLOOR)
        self.image = pg.ImageItem(img)
        self.plot.addItem(self.image)
        self._where = tile_layout(rel.shape)[1]
        hi = max(0.0, float(np.nanmax(img)) if np.isfinite(img).any() else 0.0)
        self.bar = pg.ColorBarItem(values=(LOG_FLOOR, hi if hi > LOG_FLOOR else 0.0), colorMap=pg.colormap.get(CMAP),
                                   label="log₁₀ relative error", interactive=False, width=18)
        self.bar.setImageItem(self.image, insert_in=self.plot)
        self.marker = pg.ScatterPlotItem(size=16, symbol="s", pen=pg.mkPen("#00e5ff", width=2.5), brush=None)
        self.plot.addItem(self.marker)

    def select(self, index: tuple) -> tuple[int, int]:
        """Mark the element and centre the view on it; returns its (row, col) in the image."""
        r, c = self._where(tuple(int(i) for i in index))
        self.marker.setData([c + 0.5], [r + 0.5])
        h, w = self.image.image.shape
        span_r, span_c = min(h, 40), min(w, 40)
        # centred on it, but kept inside the image (no blank band beyond an edge)
        top = min(max(r + 0.5 - span_r / 2, 0.0), h - span_r)
        left = min(max(c + 0.5 - span_c / 2, 0.0), w - span_c)
        self.plot.setRange(xRange=(left, left + span_c), yRange=(top, top + span_r), padding=0)
        return r, c


class VerifyDialog(QDialog):
    """Checks ``layer_name``'s backward on the current batch and shows where it is wrong, if anywhere."""

    sigFinished = Signal(object)  # VerifyResult (or None on failure)

    def __init__(self, workspace, layer_name: str, *, samples=None, eps: float = 1e-6, parent=None):
        super().__init__(parent)
        self.workspace = workspace
        self.layer_name = layer_name
        self.result: VerifyResult | None = None
        self.error: str | None = None
        self.selected: tuple[str, tuple] | None = None
        self.heat_maps: dict[str, HeatMap] = {}
        self._worker: _Worker | None = None
        self.setWindowTitle(f"Verify the backward pass of {layer_name}")
        self.resize(1000, 720)

        lay = QVBoxLayout(self)
        self.header = QLabel(f"Checking {layer_name}…")
        self.header.setWordWrap(True)
        self.header.setStyleSheet("font-size: 11pt;")
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setMaximumHeight(10)
        top = QHBoxLayout()
        self.status_label = QLabel("…")
        self.status_label.setStyleSheet("font-size: 14pt; font-weight: bold;")
        self.tol_combo = QComboBox()
        for t in TOLERANCES:
            self.tol_combo.addItem(f"{t:g}", t)
        self.tol_combo.setCurrentIndex(TOLERANCES.index(1e-6))
        self.tol_combo.currentIndexChanged.connect(lambda _: self._show_status())
        self.jump_button = QPushButton("Jump to worst")
        self.jump_button.setEnabled(False)
        self.jump_button.clicked.connect(self.jump_to_worst)
        top.addWidget(self.status_label, 1)
        top.addWidget(QLabel("tolerance"))
        top.addWidget(self.tol_combo)
        top.addWidget(self.jump_button)
        self.selected_label = QLabel(" ")
        self.selected_label.setStyleSheet("font-family: 'DejaVu Sans Mono', monospace; font-size: 11pt;")
        self.selected_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.tabs = QTabWidget()
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["target", "element", "analytic", "numeric", "relative error"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._row_selected)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.tabs)
        box = QWidget()
        bl = QVBoxLayout(box)
        bl.setContentsMargins(0, 0, 0, 0)
        bl.addWidget(QLabel("The worst elements"))
        bl.addWidget(self.table)
        split.addWidget(box)
        split.setSizes([480, 200])
        lay.addWidget(self.header)
        lay.addWidget(self.busy)
        lay.addLayout(top)
        lay.addWidget(self.selected_label)
        lay.addWidget(split, 1)
        self._start(samples, eps)

    # --- running ----------------------------------------------------------------------------------

    def _start(self, samples, eps) -> None:
        try:
            job = self.workspace.prepare_verify(self.layer_name, eps, samples)
        except Exception as exc:  # noqa: BLE001 - a dialog, never a crash
            self._failed(describe_error(exc))
            return
        self.job = job
        self.header.setText(
            f"<b>{job.layer_name}</b> ({job.layer_type}), per-element central differences in float64, "
            f"ε = {job.eps:g}: {job.n_elements:,} elements of samples {list(job.samples)} of {job.source}. "
            "The same check as <tt>backstep gradcheck</tt>.")
        self._worker = _Worker(job)
        self._worker.done.connect(self._done)
        self._worker.failed.connect(self._failed)
        self._worker.start()

    @property
    def finished_check(self) -> bool:
        return self.result is not None or self.error is not None

    def _failed(self, message: str) -> None:
        self.error = message
        self.busy.hide()
        self.status_label.setText(f"Could not run the check: {message}")
        self.status_label.setStyleSheet("font-size: 12pt; font-weight: bold; color: #c0392b;")
        self.sigFinished.emit(None)

    def _done(self, result: VerifyResult) -> None:
        self.result = result
        self.busy.hide()
        for name, rel in result.heat_maps.items():
            hm = HeatMap(name, rel)
            self.heat_maps[name] = hm
            self.tabs.addTab(hm, f"{name}  (max {result.check[name].max_rel_error:.1e})")
        rows = result.worst_elements(12)
        self.table.setRowCount(len(rows))
        for r, w in enumerate(rows):
            for c, text in enumerate((w.target, str(list(w.index)), f"{w.analytic:.9g}", f"{w.numeric:.9g}",
                                      f"{w.rel_error:.2e}")):
                item = QTableWidgetItem(text)
                if c >= 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, item)
        self._rows = rows
        self.jump_button.setEnabled(result.worst is not None)
        self._show_status()
        self.sigFinished.emit(result)

    @property
    def tol(self) -> float:
        return float(self.tol_combo.currentData())

    def _show_status(self) -> None:
        r = self.result
        if r is None:
            return
        ok = r.passed(self.tol)
        self.status_label.setText(f"{'✔ PASSED' if ok else '✘ FAILED'} — max relative error {r.max_error:.2e} "
                                  f"{'<' if ok else '≥'} tolerance {self.tol:g}   ({r.seconds:.1f} s)")
        self.status_label.setStyleSheet("font-size: 14pt; font-weight: bold; color: "
                                        + ("#2a8a3a;" if ok else "#c0392b;"))

    # --- selecting ------------------------------------------------------------------------------

    def jump_to_worst(self) -> None:
        if self.result is None or self.result.worst is None:
            return
        self.table.selectRow(0)  # the worst element is the first row
        w = self.result.worst
        self.select_element(w.target, w.index)

    def _row_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if rows and self.result is not None:
            w = self._rows[rows[0].row()]
            self.select_element(w.target, w.index)

    def select_element(self, target: str, index) -> None:
        """Show ``target[index]``: its heat-map tab, a marker centred on it, analytic vs numeric."""
        if self.result is None or target not in self.heat_maps:
            return
        index = tuple(int(i) for i in index)
        hm = self.heat_maps[target]
        self.tabs.setCurrentWidget(hm)
        hm.select(index)
        w = self.result.element(target, index)
        self.selected = (target, index)
        self.selected_label.setText(f"{target}{list(index)}:  analytic {w.analytic:.10g}   numeric {w.numeric:.10g}"
                                    f"   relative error {w.rel_error:.2e}")

    def closeEvent(self, event) -> None:
        if self._worker is not None and self._worker.isRunning():
            self._worker.wait()
        super().closeEvent(event)


# --- installation -------------------------------------------------------------------------------

class VerifyMenu(QMenu):
    """Debug › Verify backward: one entry per layer; the dialogs it opened stay referenced here."""

    def __init__(self, host):
        super().__init__("Verify backward", host.debug_menu())
        self.setObjectName("menu_verify")
        self.host = host
        self.dialogs: list[VerifyDialog] = []
        self.aboutToShow.connect(self.fill)
        self.fill()

    def fill(self) -> None:
        self.clear()
        for name in self.host.workspace.layer_names:
            a = self.addAction(f"Verify backward of {name}…")
            a.triggered.connect(lambda _=False, n=name: self.open(n))

    def open(self, layer_name: str) -> VerifyDialog:
        """Open a (non-modal) verify dialog for ``layer_name``."""
        dlg = VerifyDialog(self.host.workspace, layer_name, parent=self.host)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self.dialogs = [d for d in self.dialogs if d.isVisible()] + [dlg]
        dlg.show()
        return dlg


def install_verify(host) -> VerifyMenu:
    """"Verify backward of <layer>…" in the Debug menu and in the editor blocks' context menu."""
    menu = VerifyMenu(host)
    host.debug_menu().addMenu(menu)

    def block_menu(name: str, qmenu: QMenu) -> None:
        a = qmenu.addAction(f"Verify backward of {name}…")
        known = name in host.workspace.layer_names
        a.setEnabled(known)
        if not known:
            a.setToolTip("Apply the edit first: this layer is not in the running network")
        a.triggered.connect(lambda _=False: menu.open(name))

    host.add_block_menu(block_menu)
    return menu


__all__ = ["HeatMap", "VerifyDialog", "VerifyMenu", "install_verify", "tile_image", "tile_layout"]
