"""The API reference page: Redoc (vendored, `redoc/`) rendering the OpenAPI description.

The description is embedded in the page, so it needs no second request and works
offline; Redoc's script is embedded too when the API serves it (GET /docs), or
referenced by a relative path for the repository's static copy (`docs/index.html`).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

REDOC = Path(__file__).resolve().parent / "redoc" / "redoc.standalone.js"
REDOC_VERSION = "2.5.4"

# Redoc's options: responses shown open for the success statuses, JSON samples two
# levels deep, the "Download" button offering the description itself.
OPTIONS = {
    "expandResponses": "200,201,202",
    "jsonSampleExpandLevel": 3,
    "requiredPropsFirst": True,
    "sortPropsAlphabetically": False,
    "pathInMiddlePanel": True,
    "theme": {"colors": {"primary": {"main": "#1f4e79"}}},
}

TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>body {{ margin: 0; padding: 0; }}</style>
</head>
<body>
<div id="redoc"></div>
{script}
<script>
Redoc.init({spec}, {options}, document.getElementById("redoc"));
</script>
</body>
</html>
"""


@lru_cache(maxsize=1)
def _redoc() -> str:
    code = REDOC.read_text(encoding="utf-8")
    # Embedded as it is: "</script" in it would end the script element early.
    if "</script" in code.lower():
        raise ValueError(f"{REDOC} cannot be embedded in a page")
    return code


def html(document: dict[str, Any], *, redoc_src: str | None = None) -> str:
    """The page; `redoc_src`: a URL to load Redoc from instead of embedding it."""
    script = (
        f'<script src="{redoc_src}"></script>' if redoc_src else f"<script>\n{_redoc()}\n</script>"
    )
    return TEMPLATE.format(
        title=_escape(f"{document['info']['title']} {document['info']['version']}"),
        script=script,
        spec=_script_safe(json.dumps(document, ensure_ascii=False)),
        options=json.dumps(OPTIONS),
    )


def _script_safe(json_text: str) -> str:
    # "</script" inside a script element would end it (HTML's rule); in JSON strings
    # "<\\/" reads the same.
    return json_text.replace("</", "<\\/")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
