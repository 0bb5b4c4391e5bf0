"""Idempotency-Key (docs/callbacks-and-idempotency.md): the first request with a key does the work
and keeps its response; the same key and variables replay it byte for byte; other
variables are 970; a key in progress is waited for, then 971; keys never cross
enterprises; a 5xx or a crashed request does not hold the key."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from chalicelib import clock, settings
from tests.api.people import JOHN, fails, new_user, ok, other_enterprise
from tests.concurrency import at_once, atomic_dynamodb  # noqa: F401 (fixture)
from tests.examples import xml

KEY = "order-7a9c41"
TEXT = "John Doe is calling. Press 1 to accept."


@pytest.fixture
def john(api) -> int:
    return new_user(api, phoneNumber="7202108298")


def keyed(key: str = KEY, **more: str) -> dict:
    return {"Idempotency-Key": key, **more}


def call(api, john: int, key: str = KEY, **more):
    body = {"userId": john, "origination": f"1:{john}", "destination": "3:7209814345", "text": TEXT}
    return api.post("/call", {**body, **more}, headers=keyed(key))


def calls_placed() -> list[int]:
    from chalicelib.store.models import Call

    return sorted(int(c.call_id) for c in Call.scan() if c.kind == "call")


def started_executions() -> int:
    from chalicelib.store import aws

    sfn = aws.client("stepfunctions")
    return len(sfn.list_executions(stateMachineArn=aws.state_machine_arn())["executions"])


# -- replays ---------------------------------------------------------------------------


def test_a_retried_call_post_dials_once_and_replays_the_response_byte_for_byte(api, john):
    # Given a call POST with a key
    first = call(api, john)
    ok(first, 201)
    # When the client retries it (its first attempt timed out, say)
    again = call(api, john)
    # Then the same response comes back, byte for byte, and nothing is dialed again
    assert (again.status_code, again.body, again.headers["Content-Type"]) == (
        first.status_code,
        first.body,
        first.headers["Content-Type"],
    )
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert calls_placed() == [int(xml(first.body).findtext("callId"))]
    assert started_executions() == 1


def test_a_replay_keeps_the_format_of_the_first_answer(api, john):
    first = call(api, john, output="json")
    again = call(api, john, output="json")
    assert (again.body, again.headers["Content-Type"]) == (
        first.body,
        "application/json; charset=utf-8",
    )


def test_the_variables_may_come_in_another_order_or_place(api, john):
    first = call(api, john)
    body = {"text": TEXT, "destination": "3:7209814345", "origination": f"1:{john}"}
    again = api.post(f"/call?userId={john}", body, headers=keyed())
    assert again.body == first.body
    assert len(calls_placed()) == 1


def test_a_user_post_retried_creates_one_user(api):
    person = {
        "firstName": "Ann",
        "lastName": "Lee",
        "email": "ann@example.com",
        "phoneNumber": "3035551212",
        "phoneType": "2",
    }
    first = api.post("/user", person, headers=keyed())
    again = api.post("/user", person, headers=keyed())
    # Without the key the second would be 103 (the email exists): with it, the first answer
    assert (first.status_code, again.body) == (200, first.body)


def test_a_client_error_of_the_work_is_kept_and_replayed_too(api, john):
    # Given a call to a destination who blacklisted John: the work refuses it (303)
    jane = new_user(api, email="jane@example.com", phoneNumber="7209814345")
    listing = {"userId": jane, "terminationType": "1", "terminationValue": john}
    ok(api.post("/blacklist", listing), 201)
    first = call(api, john, destination=f"1:{jane}")
    fails(first, 403, 303)
    # When Jane lifts the blacklist and the client retries with the same key
    ok(api.delete(f"/blacklist?{urlencode(listing)}"))
    again = call(api, john, destination=f"1:{jane}")
    # Then it gets the first answer again: the same request fails the same way
    assert (again.status_code, again.body) == (403, first.body)
    assert again.headers.get("Idempotent-Replayed") == "true"


def test_variables_that_fail_reading_claim_nothing_so_the_corrected_request_works(api):
    # Given a user POST missing its required variables, with a key
    first = api.post("/user", {"firstName": "Ann"}, headers=keyed())
    fails(first, 400, 900, 900, 900, 900)
    # When the client corrects it and retries with the same key
    again = api.post("/user", {**JOHN, "firstName": "Ann"}, headers=keyed())
    # Then the corrected request does the work (no 970): nothing was done the first time
    ok(again)
    assert xml(again.body).findtext("userId")


def test_a_retried_blast_rings_its_recipients_once(api, john):
    from chalicelib.store.models import Blast

    blast = {
        "userId": john,
        "origination": "3:7202108298",
        "destination": "3:3035551212,3:3035550150",
        "text": "Practice moved",
    }
    first = api.post("/blastvoice", blast, headers=keyed())
    again = api.post("/blastvoice", blast, headers=keyed())
    ok(first, 201)
    assert again.body == first.body
    assert [int(b.blast_id) for b in Blast.scan()] == [int(xml(first.body).findtext("blastid"))]


def test_currency_put_with_a_key_adds_once(api, john):
    api.put("/currency", {"userId": john, "amount": "2.50"}, headers=keyed("add-1"))
    api.put("/currency", {"userId": john, "amount": "2.50"}, headers=keyed("add-1"))
    api.put("/currency", {"userId": john, "amount": "2.50"}, headers=keyed("add-2"))
    assert xml(api.get(f"/currency?userId={john}").body).findtext("amount") == "5.00"


# -- refusals ------------------------------------------------------------------------------


def test_the_key_with_other_variables_is_refused_and_nothing_is_done(api, john):
    ok(call(api, john), 201)
    other = call(api, john, text="Another announcement")
    fails(other, 422, 970)
    assert b"was already used with other variables" in other.body
    assert len(calls_placed()) == 1


def test_the_key_on_another_route_is_other_variables(api, john):
    ok(call(api, john), 201)
    fails(api.post("/ttspreview", {"userId": john, "text": "Hi"}, headers=keyed()), 422, 970)


def test_the_refusal_is_in_the_format_asked_for(api, john):
    ok(call(api, john), 201)
    response = call(api, john, text="Other", output="json")
    assert response.headers["Content-Type"].startswith("application/json")
    assert b'"code":970' in response.body


@pytest.mark.parametrize(
    "key,code",
    [("x" * 256, 903), ("   ", 903), ("caf\u00e9", 902), ("tab\there", 902)],
)
def test_keys_are_1_to_255_printable_ascii_characters(api, john, key, code):
    fails(call(api, john, key=key), 400, code)
    assert calls_placed() == []


def test_a_key_of_255_characters_is_taken(api, john):
    ok(call(api, john, key="k" * 255), 201)


# -- enterprises ------------------------------------------------------------------------------


def test_keys_do_not_cross_enterprises(api, app_client, john):
    # Given enterprise 1's call with a key
    first = call(api, john)
    # When enterprise 2 uses the same key with the same variables
    two = other_enterprise(app_client)
    second = call(two, john)
    # Then it gets a call of its own, not enterprise 1's answer
    ok(second, 201)
    assert second.body != first.body
    assert len(calls_placed()) == 2


# -- at the same moment -------------------------------------------------------------------------


def test_twenty_concurrent_requests_with_one_key_place_one_call(api, john, atomic_dynamodb):
    responses = at_once([lambda: call(api, john)] * 20)
    answered = [r for r in responses if r.status_code == 201]
    # Every request either got the one call's response or was told to retry (971)
    assert {r.status_code for r in responses} <= {201, 409}
    assert {r.body for r in answered} == {answered[0].body}
    assert len(calls_placed()) == 1
    assert started_executions() == 1


def test_a_key_in_progress_is_waited_for_then_refused_as_retryable(api, john, tuned):
    from chalicelib.protocol.idempotency import fingerprint
    from chalicelib.protocol.params import from_request
    from chalicelib.store import idempotency

    tuned(OCP_IDEMPOTENCY_WAIT_SECONDS="0.3")
    # Given the same request in progress elsewhere (its claim, no response yet)
    variables = from_request(
        {},
        {},
        f"userId={john}&origination=1:{john}&destination=3:7209814345&text={TEXT}".encode(),
    )
    assert (
        idempotency.claim(1, KEY, fingerprint("POST", "/call", variables), "other", clock.now())
        is None
    )
    # When it is retried while the first is still working
    response = call(api, john)
    # Then it is 971 (409), to retry with the same key; nothing was dialed
    fails(response, 409, 971)
    assert b"is in progress" in response.body
    assert calls_placed() == []


def test_a_claim_whose_request_died_is_taken_over_once_its_lease_passes(api, john, tuned):
    from chalicelib.store import idempotency

    tuned(OCP_IDEMPOTENCY_WAIT_SECONDS="0")
    with clock.frozen(clock.now()):
        idempotency.claim(1, KEY, "fingerprint of the dead request", "dead", clock.now())
        fails(call(api, john), 422, 970)  # still leased: it holds the key
        clock.advance(settings.get().idempotency_lease_seconds)
        ok(call(api, john), 201)  # the lease passed: the key is this request's
    assert len(calls_placed()) == 1


def test_a_server_error_releases_the_key_and_a_retry_does_the_work(api, john, monkeypatch):
    from chalicelib.errors import OcpError
    from chalicelib.workflows import calls

    def broken(*args, **kwargs):
        raise OcpError(304)

    monkeypatch.setattr(calls, "place", broken)
    fails(call(api, john), 500, 304)
    monkeypatch.undo()
    ok(call(api, john), 201)
    assert len(calls_placed()) == 1


def test_a_key_is_kept_for_its_time_to_live_only(api, john, tuned):
    assert settings.get().idempotency_ttl_seconds == 24 * 3600
    tuned(OCP_IDEMPOTENCY_TTL_SECONDS="600")  # the session would not outlive a day
    with clock.frozen(clock.now()):
        first = call(api, john)
        clock.advance(599)
        assert call(api, john).body == first.body
        clock.advance(1)
        again = call(api, john)
    assert again.body != first.body
    assert len(calls_placed()) == 2


# -- requests without the key, routes without it --------------------------------------------------


def test_without_the_header_each_request_does_the_work(api, john):
    body = {"userId": john, "origination": f"1:{john}", "destination": "3:7209814345", "text": TEXT}
    ok(api.post("/call", body), 201)
    ok(api.post("/call", body), 201)
    assert len(calls_placed()) == 2


def test_routes_that_change_nothing_ignore_the_header(api, john):
    first = api.get(f"/user/{john}", headers=keyed())
    api.put(f"/user/{john}", {"city": "Denver"})
    again = api.get(f"/user/{john}", headers=keyed())
    assert b"Denver" in again.body and again.body != first.body


def test_a_response_that_cannot_be_kept_is_still_answered(api, john, monkeypatch):
    from chalicelib.store import idempotency

    def broken(*args, **kwargs):
        raise RuntimeError("DynamoDB is unavailable")

    monkeypatch.setattr(idempotency, "record", broken)
    # The call was placed: the client is told so, not given a 500 to retry into a second one
    ok(call(api, john), 201)
    assert len(calls_placed()) == 1
