"""Delivering status events: the consumer of the callbacks FIFO queue (Lambda `callbacks`,
and `make run`'s worker).

A message is `{"eid", "url", "id", "body"}` (events/publish.py). Each attempt:

1. vets the URL again, as at the request (media/fetch.py: http or https, a port of 80,
   443 or above 1023, every address the name has now public), and connects to the
   address it checked, never to a second DNS answer; a URL that fails the rules now is
   dropped and logged (no retry makes it public), nothing is sent;
2. signs the body with the enterprise's signing secrets (events/signing.py);
3. POSTs it with short timeouts (`callback_timeout_seconds` to connect and to each
   read, and the whole attempt within DEADLINE_PER_TIMEOUT times that, however slowly
   the receiver drips its answer); no redirect is followed. A 2xx answer delivers it.

Anything else (a connection error, a timeout, another status) is a failed attempt: the
message comes back after `callback_retry_seconds`, doubling each time (30 s, 1 min,
2 min, ... by default), and after `callback_attempts` receives the queue moves it to
its dead-letter queue, whose depth raises an alarm. While a message waits for its
retry, the later events of the same object wait behind it: they arrive in order.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from chalicelib import clock, settings
from chalicelib.events import allowed_networks, signing
from chalicelib.media import fetch
from chalicelib.queues import parse
from chalicelib.store import alerts, aws, enterprises, queues

log = logging.getLogger(__name__)

USER_AGENT = "OCP-callbacks/1.1"
EVENT_ID_HEADER = "OCP-Event-Id"
MAX_VISIBILITY_SECONDS = 12 * 3600  # SQS's longest
SECRETS_CACHE_SECONDS = 300  # a rotation reaches every consumer within this
# An attempt ends within this many times callback_timeout_seconds, connect to answer.
DEADLINE_PER_TIMEOUT = 2

Sender = Callable[[Any, float, bytes, dict[str, str]], int]


class DeliveryFailed(Exception):
    """This attempt did not deliver the event; a later one may."""


def deliver(message: dict, *, resolve: Any = None, send: Sender | None = None) -> bool:
    """One attempt: True if the receiver took the event, False if it is refused for good
    (not sent); DeliveryFailed to try again later."""
    url, event_id = str(message["url"]), str(message["id"])
    host = urlsplit(url).hostname or "?"
    try:
        target = fetch.vet(url, resolve or fetch.resolve_host, allowed_networks())
    except (fetch.Refused, ValueError, UnicodeError) as e:
        log.warning(
            "event %s for %s refused and dropped: %s", event_id, host, e, extra=_fields(message)
        )
        _alert(message, alerts.ERROR, f"status callback to {host} refused: not sent", str(e), 1)
        return False
    except OSError as e:  # the name did not resolve (now): DNS may answer later
        raise DeliveryFailed(f"{host}: {e}") from e
    body = str(message["body"]).encode()
    timestamp = clock.now()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        EVENT_ID_HEADER: event_id,
        signing.HEADER: signing.header(signing_secrets(int(message["eid"])), timestamp, body),
    }
    try:
        status = (send or post)(target, settings.get().callback_timeout_seconds, body, headers)
    except OSError as e:  # refused, reset, timed out, TLS
        raise DeliveryFailed(f"{host}: {type(e).__name__}: {e}") from e
    except Exception as e:  # http.client's protocol errors
        raise DeliveryFailed(f"{host}: {type(e).__name__}") from e
    if not 200 <= status < 300:
        raise DeliveryFailed(f"{host}: HTTP {status}")
    log.info("event %s delivered to %s", event_id, host, extra=_fields(message))
    return True


def post(target: Any, timeout: float, body: bytes, headers: dict[str, str]) -> int:
    """POST to the checked address of `target`; the status (the answer's body is not read).
    TimeoutError once DEADLINE_PER_TIMEOUT * `timeout` seconds have passed."""
    connection = fetch.connect(
        target, timeout, deadline=time.monotonic() + DEADLINE_PER_TIMEOUT * timeout
    )
    try:
        connection.request(
            "POST", target.path, body=body, headers={**headers, "Connection": "close"}
        )
        return connection.getresponse().status
    finally:
        connection.close()


def retry_delay(receive_count: int) -> int:
    """Seconds until attempt `receive_count + 1`: callback_retry_seconds, doubling."""
    base = settings.get().callback_retry_seconds
    return min(MAX_VISIBILITY_SECONDS, base * 2 ** max(0, receive_count - 1))


def handle(body: str, receipt_handle: str, receive_count: int) -> None:
    """One message as the queue hands it over (its `receive_count`-th time). On a failed
    attempt the message is made to come back after `retry_delay` and DeliveryFailed
    raised, so that Lambda leaves it on the queue; after the last attempt it comes back
    at once, and the queue moves it to the dead-letter queue."""
    message = parse(body, "callbacks queue")
    if message is None:
        return
    try:
        deliver(message)
    except DeliveryFailed as e:
        last = receive_count >= settings.get().callback_attempts
        delay = 0 if last else retry_delay(receive_count)
        _come_back_after(receipt_handle, delay)
        log.warning(
            "event %s: attempt %d failed (%s); %s",
            message.get("id"),
            receive_count,
            e,
            "to the dead-letter queue" if last else f"again in {delay} s",
            extra=_fields(message),
        )
        host = urlsplit(str(message.get("url", ""))).hostname or "?"
        if last:
            gave_up = f"status callback to {host} gave up"
            _alert(message, alerts.ERROR, gave_up, str(e), receive_count)
        elif receive_count == 1:
            # The first failure, at once: giving up takes hours of retries.
            _alert(message, alerts.WARNING, f"status callback to {host} failed", str(e), 1)
        raise


def _alert(message: dict, level: str, what: str, error: str, attempts: int) -> None:
    """An alert for the enterprise: the URL, the status or error, the attempts made."""
    try:
        eid = int(message["eid"])
    except (KeyError, TypeError, ValueError):
        return
    alerts.raise_alert(
        eid,
        level,
        alerts.CALLBACK,
        what,
        url=message.get("url"),
        error=error,
        attempts=attempts,
        event=message.get("id"),
    )


def handle_received(messages: list[dict]) -> None:
    """Messages received by a poller other than Lambda's (`make run`'s worker, tests),
    with their MessageGroupId and ApproximateReceiveCount attributes: each group's in
    order, each deleted once handled; a group stops at a failure, and the rest of it is
    released to wait behind the failed one (a FIFO group waits while one is in flight)."""
    url = aws.callback_queue_url()
    groups: dict[str, list[dict]] = {}
    for m in messages:
        groups.setdefault(m.get("Attributes", {}).get("MessageGroupId", ""), []).append(m)
    for group in groups.values():
        for i, m in enumerate(group):
            try:
                handle(m["Body"], m["ReceiptHandle"], _receive_count(m))
            except Exception as e:
                if not isinstance(e, DeliveryFailed):
                    log.exception("callbacks queue message failed")
                for rest in group[i + 1 :]:
                    queues.come_back_after(url, rest["ReceiptHandle"], 0)
                break
            queues.delete(url, m["ReceiptHandle"])


def receive(wait_seconds: int = 0) -> list[dict]:
    """Up to ten messages of the callbacks queue, with the attributes `handle_received`
    needs (a poller other than Lambda's)."""
    return queues.receive(
        aws.callback_queue_url(), wait_seconds, ("ApproximateReceiveCount", "MessageGroupId")
    )


def _receive_count(message: dict) -> int:
    return int(message.get("Attributes", {}).get("ApproximateReceiveCount", 1))


def _come_back_after(receipt_handle: str, seconds: int) -> None:
    queues.come_back_after(aws.callback_queue_url(), receipt_handle, seconds)


# -- signing secrets, decrypted once in a while ---------------------------------------------

_secrets: dict[int, tuple[list[str], float]] = {}
_secrets_lock = threading.Lock()


def signing_secrets(eid: int) -> list[str]:
    """The enterprise's valid signing secrets (one GetItem and a KMS Decrypt each, at most
    every SECRETS_CACHE_SECONDS per consumer)."""
    now = time.monotonic()
    with _secrets_lock:
        cached = _secrets.get(eid)
    if cached is not None and cached[1] > now:
        return cached[0]
    found = enterprises.signing_secrets(eid)
    with _secrets_lock:
        _secrets[eid] = (found, now + SECRETS_CACHE_SECONDS)
    return found


def forget_signing_secrets() -> None:
    """Tests: after a rotation, read the secrets again."""
    with _secrets_lock:
        _secrets.clear()


def _fields(message: dict) -> dict:
    return {"fields": {"eventId": message.get("id"), "enterpriseId": message.get("eid")}}
