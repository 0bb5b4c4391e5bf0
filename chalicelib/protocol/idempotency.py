"""The `Idempotency-Key` request header: an addition to the 2008 wire format (README
"Idempotency-Key"), honoured on the routes declared with `route(..., idempotent=True)`.

The first request with a key claims it (store/idempotency.py) before the work and keeps
its response for 24 hours; the same key with the same method, route and variables gets
that response again, byte for byte, without the work being done; with anything else it
is 970. Variables that fail reading are refused before the key is claimed (nothing was
done; the corrected request may use the key). A second request while the first is still
working waits for its response, up to `idempotency_wait_seconds`, then is 971 (retry later
with the same key). A 5xx response is not kept: the key is released, and a retry does the
work. A request that died with the key claimed holds it only until its lease passes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
import uuid
from collections.abc import Callable

from chalice import Response

from chalicelib import clock, settings
from chalicelib.errors import KEY_IN_PROGRESS, KEY_REUSED, Code, OcpError
from chalicelib.protocol.variables import IDEMPOTENCY_KEY as HEADER
from chalicelib.protocol.variables import Variables
from chalicelib.store import idempotency
from chalicelib.store.idempotency import Recorded

log = logging.getLogger(__name__)

MAX_KEY_LENGTH = 255
# Printable ASCII, as an HTTP header value carries it safely.
_KEY = re.compile(r"[\x20-\x7e]+")
# A replayed response says so (the body is the first response's, byte for byte).
REPLAYED_HEADER = "Idempotent-Replayed"
# Room for the rest of the item within DynamoDB's 400 KB.
MAX_KEPT_BODY = 350_000
POLL_SECONDS = 0.1


def check_key(raw: str) -> str:
    """The key as used: 1-255 printable ASCII characters, surrounding blanks dropped."""
    key = raw.strip()
    if not 1 <= len(key) <= MAX_KEY_LENGTH:
        raise OcpError(Code.BAD_LENGTH, name=HEADER, value=raw, low=1, high=MAX_KEY_LENGTH)
    if not _KEY.fullmatch(key):
        raise OcpError(Code.INVALID_VALUE, name=HEADER, value=raw)
    return key


def fingerprint(method: str, route: str, variables: Variables) -> str:
    """What makes two requests the same: method, route and every variable (names are
    already case-folded; where a variable came from, query or body, does not matter);
    a file part by its name and content."""
    canonical = {
        "method": method.upper(),
        "route": route,
        "values": sorted(variables.values.items()),
        # A JSON number or boolean is another request than the same text in a string.
        "kinds": sorted(variables.kinds.items()),
        "files": sorted(
            (name, f.filename, hashlib.sha256(f.data).hexdigest())
            for name, f in variables.files.items()
        ),
    }
    text = json.dumps(canonical, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def respond_once(eid: int, raw_key: str, fingerprint: str, run: Callable[[], Response]) -> Response:
    """`run()`'s response, made at most once per key and fingerprint in 24 hours."""
    key = check_key(raw_key)
    token = uuid.uuid4().hex
    deadline = time.monotonic() + settings.get().idempotency_wait_seconds
    holder = idempotency.claim(eid, key, fingerprint, token, clock.now())
    while holder is not None:
        if holder.fingerprint != fingerprint:
            raise OcpError(KEY_REUSED, value=key)
        if holder.recorded is not None:
            return _replay(holder.recorded)
        if time.monotonic() >= deadline:
            raise OcpError(KEY_IN_PROGRESS, value=key)
        time.sleep(POLL_SECONDS)
        holder = idempotency.find(eid, key, clock.now())
        if holder is None:
            # Released (its work failed) or expired meanwhile: this request may do it.
            holder = idempotency.claim(eid, key, fingerprint, token, clock.now())
    response = run()
    _keep(eid, key, token, response)
    return response


def _keep(eid: int, key: str, token: str, response: Response) -> None:
    """Keep the response (a 5xx releases the key). The work is done whatever happens here:
    if keeping fails, the client still gets its answer, and the key stays claimed until
    its lease passes."""
    body = response.body if isinstance(response.body, str) else None
    # One value: Chalice also allows a list of them per header; the routes set one.
    content_type = response.headers.get("Content-Type", "")
    try:
        if (
            response.status_code >= 500
            or body is None
            or len(body) > MAX_KEPT_BODY
            or not isinstance(content_type, str)
        ):
            idempotency.release(eid, key, token)
            return
        kept = Recorded(response.status_code, body, content_type)
        if not idempotency.record(eid, key, token, kept):
            log.warning("idempotency key outlived its lease: its response was not kept")
    except Exception:
        log.exception("the response of a request with an idempotency key was not kept")


def _replay(recorded: Recorded) -> Response:
    return Response(
        body=recorded.body,
        status_code=recorded.status,
        headers={"Content-Type": recorded.content_type, REPLAYED_HEADER: "true"},
    )
