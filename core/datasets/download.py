"""Downloading MNIST and Fashion-MNIST: resumable, md5-verified, atomic.

Each file is fetched into ``<file>.part``; if a ``.part`` is left from an interrupted run, the
download resumes with an HTTP ``Range`` request (and restarts cleanly when the server answers
with the whole file instead). Only a file whose md5 matches is renamed to its final name, so a
file under its final name is always a verified one. Standard library only (urllib).
"""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from core.datasets.remote import remote_dataset
from core.errors import DataError

#: ``progress(file_name, bytes_done, bytes_total)``; ``bytes_total`` is ``None`` when unknown.
#: An exception raised by the callback aborts the download and keeps the ``.part`` for resuming.
Progress = Callable[[str, int, "int | None"], None]

CHUNK = 1 << 16
TIMEOUT_S = 30.0  # without a single byte for this long, a connection is given up on
DEADLINE_ENV = "BACKSTEP_DOWNLOAD_DEADLINE"  # seconds per file, overriding deadline_for()
MIN_RATE = 50_000  # bytes per second a download may not stay below for long (see deadline_for)
MAX_UNKNOWN_SIZE = 256 * 2**20  # a file of unknown size stops here
USER_AGENT = "Backstep (dataset download; python urllib)"


def deadline_for(size: int | None) -> float:
    """Seconds one file may take in all: a minute, plus its size at MIN_RATE (29 KB: 61 s, the
    9.9 MB MNIST images: 4.3 min); ``BACKSTEP_DOWNLOAD_DEADLINE`` overrides it."""
    env = os.environ.get(DEADLINE_ENV, "").strip()
    try:
        if env and float(env) > 0:
            return float(env)
    except ValueError:
        pass
    return 60.0 + (size or MAX_UNKNOWN_SIZE // 16) / MIN_RATE


def download(name: str, cache_dir=None, progress: Progress | None = None, mirror: str | None = None) -> Path:
    """Download ``mnist`` or ``fashion-mnist`` into ``<cache_dir>/datasets/<name>/``.

    Args:
        name: ``"mnist"`` or ``"fashion-mnist"``.
        cache_dir: base cache folder; default :func:`core.paths.user_cache_dir`.
        progress: called as ``progress(file_name, bytes_done, bytes_total)`` while a file arrives,
            and once with ``bytes_done == bytes_total`` for a file already present.
        mirror: base URL; default ``$BACKSTEP_MNIST_MIRROR`` / ``$BACKSTEP_FASHION_MNIST_MIRROR``,
            else the dataset's standard mirror.

    Returns:
        The dataset folder, holding the four verified ``.gz`` IDX files.

    Raises:
        DataError: unknown name, network failure (naming the URL), md5 mismatch (naming the file
            and both md5s; the bad file is removed), or an unwritable cache folder.
    """
    remote = remote_dataset(name)
    folder = remote.folder(cache_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise DataError(f"{folder}: cannot create the download folder: {e.strerror or e}") from None
    base = remote.mirror(mirror)
    for f in remote.files:
        download_file(base + f.name, folder / f.name, f.md5, f.size, progress)
    return folder


def download_file(url: str, dest, md5: str, size: int | None = None,
                  progress: Progress | None = None, timeout: float = TIMEOUT_S,
                  deadline: float | None = None) -> bool:
    """Fetch ``url`` into ``dest`` unless a file with the right ``md5`` is already there.

    Resumes from ``<dest>.part`` if present. If a resumed file fails the md5 check, it is fetched
    once more from the start before giving up (the old ``.part`` may have come from elsewhere).
    Bounded: no more than ``size`` bytes are written (MAX_UNKNOWN_SIZE when the size is not
    known), whatever the server sends, and the transfer is given up after ``deadline`` seconds
    in all (default :func:`deadline_for`; a server sending a byte every 5 s never times out a
    read), or ``timeout`` seconds without a byte; the ``.part`` is kept for resuming.

    Returns:
        ``True`` if something was transferred, ``False`` if ``dest`` was already verified.
    """
    dest = Path(dest)
    report = progress or (lambda name, done, total: None)
    if dest.is_file():
        if file_md5(dest) == md5:
            report(dest.name, dest.stat().st_size, dest.stat().st_size)
            return False
        _remove(dest)  # stale or damaged: fetch it again

    part = dest.with_name(dest.name + ".part")
    start = part.stat().st_size if part.is_file() else 0
    if size is not None and start > size:
        _remove(part)
        start = 0
    limits = _Limits(size, timeout, deadline_for(size) if deadline is None else deadline)
    if size is None or start < size:
        start = _transfer(url, part, start, dest.name, limits, report)

    digest = file_md5(part)
    if digest != md5 and start > 0:
        _remove(part)
        _transfer(url, part, 0, dest.name, limits, report)
        digest = file_md5(part)
    if digest != md5:
        _remove(part)
        raise DataError(
            f"{dest}: md5 mismatch for {url}: expected {md5}, got {digest}; the file was removed"
        )
    try:
        os.replace(part, dest)
    except OSError as e:
        raise DataError(f"{dest}: cannot move the verified download into place: {e.strerror or e}") from None
    return True


def file_md5(path) -> str:
    """Hex md5 of a file, read in chunks; DataError naming the file if it cannot be read."""
    h = hashlib.md5()
    try:
        with open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                h.update(chunk)
    except OSError as e:
        raise DataError(f"{path}: cannot read: {e.strerror or e}") from None
    return h.hexdigest()


class _Limits:
    """How much and how long one file's transfer may take."""

    def __init__(self, size: int | None, timeout: float, deadline: float):
        self.size, self.timeout, self.deadline = size, timeout, deadline
        self.cap = size if size is not None else MAX_UNKNOWN_SIZE
        self.ends = time.monotonic() + deadline

    def read_timeout(self) -> float:
        return max(min(self.timeout, self.ends - time.monotonic()), 0.5)

    def late(self) -> bool:
        return time.monotonic() > self.ends


def _transfer(url, part: Path, start: int, name: str, limits: _Limits, report) -> int:
    """Write ``url`` into ``part``, appending from byte ``start`` if the server honours Range.

    Returns the offset the transfer actually resumed from (0 when it restarted).
    """
    headers = {"User-Agent": USER_AGENT}
    if start:
        headers["Range"] = f"bytes={start}-"
    try:
        response = urllib.request.urlopen(urllib.request.Request(url, headers=headers),
                                          timeout=limits.read_timeout())
    except urllib.error.HTTPError as e:
        e.close()
        if e.code == 416 and start:  # our .part is not a prefix of this file: start over
            _remove(part)
            return _transfer(url, part, 0, name, limits, report)
        raise DataError(f"cannot download {url}: HTTP {e.code} {e.reason}") from None
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as e:
        raise DataError(f"cannot download {url}: {_reason(e)}") from None

    with response:
        status = getattr(response, "status", None)
        resumed = bool(start) and status == 206 and _range_start(response) == start
        if start and status == 206 and not resumed:
            response.close()
            _remove(part)
            return _transfer(url, part, 0, name, limits, report)
        done = start if resumed else 0
        length = response.headers.get("Content-Length")
        total = done + int(length) if length and length.isdigit() else limits.size
        if total is not None and total > limits.cap:
            raise DataError(f"cannot download {url}: the server announces {total} bytes, the file has "
                            f"{limits.cap} bytes; nothing written (check the mirror)")
        try:
            out = open(part, "ab" if resumed else "wb")
        except OSError as e:
            raise DataError(f"{part}: cannot write: {e.strerror or e}") from None
        with out:
            report(name, done, total)
            done = _copy(response, out, url, part, done, limits, lambda d: report(name, d, total))
    if total is not None and done < total:
        raise DataError(
            f"cannot download {url}: the connection closed after {done} of {total} bytes; "
            "run the download again to resume"
        )
    return start if resumed else 0


def _too_slow(url, done: int, limits: _Limits) -> DataError:
    return DataError(f"cannot download {url}: gave up after {limits.deadline:.0f} s with {done} of "
                     f"{limits.size or '?'} bytes (the server is too slow); run the download again to resume")


def _copy(response, out, url, part: Path, done: int, limits: _Limits, on_chunk) -> int:
    """Copy the body into ``out`` until it ends, the cap is reached or the deadline passes."""
    read = getattr(response, "read1", response.read)  # read1: whatever has arrived, not a full chunk
    while True:
        if limits.late():
            raise _too_slow(url, done, limits)
        _set_read_timeout(response, limits.read_timeout())
        try:
            chunk = read(min(CHUNK, limits.cap - done + 1))
        except (http.client.HTTPException, OSError) as e:
            if isinstance(e, TimeoutError) and limits.ends - time.monotonic() < 0.1:
                raise _too_slow(url, done, limits) from None  # (the read waited out the deadline's rest)
            raise DataError(
                f"cannot download {url}: {_reason(e)} after {done} bytes; "
                "run the download again to resume"
            ) from None
        if not chunk:
            return done
        if done + len(chunk) > limits.cap:
            out.close()
            _remove(part)
            raise DataError(f"cannot download {url}: the server sent more than the {limits.cap} bytes "
                            "the file has; stopped there and removed the partial file (check the mirror)")
        try:
            out.write(chunk)
        except OSError as e:
            raise DataError(f"{part}: cannot write: {e.strerror or e}") from None
        done += len(chunk)
        on_chunk(done)


def _set_read_timeout(response, seconds: float) -> None:
    sock = getattr(getattr(getattr(response, "fp", None), "raw", None), "_sock", None)
    if sock is not None:
        try:
            sock.settimeout(seconds)
        except OSError:
            pass


def _range_start(response) -> int | None:
    m = re.match(r"bytes\s+(\d+)-", response.headers.get("Content-Range", ""))
    return int(m.group(1)) if m else None


def _reason(e: BaseException) -> str:
    reason = getattr(e, "reason", None) or e  # URLError wraps the socket error
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    return str(reason) or type(reason).__name__


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError as e:
        raise DataError(f"{path}: cannot remove: {e.strerror or e}") from None
