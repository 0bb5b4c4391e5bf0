"""Nothing `make run` starts outlives it, however it ends (docs/local.md "Stopping").

Ctrl-C and SIGTERM stop `local/run.py` in order (its `finally`). SIGKILL runs no code, so
three guards stand in for it, each enough alone:

- `die_with_parent()`: `local/run.py` itself ends when whatever started it (make, a shell,
  a test) is gone. On Linux the kernel sends it SIGTERM then (`PR_SET_PDEATHSIG`), so it
  stops its services as on Ctrl-C; elsewhere a thread notices it was orphaned.
- each service leads a session (process group) of its own, so its own children (the API's
  serving process) go with it; `child_setup`, its `preexec_fn`, asks on Linux for
  `PR_SET_PDEATHSIG` SIGKILL: the kernel kills it the moment the thread that started it ends.
- `Reaper`: `python -m local.lifeline`, in a session of its own, reads the process groups
  of the services from a pipe whose only writer is `local/run.py`. However that process
  ends, the kernel closes the pipe: at its end the reaper signals every group it was told
  of (SIGTERM, then SIGKILL after `GRACE_SECONDS`) and exits. Portable (POSIX), and it
  reaches the grandchildren too. `release()` after a clean stop tells it there is nothing
  left to do.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
import threading
import time
from typing import IO

# <linux/prctl.h>
PR_SET_PDEATHSIG = 1
GRACE_SECONDS = 3.0
# How often the thread standing in for PR_SET_PDEATHSIG (not Linux) looks at the parent.
ORPHAN_POLL_SECONDS = 0.5
RELEASED = "released"


def _set_parent_death_signal(signum: int) -> bool:
    """Linux: the kernel sends `signum` when the parent (the thread that forked) ends;
    False where there is no prctl."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def die_with_parent(signum: int = signal.SIGTERM) -> None:
    """This process gets `signum` when its parent ends (also by SIGKILL)."""
    parent = os.getppid()
    if not _set_parent_death_signal(signum):
        threading.Thread(target=_watch_parent, args=(parent, signum), daemon=True).start()
    if os.getppid() != parent:  # the parent ended before the signal was asked for
        os.kill(os.getpid(), signum)


def _watch_parent(parent: int, signum: int) -> None:
    while os.getppid() == parent:
        time.sleep(ORPHAN_POLL_SECONDS)
    os.kill(os.getpid(), signum)


def child_setup(parent: int) -> None:
    """A service's `preexec_fn` (between fork and exec, after `start_new_session`'s setsid:
    nothing but system calls): killed by the kernel when `parent`'s starting thread ends."""
    _set_parent_death_signal(signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)


class Reaper:
    """The process that kills the services' groups once `local/run.py` is gone."""

    def __init__(self) -> None:
        read, write = os.pipe()  # neither end is inherited by other children
        self._process = subprocess.Popen(
            [sys.executable, "-m", "local.lifeline"],
            stdin=read,
            stdout=subprocess.DEVNULL,
            start_new_session=True,  # a Ctrl-C, or a kill of run.py's group, spares it
        )
        os.close(read)
        self._pipe: IO[str] = os.fdopen(write, "w", buffering=1)

    def adopt(self, child: subprocess.Popen) -> None:
        """The reaper signals this child's group (its pid: it leads a session of its own)."""
        self._pipe.write(f"{child.pid}\n")

    def release(self) -> None:
        """Every service stopped in order: the reaper exits without signalling any."""
        with contextlib.suppress(OSError):
            self._pipe.write(f"{RELEASED}\n")
        with contextlib.suppress(OSError):
            self._pipe.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(timeout=GRACE_SECONDS)


def reap(lines: IO[str], grace: float = GRACE_SECONDS) -> None:
    """Read groups until the pipe's end, then end them (unless released)."""
    groups: list[int] = []
    for line in lines:
        if line.strip() == RELEASED:
            return
        with contextlib.suppress(ValueError):
            groups.append(int(line))
    end_groups(groups, grace)


def end_groups(groups: list[int], grace: float = GRACE_SECONDS) -> None:
    """SIGTERM to each group, SIGKILL to those still there after `grace` seconds."""
    alive = [g for g in groups if _signal(g, signal.SIGTERM)]
    deadline = time.monotonic() + grace
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)
        alive = [g for g in alive if _signal(g, 0)]
    for group in alive:
        _signal(group, signal.SIGKILL)


def _signal(group: int, signum: int) -> bool:
    """False if the group is gone."""
    try:
        os.killpg(group, signum)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False  # the id now belongs to someone else's group
    return True


def main() -> int:
    # In a session of its own, with no terminal: only the pipe's end stops it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    reap(sys.stdin)
    return 0


if __name__ == "__main__":
    sys.exit(main())
