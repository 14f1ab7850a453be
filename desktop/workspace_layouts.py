"""The workspaces' default arrangements (desktop.workspace_pages), as fractions of the page.

Designed at 1280×800 (a page of about 1280×700 under the menu, the toolbar and the status bar)
and checked at 1366×768 and 1920×1080 at 150 %; the keys are the pages' dock keys.
"""

from __future__ import annotations

from desktop.workspace_pages import PageSpec, column, row, tabs

BUILD = PageSpec(
    "build", "Build", "Assemble the network and choose the data",
    row((tabs("editor", "plugin_reloads"), 0.64), (tabs("data"), 0.36)))

STEP = PageSpec(
    "step", "Step", "Step through one iteration phase by phase and watch every array of it",
    column((row((column((tabs("controls"), 0.34), (tabs("batch"), 0.66)), 0.22),
                (tabs("feature_maps"), 0.39), (tabs("error_maps"), 0.39)), 0.60),
           (row((tabs("input"), 0.19), (tabs("output"), 0.29), (tabs("equation", "curves"), 0.52)), 0.40)))

INSPECT = PageSpec(
    "inspect", "Inspect", "One layer's filters, weight gradients (per sample) and update, large, with numbers",
    row((column((tabs("gradients"), 0.54), (tabs("update", "filters"), 0.46)), 0.56), (tabs("inspector"), 0.44)))

DEBUG = PageSpec(
    "debug", "Debug", "Breakpoints, the formula of any element with its numbers, health, the timeline",
    column((row((column((tabs("breakpoints"), 0.5), (tabs("watch", "health"), 0.5)), 0.26),
                (tabs("error_maps", "feature_maps"), 0.40), (tabs("formula"), 0.34)), 0.76),
           (tabs("timeline"), 0.24)))

LECTURE = PageSpec("lecture", "Lecture", "Walk through the lecture on the live network", tabs("lecture"))

EVALUATE = PageSpec(
    "evaluate", "Evaluate", "Draw a digit, the confusion matrix and the mistakes, distributions over time",
    # each view takes the whole page (the drawing's stages and the gallery need the width): tabs
    tabs("evaluation", "draw", "distributions", "flow", "alerts"))

PAGES = (BUILD, STEP, INSPECT, DEBUG, LECTURE, EVALUATE)
FIRST = "step"  # the app opens ready to step
