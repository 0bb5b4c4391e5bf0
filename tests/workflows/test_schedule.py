"""EventBridge Scheduler one-time schedules over moto, and the fire dispatcher."""

import json

import pytest

from chalicelib import clock, settings
from chalicelib.store import aws as aws_clients
from chalicelib.workflows import fire, schedule

NOV_26_2026_15_00 = 1795705200


def stored(item_id: int, kind: str = "autoconference") -> dict:
    return aws_clients.client("scheduler").get_schedule(
        Name=schedule.name(kind, item_id), GroupName=settings.get().schedule_group
    )


def test_the_expression_is_a_one_time_utc_time():
    assert schedule.at_expression(NOV_26_2026_15_00) == "at(2026-11-26T15:00:00)"


def test_put_creates_a_one_time_schedule_with_target_input_and_retries(aws):
    # When an autoconference is scheduled
    schedule.put("autoconference", 7, 1, NOV_26_2026_15_00)
    # Then its schedule fires once, at that time in UTC, into `fire` with the item's version
    item = stored(7)
    assert item["ScheduleExpression"] == "at(2026-11-26T15:00:00)"
    assert item["ScheduleExpressionTimezone"] == "UTC"
    assert item["ActionAfterCompletion"] == "DELETE"
    assert item["Target"]["Arn"] == settings.get().fire_target_arn
    assert json.loads(item["Target"]["Input"]) == {"kind": "autoconference", "id": 7, "version": 1}
    assert item["Target"]["RetryPolicy"]["MaximumRetryAttempts"] == 5


def test_put_again_moves_the_schedule_and_its_version(aws):
    schedule.put("autoconference", 7, 1, NOV_26_2026_15_00)
    schedule.put("autoconference", 7, 2, NOV_26_2026_15_00 + 3600)
    item = stored(7)
    assert item["ScheduleExpression"] == "at(2026-11-26T16:00:00)"
    assert json.loads(item["Target"]["Input"])["version"] == 2


def test_cancel_removes_it_and_cancelling_twice_is_fine(aws):
    schedule.put("blastvoice", 3, 1, NOV_26_2026_15_00)
    schedule.cancel("blastvoice", 3)
    schedule.cancel("blastvoice", 3)
    with pytest.raises(aws_client_error()):
        stored(3, "blastvoice")


def test_due_lists_only_schedules_whose_time_has_come(aws):
    schedule.put("autoconference", 1, 1, NOV_26_2026_15_00)
    schedule.put("autoconference", 2, 1, NOV_26_2026_15_00 + 60)
    names = [d["name"] for d in schedule.due(NOV_26_2026_15_00)]
    assert names == ["autoconference-1"]


def test_the_local_worker_fires_due_schedules_once(aws, monkeypatch):
    from local import worker

    fired = []
    monkeypatch.setitem(fire.KINDS, "test", "tests.workflows.test_schedule:record")
    monkeypatch.setattr("tests.workflows.test_schedule.FIRED", fired)
    schedule.put("test", 5, 3, NOV_26_2026_15_00)
    with clock.frozen(NOV_26_2026_15_00):
        assert worker.fire_due_schedules() == 1
        assert worker.fire_due_schedules() == 0
    assert fired == [(5, 3)]


@pytest.mark.parametrize(
    "event",
    [{}, {"kind": "nothing", "id": 1, "version": 1}, {"kind": "test", "id": "1", "version": 1}],
)
def test_fire_drops_inputs_that_name_no_known_work(event, monkeypatch, caplog):
    fired: list = []
    monkeypatch.setitem(fire.KINDS, "test", "tests.workflows.test_schedule:record")
    monkeypatch.setattr("tests.workflows.test_schedule.FIRED", fired)
    # When a schedule fires with an input naming no known work
    fire.fire(event)  # raises nothing: a retry would not make it valid
    # Then nothing is started, and the input is logged
    assert fired == []
    assert "names no known work" in caplog.text


def test_fire_starts_the_work_its_input_names(monkeypatch):
    fired: list = []
    monkeypatch.setitem(fire.KINDS, "test", "tests.workflows.test_schedule:record")
    monkeypatch.setattr("tests.workflows.test_schedule.FIRED", fired)
    fire.fire({"kind": "test", "id": 1, "version": 2})
    assert fired == [(1, 2)]


FIRED: list = []


def record(item_id: int, version: int) -> None:
    FIRED.append((item_id, version))


def aws_client_error():
    from botocore.exceptions import ClientError

    return ClientError
