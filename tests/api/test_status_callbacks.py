"""Status callbacks (docs/callbacks-and-idempotency.md): statusCallback on call, autoconference,
conference, blastvoice and blastsms; signed events in order for every outcome, retries
with backoff, the dead-letter queue, and the URL vetted at the request and at delivery.

Calls really dial (moto executes the state machine, `Switchboard` runs the dialer); the
tables' streams become events and the callbacks queue is delivered by `make run`'s
worker functions. The receiver is a fake
transport (`Inbox`) behind the real delivery code, or, in the last test, the stdlib
receiver of examples/ on a loopback port.
"""

from __future__ import annotations

import json
import threading

import pytest

from chalicelib import clock, settings
from chalicelib.events import delivery
from chalicelib.media import fetch
from examples.callback_receiver import make_server, verify
from local import worker
from tests.api.people import as_json, fails, new_user, ok
from tests.conftest import SECRET
from tests.examples import xml
from tests.workflows.conftest import frozen_clock, sfn_aws, switchboard  # noqa: F401
from tests.workflows.test_blast_fanout import run_all

pytestmark = pytest.mark.usefixtures("frozen_clock")

SIGNING = "whsec_test_one"
URL = "https://hooks.example.com/ocp/events?tenant=7"
PUBLIC_IP = "93.184.216.34"
TEXT = "John Doe is calling. Press 1 to accept."


@pytest.fixture
def aws(sfn_aws):
    """Overrides tests/conftest.py's for this module: state machines are executed."""
    from chalicelib.protocol import auth

    auth.forget_cached_sessions()
    delivery.forget_signing_secrets()


@pytest.fixture
def enterprise(aws):
    """Enterprise 1, with a signing secret the test knows."""
    from chalicelib.store import enterprises

    return enterprises.create("Enterprise One", secret=SECRET, eid=1, signing_secret=SIGNING)


class Inbox:
    """The receiver behind the URL: every POST it got, answering `answers` in turn
    (a status, or an exception raised as the connection would), then 204."""

    def __init__(self) -> None:
        self.posts: list[tuple[fetch.Target, bytes, dict[str, str], int]] = []
        self.answers: list = []
        self.dns = {"hooks.example.com": [PUBLIC_IP]}

    def send(self, target, timeout, body, headers) -> int:
        answer = self.answers.pop(0) if self.answers else 204
        status = answer if isinstance(answer, int) else 0
        self.posts.append((target, body, headers, status))
        if isinstance(answer, Exception):
            raise answer
        return status

    def resolve(self, name: str, port: int) -> list[str]:
        return self.dns[name]

    def events(self) -> list[dict]:
        """The events it took (2xx), in the order they came."""
        return [json.loads(body) for _t, body, _h, status in self.posts if 200 <= status < 300]

    def kinds(self, **match) -> list[tuple[str, str, int]]:
        return [
            (e["object"], e["type"], e["sequence"])
            for e in self.events()
            if all(e["data"].get(k) == v for k, v in match.items())
        ]


@pytest.fixture
def inbox(monkeypatch) -> Inbox:
    box = Inbox()
    monkeypatch.setattr(delivery, "post", box.send)
    monkeypatch.setattr(fetch, "resolve_host", box.resolve)
    return box


def deliver_all(rounds: int = 60) -> None:
    """Turn the committed changes into events (the tables' streams, as the `events`
    function does), then hand the callbacks queue to the delivery until nothing is
    visible on it."""
    worker.drain_event_streams()
    for _ in range(rounds):
        if not worker.drain_callback_queue():
            return


@pytest.fixture
def john(api) -> int:
    return new_user(api, phoneNumber="7202108298")


def place(api, user_id: int, destination: str, **more) -> int:
    response = api.post(
        "/call",
        {
            "userId": user_id,
            "origination": f"1:{user_id}",
            "destination": destination,
            "text": TEXT,
            "statusCallback": URL,
            **more,
        },
    )
    ok(response, 201)
    return int(xml(response.body).findtext("callId"))


def dial(switchboard, call_id: int) -> None:
    from chalicelib.workflows import dialing

    assert switchboard.run(dialing.execution_arn(call_id))["status"] == "SUCCEEDED"


# -- a call's every outcome ------------------------------------------------------------------


def test_a_connected_call_reports_initiated_answered_completed_in_order_signed(
    api, john, switchboard, inbox
):
    # Given a call with a statusCallback
    call_id = place(api, john, "3:7209814345")
    # When it is dialed to its end and the events are delivered
    dial(switchboard, call_id)
    deliver_all()
    # Then three events came, in order, each numbered and signed
    assert inbox.kinds() == [
        ("call", "initiated", 1),
        ("call", "answered", 2),
        ("call", "completed", 3),
    ]
    for target, body, headers, _status in inbox.posts:
        assert verify(headers["OCP-Signature"], body, [SIGNING], now=clock.now())
        assert headers["Content-Type"] == "application/json"
        assert headers["OCP-Event-Id"] == json.loads(body)["id"]
        # to the address checked, with the name for Host and TLS
        assert (target.ip, target.host, target.port) == (PUBLIC_IP, "hooks.example.com", 443)
        assert target.path == "/ocp/events?tenant=7"
    events = inbox.events()
    assert [e["id"] for e in events] == [
        f"call-{call_id}-initiated",
        f"call-{call_id}-answered",
        f"call-{call_id}-completed",
    ]
    assert all(e["timestamp"] == clock.now() and e["enterpriseId"] == 1 for e in events)
    # and the completed event carries call GET's body
    assert events[-1]["data"] == as_json(api.get(f"/call/{call_id}?output=json"))
    assert events[-1]["data"]["callComplete"] == 1


def test_a_busy_destination_reports_initiated_then_completed(api, john, switchboard, inbox):
    call_id = place(api, john, "3:3035550101")
    dial(switchboard, call_id)
    deliver_all()
    assert inbox.kinds() == [("call", "initiated", 1), ("call", "completed", 2)]
    completed = inbox.events()[-1]["data"]
    assert (completed["currentState"], completed["success"]) == ("failed", 0)
    assert completed["attempts"] == [{"number": "3035550101", "result": "Busy"}]


def test_a_destination_in_do_not_disturb_reports_only_completed(api, john, switchboard, inbox):
    jane = new_user(api, firstName="Jane", email="jane@example.com", phoneNumber="7209814345")
    api.post("/dnd", {"userId": jane, "startHour": "0", "endHour": "0", "day": "127"})
    call_id = place(api, john, f"1:{jane}")
    dial(switchboard, call_id)
    deliver_all()
    assert inbox.kinds() == [("call", "completed", 1)]
    assert inbox.events()[0]["data"]["attempts"][0]["result"] == "DND"


def test_status_callback_events_chooses_the_events_and_numbers_them(api, john, switchboard, inbox):
    call_id = place(api, john, "3:7209814345", statusCallbackEvents="completed,answered")
    dial(switchboard, call_id)
    deliver_all()
    assert inbox.kinds() == [("call", "answered", 1), ("call", "completed", 2)]


def test_an_autoconference_reports_as_an_autoconference(api, john, switchboard, inbox):
    response = api.post(
        "/autoconference",
        {"userId": john, "phoneNumber": "3035550199", "pin": "123#", "statusCallback": URL},
    )
    ok(response, 201)
    call_id = int(xml(response.body).findtext("callId"))
    dial(switchboard, call_id)
    deliver_all()
    assert inbox.kinds() == [
        ("autoconference", "initiated", 1),
        ("autoconference", "answered", 2),
        ("autoconference", "completed", 3),
    ]


def test_a_conference_reports_its_opening_its_legs_and_its_close(api, john, inbox):
    from chalicelib.store import calls
    from chalicelib.workflows import fire

    # Given a conference with a statusCallback, and its one leg dialed, joined and ended
    response = api.post(
        "/conference",
        {
            "userId": john,
            "duration": 60,
            "destinationType": 1,
            "destinationValue": john,
            "text": "Join",
            "statusCallback": URL,
        },
    )
    ok(response, 201)
    conference_id = int(xml(response.body).findtext("conferenceid"))
    leg = int(xml(response.body).findtext("callid"))
    calls.claim_dial(leg, "0.0", clock.now())
    assert calls.mark_connected(leg)
    clock.advance(30)
    assert calls.finish(leg, True, clock.now(), seconds=30)
    # When its reservation ends
    clock.advance(30)
    fire.fire({"kind": "conference", "id": conference_id, "version": 0})
    deliver_all()
    # Then the conference opened and closed, and its leg's events came, each in order
    # (the events of one object are in order; two objects' are not ordered between them)
    assert [k for k in inbox.kinds() if k[0] == "conference"] == [
        ("conference", "initiated", 1),
        ("conference", "completed", 2),
    ]
    assert inbox.kinds(callId=leg) == [
        ("conferenceLeg", "initiated", 1),
        ("conferenceLeg", "answered", 2),
        ("conferenceLeg", "completed", 3),
    ]
    [closed] = [
        e["data"] for e in inbox.events() if e["id"] == f"conference-{conference_id}-completed"
    ]
    assert closed == {
        "conferenceId": conference_id,
        "userId": john,
        "callIds": [leg],
        "timeStarted": clock.now() - 60,
        "duration": 60,
        "timeClosed": clock.now(),
        "mou": 0.5,
        "currentState": "closed",
    }
    assert {e["data"]["conferenceId"] for e in inbox.events()} == {conference_id}


# -- blasts ------------------------------------------------------------------------------------


def start_blast(api, kind: str, user_id: int, destination: str, text: str, **more) -> int:
    """A blast POSTed now and its recipients queued (fanned out); its blastId."""
    response = api.post(
        f"/{kind}",
        {
            "userId": user_id,
            "origination": "3:7202108298",
            "destination": destination,
            "text": text,
            **more,
        },
    )
    ok(response, 201)
    while worker.drain_fanout_queue():
        pass
    return int(xml(response.body).findtext("blastid"))


def test_a_voice_blast_reports_each_recipient_and_its_end(api, john, switchboard, inbox):
    blast_id = start_blast(
        api,
        "blastvoice",
        john,
        "3:3035551212,3:3035550101,3:3035550103",
        "Practice moved",
        statusCallback=URL,
    )
    assert run_all(switchboard) == ["SUCCEEDED"] * 3
    deliver_all()
    # The blast started, then each recipient's events, in order for each; then its end
    assert inbox.kinds(blastId=blast_id, kind="voice") == [
        ("blast", "initiated", 1),
        ("blast", "completed", 2),
    ]
    for n, answered in ((0, True), (1, False), (2, True)):
        expected = [("blastRecipient", "initiated", 1)]
        expected += [("blastRecipient", "answered", 2)] if answered else []
        expected += [("blastRecipient", "completed", 2 + answered)]
        assert inbox.kinds(blastId=blast_id, recipient=n) == expected
    assert end_of(inbox, blast_id) == {
        "blastId": blast_id,
        "kind": "voice",
        "userId": john,
        "blastTime": clock.now(),
        "recipients": 3,
        "currentState": "complete",
        "succeeded": 2,
        "failed": 1,
    }
    assert all(
        verify(h["OCP-Signature"], b, [SIGNING], now=clock.now()) for _t, b, h, _s in inbox.posts
    )


def end_of(inbox: Inbox, blast_id: int) -> dict:
    [data] = [e["data"] for e in inbox.events() if e["id"] == f"blast-{blast_id}-completed"]
    return data


def test_an_sms_blast_reports_each_text_and_its_end(api, john, inbox):
    blast_id = start_blast(
        api, "blastsms", john, "3:3035551212,3:7205551212", "Game cancelled", statusCallback=URL
    )
    deliver_all()
    assert sorted(inbox.kinds(blastId=blast_id)) == sorted(
        [
            ("blast", "initiated", 1),
            ("blastRecipient", "completed", 1),
            ("blastRecipient", "completed", 1),
            ("blast", "completed", 2),
        ]
    )
    assert end_of(inbox, blast_id)["succeeded"] == 2


def test_a_blast_without_a_callback_sends_nothing_and_counts_nothing(api, john, inbox):
    from chalicelib.store.models import Blast

    blast_id = start_blast(api, "blastsms", john, "3:3035551212", "Hi")
    deliver_all()
    assert inbox.posts == []
    blast = Blast.get(blast_id)
    assert (blast.callback, blast.ended) == (None, None)


# -- retries and the dead-letter queue ------------------------------------------------------


def test_a_receiver_that_fails_three_times_gets_the_event_once_it_recovers(
    api, john, switchboard, inbox, tuned
):
    tuned(OCP_CALLBACK_RETRY_SECONDS="0")  # no waiting between attempts in a test
    call_id = place(api, john, "3:7209814345", statusCallbackEvents="completed")
    dial(switchboard, call_id)
    inbox.answers = [503, ConnectionRefusedError("refused"), TimeoutError("timed out")]
    deliver_all()
    assert [status for *_rest, status in inbox.posts] == [503, 0, 0, 204]
    assert inbox.kinds() == [("call", "completed", 1)]


def test_later_events_wait_behind_a_failed_one_and_arrive_in_order(
    api, john, switchboard, inbox, tuned
):
    tuned(OCP_CALLBACK_RETRY_SECONDS="0")
    call_id = place(api, john, "3:7209814345")
    dial(switchboard, call_id)
    inbox.answers = [500, 500]
    deliver_all()
    sent = [json.loads(body)["type"] for _t, body, _h, _s in inbox.posts]
    assert sent == ["initiated", "initiated", "initiated", "answered", "completed"]


def test_the_retry_schedule_doubles_from_thirty_seconds():
    assert [delivery.retry_delay(n) for n in range(1, 9)] == [
        30,
        60,
        120,
        240,
        480,
        960,
        1920,
        3840,
    ]
    assert settings.get().callback_attempts == 9
    assert delivery.retry_delay(30) == 12 * 3600  # SQS's longest


def test_a_receiver_that_never_recovers_ends_in_the_dead_letter_queue(
    api, john, switchboard, inbox, tuned
):
    from chalicelib.store import aws

    tuned(OCP_CALLBACK_RETRY_SECONDS="0")
    call_id = place(api, john, "3:7209814345", statusCallbackEvents="completed")
    dial(switchboard, call_id)
    inbox.answers = [500] * 100
    deliver_all()
    # Every attempt was made, then the event moved to the dead-letter queue
    assert len(inbox.posts) == settings.get().callback_attempts
    sqs = aws.client("sqs")
    dlq = sqs.get_queue_url(
        QueueName=settings.get().callback_queue_name.replace(".fifo", "-dlq.fifo")
    )
    dead = sqs.receive_message(QueueUrl=dlq["QueueUrl"], MaxNumberOfMessages=10)["Messages"]
    assert [json.loads(m["Body"])["id"] for m in dead] == [f"call-{call_id}-completed"]


# -- the URL, at the request and at delivery ---------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8216/events",
        "http://localhost:8216/events",
        "http://10.0.0.5/events",
        "http://192.168.1.10/events",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/events",
        "http://2130706433/events",
        "https://hooks.example.com:22/events",
        "ftp://hooks.example.com/events",
        "not a url",
    ],
)
def test_a_callback_url_that_is_not_public_is_refused_at_the_request(api, john, inbox, url):
    inbox.dns["localhost"] = ["127.0.0.1"]
    response = api.post(
        "/call",
        {
            "userId": john,
            "origination": f"1:{john}",
            "destination": "3:7209814345",
            "text": TEXT,
            "statusCallback": url,
        },
    )
    fails(response, 400, 902)
    assert b"statusCallback" in response.body


def test_a_name_that_resolves_to_a_private_address_at_delivery_is_not_sent_to(
    api, john, switchboard, inbox
):
    # Given a callback URL whose name was public when the call was placed
    call_id = place(api, john, "3:7209814345")
    # When its DNS answer changes to a metadata address before the events go out
    inbox.dns["hooks.example.com"] = ["169.254.169.254"]
    dial(switchboard, call_id)
    deliver_all()
    # Then nothing is sent, and nothing is retried
    assert inbox.posts == []
    from chalicelib.store import aws

    assert not aws.client("sqs").receive_message(QueueUrl=aws.callback_queue_url()).get("Messages")


def test_events_without_a_url_and_unknown_events_are_refused(api, john, inbox):
    body = {"userId": john, "origination": f"1:{john}", "destination": "3:7209814345", "text": "x"}
    fails(api.post("/call", {**body, "statusCallbackEvents": "completed"}), 400, 900)
    fails(
        api.post("/call", {**body, "statusCallback": URL, "statusCallbackEvents": "ringing"}),
        400,
        901,
    )


def test_a_url_longer_than_2048_is_903(api, john, inbox):
    body = {"userId": john, "origination": f"1:{john}", "destination": "3:7209814345", "text": "x"}
    long = "https://hooks.example.com/" + "a" * 2048
    fails(api.post("/call", {**body, "statusCallback": long}), 400, 903)


# -- the signing secret ------------------------------------------------------------------------


def test_during_a_rotation_events_carry_both_signatures(api, john, switchboard, inbox):
    from chalicelib.store import enterprises

    new = enterprises.rotate_signing_secret(1)
    delivery.forget_signing_secrets()
    call_id = place(api, john, "3:7209814345", statusCallbackEvents="completed")
    dial(switchboard, call_id)
    deliver_all()
    [(_target, body, headers, _status)] = inbox.posts
    header = headers["OCP-Signature"]
    assert header.count("v1=") == 2
    assert verify(header, body, [new], now=clock.now())
    assert verify(header, body, [SIGNING], now=clock.now())
    assert not verify(header, body + b" ", [new, SIGNING], now=clock.now())
    # When the rotation ends, only the new secret signs
    assert enterprises.finish_signing_rotation(1)
    assert enterprises.signing_secrets(1) == [new]


def test_the_signing_secret_is_stored_encrypted(aws):
    from chalicelib.store import enterprises
    from chalicelib.store.models import Enterprise

    made = enterprises.create("Acme")
    assert made.signing_secret.startswith("whsec_")
    stored = Enterprise.get(made.eid)
    assert made.signing_secret.encode() not in stored.signing_secret
    assert enterprises.signing_secrets(made.eid) == [made.signing_secret]


# -- the stdlib receiver, over a real connection -----------------------------------------------


def test_the_example_receiver_verifies_and_prints_each_event_once(
    api, john, switchboard, tuned, monkeypatch
):
    tuned(OCP_CALLBACK_ALLOWED_NETWORKS="127.0.0.0/8")
    monkeypatch.setattr("time.time", clock.now)  # the receiver checks the signature's age
    received: list[dict] = []
    server = make_server(0, [SIGNING], fail=1, on_event=received.append)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        tuned(OCP_CALLBACK_RETRY_SECONDS="0")
        port = server.server_address[1]
        call_id = place(api, john, "3:7209814345", statusCallback=f"http://127.0.0.1:{port}/")
        dial(switchboard, call_id)
        deliver_all()
    finally:
        server.shutdown()
        server.server_close()
    assert [(e["type"], e["sequence"]) for e in received] == [
        ("initiated", 1),
        ("answered", 2),
        ("completed", 3),
    ]
