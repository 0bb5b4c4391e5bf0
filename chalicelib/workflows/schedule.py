"""EventBridge Scheduler one-time schedules for future work (DESIGN.md "Scheduling").

One schedule per scheduled item (an autoconference, a blast): `at(...)` in UTC, in the
stage's schedule group, deleted by Scheduler once it has run (`ActionAfterCompletion:
DELETE`), retried, and sent to a dead-letter queue when every retry failed. Its target is
the `fire` Lambda function with `{"kind", "id", "version"}` as input; `version` lets
`fire` drop a delivery for an item that was moved since (PUT) or deleted.

Not EventBridge rules: those are capped per bus, while Scheduler holds millions of
one-time schedules.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from chalicelib import settings
from chalicelib.store import schedules
from chalicelib.workflows.firing import Firing

# Scheduler retries a failed invocation for up to an hour, 5 times at most; a later
# start is worse than none for a conference at a set time.
RETRY_POLICY = {"MaximumEventAgeInSeconds": 3600, "MaximumRetryAttempts": 5}


def name(kind: str, item_id: int, suffix: str = "") -> str:
    """`suffix`: one item with several schedules (a blast's wake-ups, one per window
    opening: workflows/compliance.py)."""
    return f"{kind}-{item_id}" + (f"-{suffix}" if suffix else "")


def at_expression(when: int) -> str:
    """Scheduler's one-time expression for a Unix time, to the second, in UTC."""
    return "at(" + datetime.fromtimestamp(when, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S") + ")"


def put(kind: str, item_id: int, version: int, when: int, suffix: str = "") -> None:
    """Create the item's schedule, or move it (new time, new version) if it exists."""
    s = settings.get()
    target = {
        "Arn": s.fire_target_arn,
        "RoleArn": s.scheduler_role_arn,
        "Input": json.dumps(Firing(kind, item_id, version).encode()),
        "RetryPolicy": RETRY_POLICY,
    }
    if s.scheduler_dlq_arn:
        target["DeadLetterConfig"] = {"Arn": s.scheduler_dlq_arn}
    request = {
        "Name": name(kind, item_id, suffix),
        "GroupName": s.schedule_group,
        "ScheduleExpression": at_expression(when),
        "ScheduleExpressionTimezone": "UTC",
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "Target": target,
        "ActionAfterCompletion": "DELETE",
        "State": "ENABLED",
    }
    schedules.put(request)


def cancel(kind: str, item_id: int) -> None:
    """Delete the item's schedule; one that has already run (and so was deleted) is fine."""
    delete(name(kind, item_id))


@dataclass(frozen=True)
class Pending:
    name: str
    at: int  # when it fires, Unix time
    input: dict  # what `fire` gets: {"kind", "id", "version"}


def pending() -> list[Pending]:
    """The stage's one-time schedules that have not run, soonest first (the local worker
    fires the due ones; `admin watch` shows them all)."""
    found = []
    for item in schedules.listed():
        expression = item.expression
        if not expression.startswith("at("):
            continue
        when = datetime.strptime(expression[3:-1], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
        found.append(Pending(item.name, int(when.timestamp()), json.loads(item.target_input)))
    return sorted(found, key=lambda p: (p.at, p.name))


def due(now: int) -> list[dict]:
    """The schedules whose time has come, with their target input.

    Only the local worker asks this: moto's scheduler stores schedules but never fires
    them, so `make run` fires them itself. Deployed, Scheduler does.
    """
    return [{"name": p.name, "input": p.input} for p in pending() if p.at <= now]


def delete(schedule_name: str) -> None:
    """Delete a schedule by name, if it is still there (cancel, and the local worker doing
    what `ActionAfterCompletion: DELETE` does once a schedule has run)."""
    schedules.delete(schedule_name)
