"""Trying third-party plugins in a throw-away process, with a time limit, before importing them.

Importing a module runs its code: a plugin that loops forever at import would hang every
command and the app, one that calls ``os._exit()`` or crashes the interpreter would end them.
Catching exceptions cannot help with those, so before the registry imports a plugin file or an
entry point in-process, :func:`probe` imports it — and smoke-runs its layer classes — in a child
Python process, one candidate after the other, and watches the time each one takes:

* a candidate that does not finish within ``timeout`` seconds (``BACKSTEP_PLUGIN_TIMEOUT``,
  default 10) is reported as hanging, and the child is killed;
* one that ends the child (``os._exit``, a segfault, a signal) is reported with the exit code;
* the others are safe to import in-process, where ordinary failures (exceptions, including
  SystemExit and KeyboardInterrupt) are caught and reported with their traceback.

Built-in plugins are never probed (they are ours, and stay fast to load); with no third-party
plugin there is no child at all. A verdict for a file is cached by path, size and modification
time (in the user cache folder), so a hanging plugin costs its timeout once, not every command.
The bound: discovery takes at most the child's start-up (about half a second) plus ``timeout``
for each plugin file that hangs and has not been seen before.
"""

from __future__ import annotations

import json
import os
import queue
import secrets
import subprocess
import sys
import threading
import time
from pathlib import Path

from core import paths

TIMEOUT_ENV = "BACKSTEP_PLUGIN_TIMEOUT"
DEFAULT_TIMEOUT_S = 10.0
STARTUP_TIMEOUT_S = 60.0  # the child's own start (Python, numpy) before the first candidate
ROOT = Path(__file__).resolve().parents[1]
CACHE_NAME = "plugin-probe.json"


def timeout_s() -> float:
    try:
        value = float(os.environ.get(TIMEOUT_ENV, "") or DEFAULT_TIMEOUT_S)
    except ValueError:
        return DEFAULT_TIMEOUT_S
    return value if value > 0 else DEFAULT_TIMEOUT_S


def probe(candidates: list[tuple[str, str]], timeout: float | None = None) -> list[str | None]:
    """For each candidate — ``("file", path)`` or ``("entry-point", "module:attr")`` — None if it
    imported and smoke-ran in a child process within ``timeout`` (whatever it raised), else why not."""
    timeout = timeout_s() if timeout is None else timeout
    verdicts: list[str | None] = [None] * len(candidates)
    cache = _Cache()
    todo = []
    for i, c in enumerate(candidates):
        known = cache.get(c)
        if known is not None:
            verdicts[i] = known or None
        else:
            todo.append(i)
    while todo:
        done = _run_child([candidates[i] for i in todo], timeout)
        # ``done``: verdicts of the candidates the child got through, in order; it stops at the
        # first one that hung or ended it, and the rest get a fresh child
        for k, verdict in enumerate(done):
            i = todo[k]
            verdicts[i] = verdict
            cache.put(candidates[i], verdict or "")
        todo = todo[len(done):]
    cache.save()
    return verdicts


def _run_child(candidates, timeout: float) -> list[str | None]:
    token = secrets.token_hex(8)
    env = dict(os.environ)
    env.pop("BACKSTEP_STRICT_PLUGINS", None)
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    try:
        child = subprocess.Popen([sys.executable, "-m", "core.plugin_probe", token], cwd=str(ROOT), env=env,
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    except OSError as exc:
        return [f"could not be tried in a separate process ({exc.strerror or exc}); not imported"] * len(candidates)
    lines: queue.Queue = queue.Queue()
    reader = threading.Thread(target=_read_lines, args=(child.stdout, token, lines), daemon=True)
    reader.start()
    try:
        child.stdin.write(json.dumps(candidates).encode("utf-8"))
        child.stdin.close()
    except OSError:
        pass
    out: list[str | None] = []
    current, deadline = None, time.monotonic() + STARTUP_TIMEOUT_S
    try:
        while len(out) < len(candidates):
            try:
                event = lines.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                if current is None:  # the child itself did not start in time: do not import any
                    return out + [f"could not be tried: the probe process did not start within "
                                  f"{STARTUP_TIMEOUT_S:.0f} s; not imported"] * (len(candidates) - len(out))
                return out + [f"did not finish importing within {timeout:g} s (an endless loop or a wait at "
                              "import?); skipped"]
            if event is None:  # the child ended
                code = child.wait()
                what = f"exit code {code}" if code >= 0 else f"signal {-code}"
                return out + [f"ended the process while importing ({what}: os._exit, a crash or a signal); "
                              "skipped"]
            kind, index = event
            if kind == "start":
                current, deadline = index, time.monotonic() + timeout
            elif kind == "done" and index == len(out):
                out.append(None)
                current, deadline = None, time.monotonic() + timeout
        return out
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
        reader.join(timeout=1.0)
        child.stdout.close()


def _read_lines(stream, token: str, lines: queue.Queue) -> None:
    prefix = f"{token} ".encode()
    for raw in stream:
        if raw.startswith(prefix):
            parts = raw[len(prefix):].split()
            if len(parts) == 2 and parts[1].isdigit():
                lines.put((parts[0].decode(), int(parts[1])))
    lines.put(None)


class _Cache:
    """Verdicts for plugin files by (path, size, mtime, interpreter): "" safe, else the reason."""

    def __init__(self):
        self.path = paths.user_cache_dir() / CACHE_NAME
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            self.data = data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            self.data = {}
        self.changed = False

    @staticmethod
    def _key(candidate) -> str | None:
        kind, ref = candidate
        if kind != "file":
            return None
        try:
            st = Path(ref).stat()
        except OSError:
            return None
        return f"{sys.executable}|{Path(ref).resolve()}|{st.st_size}|{st.st_mtime_ns}"

    def get(self, candidate) -> str | None:
        key = self._key(candidate)
        value = self.data.get(key) if key else None
        return value if isinstance(value, str) else None

    def put(self, candidate, verdict: str) -> None:
        key = self._key(candidate)
        if key:
            self.data[key] = verdict
            self.changed = True

    def save(self) -> None:
        if not self.changed:
            return
        try:
            from core.io import atomic_write_text

            atomic_write_text(self.path, json.dumps(self.data))
        except Exception:  # noqa: BLE001 - a cache that cannot be written only costs time
            pass


# --- the child -------------------------------------------------------------------------------------

def _child(token: str) -> None:
    """Import and smoke-run each candidate read from stdin, saying "start i" and "done i"."""
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # what plugins print goes nowhere; only the protocol reaches the parent
    sys.stdout = open(os.devnull, "w")
    candidates = json.loads(sys.stdin.read() or "[]")
    from importlib import metadata

    from core.registry import ENTRY_POINT_GROUP, _layer_classes, import_file, smoke_run, validate_class

    for i, (kind, ref) in enumerate(candidates):
        proto.write(f"{token} start {i}\n")
        try:
            if kind == "file":
                loaded = import_file(Path(ref), "backstep_probe")
            else:
                loaded = metadata.EntryPoint(ref, ref, ENTRY_POINT_GROUP).load()
            for cls in [loaded] if isinstance(loaded, type) else _layer_classes(loaded):
                try:
                    validate_class(cls)
                    smoke_run(cls)
                except BaseException:  # noqa: BLE001 - a probe: whatever it raises, it finished
                    pass
        except BaseException:  # noqa: BLE001 - a probe's child: whatever the plugin raises, it ends
            pass
        proto.write(f"{token} done {i}\n")
    proto.flush()
    os._exit(0)  # (no atexit handlers a plugin may have registered)


if __name__ == "__main__":
    _child(sys.argv[1] if len(sys.argv) > 1 else "")
