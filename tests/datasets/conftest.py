"""Dataset test fixtures: the real data by name, a local HTTP mirror with Range, tiny IDX folders."""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest


def _shared_subfolder(shared_data: Path, name: str) -> Path:
    folder = shared_data / name
    if not (folder / "t10k-labels-idx1-ubyte.gz").is_file():
        pytest.skip(f"no {name} files in {shared_data}")
    return folder


@pytest.fixture
def shared_mnist(shared_data) -> Path:
    """``../shared/data/mnist`` (the real MNIST .gz IDX files), or skip. ``shared_data`` is the root conftest's."""
    return _shared_subfolder(shared_data, "mnist")


@pytest.fixture
def shared_fashion(shared_data) -> Path:
    """``../shared/data/fashion`` (the real Fashion-MNIST .gz IDX files), or skip."""
    return _shared_subfolder(shared_data, "fashion")


@pytest.fixture(autouse=True)
def _no_mirror_env(monkeypatch):
    """A developer's own mirror settings must not redirect the tests' downloads.

    (The root conftest already points the cache and data folders at a temporary home.)
    """
    monkeypatch.delenv("BACKSTEP_MNIST_MIRROR", raising=False)
    monkeypatch.delenv("BACKSTEP_FASHION_MNIST_MIRROR", raising=False)


class _MirrorHandler(BaseHTTPRequestHandler):
    """Serves files under ``server.root``; honours ``Range: bytes=N-`` unless ``server.ignore_range``."""

    def do_GET(self):
        server = self.server
        rel = self.path.split("?", 1)[0].lstrip("/")
        path = (server.root / rel).resolve()
        range_header = self.headers.get("Range")
        entry = {"path": rel, "range": range_header, "status": None}
        server.requests.append(entry)
        if server.root.resolve() not in path.parents or not path.is_file():
            entry["status"] = 404
            self.send_error(404)
            return
        data = path.read_bytes()
        start = 0
        if range_header and not server.ignore_range:
            m = re.fullmatch(r"bytes=(\d+)-", range_header.strip())
            start = int(m.group(1)) if m else 0
            if start >= len(data):
                entry["status"] = 416
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            entry["status"] = 206
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            entry["status"] = 200
            self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(data) - start))
        self.end_headers()
        self.wfile.write(data[start:])

    def log_message(self, *args):  # keep test output quiet
        pass


@pytest.fixture
def http_mirror():
    """Factory: ``http_mirror(root, ignore_range=False) -> (base_url, requests)``.

    ``requests`` is a live list of ``{"path", "range", "status"}``, one per GET received.
    """
    servers = []

    def start(root, ignore_range=False):
        server = ThreadingHTTPServer(("127.0.0.1", 0), _MirrorHandler)
        server.root = Path(root)
        server.ignore_range = ignore_range
        server.requests = []
        thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        servers.append((server, thread))
        return f"http://127.0.0.1:{server.server_address[1]}/", server.requests

    yield start
    for server, thread in servers:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def make_idx_folder(tmp_path):
    """Factory: a folder with the four IDX files of a tiny random dataset.

    ``make_idx_folder(n_train=20, n_test=8, size=6, compress=True, name="idx")`` -> folder;
    images ``uint8 (N, size, size)``, labels ``0..9`` cycling.
    """
    import numpy as np

    from core.datasets.idx import write_idx

    def make(n_train=20, n_test=8, size=6, compress=True, name="idx"):
        folder = tmp_path / name
        folder.mkdir()
        rng = np.random.default_rng(1)
        suffix = ".gz" if compress else ""
        for prefix, n in (("train", n_train), ("t10k", n_test)):
            images = rng.integers(0, 256, (n, size, size), dtype=np.uint8)
            labels = (np.arange(n) % 10).astype(np.uint8)
            write_idx(folder / f"{prefix}-images-idx3-ubyte{suffix}", images, compress)
            write_idx(folder / f"{prefix}-labels-idx1-ubyte{suffix}", labels, compress)
        return folder

    return make
