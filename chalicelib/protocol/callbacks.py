"""The status callback fields (an addition to the 2008 wire format: chalicelib/events):
`statusCallback`, where to POST signed events about the work a request starts (http or
https, a public address: as blast audio URLs), and `statusCallbackEvents`, which of them,
comma-separated (all three when not given). `subscription` makes their values the
domain's Subscription.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.domain import subscriptions
from chalicelib.errors import Code, OcpError
from chalicelib.imports import on_first_use
from chalicelib.protocol import patterns
from chalicelib.protocol.fields import Field, given

if TYPE_CHECKING:
    from chalicelib.domain import subscriptions
    from chalicelib.domain.subscriptions import Subscription
    from chalicelib.media import callback_urls
else:
    # Only the requests that name a callback read them (and vet its URL): not at cold start.
    subscriptions = on_first_use("chalicelib.domain.subscriptions")
    callback_urls = on_first_use("chalicelib.media.callback_urls")

MAX_URL_LENGTH = 2048


def _callback_url(n: str, raw: str) -> str:
    url = raw.strip()
    if len(url) > MAX_URL_LENGTH:
        raise OcpError(Code.BAD_LENGTH, name=n, value=raw, low=1, high=MAX_URL_LENGTH)
    return callback_urls.vet_url(n, url)


def _callback_events(n: str, raw: str) -> tuple[str, ...]:
    named = {part.strip().lower() for part in raw.split(",") if part.strip()}
    types = subscriptions.TYPES
    if not named or named - set(types):
        raise OcpError(Code.NOT_A_CHOICE, name=n, choices=", ".join(types))
    return tuple(t for t in types if t in named)


_CALLBACKS = "Addition: signed events about the work this request starts."
STATUS_CALLBACK = (
    Field(
        "statusCallback",
        _callback_url,
        required=given("statusCallbackEvents"),
        codes=(Code.INVALID_VALUE, Code.BAD_LENGTH),
        schema={"type": "string", "format": "uri", "maxLength": MAX_URL_LENGTH},
        doc="Where to POST signed JSON events (http or https, a public address).",
        addition=_CALLBACKS,
    ),
    Field(
        "statusCallbackEvents",
        _callback_events,
        codes=(Code.NOT_A_CHOICE,),
        schema={
            "type": "string",
            "pattern": patterns.listed(f"(?:{'|'.join(subscriptions.TYPES)})"),
            "examples": ["completed"],
        },
        doc="Which events, comma-separated (all when not given).",
        addition=_CALLBACKS,
    ),
)


def subscription(values: dict[str, Any]) -> Subscription | None:
    """The Subscription that `STATUS_CALLBACK`'s values name, or None."""
    url, chosen = values.get("statusCallback"), values.get("statusCallbackEvents")
    if url is None:
        if chosen is not None:
            raise OcpError(Code.REQUIRED, name="statusCallback")
        return None
    return subscriptions.Subscription(url, chosen) if chosen else subscriptions.Subscription(url)
