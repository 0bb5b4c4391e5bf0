"""`make run`'s worker: no single failure stops it (issue 13, item 1)."""

from __future__ import annotations

import json

from chalicelib import clock
from chalicelib.store import aws as aws_clients
from chalicelib.workflows import schedule
from local import worker

NOV_26_2026_15_00 = 1795705200


def test_a_schedule_deleted_between_list_and_get_is_skipped(aws, monkeypatch):
    # Given two due schedules, one of which is deleted while the worker reads the list
    schedule.put("autoconference", 1, 1, NOV_26_2026_15_00)
    schedule.put("autoconference", 2, 1, NOV_26_2026_15_00)
    scheduler = aws_clients.client("scheduler")
    get_schedule = scheduler.get_schedule

    def deleted_meanwhile(Name, GroupName):
        if Name == "autoconference-1":
            schedule.delete(Name)
        return get_schedule(Name=Name, GroupName=GroupName)

    monkeypatch.setattr(scheduler, "get_schedule", deleted_meanwhile)
    # Then the other one is still due, and nothing is raised
    assert [d["name"] for d in schedule.due(NOV_26_2026_15_00)] == ["autoconference-2"]


def test_a_failing_step_is_logged_and_the_others_still_run(aws, monkeypatch, caplog):
    # Given a scheduler that fails and a dial queue with one message on it
    def broken(now):
        raise RuntimeError("moto went away")

    monkeypatch.setattr(schedule, "due", broken)
    handled = []
    monkeypatch.setattr(
        worker,
        "CONSUMERS",
        (
            worker.Consumer("fan-out queue", aws_clients.fanout_queue_url, handled.append),
            worker.Consumer("dial queue", aws_clients.dial_queue_url, handled.append),
        ),
    )
    sqs = aws_clients.client("sqs")
    sqs.send_message(QueueUrl=aws_clients.dial_queue_url(), MessageBody=json.dumps({"n": 1}))
    # When the worker runs a round
    with clock.frozen(NOV_26_2026_15_00):
        healthy = worker.run_round(workers=None, wait_seconds=0)
    # Then the round says it failed, the failure is logged, and the message was handled
    assert healthy is False
    assert "schedules failed; going on" in caplog.text
    assert handled == [{"n": 1}]


def test_a_handler_that_raises_leaves_its_message_for_redelivery(aws, monkeypatch, caplog):
    def crash(message):
        raise RuntimeError("dialer crashed")

    consumer = worker.Consumer("dial queue", aws_clients.dial_queue_url, crash)
    sqs = aws_clients.client("sqs")
    url = aws_clients.dial_queue_url()
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"n": 1}))
    assert worker.drain(consumer, workers=None) == 1
    assert "it will be delivered again" in caplog.text
    # Not deleted: in flight until its visibility timeout ends, then delivered again
    attributes = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "1"


def test_the_worker_takes_no_more_messages_than_it_has_free_threads(aws):
    sqs = aws_clients.client("sqs")
    url = aws_clients.dial_queue_url()
    for n in range(5):
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"n": n}))
    handled = []
    consumer = worker.Consumer("dial queue", aws_clients.dial_queue_url, handled.append)

    class TwoFree:
        def free(self):
            return 2

        def submit(self, function, *args):
            function(*args)

    assert worker.drain(consumer, TwoFree()) == 2
    assert len(handled) == 2


def test_the_fan_out_waits_while_many_executions_are_dialing(aws, monkeypatch):
    sqs = aws_clients.client("sqs")
    fanned = []
    monkeypatch.setattr(
        worker,
        "CONSUMERS",
        (
            worker.Consumer(
                "fan-out queue",
                aws_clients.fanout_queue_url,
                fanned.append,
                held_back=worker._dialing_busy,
            ),
        ),
    )
    monkeypatch.setattr(worker, "FANOUT_HOLD_EXECUTIONS", 2)
    sqs.send_message(QueueUrl=aws_clients.fanout_queue_url(), MessageBody=json.dumps({"b": 1}))
    sfn = aws_clients.client("stepfunctions")
    arns = [
        sfn.start_execution(stateMachineArn=aws_clients.state_machine_arn(), name=f"x-{n}")[
            "executionArn"
        ]
        for n in range(2)
    ]
    with clock.frozen(NOV_26_2026_15_00):
        worker.run_round(workers=None, wait_seconds=0)
    assert fanned == []
    sfn.stop_execution(executionArn=arns[0])
    with clock.frozen(NOV_26_2026_15_00):
        worker.run_round(workers=None, wait_seconds=0)
    assert fanned == [{"b": 1}]
