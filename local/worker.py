"""The local stand-in for what AWS does by itself after a response: the dial queue's
Lambda trigger, which hands each message to the dialer, the fan-out queue's, which hands
each to the blast fan-out, the callbacks queue's, which delivers status events, and
EventBridge Scheduler, which fires due schedules. Runs in
`make run`'s process until Ctrl-C or until a service stops."""

from __future__ import annotations

import logging
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

log = logging.getLogger("chalicelib.local.worker")

WAIT_SECONDS = 1  # SQS long poll: an idle loop costs one request a second
# Messages are handled side by side, as concurrent Lambda invocations would be, so a
# slow test number (555-0105) does not hold up another call.
CONCURRENCY = 8


def run_forever(children: list[subprocess.Popen]) -> None:
    from chalicelib.workflows import dialer

    dialer.default()  # made once, before the threads share it
    with ThreadPoolExecutor(max_workers=CONCURRENCY, thread_name_prefix="dialer") as pool:
        while all(child.poll() is None for child in children):
            fire_due_schedules()
            drain_fanout_queue(pool)
            drain_callback_queue(pool)
            drain_dial_queue(pool)
    raise SystemExit("a local service stopped; shutting down")


def drain_dial_queue(pool: ThreadPoolExecutor, wait_seconds: int = WAIT_SECONDS) -> int:
    """Receive what is on the dial queue and hand it to the dialer; the number received."""
    from chalicelib.store import aws
    from chalicelib.workflows import dialer

    return _drain(aws.dial_queue_url(), dialer.default().handle, "dial queue", pool, wait_seconds)


def drain_fanout_queue(pool: ThreadPoolExecutor | None = None, wait_seconds: int = 0) -> int:
    """Receive what is on the blast fan-out queue and hand it to the fan-out (in `pool`,
    or here and now without one); the number received."""
    from chalicelib.store import aws
    from chalicelib.workflows import fanout

    return _drain(aws.fanout_queue_url(), fanout.handle, "fan-out queue", pool, wait_seconds)


def drain_callback_queue(pool: ThreadPoolExecutor | None = None, wait_seconds: int = 0) -> int:
    """Deliver what is on the status callbacks queue, each message group in order
    (events/delivery.py); the number received."""
    from chalicelib.events import delivery

    messages = delivery.receive(wait_seconds)
    if messages:
        if pool is None:
            delivery.handle_received(messages)
        else:
            pool.submit(delivery.handle_received, messages)
    return len(messages)


def _drain(
    url: str,
    handle: Callable[[dict], None],
    queue: str,
    pool: ThreadPoolExecutor | None,
    wait_seconds: int,
) -> int:
    from chalicelib.store import aws

    messages = (
        aws.client("sqs")
        .receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=wait_seconds)
        .get("Messages", [])
    )
    for message in messages:
        if pool is None:
            _deliver(url, message, handle, queue)
        else:
            pool.submit(_deliver, url, message, handle, queue)
    return len(messages)


def fire_due_schedules() -> int:
    """Fire the schedules whose time has come, as EventBridge Scheduler would (moto's
    stores them but never fires), then delete them (`ActionAfterCompletion: DELETE`)."""
    from chalicelib import clock
    from chalicelib.workflows import fire, schedule

    fired = schedule.due(clock.now())
    for item in fired:
        try:
            fire.fire(item["input"])
        except Exception:
            # Scheduler would retry and then dead-letter it; locally, say so and move on.
            log.exception("firing schedule %s failed", item["name"])
        schedule.delete(item["name"])
    return len(fired)


def _deliver(url: str, message: dict[str, Any], handle: Callable[[dict], None], queue: str) -> None:
    """One message, as Lambda's SQS trigger delivers it: deleted when handled, left for
    redelivery (after the visibility timeout) when the handler raises."""
    from chalicelib.store import aws
    from chalicelib.workflows.handlers import parse

    body = parse(message["Body"], queue)
    try:
        if body is not None:
            handle(body)
    except Exception:
        log.exception("%s message failed; it will be delivered again", queue)
        return
    aws.client("sqs").delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
