"""What `make doctor`, `make synth` and tests/infra say about the machine."""

from __future__ import annotations

import datetime

from local import prerequisites


def test_the_supported_python_comes_from_pyproject():
    low, high = prerequisites.python_supported()
    assert low == (3, 12) and high > low
    assert prerequisites.python((3, 12)).ok
    assert not prerequisites.python((3, 11)).ok
    assert "requires-python" in prerequisites.python((3, 11)).detail
    assert not prerequisites.python(high).ok


def test_node_missing_is_not_usable_and_says_what_to_install():
    check = prerequisites.node(version="")
    assert not check.ok
    assert "Node.js 22 or 24" in check.detail


def test_a_node_jsii_supports_is_fine_and_one_past_its_support_warns():
    on = datetime.date(2026, 11, 30)
    assert prerequisites.node("22.11.0", today=on).warning is None
    old = prerequisites.node("20.20.2", today=on)
    assert old.ok and "past jsii's support since 2026-10-30" in old.warning
    assert prerequisites.node("20.20.2", today=datetime.date(2026, 6, 1)).warning is None
    assert "not a release jsii supports" in prerequisites.node("21.1.0", today=on).warning


def test_the_python_checked_is_python_version_s_not_python3():
    # .venv is made with .python-version's Python (uv), whatever `python3` is
    wanted, executable, version = prerequisites.project_python()
    assert wanted == "3.12"
    assert version == (3, 12) and executable
    assert prerequisites.python().ok
