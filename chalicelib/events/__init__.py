"""Status callbacks: signed JSON events about calls, conferences and blasts, POSTed to
the client's `statusCallback` URL (an addition to the 2008 wire format;
docs/callbacks-and-idempotency.md#status-callbacks-events-instead-of-polling).

    __init__    the subscription (domain/subscriptions.py) and its URL's vetting
                (media/callback_urls.py), under their old names
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

from chalicelib.domain.subscriptions import ANSWERED, COMPLETED, INITIATED, TYPES, Subscription
from chalicelib.media.callback_urls import allowed_networks, vet_url

# The subscription and its event types are domain values (domain/subscriptions.py), the
# URL rules media's (media/callback_urls.py): re-exported for the modules that import them
# from here.
__all__ = [
    "ANSWERED",
    "COMPLETED",
    "INITIATED",
    "TYPES",
    "Subscription",
    "allowed_networks",
    "vet_url",
]
