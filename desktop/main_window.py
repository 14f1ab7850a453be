"""The main window: editor, data, controls and every panel as docks, around one Workspace.

Data flow: an action (key, button, menu) asks the workspace (core.workspace, Qt-free) to step or
change something; the workspace emits events, which the bridge (desktop.bridge) turns into Qt
signals; the window hands each StepView to every panel, the editor (highlight), the data dock and
the status bar. While running, views arrive at a throttled rate and only the newest is drawn
(desktop.run_drawing). The window is the debugger's host (desktop.debugger.host).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QDockWidget, QGraphicsView, QMainWindow, QStackedWidget

from core.errors import BackstepError
from core.registry import Registry
from core.spec import NetworkSpec
from core.workspace import DEFAULT_DATASET, Workspace, describe_error
from desktop import actions as act
from desktop import window_layout as wl
from desktop.autosave import Autosaver
from desktop.batch_panel import BatchPanel
from desktop.bridge import EngineBridge
from desktop.controls import ControlsPanel
from desktop.data_panel import DataPanel
from desktop.debugger import debug_menu
from desktop.debugger.install import install_debugger
from desktop.dialogs import PluginsDialog, show_about
from desktop.editor.network_editor import NetworkEditor
from desktop.evaluate.page import install_evaluate
from desktop.inspector.from_view import update_for
from desktop.inspector.page_inspector import PageInspector
from desktop.lecture import LectureWorkspace
from desktop.run_drawing import RunDrawer
from desktop.status import StatusBar
from desktop.theme import apply_theme, current_theme
from desktop.window_files import WindowFiles
from desktop.workspace_layouts import FIRST, PAGES
from desktop.workspace_pages import WorkspacePage

STEP_ACTIONS = ("step_back", "step_phase", "step_iteration", "finish_epoch", "run", "save_session")
# the page each panel and tool goes to (desktop.workspace_layouts); the Debug page shows the maps too
PLACES = {"editor": "build", "data": "build", "plugin_reloads": "build",
          "controls": "step", "batch": "step", "input": "step", "feature_maps": "step", "error_maps": "step",
          "output": "step",
          "equation": "step", "curves": "step",
          "gradients": "inspect", "update": "inspect", "filters": "inspect",
          "breakpoints": "debug", "watch": "debug", "health": "debug", "formula": "debug", "timeline": "debug",
          "evaluation": "evaluate", "draw": "evaluate", "distributions": "evaluate", "flow": "evaluate",
          "alerts": "evaluate", "lecture": "lecture"}
ALSO_ON = {"feature_maps": ("debug",), "error_maps": ("debug",)}


class MainWindow(WindowFiles, QMainWindow):
    def __init__(self, spec: NetworkSpec | None = None, dataset_name: str = DEFAULT_DATASET,
                 registry: Registry | None = None, *, remember_layout: bool = True, autosave: bool = True,
                 batch_size: int = 32):
        super().__init__()
        from desktop.panels import PANELS, configure_pyqtgraph

        configure_pyqtgraph()
        self.setWindowTitle("Backstep — step through how a CNN learns")
        self.workspace = ws = Workspace(spec, dataset_name, registry, batch_size=batch_size)
        self.registry = ws.registry
        self.bridge = EngineBridge(ws, self)
        self.run_drawer = RunDrawer(self.bridge, self._draw_steps, self)
        self.remember_layout = remember_layout
        self._error_layers: set[str] = set()
        self._replacing = False  # the editor is being given a spec: its signal is not an edit
        self._drawn_view = None  # the view the panels show
        self.ask_before_quit = True  # unsaved training: Save, Discard or Cancel on closing (scripts turn it off)

        self.actions = act.create_actions(self)
        self.editor = NetworkEditor(self.registry, self)
        self.editor.set_spec(ws.spec)
        self.data_panel = DataPanel()
        self.data_panel.set_dataset(ws.dataset_name, ws.dataset)
        self.controls = ControlsPanel(self.actions)
        self.batch_panel = BatchPanel()
        self.status = StatusBar(self)
        self.setStatusBar(self.status)
        self.pages = {spec.key: WorkspacePage(spec, self) for spec in PAGES}
        self.stack = QStackedWidget()
        self.setCentralWidget(self.stack)
        self.docks: dict[str, QDockWidget] = {}
        self.panels = {key: cls() for key, cls in PANELS}
        self.all_panels = list(self.panels.values())  # with the Debug page's copies of the maps
        self.add_dock("editor", "Network editor", self.editor)
        self.add_dock("data", "Data", self.data_panel)
        self.add_dock("controls", "Settings", self.controls)
        self.add_dock("batch", "Batch", self.batch_panel)
        for key, panel in self.panels.items():
            self._add_panel(key, panel, PLACES[key])
            for page in ALSO_ON.get(key, ()):
                copy = type(panel)()
                self.all_panels.append(copy)
                self._add_panel(key, copy, page)
        act.build_menus(self, self.actions, self.editor)
        self.workspace_tabs = wl.WorkspaceTabs(self)
        self._connect()
        self.debugger = install_debugger(self)  # after _connect: its reset hooks run after the window's
        self.evaluate = install_evaluate(self)
        self.lecture = LectureWorkspace(ws, self.bridge)
        self.add_dock("lecture", "Lecture", self.lecture)
        self.lecture.sigPutKernel.connect(self._put_kernel)
        self.lecture.sigStatus.connect(lambda text: self.status.show_info(text))
        # a click on an element: its array large in the page's inspector (on the Debug page: its
        # formula with the numbers)
        update_layer = self.panels["update"].layer
        self.inspectors = {
            "step": PageInspector(self, "step", floating=True),
            # before any click, the Inspect page's shows the update of the layer the Update panel shows
            "inspect": PageInspector(self, "inspect", floating=False,
                                     default=lambda view: update_layer.currentData() and update_for(
                                         view, update_layer.currentData())),
        }
        update_layer.currentIndexChanged.connect(lambda _i: self.inspectors["inspect"].refresh())
        wl.fit_to_screen(self)
        for page in self.pages.values():
            page.resize(self.size())  # (about: the real size comes when a page is first shown)
            page.setup(remember_layout)
        self.workspace_tabs.show_page(FIRST)
        if remember_layout:
            wl.restore_layout(self)
        self.actions["dark_theme"].setChecked(current_theme() == "dark")
        self._show_settings(ws.settings)
        self.autosaver = Autosaver(self.save_session_to, lambda: ws.unsaved_work, parent=self) if autosave else None
        self._draw(ws.view())

    # --- wiring ---------------------------------------------------------------------------------

    def _connect(self) -> None:
        a, b, ws = self.actions, self.bridge, self.workspace
        a["step_back"].triggered.connect(lambda: self._step(self._step_back))
        a["step_phase"].triggered.connect(lambda: self._step(ws.step_phase))
        a["step_iteration"].triggered.connect(lambda: self._step(ws.step_iteration))
        a["finish_epoch"].triggered.connect(lambda: self._step(b.finish_epoch))
        a["run"].triggered.connect(self.toggle_run)
        a["reset"].triggered.connect(self.reset_weights)
        a["new_network"].triggered.connect(self.new_network)
        a["open_network"].triggered.connect(self._ask_open_network)
        a["save_network"].triggered.connect(self._ask_save_network)
        a["open_session"].triggered.connect(self._ask_open_session)
        a["save_session"].triggered.connect(self._ask_save_session)
        a["export"].triggered.connect(lambda: act.export(self))
        a["quit"].triggered.connect(self.close)
        a["dark_theme"].toggled.connect(self.set_theme)
        a["reset_layout"].triggered.connect(lambda: wl.reset_layout(self))
        a["maximise_panel"].triggered.connect(lambda: self.page().toggle_maximised(wl.focused_dock(self)))
        self.view_menu.aboutToShow.connect(lambda: wl.fill_view_menu(self, self.view_menu))
        a["plugins"].triggered.connect(lambda: PluginsDialog(self.registry, self).exec())
        a["about"].triggered.connect(lambda: show_about(self))
        b.sigView.connect(self._on_view)
        b.sigError.connect(self._on_error)
        b.sigRunningChanged.connect(self._on_running)
        b.sigProgress.connect(self.status.show_progress)
        b.sigSettingsChanged.connect(self._show_settings)
        b.sigSpecState.connect(self._on_spec_state)
        self.status.sigCancel.connect(b.pause)
        self.editor.sigSpecChanged.connect(self._on_spec_changed)
        self.editor.confirm = self._confirm_edit
        c = self.controls
        c.sigOptimizerChanged.connect(lambda name: self._guard(lambda: ws.set_optimizer(name)))
        c.sigLearningRateChanged.connect(lambda lr: self._guard(lambda: ws.set_learning_rate(lr)))
        c.sigBatchSizeChanged.connect(lambda n: self._guard(lambda: ws.set_batch_size(n)))
        c.sigFocusChanged.connect(ws.set_focus)
        self.batch_panel.sigFocusChanged.connect(ws.set_focus)
        self.data_panel.sigDatasetChosen.connect(self.choose_dataset)

    def set_theme(self, dark: bool) -> None:
        """Switch the palette; the panels' plots follow it (they restyle on the palette change)."""
        from desktop.panels import configure_pyqtgraph

        apply_theme("dark" if dark else "light")
        configure_pyqtgraph()  # pyqtgraph's colours for plots created from now on

    def _guard(self, fn) -> bool:
        """Run a settings change; a bad value is shown in the status bar and the controls reset."""
        try:
            fn()
            return True
        except BackstepError as exc:
            self.status.show_error(str(exc))
            self._show_settings(self.workspace.settings)
            return False

    def _show_settings(self, settings) -> None:
        self.controls.show_settings(settings.optimizer, settings.lr, settings.batch_size, settings.seed)

    # --- the debugger's host (desktop.debugger.host.DebuggerHost) -----------------------------------

    def page(self, key: str | None = None) -> WorkspacePage:
        """The workspace page ``key`` (default: the one shown)."""
        return self.pages[key] if key else self.stack.currentWidget()

    def _add_panel(self, key: str, panel, page: str) -> None:
        dock = self.pages[page].add(key, panel.title or key, panel)
        self.docks[key if key not in self.docks else f"{page}.{key}"] = dock
        dock.visibilityChanged.connect(panel.set_exposed)  # a raised tab (or page) draws its view
        panel.sigElementClicked.connect(lambda key, index, page=page: self._element_clicked(page, key, index))
        panel.sigHover.connect(lambda text: self.status.showMessage(text, 4000))

    def add_dock(self, key: str, title: str, widget) -> QDockWidget:
        """A tool's dock, on the page it belongs to (PLACES; the Debug page for any other)."""
        dock = self.pages[PLACES.get(key, "debug")].add(key, title, widget)
        self.docks[key] = dock
        return dock

    def place_dock(self, dock: QDockWidget, key: str) -> QDockWidget:
        self.pages[PLACES.get(key, "debug")].place(dock, key)
        self.docks[key] = dock
        return dock

    def debug_menu(self):
        return debug_menu(self)

    def add_block_menu(self, fn) -> None:
        previous = self.editor.block_context_menu_hook

        def hook(name: str, menu) -> None:  # chained: every tool adds its entries
            if previous is not None:
                previous(name, menu)
            fn(name, menu)

        self.editor.block_context_menu_hook = hook

    def show_view(self, view) -> None:
        """Draw a view that is not the workspace's present (a recorded iteration)."""
        if not self.workspace.running:
            self._draw(view)
            self.debugger.formula.offer_view(view)  # a formula shown follows the moment in view

    def current_view(self):
        return self._drawn_view if self._drawn_view is not None else self.workspace.view()

    def show_info(self, message: str, ms: int = 6000) -> None:
        self.status.show_info(message, ms)

    def show_error(self, message: str) -> None:
        self.status.show_error(message)

    def plugins_reloaded(self, type_ids: set[str]) -> None:
        """Palette, editor and network follow the registry after a plugin file was reloaded."""
        ws = self.workspace
        self.editor.palette.populate(self.registry)
        self.editor.refresh()  # block shapes and parameter counts with the new classes
        uses = {e.type for e in ws.spec.layers}
        if (uses & type_ids or not ws.spec_ok) and not ws.running:
            self._on_spec_changed(self.editor.spec())  # rebuild: the network's layers become the new classes

    # --- stepping -------------------------------------------------------------------------------

    def _step(self, fn) -> None:
        if not self.workspace.spec_ok or self.workspace.running:
            return
        for name in self._error_layers:
            self.editor.set_layer_error(name, None)
        self._error_layers.clear()
        fn()

    def _step_back(self) -> None:
        if not self.workspace.step_back_phase():
            self.status.show_info("Nothing to go back to: the start of the recording, or a new network")

    def follow_batch(self, x, y, description: str) -> None:
        """The next iteration trains on (x, y); go to the Step workspace to follow it phase by phase."""
        try:
            self.workspace.step_on(x, y, description)
        except BackstepError as exc:
            self.status.show_error(str(exc))
            return
        self.workspace_tabs.show_page("step")
        self.status.show_info(f"The next iteration trains on {description}, a batch of {len(y)}; the data order "
                              "carries on after it. Step (F11) to follow its forward and backward.", 0)

    def _element_clicked(self, page: str, key: str, index: tuple) -> None:
        if page in self.inspectors:
            self.inspectors[page].show_element(key, index)
        else:
            self.debugger.formula.explain(key, index)

    def _put_kernel(self, layer: str, f: int, kernel) -> None:
        """The lecture's convolution explorer: a kernel of one's own into filter f of ``layer``."""
        try:
            self.workspace.set_weights(layer, "weight", (f,), kernel)
        except BackstepError as exc:
            self.status.show_error(str(exc))
            return
        self.status.show_info(f"{layer}'s filter {f + 1} is now the kernel from the lecture; training goes on from it")

    def show_recorded(self, iteration: int, what: str = "") -> None:
        """Show recorded iteration ``iteration`` in the panels (the timeline's scrub) on the Debug page."""
        if self.workspace.running:
            return
        self.workspace_tabs.show_page("debug")
        self.debugger.timeline.show_iteration(iteration)
        if what:
            self.status.show_info(f"Iteration {iteration + 1}: {what}", 0)

    def toggle_run(self) -> None:
        if self.workspace.running:
            self.bridge.pause()
        else:
            self._step(self.bridge.run)

    def reset_weights(self) -> None:
        ws = self.workspace
        if ws.running:
            return
        ws.reset(self.controls.seed.value())
        self.status.show_info(f"Weights reset from seed {ws.settings.seed}")

    def _on_view(self, view) -> None:
        if self.workspace.running:
            self.run_drawer.offer(view)
            return
        self.run_drawer.stop()
        self._draw(view)

    def _draw_steps(self, view) -> list:
        """A view's draw for RunDrawer: one panel per step, each painted at once (repaint), so an
        event-loop turn holds one panel's work and input stays responsive."""
        steps = [lambda p=p: self._draw_and_paint(p, view) for p in self.all_panels]
        return steps + [lambda: self._draw_rest(view)]

    def _draw_and_paint(self, panel, view) -> None:
        self._draw_panel(panel, view)
        if panel.exposed():  # (a panel tabbed behind another is "visible" to Qt: repaint would paint it)
            for gv in panel.findChildren(QGraphicsView):  # the scenes' changes, queued: now, so
                QCoreApplication.sendPostedEvents(gv.scene(), QEvent.Type.MetaCall)  # one paint has them
            panel.repaint()

    def _draw(self, view) -> None:
        self._drawn_view = view
        for panel in self.all_panels:
            self._draw_panel(panel, view)
        self._draw_rest(view)

    def _draw_panel(self, panel, view) -> None:
        try:
            panel.update_view(view)
        except Exception as exc:  # noqa: BLE001 - a panel bug must not stop training
            self.status.show_error(f"panel {panel.title}: {describe_error(exc)}")

    def _draw_rest(self, view) -> None:
        """The editor's highlight, the status bar, the batch thumbnails and the controls, all from
        the view (never from the engine, which the runner may be changing meanwhile)."""
        self._drawn_view = view
        self.editor.highlight_layer(view.layer)
        probs = view.arrays.get("probs")
        hist = view.history
        loss = float(view.arrays["loss"]) if "loss" in view.arrays else (
            hist["batch_loss"][-1] if hist.get("batch_loss") else None)
        if probs is not None and view.y is not None:
            acc = float((np.asarray(probs).argmax(axis=1) == view.y).mean())
        else:
            acc = hist["batch_acc"][-1] if hist.get("batch_acc") else None
        p = view.position
        self.status.show_state(phase=view.phase, next_phase=p.next_phase, loss=loss, accuracy=acc,
                               speed=view.speed, iteration=p.iteration, epoch=p.epoch,
                               in_epoch=p.in_epoch, per_epoch=p.per_epoch)
        self.batch_panel.show_batch(view.x, view.y, probs, view.classes, view.focus, key=view.iteration)
        self.controls.show_position(p.next_phase, view.batch_size, view.focus)
        for inspector in getattr(self, "inspectors", {}).values():  # (none yet while the window is built)
            inspector.refresh(view)

    def _on_error(self, message: str, layer: str) -> None:
        if layer:
            self.editor.set_layer_error(layer, message)
            self._error_layers.add(layer)
        self.status.show_error(message)

    def _on_running(self, running: bool) -> None:
        act.show_running(self.actions, running, self.style())
        self.controls.set_running(running)
        if running:
            self.status.show_progress(0, 0)
            self.run_drawer.start()
        else:  # the workspace sends the final view next; drop any half-drawn one
            self.status.hide_progress()
            self.run_drawer.stop()

    def _on_spec_state(self, ok: bool, message: str) -> None:
        for key in STEP_ACTIONS:
            self.actions[key].setEnabled(ok)
        (self.status.show_info if ok else self.status.show_error)(message)

    # --- closing --------------------------------------------------------------------------------

    def closeEvent(self, event) -> None:
        self.bridge.pause()
        self.bridge.wait()
        if self.ask_before_quit and not self._work_may_go("Quitting"):
            event.ignore()
            return
        if self.remember_layout:
            wl.save_layout(self)
        if self.autosaver is not None:
            self.autosaver.timer.stop()
            self.autosaver.mark_clean_exit()
        super().closeEvent(event)
