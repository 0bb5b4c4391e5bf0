"""CloudWatch metrics in the embedded metric format: one JSON line on stdout per data
point, which CloudWatch Logs turns into a metric of namespace `OCP` (no SDK, no request:
the Lambda function's log is the transport). Each metric has the dimension Stage and at
most one more, so that the number of metrics (each one billed) stays small; the ids of
the log context (requestId, callId, blastId, ...) ride along as properties, so a data
point leads back to its log lines. `make run` prints them among its logs.

    metrics.call_finished(success)          Calls, by Result (complete, failed)
    metrics.dial_attempts(results)          DialAttempts, by Outcome (Success, Busy, ...)
    metrics.time_to_answer(seconds)         TimeToAnswer
    metrics.blast_recipients(kind, count)   BlastRecipients, by Kind (voice, sms)
    metrics.speech(cached, characters)      Speech, by Source (polly, cache); PollyCharacters
    metrics.refused_url()                   RefusedUrls
    metrics.carrier_error()                 CarrierErrors
    metrics.carrier_throttled()             CarrierThrottles: a carrier adapter calls it
                                            when the carrier refuses a call for its rate
    metrics.paced(kind)                     PacedWaits, by Kind (interactive, blast): a dial
                                            waited for the account's limits
                                            (workflows/pacing.py)
    metrics.failed_sign_in(code)            FailedSignIns: a refused GET /session (its code
                                            and enterprise ride along; alarmed in infra)
    metrics.rate_limited(eid, count)        RateLimited: requests refused over their
                                            enterprise's rate (116 as 429), summed a second
    metrics.spend_refused(kind)             SpendRefused, by Kind (calls, countries, ...):
                                            a spend guard refused a request
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterable

from chalicelib import logs, settings

NAMESPACE = "OCP"
COUNT, SECONDS = "Count", "Seconds"


def put(
    name: str,
    value: float,
    unit: str = COUNT,
    properties: dict[str, object] | None = None,
    **dimensions: str,
) -> None:
    """One data point of `name`, with the Stage dimension and `dimensions`; `properties`
    ride along (searchable in the log, no metric of their own)."""
    s = settings.get()
    if not s.metrics:
        return
    dimensions = {"Stage": s.stage, **dimensions}
    line = {
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": NAMESPACE,
                    "Dimensions": [list(dimensions)],
                    "Metrics": [{"Name": name, "Unit": unit}],
                }
            ],
        },
        **logs.context(),
        **(properties or {}),
        **dimensions,
        name: value,
    }
    sys.stdout.write(json.dumps(line, default=str) + "\n")
    sys.stdout.flush()


def call_finished(success: bool) -> None:
    put("Calls", 1, Result="complete" if success else "failed")


def dial_attempts(results: Iterable[str]) -> None:
    for result in results:
        put("DialAttempts", 1, Outcome=result)


def time_to_answer(seconds: float) -> None:
    put("TimeToAnswer", round(seconds, 3), SECONDS)


def blast_recipients(kind: str, count: int) -> None:
    put("BlastRecipients", count, Kind=kind)


def speech(cached: bool, characters: int) -> None:
    put("Speech", 1, Source="cache" if cached else "polly")
    if not cached:
        put("PollyCharacters", characters)


def refused_url() -> None:
    put("RefusedUrls", 1)


def carrier_error() -> None:
    put("CarrierErrors", 1)


def carrier_throttled() -> None:
    put("CarrierThrottles", 1)


def paced(kind: str) -> None:
    put("PacedWaits", 1, Kind=kind)


def failed_sign_in(code: int, eid: int | None) -> None:
    put("FailedSignIns", 1, properties={"code": int(code), "eid": eid})


def rate_limited(eid: int, count: int) -> None:
    put("RateLimited", count, properties={"eid": eid})


def spend_refused(kind: str) -> None:
    put("SpendRefused", 1, Kind=kind)
