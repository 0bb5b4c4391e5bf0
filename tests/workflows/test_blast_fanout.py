"""Blast fan-out (workflows/fanout.py) over moto: firing, batches on the fan-out queue,
one dial execution per recipient, SMS through SNS, and what a second delivery does.

The 1,000-recipient blast runs with moto's Step Functions recording executions without
running them (executing a thousand state machines would take minutes): it checks the
StartExecution side, names, counts and idempotence. A five-recipient blast runs end to
end under moto's interpreter with the dialer and the simulated carrier.
"""

from __future__ import annotations

import json
import time

import pytest

from chalicelib import clock
from chalicelib.domain.kinds import SMS, VOICE
from chalicelib.domain.numbers import Phone
from chalicelib.domain.recipients import Termination
from chalicelib.domain.resolve import Origin
from chalicelib.domain.windows import Window
from chalicelib.store import aws, blasts, calls, queues, users
from chalicelib.store import recipients as recipient_calls
from chalicelib.workflows import fanout, fire
from local import worker
from tests.workflows.conftest import EXECUTION_DEADLINE_SECONDS

NOW = 1795705200
ORIGINATION = Termination(3, Phone("1", "", "7202108298"))
REQUESTER = 9


def phone(digits: str) -> Termination:
    return Termination(3, Phone("1", "", digits))


def new_blast(
    kind: str,
    terminations: list[Termination],
    *,
    text: str = "Practice moved to 5",
    when: int = NOW + 3600,
    origination: Termination = ORIGINATION,
    hide_ani: bool = False,
) -> int:
    """A scheduled blast of REQUESTER, as blast POST makes it."""
    blast_id, scheduled = fanout.create(
        1,
        REQUESTER,
        kind,
        when=when,
        text=text,
        audio=None,
        hide_ani=hide_ani,
        allow_callback=True,
        origination=origination,
        terminations=terminations,
    )
    assert scheduled
    return blast_id


def drain() -> int:
    """Deliver the fan-out queue until it is empty, as its Lambda trigger would."""
    delivered = 0
    while received := worker.drain_fanout_queue():
        delivered += received
    return delivered


def executions() -> list[dict]:
    sfn = aws.client("stepfunctions")
    return [
        e
        for page in sfn.get_paginator("list_executions").paginate(
            stateMachineArn=aws.state_machine_arn()
        )
        for e in page["executions"]
    ]


def sent_sms() -> list[tuple[str, str]]:
    """What the simulated messaging adapter was asked to send (chalicelib/messaging)."""
    from chalicelib.workflows import texting

    return [(t.to, t.body) for t in texting.default().sent]


def queued_batches() -> list[dict]:
    """Take what is on the fan-out queue without handling it."""
    sqs, url, found = aws.client("sqs"), aws.fanout_queue_url(), []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        for m in messages:
            found.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return found


def fired(blast_id: int, version: int = 1) -> list[dict]:
    """Fire the blast's schedule and deliver the start it queues; the recipients' batches
    that start queues, taken off the queue without handling them."""
    fire.fire({"kind": "blast", "id": blast_id, "version": version})
    (start,) = queued_batches()
    assert start == {"action": "start", "blastId": blast_id, "version": version}
    fanout.handle(start)
    return queued_batches()


def run_all(switchboard) -> list[str]:
    """Hand dial queue messages to the dialer until no execution runs; their statuses.
    (Switchboard.run follows one execution; a blast has many at once.)"""
    sqs, url, dialer = aws.client("sqs"), aws.dial_queue_url(), switchboard.dialer
    deadline = time.monotonic() + EXECUTION_DEADLINE_SECONDS
    while any(e["status"] == "RUNNING" for e in executions()):
        assert time.monotonic() < deadline, "executions still running"
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
            "Messages", []
        ):
            message = json.loads(m["Body"])
            try:
                dialer.handle(message)
            except AttributeError:
                # moto lists an execution as running a moment before its interpreter
                # exists, and a heartbeat then fails inside moto: left on the queue, the
                # message comes back, as it would to a failed Lambda.
                sqs.change_message_visibility(
                    QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0
                )
                continue
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            switchboard.messages.append(message)
    return [e["status"] for e in executions()]


@pytest.fixture
def now():
    with clock.frozen(NOW):
        yield NOW


# -- a 1,000-recipient blast (executions recorded, not run) ---------------------------------


@pytest.mark.usefixtures("aws", "now")
def test_a_thousand_recipients_get_one_execution_each_however_often_it_is_delivered(monkeypatch):
    # Given a voice blast to 1,000 numbers, fanned out in batches of 100
    recipients = [phone(f"303{n:07d}") for n in range(1000)]
    blast_id = new_blast(VOICE, recipients)
    spoken = []
    monkeypatch.setattr(
        "chalicelib.media.tts.speech", lambda text, voice=None: spoken.append(text) or "tts/x.mp3"
    )
    # When its schedule fires, and the start it queues is delivered
    batches = fired(blast_id)
    # Then its recipients are on the fan-out queue, 100 a message, and its text was
    # synthesised once
    assert [(b["first"], len(b["terminations"])) for b in batches] == [
        (n, 100) for n in range(0, 1000, 100)
    ]
    assert spoken == ["Practice moved to 5"]
    # When every batch is delivered, and one of them a second time
    for batch in batches + batches[3:4]:
        fanout.handle(batch)
    # Then each recipient has exactly one execution, blast-{blastId}-{n}
    names = sorted(e["name"] for e in executions())
    assert names == sorted(f"blast-{blast_id}-{n}" for n in range(1000))
    # and its Calls item, recipient n being first_call_id + n
    blast = blasts.load(blast_id)
    first = calls.get(blast.call_id(0), 1)
    last = calls.get(blast.call_id(999), 1)
    assert (first.kind, first.request["n"], first.state) == ("blast", 0, "scheduled")
    assert (last.request["blastId"], last.request["n"]) == (blast_id, 999)
    assert json.loads(last.request["destination"]) == [3, ["1", "", "3030000999"]]
    # When the schedule's event is delivered again
    fire.fire({"kind": "blast", "id": blast_id, "version": 1})
    # Then nothing is queued and no execution is added
    assert drain() == 0 and len(executions()) == 1000
    assert blast.state == "started"


@pytest.mark.usefixtures("aws", "now")
def test_a_fired_schedule_only_queues_the_start(monkeypatch):
    # Given a scheduled voice blast (the `fire` function may not call Polly or S3)
    blast_id = new_blast(VOICE, [phone("3035551212")])
    monkeypatch.setattr("chalicelib.media.tts.speech", lambda *a, **k: pytest.fail("synthesised"))
    # When its schedule fires
    fire.fire({"kind": "blast", "id": blast_id, "version": 1})
    # Then its start is queued for the fan-out consumer, and nothing else happened
    assert queued_batches() == [{"action": "start", "blastId": blast_id, "version": 1}]
    assert blasts.load(blast_id).state == "scheduled" and executions() == []


@pytest.mark.usefixtures("aws", "now")
def test_each_execution_is_one_accepting_leg_with_the_blast_audio():
    blast_id = new_blast(VOICE, [phone("3035551212")], hide_ani=True)
    fire.fire({"kind": "blast", "id": blast_id, "version": 1})
    drain()
    execution = aws.client("stepfunctions").describe_execution(
        executionArn=executions()[0]["executionArn"]
    )
    payload = json.loads(execution["input"])
    blast = blasts.load(blast_id)
    assert payload["callId"] == blast.first_call_id
    (leg,) = payload["legs"]
    assert leg["numbers"] == [{"number": "3035551212", "e164": "+13035551212"}]
    assert (leg["role"], leg["askForOne"], leg["acceptMachine"], leg["detectMachine"]) == (
        "recipient",
        False,
        True,
        True,
    )
    assert leg["callerId"] is None  # hideAni
    assert leg["announcement"]["audioKey"].startswith("tts/")
    assert leg["announcement"]["callbackTo"] == "+17202108298"  # allowCallback


@pytest.mark.usefixtures("aws", "now")
def test_a_firing_for_an_older_version_or_a_deleted_blast_does_nothing():
    blast_id = new_blast(VOICE, [phone("3035551212")])
    fanout.change(1, REQUESTER, VOICE, blast_id, {"text": "Moved again"})  # version 2
    fire.fire({"kind": "blast", "id": blast_id, "version": 1})
    assert drain() == 0 and blasts.load(blast_id).state == "scheduled"
    fanout.remove(1, REQUESTER, VOICE, blast_id)
    fire.fire({"kind": "blast", "id": blast_id, "version": 2})
    assert drain() == 0 and executions() == []


@pytest.mark.usefixtures("aws", "now")
def test_a_start_that_failed_half_way_queues_again_without_new_executions():
    # Given a blast whose start claimed it but died before queueing all its batches
    blast_id = new_blast(VOICE, [phone(f"303555{n:04d}") for n in range(150)])
    blasts.claim_start(blasts.load(blast_id), NOW)
    fanout.handle(
        fanout.batches(
            blasts.load(blast_id),
            fanout.Shared(Origin(None), None, "", announcement={"audioKey": "tts/x.mp3"}),
        )[0].encode()
    )
    assert len(executions()) == 100
    # When the schedule's retry delivers the event again
    fire.fire({"kind": "blast", "id": blast_id, "version": 1})
    drain()
    # Then every recipient has one execution and the blast is started
    assert len(executions()) == 150
    assert blasts.load(blast_id).state == "started"


# -- SMS ---------------------------------------------------------------------------------------


def a_user(digits: str, *, sms: str | None = None, **changes) -> int:
    """A user with default number `digits` (and an SMS number), plus profile changes."""
    from chalicelib.domain import profile as rules
    from chalicelib.store import profiles

    user_id, _ = users.create(
        1,
        {"first_name": "A", "last_name": "B"},
        f"{digits}@example.com",
        users.NewPhone(Phone("1", "", digits), 2),
        exclusive=False,
    )
    if sms:
        profiles.change(
            user_id,
            1,
            rules.add_number,
            rules.NumberRequest(Phone("1", "", sms), 2),
            new_phones=1,
            sms=True,
        )
    for rule, arg in changes.items():
        profiles.change(user_id, 1, getattr(rules, rule), arg)
    return user_id


@pytest.mark.usefixtures("aws", "now")
def test_sms_goes_to_each_recipients_sms_number_or_default_number_once():
    # Given recipients: a number, a user with an SMS number, a user without one, a user in
    # do-not-disturb and one who blacklisted the origination
    from chalicelib.domain.profile import Block

    with_sms = a_user("3035550001", sms="3035550002")
    without_sms = a_user("3035550003")
    resting = a_user("3035550004", add_dnd=Window(0, 0, 127, 0))
    blocking = a_user("3035550005", add_block=Block(3, ORIGINATION.value))
    recipients = [
        phone("7205551212"),
        Termination(1, with_sms),
        Termination(2, "3035550003@example.com"),
        Termination(1, resting),
        Termination(1, blocking),
    ]
    blast_id = new_blast(SMS, recipients, text="Game cancelled")
    assert without_sms
    # When it fires and its batches are delivered twice
    batches = fired(blast_id)
    for batch in batches + batches:
        fanout.handle(batch)
    # Then the messaging port got one text per reachable number, once
    assert sorted(sent_sms()) == [
        ("+13035550002", "Game cancelled"),
        ("+13035550003", "Game cancelled"),
        ("+17205551212", "Game cancelled"),
    ]
    # and each recipient's result is recorded
    blast = blasts.load(blast_id)
    got = [(r.state, r.attempts) for r in recipient_calls.results(blast)]
    assert got == [
        ("complete", (("7205551212", "Success"),)),
        ("complete", (("3035550002", "Success"),)),
        ("complete", (("3035550003", "Success"),)),
        ("failed", ((str(resting), "DND"),)),
        ("failed", ((str(blocking), "Blacklisted"),)),
    ]


@pytest.mark.usefixtures("aws", "now")
def test_an_sms_that_the_service_refuses_for_its_number_is_failed(monkeypatch):
    from chalicelib.messaging import INVALID, Receipt, Sent
    from chalicelib.workflows import texting

    def refuse(text):
        return Sent("", Receipt("", INVALID, text.context, "ValidationException CANNOT_PARSE"))

    blast_id = new_blast(SMS, [phone("7205551212")])
    monkeypatch.setattr(texting.default(), "send", refuse)
    fire.fire({"kind": "blast", "id": blast_id, "version": 1})
    drain()
    (result,) = recipient_calls.results(blasts.load(blast_id))
    assert (result.state, result.attempts) == ("failed", (("7205551212", "Failed"),))
    assert result.reasons == (INVALID,)


# -- five recipients, dialed end to end ------------------------------------------------------------


@pytest.mark.usefixtures("sfn_aws", "now")
def test_a_voice_blast_dials_each_recipient_and_keeps_the_results(switchboard):
    # Given recipients: a human, an answering machine, a busy line, a user in
    # do-not-disturb and a user who blacklisted the origination
    from chalicelib.domain.profile import Block

    resting = a_user("3035550004", add_dnd=Window(0, 0, 127, 0))
    blocking = a_user("3035550005", add_block=Block(3, ORIGINATION.value))
    recipients = [
        phone("3035551212"),
        phone("3035550103"),
        phone("3035550101"),
        Termination(1, resting),
        Termination(1, blocking),
    ]
    blast_id = new_blast(VOICE, recipients)
    # When it fires and every recipient's dialing runs
    fire.fire({"kind": "blast", "id": blast_id, "version": 1})
    drain()
    assert run_all(switchboard) == ["SUCCEEDED"] * 5
    # Then a human and a machine heard it (success), the others did not
    blast = blasts.load(blast_id)
    got = [(r.state, r.success, r.attempts) for r in recipient_calls.results(blast)]
    assert got == [
        ("complete", True, (("3035551212", "Success"),)),
        ("complete", True, (("3035550103", "Success"),)),
        ("failed", False, (("3035550101", "Busy"),)),
        ("failed", False, ((str(resting), "DND"),)),
        ("failed", False, ((str(blocking), "Blacklisted"),)),
    ]
    # and nobody was asked to press 1
    assert all(not dial.ask_for_one for dial in switchboard.carrier.placed)


# -- the queue -----------------------------------------------------------------------------------


@pytest.mark.usefixtures("aws", "now")
def test_the_fan_out_handler_takes_messages_as_sqs_delivers_them():
    from chalice.test import Client

    from app import app

    blast_id = new_blast(SMS, [phone("7205551212")])
    start = {"action": "start", "blastId": blast_id, "version": 1}
    blasts.claim_start(blasts.load(blast_id), NOW)
    with Client(app, stage_name="test") as client:
        client.lambda_.invoke(
            "blastfanout",
            client.events.generate_sqs_event(
                [json.dumps(start), "not json", json.dumps({"action": "nothing"})]
            ),
        )
        (batch,) = queued_batches()
        client.lambda_.invoke("blastfanout", client.events.generate_sqs_event([json.dumps(batch)]))
    assert sent_sms() == [("+17205551212", "Practice moved to 5")]


@pytest.mark.usefixtures("aws")
def test_batches_are_sent_ten_and_at_most_256_kib_a_request(monkeypatch):
    sent = []
    sqs = aws.client("sqs")
    real = sqs.send_message_batch

    def counting(**kwargs):
        sent.append([len(e["MessageBody"]) for e in kwargs["Entries"]])
        return real(**kwargs)

    monkeypatch.setattr(sqs, "send_message_batch", counting)
    queues.send_all(aws.fanout_queue_url(), [{"n": n} for n in range(25)])
    queues.send_all(aws.fanout_queue_url(), [{"pad": "x" * 100_000} for _ in range(5)])
    assert [len(request) for request in sent] == [10, 10, 5, 2, 2, 1]
    assert all(sum(request) <= 256 * 1024 for request in sent)
