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
- `positive_data_acceptance`: a valid request may name a user, group or call that does
  not exist, which is a documented 404, not a failure.
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

import json
import os

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


CHECKS = [
    not_a_server_error,
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
