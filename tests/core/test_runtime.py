"""core.runtime: the process-wide settings the app and the CLI apply at start-up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
from core.runtime import limit_blas_threads
assert limit_blas_threads(1)
import numpy  # noqa: F401 - loads its BLAS, which reads the setting now
print(os.environ["OPENBLAS_NUM_THREADS"])
try:
    from threadpoolctl import threadpool_info
    print(*[i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"])
except ImportError:
    print("1")
"""


def _run(env_extra: dict) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    env.update(env_extra)
    return subprocess.run([sys.executable, "-c", "import os\n" + PROBE], cwd=ROOT, env=env, text=True,
                          capture_output=True, check=True).stdout.split()


def test_the_app_asks_blas_for_one_thread_before_numpy_loads():
    assert _run({}) == ["1", "1"]


def test_a_thread_count_the_user_set_wins():
    assert _run({"OPENBLAS_NUM_THREADS": "2"})[0] == "2"
