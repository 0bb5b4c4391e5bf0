"""The OpenAPI description: valid 3.1, every method of the reference, every route of the
app, the reference's example bodies valid against their schemas, and docs/ up to date."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import pytest
from openapi_spec_validator import validate as validate_spec

from chalicelib.reference.openapi import operations
from tests.contract import description
from tests.examples import EXAMPLES

ROOT = Path(__file__).resolve().parents[2]

# The 60 methods of the reference's sections ("{resource} {METHOD}"), smsphone and
# blastsms included.
REFERENCE_METHODS = [
    "session GET",
    *(f"user {m}" for m in ("GET", "POST", "DELETE", "PUT")),
    *(f"phonenumber {m}" for m in ("GET", "POST", "PUT", "DELETE")),
    *(f"smsphone {m}" for m in ("GET", "POST", "DELETE")),
    *(f"huntorder {m}" for m in ("PUT", "POST", "GET", "DELETE")),
    *(f"calltimeexception {m}" for m in ("POST", "DELETE", "GET")),
    *(f"dnd {m}" for m in ("POST", "GET", "DELETE")),
    *(f"blacklist {m}" for m in ("POST", "GET", "DELETE")),
    *(f"email {m}" for m in ("POST", "GET", "DELETE", "PUT")),
    "carriers GET",
    *(f"currency {m}" for m in ("GET", "POST", "PUT", "DELETE")),
    "mouallowed GET",
    "mouallowed POST",
    "mouused GET",
    "mouused DELETE",
    *(f"group {m}" for m in ("POST", "GET", "PUT", "DELETE")),
    "call POST",
    "call GET",
    *(f"autoconference {m}" for m in ("POST", "GET", "PUT", "DELETE")),
    "conference POST",
    "conference PUT",
    *(f"blastvoice {m}" for m in ("POST", "PUT", "GET", "DELETE")),
    *(f"blastsms {m}" for m in ("POST", "PUT", "GET", "DELETE")),
    "ttspreview POST",
    "uidbyemail GET",
]


def test_the_reference_has_60_methods():
    assert len(set(REFERENCE_METHODS)) == 60


def test_the_description_is_valid_openapi_3_1():
    doc = description.document()
    assert doc["openapi"] == "3.1.0"
    validate_spec(doc)


def test_every_method_of_the_reference_is_described():
    described = {op["x-ocp-method"] for _, _, op in operations(description.document())}
    assert set(REFERENCE_METHODS) <= described
    additions = {
        op["x-ocp-method"]
        for _, _, op in operations(description.document())
        if "x-ocp-addition" in op
    }
    assert described - set(REFERENCE_METHODS) == additions
    assert "audioupload POST" in additions


def test_every_route_of_the_app_is_described_with_its_aliases():
    from app import app

    doc = description.document()
    from chalicelib.protocol.routes import PAGES, WEBHOOKS

    served = {
        (path, method.lower())
        for path, entry in app.routes.items()
        if path not in WEBHOOKS  # a carrier's webhooks are no part of the OCP API
        and path not in PAGES  # nor the web console's pages (docs/console.md)
        for method in entry
    }
    listed = set()
    for path, method, _ in operations(doc):
        for spelling in [path, *doc["paths"][path].get("x-ocp-aliases", [])]:
            listed.add((spelling, method))
    assert served - listed == set()
    assert listed - served == set()
    assert doc["paths"]["/phoneNumber"]["x-ocp-aliases"] == ["/phonenumber"]


def test_authentication_is_the_two_steps():
    doc = description.document()
    schemes = doc["components"]["securitySchemes"]
    assert set(schemes) == {"ocpSignature", "ocpSession"}
    for path, method, op in operations(doc):
        if path == "/session":
            assert op["security"] == [{"ocpSignature": []}]
            assert {"100", "101", "102"} <= set(op["responses"]) or "401" in op["responses"]
        elif path in ("/openapi.json", "/docs"):
            assert op["security"] == []
        else:
            assert op["security"] == [{"ocpSession": []}], (path, method)
            assert 102 in op["responses"]["401"]["x-ocp-errors"]


def test_every_error_code_is_under_its_catalogue_status():
    from chalicelib.errors import BUSY, CATALOGUE, TOO_MANY_REQUESTS

    # The one code with a second status: 116 is 429 when it is a request rate, not contention.
    also = {(BUSY, TOO_MANY_REQUESTS)}
    for path, method, op in operations(description.document()):
        for status, response in op["responses"].items():
            for code in response.get("x-ocp-errors", []):
                assert CATALOGUE[code][1] == int(status) or (code, int(status)) in also, (
                    path,
                    method,
                    code,
                )
        # Every route can be asked for a bad `output` (901) and fail inside (500).
        assert 901 in op["responses"]["400"]["x-ocp-errors"], (path, method)
        assert "500" in op["responses"], (path, method)


def test_variables_carry_their_limits():
    doc = description.resolved()
    get = doc["paths"]["/calltimeexception"]["post"]
    form = get["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    assert form["properties"]["startHour"]["maximum"] == 23
    assert form["properties"]["timezone"]["minimum"] == -11
    assert set(form["required"]) >= {"userId", "startHour", "endHour", "day", "phoneNumber"}
    tts = doc["paths"]["/ttspreview"]["post"]["requestBody"]["content"]
    assert tts["application/json"]["schema"]["properties"]["text"]["maxLength"] == 3000
    user = doc["paths"]["/user/{userId}"]["get"]["parameters"][0]
    assert (user["in"], user["required"], user["schema"]["minimum"]) == ("path", True, 1)


def test_the_call_vocabulary_is_the_stores():
    from chalicelib import telephony
    from chalicelib.api import calls as routes
    from chalicelib.store import calls

    assert set(routes.CALL_STATES) == {*calls.LIVE_STATES, *calls.FINAL_STATES}
    results = {v for k, v in vars(telephony).items() if k.isupper() and isinstance(v, str)}
    assert set(routes.ATTEMPT_RESULTS) <= results


# -- the reference's examples against their schemas -------------------------------------------


def _examples():
    return sorted(p.name for p in EXAMPLES.glob("*.xml"))


def _success_schemas(name: str):
    """The success schemas of every operation an example file may belong to."""
    resource, method = name.removesuffix(".xml").split("-")[:2]
    found = []
    for _path, m, op in operations(description.resolved()):
        if m == method.lower() and op["x-ocp-method"] == f"{resource} {method}":
            for status, response in op["responses"].items():
                if int(status) < 300 and "content" in response:
                    found.append((status, response["content"]))
    return found


@pytest.mark.parametrize("name", _examples())
def test_every_example_body_validates_against_its_schema(name):
    """In XML as printed, and as the JSON the same tree is under output=json."""
    schemas = _success_schemas(name)
    assert schemas, f"no operation describes {name}"
    body = (EXAMPLES / name).read_bytes()
    failures = []
    for status, content in schemas:
        schema = description.strict(content["text/xml"]["schema"])
        errors = description.validate_xml(body, schema)
        if not errors:
            as_json = _as_json(body, schema)
            assert (
                description.validate(
                    as_json, description.strict(content["application/json"]["schema"])
                )
                == []
            )
            return
        failures.append((status, errors))
    pytest.fail(f"{name} fits none of its schemas: {failures}")


def _as_json(body: bytes, schema):
    root = ElementTree.fromstring(body)
    for alternative in schema.get("oneOf", [schema]):
        try:
            value = description.from_xml(root, alternative, "/ResponseData")
        except description.XmlMismatch:
            continue
        if not description.validate(value, alternative):
            return json.loads(json.dumps(value))
    raise AssertionError("no alternative")


def test_an_example_out_of_order_does_not_validate():
    schema = description.strict(
        description.resolved()["paths"]["/user/{userId}"]["get"]["responses"]["200"]["content"][
            "text/xml"
        ]["schema"]
    )
    body = (EXAMPLES / "user-GET.xml").read_text()
    swapped = (
        body.replace("<firstName>John</firstName>", "@")
        .replace("<lastName>Doe</lastName>", "<firstName>John</firstName>")
        .replace("@", "<lastName>Doe</lastName>")
    )
    assert description.validate_xml(body, schema) == []
    assert description.validate_xml(swapped, schema) != []


# -- docs/ is what `make openapi` writes ------------------------------------------------------


@pytest.mark.parametrize("name", ["openapi.json", "index.html", "ocp.postman_collection.json"])
def test_docs_are_what_make_openapi_writes(name):
    from chalicelib.reference.__main__ import files

    committed = (ROOT / "docs" / name).read_text(encoding="utf-8")
    assert committed == files(description.document(), ROOT / "docs")[name], (
        f"docs/{name} is out of date: run `make openapi` and commit it"
    )
