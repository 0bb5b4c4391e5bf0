"""Blasts after the response: the schedule, the start, and the fan-out of recipients in
batches to one dial execution (voice) or one text per number through the messaging
port (SMS: workflows/texting.py) each (DESIGN.md "Blasts fan out").

    create / change / remove   what blast POST, PUT and DELETE do besides the Blast item:
                               schedule it (future time), or queue its start (now)
    fire(blastId, version)     its schedule fired (`fire.KINDS["blast"]`): queue its start
    handle(message)            each message of the fan-out queue (`handlers.on_fanout_message`)

Starting a blast happens once per version (store.blasts: scheduled -> starting ->
started): its callIds are allocated in one block, its text is synthesised once
(media.tts), its audio made ready for the carrier once (Carrier.prepare: WAV for Chime),
its origination resolved once, its recipients' turns reserved once when the carrier paces
new calls (Carrier.schedule: recipient n may be rung at `from + n * every`), and its
recipients are written to the fan-out queue in batches of `blast_batch_size` with
SendMessageBatch; nothing else loops over all recipients. Each batch's consumer resolves
its recipients at that moment (domain.recipients), creates their Calls items (one
transaction per batch: items that exist are left alone), and starts one execution per
recipient named `blast-{blastId}-{n}`, so a redelivered batch or a repeated start adds no execution.
An SMS recipient is texted only by the delivery that created its Calls item, paced per
origination identity; a batch out of time puts its remaining recipients back on the queue
(same message, a later `first`); the blast's receipt window is one schedule
(`smsreceipts-{blastId}`, texting.sweep).

Messages on the fan-out queue:

    {"action": "start", "blastId", "version"}
    {"action": "recipients", "blastId", "kind", "eid", "userId", "time", "firstCallId",
     "first", "terminations": [...], "origin", "callerId", "callingNumber",
     "announcement" (voice) | "text" (sms), "callback" (a statusCallback, if any),
     "pace" (voice, optional): {"from", "every"}}
"""

from __future__ import annotations

import json
import logging
from typing import Any

from chalicelib import clock, logs, metrics, settings
from chalicelib.domain import recipients
from chalicelib.domain.kinds import SMS
from chalicelib.domain.limits import SMS_TEXT_BYTES
from chalicelib.domain.recipients import Termination
from chalicelib.domain.resolve import Origin
from chalicelib.domain.subscriptions import Subscription
from chalicelib.errors import OcpError
from chalicelib.media import tts
from chalicelib.store import aws, blasts, usage
from chalicelib.telephony import Target, carriers
from chalicelib.workflows import dialing, pacing, schedule, texting

log = logging.getLogger(__name__)


SCHEDULE_KIND = "blast"
MAX_SMS_BYTES = SMS_TEXT_BYTES  # domain/limits.py
# SendMessageBatch: 10 entries and 256 KiB in all per request.
_ENTRIES_PER_SEND = 10
_BYTES_PER_SEND = 256 * 1024 - 1024


def execution_name(blast_id: int, n: int) -> str:
    """Recipient n's dial execution: starting it twice finds the first."""
    return f"blast-{blast_id}-{n}"


# -- the routes' side ---------------------------------------------------------------------


def create(
    eid: int, user_id: int, kind: str, *, when: int | None, **fields: Any
) -> tuple[int, bool]:
    """A new blast; (blastId, scheduled). A time in the future schedules it (202), none or
    one not in the future starts it now (201) (RULINGS "Scheduled work")."""
    now = clock.now()
    check_recipients(fields["terminations"])
    check_text(kind, fields["text"])
    blast = blasts.create(
        eid, user_id, kind, blast_time=when if when and when > now else now, at=now, **fields
    )
    return blast.blast_id, _schedule_or_start(blast, now)


def change(eid: int, user_id: int, kind: str, blast_id: int, changes: dict) -> None:
    """blast PUT: what it names is replaced; a new time moves the schedule, or starts the
    blast now if it is not in the future."""
    now = clock.now()
    if "terminations" in changes:
        check_recipients(changes["terminations"])
    check_text(kind, changes.get("text"))
    if "blast_time" in changes and changes["blast_time"] <= now:
        changes["blast_time"] = now
    _schedule_or_start(blasts.change(blast_id, eid, user_id, kind, changes), now)


def remove(eid: int, user_id: int, kind: str, blast_id: int) -> None:
    blasts.delete(blast_id, eid, user_id, kind)
    schedule.cancel(SCHEDULE_KIND, blast_id)


def check_recipients(terminations: list) -> None:
    most = settings.get().blast_max_recipients
    if len(terminations) > most:
        raise OcpError(
            903, name="destination", value=f"{len(terminations)} destinations", low=1, high=most
        )


def check_text(kind: str, text: str | None) -> None:
    """A text is at most 1,600 bytes (End User Messaging's MessageBody, Twilio's 1,600
    characters): 903 beyond, counted in UTF-8."""
    if kind == SMS and text is not None and len(text.encode()) > MAX_SMS_BYTES:
        raise OcpError(903, name="text", value=text, low=1, high=MAX_SMS_BYTES)


def _schedule_or_start(blast: Any, now: int) -> bool:
    """Schedule a blast for later (True), or start it now: claimed here, so it has fired
    as far as PUT and DELETE go (307), and its start queued for the fan-out (False)."""
    if blast.blast_time > now:
        # Every version gets its schedule: a firing of an older one is dropped.
        schedule.put(SCHEDULE_KIND, blast.blast_id, blast.version, blast.blast_time)
        return True
    if blast.version > 1:
        schedule.cancel(SCHEDULE_KIND, blast.blast_id)  # a PUT moved it to now
    if blasts.claim_start(blast, now) is not None:
        send([{"action": "start", "blastId": blast.blast_id, "version": blast.version}])
    return False


# -- starting -------------------------------------------------------------------------------


def fire(blast_id: int, version: int) -> None:
    """The blast's schedule fired: queue its start, as POST does for a blast due now, so
    the fan-out consumer (which may synthesise speech, read and write audio, and reserve
    the carrier's turns) starts it, not the `fire` function. A firing for an older
    version, a deleted blast or one started already queues nothing; one that finds it
    claimed but not started (a start that failed half-way) queues the start again."""
    blast = blasts.load(blast_id)
    if blast is None or blast.version != version or blast.state == blasts.STARTED:
        log.info("blast %s version %s: deleted, superseded or started", blast_id, version)
        return
    send([{"action": "start", "blastId": blast_id, "version": version}])


def start(blast_id: int, version: int) -> None:
    """Claim the blast at `version` and queue its recipients. A repeated delivery finds it
    started and does nothing; one for an older version (PUT since) or a deleted blast is
    dropped; one that finds it claimed but not all queued (a start that failed half-way)
    queues the batches again, which the consumer makes harmless."""
    blast = blasts.load(blast_id)
    if blast is None or blast.version != version:
        log.info("blast %s version %s: deleted or superseded; not started", blast_id, version)
        return
    if blast.state == blasts.SCHEDULED:
        blast = blasts.claim_start(blast, clock.now()) or blasts.load(blast_id)
        if blast is None or blast.version != version:
            return
    if blast.state != blasts.STARTING:
        log.info("blast %s: already started", blast_id)
        return
    if blast.kind == blasts.SMS:
        texting.schedule_sweep(blast, clock.now())
    send(batches(blast, {**_shared(blast), **_pace(blast)}))
    blasts.mark_started(blast_id)
    log.info("blast %s: %d recipients queued", blast_id, blast.recipients)


def _shared(blast: Any) -> dict:
    """What every recipient of the blast gets: worked out once per blast."""
    profile = blasts.profiles_for(blast.eid, [blast.origination])[0]
    origin = recipients.origin(blast.origination, profile)
    caller = recipients.caller(blast.origination, profile)
    shared = {
        "origin": {"userId": origin.user_id, "phoneKeys": sorted(origin.phone_keys)},
        "callerId": None if blast.hide_ani or caller is None else caller.e164,
        "callingNumber": caller.display if caller else "",
    }
    if blast.kind == blasts.SMS:
        shared["text"] = blast.text
    else:
        shared["announcement"] = announcement(blast, caller)
    return shared


def announcement(blast: Any, caller: Any) -> dict:
    """The audio every recipient hears: the blast's audio, or its text spoken by Polly,
    synthesised here, once per blast, and made playable by the carrier, once. With
    allowCallback the carrier offers to connect the recipient to the originator's number
    by pressing 1."""
    key = blast.audio.key if blast.audio is not None else tts.speech(blast.text)
    if blast.audio is None:  # GET /usage's ttsCharacters (a text spoken before is cached)
        usage.add_speech(blast.eid, blast.user_id, len(blast.text or ""))
    out: dict = {"audioKey": key}
    if blast.allow_callback and caller is not None:
        out["callbackTo"] = caller.e164
    return carriers.carrier().prepare(out, None if blast.audio is not None else blast.text)


def _pace(blast: Any) -> dict:
    """The recipients' turns, when the carrier paces new calls: reserved once per blast."""
    if blast.kind == blasts.SMS:
        return {}
    # A start repeated after a failure keeps the turns reserved the first time.
    count = 0 if blast.paced_from is not None else blast.recipients
    if settings.get().pacing:
        plan: tuple[float, float] | None = pacing.plan(str(blast.eid), count, float(clock.now()))
    else:
        plan = carriers.carrier().schedule(count)
    if plan is None:
        return {}
    first, every = plan
    return {"pace": {"from": blasts.pace(blast.blast_id, first), "every": every}}


def batches(blast: Any, shared: dict) -> list[dict]:
    size = settings.get().blast_batch_size
    common = {
        "action": "recipients",
        "blastId": blast.blast_id,
        "kind": blast.kind,
        "eid": blast.eid,
        "userId": blast.user_id,
        "time": blast.blast_time,
        "firstCallId": blast.first_call_id,
        **shared,
    }
    if blast.callback is not None:
        common["callback"] = blast.callback.to_map()
    return [
        {
            **common,
            "first": first,
            "terminations": [t.to_json() for t in blast.terminations[first : first + size]],
        }
        for first in range(0, blast.recipients, size)
    ]


def send(messages: list[dict]) -> None:
    """Onto the fan-out queue, ten (and at most 256 KiB) a request."""
    sqs, url = aws.client("sqs"), aws.fanout_queue_url()
    chunk: list[str] = []
    for body in (json.dumps(m, separators=(",", ":")) for m in messages):
        if chunk and (
            len(chunk) == _ENTRIES_PER_SEND or sum(map(len, chunk)) + len(body) > _BYTES_PER_SEND
        ):
            _send_batch(sqs, url, chunk)
            chunk = []
        chunk.append(body)
    if chunk:
        _send_batch(sqs, url, chunk)


def _send_batch(sqs: Any, url: str, bodies: list[str]) -> None:
    response = sqs.send_message_batch(
        QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": body} for i, body in enumerate(bodies)]
    )
    if response.get("Failed"):
        # The start is retried (Scheduler, or the queue); batches sent twice are harmless.
        raise RuntimeError(f"fan-out queue refused {len(response['Failed'])} messages")


# -- the consumer -----------------------------------------------------------------------------


def handle(message: dict) -> None:
    action = message.get("action")
    with logs.scope(blastId=message.get("blastId")):
        if action == "start":
            start(int(message["blastId"]), int(message["version"]))
        elif action == "recipients":
            recipients_batch(message)
        else:
            log.error("fan-out message with unknown action %r dropped", action)


def recipients_batch(message: dict) -> None:
    kind = message["kind"]
    blast_id, first = int(message["blastId"]), int(message["first"])
    first_call_id = int(message["firstCallId"])
    batch = blasts.Batch(
        blast_id,
        int(message["eid"]),
        int(message["userId"]),
        blasts.CALL_KINDS[kind],
        int(message["time"]),
        message.get("callingNumber") or "",
        Subscription.of(message.get("callback")),
    )
    terms = [Termination.from_json(t) for t in message["terminations"]]
    numbered = [(first_call_id + first + i, first + i, t) for i, t in enumerate(terms)]
    origin = Origin(message["origin"]["userId"], frozenset(message["origin"]["phoneKeys"]))
    at = clock.now()
    reaches = [
        _reach(t, p, at, origin, sms=kind == blasts.SMS)
        for t, p in zip(terms, blasts.profiles_for(batch.eid, terms), strict=True)
    ]
    if kind == blasts.SMS:
        _text(batch, numbered, reaches, message)
    else:
        _dial(batch, numbered, reaches, message)
    metrics.blast_recipients(kind, len(terms))


def _reach(term: Any, profile: Any, at: int, origin: Any, *, sms: bool) -> Any:
    if term.type == recipients.PHONE:
        return recipients.number(term.value, profile, origin)
    return (recipients.sms if sms else recipients.voice)(profile, at, origin)


def _dial(batch: Any, numbered: list, reaches: list, message: dict) -> None:
    """One leg per recipient (DESIGN.md: an answering machine counts, nobody is asked for 1)."""
    blasts.create_recipient_calls(batch, numbered)
    pace = message.get("pace")
    for (call_id, n, term), reach in zip(numbered, reaches, strict=True):
        leg = dialing.Leg(
            "recipient",
            tuple(Target(p.display, p.e164) for p in reach.numbers),
            label=str(term.label),
            tryall=reach.tryall,
            dnd=reach.dnd,
            blacklisted=reach.blacklisted,
            ask_for_one=False,
            detect_machine=True,
            accept_machine=True,
            announcement=message["announcement"],
            caller_id=message.get("callerId"),
            share=str(message["eid"]),
        )
        dialing.start(
            call_id,
            [leg],
            name=execution_name(batch.blast_id, n),
            pace_at=None if pace is None else pace["from"] + n * pace["every"],
        )


def _text(batch: Any, numbered: list, reaches: list, message: dict) -> None:
    """Texts each recipient this delivery claims, paced (workflows/texting.py); what it
    had no time for goes back onto the queue as the same message from recipient `n`."""
    first = int(message["first"])

    def requeue(n: int) -> None:
        rest = message["terminations"][n - first :]
        send([{**message, "first": n, "terminations": rest}])

    texting.text_batch(batch, numbered, reaches, message["text"], requeue)
