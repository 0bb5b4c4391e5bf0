"""SQS, as the workflows and events use it: JSON messages onto a queue, in as few
requests as SendMessageBatch allows. The workflows never call boto3 themselves.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from chalicelib.store import aws

# SendMessageBatch: 10 entries and 256 KiB in all per request.
ENTRIES_PER_SEND = 10
BYTES_PER_SEND = 256 * 1024 - 1024


class Refused(RuntimeError):
    """SQS refused some messages of a batch: the sender is retried (Scheduler, or the
    queue it was delivered from), and what it sends again is harmless twice."""


def send_all(queue_url: str, messages: Iterable[dict[str, Any]]) -> None:
    """Each message as compact JSON onto the queue, ten (and at most 256 KiB) a request."""
    chunk: list[str] = []
    for body in (json.dumps(m, separators=(",", ":")) for m in messages):
        if chunk and (
            len(chunk) == ENTRIES_PER_SEND or sum(map(len, chunk)) + len(body) > BYTES_PER_SEND
        ):
            _send_batch(queue_url, chunk)
            chunk = []
        chunk.append(body)
    if chunk:
        _send_batch(queue_url, chunk)


def send(queue_url: str, body: str, **options: Any) -> None:
    """One message (`options`: SendMessage's, e.g. DelaySeconds)."""
    aws.client("sqs").send_message(QueueUrl=queue_url, MessageBody=body, **options)


def _send_batch(queue_url: str, bodies: list[str]) -> None:
    response = aws.client("sqs").send_message_batch(
        QueueUrl=queue_url,
        Entries=[{"Id": str(i), "MessageBody": body} for i, body in enumerate(bodies)],
    )
    if response.get("Failed"):
        raise Refused(f"queue refused {len(response['Failed'])} messages")


def receive(
    queue_url: str, wait_seconds: int = 0, attributes: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    """Up to ten messages (a poller other than Lambda's), with the named attributes."""
    return (
        aws.client("sqs")
        .receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=wait_seconds,
            AttributeNames=list(attributes),
        )
        .get("Messages", [])
    )


def delete(queue_url: str, receipt_handle: str) -> None:
    """A received message is handled: it is not delivered again."""
    aws.client("sqs").delete_message(QueueUrl=queue_url, ReceiptHandle=receipt_handle)


def come_back_after(queue_url: str, receipt_handle: str, seconds: int) -> None:
    """A received message is delivered again after `seconds` (0: now)."""
    aws.client("sqs").change_message_visibility(
        QueueUrl=queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
    )
