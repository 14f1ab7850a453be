"""What a path is, asked of the file system before anything opens it.

Every reader calls :func:`regular_file` (or :func:`folder`) first: opening a FIFO for reading
blocks until someone writes to it, and ``/dev/zero`` reads until memory runs out, so anything that
is not a regular file (or a folder where one is expected) is refused from ``os.stat`` alone.
Every writer's target is checked by :func:`check_output` before the work that produces it starts:
its folder must exist and take a new file, and the target must not be a folder or a special file.
The errors are the caller's BackstepError class, one line naming the path and what to do.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
import time
from pathlib import Path

from core.errors import BackstepError, DataError

#: Prefix and suffix of the temporary files of core.io.atomic_write: ``.<name>.<pid>.<random>.bstmp``.
TEMP_SUFFIX = ".bstmp"

_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def describe_mode(mode: int) -> str:
    """"a FIFO (named pipe)", "a character device", ... for a stat mode that is not a file or folder."""
    for test, text in _KINDS:
        if test(mode):
            return text
    return "not a regular file"


def expand_user(text: str, error: type[BackstepError] = DataError) -> Path:
    """``Path(text).expanduser()``, with ``~nouser/x`` as a one-line error instead of RuntimeError."""
    try:
        return Path(text).expanduser()
    except RuntimeError:
        user = str(text).split("/", 1)[0].split(os.sep, 1)[0]
        raise error(f"{text}: there is no user {user[1:]!r} whose home {user} could name") from None


def _stat(path: Path, error, what: str) -> os.stat_result | None:
    """os.stat(path) (following symlinks), None if nothing is there; ``error`` for an unusable path."""
    try:
        return path.stat()
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        return None
    except ValueError as exc:  # an embedded NUL byte
        raise error(f"{path!r}: not a usable path ({exc}){what}") from None
    except OSError as exc:
        raise error(f"{path}: cannot be read: {exc.strerror or exc}{what}") from None


def regular_file(path, error: type[BackstepError] = DataError, what: str = "") -> Path:
    """``path`` as a Path if it is a regular file (or a symlink to one); else ``error`` saying what it is.

    ``what`` ("the network spec") is added to the messages. Nothing is opened.
    """
    path = Path(path)
    expected = what or "a file"
    st = _stat(path, error, f" ({what})" if what else "")
    if st is None:
        raise error(f"{path}: no such file" + (f" ({what})" if what else ""))
    if stat.S_ISDIR(st.st_mode):
        raise error(f"{path}: is a folder, expected {expected}")
    if not stat.S_ISREG(st.st_mode):
        raise error(f"{path}: is {describe_mode(st.st_mode)}, expected {expected}; only regular files are read")
    return path


def kind_of(path) -> str:
    """"file", "folder", "missing" or "special" (FIFO, device, socket) without opening ``path``."""
    try:
        st = Path(path).stat()
    except (OSError, ValueError):
        return "missing"
    if stat.S_ISDIR(st.st_mode):
        return "folder"
    return "file" if stat.S_ISREG(st.st_mode) else "special"


def file_size(path) -> int:
    """Size in bytes of a regular file (0 if it cannot be read)."""
    try:
        return Path(path).stat().st_size
    except (OSError, ValueError):
        return 0


def check_output(path, error: type[BackstepError] = DataError, what: str = "output") -> Path:
    """Check that a new file can be put at ``path`` (atomically, as core.io.atomic_write does).

    Refused, naming the path: a folder or a special file at ``path``; a folder that does not
    exist or is not a folder; a folder that does not take a new file (read-only, no permission:
    found by creating and removing a probe file with atomic_write's temporary-file pattern).
    """
    path = Path(path)
    if not path.name or path.name in (".", ".."):
        raise error(f"{path}: not a file name ({what})")
    st = _stat(path, error, f" ({what})")
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise error(f"{path}: is a folder; give a file name for the {what}")
        if not stat.S_ISREG(st.st_mode):
            raise error(f"{path}: is {describe_mode(st.st_mode)}; give a regular file name for the {what}")
    parent = path.parent
    pst = _stat(parent, error, f" ({what})")
    if pst is None:
        raise error(f"{path}: the folder {parent} does not exist (create it first, or choose another {what} path)")
    if not stat.S_ISDIR(pst.st_mode):
        raise error(f"{path}: {parent} is not a folder ({what})")
    try:
        fd, probe = tempfile.mkstemp(prefix=temp_prefix(path), suffix=TEMP_SUFFIX, dir=parent)
    except OSError as exc:
        raise error(f"{path}: cannot write into {parent}: {exc.strerror or exc} ({what})") from None
    os.close(fd)
    try:
        os.unlink(probe)
    except OSError:
        pass
    return path


def temp_prefix(path: Path) -> str:
    """The start of atomic_write's temporary names for ``path``: ``.<name>.<pid>.``."""
    return f".{Path(path).name}.{os.getpid()}."


def is_stale_temp(candidate: Path, target: Path) -> bool:
    """Whether ``candidate`` is a temporary file of atomic_write for ``target`` whose writer is gone.

    Names look like ``.<target name>.<pid>.<random>.bstmp``; the writer is gone when no process
    ``pid`` runs (a crash, a kill -9), or the file is older than a day (a pid used again since).
    Files of a live writer, this process included, are kept.
    """
    name, prefix = candidate.name, f".{target.name}."
    if not (name.startswith(prefix) and name.endswith(TEMP_SUFFIX)):
        return False
    pid_text = name[len(prefix):].split(".", 1)[0]
    if not pid_text.isdigit():
        return False
    try:
        age = time.time() - candidate.stat().st_mtime
    except OSError:
        return False
    pid = int(pid_text)
    if age > STALE_AFTER_S:
        return True
    return pid != os.getpid() and not _alive(pid)


STALE_AFTER_S = 24 * 3600


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if sys.platform == "win32":  # (os.kill there terminates the process: go by age alone)
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError, OverflowError):
        return True  # exists but is someone else's; or cannot tell: keep the file
    return True
