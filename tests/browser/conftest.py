"""tests/browser: the web console in a real browser, headless Chromium (Debian's package,
/usr/bin/chromium; .ci/run installs it) driven by Playwright for Python, against a real
`make run` stack (tests/local_stack.py). One stack and one browser per module.

Screenshots of each page go to test-output/console/ (git ignores it); docs/console/ holds
the copies docs/console.md shows: `OCP_CONSOLE_SCREENSHOTS=docs/console` writes them
there instead. axe-core (tests/browser/vendor/axe.min.js, the npm package's file) checks
each page for accessibility.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests import local_stack

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("OCP_CHROMIUM", "/usr/bin/chromium")
# No GPU, no sandbox (containers run as root), nothing fetched from the network.
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
SHOTS = ROOT / os.environ.get("OCP_CONSOLE_SCREENSHOTS", "test-output/console")
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 360, "height": 740}
# Fast simulated calls: answered at once, a second of talk.
STACK_ENV = {"OCP_SIMULATED_ANSWER_DELAY_SECONDS": "0.2", "OCP_SIMULATED_TALK_SECONDS": "1"}


def pytest_collection_modifyitems(config, items):
    if shutil.which(CHROMIUM) is None and not Path(CHROMIUM).exists():
        skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)")
        for item in items:
            if "tests/browser" in str(item.fspath):
                item.add_marker(skip)


@pytest.fixture(scope="module")
def stack():
    with local_stack.started(STACK_ENV, free_ports=True) as started:
        yield started


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


class Watched:
    """A page, with what the browser refused by its Content-Security-Policy."""

    def __init__(self, page) -> None:
        self.page = page
        self.refused: list[str] = []
        page.on(
            "console",
            lambda m: self.refused.append(m.text) if "Content Security Policy" in m.text else None,
        )


@pytest.fixture
def desktop(chromium):
    context = chromium.new_context(viewport=DESKTOP)
    watched = Watched(context.new_page())
    yield watched
    context.close()
    assert watched.refused == []


@pytest.fixture
def phone(chromium):
    context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    watched = Watched(context.new_page())
    yield watched
    context.close()
    assert watched.refused == []


def shoot(page, name: str, *, full_page: bool = True) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page, animations="disabled")


def accessibility_problems(page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now. Evaluated
    through the browser's debugging protocol, which the page's CSP does not govern."""
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => ['serious', 'critical'].includes(v.impact))"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target)}))"
    )
    return [json.dumps(v) for v in found]
