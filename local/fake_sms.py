"""A local stand-in for AWS End User Messaging SMS (`pinpoint-sms-voice-v2`), so that
`make run` with `OCP_MESSAGING=eum` runs the real adapter (chalicelib/messaging/eum.py)
and the real receipt path: moto has no backend for this service.

It answers SendTextMessage in the service's wire format (the JSON 1.0 protocol: POST /
with `X-Amz-Target: PinpointSMSVoiceV2.SendTextMessage`, errors as `__type` and their
modeled fields), and plays the carriers: a moment after each accepted text it publishes
the text's delivery event, as the configuration set's SNS event destination does, to the
stage's receipt topic in the local AWS (moto), with the request's Context echoed. What
becomes of a text follows the test numbers (docs/sms.md "Test numbers", the table of
chalicelib/messaging/simulated.py): 555-0111 TEXT_INVALID, 0112 TEXT_UNREACHABLE, 0113
TEXT_BLOCKED, 0114 opted out (refused: ConflictException
DESTINATION_PHONE_NUMBER_OPTED_OUT), 0115 no event ever, 0116 TEXT_TTL_EXPIRED; any other
number TEXT_DELIVERED.

Like the service it enforces the origination identity's messages a second
(ThrottlingException past `--per-second`, default the stage's setting), and it counts
what it took: GET /stats gives texts accepted, refused, throttled, and the first and
last accepted times (the pacing check of `make run`'s 1,000-recipient blast).

    python -m local.fake_sms --port 5003      (make run starts it when OCP_MESSAGING=eum)
"""

from __future__ import annotations

import argparse
import json
import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from chalicelib import clock
from chalicelib.domain import segments
from chalicelib.messaging import simulated
from chalicelib.messaging.port import (
    BLOCKED,
    DELIVERED,
    EXPIRED,
    INVALID,
    OPTED_OUT,
    UNREACHABLE,
)

log = logging.getLogger("chalicelib.local.fake_sms")

TARGET_PREFIX = "PinpointSMSVoiceV2."
EVENT_TYPES = {
    DELIVERED: "TEXT_DELIVERED",
    INVALID: "TEXT_INVALID",
    UNREACHABLE: "TEXT_UNREACHABLE",
    BLOCKED: "TEXT_BLOCKED",
    EXPIRED: "TEXT_TTL_EXPIRED",
}
# US toll-free prices the bench quotes (bench/aws_prices.py), per segment, for the events.
PRICE_PER_SEGMENT = 0.00581
CARRIER_FEE_PER_SEGMENT = 0.0025


class ServiceError(Exception):
    def __init__(self, code: str, message: str, **fields: Any):
        super().__init__(message)
        self.code, self.message, self.fields = code, message, fields


@dataclass
class Stats:
    accepted: int = 0
    refused: int = 0
    throttled: int = 0
    events: int = 0
    first: float | None = None
    last: float | None = None

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class FakeSms:
    """The service: `publish(event)` delivers one event to the receipt topic."""

    publish: Callable[[dict], None]
    per_second: float = 3.0
    receipt_delay: float = 0.2
    stats: Stats = field(default_factory=Stats)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _window: dict[str, tuple[int, int]] = field(default_factory=dict)
    _events: queue.Queue = field(default_factory=queue.Queue)

    def start(self) -> None:
        threading.Thread(target=self._emit_events, name="fake-sms-events", daemon=True).start()

    def respond(self, target: str, body: bytes) -> tuple[int, dict]:
        operation = target.removeprefix(TARGET_PREFIX)
        try:
            request = json.loads(body or b"{}")
            if operation != "SendTextMessage":
                raise ServiceError("ValidationException", f"{operation} is not faked")
            return 200, self.send_text_message(request)
        except ServiceError as e:
            return 400, {"__type": e.code, "message": e.message, **e.fields}
        except ValueError:
            return 400, {"__type": "ValidationException", "message": "not JSON"}

    def send_text_message(self, request: dict) -> dict:
        destination = request.get("DestinationPhoneNumber")
        body = request.get("MessageBody") or ""
        if not destination or not body:
            raise ServiceError(
                "ValidationException",
                "DestinationPhoneNumber and MessageBody are required",
                Reason="MISSING_PARAMETER",
            )
        if len(body) > 1600:
            raise ServiceError(
                "ValidationException", "body too long", Reason="MAXIMUM_SIZE_EXCEEDED"
            )
        identity = str(request.get("OriginationIdentity") or "")
        self._take(identity)
        fate = simulated.fate(destination)
        if fate == OPTED_OUT:
            with self._lock:
                self.stats.refused += 1
            raise ServiceError(
                "ConflictException",
                "The destination phone number is opted out",
                Reason="DESTINATION_PHONE_NUMBER_OPTED_OUT",
                ResourceType="opt-out-list",
                ResourceId="Default",
            )
        message_id = str(uuid.uuid4())
        now = time.time()
        with self._lock:
            self.stats.accepted += 1
            self.stats.first = self.stats.first or now
            self.stats.last = now
        if fate in EVENT_TYPES:
            self._events.put((now + self.receipt_delay, self._event(request, message_id, fate)))
        return {"MessageId": message_id}

    def _take(self, identity: str) -> None:
        """The identity's messages a second, in one-second windows, as pacing.take counts."""
        length = max(1.0, 1.0 / self.per_second)
        capacity = max(1, int(self.per_second * length + 1e-9))
        current = int(clock.now() // length)  # the clock pacing.take reads (tests freeze it)
        with self._lock:
            window, used = self._window.get(identity, (current, 0))
            if window != current:
                window, used = current, 0
            if used >= capacity:
                self.stats.throttled += 1
                raise ServiceError("ThrottlingException", "Rate exceeded")
            self._window[identity] = (window, used + 1)

    def _event(self, request: dict, message_id: str, fate: str) -> dict:
        count = segments.count(request["MessageBody"])
        now_ms = int(time.time() * 1000)
        return {
            "eventType": EVENT_TYPES[fate],
            "eventVersion": "1.0",
            "eventTimestamp": now_ms,
            "isFinal": True,
            "originationPhoneNumber": request.get("OriginationIdentity") or "+18005550100",
            "destinationPhoneNumber": request["DestinationPhoneNumber"],
            "isInternationalSend": False,
            "messageId": message_id,
            "messageRequestTimestamp": now_ms,
            "messageEncoding": "GSM" if count.encoding == segments.GSM7 else "UCS2",
            "messageType": request.get("MessageType", "TRANSACTIONAL"),
            "messageStatus": EVENT_TYPES[fate].removeprefix("TEXT_"),
            "messageStatusDescription": f"fake: {fate}",
            "context": request.get("Context") or {},
            "totalMessageParts": count.count,
            "totalMessagePrice": round(PRICE_PER_SEGMENT * count.count, 5),
            "totalCarrierFee": round(CARRIER_FEE_PER_SEGMENT * count.count, 5),
        }

    def _emit_events(self) -> None:
        while True:
            due, event = self._events.get()
            wait = due - time.time()
            if wait > 0:
                time.sleep(wait)
            try:
                self.publish(event)
                with self._lock:
                    self.stats.events += 1
            except Exception:
                log.exception("fake SMS: publishing an event failed; it is lost")

    def serve(self, port: int, host: str = "127.0.0.1") -> ThreadingHTTPServer:
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                status, answer = service.respond(
                    self.headers.get("X-Amz-Target", ""), self.rfile.read(length)
                )
                self._reply(status, answer)

            def do_GET(self) -> None:
                if self.path.rstrip("/") == "/stats":
                    with service._lock:
                        self._reply(200, service.stats.as_dict())
                else:
                    self._reply(404, {"message": "not found"})

            def _reply(self, status: int, answer: dict) -> None:
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.0")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer((host, port), Handler)
        threading.Thread(target=server.serve_forever, name="fake-sms", daemon=True).start()
        self.start()
        return server


def topic_publisher() -> Callable[[dict], None]:
    """Publish an event to the stage's receipt topic in the local AWS (moto's SNS)."""
    from chalicelib import settings
    from chalicelib.store import aws

    sns = aws.client("sns")
    arn = sns.create_topic(Name=settings.get().sms_receipt_topic)["TopicArn"]  # idempotent

    def publish(event: dict) -> None:
        sns.publish(TopicArn=arn, Message=json.dumps(event, separators=(",", ":")))

    return publish


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.fake_sms")
    parser.add_argument("--port", type=int, default=5003)
    parser.add_argument("--per-second", type=float, default=None)
    args = parser.parse_args(argv)
    from chalicelib import logs, settings

    logs.configure()
    per_second = args.per_second or settings.get().sms_messages_per_second
    fake = FakeSms(topic_publisher(), per_second=per_second)
    server = fake.serve(args.port)
    log.info("fake End User Messaging on port %s, %s texts a second", args.port, per_second)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
