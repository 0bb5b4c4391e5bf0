"""The app's queue consumers and the `sma` function's entry point, registered by app.py:
thin, so that the API handler's cold start does not import the dialer or the fan-out
(each Lambda function imports app.py whole). Each hands every message to the module that
does the work, imported on first use (chalicelib/imports.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from chalicelib import logs, settings
from chalicelib.imports import on_first_use
from chalicelib.queues import parse

if TYPE_CHECKING:
    from chalicelib.events import delivery, stream
    from chalicelib.telephony import Carrier
    from chalicelib.telephony.chime import sma
    from chalicelib.workflows import dialer, fanout, texting
    from chalicelib.workflows.dialer import Dialer
else:
    dialer = on_first_use("chalicelib.workflows.dialer")
    fanout = on_first_use("chalicelib.workflows.fanout")
    delivery = on_first_use("chalicelib.events.delivery")
    stream = on_first_use("chalicelib.events.stream")
    sma = on_first_use("chalicelib.telephony.chime.sma")  # OCP_CARRIER=chime only
    texting = on_first_use("chalicelib.workflows.texting")

bp = Blueprint(__name__)


@bp.on_sqs_message(queue=settings.get().dial_queue_name, batch_size=1, name="dialer")
def on_dial_message(event: Any) -> None:
    _each_message(event, "dial queue", dialer.default().handle)


@bp.on_sqs_message(
    queue=settings.get().fanout_queue_name,
    batch_size=1,
    name="blastfanout",
    maximum_concurrency=settings.get().fanout_concurrency,
)
def on_fanout_message(event: Any) -> None:
    _each_message(event, "fan-out queue", fanout.handle)


@bp.on_sqs_message(queue=settings.get().callback_queue_name, batch_size=1, name="callbacks")
def on_callback_message(event: Any) -> None:
    """Status callbacks (chalicelib/events/delivery.py): a failed delivery raises, and the
    message comes back after its retry delay."""
    for record in event:
        attributes = record.to_dict().get("attributes") or {}
        with logs.scope(requestId=logs.lambda_request_id(event)):
            delivery.handle(
                record.body,
                record.receipt_handle,
                int(attributes.get("ApproximateReceiveCount", 1)),
            )


@bp.on_sns_message(topic=settings.get().sms_receipt_topic, name="smsreceipts")
def on_sms_receipt(event: Any) -> None:
    """End User Messaging's delivery events (its configuration set's SNS destination):
    each moves a text's recipient from Sent to its outcome (workflows/texting.py)."""
    with logs.scope(requestId=logs.lambda_request_id(event)):
        texting.receipt_message(event.message)


def sma_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The `sma` Lambda function (`app.lambda_function(name="sma")`, OCP_CARRIER=chime):
    the SIP media application invokes it with each call event and waits 5 s for the
    actions. Here, not in chalicelib.telephony, so that app.py imports nothing of the
    carrier: the handler and what it needs are imported on the first event; and here the
    handler is given the dialer it reports to (telephony never imports workflows).
    (Chalice names a pure function's handler `app.{its __name__}`: app.py imports it.)"""
    with logs.scope(requestId=getattr(context, "aws_request_id", None)):
        return sma.default(_chime_dialer).handle(event)


def _chime_dialer(carrier: Carrier) -> Dialer:
    return dialer.Dialer(carrier=carrier)


def events_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The `events` Lambda function (`app.lambda_function(name="events")`): the consumer
    of the Calls, Conferences and Blasts streams (infra/stack.py maps them to it), whose
    committed changes become status events (chalicelib/events/stream.py)."""
    with logs.scope(requestId=getattr(context, "aws_request_id", None)):
        return stream.lambda_handler(event)


def _each_message(event: Any, queue: str, handle: Callable[[dict], None]) -> None:
    for record in event:
        # Each message's log lines carry the invocation's request id (and the consumer
        # binds the message's ids).
        with logs.scope(requestId=logs.lambda_request_id(event)):
            message = parse(record.body, queue)
            if message is not None:
                handle(message)
