"""A combo box of the weighted layers (g⁽ᶜ⁾, W⁽ᵈ⁾), shared by the gradient and update panels.

Until the user picks a layer, it follows the step: the layer whose gradient was computed last
(the backward pass runs last layer first), so the panel always shows the newest numbers.
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox

from core.view import StepView


def latest_with_gradient(view: StepView) -> str | None:
    """The weighted layer whose ∂L/∂weight was computed last in this iteration (None before any)."""
    for name in view.weight_symbols:  # forward order: the first with a gradient is the newest
        if f"{name}.weight.grad" in view.arrays:
            return name
    return None


class LayerChoice(QComboBox):
    """Lists ``"conv1 — g⁽¹⁾"``…; follows the step until the user chooses, then keeps the choice."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._names: tuple = ()
        self.follow = True
        self.activated.connect(self._chosen_by_user)  # activated: user interaction only
        self.setMinimumContentsLength(12)

    def _chosen_by_user(self, _index: int) -> None:
        self.follow = False

    def sync(self, view: StepView) -> str | None:
        """Refill from ``view`` if the network changed; return the layer to show (None if none)."""
        symbols = view.weight_symbols
        names = tuple(symbols)
        self.blockSignals(True)
        if names != self._names:
            current = self.currentData()
            self.clear()
            for n in names:
                self.addItem(f"{n} — {symbols[n].unicode}", n)
            self._names = names
            self.setCurrentIndex(names.index(current) if current in names else 0)
        if self.follow:
            latest = latest_with_gradient(view)
            if latest is not None:
                self.setCurrentIndex(names.index(latest))
        self.blockSignals(False)
        return self.currentData()

    def choose(self, name: str) -> None:
        """Show ``name`` from now on (as if the user had picked it)."""
        i = self.findData(name)
        if i >= 0:
            self.follow = False
            self.setCurrentIndex(i)
