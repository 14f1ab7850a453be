"""Which 2-D slice of a 3-D or 4-D array the inspector shows: a spin box per leading axis
(1-based, "filter 3 of 16"), "All tiles", and the zoom buttons."""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSpinBox, QToolButton, QWidget


class SliceBar(QWidget):
    """``configure(axes, sizes)``; ``fixed()`` the 0-based leading indices; ``tiles()``."""

    sigChanged = Signal()
    sigZoom = Signal(float)  # factor; 0 = fit

    def __init__(self, parent=None):
        super().__init__(parent)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(4)
        self._spins: list[QSpinBox] = []
        self._labels: list[QLabel] = []
        self.all_tiles = QCheckBox("All tiles")
        self.all_tiles.setToolTip("Every slice at once, laid out as the panels show them")
        self.all_tiles.toggled.connect(self._tiles_toggled)
        self.all_tiles.hide()  # until there are slices to tile
        self._layout.addWidget(self.all_tiles)
        self._layout.addStretch(1)
        self.buttons = {}
        for text, factor, tip in (("−", 0.5, "Zoom out"), ("+", 2.0, "Zoom in (or the mouse wheel)"),
                                  ("Fit", 0.0, "Show the whole array")):
            b = QToolButton()
            b.setText(text)
            b.setToolTip(tip)
            b.clicked.connect(lambda _=False, f=factor: self.sigZoom.emit(f))
            self._layout.addWidget(b)
            self.buttons[text] = b
        self._axes: tuple[str, ...] = ()
        self._sizes: tuple[int, ...] = ()

    def configure(self, axes: tuple[str, ...], sizes: tuple[int, ...]) -> bool:
        """Spin boxes for the leading ``axes`` of ``sizes``; kept (with their values) if unchanged.
        Returns True when they were rebuilt."""
        axes, sizes = tuple(axes), tuple(int(s) for s in sizes)
        if (axes, sizes) == (self._axes, self._sizes):
            return False
        self._axes, self._sizes = axes, sizes
        for w in self._spins + self._labels:
            self._layout.removeWidget(w)
            w.deleteLater()
        self._spins, self._labels = [], []
        for i, (name, n) in enumerate(zip(axes, sizes)):
            label = QLabel(name)
            spin = QSpinBox()
            spin.setRange(1, max(1, n))
            spin.setSuffix(f" of {n}")
            spin.setToolTip(f"The {name} to show (1 to {n})")
            spin.valueChanged.connect(lambda _v: self.sigChanged.emit())
            self._layout.insertWidget(2 * i, label)
            self._layout.insertWidget(2 * i + 1, spin)
            self._labels.append(label)
            self._spins.append(spin)
        self.all_tiles.setVisible(bool(sizes))
        with QSignalBlocker(self.all_tiles):
            self.all_tiles.setChecked(False)
        self._enable()
        return True

    def fixed(self) -> tuple[int, ...]:
        return tuple(s.value() - 1 for s in self._spins)

    def tiles(self) -> bool:
        return bool(self._spins) and self.all_tiles.isChecked()

    def set_fixed(self, fixed: tuple[int, ...], quiet: bool = False) -> None:
        """Show the slice at the 0-based ``fixed`` (``quiet``: without sigChanged)."""
        for spin, i in zip(self._spins, fixed):
            with QSignalBlocker(spin):
                spin.setValue(int(i) + 1)
        if not quiet:
            self.sigChanged.emit()

    def set_tiles(self, on: bool) -> None:
        self.all_tiles.setChecked(bool(on) and bool(self._spins))

    def spin(self, axis: str) -> QSpinBox:
        return self._spins[self._axes.index(axis)]

    def _tiles_toggled(self, _on: bool) -> None:
        self._enable()
        self.sigChanged.emit()

    def _enable(self) -> None:
        on = self.all_tiles.isChecked()
        for w in self._spins + self._labels:
            w.setEnabled(not on)
