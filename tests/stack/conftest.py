"""tests/stack: through a real `make run` (tests/local_stack.py), one per test process,
shared by the tests of this folder. They run in one xdist group (`make test` passes
`--dist loadgroup`), so a parallel run starts one stack, not one per process."""

from __future__ import annotations

import pytest

from tests import local_stack


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/stack/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.xdist_group("stack"))


@pytest.fixture(scope="session")
def stack():
    with local_stack.started() as started:
        yield started
