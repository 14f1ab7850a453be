"""The main window's files: the network (new, open, save), the dataset, the session (open,
save), and the question before unsaved work is replaced (Save / Discard / Cancel).

A part of ``desktop.main_window.MainWindow``, kept apart for its size: it uses the window's
``workspace``, ``bridge``, ``editor``, ``data_panel``, ``status`` and ``debugger``.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from core.errors import BackstepError
from core.spec import NetworkSpec, load_spec
from core.workspace import LECTURE
from desktop.debugger import debugger_to_extra, restore_debugger
from desktop.dialogs import DISCARD, SAVE, ask, ask_save, show_error

SESSION_FILTER = "Backstep sessions (*.bstep);;All files (*)"
NETWORK_FILTER = "Network specs (*.json);;All files (*)"


class WindowFiles:
    """MainWindow's network, dataset and session operations, each asking before work is lost."""

    # --- the network ----------------------------------------------------------------------------

    def _confirm_edit(self, _old: NetworkSpec, new: NetworkSpec) -> bool:
        """The editor asks before an edit, undo or redo reaches its spec: when trained weights would
        be re-initialised, ask the learner (No: the change never happens, in the editor or here)."""
        ws = self.workspace
        if ws.running:  # an edit pauses the run; the question counts the iterations it would cost
            self.bridge.pause()
            self.bridge.wait()
        plan = ws.plan_rebuild(new)
        n = plan.trained_iterations
        return not plan.needs_confirmation or ask(
            self, "Re-initialise weights?",
            f"The network was trained for {n} iteration{'s' if n != 1 else ''}. This change alters the "
            f"parameter shapes of {', '.join(plan.reinitialised)}: their weights will be re-initialised; "
            "the other layers keep theirs.\n\nApply the change?")

    def _on_spec_changed(self, spec: NetworkSpec) -> None:
        """The editor's spec changed (an edit, undo or redo it confirmed with _confirm_edit first):
        rebuild, keeping the weights of layers whose parameter shapes did not change. Never asks
        and never refuses, so the engine always builds the spec the editor shows."""
        if self._replacing:
            return
        ws = self.workspace
        if ws.running:
            self.bridge.pause()
            self.bridge.wait()
        ws.apply_rebuild(ws.plan_rebuild(spec))

    def _work_may_go(self, doing: str) -> bool:
        """Before ``doing`` replaces the training (or the edits) in view: if they are not saved,
        Save (a session file), Discard or Cancel. True to go on."""
        ws = self.workspace
        n = ws.trained_iterations
        edited = not self.editor.undo_stack.isClean()
        if not ws.unsaved_work or (n == 0 and not edited):
            return True
        what = (f"The network was trained for {n} iterations since it was last saved" if n
                else "The network has edits that are not saved")
        answer = ask_save(self, "Save the session?", f"{what}. {doing} replaces it.\n\nSave the session first?")
        if answer == SAVE:
            return self._ask_save_session()
        return answer == DISCARD

    def _show_spec(self, spec: NetworkSpec) -> None:
        """Put ``spec`` in the editor as a fresh document (not an edit: no rebuild)."""
        self._replacing = True
        try:
            self.editor.set_spec(spec)
        finally:
            self._replacing = False

    def new_network(self) -> None:
        if not self._work_may_go("A new network"):
            return
        spec = self.workspace.empty_spec()
        self._show_spec(spec)
        self.editor.current_path = None
        self.workspace.new_network(spec)

    def open_network(self, path) -> bool:
        """Open a spec file; a bad file gets a message box and changes nothing."""
        try:
            spec = load_spec(path)  # check first, so a bad file leaves the current network alone
        except BackstepError as exc:
            show_error(self, "Cannot open the network", str(exc))
            return False
        if not self._work_may_go(f"Opening {Path(path).name}"):
            return False
        self._show_spec(spec)
        self.editor.current_path = Path(path)
        self.workspace.new_network(spec)
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
        """Train on another dataset (same weights, counters from zero), after asking to save unsaved
        training; a dataset with another number of classes is offered an output layer that fits."""
        ws = self.workspace
        if ws.running:
            return False
        try:
            data = ws.load_dataset(name)
        except BackstepError as exc:
            show_error(self, "Cannot use this dataset", str(exc))
            self.data_panel.refresh_datasets()
            return False
        if not self._work_may_go(f"Switching to {data.name}"):
            self.data_panel.refresh_datasets()
            return False
        resize = False
        if not ws.classes_fit(data):
            n, m, layer = len(data.classes), ws.network.n_classes, ws.output_layer
            names = ", ".join(data.classes[:12]) + (", …" if n > 12 else "")
            resize = layer is not None and ask(
                self, "Adapt the output layer?",
                f"{data.name} has {n} classes ({names}); the network gives {m} scores.\n\nAdapt the output "
                f"layer {layer} to {n} outputs? Its weights are re-initialised; the other layers keep theirs.")
        try:
            ws.switch_dataset(name, data, resize_output=resize)
        except BackstepError as exc:
            show_error(self, "Cannot use this dataset", str(exc))
            self.data_panel.refresh_datasets()
            return False
        self._show_spec(ws.spec)
        self.data_panel.set_dataset(name, data)
        self.status.show_info(f"Training on {data.name}: {len(data.classes)} classes ({', '.join(data.classes)})")
        return True

    # --- sessions -------------------------------------------------------------------------------

    def save_session_to(self, path) -> None:
        self.workspace.save_session(path, debugger_to_extra(self.debugger))

    def open_session(self, path) -> bool:
        """Open a session file; a bad file gets a message box and changes nothing."""
        ws = self.workspace
        if ws.running or not self._work_may_go(f"Opening {Path(path).name}"):
            return False
        try:
            session = ws.open_session(path)
        except BackstepError as exc:
            show_error(self, "Cannot open the session", str(exc))
            return False
        self._show_spec(session.spec)
        restore_debugger(self.debugger, session.extra)
        self.data_panel.set_dataset(session.dataset, ws.dataset)
        return True

    def _ask_save_session(self) -> bool:
        """File › Save session…: True if it was saved."""
        path, _ = QFileDialog.getSaveFileName(self, "Save the session", str(Path.home() / "session.bstep"),
                                              SESSION_FILTER)
        if not path:
            return False
        try:
            self.save_session_to(path)
        except (OSError, BackstepError) as exc:
            show_error(self, "Cannot save the session", f"{path}: {exc}")
            return False
        self.editor.undo_stack.setClean()
        self.status.show_info(f"Session saved to {path}")
        return True

    def _ask_open_session(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a session", str(Path.home()), SESSION_FILTER)
        if path:
            self.open_session(path)
