"""The formula view: the lecture's equation of one clicked element, with its numbers.

``FormulaView.show_element(view, key, index)`` explains ``view.arrays[key][index]``
(core.explain): the equation in the lecture's symbols, the same equation with the
numbers substituted, a table of every term (label, the numbers it multiplies, its value), their
sum and the value the panels display — the two agree. ``sigHighlight`` carries the elements the
terms read (array key -> index tuples: the receptive field, the pooling route) for the panels to
highlight. A new StepView (``update_view``) re-explains the element shown, so its numbers follow
the training.

``install_formula_view(host)`` docks it (tabbed behind the equation panel when there is one)
and adds "Formula of an element" to the Debug menu; ``explain(key, index)`` shows an element of
the workspace's current view (panels' clicks are wired to it).
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QFrame,
    QHeaderView,
    QLabel,
    QScrollArea,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.explain import Explanation, explain
from desktop.panels.base import on_screen

MATH_FONTS = "'DejaVu Sans', 'Noto Sans', 'Segoe UI', 'Cambria Math', sans-serif"
MAX_ROWS = 2000  # terms beyond this are summed but not listed
TABLE_MIN_H = 130  # px: the table shows a few terms however short the dock
HINT = "Click an element of a map — an error pixel, a weight gradient, a pooled value — to see its formula."


def fmt(v: float) -> str:
    """Numbers in the terms table and the sum: 8 significant digits (enough to compare)."""
    v = float(v)
    if v == 0:
        return "0"
    if 1e-3 <= abs(v) < 1e5:
        return f"{v:.8g}"
    return f"{v:.7e}"


class _NumItem(QTableWidgetItem):
    """A table cell that sorts by its number, not its text."""

    def __init__(self, value: float):
        super().__init__(fmt(value))
        self.value = float(value)
        self.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def __lt__(self, other):
        return self.value < getattr(other, "value", 0.0)


class FormulaView(QDockWidget):
    """A dock showing one element's equation, its terms and their sum."""

    sigHighlight = Signal(dict)  # array key -> [index tuples]

    def __init__(self, current_view=None, parent=None):
        super().__init__("Formula", parent)
        self.setObjectName("dock_formula")
        self.current_view = current_view  # callable: the view the panels show (for clicks)
        self.explanation: Explanation | None = None
        self._current: tuple[str, tuple] | None = None
        self._latest = None  # the newest view offered while out of sight
        self.visibilityChanged.connect(self._on_visibility)

        body = QWidget()
        lay = QVBoxLayout(body)
        lay.setContentsMargins(8, 6, 8, 6)
        lay.setSpacing(6)
        self.title_label = QLabel()
        self.title_label.setStyleSheet(f"font-family: {MATH_FONTS}; font-size: 12pt; font-weight: bold;")
        self.title_label.setWordWrap(True)
        self.title_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.equation_label = QLabel()
        self.equation_label.setTextFormat(Qt.TextFormat.RichText)
        self.equation_label.setWordWrap(True)
        self.equation_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.equation_label.setFrameShape(QFrame.Shape.StyledPanel)
        self.equation_label.setStyleSheet(
            f"font-family: {MATH_FONTS}; font-size: 14pt; padding: 8px; "
            "background: palette(alternate-base); border-radius: 4px;")
        self.subst_label = QLabel()
        self.subst_label.setWordWrap(True)
        self.subst_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.subst_label.setStyleSheet(f"font-family: {MATH_FONTS}; font-size: 12pt;")
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Term", "Numbers", "Value of the term"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        font = QFont()
        font.setFamilies(["DejaVu Sans", "Noto Sans", "Segoe UI"])
        font.setPointSizeF(10.5)
        self.table.setFont(font)
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        hh.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        hh.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._row_selected)
        self.sum_label = QLabel()
        self.value_label = QLabel()
        for lab in (self.sum_label, self.value_label):
            lab.setStyleSheet(f"font-family: {MATH_FONTS}; font-size: 12pt;")
            lab.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note_label = QLabel()
        self.note_label.setWordWrap(True)
        self.note_label.setStyleSheet("font-size: 10.5pt; color: palette(placeholder-text);")
        for w in (self.title_label, self.equation_label, self.subst_label):
            lay.addWidget(w)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.sum_label)
        lay.addWidget(self.value_label)
        lay.addWidget(self.note_label)

        self.hint_label = QLabel(HINT)
        self.hint_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint_label.setWordWrap(True)
        self.hint_label.setStyleSheet("font-size: 13pt; color: #888; padding: 20px;")
        self.table.setMinimumHeight(TABLE_MIN_H)
        # in a short dock the page scrolls rather than squeeze the equation or the terms away
        self.page = QScrollArea()
        self.page.setWidgetResizable(True)
        self.page.setFrameShape(QFrame.Shape.NoFrame)
        self.page.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.page.setWidget(body)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.hint_label)
        self.stack.addWidget(self.page)
        self.body = body
        self.setWidget(self.stack)
        self.setMinimumWidth(380)

    # --- showing --------------------------------------------------------------------------------

    def show_element(self, view, key: str, index) -> Explanation:
        """Explain ``view.arrays[key][index]`` (index: full, sample first) and show it; emits sigHighlight."""
        # errors as the maps show them: the sample's own, of its loss L⁽ˢ⁾ (ŷ − y at the output)
        e = explain(view.arrays, view.params, view.nodes, key, index, lr=view.lr, x=view.x, y=view.y,
                    sample=view.focus, per_sample=True)
        self._current = (key, e.index)
        self.show_explanation(e)
        return e

    def explain(self, key: str, index) -> Explanation:
        """A click on ``key[index]`` in a panel: show the dock and explain it in the view shown."""
        self.show()
        self.raise_()
        return self.show_element(self.current_view(), key, index)

    def offer_view(self, view) -> None:
        """A new StepView: explained at once if the dock is on screen, else when it is raised (a
        dock tabbed behind another is still "visible" to Qt; re-explaining fills up to MAX_ROWS rows)."""
        self._latest = view
        if on_screen(self):
            self.update_view(view)

    def _on_visibility(self, visible: bool) -> None:
        if visible and self._latest is not None:
            self.update_view(self._latest)

    def update_view(self, view) -> None:
        """A new StepView: explain the shown element again with its new numbers (if it still exists)."""
        if self._current is None or view is None:
            return
        key, index = self._current
        if key in view.arrays:
            self.show_element(view, key, index)

    def clear(self) -> None:
        self.explanation, self._current = None, None
        self.table.setRowCount(0)
        self.stack.setCurrentWidget(self.hint_label)

    def show_explanation(self, e: Explanation) -> None:
        self.explanation = e
        self.stack.setCurrentWidget(self.page)
        self.title_label.setText(e.title)
        eq = html.escape(e.equation or "(no equation)").replace("\n", "<br>").replace("  ", "&nbsp;&nbsp;")
        self.equation_label.setText(eq)
        self.subst_label.setText(e.substituted)
        self.subst_label.setVisible(bool(e.substituted))
        self.table.setSortingEnabled(False)
        rows = e.terms[:MAX_ROWS]
        self.table.setRowCount(len(rows))
        for r, t in enumerate(rows):
            label = QTableWidgetItem(t.label)
            label.setData(Qt.ItemDataRole.UserRole, r)
            label.setToolTip(t.label)
            nums = "   ".join(f"{n} = {fmt(v)}" for n, v in t.values)
            numbers = QTableWidgetItem(nums)
            numbers.setToolTip(nums)
            self.table.setItem(r, 0, label)
            self.table.setItem(r, 1, numbers)
            self.table.setItem(r, 2, _NumItem(t.product))
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # the lecture's order
        self.table.setSortingEnabled(True)
        self.table.resizeColumnToContents(0)
        # the term's label at most 40 % of the table: the Numbers column keeps room to be read
        room = max(self.table.viewport().width(), 300)
        self.table.setColumnWidth(0, min(self.table.columnWidth(0), max(120, int(0.4 * room))))
        self.table.setVisible(bool(e.terms))
        if e.terms:
            more = f" ({len(e.terms) - MAX_ROWS} more not listed)" if len(e.terms) > MAX_ROWS else ""
            self.sum_label.setText(f"Σ of the {len(e.terms)} terms{more} = {fmt(e.total)}")
        else:
            self.sum_label.setText("No term-by-term formula for this element.")
        self.value_label.setText("Displayed value = " + ("not recorded" if e.value is None else fmt(e.value)))
        ok = e.value is not None and e.terms and e.adds_up(1e-6)
        self.value_label.setStyleSheet(f"font-family: {MATH_FONTS}; font-size: 12pt; font-weight: bold; "
                                       + ("color: #2a8a3a;" if ok else ""))
        self.note_label.setText(e.note)
        self.note_label.setVisible(bool(e.note))
        self.sigHighlight.emit(dict(e.related))

    def _row_selected(self) -> None:
        """Selecting a term highlights the elements that term reads."""
        e = self.explanation
        items = self.table.selectedItems()
        if e is None or not items:
            return
        r = self.table.item(items[0].row(), 0).data(Qt.ItemDataRole.UserRole)
        if r is None or r >= len(e.terms):
            return
        related: dict = {}
        for k, i in e.terms[r].refs:
            related.setdefault(k, []).append(tuple(i))
        if related:
            self.sigHighlight.emit(related)

    # --- for tests ------------------------------------------------------------------------------

    def terms_shown(self) -> list[tuple[str, str, str]]:
        return [tuple(self.table.item(r, c).text() for c in range(3)) for r in range(self.table.rowCount())]


def install_formula_view(host) -> FormulaView:
    """Dock the formula view (tabbed behind the equation panel) with a Debug-menu entry; it follows
    every view, and ``FormulaView.explain(key, index)`` shows an element of the current one."""
    dock = FormulaView(host.current_view)
    host.place_dock(dock, "formula")
    action = dock.toggleViewAction()
    action.setText("Formula of an element")
    action.setStatusTip("Show the lecture's equation of a clicked element, with its numbers")
    host.debug_menu().addAction(action)
    host.bridge.sigView.connect(dock.offer_view)
    return dock
