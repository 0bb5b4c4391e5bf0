"""SMS blast recipients after the response (DESIGN.md "Blasts fan out"; docs/sms.md):
each is texted through the messaging port, paced, and ends on its delivery receipt.

    text_batch(...)   a fan-out batch of an SMS blast: claim, pace, send, record, in order
    receipt(r)        a delivery receipt (the SNS consumer, or at once from the simulated
                      adapter): the text's result, and the recipient's end once all are in
    sweep(id, ver)    the receipt window has passed (a schedule `smsreceipts-{blastId}`):
                      whatever still awaits a receipt is unknown

A recipient is texted only by the delivery that created its Calls item (claimed just
before it is texted, not for the whole batch, so a batch that runs out of time hands its
rest back to the queue). Its attempts are Sent until their receipts come; the recipient
ends (complete if a text was delivered, else failed) through `calls.finish`, the write
that ends every call, which publishes its `completed` status event: one per recipient,
on its outcome, not on the send. A receipt delivered twice, late, or for a message the
recipient never had changes nothing (store.texts.record_receipt's conditions); one that
comes before the send's own write is held on the recipient, and that write applies it.

Pacing: each send takes a turn of the origination identity's limiter (store/sms_pacing.py,
messages a second from settings), shared by every batch of every blast; a throttled send
waits and is tried again, never a failed recipient (STYLE 12).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from functools import cache

from chalicelib import clock, messaging, settings
from chalicelib.domain.destinations import Destination
from chalicelib.domain.numbers import Phone
from chalicelib.domain.recipients import Reach
from chalicelib.domain.results import BLACKLISTED, DND, FAILED, SUCCESS
from chalicelib.messaging import (
    OPTED_OUT,
    UNKNOWN,
    MessagingBusy,
    MessagingError,
    Messenger,
    Receipt,
    Sent,
    Text,
    eum,
)
from chalicelib.store import blasts, calls, recipients, sms_pacing, texts
from chalicelib.store.blasts import BlastInfo
from chalicelib.workflows import compliance, schedule

log = logging.getLogger(__name__)

SWEEP_KIND = "smsreceipts"
Sleep = Callable[[float], None]


@cache
def default() -> Messenger:
    """The messaging adapter, made once per process."""
    return messaging.messenger()


def context(blast_id: int, n: int, call_id: int, attempt: int) -> dict[str, str]:
    """What a text carries for its receipt to find it (End User Messaging's Context)."""
    return {
        messaging.BLAST_ID: str(blast_id),
        messaging.RECIPIENT: str(n),
        messaging.CALL_ID: str(call_id),
        messaging.ATTEMPT: str(attempt),
    }


def text_batch(
    batch: recipients.Batch,
    numbered: list[tuple[int, int, Destination]],
    reaches: list[Reach],
    body: str,
    requeue: Callable[[int], None],
    *,
    sleep: Sleep | None = None,
) -> None:
    """Text each recipient of a fan-out batch this delivery claims, in order, paced.
    Out of time (settings.sms_batch_seconds), the recipients not yet started are handed
    back with `requeue(n)` (n: the first of them)."""
    messenger, sleep = default(), sleep or time.sleep
    deadline = time.monotonic() + settings.get().sms_batch_seconds
    for i, ((call_id, n, term), reach) in enumerate(zip(numbered, reaches, strict=True)):
        if i and time.monotonic() > deadline:  # one recipient at least: progress
            requeue(n)
            return
        if not recipients.claim(batch, call_id, n, term):
            continue  # an earlier delivery texted it
        if reach.blacklisted or reach.dnd or not reach.numbers:
            why = BLACKLISTED if reach.blacklisted else DND if reach.dnd else FAILED
            _record(call_id, [texts.TextAttempt(str(term.label), why)], [])
            continue
        sent: list[Sent] = []
        for j, phone in enumerate(reach.numbers):
            text = Text(phone.e164, body, context(batch.blast_id, n, call_id, j))
            try:
                done = _send(messenger, text, deadline if not sent else None, sleep)
            except MessagingError:
                # The provider failed for a reason of its own: the batch comes again,
                # and this recipient with it if nothing reached it.
                if not sent:
                    recipients.release(call_id)
                raise
            if done is None:
                # Nothing sent to this recipient, and no time left: give it back.
                recipients.release(call_id)
                requeue(n)
                return
            sent.append(done)
        _record(
            call_id,
            [_attempt(p.display, s) for p, s in zip(reach.numbers, sent, strict=True)],
            sent,
        )
        _opted_out(batch.eid, reach.numbers, sent)  # issue 27 hook


def _opted_out(eid: int, phones: tuple[Phone, ...], sent: list[Sent]) -> None:
    """A text refused because its number opted out (STOP at the provider) puts the number
    on the enterprise's do-not-call list (source sms)."""
    for phone, s in zip(phones, sent, strict=True):
        if s.receipt is not None and not s.message_id and s.receipt.outcome == OPTED_OUT:
            compliance.opted_out(eid, phone.e164, "sms", clock.now())


def _send(messenger: Messenger, text: Text, deadline: float | None, sleep: Sleep) -> Sent | None:
    """One text, in its turn; tried again while the provider is busy. None when the
    provider stayed busy past `deadline` (None: no deadline, this recipient is half sent)."""
    while True:
        wait = sms_pacing.take(messenger.identity, messenger.per_second, time.time())
        if wait is None:
            try:
                return messenger.send(text)
            except MessagingBusy as e:
                log.warning("messaging busy: %s; again in %.1f s", e, e.retry_after)
                wait = e.retry_after
        if deadline is not None and time.monotonic() + wait > deadline:
            return None
        sleep(wait)


def _attempt(number: str, sent: Sent) -> texts.TextAttempt:
    r = sent.receipt
    if r is not None and not sent.message_id:
        # Refused at the send (opted out, not a number it can text): final now.
        return texts.TextAttempt(number, _result(r), "", r.outcome)
    return texts.TextAttempt(number, texts.SENT, sent.message_id)


def _result(r: Receipt) -> str:
    return SUCCESS if r.delivered else FAILED


def _record(call_id: int, attempts: list[texts.TextAttempt], sent: list[Sent]) -> None:
    at = clock.now()
    state = texts.record(call_id, attempts, at)
    if state.done:
        _end(call_id, state, at)
    # Receipts known at the send (the simulated adapter) go the way every receipt goes.
    for s in sent:
        if s.receipt is not None and s.message_id:
            receipt(s.receipt)


def receipt_message(body: str) -> bool:
    """One End User Messaging event, as its SNS destination publishes it."""
    try:
        event = json.loads(body)
    except ValueError:
        log.error("SMS event that is not JSON dropped")
        return False
    found = eum.receipt(event) if isinstance(event, dict) else None
    return found is not None and receipt(found)


def receipt(r: Receipt) -> bool:
    """A text's receipt: True if it changed the recipient's result."""
    try:
        call_id = int(r.context[messaging.CALL_ID])
        attempt = int(r.context[messaging.ATTEMPT])
    except (KeyError, ValueError):
        log.warning("receipt for message %s names no recipient; dropped", r.message_id)
        return False
    at = clock.now()
    result = _result(r)
    state = texts.record_receipt(call_id, attempt, r.message_id, result, r.outcome, at)
    current = None
    if state is None:
        current = texts.current(call_id)
        if current is not None and current.live and not current.attempts:
            # Faster than the write of the send itself: held for that write to apply.
            if texts.hold_receipt(call_id, attempt, r.message_id, result, r.outcome, at):
                log.info("receipt for message %s came before its send: held", r.message_id)
                return True
            current = texts.current(call_id)  # the texts were recorded in between
        if current is not None and _awaiting(current, attempt, r.message_id):
            # Recorded between this receipt's first write and the read: it applies now.
            state = texts.record_receipt(call_id, attempt, r.message_id, result, r.outcome, at)
    if state is None:
        if current is not None and current.done:
            # Recorded by an earlier delivery that failed before the recipient's end.
            _end(call_id, current, at)
        log.info("receipt for message %s (%s) changed nothing", r.message_id, r.detail)
        return False
    if state.done:
        _end(call_id, state, at)
    return True


def _awaiting(current: texts.TextsState, attempt: int, message_id: str) -> bool:
    """Whether the recipient's attempt `attempt` is this message, live and still Sent."""
    found = current.attempts[attempt] if 0 <= attempt < len(current.attempts) else None
    return current.live and found is not None and found.message_id == message_id and not found.final


def _end(call_id: int, state: texts.TextsState, at: int) -> None:
    calls.finish(call_id, state.success, at)


# -- the receipt window ----------------------------------------------------------------------


def schedule_sweep(blast: BlastInfo, now: int) -> None:
    """When the blast starts: its sweep, once every text has had its receipt window
    (the recipients' sending time at the identity's pace, then settings.sms_unknown_after)."""
    s = settings.get()
    sending = int(blast.recipients / max(s.sms_messages_per_second, 0.01)) + 1
    schedule.put(
        SWEEP_KIND, blast.blast_id, blast.version, now + sending + s.sms_unknown_after_seconds
    )


def sweep(blast_id: int, version: int) -> None:
    """The receipt window has passed: each text still Sent is unknown, and a recipient
    claimed but never texted (its delivery died between the two) failed. Idempotent."""

    blast = blasts.load(blast_id)
    if blast is None or blast.first_call_id is None:
        return
    at = clock.now()
    swept = 0
    for n, status in enumerate(recipients.results(blast)):
        if status is None or status.done:
            continue
        if status.not_before is not None and status.state == calls.SCHEDULED:
            continue  # issue 27: waiting for its calling window (its wake-up re-sweeps)
        call_id = blast.call_id(n)
        state = texts.current(call_id)
        if state is None or not state.live:
            continue
        for i, a in enumerate(state.attempts):
            if not a.final:
                state = texts.record_receipt(call_id, i, a.message_id, FAILED, UNKNOWN, at) or state
        if state.done or not state.attempts:
            _end(call_id, state, at)
            swept += 1
    log.info("blast %s: %d recipients had no receipt (unknown)", blast_id, swept)
