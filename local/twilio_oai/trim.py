"""Trim Twilio's OpenAPI description of api.twilio.com/2010-04-01 (1.8 MB) to the
operations the adapter sends, with every component they reference (README.md):

    python -m local.twilio_oai.trim twilio_api_v2010.json > local/twilio_oai/twilio_api_v2010.json
"""

from __future__ import annotations

import json
import sys

ACCOUNT = "/2010-04-01/Accounts/{AccountSid}/"
KEPT = {
    ACCOUNT + "Calls.json": ["post"],
    ACCOUNT + "Calls/{Sid}.json": ["post"],
    ACCOUNT + "Conferences.json": ["get"],
    ACCOUNT + "Conferences/{Sid}.json": ["post"],
    ACCOUNT + "Conferences/{ConferenceSid}/Participants.json": ["post"],
    ACCOUNT + "Messages.json": ["post"],
}


def refs(node: object) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        for value in node.values():
            found |= refs(value)
        return found
    if isinstance(node, list):
        return set().union(*(refs(v) for v in node)) if node else set()
    return set()


def trim(doc: dict) -> dict:
    paths = {
        path: {
            k: v
            for k, v in doc["paths"][path].items()
            if k in methods or k in ("servers", "description")
        }
        for path, methods in KEPT.items()
    }
    wanted: set[str] = set()
    todo = refs(paths)
    while todo:
        ref = todo.pop()
        if ref in wanted:
            continue
        wanted.add(ref)
        _, _, kind, name = ref.split("/", 3)
        todo |= refs(doc["components"][kind][name])
    components: dict = {}
    for ref in sorted(wanted):
        _, _, kind, name = ref.split("/", 3)
        components.setdefault(kind, {})[name] = doc["components"][kind][name]
    components["securitySchemes"] = doc["components"].get("securitySchemes", {})
    return {
        "openapi": doc["openapi"],
        "info": doc["info"],
        "servers": doc.get("servers", []),
        "security": doc.get("security", []),
        "paths": paths,
        "components": components,
    }


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        json.dump(trim(json.load(f)), sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
