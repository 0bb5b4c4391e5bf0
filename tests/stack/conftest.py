"""tests/stack: through a real `make run` (tests/local_stack.py), one per test process,
shared by the tests of this folder, which are one file: `make test` passes
`--dist loadfile`, so a parallel run starts one stack, not one per process. (Other ways
to run them start one per process, on free ports unless OCP_TEST_PORT is set.)"""

from __future__ import annotations

import pytest

from tests import local_stack


@pytest.fixture(scope="session")
def stack():
    with local_stack.started() as started:
        yield started
