"""The console's vendored files are the pinned releases (chalicelib/console/static/README.md)."""

from __future__ import annotations

import hashlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HTMX = ROOT / "chalicelib" / "console" / "static" / "htmx.min.js"
AXE = ROOT / "tests" / "browser" / "vendor" / "axe.min.js"


def test_htmx_is_the_pinned_release():
    digest = hashlib.sha256(HTMX.read_bytes()).hexdigest()
    assert digest == "d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717"
    assert (HTMX.parent / "htmx.LICENSE").exists()


def test_axe_core_is_the_pinned_release():
    digest = hashlib.sha256(AXE.read_bytes()).hexdigest()
    assert digest == "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
    assert "Mozilla Public License" in (AXE.parent / "LICENSE").read_text()


def test_every_asset_a_page_names_is_served():
    from chalicelib.console import pages

    templates = (ROOT / "chalicelib" / "console" / "templates" / "base.html").read_text()
    for name in pages.ASSETS:
        assert f"/console/static/{name}" in templates
        assert (pages.STATIC / name).exists()
