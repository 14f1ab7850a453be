"""The inspector: one array at a time, large, with its numbers (issue #10, "The inspector").

    panel = InspectorPanel()
    panel.show_array(item_for(view, "conv1.weight"))      # any map, filter, weight matrix, gradient
    panel.show_update(update_for(view, "conv1"))          # old, −α·∂L/∂g, new and new − old
    panel.sigElementSelected.connect(lambda key, index: ...)   # a click: key, 0-based full index

Modules that import no Qt (like desktop.panels.levels and .tiling; a test checks their imports):
``item`` (InspectItem, UpdateItem), ``numbers`` (cell and hover text), ``plane`` (slices, tiles,
wrapped vectors and the index of every pixel), ``from_view`` (items from a StepView by key).
Preview: ``python -m desktop.inspector.demo``.
"""

from desktop.inspector.from_view import item_for, update_for
from desktop.inspector.inspector_panel import InspectorPanel
from desktop.inspector.item import InspectItem, UpdateItem

__all__ = ["InspectItem", "InspectorPanel", "UpdateItem", "item_for", "update_for"]
