"""#14, downloads: an overall deadline (a server trickling a byte every half second is given up
on) and a size cap (a server streaming without Content-Length stops at the expected size)."""

import hashlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from core.datasets.download import download_file
from core.errors import DataError

EXPECTED = 29_515  # the size of Fashion-MNIST's train labels


class _Hostile(BaseHTTPRequestHandler):
    def do_GET(self):
        mode = self.server.mode
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        if mode == "long_announced":
            self.send_header("Content-Length", str(200 * 2**20))
        self.end_headers()
        try:
            if mode == "trickle":
                for _ in range(10_000):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(0.5)
            elif mode in ("endless", "long_announced"):
                block = b"\0" * 65536
                for _ in range(200 * 16):  # 200 MB, unless the client hangs up first
                    self.wfile.write(block)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args):
        pass


@pytest.fixture
def hostile_server():
    servers = []

    def start(mode):
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
        server.mode = mode
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/file.gz"

    yield start
    for s in servers:
        s.shutdown()
        s.server_close()


def test_a_trickling_server_is_given_up_on_at_the_deadline(tmp_path, hostile_server):
    url = hostile_server("trickle")
    t0 = time.monotonic()
    with pytest.raises(DataError, match=r"gave up after 2 s .* too slow") as info:
        download_file(url, tmp_path / "f.gz", "0" * 32, EXPECTED, deadline=2.0)
    assert time.monotonic() - t0 < 2.0 + 3.0  # the deadline, plus at most one read that was waiting
    assert "\n" not in str(info.value)
    assert (tmp_path / "f.gz.part").stat().st_size < 10  # kept for resuming


@pytest.mark.parametrize("mode", ["endless", "long_announced"])
def test_a_server_sending_too_much_is_stopped_at_the_expected_size(tmp_path, hostile_server, mode):
    url = hostile_server(mode)
    with pytest.raises(DataError, match=f"{EXPECTED} bytes") as info:
        download_file(url, tmp_path / "f.gz", "0" * 32, EXPECTED)
    assert "\n" not in str(info.value)
    part = tmp_path / "f.gz.part"
    assert not part.exists() or part.stat().st_size <= EXPECTED
    assert not (tmp_path / "f.gz").exists()


def test_the_cli_download_says_it_in_one_line(tmp_path, hostile_server):
    from tests.fixtures.hostile import cli

    url = hostile_server("endless")
    r = cli("download", "fashion-mnist", env={"BACKSTEP_FASHION_MNIST_MIRROR": url.rsplit("/", 1)[0],
                                              "BACKSTEP_CACHE_DIR": str(tmp_path)}, timeout=60)
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert "more than the" in r.lines[-1] and r.lines[-1].startswith("error:"), r.stderr
    folder = tmp_path / "datasets" / "fashion-mnist"
    assert sum(p.stat().st_size for p in folder.iterdir()) <= 26_421_880


def test_a_normal_download_still_verifies(tmp_path, http_mirror):
    data = b"hello" * 1000
    (tmp_path / "srv").mkdir()
    (tmp_path / "srv" / "f.gz").write_bytes(data)
    base, _ = http_mirror(tmp_path / "srv")
    assert download_file(base + "f.gz", tmp_path / "f.gz", hashlib.md5(data).hexdigest(), len(data))
    assert (tmp_path / "f.gz").read_bytes() == data
