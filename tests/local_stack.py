"""A real `make run` stack (local/run.py: moto's server, the API front, the worker) started
for tests that must go through HTTP and separate processes, as a client would.

    with local_stack.started() as stack:
        status, body = stack.request("GET", "/user/1", headers={"Authorization": stack.auth})

Ports: OCP_TEST_PORT / OCP_TEST_AWS_PORT if set, else free ones the kernel picks, so
stacks of parallel test processes, or of other checkouts on one machine, never collide.
Its output goes to a log file whose tail is shown when it fails to start.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
DEV_SECRET = "56789"
# Only a bound against a stack that never comes up (a loaded CI machine takes ~10 s).
START_SECONDS = 120
STOP_SECONDS = 20


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@dataclass
class Stack:
    api_port: int
    aws_port: int
    process: subprocess.Popen
    log: Path
    auth: str = field(default="")

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.api_port}"

    @property
    def aws_endpoint(self) -> str:
        return f"http://{HOST}:{self.aws_port}"

    def running(self) -> bool:
        return self.process.poll() is None

    def request(
        self,
        method: str,
        path: str,
        body: dict | bytes | None = None,
        headers: dict | None = None,
        timeout: float = 120,
    ) -> tuple[int, str]:
        """One request on its own connection; (status, body)."""
        all_headers = dict(headers or {})
        if isinstance(body, dict):
            body = urllib.parse.urlencode(body).encode()
            all_headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        connection = http.client.HTTPConnection(HOST, self.api_port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=all_headers)
            response = connection.getresponse()
            return response.status, response.read().decode("utf-8", "replace")
        finally:
            connection.close()

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, str]:
        """A request with the stack's session (enterprise 1)."""
        return self.request(method, path, body, headers={"Authorization": self.auth})

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


# A launcher, as make is to `make run`: `process` is then this, and local.run its child.
LAUNCHER = "import subprocess, sys; sys.exit(subprocess.run(sys.argv[1:]).returncode)"


@contextlib.contextmanager
def started(
    env: dict[str, str] | None = None,
    *,
    free_ports: bool = False,
    ports: tuple[int, int] | None = None,
    launcher: bool = False,
) -> Iterator[Stack]:
    """`python -m local.run` on its own ports, ready (banner printed), with a session of
    enterprise 1 opened; stopped (its whole process group) afterwards. `free_ports`: never
    OCP_TEST_PORT / OCP_TEST_AWS_PORT (tests/stack's); `ports`: these (API, AWS);
    `launcher`: started by a process of its own (LAUNCHER), which `process` then is."""
    fixed = {} if free_ports else os.environ
    api_port, aws_port = ports or (
        int(fixed.get("OCP_TEST_PORT") or free_port()),
        int(fixed.get("OCP_TEST_AWS_PORT") or free_port()),
    )
    log = Path(tempfile.mkstemp(prefix="ocp-stack-", suffix=".log")[1])
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "OCP_"))},
        "OCP_PORT": str(api_port),
        "OCP_AWS_PORT": str(aws_port),
        "OCP_DEV_SECRET": DEV_SECRET,
        "OCP_RELOAD": "0",
        "PYTHONUNBUFFERED": "1",
        # The suites' requests come faster than an enterprise's 20 a second; the limit is
        # tested in process (tests/api/test_tenant_limits.py) and measured against `make
        # run` by local/tenant_probe.py.
        "OCP_RATE_LIMITS": "0",
        **(env or {}),
    }
    with open(log, "wb") as out:
        command = [sys.executable, "-m", "local.run"]
        if launcher:
            command = [sys.executable, "-c", LAUNCHER, *command]
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    stack = Stack(api_port, aws_port, process, log)
    try:
        _wait_until_ready(stack)
        from local.session import open_session

        stack.auth = f"Basic 1:{open_session(stack.base, 1, DEV_SECRET)}"
        yield stack
    finally:
        stop(stack)


def _wait_until_ready(stack: Stack) -> None:
    deadline = time.monotonic() + START_SECONDS
    while "Ctrl-C stops everything" not in stack.log.read_text(errors="replace"):
        if not stack.running():
            raise RuntimeError(f"make run exited ({stack.process.returncode}):\n{stack.log_tail()}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"make run did not start in {START_SECONDS} s:\n{stack.log_tail()}")
        time.sleep(0.2)


def stop(stack: Stack) -> None:
    """Ctrl-C, as a user would; the whole group killed if it does not stop in time."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(stack.process.pid, signal.SIGINT)
    try:
        stack.process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(stack.process.pid, signal.SIGKILL)
        stack.process.wait()
    # Children in groups of their own (moto, the API) are stopped by local.run itself, or
    # by its reaper when it was killed (local/lifeline.py); its own group goes here.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(stack.process.pid, signal.SIGKILL)
