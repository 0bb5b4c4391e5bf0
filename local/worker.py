"""The local stand-in for what AWS does by itself after a response: each queue's Lambda
trigger (the dial queue's hands each message to the dialer, the fan-out queue's to the
blast fan-out, the callbacks queue's delivers status events), the tables' stream trigger
(committed changes become status events: local/streams.py) and EventBridge Scheduler,
which fires due schedules. Runs in `make run`'s
process until Ctrl-C or until a service stops.

No single failure stops it: a handler that raises leaves its message for redelivery, as
Lambda does, and a round that fails (moto busy, a schedule deleted while it was being
read) is logged and the next round goes on. Adding a consumer is one line in `CONSUMERS`.

It takes no more messages than it has free threads (a message received and left waiting
would outlive its visibility timeout and come again), and it holds back the blast fan-out
while `FANOUT_HOLD_EXECUTIONS` dialing executions are running: deployed, every recipient's
execution runs at once and the dialer Lambda scales out with the dial queue; here one
process dials, a few calls at a time, and moto interprets every execution in a thread of
its own, so a 1,000-recipient blast started at once left dial messages waiting past their
tasks' heartbeat timeout and every recipient failed.
"""

from __future__ import annotations

import logging
import queue
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalicelib import clock
from chalicelib.events import delivery
from chalicelib.queues import parse
from chalicelib.store import aws
from chalicelib.workflows import dialer, fanout, fire, schedule

log = logging.getLogger("chalicelib.local.worker")

WAIT_SECONDS = 1  # SQS long poll: an idle loop costs one request a second
# Messages are handled side by side, as concurrent Lambda invocations would be, so a
# slow test number (555-0105) does not hold up another call.
CONCURRENCY = 8
# The fan-out waits while this many dialing executions are running (a batch's worth).
FANOUT_HOLD_EXECUTIONS = 100
# A round with no free thread waits this long before looking again.
BUSY_PAUSE_SECONDS = 0.05
# After a failed round, before the next: a failure that repeats (moto gone) is not a
# busy loop of tracebacks.
PAUSE_AFTER_FAILURE_SECONDS = 1.0


def _dial_queue_url() -> str:
    return aws.dial_queue_url()


def _dial(message: dict) -> None:
    dialer.default().handle(message)


def _fanout_queue_url() -> str:
    return aws.fanout_queue_url()


def _fan_out(message: dict) -> None:
    fanout.handle(message)


def _sms_receipt_queue_url() -> str:
    from chalicelib.store import aws
    from local import bootstrap

    return aws.client("sqs").get_queue_url(QueueName=bootstrap.sms_receipt_queue_name())["QueueUrl"]


def _sms_receipt(message: dict) -> None:
    """What the `smsreceipts` function gets from SNS: the event in the envelope's Message."""
    from chalicelib.workflows import texting

    texting.receipt_message(str(message.get("Message", "")))


def _dialing_busy() -> bool:
    running = aws.client("stepfunctions").list_executions(
        stateMachineArn=aws.state_machine_arn(),
        statusFilter="RUNNING",
        maxResults=FANOUT_HOLD_EXECUTIONS,
    )["executions"]
    return len(running) >= FANOUT_HOLD_EXECUTIONS


@dataclass(frozen=True)
class Consumer:
    """A queue, the handler its Lambda trigger hands each message to, how many messages
    are handled at once (threads of its own, as concurrent invocations), and when to
    leave the queue alone for now."""

    queue: str
    url: Callable[[], str]
    handle: Callable[[dict], None]
    threads: int = CONCURRENCY
    held_back: Callable[[], bool] = lambda: False


CONSUMERS = (
    Consumer("fan-out queue", _fanout_queue_url, _fan_out, 1, _dialing_busy),
    Consumer("dial queue", _dial_queue_url, _dial),
)
# With OCP_MESSAGING=eum: End User Messaging's receipt topic, through a queue (the local
# fake publishes to the topic; deployed, the topic invokes `smsreceipts`). Two at a time:
# each receipt that ends a recipient is a TransactWriteItems (calls.finish), which moto
# applies one at a time, copying the whole Calls table for each; eight at once outlasted
# the client's read timeout in a 1,000-recipient run, and the retried conditional write
# then read as "already ended".
SMS_RECEIPT_THREADS = 2
SMS_RECEIPTS = Consumer(
    "sms receipts queue", _sms_receipt_queue_url, _sms_receipt, SMS_RECEIPT_THREADS
)


def consumers() -> tuple[Consumer, ...]:
    from chalicelib import settings

    if settings.get().messaging == "eum":
        return (SMS_RECEIPTS, *CONSUMERS)
    return CONSUMERS


class Workers:
    """Threads that handle messages, knowing how many of them are free. Daemon threads:
    Ctrl-C stops `make run` at once, not after the messages in hand (they come again)."""

    def __init__(self, threads: int) -> None:
        self._tasks: queue.Queue[tuple[Callable[..., None], tuple]] = queue.Queue()
        self._free = threads
        self._lock = threading.Lock()
        for n in range(threads):
            threading.Thread(target=self._work, name=f"worker-{n}", daemon=True).start()

    def free(self) -> int:
        with self._lock:
            return self._free

    def submit(self, function: Callable[..., None], *args: Any) -> None:
        with self._lock:
            self._free -= 1
        self._tasks.put((function, args))

    def _work(self) -> None:
        while True:
            function, args = self._tasks.get()
            try:
                function(*args)
            except Exception:
                log.exception("local worker: a task failed")
            finally:
                with self._lock:
                    self._free += 1


def run_forever(children: list[subprocess.Popen]) -> None:
    dialer.default()  # made once, before the threads share it
    workers = {c.queue: Workers(c.threads) for c in consumers()}
    workers[CALLBACKS] = Workers(CONCURRENCY)
    while all(child.poll() is None for child in children):
        if not run_round(workers):
            time.sleep(PAUSE_AFTER_FAILURE_SECONDS)
        elif not any(w.free() for w in workers.values()):
            time.sleep(BUSY_PAUSE_SECONDS)
    raise SystemExit("a local service stopped; shutting down")


def run_round(workers: dict[str, Workers] | None, wait_seconds: int = WAIT_SECONDS) -> bool:
    """Fire due schedules, read the tables' streams (their events go onto the callbacks
    queue), then drain each queue once (the last one long-polls) onto its
    consumer's workers (or here and now without them); False if any step failed (logged).
    A step's failure never stops the others."""
    healthy = _step("schedules", fire_due_schedules)
    healthy = _step(STREAMS, drain_event_streams) and healthy
    callbacks = None if workers is None else workers[CALLBACKS]
    healthy = _step(CALLBACKS, drain_callback_queue, callbacks) and healthy
    every = consumers()
    for i, consumer in enumerate(every):
        wait = wait_seconds if i == len(every) - 1 else 0
        own = None if workers is None else workers[consumer.queue]
        healthy = _step(consumer.queue, _paced_drain, consumer, own, wait) and healthy
    return healthy


def _paced_drain(consumer: Consumer, workers: Workers | None, wait_seconds: int) -> int:
    return 0 if consumer.held_back() else drain(consumer, workers, wait_seconds)


def _step(name: str, run: Callable[..., Any], *args: Any) -> bool:
    try:
        run(*args)
        return True
    except Exception:
        log.exception("local worker: %s failed; going on", name)
        return False


def drain(consumer: Consumer, workers: Workers | None, wait_seconds: int = 0) -> int:
    """Receive what is on the consumer's queue, as many messages as there are free
    workers, and hand each to its handler (on a worker, or here and now without them);
    the number received."""
    room = 10 if workers is None else min(10, workers.free())
    if room == 0:
        return 0
    url = consumer.url()
    messages = (
        aws.client("sqs")
        .receive_message(QueueUrl=url, MaxNumberOfMessages=room, WaitTimeSeconds=wait_seconds)
        .get("Messages", [])
    )
    for message in messages:
        if workers is None:
            _deliver(url, message, consumer)
        else:
            workers.submit(_deliver, url, message, consumer)
    return len(messages)


def drain_fanout_queue(workers: Workers | None = None, wait_seconds: int = 0) -> int:
    return drain(_consumer("fan-out queue"), workers, wait_seconds)


CALLBACKS = "callbacks queue"
STREAMS = "table streams"


def drain_event_streams() -> int:
    """Hand the Calls, Conferences and Blasts streams' new records to the `events`
    function's code, in order (local/streams.py); the number handled."""
    from local import streams

    return streams.drain()


def drain_callback_queue(workers: Workers | None = None, wait_seconds: int = 0) -> int:
    """Deliver what is on the status callbacks queue, each message group in order
    (events/delivery.py); the number received."""
    if workers is not None and not workers.free():
        return 0
    messages = delivery.receive(wait_seconds)
    if messages:
        if workers is None:
            delivery.handle_received(messages)
        else:
            workers.submit(delivery.handle_received, messages)
    return len(messages)


def _consumer(queue: str) -> Consumer:
    return next(c for c in consumers() if c.queue == queue)


def fire_due_schedules() -> int:
    """Fire the schedules whose time has come, as EventBridge Scheduler would (moto's
    stores them but never fires), then delete them (`ActionAfterCompletion: DELETE`)."""
    fired = schedule.due(clock.now())
    for item in fired:
        try:
            fire.fire(item["input"])
        except Exception:
            # Scheduler would retry and then dead-letter it; locally, say so and move on.
            log.exception("firing schedule %s failed", item["name"])
        schedule.delete(item["name"])
    return len(fired)


def _deliver(url: str, message: dict[str, Any], consumer: Consumer) -> None:
    """One message, as Lambda's SQS trigger delivers it: deleted when handled, left for
    redelivery (after the visibility timeout) when the handler raises."""
    try:
        body = parse(message["Body"], consumer.queue)
        if body is not None:
            consumer.handle(body)
    except Exception:
        log.exception("%s message failed; it will be delivered again", consumer.queue)
        return
    try:
        aws.client("sqs").delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    except Exception:
        log.exception("%s message handled but not deleted; it may come again", consumer.queue)
