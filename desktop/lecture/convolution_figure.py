"""12.1's convolution explorer: h = f ⊗ g on the focused digit or an image file, one sum at a time.

Both outputs side by side, each named: the cross-correlation the layers compute and the lecture's
true convolution (the kernel flipped). Clicking an output pixel frames its window on the input
and writes its sum out with the numbers. ``sigPutKernel(filter, kernel)`` asks for the kernel to
be put into a filter of the first conv layer (the workspace widget passes it on).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from core.errors import DataError
from core.lecture.colours import box_colour
from core.lecture.convolution import KERNEL_NAMES, KERNELS, cross_correlation, load_grey, true_convolution, window
from desktop.lecture.array_image import ArrayImage, number_text, tex_number
from desktop.lecture.figure import Figure, IndexBox
from desktop.math_view import MathView, is_dark


class ConvolutionFigure(Figure):
    sigPutKernel = Signal(int, object)  # filter index (0-based), the 3×3 kernel as shown

    def __init__(self, parent=None):
        super().__init__(parent)
        self.kernel_choice = QComboBox()
        for k, name in KERNEL_NAMES.items():
            self.kernel_choice.addItem(name, k)
        self.kernel_table = QTableWidget(3, 3)
        self.kernel_table.horizontalHeader().hide()
        self.kernel_table.verticalHeader().hide()
        for i in range(3):
            self.kernel_table.setColumnWidth(i, 58)
            self.kernel_table.setRowHeight(i, 28)
        self.kernel_table.setFixedSize(3 * 58 + 4, 3 * 28 + 4)
        self.padding = QCheckBox("zero padding (output the size of f)")
        self.open_button = QPushButton("Image file…")
        self.digit_button = QPushButton("Focused digit")
        self.filter_index = IndexBox("filter ")
        self.put_button = QPushButton("Put into conv layer 1")
        self.put_button.setToolTip("Replace that filter of the first convolutional layer by this kernel (centred, "
                                   "zeros round it): the layer cross-correlates, so it computes the left output")
        self.source = ArrayImage("f: the input", "x")
        self.corr = ArrayImage("z: cross-correlation (the layers)", "z")
        self.conv = ArrayImage("h = f ⊗ g: true convolution", "z")
        self.sum_def = MathView(size=19)
        self.sum_view = MathView(size=17)
        self.other = self.label(pt=10.5)
        controls = QGridLayout()
        controls.addWidget(self.kernel_choice, 0, 0, 1, 2)
        controls.addWidget(self.kernel_table, 1, 0, 3, 1)
        controls.addWidget(self.padding, 1, 1)
        row = QHBoxLayout()
        row.addWidget(self.digit_button)
        row.addWidget(self.open_button)
        controls.addLayout(row, 2, 1)
        row2 = QHBoxLayout()
        row2.addWidget(self.filter_index)
        row2.addWidget(self.put_button)
        controls.addLayout(row2, 3, 1)
        maps = QGridLayout()
        maps.addWidget(self.source, 0, 0, 2, 1)
        maps.addWidget(self.corr, 0, 1)
        maps.addWidget(self.conv, 1, 1)
        maps.setColumnStretch(0, 3)
        maps.setColumnStretch(1, 2)
        lay = QVBoxLayout(self)
        lay.addLayout(controls)
        lay.addLayout(maps, 1)
        lay.addWidget(self.sum_def)
        lay.addWidget(self.sum_view)
        lay.addWidget(self.other)
        self._image: np.ndarray | None = None  # an image file's, else None: the focused digit
        self._clicked: tuple[str, int, int] | None = None
        self._filling = False
        self.kernel_choice.currentIndexChanged.connect(self._on_choice)
        self.kernel_table.itemChanged.connect(self._on_edit)
        self.padding.toggled.connect(lambda _: self._recompute(keep_click=False))
        self.open_button.clicked.connect(self._open)
        self.digit_button.clicked.connect(self._use_digit)
        self.put_button.clicked.connect(lambda: self.sigPutKernel.emit(self.filter_index.index(), self.kernel()))
        self.corr.sigCellClicked.connect(lambda i, j: self.click("corr", i, j))
        self.conv.sigCellClicked.connect(lambda i, j: self.click("conv", i, j))
        self._own = KERNELS["g3"].T.copy()
        self._set_table(KERNELS["g1"])

    # --- the kernel ----------------------------------------------------------------------------

    def kernel(self) -> np.ndarray:
        out = np.zeros((3, 3))
        for i in range(3):
            for j in range(3):
                item = self.kernel_table.item(i, j)
                try:
                    out[i, j] = float(item.text().replace("−", "-")) if item else 0.0
                except ValueError:
                    out[i, j] = 0.0
        return out

    def set_kernel(self, name: str, own: np.ndarray | None = None) -> None:
        """Choose g1, g2, g3 or "own" (with its values)."""
        if own is not None:
            self._own = np.asarray(own, dtype=np.float64)
        self.kernel_choice.setCurrentIndex(list(KERNEL_NAMES).index(name))
        self._on_choice()

    def _set_table(self, k: np.ndarray) -> None:
        self._filling = True
        for i in range(3):
            for j in range(3):
                self.kernel_table.setItem(i, j, QTableWidgetItem(f"{k[i, j]:g}"))
        self._filling = False

    def _on_choice(self, *_):
        name = self.kernel_choice.currentData()
        self._set_table(self._own if name == "own" else KERNELS[name])
        self._recompute(keep_click=True)

    def _on_edit(self, *_):
        if self._filling:
            return
        if self.kernel_choice.currentData() != "own":
            self._own = self.kernel()
            self.kernel_choice.blockSignals(True)
            self.kernel_choice.setCurrentIndex(list(KERNEL_NAMES).index("own"))
            self.kernel_choice.blockSignals(False)
        self._own = self.kernel()
        self._recompute(keep_click=True)

    # --- the image -------------------------------------------------------------------------------

    def _open(self):
        path, _ = QFileDialog.getOpenFileName(self, "An image to convolve", "",
                                              "Images (*.png *.jpg *.jpeg *.bmp *.gif)")
        if path:
            self.open_image(path)

    def open_image(self, path) -> None:
        try:
            self._image = load_grey(path)
        except DataError as exc:
            self.sigStatus.emit(str(exc))
            return
        self._recompute(keep_click=False)

    def _use_digit(self):
        self._image = None
        self._recompute(keep_click=False)

    def image(self) -> np.ndarray | None:
        if self._image is not None:
            return self._image
        v = self.view
        if v is None or v.x is None:
            return None
        return np.asarray(v.x[min(v.focus, len(v.x) - 1)][0], dtype=np.float64)

    # --- drawing --------------------------------------------------------------------------------

    def draw(self) -> None:
        nodes = self.view.nodes if self.view is not None else ()
        conv = next((n for n in nodes if n.layer.spec.category == "Convolution"), None)
        self.put_button.setEnabled(conv is not None)
        if conv is not None:
            self.filter_index.set_count(conv.out_shape[0])
            self.put_button.setText(f"Put into {conv.name}")
        self._recompute(keep_click=True)

    def _recompute(self, keep_click: bool) -> None:
        f = self.image()
        if f is None:
            return
        k = self.kernel()
        p = 1 if self.padding.isChecked() else 0
        corr, conv = cross_correlation(f, k, p), true_convolution(f, k, p)
        lim = max(np.abs(corr).max(), np.abs(conv).max(), 1e-12)
        what = "an image file" if self._image is not None else "the focused digit"
        self.source.set_array(f, signed=False, title=f"f: {what} ({f.shape[0]}×{f.shape[1]})")
        self.corr.set_array(corr, signed=True, limit=lim)
        self.conv.set_array(conv, signed=True, limit=lim)
        self._shown.update(kernel=k, image=f, padding=p, cross_correlation=corr, true_convolution=conv)
        c = self._clicked
        if not keep_click or c is None or c[1] >= corr.shape[0] or c[2] >= corr.shape[1]:
            i, j = np.unravel_index(int(np.argmax(np.abs(corr))), corr.shape)
            self._clicked = ("corr", int(i), int(j))
        self.click(*self._clicked)

    def click(self, which: str, i: int, j: int) -> None:
        """Show output (i, j) of "corr" (cross-correlation) or "conv" (true convolution)."""
        f = self.image()
        if f is None:
            return
        self._clicked = (which, i, j)
        k = self.kernel()
        p = 1 if self.padding.isChecked() else 0
        w = window(f, k, i, j, p, true=(which == "conv"))
        other = window(f, k, i, j, p, true=(which != "conv"))
        colour = box_colour(is_dark(self))
        mark = (i - p, j - p, i - p + 3, j - p + 3, colour)
        self.source.highlight([mark])
        self.corr.highlight([(i, j, i + 1, j + 1, colour)])
        self.conv.highlight([(i, j, i + 1, j + 1, colour)])
        terms = " + ".join(f"({tex_number(a, 3)})({tex_number(b, 3)})" for a, b in w.terms() if b != 0) or "0"
        name = r"\nc{z}" if which == "corr" else r"\nc{h}"
        self.sum_def.set_latex(rf"\as{{z}}{{{name}_{{{i + 1},{j + 1}}}}} = " +
                               (r"\sum_{m,n} g_{mn}\, \as{x}{f}_{(i+m)(j+n)}" if which == "corr" else
                                r"\sum_{m,n} \as{x}{f}(i-m, j-n)\, g(m,n)"))
        self.sum_view.set_latex(f"= {terms} = {tex_number(w.value)}")
        other_name = "true convolution h" if which == "corr" else "cross-correlation z"
        this = "cross-correlation (the layers)" if which == "corr" else "true convolution (the lecture)"
        flipped = " (the kernel flipped)" if which == "conv" else ""
        self.other.setText(self.html(
            f"Output ({i + 1}, {j + 1}) of the {this}: the window framed on f, each value times the kernel value "
            "over it"
            f"{flipped}. The {other_name} there: {number_text(other.value)}."))
        self._shown.update(clicked=(which, i, j), window=w.patch, weights=w.weights, value=w.value,
                           other_value=other.value)
