"""The window fits a laptop screen: in a real X server (Xvfb) at 1280×800 and 1366×768, opened as
the app opens it, after stepping, in every workspace and after View › Reset layout.

The window runs in a child process with its own Xvfb (skipped where Xvfb is not installed), and
prints its frame and the screen's available area at each moment as JSON.
"""

import json
import os
import shutil
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT

CHILD = r"""
import json, sys, time
from desktop.app import make_app
from desktop.main_window import MainWindow
from desktop.window_layout import fills_screen

app = make_app()
w = MainWindow(remember_layout=False, autosave=False)
w.ask_before_quit = False
if fills_screen(w):  # as desktop.app.run_app opens it
    w.showMaximized()
else:
    w.show()

def settle(seconds=0.3):
    end = time.time() + seconds
    while time.time() < end:
        app.processEvents()
        time.sleep(0.01)

def tell(moment):
    g, room = w.frameGeometry(), w.screen().availableGeometry()
    print(json.dumps([moment, g.x(), g.y(), g.width(), g.height(),
                      room.x(), room.y(), room.width(), room.height()]), flush=True)

settle(1.0)
tell("start")
for _ in range(12):
    w.actions["step_phase"].trigger()
    app.processEvents()
settle()
tell("stepped")
for key in w.workspace_tabs.keys:
    w.workspace_tabs.show_page(key)
    settle()
    tell(key)
    w.actions["reset_layout"].trigger()
    settle()
    tell(key + " reset")
w.close()
"""


def free_display() -> int:
    for n in range(40, 99):
        if not os.path.exists(f"/tmp/.X{n}-lock") and not os.path.exists(f"/tmp/.X11-unix/X{n}"):
            return n
    pytest.skip("no free X display number")


@pytest.mark.skipif(shutil.which("Xvfb") is None, reason="needs Xvfb (tests/run.sh installs it as root)")
@pytest.mark.parametrize("size", [(1280, 800), (1366, 768)])
def test_the_window_fits_a_laptop_screen_everywhere(tmp_path, size):
    n = free_display()
    xvfb = subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", f"{size[0]}x{size[1]}x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if os.path.exists(f"/tmp/.X11-unix/X{n}"):
                break
            time.sleep(0.05)
        env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
        env.update(DISPLAY=f":{n}", QT_QPA_PLATFORM="xcb", HOME=str(tmp_path),
                   BACKSTEP_DATA_DIR=str(tmp_path / "data"), BACKSTEP_CONFIG_DIR=str(tmp_path / "config"))
        out = subprocess.run([sys.executable, "-c", CHILD], cwd=ROOT, env=env, capture_output=True, text=True,
                             timeout=240)
    finally:
        xvfb.terminate()
        xvfb.wait(10)
    moments = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("[")]
    assert len(moments) == 2 + 2 * 6, (out.stdout, out.stderr[-2000:])
    for moment, x, y, w, h, rx, ry, rw, rh in moments:
        assert (rw, rh) == size
        assert w <= rw and h <= rh and x >= rx and y >= ry and x + w <= rx + rw and y + h <= ry + rh, (
            f"{moment}: window {w}x{h}+{x}+{y} on a screen of {rw}x{rh}")
