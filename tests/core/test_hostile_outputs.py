"""#14, output paths: a path that cannot be written fails in one line BEFORE the work; atomic
writes leave no temporary files (an interrupted one, a crashed writer's) and fsync the folder."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from core.errors import OutputError
from core.files import TEMP_SUFFIX
from core.io import atomic_write, save_npz
from tests.fixtures.hostile import LECTURE, ROOT, assert_one_line, cli, tiny_npz_dataset


def _unwritable(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    return [
        (tmp_path, "is a folder"),                                  # a folder
        (tmp_path / "missing" / "w.npz", "does not exist"),         # a missing folder
        (tmp_path / "file.txt" / "w.npz", "not a folder"),          # a file where a folder should be
        ("/proc/w.npz", "cannot write"),                            # a read-only place (even for root)
        ("/dev/null", "character device"),                          # a special file
        (fifo, "FIFO"),
    ]


@pytest.mark.parametrize("command", ["train", "trace"])
def test_an_output_path_that_cannot_be_written_fails_before_the_work(tmp_path, command):
    (tmp_path / "file.txt").write_text("x")
    data = tiny_npz_dataset(tmp_path / "d.npz")
    for target, needle in _unwritable(tmp_path):
        if command == "train":
            r = cli("train", LECTURE, "--dataset", data, "--epochs", "1", "--save", target)
        else:
            r = cli("trace", LECTURE, "--weights", "w.npz", "--input", "x.npy", "--labels", "y.npy", "--out", target)
        line = assert_one_line(r, str(target), needle)
        assert "epoch" not in r.stderr.replace(line, ""), r.stderr  # nothing was trained
        assert r.seconds < 30


def test_atomic_write_removes_its_temporary_file_when_interrupted(tmp_path):
    path = tmp_path / "w.npz"

    def interrupted(f):
        f.write(b"x" * 1000)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(path, interrupted)
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_is_an_output_error_naming_the_file(tmp_path):
    def full(f):
        raise OSError(28, "No space left on device")

    with pytest.raises(OutputError, match="w.npz: cannot write: No space left"):
        atomic_write(tmp_path / "w.npz", full)
    assert list(tmp_path.iterdir()) == []


def test_leftovers_of_a_crashed_writer_are_removed_by_the_next_save(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)  # (a process that has ended)
    stale = tmp_path / f".w.npz.{dead_pid}.abc123{TEMP_SUFFIX}"
    stale.write_bytes(b"half a save" * 1000)
    mine = tmp_path / f".w.npz.{os.getpid()}.inflight{TEMP_SUFFIX}"  # a live writer's (this process)
    mine.write_bytes(b"in flight")
    other = tmp_path / ".notes.txt.tmp"  # not our pattern: never touched
    other.write_text("keep")
    save_npz(tmp_path / "w.npz", {"a": np.zeros(3)})
    assert not stale.exists()
    assert mine.exists() and other.exists()
    mine.unlink()


def test_a_killed_save_leaves_a_temp_that_the_next_save_cleans(tmp_path):
    """kill -9 in the middle of a save (no handler can run), then another save to the same path."""
    target = tmp_path / "big.npz"
    code = (f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
            "import time\nfrom core.io import atomic_write\n"
            "def slow(f):\n    f.write(b'x' * 100000); f.flush(); print('writing', flush=True); time.sleep(60)\n"
            f"atomic_write({str(target)!r}, slow)\n")
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "writing"
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    child.stdout.close()
    left = [p for p in tmp_path.iterdir() if p.name.endswith(TEMP_SUFFIX)]
    assert len(left) == 1 and not target.exists()
    save_npz(target, {"a": np.ones(2)})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.npz"]


def test_sigterm_during_a_cli_save_removes_the_temp(tmp_path, monkeypatch):
    """The CLI turns SIGTERM into SystemExit, so atomic_write's cleanup runs."""
    code = (f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
            "import time, core.io\n"
            "def slow(f, **arrays):\n"
            "    f.write(b'x' * 100000); f.flush(); print('writing', flush=True); time.sleep(60)\n"
            "core.io.np.savez = slow\n"
            "from core.cli import main\n"
            f"sys.exit(main(['train', {str(LECTURE)!r}, '--dataset', {str(tiny_npz_dataset(tmp_path / 'd.npz'))!r}, "
            f"'--epochs', '1', '--save', {str(tmp_path / 'w.npz')!r}]))\n")
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and child.stdout.readline().strip() != "writing":
        pass
    child.send_signal(signal.SIGTERM)
    assert child.wait(timeout=30) == 143
    child.stdout.close()
    child.stderr.close()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(TEMP_SUFFIX)]


def test_the_folder_is_fsynced_after_the_rename(tmp_path, monkeypatch):
    import stat

    import core.io

    synced = []
    real = os.fsync

    def spy(fd):
        synced.append(stat.S_ISDIR(os.fstat(fd).st_mode))
        return real(fd)

    monkeypatch.setattr(core.io.os, "fsync", spy)
    save_npz(tmp_path / "w.npz", {"a": np.zeros(2)})
    assert synced == [False, True]  # the file, then its folder
