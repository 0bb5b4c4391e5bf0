"""The reaper of `make run` (local/lifeline.py): at the end of its pipe it ends the process
groups it was told of, unless released. tests/stack/test_stopping.py kills a real stack."""

from __future__ import annotations

import io
import signal
import subprocess
import sys

from local import lifeline

# Stops at SIGTERM only after the grace: the reaper's SIGKILL is what ends it.
STUBBORN = (
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', "
    "flush=True); time.sleep(600)"
)


def started(code: str = "import time; print('ready', flush=True); time.sleep(600)"):
    child = subprocess.Popen(
        [sys.executable, "-c", code], start_new_session=True, stdout=subprocess.PIPE, text=True
    )
    assert child.stdout.readline() == "ready\n"
    return child


def test_at_the_pipes_end_each_group_is_ended():
    polite, stubborn = started(), started(STUBBORN)
    try:
        lifeline.reap(io.StringIO(f"{polite.pid}\n{stubborn.pid}\n"), grace=0.5)
        assert polite.wait(timeout=10) == -signal.SIGTERM
        assert stubborn.wait(timeout=10) == -signal.SIGKILL
    finally:
        for child in (polite, stubborn):
            child.kill()
            child.wait()


def test_released_it_ends_nothing():
    child = started()
    try:
        lifeline.reap(io.StringIO(f"{child.pid}\n{lifeline.RELEASED}\n"), grace=0.5)
        assert child.poll() is None
    finally:
        child.kill()
        child.wait()


def test_a_group_already_gone_is_skipped():
    child = started()
    child.kill()
    child.wait()
    lifeline.end_groups([child.pid], grace=0.5)  # no error: nothing to signal
