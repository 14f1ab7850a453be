"""The main window: editor, data, controls and every panel as docks, around one EngineBridge.

Data flow: an action (key, button, menu) asks the bridge to step; the bridge emits a StepView;
the window hands it to every panel, the editor (highlight), the data dock and the status bar.
While running, views arrive at most ~10/s and are coalesced: only the newest one is drawn.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QCoreApplication, QEvent, QTimer
from PySide6.QtWidgets import QFileDialog, QGraphicsView, QMainWindow

from core.datasets import load_dataset
from core.errors import BackstepError
from core.network import Network
from core.registry import Registry, default_registry
from core.session import Session, load_session, restore, save_session
from core.spec import NetworkSpec, load_spec
from core.stepper import Stepper
from desktop import actions as act
from desktop import docks as dk
from desktop.autosave import Autosaver
from desktop.bridge import EngineBridge, describe_error
from desktop.controls import ControlsPanel
from desktop.data_panel import DataPanel
from desktop.debugger import debugger_to_extra, restore_debugger
from desktop.debugger.install import install_debugger
from desktop.dialogs import PluginsDialog, ask, show_about, show_error
from desktop.editor.network_editor import NetworkEditor
from desktop.run_drawing import RunDrawer
from desktop.status import StatusBar
from desktop.theme import apply_theme, current_theme

ROOT = Path(__file__).resolve().parents[1]
LECTURE = ROOT / "resources" / "networks" / "lecture.json"
DEFAULT_DATASET = "mnist-5k"
SESSION_FILTER = "Backstep sessions (*.bstep);;All files (*)"
NETWORK_FILTER = "Network specs (*.json);;All files (*)"


class MainWindow(QMainWindow):
    def __init__(self, spec: NetworkSpec | None = None, dataset_name: str = DEFAULT_DATASET,
                 registry: Registry | None = None, *, remember_layout: bool = True, autosave: bool = True,
                 batch_size: int = 32):
        super().__init__()
        from desktop.panels import PANELS, configure_pyqtgraph

        configure_pyqtgraph()
        self.setWindowTitle("Backstep — step through how a CNN learns")
        self.registry = registry or default_registry()
        spec = spec or load_spec(LECTURE)
        dataset = load_dataset(dataset_name)
        self.bridge = EngineBridge(Network(spec, self.registry), dataset, dataset_name, batch_size=batch_size)
        self.run_drawer = RunDrawer(self.bridge, self._draw_steps, self)
        self.remember_layout = remember_layout
        self._spec_ok = True
        self._error_layers: set[str] = set()
        self._saved_key = None
        self._replacing = False

        self.actions = act.create_actions(self)
        self.editor = NetworkEditor(self.registry, self)
        self.editor.set_spec(spec)
        self.data_panel = DataPanel()
        self.data_panel.set_dataset(dataset_name, dataset)
        self.controls = ControlsPanel(self.actions)
        self.panels = {key: cls() for key, cls in PANELS}
        self.docks = {"editor": dk.make_dock(self, "editor", "Network editor", self.editor),
                      "data": dk.make_dock(self, "data", "Data", self.data_panel),
                      "controls": dk.make_dock(self, "controls", "Controls", self.controls)}
        for key, panel in self.panels.items():
            self.docks[key] = dk.make_dock(self, key, panel.title or key, panel)
            self.docks[key].visibilityChanged.connect(panel.set_exposed)  # a raised tab draws its view
            panel.sigHover.connect(lambda text: self.status.showMessage(text, 4000))
        act.build_menus(self, self.actions, self.editor, self.docks)
        self.status = StatusBar(self)
        self.setStatusBar(self.status)
        self.resize(1600, 1000)
        dk.arrange_default(self, self.docks)
        self._connect()
        install_debugger(self)  # after _connect: its reset hooks must run after the window's reset
        if remember_layout:
            dk.restore_layout(self)
        self.actions["dark_theme"].setChecked(current_theme() == "dark")
        self._show_settings()
        self.autosaver = Autosaver(self.save_session_to, self._dirty, parent=self) if autosave else None
        self._draw(self.bridge.view())

    # --- wiring ---------------------------------------------------------------------------------

    def _connect(self) -> None:
        a, b = self.actions, self.bridge
        a["step_phase"].triggered.connect(lambda: self._step(b.step_phase))
        a["step_iteration"].triggered.connect(lambda: self._step(b.step_iteration))
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
        a["reset_layout"].triggered.connect(lambda: dk.arrange_default(self, self.docks))
        a["plugins"].triggered.connect(lambda: PluginsDialog(self.registry, self).exec())
        a["about"].triggered.connect(lambda: show_about(self))
        b.sigView.connect(self._on_view)
        b.sigError.connect(self._on_error)
        b.sigRunningChanged.connect(self._on_running)
        b.sigProgress.connect(self.status.show_progress)
        self.status.sigCancel.connect(b.pause)
        self.editor.sigSpecChanged.connect(self._on_spec_changed)
        c = self.controls
        c.sigOptimizerChanged.connect(self._set_optimizer)
        c.sigLearningRateChanged.connect(lambda lr: self._guard(lambda: b.set_optimizer(b.stepper.optimizer.name, lr)))
        c.sigBatchSizeChanged.connect(lambda n: self._guard(lambda: b.set_batch_size(n)))
        c.sigFocusChanged.connect(b.set_focus)
        self.data_panel.sigFocusChanged.connect(b.set_focus)
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
            self._show_settings()
            return False

    def _set_optimizer(self, name: str) -> None:
        if self._guard(lambda: self.bridge.set_optimizer(name)):
            self._show_settings()

    def _show_settings(self) -> None:
        st = self.bridge.stepper
        self.controls.show_settings(st.optimizer.name, st.lr, st.batch_size, st.seed)

    # --- stepping -------------------------------------------------------------------------------

    def _step(self, fn) -> None:
        if not self._spec_ok or self.bridge.running:
            return
        for name in self._error_layers:
            self.editor.set_layer_error(name, None)
        self._error_layers.clear()
        fn()

    def toggle_run(self) -> None:
        if self.bridge.running:
            self.bridge.pause()
        else:
            self._step(self.bridge.run)

    def reset_weights(self) -> None:
        if self.bridge.running:
            return
        self.bridge.reset(self.controls.seed.value())
        self._show_settings()
        self.status.show_info(f"Weights reset from seed {self.bridge.stepper.seed}")

    def _on_view(self, view) -> None:
        if self.bridge.running:
            self.run_drawer.offer(view)
            return
        self.run_drawer.stop()
        self._draw(view)

    def _draw_steps(self, view) -> list:
        """A view's draw for RunDrawer: one panel per step, each painted at once (repaint), so an
        event-loop turn holds one panel's work and input stays responsive."""
        steps = [lambda p=p: self._draw_and_paint(p, view) for p in self.panels.values()]
        return steps + [lambda: self._draw_rest(view)]

    def _draw_and_paint(self, panel, view) -> None:
        self._draw_panel(panel, view)
        if panel.exposed():  # (a panel tabbed behind another is "visible" to Qt: repaint would paint it)
            for gv in panel.findChildren(QGraphicsView):  # the scenes' changes, queued: now, so
                QCoreApplication.sendPostedEvents(gv.scene(), QEvent.Type.MetaCall)  # one paint has them
            panel.repaint()

    def _draw(self, view) -> None:
        for panel in self.panels.values():
            self._draw_panel(panel, view)
        self._draw_rest(view)

    def _draw_panel(self, panel, view) -> None:
        try:
            panel.update_view(view)
        except Exception as exc:
            self.status.show_error(f"panel {panel.title}: {describe_error(exc)}")

    def _draw_rest(self, view) -> None:
        """The editor's highlight, the status bar, the batch thumbnails and the controls."""
        self.editor.highlight_layer(view.layer)
        st = self.bridge.stepper
        probs = view.arrays.get("probs")
        hist = view.history
        loss = float(view.arrays["loss"]) if "loss" in view.arrays else (
            hist["batch_loss"][-1] if hist.get("batch_loss") else None)
        if probs is not None and view.y is not None:
            acc = float((np.asarray(probs).argmax(axis=1) == view.y).mean())
        else:
            acc = hist["batch_acc"][-1] if hist.get("batch_acc") else None
        self.status.show_state(phase=view.phase, next_phase=st.next_phase, loss=loss, accuracy=acc,
                               speed=self.bridge.speed, **self._position(view))
        self.data_panel.show_batch(view.x, view.y, probs, view.classes, view.focus, key=view.iteration)
        self.controls.show_position(st.next_phase, 0 if view.y is None else len(view.y), view.focus)

    def _position(self, view) -> dict:
        """Where training is, counted from 1 as the panels count: the iteration being stepped, or
        between iterations the last one completed; its epoch and its place in that epoch."""
        st = self.bridge.stepper
        per, size, offset = st.batches_per_epoch, max(st.batch_size, 1), st.offset
        if st.position > 0:  # stepping through an iteration (the one the view shows)
            return {"iteration": st.iteration + 1, "epoch": st.epoch + 1, "in_epoch": offset // size + 1,
                    "per_epoch": per}
        if st.iteration == 0:
            return {"iteration": 0, "epoch": 1}
        if offset == 0:  # the last one completed an epoch
            return {"iteration": st.iteration, "epoch": st.epoch, "in_epoch": per, "per_epoch": per}
        return {"iteration": st.iteration, "epoch": st.epoch + 1, "in_epoch": -(-offset // size), "per_epoch": per}

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
        else:  # the bridge sends the final view next; drop any half-drawn one
            self.status.hide_progress()
            self.run_drawer.stop()

    # --- the network ----------------------------------------------------------------------------

    def _on_spec_changed(self, spec: NetworkSpec) -> None:
        """Rebuild the Network; keep the weights of layers whose parameter shapes did not change."""
        if self._replacing:
            return
        b = self.bridge
        if b.running:
            b.pause()
            b.wait()
        old, st = b.network, b.stepper
        try:
            net = Network(spec, self.registry, dtype=old.dtype, seed=st.seed)
            net.check_input(b.dataset.x_train[:1], f"dataset {b.dataset_name}")
        except Exception as exc:
            self._set_spec_ok(False, describe_error(exc) if spec.layers else "Add layers from the palette")
            return
        shapes = lambda ps: {k: v.shape for k, v in ps.items()}  # noqa: E731
        changed = [n.name for n in net.nodes if net.params[n.name]
                   and (n.name not in old.params or shapes(old.params[n.name]) != shapes(net.params[n.name]))]
        if st.iteration > 0 and changed and not ask(
                self, "Re-initialise weights?",
                f"The network was trained for {st.iteration} iterations. This edit changes the parameter "
                f"shapes of {', '.join(changed)}: their weights will be re-initialised; the other layers "
                "keep theirs.\n\nApply the edit?"):
            QTimer.singleShot(0, self.editor.undo_stack.undo)
            return
        state = st.state()
        state["params"] = {n.name: (old.params[n.name] if n.name not in changed and n.name in old.params
                                    else net.params[n.name]) for n in net.nodes}
        if changed:
            state["optimizer"]["state"] = {}  # momentum/Adam buffers of changed shapes cannot be kept
        new = Stepper(net, b.dataset, batch_size=st.batch_size, optimizer=st.optimizer.name, lr=st.lr, seed=st.seed)
        new.load_state(state)
        b.replace_stepper(new)
        self._set_spec_ok(True, f"Network rebuilt; re-initialised: {', '.join(changed) or 'none'}")

    def _set_spec_ok(self, ok: bool, message: str) -> None:
        self._spec_ok = ok
        for key in ("step_phase", "step_iteration", "finish_epoch", "run", "save_session"):
            self.actions[key].setEnabled(ok)
        (self.status.show_info if ok else self.status.show_error)(message)

    def _discard_training_ok(self) -> bool:
        st = self.bridge.stepper
        return st.iteration == 0 or ask(self, "Discard training?",
                                        f"The network was trained for {st.iteration} iterations. Discard it?")

    def _fresh(self, spec: NetworkSpec) -> None:
        """A new document: fresh weights and counters for ``spec`` (already shown in the editor)."""
        b = self.bridge
        try:
            net = Network(spec, self.registry, seed=b.stepper.seed)
            net.check_input(b.dataset.x_train[:1], f"dataset {b.dataset_name}")
        except Exception as exc:
            self._set_spec_ok(False, describe_error(exc) if spec.layers else "Add layers from the palette")
            return
        st = b.stepper
        b.replace_stepper(Stepper(net, b.dataset, batch_size=st.batch_size, optimizer=st.optimizer.name,
                                  lr=st.lr, seed=st.seed))
        self._set_spec_ok(True, f"Network {spec.name!r}: {net.param_count():,} parameters")

    def new_network(self) -> None:
        if not self._discard_training_ok():
            return
        d = self.bridge.dataset
        spec = NetworkSpec("Untitled", tuple(d.x_train.shape[1:]), (), classes=tuple(d.classes))
        self.editor.set_spec(spec)
        self.editor.current_path = None
        self._fresh(spec)

    def open_network(self, path) -> bool:
        """Open a spec file; a bad file gets a message box and changes nothing."""
        try:
            load_spec(path)  # check first, so a bad file leaves the current network alone
        except BackstepError as exc:
            show_error(self, "Cannot open the network", str(exc))
            return False
        if not self._discard_training_ok():
            return False
        self._replacing = True
        try:
            error = self.editor.load_file(path)
        finally:
            self._replacing = False
        if error:
            show_error(self, "Cannot open the network", error)
            return False
        self._fresh(self.editor.spec())
        return True

    def _ask_open_network(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a network", str(LECTURE.parent), NETWORK_FILTER)
        if path:
            self.open_network(path)

    def _ask_save_network(self) -> None:
        start = str(self.editor.current_path or Path.home() / "network.json")
        path, _ = QFileDialog.getSaveFileName(self, "Save the network", start, NETWORK_FILTER)
        if path:
            try:
                self.editor.save_file(path)
                self.status.show_info(f"Network saved to {path}")
            except OSError as exc:
                show_error(self, "Cannot save the network", f"{path}: {exc}")

    # --- data -----------------------------------------------------------------------------------

    def choose_dataset(self, name: str) -> bool:
        """Train on another dataset (same weights, counters from zero); a message if it does not fit."""
        b = self.bridge
        if b.running:
            return False
        try:
            data = load_dataset(name)
            b.network.check_input(data.x_train[:1], f"dataset {name}")
            if int(data.y_train.max(initial=0)) >= b.network.n_classes:
                raise BackstepError(f"dataset {name}: has {len(data.classes)} classes, the network outputs "
                                    f"{b.network.n_classes} scores")
        except BackstepError as exc:
            show_error(self, "Cannot use this dataset", str(exc))
            self.data_panel.refresh_datasets()
            return False
        st = b.stepper
        new = Stepper(b.network, data, batch_size=st.batch_size, optimizer=st.optimizer.name, lr=st.lr, seed=st.seed)
        b.replace_stepper(new, data, name)
        self.data_panel.set_dataset(name, data)
        self.status.show_info(f"Training on {data.name}")
        return True

    # --- sessions -------------------------------------------------------------------------------

    def save_session_to(self, path) -> None:
        b = self.bridge
        state = b.boundary_state()
        save_session(path, state, self.editor.spec() if self._spec_ok else b.network.spec, b.dataset_name,
                     {"focus": b.focus, **debugger_to_extra(self)})
        self._saved_key = self._state_key()

    def _state_key(self):
        st = self.bridge.stepper
        return (st.iteration, id(st), self.editor.spec())

    def _dirty(self) -> bool:
        return self._spec_ok and self._state_key() != self._saved_key

    def open_session(self, path) -> bool:
        """Open a session file; a bad file gets a message box and changes nothing."""
        b = self.bridge
        if b.running:
            return False
        try:
            session: Session = load_session(path)
            data = load_dataset(session.dataset)
            net = Network(session.spec, self.registry, dtype=np.dtype(session.dtype))
            st = Stepper(net, data)
            restore(session, st)
        except Exception as exc:
            show_error(self, "Cannot open the session", describe_error(exc))
            return False
        self.editor.set_spec(session.spec)
        b.focus = int(session.extra.get("focus", 0))
        b.replace_stepper(st, data, session.dataset)
        restore_debugger(self, session.extra)
        self.data_panel.set_dataset(session.dataset, data)
        self._set_spec_ok(True, f"Session {path} opened at iteration {st.iteration}")
        self._show_settings()
        self._saved_key = self._state_key()
        return True

    def _ask_save_session(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save the session", str(Path.home() / "session.bstep"),
                                              SESSION_FILTER)
        if path:
            try:
                self.save_session_to(path)
                self.status.show_info(f"Session saved to {path}")
            except (OSError, BackstepError) as exc:
                show_error(self, "Cannot save the session", f"{path}: {exc}")

    def _ask_open_session(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a session", str(Path.home()), SESSION_FILTER)
        if path:
            self.open_session(path)

    # --- closing --------------------------------------------------------------------------------

    def closeEvent(self, event) -> None:
        self.bridge.pause()
        self.bridge.wait()
        if self.remember_layout:
            dk.save_layout(self)
        if self.autosaver is not None:
            self.autosaver.timer.stop()
            self.autosaver.mark_clean_exit()
        super().closeEvent(event)
