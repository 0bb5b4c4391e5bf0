"""TwiML as the webhooks answer it: `response(verb(...), ...)`. Attribute values are
written as given (booleans as true/false); text is escaped by ElementTree."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

CONTENT_TYPE = "text/xml"


def verb(name: str, text: str | None = None, *children: ET.Element, **attrs: Any) -> ET.Element:
    element = ET.Element(name, {k: _attr(v) for k, v in attrs.items() if v is not None})
    if text is not None:
        element.text = text
    element.extend(children)
    return element


def response(*verbs: ET.Element) -> str:
    root = ET.Element("Response")
    root.extend(verbs)
    return '<?xml version="1.0" encoding="UTF-8"?>' + ET.tostring(root, encoding="unicode")


def _attr(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
