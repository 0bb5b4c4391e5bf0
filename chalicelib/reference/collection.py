"""A Postman collection (v2.1) generated from the OpenAPI description.

Postman's format because it is the one most tools import (Postman, Insomnia, Bruno,
Hoppscotch, Thunder Client) and newman runs it headless; its sandbox has MD5, which the
session step needs. The collection's pre-request script signs GET /session
(`{eid}:{gmttime}:{md5(gmttime + secret)}`) and gives every other request the session
header, opening a session on first use, so a user sets only `baseUrl`, `enterpriseId`
and `secret`.

Folders: "Try it" (the README's "Try it with curl" steps, chained: the userId the first
step creates is used by the next ones), then one folder per tag with every operation,
its required variables filled with examples and its optional ones listed but disabled.
Each request checks that its status is one the description documents.
"""

from __future__ import annotations

import re
from typing import Any

from chalicelib.reference.openapi import inlined, operations

SCHEMA = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"

# Runs before every request of the collection.
PREREQUEST = r"""
// Every request but GET /session carries `Basic {enterpriseId}:{sessionId}`; a session
// is opened the first time one is needed and kept 23 hours (sessions live 24).
const eid = pm.variables.get("enterpriseId");
const secret = pm.variables.get("secret");
function signature() {
  const t = Math.floor(Date.now() / 1000).toString();
  return "Basic " + eid + ":" + t + ":" + CryptoJS.MD5(t + secret).toString();
}
function useSession(id) {
  pm.request.headers.upsert({ key: "Authorization", value: "Basic " + eid + ":" + id });
}
const path = pm.request.url.getPath().toLowerCase().replace(/\/+$/, "");
if (path.endsWith("/session")) {
  pm.request.headers.upsert({ key: "Authorization", value: signature() });
} else {
  const id = pm.collectionVariables.get("sessionId");
  const until = Number(pm.collectionVariables.get("sessionUntil") || 0);
  if (id && Date.now() < until && pm.collectionVariables.get("sessionFor") === eid) {
    useSession(id);
  } else {
    pm.sendRequest(
      {
        url: pm.variables.replaceIn("{{baseUrl}}") + "/session?output=json",
        method: "GET",
        header: { Authorization: signature() },
      },
      function (error, response) {
        if (error || response.code !== 200) {
          throw new Error("GET /session failed: " + (error || response.text()));
        }
        const opened = response.json().sessionId;
        pm.collectionVariables.set("sessionId", opened);
        pm.collectionVariables.set("sessionFor", eid);
        pm.collectionVariables.set("sessionUntil", String(Date.now() + 23 * 3600 * 1000));
        useSession(opened);
      }
    );
  }
}
""".strip().splitlines()

# The README's "Try it with curl", step by step: (name, operationId, path parameters,
# query, body, checks run on the response). `{{userId}}` is what step 2 created.
TRY_IT: list[tuple[str, str, dict, dict, dict, list[str]]] = [
    (
        "1. Open a session",
        "open_session",
        {},
        {},
        {},
        [
            'pm.test("a session id", () => pm.expect(pm.response.text())'
            ".to.match(/<sessionId>[0-9a-f]{64}<\\/sessionId>/));"
        ],
    ),
    (
        "2. Create John Doe",
        "create_user",
        {},
        {},
        {
            "firstName": "John",
            "lastName": "Doe",
            "email": "john@example.com",
            "phoneNumber": "3035551212",
            "phoneType": "2",
        },
        [
            "const id = (pm.response.text().match(/<userId>(\\d+)<\\/userId>/) || [])[1];",
            'pm.test("a userId", () => pm.expect(id).to.be.a("string"));',
            'pm.collectionVariables.set("userId", id);',
        ],
    ),
    (
        "3. Get the user (XML)",
        "get_user",
        {"userId": "{{userId}}"},
        {},
        {},
        ['pm.test("XML", () => pm.expect(pm.response.text()).to.include("<firstName>John"));'],
    ),
    (
        "4. Get the user (JSON)",
        "get_user",
        {"userId": "{{userId}}"},
        {"output": "json"},
        {},
        ['pm.test("JSON", () => pm.expect(pm.response.json().user.firstName).to.eql("John"));'],
    ),
    (
        "5. Move the user to Denver",
        "update_user",
        {"userId": "{{userId}}"},
        {"verbose": "1"},
        {"city": "Denver"},
        ['pm.test("ok", () => pm.expect(pm.response.text()).to.include("<status>ok</status>"));'],
    ),
    (
        "6. Find the user by email",
        "uid_by_email",
        {"email": "john@example.com"},
        {},
        {},
        [
            'pm.test("the same userId", () => pm.expect(pm.response.text())'
            '.to.include("<id>" + pm.collectionVariables.get("userId") + "</id>"));'
        ],
    ),
    (
        "7. Delete the user",
        "delete_user",
        {"userId": "{{userId}}"},
        {"verbose": "1"},
        {},
        ['pm.test("ok", () => pm.expect(pm.response.text()).to.include("<status>ok</status>"));'],
    ),
]


def build(document: dict[str, Any]) -> dict[str, Any]:
    document = inlined(document)
    by_id = {op["operationId"]: (path, method, op) for path, method, op in operations(document)}
    try_it = [
        _request(name, *by_id[operation_id], path_values, query, body, checks)
        for name, operation_id, path_values, query, body, checks in TRY_IT
    ]
    folders: dict[str, list[dict[str, Any]]] = {}
    for path, method, op in by_id.values():
        folders.setdefault(op["tags"][0], []).append(
            _request(op["summary"], path, method, op, {}, {}, {}, [], explicit=False)
        )
    return {
        "info": {
            "name": f"{document['info']['title']} {document['info']['version']}",
            "description": "Generated from the OpenAPI description (`make openapi`). Set "
            "the collection variables `baseUrl` (no trailing slash), `enterpriseId` and "
            "`secret`: the session is opened and sent for you. Run the folder "
            '"Try it" first.',
            "schema": SCHEMA,
        },
        "variable": [
            {"key": "baseUrl", "value": "http://127.0.0.1:8000"},
            {"key": "enterpriseId", "value": "1"},
            {"key": "secret", "value": "56789"},
            {"key": "userId", "value": "1"},
        ],
        "event": [
            {"listen": "prerequest", "script": {"type": "text/javascript", "exec": PREREQUEST}}
        ],
        "item": [
            {
                "name": "Try it",
                "description": 'The README\'s "Try it with curl", step by step.',
                "item": try_it,
            },
            *({"name": tag, "item": items} for tag, items in folders.items()),
        ],
    }


def _request(
    name: str,
    path: str,
    method: str,
    op: dict[str, Any],
    path_values: dict[str, str],
    query: dict[str, str],
    body: dict[str, str],
    checks: list[str],
    *,
    explicit: bool = True,
) -> dict[str, Any]:
    """One request: with `explicit`, exactly the values given (a step of "Try it");
    otherwise every required variable with an example and the others disabled."""
    segments = [
        ":" + m.group(1) if (m := re.fullmatch(r"{([^}]+)}", part)) else part
        for part in path.strip("/").split("/")
    ]
    variables = [
        {
            "key": p["name"],
            "value": path_values.get(p["name"], _example(p)),
            "description": p.get("description", ""),
        }
        for p in op.get("parameters", [])
        if p.get("in") == "path"
    ]
    query_items = []
    for p in op.get("parameters", []):
        if p.get("in") != "query":
            continue
        use = p["name"] in query if explicit else p.get("required", False)
        query_items.append(
            {
                "key": p["name"],
                "value": query.get(p["name"], _example(p)),
                "description": p.get("description", ""),
                "disabled": not use,
            }
        )
    request: dict[str, Any] = {
        "method": method.upper(),
        "header": [],
        "url": {
            "raw": "{{baseUrl}}/" + "/".join(segments) + _query_string(query_items),
            "host": ["{{baseUrl}}"],
            "path": segments,
            "variable": variables,
            "query": query_items,
        },
        "description": op.get("description", op["summary"]),
    }
    form = _form(op, body, explicit)
    if form is not None:
        request["body"] = {"mode": "urlencoded", "urlencoded": form}
    statuses = sorted(int(s) for s in op["responses"])
    item: dict[str, Any] = {"name": name, "request": request}
    item["event"] = [
        {
            "listen": "test",
            "script": {
                "type": "text/javascript",
                "exec": [
                    f'pm.test("a documented status", () => pm.expect({statuses})'
                    ".to.include(pm.response.code));",
                    *checks,
                ],
            },
        }
    ]
    return item


def _form(op: dict[str, Any], body: dict[str, str], explicit: bool) -> list[dict[str, Any]] | None:
    content = op.get("requestBody", {}).get("content", {})
    schema = content.get("application/x-www-form-urlencoded", {}).get("schema")
    if schema is None:
        return None
    required = set(schema.get("required", []))
    out = []
    for name, prop in schema["properties"].items():
        use = name in body if explicit else name in required
        out.append(
            {
                "key": name,
                "value": body.get(name, _example({"name": name, "schema": prop})),
                "description": prop.get("description", ""),
                "disabled": not use,
            }
        )
    return out


# Values for text variables the description gives no example of.
TEXT_EXAMPLES = {
    "firstName": "John",
    "lastName": "Doe",
    "text": "Hello from OCP",
    "groupName": "Family Members",
    "terminationValue": "3035551212",
    "filename": "hello.mp3",
    "city": "Denver",
}


def _example(parameter: dict[str, Any]) -> str:
    name = parameter["name"]
    if name == "userId":
        return "{{userId}}"
    if name in TEXT_EXAMPLES:
        return TEXT_EXAMPLES[name]
    schema = parameter.get("schema", {})
    if "examples" in schema:
        return str(schema["examples"][0])
    if "enum" in schema:
        return str(schema["enum"][0])
    if "default" in schema:
        return str(schema["default"])
    if schema.get("format") == "email":
        return "john@example.com"
    if schema.get("type") in ("integer", "number"):
        return str(schema.get("minimum", 1))
    return ""


def _query_string(items: list[dict[str, Any]]) -> str:
    enabled = [f"{i['key']}={i['value']}" for i in items if not i.get("disabled")]
    return "?" + "&".join(enabled) if enabled else ""
