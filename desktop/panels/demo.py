"""Realistic StepViews from the engine, for tests and for previewing one panel on its own.

    python -m desktop.panels.demo feature_maps [PHASES]     # one panel, standalone
    python -m desktop.panels.demo --png /tmp/panels [PHASES] # every panel rendered to PNG
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import MappingProxyType

from core.datasets import load_dataset
from core.network import Network
from core.record import IterationRecord
from core.spec import load_spec
from core.stepper import Stepper
from desktop.view_model import StepView

ROOT = Path(__file__).resolve().parents[2]
LECTURE = ROOT / "resources" / "networks" / "lecture.json"


def make_stepper(batch_size: int = 8, warmup_epochs: int = 0, seed: int = 0) -> Stepper:
    """The lecture network on MNIST-5k; ``warmup_epochs`` trained fast (batch 100) to fill the curves."""
    net = Network(load_spec(LECTURE))
    st = Stepper(net, load_dataset("mnist-5k"), batch_size=100 if warmup_epochs else batch_size, seed=seed)
    for _ in range(warmup_epochs):
        st.step_epoch()
    st.batch_size = batch_size
    return st


def view_of(st: Stepper, rec: IterationRecord, focus: int = 0) -> StepView:
    """The StepView after ``rec``'s last phase (arrays copied: the record's own mapping keeps growing)."""
    snap = rec.last
    net = st.net
    return StepView(snap.phase, snap.layer, snap.iteration, snap.epoch, tuple(net.nodes), net.classes,
                    snap.x, snap.y, MappingProxyType(dict(rec.arrays)), snap.params, tuple(rec.quantities),
                    focus=focus, lr=snap.lr,
                    history=st.history.to_dict(), per_sample_grads=st.per_sample_grads)


def run_phases(st: Stepper, phases: int, rec: IterationRecord | None = None) -> IterationRecord:
    """Step ``phases`` phases; returns the record of the iteration the last one belongs to."""
    for _ in range(phases):
        snap = st.step_phase()
        if rec is None or snap.iteration != rec.iteration:
            rec = IterationRecord(snap.iteration)
        rec.add(snap)
    return rec


def build_demo_view(phases: int, focus: int = 0, warmup_epochs: int = 0, batch_size: int = 8) -> StepView:
    """A StepView after ``phases`` phases of the lecture network (21 = one whole iteration)."""
    st = make_stepper(batch_size, warmup_epochs)
    return view_of(st, run_phases(st, phases), focus)


def main(argv: list[str]) -> int:
    from PySide6.QtWidgets import QApplication

    from desktop.panels import PANELS, configure_pyqtgraph

    configure_pyqtgraph()
    app = QApplication.instance() or QApplication(sys.argv)
    panels = dict(PANELS)
    if not argv or (argv[0] not in panels and argv[0] != "--png"):
        print(f"usage: python -m desktop.panels.demo {{{'|'.join(panels)}}} [PHASES]\n"
              f"       python -m desktop.panels.demo --png OUTDIR [PHASES]", file=sys.stderr)
        return 2
    if argv[0] == "--png":
        out = Path(argv[1] if len(argv) > 1 else "/tmp/panels")
        phases = int(argv[2]) if len(argv) > 2 else 20
        view = build_demo_view(phases, focus=1, warmup_epochs=2)
        out.mkdir(parents=True, exist_ok=True)
        for name, cls in PANELS:
            w = cls()
            w.resize(1000, 700)
            w.show()
            w.update_view(view)
            app.processEvents()
            w.grab().save(str(out / f"{name}.png"))
            print(out / f"{name}.png")
            w.close()
            w.deleteLater()  # delete on Qt's side while the app is alive, not at interpreter exit
            app.processEvents()
        return 0
    phases = int(argv[1]) if len(argv) > 1 else 20
    w = panels[argv[0]]()
    w.setWindowTitle(f"Backstep — {w.title}")
    w.resize(1000, 700)
    w.show()
    w.update_view(build_demo_view(phases, warmup_epochs=2))
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
