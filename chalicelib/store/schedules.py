"""EventBridge Scheduler, as the workflows use it: one-time schedules in the stage's
group, made, moved, listed and deleted by name (workflows/schedule.py says what they
are for). The workflows never call boto3 themselves."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from chalicelib import settings
from chalicelib.store import aws


def put(request: dict[str, Any]) -> None:
    """CreateSchedule, or UpdateSchedule when one of its name exists (the same request)."""
    scheduler = _client()
    try:
        scheduler.create_schedule(**request)
    except scheduler.exceptions.ConflictException:
        scheduler.update_schedule(**request)


def delete(name: str) -> None:
    """Delete the schedule, if it is still there."""
    scheduler = _client()
    with contextlib.suppress(scheduler.exceptions.ResourceNotFoundException):
        scheduler.delete_schedule(Name=name, GroupName=settings.get().schedule_group)


@dataclass(frozen=True)
class Listed:
    name: str
    expression: str  # Scheduler's: "at(...)" for a one-time schedule
    target_input: str  # its target's input, as given (JSON)


def listed() -> Iterator[Listed]:
    """The stage's schedules; one deleted between the list and its read is skipped."""
    scheduler = _client()
    group = settings.get().schedule_group
    for page in scheduler.get_paginator("list_schedules").paginate(GroupName=group):
        for summary in page["Schedules"]:
            try:
                item = scheduler.get_schedule(Name=summary["Name"], GroupName=group)
            except scheduler.exceptions.ResourceNotFoundException:
                continue  # deleted since it was listed (cancelled, or started by a PUT)
            yield Listed(item["Name"], item["ScheduleExpression"], item["Target"]["Input"])


def _client() -> Any:
    return aws.client("scheduler")
