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
SendMessageBatch (store/queues.py); nothing else loops over all recipients. Each batch's
consumer resolves its recipients at that moment (domain.recipients), creates their Calls items (one
transaction per batch: items that exist are left alone), and starts one execution per
recipient named `blast-{blastId}-{n}`, so a redelivered batch or a repeated start adds no execution.
An SMS recipient is texted only by the delivery that created its Calls item, paced per
origination identity; a batch out of time puts its remaining recipients back on the queue
(same message, a later `first`); the blast's receipt window is one schedule
(`smsreceipts-{blastId}`, texting.sweep).

Messages on the fan-out queue: `StartBlast` and `RecipientBatch` (workflows/messages.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from chalicelib import clock, logs, metrics, settings
from chalicelib.domain import recipients, segments, tenants
from chalicelib.domain.compliance import OPT_OUT_THANKS, opt_out_prompt
from chalicelib.domain.destinations import Destination
from chalicelib.domain.kinds import PHONE, SMS
from chalicelib.domain.limits import SMS_TEXT_BYTES
from chalicelib.domain.numbers import Phone
from chalicelib.domain.recipients import Reach
from chalicelib.domain.resolve import Origin, Profile
from chalicelib.errors import Code, OcpError
from chalicelib.media import tts
from chalicelib.store import aws, blasts, calls, queues, texts
from chalicelib.store import recipients as recipient_calls
from chalicelib.store.blasts import BlastInfo
from chalicelib.store.calls import SCHEDULED
from chalicelib.telephony import Target, carriers
from chalicelib.workflows import compliance, dialing, pacing, schedule, spend, texting
from chalicelib.workflows.messages import (
    Pace,
    RecipientBatch,
    StartBlast,
    UnknownAction,
    decode_fanout,
)

log = logging.getLogger(__name__)


SCHEDULE_KIND = "blast"
MAX_SMS_BYTES = SMS_TEXT_BYTES  # domain/limits.py


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
    charge(eid, kind, len(fields["terminations"]), fields["text"])
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


def check_recipients(terminations: list[Destination], most: int | None = None) -> None:
    """903 past `most` recipients (the platform's OCP_BLAST_MAX_RECIPIENTS by default)."""
    most = settings.get().blast_max_recipients if most is None else most
    if len(terminations) > most:
        raise OcpError(
            Code.BAD_LENGTH,
            name="destination",
            value=f"{len(terminations)} destinations",
            low=1,
            high=most,
        )


def charge(eid: int, kind: str, count: int, text: str | None) -> None:
    """The enterprise's daily caps (workflows/spend.py, 118): its recipients, and a text's
    segments for each recipient, or a voice text's characters spoken (once per blast)."""
    spend.charge(eid, tenants.RECIPIENTS, count)
    if kind == SMS and text:
        spend.charge(eid, tenants.SEGMENTS, count * segments.count(text).count)
    elif text:
        spend.charge(eid, tenants.SPEECH, len(text))


def check_text(kind: str, text: str | None) -> None:
    """A text is at most 1,600 bytes (End User Messaging's MessageBody, Twilio's 1,600
    characters): 903 beyond, counted in UTF-8."""
    if kind == SMS and text is not None and len(text.encode()) > MAX_SMS_BYTES:
        raise OcpError(Code.BAD_LENGTH, name="text", value=text, low=1, high=MAX_SMS_BYTES)


def _schedule_or_start(blast: BlastInfo, now: int) -> bool:
    """Schedule a blast for later (True), or start it now: claimed here, so it has fired
    as far as PUT and DELETE go (307), and its start queued for the fan-out (False)."""
    if blast.blast_time > now:
        # Every version gets its schedule: a firing of an older one is dropped.
        schedule.put(SCHEDULE_KIND, blast.blast_id, blast.version, blast.blast_time)
        return True
    if blast.version > 1:
        schedule.cancel(SCHEDULE_KIND, blast.blast_id)  # a PUT moved it to now
    if blasts.claim_start(blast, now) is not None:
        send([StartBlast(blast.blast_id, blast.version)])
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
    send([StartBlast(blast_id, version)])


def wake(blast_id: int, version: int) -> None:
    """A wake-up of an SMS blast's waiting recipients (`blastwake-{blastId}-{at}`, issue 27;
    workflows/compliance.py): its batches are queued again; the consumer texts whoever's
    window is open now and leaves everyone texted or ended alone."""
    blast = blasts.load(blast_id)
    if blast is None or blast.version != version or blast.state != blasts.STARTED:
        log.info("blast %s version %s: gone, superseded or not started: no wake", blast_id, version)
        return
    if blast.kind == SMS:
        # The receipt window of the texts this wake-up sends: the sweep moves after them.
        texting.schedule_sweep(blast, clock.now())
        send(batches(blast, _shared(blast)))


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
    if blast.kind == SMS:
        texting.schedule_sweep(blast, clock.now())
    send(batches(blast, _shared(blast), _pace(blast)))
    blasts.mark_started(blast_id)
    log.info("blast %s: %d recipients queued", blast_id, blast.recipients)


@dataclass(frozen=True)
class Shared:
    """What every recipient of a blast gets, worked out once per blast."""

    origin: Origin
    caller_id: str | None  # e164; None: withheld (hideAni) or none
    calling_number: str
    announcement: dict[str, Any] | None = None  # voice
    text: str | None = None  # sms


def _shared(blast: BlastInfo) -> Shared:
    profile = recipient_calls.profiles_for(blast.eid, [blast.origination])[0]
    origin = recipients.origin(blast.origination, profile)
    caller = recipients.caller(blast.origination, profile)
    caller_id = None if blast.hide_ani or caller is None else caller.e164
    calling_number = caller.display if caller else ""
    if blast.kind == SMS:
        return Shared(origin, caller_id, calling_number, text=blast.text)
    return Shared(origin, caller_id, calling_number, announcement=announcement(blast, caller))


def announcement(blast: BlastInfo, caller: Phone | None) -> dict[str, Any]:
    """The audio every recipient hears: the blast's audio, or its text spoken by Polly,
    synthesised here, once per blast, and made playable by the carrier, once. With
    allowCallback the carrier offers to connect the recipient to the originator's number
    by pressing 1."""
    digit = blast.compliance.opt_out_digit
    prompt = None if digit is None else opt_out_prompt(digit)
    if blast.audio is not None:
        key = blast.audio.key
        spoken = None
    else:
        assert blast.text is not None  # a voice blast has audio or text (store.blasts: 900)
        # issue 27: the announcement ends with the opt-out prompt
        spoken = blast.text if prompt is None else f"{blast.text} {prompt}"
        key = tts.speech(spoken)
    out: dict[str, Any] = {"audioKey": key}
    if blast.allow_callback and caller is not None:
        out["callbackTo"] = caller.e164
    if digit is not None and prompt is not None:
        # issue 27: the digit, the prompt (played after uploaded audio) and the thanks
        out["optOut"] = {"digit": digit, "prompt": prompt, "thanks": OPT_OUT_THANKS}
        if blast.audio is not None:
            out["optOut"]["promptKey"] = tts.speech(prompt)
    return carriers.carrier().prepare(out, spoken)


def _pace(blast: BlastInfo) -> Pace | None:
    """The recipients' turns, when the carrier paces new calls: reserved once per blast."""
    if blast.kind == SMS:
        return None
    # A start repeated after a failure keeps the turns reserved the first time.
    count = 0 if blast.paced_from is not None else blast.recipients
    if settings.get().pacing:
        plan: tuple[float, float] | None = pacing.plan(str(blast.eid), count, float(clock.now()))
    else:
        plan = carriers.carrier().schedule(count)
    if plan is None:
        return None
    first, every = plan
    return Pace(blasts.pace(blast.blast_id, first), every)


def batches(blast: BlastInfo, shared: Shared, pace: Pace | None = None) -> list[RecipientBatch]:
    """The blast's recipients in batches of `blast_batch_size`."""
    assert blast.first_call_id is not None  # claimed: its callIds are allocated
    size = settings.get().blast_batch_size
    return [
        RecipientBatch(
            blast_id=blast.blast_id,
            kind=blast.kind,
            eid=blast.eid,
            user_id=blast.user_id,
            time=blast.blast_time,
            first_call_id=blast.first_call_id,
            first=first,
            terminations=blast.terminations[first : first + size],
            origin=shared.origin,
            caller_id=shared.caller_id,
            calling_number=shared.calling_number,
            announcement=shared.announcement,
            text=shared.text,
            pace=pace,
            callback=blast.callback,
            # issue 27 hook
            rules=blast.compliance,
            started=blast.started or clock.now(),
            version=blast.version,
        )
        for first in range(0, blast.recipients, size)
    ]


def send(messages: list[StartBlast] | list[RecipientBatch]) -> None:
    """Onto the fan-out queue, ten (and at most 256 KiB) a request."""
    queues.send_all(aws.fanout_queue_url(), [m.encode() for m in messages])


# -- the consumer -----------------------------------------------------------------------------


def handle(message: dict[str, Any]) -> None:
    try:
        decoded = decode_fanout(message)
    except UnknownAction as e:
        log.error("%s dropped", e)
        return
    with logs.scope(blastId=decoded.blast_id):
        if isinstance(decoded, StartBlast):
            start(decoded.blast_id, decoded.version)
        else:
            recipients_batch(decoded)


def recipients_batch(message: RecipientBatch) -> None:
    kind = message.kind
    batch = recipient_calls.Batch(
        message.blast_id,
        message.eid,
        message.user_id,
        recipient_calls.CALL_KINDS[kind],
        message.time,
        message.calling_number,
        message.callback,
    )
    terms = list(message.terminations)
    numbered = message.numbered()
    at = clock.now()
    reaches = spend.reachable(  # numbers outside the enterprise's countries: not reached
        batch.eid,
        [
            _reach(t, p, at, message.origin, sms=kind == SMS)
            for t, p in zip(terms, recipient_calls.profiles_for(batch.eid, terms), strict=True)
        ],
    )
    # issue 27 hook: do-not-call, calling hours, frequency cap, before anyone is reached
    if kind == SMS:
        # Recipients texted already (a wake-up queues every batch again) are left alone.
        states = recipient_calls.states_of([c for c, _, _ in numbered])
        keep = [i for i, (c, _, _) in enumerate(numbered) if states.get(c, SCHEDULED) == SCHEDULED]
        numbered, reaches = [numbered[i] for i in keep], [reaches[i] for i in keep]
    screened = compliance.screen(
        batch.eid, numbered, reaches, message.rules, message.started or at, at
    )
    if kind == SMS:
        _text(batch, numbered, screened, message)
    else:
        _dial(batch, numbered, screened, message)
    metrics.blast_recipients(kind, len(terms))


def _reach(
    term: Destination, profile: Profile | None, at: int, origin: Origin, *, sms: bool
) -> Reach:
    if term.type == PHONE:
        assert isinstance(term.value, Phone)
        return recipients.number(term.value, profile, origin)
    return (recipients.sms if sms else recipients.voice)(profile, at, origin)


def _dial(
    batch: recipient_calls.Batch,
    numbered: list[tuple[int, int, Destination]],
    screened: list[compliance.Screened],
    message: RecipientBatch,
) -> None:
    """One leg per recipient (DESIGN.md: an answering machine counts, nobody is asked for 1).
    A recipient outside its calling window waits in its execution until it opens; one on
    the do-not-call list (or past its 7 days) ends without a call (issue 27)."""
    waiting = {
        c: s.verdict.at
        for (c, _, _), s in zip(numbered, screened, strict=True)
        if s.verdict.at is not None
    }
    recipient_calls.create_calls(batch, numbered, not_before=waiting)
    pace = message.pace
    for (call_id, n, term), found in zip(numbered, screened, strict=True):
        if found.verdict.result is not None:
            _end(call_id, term, found.verdict.result)
            continue
        reach = found.reach
        turn = None if pace is None else pace.at(n)
        if found.verdict.at is not None:
            turn = max(turn or 0.0, float(found.verdict.at))
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
            announcement=message.announcement or {},
            caller_id=message.caller_id,
            share=str(message.eid),
        )
        dialing.start(
            call_id,
            [leg],
            name=execution_name(batch.blast_id, n),
            pace_at=turn,
            retry=found.retry,
        )


def _end(call_id: int, term: Destination, result: str) -> None:
    """A recipient that ends without a call or text: DoNotCall, Capped, OutsideCallingHours
    (its one attempt names the destination, as DND does), once."""
    at = clock.now()
    state = texts.record(call_id, [texts.TextAttempt(str(term.label), result)], at)
    if state.done:
        calls.finish(call_id, False, at)


def _text(
    batch: recipient_calls.Batch,
    numbered: list[tuple[int, int, Destination]],
    screened: list[compliance.Screened],
    message: RecipientBatch,
) -> None:
    """Texts each recipient this delivery claims, paced (workflows/texting.py); what it
    had no time for goes back onto the queue as the same message from recipient `n`.
    One outside its window waits (its item `scheduled` with notBefore) for the blast's
    wake-up at that opening; one on the do-not-call list ends without a text (issue 27)."""
    now: list[tuple[tuple[int, int, Destination], Reach]] = []
    openings: set[int] = set()
    for (call_id, n, term), found in zip(numbered, screened, strict=True):
        if found.verdict.result is not None:
            if recipient_calls.claim(batch, call_id, n, term):
                _end(call_id, term, found.verdict.result)
        elif found.verdict.at is not None:
            recipient_calls.create_calls(
                batch, [(call_id, n, term)], not_before={call_id: found.verdict.at}
            )
            openings.add(found.verdict.at)
        else:
            now.append(((call_id, n, term), found.reach))
    if openings:
        compliance.wake_at(batch.blast_id, message.version, openings)
    numbered = [r for r, _ in now]
    reaches = [reach for _, reach in now]

    def requeue(n: int) -> None:
        send([message.rest(n)])

    texting.text_batch(batch, numbered, reaches, message.text or "", requeue)
