"""GET /openapi.json and /docs on a running stack, and the docs page in headless Chromium.

Chromium is Debian's `chromium` package (.ci/run installs it when it is missing). Where
it is absent on a developer's machine the browser test is skipped with the reason; in CI
(CI=true) it fails instead, so a missing browser never passes silently.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from html import unescape
from pathlib import Path

import pytest
import requests

from chalicelib.reference.openapi import operations
from tests.contract import description

pytestmark = pytest.mark.xdist_group("stack")

ROOT = Path(__file__).resolve().parents[2]
REDOC_SHA256 = "dcaf76612bc4a3fbcc923a8966dee2f6146a5f32e5ce1b6f02dd60cbbf89500b"


def test_redoc_is_the_pinned_release():
    from chalicelib.reference import page

    assert hashlib.sha256(page.REDOC.read_bytes()).hexdigest() == REDOC_SHA256
    assert (page.REDOC.parent / "LICENSE").read_text().startswith("The MIT License")


def test_the_description_and_the_page_need_no_session(stack):
    described = requests.get(f"{stack.base}/openapi.json", timeout=60)
    assert described.status_code == 200
    assert described.headers["Content-Type"].startswith("application/json")
    doc = described.json()
    assert doc["servers"] == [{"url": stack.base, "description": "this API"}]
    assert doc["paths"] == description.document()["paths"]
    page = requests.get(f"{stack.base}/docs", timeout=60)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert "Redoc.init(" in page.text


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        reason = "Chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return found


def _headless(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            _chromium(),
            "--headless",
            "--no-sandbox",  # CI runs as root
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            "--no-first-run",
            f"--user-data-dir={cwd / 'chromium-profile'}",
            "--virtual-time-budget=30000",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=cwd,
    )


def test_the_docs_page_renders_every_operation_in_chromium(stack, output_dir, tmp_path):
    url = f"{stack.base}/docs"
    dom = _headless("--dump-dom", url, cwd=tmp_path)
    assert dom.returncode == 0, dom.stderr[-2000:]
    text = unescape(re.sub(r"<[^>]+>", " ", dom.stdout))
    summaries = {op["summary"] for _, _, op in operations(description.document())}
    missing = sorted(s for s in summaries if s not in text)
    assert not missing, f"operations not rendered: {missing}"
    assert "Authentication: two steps" in text
    shot = output_dir / "docs.png"
    taken = _headless("--screenshot=" + str(shot), "--window-size=1400,1600", url, cwd=tmp_path)
    assert taken.returncode == 0, taken.stderr[-2000:]
    assert shot.stat().st_size > 20_000  # a rendered page, not a blank one
