"""`make run` leaves nothing running however it ends, SIGKILL included, and the next one
starts on the same ports (local/lifeline.py, docs/local.md "Stopping")."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time

import pytest

from tests import local_stack

# A bound against processes that never go away, not a measurement: the reaper's grace is
# 3 s (local/lifeline.py GRACE_SECONDS), an orderly stop at most 10 s a service.
GONE_WITHIN_SECONDS = 30


def process_table() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, state), zombies left out (they hold no port and run nothing)."""
    out = subprocess.run(
        ["ps", "-A", "-o", "pid=,ppid=,stat="], capture_output=True, text=True, check=True
    ).stdout
    table = {}
    for line in out.splitlines():
        pid, ppid, state = line.split(None, 2)
        if not state.startswith("Z"):
            table[int(pid)] = (int(ppid), state)
    return table


def descendants(root: int) -> set[int]:
    table = process_table()
    found = {root}
    grew = True
    while grew:
        more = {pid for pid, (ppid, _) in table.items() if ppid in found} - found
        found |= more
        grew = bool(more)
    return found


def listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex((local_stack.HOST, port)) == 0


def wait_until_gone(processes: set[int], ports: tuple[int, ...]) -> tuple[set[int], list[int]]:
    """What is still there once all is gone, or when the bound is reached."""
    deadline = time.monotonic() + GONE_WITHIN_SECONDS
    while True:
        left = processes & set(process_table())
        open_ports = [p for p in ports if listening(p)]
        if (not left and not open_ports) or time.monotonic() > deadline:
            return left, open_ports
        time.sleep(0.2)


@pytest.mark.parametrize("killed", ["runner", "launcher"])
def test_a_run_killed_with_sigkill_leaves_nothing_running(killed: str) -> None:
    # Given a running stack (the API reloading: a serving process under its reloader),
    # started directly, or by a launcher as make starts it
    launched = killed == "launcher"
    with local_stack.started(free_ports=True, launcher=launched, env={"OCP_RELOAD": "1"}) as stack:
        processes = descendants(stack.process.pid)
        # launcher?, run, reaper, local AWS, API reloader, API server
        assert len(processes) >= 5 + launched, processes
        ports = (stack.api_port, stack.aws_port)
        # When the runner, or its launcher, is killed with SIGKILL
        os.kill(stack.process.pid, signal.SIGKILL)
        stack.process.wait()
        # Then every process it started ends, and its ports are free
        left, open_ports = wait_until_gone(processes, ports)
        assert not left, f"still running: {left}\n{stack.log_tail()}"
        assert not open_ports, f"still listening: {open_ports}"
    if killed == "runner":
        # And the next run starts on the same ports
        with local_stack.started(ports=ports) as again:
            assert again.running() and again.auth
