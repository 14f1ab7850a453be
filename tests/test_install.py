"""``pip install .`` into a fresh virtual environment gives a working ``backstep`` command."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_pip_install_gives_the_backstep_command(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    # a copy of the checkout, so that the build leaves nothing behind in it
    src = tmp_path / "src"
    files = subprocess.run(["git", "-C", str(ROOT), "ls-files", "--cached", "--others", "--exclude-standard"],
                           check=True, capture_output=True, text=True).stdout.splitlines()
    for f in files:
        if (ROOT / f).is_file():
            (src / f).parent.mkdir(parents=True, exist_ok=True)
            (src / f).write_bytes((ROOT / f).read_bytes())
    r = subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        str(src)], capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    assert (bin_dir / "backstep-app").is_file()

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "BACKSTEP_PLUGIN_PATH")}
    env["QT_QPA_PLATFORM"] = "offscreen"

    def backstep(*args):
        return subprocess.run([str(bin_dir / "backstep"), *args], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=300)

    r = backstep("plugins")
    assert r.returncode == 0 and r.stdout.startswith("8 layer plugins loaded"), r.stdout + r.stderr
    r = backstep("datasets")
    assert r.returncode == 0 and "mnist-5k       built-in        4000 train / 1000 test" in r.stdout, r.stdout
    lecture = subprocess.run([str(bin_dir / "python"), "-c", "import core.workspace as m; print(m.LECTURE)"],
                             cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120).stdout.strip()
    assert "site-packages" in lecture and Path(lecture).is_file()
    r = backstep("bench", lecture, "--batch-size", "4", "--iterations", "2", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout.splitlines()[-1])["batch_size"] == 4
    r = backstep("trace", lecture, "--weights", str(tmp_path / "missing.npz"), "--input", "x", "--labels", "y",
                 "--out", str(tmp_path / "t.npz"))
    assert r.returncode == 2 and "missing.npz" in r.stderr and "Traceback" not in r.stderr
