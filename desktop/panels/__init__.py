"""The panels: each draws a StepView (desktop.view_model) and nothing else.

Every panel is a QWidget with ``title``, ``update_view(view)``, ``displayed()`` (the arrays it
shows, by key) and ``sigHover(str)``; see desktop.panels.base. Preview one on its own with
``python -m desktop.panels.demo NAME``.
"""

from __future__ import annotations

import pyqtgraph as pg

from desktop.panels.curves import CurvesPanel
from desktop.panels.equation import EquationPanel
from desktop.panels.error_maps import ErrorMapsPanel
from desktop.panels.feature_maps import FeatureMapsPanel
from desktop.panels.filters import FiltersPanel
from desktop.panels.gradients import GradientsPanel
from desktop.panels.input_panel import InputPanel
from desktop.panels.output_panel import OutputPanel
from desktop.panels.plot_style import apply_global
from desktop.panels.update_panel import UpdatePanel

# In the order of one iteration: input, forward, output/loss, backward, update; then the curves.
PANELS = [
    ("input", InputPanel),
    ("feature_maps", FeatureMapsPanel),
    ("output", OutputPanel),
    ("equation", EquationPanel),
    ("error_maps", ErrorMapsPanel),
    ("gradients", GradientsPanel),
    ("update", UpdatePanel),
    ("filters", FiltersPanel),
    ("curves", CurvesPanel),
]

_configured = False


def configure_pyqtgraph() -> None:
    """Row-major images (numpy's order), antialiasing, and colours from the current palette (the
    theme); call before creating panels."""
    global _configured
    if not _configured:
        pg.setConfigOptions(imageAxisOrder="row-major", antialias=True)
        _configured = True
    apply_global()


__all__ = ["PANELS", "configure_pyqtgraph", "CurvesPanel", "EquationPanel", "ErrorMapsPanel",
           "FeatureMapsPanel", "FiltersPanel", "GradientsPanel", "InputPanel", "OutputPanel", "UpdatePanel"]
