"""Status callbacks: signed JSON events about calls, conferences and blasts, POSTed to
the client's `statusCallback` URL (an addition to the 2008 wire format;
docs/callbacks-and-idempotency.md#status-callbacks-events-instead-of-polling).

    __init__    the subscription a request makes (URL and events), vetted at request time
    derive      what follows from a committed change: its events (and blast counts)
    stream      the consumer of the tables' streams (Lambda `events`): derives, queues
    publish     an event made whole, and queued
    delivery    the callbacks queue's consumer: vets the URL again, signs, POSTs, retries
    signing     the `OCP-Signature` header

Events follow committed state: the stores only write, and the streams of Calls,
Conferences and Blasts hand each committed change to `stream`, which queues the events
it makes (store/changes.py reads the records), so every carrier gets events without
knowing of them, an event survives SQS refusing for hours or the writer dying right
after its write, and a write that did not commit makes none. Queuing is one SQS
SendMessage, made only for work that has a subscription; the receiver's speed never
reaches the API or a call.
"""

from __future__ import annotations

import ipaddress
import socket

from chalicelib import settings
from chalicelib.domain.subscriptions import ANSWERED, COMPLETED, INITIATED, TYPES, Subscription
from chalicelib.errors import OcpError
from chalicelib.imports import on_first_use

# http.client and ssl: only a request that names a callback vets its URL (the stores
# import this module for `Subscription`).
fetch = on_first_use("chalicelib.media.fetch")

MAX_URL_LENGTH = 2048
__all__ = ["ANSWERED", "COMPLETED", "INITIATED", "TYPES", "Subscription", "vet_url"]


def vet_url(name: str, url: str) -> str:
    """The URL, if events may be sent to it now: the rules of blast audio URLs
    (media/fetch.py: http or https, public addresses only); 902 otherwise. Checked again
    at each delivery, since what the name resolves to may change."""
    try:
        fetch.vet(url, fetch.resolve_host, allowed_networks())
    except (fetch.Refused, ValueError, OSError, socket.gaierror, UnicodeError):
        raise OcpError(902, name=name, value=url) from None
    return url


def allowed_networks() -> tuple:
    """Networks exempt from the public-address rule: `make run` allows its loopback
    receiver (OCP_CALLBACK_ALLOWED_NETWORKS); deployed stages allow none."""
    return tuple(
        ipaddress.ip_network(n, strict=False) for n in settings.get().callback_allowed_networks
    )
