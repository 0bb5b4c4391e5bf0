"""Blast compliance in the fan-out (issue 27; docs/api-blasts-and-media.md "Compliance"):
each batch of recipients is screened before anyone is dialled or texted.

    screened = screen(eid, numbered, reaches, rules, started, at)
    end(batch, call_id, n, term, result)     a recipient that ends without a call or text
    wake_at(blast_id, version, openings)     SMS: one schedule per blast per window opening
    opted_out(eid, e164, source)             STOP at the provider, or the opt-out digit

A recipient's numbers on the enterprise's do-not-call list are dropped (all of them:
it ends DoNotCall, and nothing reaches the carrier or the provider). Its calling window
(the blast's `callingWindow`, else the enterprise's default) is read on the wall clock
of every zone of the number it reaches first (domain/calling_hours.py); the daily
frequency cap (the enterprise's) is counted per number and recipient date.

How a waiting recipient wakes up (no schedule per recipient):
- voice: its dial execution starts now and waits in the state machine's Pace state
  until `max(its pacing turn, notBefore)`; a Standard workflow's Wait costs nothing while
  it waits, and the dial still passes the account's pacing gate when it wakes.
- SMS: its Calls item is written `scheduled` with `notBefore`, and the blast gets one
  schedule per distinct opening (`blastwake-{blastId}-{at}`: a zone's 08:00 is one
  schedule for all of its recipients); when it fires, the blast's batches are queued
  again, texting whoever's window is open and leaving everyone already texted alone.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from chalicelib.domain import calling_hours, compliance
from chalicelib.domain.compliance import BlastRules, Verdict
from chalicelib.store import calls, donotcall
from chalicelib.telephony import Dial, Outcome
from chalicelib.workflows import dialing, schedule
from chalicelib.workflows.tasks import RetryTask

log = logging.getLogger(__name__)

WAKE_KIND = "blastwake"


@dataclass(frozen=True)
class Screened:
    verdict: Verdict
    reach: Any  # domain.recipients.Reach, without the numbers on the do-not-call list
    retry: dict | None = None  # the dial execution's retries (voice), if any


def screen(
    eid: int,
    numbered: list,
    reaches: list,
    rules: BlastRules,
    started: int,
    at: int,
) -> list[Screened]:
    """The verdict on each (callId, n, termination) of a batch and what it reaches."""
    settings = donotcall.rules(eid)
    window = rules.window or settings.window
    listed = donotcall.listed(eid, (p.e164 for r in reaches for p in r.numbers))
    out = []
    for (call_id, _n, _term), reach in zip(numbered, reaches, strict=True):
        if not reach.numbers:  # DND, Blacklisted, nobody: as before
            out.append(Screened(compliance.NOW, reach))
            continue
        kept = tuple(p for p in reach.numbers if p.e164 not in listed)
        first = kept[0] if kept else reach.numbers[0]
        zones = calling_hours.zones_of(first, settings.zone)
        take = functools.partial(_take, eid, first.e164, zones, settings.daily_cap, call_id, at)

        verdict = compliance.screen(
            window=window,
            zones=zones,
            now=at,
            started=started,
            on_list=not kept,
            cap=settings.daily_cap,
            take=take,
        )
        again = retry_input(rules, settings.window, zones, started)
        out.append(Screened(verdict, replace(reach, numbers=kept), again))
    return out


def retry_input(
    rules: BlastRules, enterprise_window: Any, zones: tuple[str, ...], started: int
) -> dict | None:
    """The dial execution's `retry` (call.asl.json's MayRetry ... RetryHunt), or None."""
    if not rules.retries:
        return None
    window = rules.window or enterprise_window
    return {
        "left": rules.retries,
        "try": 0,
        "intervalSeconds": rules.retry_interval * 60,
        "window": None if window is None else str(window),
        "zones": list(zones),
        "deadline": started + calling_hours.HORIZON_SECONDS,
    }


def retry(task: RetryTask, now: int) -> dict[str, str | None]:
    """The dialer's `retry` task: when the next try may ring, as a Wait's timestamp, or
    None (the recipient ends with its last result)."""
    at = compliance.retry_at(
        now,
        task.interval_seconds,
        calling_hours.CallingWindow.parse(task.window) if task.window else None,
        task.zones or ("UTC",),
        task.deadline,
    )
    return {"at": None if at is None else dialing.timestamp(at)}


def _take(
    eid: int,
    e164: str,
    zones: tuple[str, ...],
    cap: int | None,
    call_id: int,
    at: int,
    opening: int,
) -> bool:
    """Count the recipient against its number's cap on the day of `opening`."""
    if cap is None:
        return True
    return donotcall.take(eid, e164, calling_hours.local_day(zones, opening), cap, call_id, at)


def wake_at(blast_id: int, version: int, openings: Iterable[int]) -> None:
    """One wake-up per distinct opening of the blast's waiting SMS recipients."""
    for at in sorted(set(openings)):
        schedule.put(WAKE_KIND, blast_id, version, at, suffix=str(at))


def voice_opt_outs(dial: Dial, outcome: Outcome, at: int) -> None:
    """A recipient who pressed the blast's opt-out digit: its number on the list."""
    pressed = {a.number for a in outcome.attempts if a.result == compliance.OPTED_OUT}
    if not pressed:
        return
    item = calls.find(dial.call_id)
    if item is None:
        return
    for target in dial.targets:
        if target.number in pressed:
            opted_out(int(item.eid), target.e164, "voice", at)


def opted_out(eid: int, e164: str, source: str, at: int) -> None:
    donotcall.add(eid, [e164], source, at)
    log.info("number added to the do-not-call list", extra={"fields": {"source": source}})
