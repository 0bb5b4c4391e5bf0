"""Without Node.js (docs/local.md "Prerequisites"), the infra tests are collected and skip with the
reason: none may import the CDK, whose jsii kernel runs in Node.js, before its fixture has
checked for it."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.infra.conftest import ROOT


def pytest_without_node(tmp_path, *args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"PATH": str(tmp_path)}  # an empty directory: no node, no npx
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:xdist", "-p", "no:cacheprovider", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_every_infra_test_is_collected_without_nodejs(tmp_path):
    done = pytest_without_node(tmp_path, "-q", "--collect-only", "tests/infra")
    # A file that cannot be imported is a collection error: exit code 2, "N errors".
    assert done.returncode == 0, done.stdout + done.stderr
    summary = done.stdout.strip().splitlines()[-1]
    assert "tests collected" in summary and "error" not in summary, summary


def test_a_test_of_the_template_skips_with_the_reason(tmp_path):
    done = pytest_without_node(tmp_path, "-rs", "tests/infra/test_chime.py", "-k", "invokes")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 skipped" in done.stdout
    assert "Node.js is needed to synthesise the stack: not found" in done.stdout
