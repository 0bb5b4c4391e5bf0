"""A running stack as `make run` starts it (moto's server + `chalice local` + the local
worker), on free ports, for the tests that talk HTTP to it: the schemathesis pass, the
docs page in Chromium and the collection run by newman. Started by tests/local_stack.py,
as tests/stack's is.

One stack per test session (per xdist worker: these tests share the `stack` group, so
`--dist loadgroup` keeps them on one worker). Nothing here reaches beyond 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from local.session import login_header, open_session
from tests import local_stack

ROOT = local_stack.ROOT


@dataclass(frozen=True)
class Stack:
    base: str
    secret: str = local_stack.DEV_SECRET
    eid: int = 1

    def signature(self, at: int | None = None) -> str:
        """`Authorization` for GET /session."""
        return login_header(self.eid, self.secret, at)

    def session(self) -> str:
        """`Authorization` for every route but /session (a new session)."""
        return f"Basic {self.eid}:{open_session(self.base, self.eid, self.secret, timeout=30)}"


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    # Free ports always: OCP_TEST_PORT is tests/stack's, whose stack may run beside this.
    with local_stack.started(free_ports=True) as running:
        yield Stack(running.base)


@pytest.fixture(scope="session")
def output_dir() -> Path:
    """Where tests leave what a person may want to look at (screenshots, reports)."""
    path = ROOT / "test-output"
    path.mkdir(exist_ok=True)
    return path
