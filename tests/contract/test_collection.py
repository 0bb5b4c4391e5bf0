"""The Postman collection (docs/ocp.postman_collection.json) runs the README's "Try it
with curl" steps end to end against a running stack, with newman (npm, pinned), setting
only the base URL, the enterprise id and the secret. Skipped, with the reason, where
Node.js is not installed; npx fetches newman from the npm registry the first time."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.xdist_group("stack")

ROOT = Path(__file__).resolve().parents[2]
COLLECTION = ROOT / "docs" / "ocp.postman_collection.json"
NEWMAN = "newman@6.2.2"


def test_try_it_steps_are_the_readmes_curl_steps():
    """The collection's steps are the README's: the same requests, in the same order."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### Try it with curl", 1)[1].split("```", 2)[1]
    steps = json.loads(COLLECTION.read_text())["item"][0]["item"]
    calls = [line for line in section.splitlines() if line.startswith("curl ")]
    assert len(steps) == len(calls) + 1  # the session step: the login of docs/api.md "Sessions"
    methods = [s["request"]["method"] for s in steps[1:]]
    assert methods == ["POST", "GET", "GET", "PUT", "GET", "DELETE"]


def test_the_collection_runs_the_try_it_steps(stack, output_dir, tmp_path):
    npx = shutil.which("npx")
    if npx is None or shutil.which("node") is None:
        pytest.skip("Node.js is not installed: newman runs the collection")
    report = output_dir / "newman-try-it.json"
    run = subprocess.run(
        [
            npx,
            "--yes",
            NEWMAN,
            "run",
            str(COLLECTION),
            "--folder",
            "Try it",
            "--env-var",
            f"baseUrl={stack.base}",
            "--env-var",
            f"enterpriseId={stack.eid}",
            "--env-var",
            f"secret={stack.secret}",
            "--reporters",
            "cli,json",
            "--reporter-json-export",
            str(report),
            "--bail",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    stats = json.loads(report.read_text())["run"]["stats"]
    assert stats["items"]["total"] == 7  # the requests (newman also counts the session's)
    assert stats["assertions"]["failed"] == 0
    assert stats["assertions"]["total"] >= 14
