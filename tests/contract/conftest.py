"""A running stack as `make run` starts it (moto's server + `chalice local` + the local
worker), on free ports, for the tests that talk HTTP to it: the schemathesis pass, the
docs page in Chromium and the collection run by newman.

One stack per test session (per xdist worker: these tests share the `stack` group, so
`--dist loadgroup` keeps them on one worker). Nothing here reaches beyond 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
SECRET = "56789"


@dataclass(frozen=True)
class Stack:
    base: str
    aws: str
    secret: str = SECRET
    eid: int = 1

    def signature(self, at: int | None = None) -> str:
        at = int(time.time()) if at is None else at
        digest = hashlib.md5(f"{at}{self.secret}".encode()).hexdigest()
        return f"Basic {self.eid}:{at}:{digest}"

    def session(self) -> str:
        """`Authorization` for every route but /session."""
        import requests

        response = requests.get(
            f"{self.base}/session",
            params={"output": "json"},
            headers={"Authorization": self.signature()},
            timeout=30,
        )
        response.raise_for_status()
        return f"Basic {self.eid}:{response.json()['sessionId']}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Stack:
    api_port, aws_port = free_port(), free_port()
    log = tmp_path_factory.mktemp("stack") / "make-run.log"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "OCP_"))  # the test session's own settings
    }
    env.update(
        {
            "OCP_PORT": str(api_port),
            "OCP_AWS_PORT": str(aws_port),
            "OCP_DEV_SECRET": SECRET,
            # No restart when a file under the project changes (.venv's included).
            "OCP_AUTORELOAD": "0",
        }
    )
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "local.run"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_until_serving(api_port, process, log)
        yield Stack(f"http://{HOST}:{api_port}", f"http://{HOST}:{aws_port}")
    finally:
        # local.run stops its children on SIGINT; its whole group, in case it cannot.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _wait_until_serving(port: int, process: subprocess.Popen, log: Path) -> None:
    import requests

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"make run exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(requests.RequestException):
            # The banner comes after the enterprise exists: then sessions can be opened.
            if b"Ctrl-C stops everything" in log.read_bytes():
                requests.get(f"http://{HOST}:{port}/openapi.json", timeout=5)
                return
        time.sleep(0.5)
    pytest.fail(f"make run did not start in time:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def output_dir() -> Path:
    """Where tests leave what a person may want to look at (screenshots, reports)."""
    path = ROOT / "test-output"
    path.mkdir(exist_ok=True)
    return path
