"""The Chime carrier (OCP_CARRIER=chime) over moto and the local fake PSTN: AWS requests
and Lambda invocations per answered call, and how fast a 10,000-recipient blast drains at
the configured calls per second.

A whole call runs as tests/workflows/test_chime_flows.py runs it: the real adapter, the
fake PSTN over HTTP, the real SIP media application handler reporting to moto's Step
Functions. Its line counts every AWS request of the call (chime-sdk-voice included, the
bench's own polling not); the printed line under it counts the Lambda invocations a
deployment would bill: the dialer (one per dial-queue message) and `sma` (one per call
event). The blast's drain rate is read off its executions' turns (`pace.at`): recipient
n may be rung at `from + n / OCP_CHIME_CALLS_PER_SECOND`.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from xml.etree import ElementTree

from bench import harness
from bench.harness import Scenario
from bench.scenarios_calls import EXECUTE, call, completed, count_transitions, john_and_jane
from bench.scenarios_users import a_user

BIG = harness.RECIPIENTS


@contextlib.contextmanager
def chime(**settings: str) -> Iterator:
    """The Chime carrier's settings, and a fake PSTN for it, for one scenario."""
    import pytest

    from chalicelib import settings as app_settings
    from chalicelib.store import aws
    from tests.workflows.chime import network

    # Reloading settings must keep this process's stage (tests.conftest, imported by the
    # harness, puts the tests' stage in the environment).
    os.environ["OCP_STAGE"] = app_settings.get().stage
    os.environ["OCP_TABLE_PREFIX"] = app_settings.get().table_prefix
    with pytest.MonkeyPatch.context() as patch:
        for name, value in settings.items():
            patch.setenv(name, value)
        net = network(patch, per_second=float(settings.get("OCP_CHIME_CALLS_PER_SECOND", 50)))
        try:
            yield net
        finally:
            net.close()
    app_settings.reload()
    aws.reset()


def whole_call(destination: str):
    def request(api, users):
        from chalicelib import clock
        from chalicelib.workflows import dialing

        john, jane = users
        with clock.frozen(int(time.time())), chime() as net:
            harness.calls.clear()
            response = call(api, john, destination.format(jane=jane))
            call_id = int(ElementTree.fromstring(response.body).findtext("callId"))
            arn = dialing.execution_arn(call_id)
            net.board.run(arn)
            net.pstn.idle(10)
            count_transitions(arn)
            harness.calls["lambda:dialer"] = len(net.board.messages)
            harness.calls["lambda:sma"] = net.pstn.invocations
            return completed(api, call_id)

    return request


def _drain_rate(per_second: str):
    def request(api, user_id):
        from chalicelib.store import aws
        from chalicelib.workflows import dialing, fanout
        from local import worker

        with chime(OCP_CHIME_CALLS_PER_SECOND=per_second):
            destinations = ",".join(f"3:303{2_000_000 + n:07d}" for n in range(BIG))
            started = time.perf_counter()
            response = api.post(
                "/blastvoice",
                {
                    "userId": user_id,
                    "origination": "3:7202108298",
                    "destination": destinations,
                    "text": "Practice moved to 5",
                },
            )
            blast_id = int(ElementTree.fromstring(response.body).findtext("blastid"))
            while worker.drain_fanout_queue():
                pass
            fanned = time.perf_counter() - started
            sfn = aws.client("stepfunctions")
            turns = [
                json.loads(
                    sfn.describe_execution(
                        executionArn=dialing.execution_arn(0, fanout.execution_name(blast_id, n))
                    )["input"]
                )["pace"]["at"]
                for n in (0, BIG - 1)
            ]
            first, last = (_seconds(t) for t in turns)
            rate = (BIG - 1) / (last - first)
            print(
                f"  blast of {BIG:,} via Chime at OCP_CHIME_CALLS_PER_SECOND={per_second}: fanned "
                f"out in {fanned:.1f} s; its recipients' turns span {last - first:,.0f} s: "
                f"drains at {rate:.2f} calls/s ({(last - first) / 3600:.1f} h)"
            )
        return response

    return request


def _seconds(stamp: str) -> float:
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC).timestamp()


SCENARIOS = [
    Scenario(
        "Chime call: answered at once (all of it)",
        whole_call("1:{jane}"),
        john_and_jane,
        aws_config=EXECUTE,
        notes="POST, both legs, the end, GET; lambda:* = invocations",
    ),
    Scenario(
        "Chime call: try-all of three numbers",
        whole_call("1:{jane}"),
        lambda api: john_and_jane(api, "3035550102,3035550105,3035550101", "1"),
        aws_config=EXECUTE,
    ),
    Scenario(f"Chime blast of {BIG:,} at 1 call/s", _drain_rate("1"), a_user),
]
