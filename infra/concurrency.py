"""Lambda concurrency no other function can take, and caps on the ones that can flood
(docs/operations.md "Concurrency").

An account runs 1,000 executions at once by default (a Lambda quota, per region), shared by
every function of every stage in it, and Lambda keeps at least 100 of them unreserved. A
blast, slow audio URLs or stalling callback receivers could otherwise take them all from
the API and from the Chime handler (a 5 s budget per event). So:

- reserved concurrency (`ReservedConcurrentExecutions`) for what must always run: the API
  function (every route, the carrier webhooks included), the dialer, and the Chime SIP
  media application's handler. A reservation is also that function's ceiling;
- an event source maximum (`ScalingConfig.MaximumConcurrency`, SQS) on the dialer's queue,
  equal to its reservation (a poller above the reservation would be throttled, and each
  throttled message counts a receive towards the dead-letter queue), and on the status
  callbacks' queue, whose receivers may be slow; the blast fan-out's queue has its own in
  app code (`maximum_concurrency=settings.fanout_concurrency`, OCP_FANOUT_CONCURRENCY);
- a reservation as a cap on `smsreceipts`, which End User Messaging's delivery events (one
  a text: 10,000 for a blast) invoke through SNS: throttled, the events wait in Lambda's
  asynchronous queue and are retried (for up to 6 hours), instead of taking the account.

Nothing here imports the CDK: `plan` is plain data, unit-tested as such; `apply` puts it on
the functions of the SAM template `chalice package` writes, as infra/stack.py does with the
other function properties.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from infra.access import CHIME_HANDLER, Function
from infra.stage import Stage

# A request's time in the API function, with margin (a route takes tens of milliseconds;
# one slow AWS call can take seconds): with the stage's throttle (prod 500 requests a
# second) this many seconds a request gives the API's reservation, prod's 250.
API_SECONDS_PER_REQUEST = 0.5
# The dialer starts one dial an invocation (a request to the carrier, then the task token
# waits in Step Functions, not in Lambda): calls are paced far below this.
DIALER = 10
# The Chime handler answers one event of one call at a time: twice the calls at once.
CHIME_HANDLER_MIN = 20
CHIME_HANDLER_MAX = 200
# Status callback deliveries at once (each at most OCP_CALLBACK_TIMEOUT_SECONDS).
CALLBACKS = 20
# End User Messaging's delivery events handled at once.
SMS_RECEIPTS = 10
# Lambda's own floor of unreserved concurrency in an account.
UNRESERVED_MINIMUM = 100
ACCOUNT_DEFAULT = 1000


@dataclass(frozen=True)
class Limits:
    reserved: int | None = None  # ReservedConcurrentExecutions: a floor and a ceiling
    event_source_maximum: int | None = None  # its SQS event source's MaximumConcurrency
    why: str = ""


def plan(stage: Stage, functions: dict[str, Function]) -> dict[str, Limits]:
    """What each function gets, by name; a function not named gets neither."""
    limits = {
        "api_handler": Limits(
            reserved=math.ceil(stage.throttle_rate * API_SECONDS_PER_REQUEST),
            why="every route and the carrier webhooks",
        ),
        "dialer": Limits(
            reserved=DIALER, event_source_maximum=DIALER, why="starts every call's dial"
        ),
        "callbacks": Limits(event_source_maximum=CALLBACKS, why="receivers may be slow"),
        "smsreceipts": Limits(reserved=SMS_RECEIPTS, why="a cap: one event a text"),
    }
    if stage.carrier == "chime":
        limits[CHIME_HANDLER] = Limits(
            reserved=min(CHIME_HANDLER_MAX, max(CHIME_HANDLER_MIN, 2 * stage.concurrent_calls)),
            why="the SIP media application's 5 s budget per event",
        )
    if not stage.reserve_concurrency:
        limits = {
            name: Limits(event_source_maximum=limit.event_source_maximum, why=limit.why)
            for name, limit in limits.items()
            if limit.event_source_maximum
        }
    return {name: limit for name, limit in limits.items() if name in functions}


def reserved_total(limits: dict[str, Limits]) -> int:
    return sum(limit.reserved or 0 for limit in limits.values())


def sqs_event_name(function: Function) -> str:
    """The SQS event of a function in chalice's SAM template (`{name}-sqs-event-source`)."""
    from chalice.utils import to_cfn_resource_name

    return to_cfn_resource_name(f"{function.name}-sqs-event-source")


def apply(stage: Stage, functions: dict[str, Function], chalice: Any) -> dict[str, Limits]:
    """Put `plan`'s limits on the Chalice app's functions."""
    limits = plan(stage, functions)
    if ACCOUNT_DEFAULT - reserved_total(limits) < UNRESERVED_MINIMUM:
        raise ValueError(
            f"{reserved_total(limits)} reserved executions leave fewer than "
            f"{UNRESERVED_MINIMUM} of an account's default {ACCOUNT_DEFAULT} unreserved"
        )
    for name, limit in limits.items():
        function = functions[name]
        resource = chalice.get_resource(function.logical_id)
        if limit.reserved is not None:
            resource.add_property_override("ReservedConcurrentExecutions", limit.reserved)
        if limit.event_source_maximum is not None:
            if not function.consumes:
                raise ValueError(f"{name} has no SQS event source to cap")
            resource.add_property_override(
                f"Events.{sqs_event_name(function)}.Properties.ScalingConfig",
                {"MaximumConcurrency": limit.event_source_maximum},
            )
    return limits
