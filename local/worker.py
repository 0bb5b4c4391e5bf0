"""The local stand-in for what AWS does by itself after a response: later issues
add draining the dial queue and firing due schedules. Runs until Ctrl-C."""
from __future__ import annotations

import subprocess
import time

POLL_SECONDS = 1.0


def run_forever(children: list[subprocess.Popen]) -> None:
    while all(child.poll() is None for child in children):
        time.sleep(POLL_SECONDS)
    raise SystemExit("a local service stopped; shutting down")
