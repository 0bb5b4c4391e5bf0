#!/usr/bin/env python3
"""A status callback receiver: checks each event's OCP-Signature, prints the event.

    python3 examples/callback_receiver.py --port 8001 --secret whsec_local_56789
    python3 examples/callback_receiver.py --secret NEW --secret OLD   # during a rotation
    python3 examples/callback_receiver.py --fail 3   # answer 503 to the first 3 deliveries

Standard library only: copy `verify` into your own service. It answers 204 to an event
whose signature is good (printing it once, however often it comes), 401 to one whose
signature is not. docs/callbacks-and-idempotency.md#status-callbacks-events-instead-of-polling
describes the events and the header.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import hmac
import json
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_SECONDS = 300  # older signatures are refused: a replayed delivery fails
MAX_BODY = 1024 * 1024


def verify(
    header: str, body: bytes, secrets: list[str], now: float | None = None, tolerance: int = 300
) -> bool:
    """`OCP-Signature: t=<unix time>,v1=<hex>[,v1=<hex>]`: good if `t` is recent and a v1
    is the HMAC-SHA256 of `{t}.{body}` under one of `secrets`."""
    pairs = [part.strip().split("=", 1) for part in header.split(",") if "=" in part]
    stamps = [value for key, value in pairs if key == "t"]
    signatures = [value for key, value in pairs if key == "v1"]
    if len(stamps) != 1 or not stamps[0].isdigit():
        return False
    if abs((time.time() if now is None else now) - int(stamps[0])) > tolerance:
        return False
    signed = stamps[0].encode() + b"." + body
    for secret in secrets:
        expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
        if any(hmac.compare_digest(expected, s) for s in signatures):
            return True
    return False


def make_server(
    port: int,
    secrets: list[str],
    *,
    fail: int = 0,
    on_event: Callable[[dict], None] | None = None,
    host: str = "127.0.0.1",
) -> ThreadingHTTPServer:
    """The receiver on host:port (port 0: any free port). `fail`: answer 503 to that many
    deliveries first; `on_event(event)`: each verified event, the first time it comes."""
    seen: set[str] = set()
    lock = threading.Lock()
    failures = [fail]
    show = on_event or _print_event

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self._answer(413)
                return
            body = self.rfile.read(length)
            with lock:
                if failures[0] > 0:
                    failures[0] -= 1
                    print(f"failing on purpose: 503 ({failures[0]} more)", flush=True)
                    self._answer(503)
                    return
            if not verify(self.headers.get("OCP-Signature", ""), body, secrets):
                print("REJECTED: bad or old signature", flush=True)
                self._answer(401)
                return
            event = json.loads(body)
            with lock:
                first = event["id"] not in seen
                seen.add(event["id"])
            if first:
                show(event)
            self._answer(204)

        def _answer(self, status: int) -> None:
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass  # one line per event is enough

    return ThreadingHTTPServer((host, port), Receiver)


def _print_event(event: dict) -> None:
    data = event["data"]
    what = ", ".join(
        f"{k}={data[k]}"
        for k in ("callId", "conferenceId", "blastId", "recipient", "currentState", "success")
        if k in data
    )
    print(
        f"verified {event['object']} {event['type']} #{event['sequence']} ({event['id']}): {what}",
        flush=True,
    )
    print("  " + json.dumps(data, separators=(",", ":")), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument(
        "--secret", action="append", required=True, help="a signing secret (twice: rotation)"
    )
    parser.add_argument("--fail", type=int, default=0, help="answer 503 to this many first")
    args = parser.parse_args(argv)
    server = make_server(args.port, args.secret, fail=args.fail)
    print(f"listening on http://127.0.0.1:{server.server_address[1]}/", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
