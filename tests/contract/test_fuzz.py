"""Contract fuzzing: schemathesis generates requests for every operation of the OpenAPI
description and sends them to a running stack (`make run`'s: moto's server and
`chalice local`), checking every response:

- no 5xx (`not_a_server_error`);
- its status is documented (`status_code_conformance`), its content type is one the
  description lists for it (`content_type_conformance`), and its body conforms to the
  schema: JSON by schemathesis (`response_schema_conformance`), XML and JSON strictly by
  `description.problems` (element order, no undocumented element, the error codes listed
  for the operation);
- every 4xx/5xx is an OCP error body (`ocp_error_body`), even where the description has
  no operation (an unknown path, a method a path does not have);
- an operation behind a session refuses a request without one (`ignored_auth`).

Checks left out, each for a reason:
- `negative_data_rejection`: the reference's sanitisers accept what a strict schema
  refuses ("numeric" keeps the digits: `userId=Test5` is 5; "string" strips tags), so a
  value outside the schema is often, rightly, accepted.
- `positive_data_acceptance` as schemathesis has it (by status): a valid request may name
  a user, group or call that does not exist, which is a documented 404. Its OCP form is
  `refused_only_for_state` below: a schema-valid request is accepted or refused for the
  state of the data, never with a code that says its shape was wrong, but for the rules
  the description states in words (listed there).
- `use_after_free`, `ensure_resource_availability`: they assume REST resources that POST
  creates at the path GET reads; the reference's resources are addressed by variables
  (`userId=`), so they have nothing to follow.
- `missing_required_header`, `unsupported_method`: no operation declares a header, and a
  method a path lacks is covered by `ocp_error_body` (405 with code 901).

Bounded: FUZZ_EXAMPLES examples per operation and mode (environment `OCP_FUZZ_EXAMPLES`;
`make fuzz` runs a deeper pass). Not generated: blastvoice's `url` and `statusCallback`
(OUTBOUND), since the stack would fetch from or post to a generated public address, and
tests never reach the internet; media/fetch.py and the callbacks have their own tests.
"""

from __future__ import annotations

import functools
import json
import os
import re
import time

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_schema_conformance,
    status_code_conformance,
)

from chalicelib.reference.openapi import operations
from tests.contract import description

FUZZ_EXAMPLES = int(os.environ.get("OCP_FUZZ_EXAMPLES", "8"))
# Variables naming a URL the stack fetches (blastvoice `url`) or posts events to
# (`statusCallback`): a generated public address would be reached for real.
OUTBOUND = ("url", "statusCallback")

pytestmark = pytest.mark.xdist_group("stack")


@pytest.fixture(scope="session")
def fuzz_schema(stack):
    doc = description.strict_responses(description.resolved())
    doc["servers"] = [{"url": stack.base}]
    # Addresses the stack would reach out to: never generated (see the module's docstring).
    for item in doc["paths"].values():
        for method in ("post", "put"):
            for content in item.get(method, {}).get("requestBody", {}).get("content", {}).values():
                for name in OUTBOUND:
                    content["schema"]["properties"].pop(name, None)
    schema = schemathesis.openapi.from_dict(doc)
    schema.config.update(base_url=stack.base)
    _seed_users(stack)
    return schema


def _seed_users(stack) -> None:
    """A few users, so that generated userIds (small integers first) reach real ones."""
    import requests

    auth = {"Authorization": stack.session()}
    for n in range(3):
        requests.post(
            f"{stack.base}/user",
            data={
                "firstName": "Fuzz",
                "lastName": f"User{n}",
                "email": f"fuzz{n}@example.com",
                "phoneNumber": f"30355512{n:02d}",
                "phoneType": "2",
            },
            headers=auth,
            timeout=30,
        ).raise_for_status()


@pytest.fixture(scope="session")
def session_header(stack) -> str:
    return stack.session()


@schemathesis.check
def ocp_error_body(ctx, response, case) -> bool | None:
    """Every failure is an OCP error body: `<errors><error><code>` in XML, or JSON's
    `{"errors": [{"code": ..., "message": ...}]}`, in the format asked for."""
    if response.status_code < 400:
        return None
    media = (response.headers.get("content-type") or [""])[0].split(";")[0]
    body = response.content or b""
    from chalicelib.reference.openapi import error_schema

    schema = error_schema(sorted(_all_codes()))
    if media == "application/json":
        errors = description.validate(json.loads(body or b"null"), schema)
    elif media == "text/xml":
        errors = description.validate_xml(body, schema)
    else:
        errors = [f"content type {media!r}"]
    if errors:
        raise AssertionError(f"not an OCP error body ({errors}): {body[:300]!r}")
    return True


@schemathesis.check
def described_exactly(ctx, response, case) -> bool | None:
    """The body conforms to the description in XML too, with its elements in order."""
    found = description.problems(
        case.method,
        case.formatted_path,
        response.status_code,
        (response.headers.get("content-type") or [""])[0],
        response.content or b"",
    )
    if found:
        raise AssertionError("\n".join(found))
    return True


def _all_codes() -> set[int]:
    from chalicelib.errors import CATALOGUE

    return set(CATALOGUE)


def _operations() -> list:
    return [
        pytest.param(path, method, id=f"{method.upper()} {path}")
        for path, method, _ in operations(description.document())
    ]


@schemathesis.check
def no_server_error(ctx, response, case) -> bool | None:
    """`not_a_server_error`, but for the refusals RULINGS answers with 500 as the reference
    does: 307, a blast that has already started, and 304 on an autoconference that has
    already fired (changing or deleting it). A valid request reaches them once the
    description lets the generator create blasts and conferences that start."""
    if response.status_code == 500:
        codes = set(_errors(response))
        state = {307} | ({304} if "autoconference" in case.path else set())
        if codes and {code for code, _ in codes} <= state:
            return True
    return not_a_server_error(ctx, response, case)


CHECKS = [
    no_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    ignored_auth,
    ocp_error_body,
    described_exactly,
]


@pytest.mark.parametrize(
    "mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value
)
@pytest.mark.parametrize(("path", "method"), _operations())
def test_every_operation_conforms(path, method, mode, fuzz_schema, stack, session_header):
    operation = fuzz_schema[path][method.upper()]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=FUZZ_EXAMPLES,
        deadline=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def run(case):
        signed = path == "/session"
        headers = {"Authorization": stack.signature() if signed else session_header}
        case.call_and_validate(headers=headers, timeout=60, checks=CHECKS)

    run()


# The codes that say a request is malformed: a request valid by the description must never
# get one (schemathesis's positive_data_acceptance, with OCP's notion of "refused for its
# shape": a valid request may still name a user, group or call that does not exist, be a
# duplicate, or lose a race, which are refusals for the state of the data).
SHAPE_CODES = frozenset({301, 302, 900, 901, 902, 903, 912, 913, 915, 916, 917, 918, 920, 921})
POSITIVE_EXAMPLES = int(os.environ.get("OCP_FUZZ_POSITIVE_EXAMPLES", "6"))
# What the description states in words, not in a schema (each named in the field's
# description), so a schema-valid request may still be refused with these, and only these:
# - 900 for a variable required only with or without another (`When`: "required unless
#   all=1"), since parameters of a query cannot depend on each other;
# - 920 for an international number its country's numbering plan does not have (no
#   pattern holds phonenumbers' tables; domestic numbers are exact);
# - 915 for an email at a special-use domain (email-validator: .test, .local, ...);
# - 916 for a time past the scheduling horizon (a bound that moves with the clock);
# - 902 on `callId` for a call that does not exist (the reference's code for it);
# - a value whose type another variable gives (`terminationValue`, `destinationValue`: an
#   id, an email or a phone by `terminationType`), a list whose length must match another
#   list's (`phoneType`, `carrierId`: one for all numbers or one each), and an uploaded
#   file's type (`audioFile`: mp3 or wma, by its name and content);
# - 900 for `phoneType` where it is needed only for a number new to the user (a rule on
#   the data: the same request is complete for a number the user has).
SPECIAL_USE = ("test", "local", "invalid", "localhost", "example", "onion", "arpa", "home")
NANP = re.compile(r"(\+?1 ?)?[2-9][0-9]{2}[2-9][0-9]{6}")
# 902 for the state of the data, or for a rule the description states in words: a page
# token that no page gave (opaque by design), a /usage range over 366 days (from and to
# together), a calling window past midnight (its start after its end).
STATE_902 = {"callId", "audioFile", "pageToken", "to", "callingWindow"}
STATE_REQUIRED = {"phoneType"}
TYPED_BY_ANOTHER = {"terminationValue", "destinationValue"}
COUNTED_BY_ANOTHER = {"phoneType", "carrierId", "destinationValue"}


def _errors(response) -> list[tuple[int, str]]:
    media = (response.headers.get("content-type") or [""])[0].split(";")[0]
    body = response.content or b""
    if media == "application/json":
        found = json.loads(body or b"{}").get("errors", [])
        return [(int(e["code"]), str(e.get("message", ""))) for e in found]
    from xml.etree import ElementTree

    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        return []
    return [(int(e.findtext("code") or 0), e.findtext("message") or "") for e in root.iter("error")]


@functools.cache
def _conditional() -> dict[tuple[str, str], frozenset[str]]:
    """Per operation, the variables required only under a condition on others."""
    from chalicelib.protocol.params import TypedDestinations, When
    from chalicelib.protocol.routes import OPERATIONS

    return {
        (op.method.upper(), op.path): frozenset(
            name.lower()
            for f in op.variables
            # a type and a value: one given without the other is 900
            if isinstance(f.required, When)
            or f.when is not None
            or (isinstance(f, TypedDestinations) and f.required is not True)
            for name in f.names
        )
        for op in OPERATIONS
    }


def _said_in_words(case, code: int, message: str) -> bool:
    value = message[message.find("(") + 1 : message.rfind(")")] if "(" in message else ""
    name = message.split(" ", 1)[0]
    if name in TYPED_BY_ANOTHER and code in (902, 913, 915, 920, 922):
        return True
    if name in COUNTED_BY_ANOTHER and code == 902 and "," in value:
        return True
    if code == 900 and name in STATE_REQUIRED:
        return True
    if code == 900:
        conditional = _conditional().get((case.method.upper(), case.path), frozenset())
        return name.lower() in conditional
    if code == 920:
        return not NANP.fullmatch(value.strip())
    if code == 915:
        return value.rsplit(".", 1)[-1].lower() in SPECIAL_USE
    if code == 916:
        try:
            return float(value) > time.time()
        except ValueError:
            return False
    if code == 902:
        return name in STATE_902
    return False


@schemathesis.check
def refused_only_for_state(ctx, response, case) -> bool | None:
    """A schema-valid request is accepted, or refused for the state of the data (1xx,
    303-308, 922-923, 97x), never for its shape (the 9xx of reading, 301, 302), but for
    what the description says in words (above)."""
    if response.status_code < 400:
        return None
    shape = [
        (code, message)
        for code, message in _errors(response)
        if code in SHAPE_CODES and not _said_in_words(case, code, message)
    ]
    if shape:
        raise AssertionError(
            f"a request valid by the description was refused for its shape: {shape}"
        )
    return True


@pytest.mark.parametrize(("path", "method"), _operations())
def test_a_valid_request_is_refused_only_for_state(
    path, method, fuzz_schema, stack, session_header
):
    operation = fuzz_schema[path][method.upper()]

    @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
    @settings(
        max_examples=POSITIVE_EXAMPLES,
        deadline=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def run(case):
        signed = path == "/session"
        headers = {"Authorization": stack.signature() if signed else session_header}
        case.call_and_validate(headers=headers, timeout=60, checks=[refused_only_for_state])

    run()
