"""The `OCP-Signature` header of a status event
(docs/callbacks-and-idempotency.md#status-callbacks-events-instead-of-polling):

    OCP-Signature: t=1212186144,v1=5257a869...,v1=9f0c2e1b...

`t` is the time of this delivery attempt (Unix seconds) and each `v1` is the hex
HMAC-SHA256 of `{t}.{body}` (the body's exact bytes) under one of the enterprise's valid
signing secrets, the newest first: during a rotation both verify. A receiver accepts the
event if any `v1` matches its secret and `t` is recent (a replayed old delivery fails).
"""

from __future__ import annotations

import hashlib
import hmac

HEADER = "OCP-Signature"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def header(secrets: list[str], timestamp: int, body: bytes) -> str:
    return ",".join([f"t={timestamp}", *(f"v1={signature(s, timestamp, body)}" for s in secrets)])
