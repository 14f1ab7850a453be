"""The Breakpoints dock: list, enable, add, edit and remove breakpoints; a banner says why Run stopped.

The breakpoints live on the workspace (``workspace.breakpoints``, a core BreakpointSet): while any is
enabled, Run (F5) and "finish the epoch" go phase by phase and stop at the first hit. Editor blocks
get "Break at forward:<layer>" / "Break at backward:<layer>" in their context menu.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.debugger.breakpoints import (
    KINDS,
    Breakpoint,
    BreakpointSet,
    FormField,
    Hit,
    NonFiniteBreakpoint,
    PhaseBreakpoint,
    form_fields,
)
from desktop.tables import read_only_table

BANNER_STYLE = ("QLabel { background: #fdebd0; color: #6e2c00; border: 1px solid #e59866; "
                "border-radius: 3px; padding: 4px; }")


class BreakpointDialog(QDialog):
    """Add or edit one breakpoint: a kind, then a form of that kind's fields.

    The forms are generated from the breakpoint classes' fields (core.debugger.breakpoints
    ``form_fields``), as the layer forms are from their HyperParams: a new condition class gets
    its form without a line here. ``field(kind, name)`` is the widget of one field.
    """

    def __init__(self, phases: list[str], layers: list[str], bp: Breakpoint | None = None, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Edit breakpoint" if bp else "Add breakpoint")
        self.sources = {"phases": list(phases), "layers": ["*", *layers]}
        self.kind = QComboBox()
        self.pages = QStackedWidget()
        self._widgets: dict[str, dict[str, QWidget]] = {}
        for kind, cls in KINDS.items():
            self.kind.addItem(cls.label, kind)
            page = QWidget()
            form = QFormLayout(page)
            form.setContentsMargins(0, 0, 0, 0)
            self._widgets[kind] = {}
            for f in form_fields(cls):
                w = self._make_widget(f)
                self._widgets[kind][f.name] = w
                form.addRow(f.label, w)
            if not form.rowCount():
                form.addRow(QLabel("Nothing to set: it is checked at every phase."))
            self.pages.addWidget(page)
        self.error = QLabel()
        self.error.setStyleSheet("color: #c0392b;")
        self.error.setWordWrap(True)
        top = QFormLayout()
        top.addRow("Break", self.kind)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.pages)
        lay.addWidget(self.error)
        lay.addWidget(buttons)
        self.kind.currentIndexChanged.connect(self._show_page)
        self.result_breakpoint: Breakpoint | None = None
        self._enabled = True
        if bp is not None:
            self.set_breakpoint(bp)
        self._show_page()

    def _make_widget(self, f: FormField) -> QWidget:
        if f.choices:
            w = QComboBox()
            for value, label in f.choices:
                w.addItem(label, value)
            w.setCurrentIndex(w.findData(f.default))
        elif f.source:
            w = QComboBox()
            w.setEditable(True)
            w.addItems(self.sources.get(f.source, []))
            w.setCurrentText(str(f.default))
        elif f.type is int:
            w = QSpinBox()
            w.setRange(1, 10_000_000)
            w.setValue(int(f.default))
        else:
            w = QLineEdit(f"{f.default:g}" if f.type is float else str(f.default))
        if f.help:
            w.setToolTip(f.help)
        return w

    def field(self, kind: str, name: str) -> QWidget:
        return self._widgets[kind][name]

    def current_fields(self) -> list[str]:
        """The names of the fields the form shows now."""
        return list(self._widgets[self.kind.currentData()])

    def set_breakpoint(self, bp: Breakpoint) -> None:
        self._enabled = bp.enabled
        self.kind.setCurrentIndex(self.kind.findData(bp.kind))
        for name, w in self._widgets[bp.kind].items():
            value = getattr(bp, name)
            if isinstance(w, QComboBox) and not w.isEditable():
                w.setCurrentIndex(w.findData(value))
            elif isinstance(w, QComboBox):
                w.setCurrentText(str(value))
            elif isinstance(w, QSpinBox):
                w.setValue(int(value))
            else:
                w.setText(f"{value:g}" if isinstance(value, float) else str(value))

    def _show_page(self) -> None:
        self.pages.setCurrentIndex(self.kind.currentIndex())
        self.error.clear()
        self.adjustSize()

    def _value(self, f: FormField):
        w = self._widgets[self.kind.currentData()][f.name]
        if isinstance(w, QComboBox):
            return w.currentData() if not w.isEditable() else w.currentText().strip()
        if isinstance(w, QSpinBox):
            return w.value()
        text = w.text().strip()
        if f.type is float:
            try:
                return float(text)
            except ValueError:
                raise ValueError(f"{f.label.lower()}: {text!r} is not a number") from None
        return text

    def breakpoint(self) -> Breakpoint:
        """The breakpoint the fields describe; ValueError saying what is wrong."""
        cls = KINDS[self.kind.currentData()]
        values = {f.name: self._value(f) for f in form_fields(cls)}
        return cls(**values, enabled=self._enabled)

    def _accept(self) -> None:
        try:
            self.result_breakpoint = self.breakpoint()
        except ValueError as exc:
            self.error.setText(str(exc))
            return
        self.accept()


class BreakpointsDock(QWidget):
    """A table of ``breakpoints`` (checkbox = enabled) with Add…, Edit…, Remove, and the hit banner."""

    sigChanged = Signal()

    title = "Breakpoints"

    def __init__(self, breakpoints: BreakpointSet, parent=None):
        super().__init__(parent)
        self.breakpoints = breakpoints
        self.phases: list[str] = []
        self.layers: list[str] = []
        self.last_hit: Hit | None = None
        self.banner = QLabel()
        self.banner.setObjectName("breakpoint_banner")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(BANNER_STYLE)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner.hide()
        self.table = read_only_table(["On", "Breakpoint"], single=True)  # (the checkbox still toggles)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.itemChanged.connect(self._item_changed)
        self.table.itemDoubleClicked.connect(lambda _item: self.edit_selected())
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.add_button = QPushButton("Add…")
        self.edit_button = QPushButton("Edit…")
        self.remove_button = QPushButton("Remove")
        self.add_button.clicked.connect(self.add_interactive)
        self.edit_button.clicked.connect(self.edit_selected)
        self.remove_button.clicked.connect(self.remove_selected)
        self.hint = QLabel("Run (F5) stops at the first enabled breakpoint that hits.")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: gray;")
        buttons = QHBoxLayout()
        for b in (self.add_button, self.edit_button, self.remove_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addWidget(self.banner)
        lay.addWidget(self.table, 1)
        lay.addLayout(buttons)
        lay.addWidget(self.hint)
        self.refresh()

    # --- the list -------------------------------------------------------------------------------

    def set_network(self, phases: list[str], layers: list[str]) -> None:
        self.phases, self.layers = list(phases), list(layers)

    def refresh(self) -> None:
        t = self.table
        t.blockSignals(True)
        t.setRowCount(len(self.breakpoints))
        for row, bp in enumerate(self.breakpoints):
            on = QTableWidgetItem()
            on.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            on.setCheckState(Qt.CheckState.Checked if bp.enabled else Qt.CheckState.Unchecked)
            on.setToolTip("Enabled")
            text = QTableWidgetItem(bp.describe())
            text.setToolTip(f"{getattr(KINDS.get(bp.kind), 'label', bp.kind)}: {bp.describe()} (double-click to edit)")
            if self.last_hit is not None and self.last_hit.breakpoint is bp:
                font = text.font()
                font.setBold(True)
                text.setFont(font)
            t.setItem(row, 0, on)
            t.setItem(row, 1, text)
        t.blockSignals(False)
        has = t.currentRow() >= 0 and len(self.breakpoints) > 0
        self.edit_button.setEnabled(has)
        self.remove_button.setEnabled(has)

    def _selection_changed(self) -> None:
        has = self.table.currentRow() >= 0 and len(self.breakpoints) > 0
        self.edit_button.setEnabled(has)
        self.remove_button.setEnabled(has)

    def _item_changed(self, item: QTableWidgetItem) -> None:
        if item.column() == 0 and item.row() < len(self.breakpoints):
            self.breakpoints.enable(item.row(), item.checkState() == Qt.CheckState.Checked)
            self.sigChanged.emit()

    def add(self, bp: Breakpoint) -> Breakpoint:
        """Add a breakpoint (an identical one already there is just enabled)."""
        same = bp.to_dict() | {"enabled": True}
        for old in self.breakpoints:
            if old.to_dict() | {"enabled": True} == same:
                old.enabled = True
                self.refresh()
                self.sigChanged.emit()
                return old
        self.breakpoints.add(bp)
        self.refresh()
        self.table.selectRow(len(self.breakpoints) - 1)
        self.sigChanged.emit()
        return bp

    def set_enabled(self, row: int, on: bool) -> None:
        self.table.item(row, 0).setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def remove(self, row: int) -> None:
        if 0 <= row < len(self.breakpoints):
            self.breakpoints.remove(row)
            self.refresh()
            self.sigChanged.emit()

    def remove_selected(self) -> None:
        self.remove(self.table.currentRow())

    def dialog(self, bp: Breakpoint | None = None) -> BreakpointDialog:
        return BreakpointDialog(self.phases, self.layers, bp, self)

    def add_interactive(self) -> None:
        d = self.dialog()
        if d.exec() and d.result_breakpoint is not None:
            self.add(d.result_breakpoint)

    def edit_selected(self) -> None:
        row = self.table.currentRow()
        if not 0 <= row < len(self.breakpoints):
            return
        d = self.dialog(self.breakpoints[row])
        if d.exec() and d.result_breakpoint is not None:
            self.breakpoints.replace(row, d.result_breakpoint)
            self.refresh()
            self.sigChanged.emit()

    def contextMenuEvent(self, event) -> None:
        menu = QMenu(self)
        menu.addAction("Add…", self.add_interactive)
        row = self.table.currentRow()
        if 0 <= row < len(self.breakpoints):
            menu.addAction("Edit…", self.edit_selected)
            menu.addAction("Remove", self.remove_selected)
        menu.addSeparator()
        menu.addAction("Enable all", lambda: self._set_all(True))
        menu.addAction("Disable all", lambda: self._set_all(False))
        menu.exec(event.globalPos())

    def _set_all(self, on: bool) -> None:
        for bp in self.breakpoints:
            bp.enabled = on
        self.refresh()
        self.sigChanged.emit()

    # --- hits -----------------------------------------------------------------------------------

    def show_hit(self, hit: Hit) -> None:
        self.last_hit = hit
        where = f"at {hit.phase}" if hit.snapshot is not None else f"before {hit.phase or 'a phase'} (it failed)"
        self.banner.setText(f"Stopped {where}, iteration {hit.iteration + 1}\n"
                            f"{hit.breakpoint.describe()}: {hit.reason}")
        self.banner.show()
        self.refresh()

    def clear_hit(self) -> None:
        if self.last_hit is not None:
            self.last_hit = None
            self.banner.hide()
            self.refresh()

    def restore(self, extra: dict) -> None:
        """Put a session's breakpoints back (replacing the current ones); bad entries are skipped."""
        items = (extra or {}).get("breakpoints")
        if items is None:
            return
        self.breakpoints.clear()
        for d in items:
            try:
                self.breakpoints.add(Breakpoint.from_dict(d))
            except (ValueError, TypeError):
                continue
        self.last_hit = None
        self.banner.hide()
        self.refresh()

    def on_view(self, view) -> None:
        """A view of another moment than the hit's clears the banner."""
        h = self.last_hit
        if h is not None and (view.phase != h.phase or view.iteration != h.iteration):
            self.clear_hit()


# --- installing into the window ------------------------------------------------------------------

def install_breakpoints(host) -> BreakpointsDock:
    """Add the Breakpoints dock, its Debug-menu entries and the editor blocks' "Break at …" entries.

    Connects: sigBreak -> banner, status bar and the dock raised; sigView -> the banner cleared
    once the view moves on; sigNetworkChanged -> the dialog's phase list. Returns the widget.
    """
    ws, bridge = host.workspace, host.bridge
    widget = BreakpointsDock(ws.breakpoints)
    dock = host.add_dock("breakpoints", "Breakpoints", widget)

    def network_changed() -> None:
        widget.set_network(list(ws.phases), list(ws.layer_names))

    def on_break(hit: Hit) -> None:
        widget.show_hit(hit)
        host.show_info(hit.message, 10000)  # the banner keeps it; the status bar is short
        dock.show()
        dock.raise_()

    network_changed()
    bridge.sigNetworkChanged.connect(network_changed)
    bridge.sigBreak.connect(on_break)
    bridge.sigView.connect(widget.on_view)

    def add_at(phase: str) -> None:
        widget.add(PhaseBreakpoint(phase))
        host.show_info(f"Breakpoint at {phase}: Run (F5) stops after it")

    def block_menu(name: str, menu) -> None:
        for kind in ("forward", "backward"):
            menu.addAction(f"Break at {kind}:{name}", lambda k=kind: add_at(f"{k}:{name}"))

    host.add_block_menu(block_menu)
    m = host.debug_menu()
    m.addAction("Add &breakpoint…", widget.add_interactive)
    a = m.addAction("Break on &NaN/Inf", lambda: widget.add(NonFiniteBreakpoint()))
    a.setStatusTip("Stop a Run at the first phase whose arrays hold NaN or Inf")
    m.addAction(dock.toggleViewAction())
    return widget
