"""Checking a response against the OpenAPI description (chalicelib/openapi.py).

The description's schemas serve both formats: JSON bodies are validated as they are;
XML bodies are read into the same tree, guided by the schema's `xml` names (a wrapped
array is a container of repeated children, an unwrapped one the element repeated), with
the elements' order checked against the order the schema lists them in (2008 clients
read them in order). `strict` schemas also refuse elements the description does not
name, so a route cannot grow an undocumented field.

Used by tests/api (every response of the API tests), the schemathesis pass and the
examples test.
"""

from __future__ import annotations

import copy
import json
import re
from functools import lru_cache
from typing import Any
from xml.etree import ElementTree

from jsonschema import Draft202012Validator

from chalicelib.reference.openapi import operations


@lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    import app  # noqa: F401 (registers the routes)
    from chalicelib.reference import openapi

    return openapi.build()


@lru_cache(maxsize=1)
def resolved() -> dict[str, Any]:
    """The description with every `$ref` replaced by what it names."""
    from chalicelib.reference import openapi

    return openapi.inlined(document())


@lru_cache(maxsize=1)
def _templates() -> list[tuple[re.Pattern, str]]:
    """(pattern, printed path) for every path and alias, fixed segments before parameters."""
    out = []
    for path, item in resolved()["paths"].items():
        for spelling in [path, *item.get("x-ocp-aliases", [])]:
            pattern = re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(spelling))
            out.append((re.compile(f"^{pattern}/?$"), path, spelling.count("{")))
    return [(p, path) for p, path, _ in sorted(out, key=lambda t: t[2])]


def operation_of(method: str, url_path: str) -> tuple[str, dict[str, Any]] | None:
    """The printed path and the operation serving a request, if the description has one."""
    path = url_path.split("?")[0]
    for pattern, printed in _templates():
        if pattern.match(path):
            op = resolved()["paths"][printed].get(method.lower())
            if op is not None:
                return printed, op
    return None


def problems(method: str, url_path: str, status: int, content_type: str, body: bytes) -> list[str]:
    """What is wrong with a response, by the description (empty: it conforms)."""
    found = operation_of(method, url_path)
    if found is None:
        return []  # not an operation of the description (405s, unknown paths)
    printed, op = found
    where = f"{method.upper()} {printed} -> {status}"
    response = op["responses"].get(str(status))
    if response is None:
        return [f"{where}: status not documented ({sorted(op['responses'])})"]
    if not body:
        if "content" in response and status >= 300:
            return [f"{where}: an error without a body"]
        if "content" in response and not response.get("x-ocp-verbose-only"):
            return [f"{where}: an empty body, but the description has one"]
        return []
    if "content" not in response:
        return [f"{where}: a body, but the description has none: {body[:200]!r}"]
    media = content_type.split(";")[0].strip()
    if media not in response["content"]:
        return [f"{where}: content type {media!r}, documented {sorted(response['content'])}"]
    if media not in ("application/json", "text/xml"):
        return []  # the HTML of /docs: not an OCP body
    schema = strict(response["content"][media]["schema"])
    try:
        value = json.loads(body) if media == "application/json" else None
    except ValueError:
        return [f"{where}: not JSON: {body[:200]!r}"]
    errors = validate(value, schema) if media == "application/json" else validate_xml(body, schema)
    return [f"{where}: {e}" for e in errors]


def validate(value: Any, schema: dict[str, Any]) -> list[str]:
    validator = Draft202012Validator(schema)
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
        for e in validator.iter_errors(value)
    ]


def validate_xml(body: bytes | str, schema: dict[str, Any]) -> list[str]:
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as e:
        return [f"not XML: {e}"]
    if root.tag != "ResponseData":
        return [f"root <{root.tag}>, not <ResponseData>"]
    alternatives = schema.get("oneOf", [schema])
    found: list[str] = []
    for alternative in alternatives:
        try:
            value = from_xml(root, alternative, "/ResponseData")
        except XmlMismatch as e:
            found.append(str(e))
            continue
        errors = validate(value, alternative)
        if not errors:
            return []
        found += errors
    return found


class XmlMismatch(Exception):
    pass


def from_xml(element: ElementTree.Element, schema: dict[str, Any], where: str) -> Any:
    """The JSON value the schema reads the element as."""
    kinds = schema.get("type", "object")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    children = list(element)
    text = (element.text or "").strip()
    if "object" in kinds:
        if not children and not text and "null" in kinds:
            return None
        return _object(children, schema, where)
    if children:
        raise XmlMismatch(f"{where}: has child elements, the description has a {kinds}")
    if not text and "null" in kinds:
        return None
    for kind in kinds:
        if kind == "integer" and re.fullmatch(r"-?[0-9]+", text):
            return int(text)
        if kind == "number" and re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", text):
            return float(text) if "." in text else int(text)
    return element.text or ""


def _object(children: list[ElementTree.Element], schema: dict[str, Any], where: str) -> Any:
    properties = schema.get("properties", {})
    out: dict[str, Any] = {}
    order = list(properties)
    last = -1
    i = 0
    while i < len(children):
        tag = children[i].tag
        prop = properties.get(tag)
        if prop is None:
            out[tag] = (children[i].text or "").strip()  # refused by a strict schema
            i += 1
            continue
        position = order.index(tag)
        if position < last:
            raise XmlMismatch(f"{where}: <{tag}> comes after <{order[last]}>; order is {order}")
        last = position
        if prop.get("type") == "array" and not prop.get("xml", {}).get("wrapped"):
            run = []
            while i < len(children) and children[i].tag == tag:
                run.append(from_xml(children[i], prop["items"], f"{where}/{tag}"))
                i += 1
            out[tag] = run
            continue
        if tag in out:
            raise XmlMismatch(f"{where}: <{tag}> twice")
        if prop.get("type") == "array":
            item = prop["items"]
            name = item.get("xml", {}).get("name", tag)
            items = []
            for child in children[i]:
                if child.tag != name:
                    raise XmlMismatch(f"{where}/{tag}: <{child.tag}> where <{name}> repeats")
                items.append(from_xml(child, item, f"{where}/{tag}/{name}"))
            out[tag] = items
        else:
            out[tag] = from_xml(children[i], prop, f"{where}/{tag}")
        i += 1
    for name, prop in properties.items():
        # An element repeated no times is absent in XML; JSON has the empty array.
        if (
            name not in out
            and prop.get("type") == "array"
            and not prop.get("xml", {}).get("wrapped")
        ):
            out[name] = []
    return out


def strict(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema refusing properties it does not name (in this project's tests only:
    the published description leaves clients free to meet additions)."""
    schema = copy.deepcopy(schema)
    _close(schema)
    return schema


def _close(node: Any) -> None:
    if isinstance(node, dict):
        if "properties" in node:
            node.setdefault("additionalProperties", False)
        for value in node.values():
            _close(value)
    elif isinstance(node, list):
        for value in node:
            _close(value)


def strict_responses(document: dict[str, Any]) -> dict[str, Any]:
    """The description with every response schema strict (request schemas unchanged)."""
    document = copy.deepcopy(document)
    for _path, _method, op in operations(document):
        for response in op.get("responses", {}).values():
            for media in response.get("content", {}).values():
                _close(media["schema"])
    return document
