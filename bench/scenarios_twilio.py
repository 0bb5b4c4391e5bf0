"""The Twilio carrier (OCP_CARRIER=twilio) over moto and the local fake Twilio: AWS
requests per answered call, how many webhooks Twilio sends for it (each one an invocation
of the API function: the webhooks are its routes), and how long the app takes to answer
one, warm (Twilio waits 15 s at most, connect included; docs/twilio.md).

A whole call runs as tests/workflows/test_twilio_flows.py runs it: the real adapter, the
fake Twilio over HTTP (checked against Twilio's OpenAPI description), the real webhooks
(signature checked) reporting to moto's Step Functions. The cold import of the webhook
path is `python -m bench twilio` (bench/__main__.py).

    python -m bench twilio      this file's scenarios and the webhook path's cold import
"""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Iterator
from xml.etree import ElementTree

from bench import harness
from bench.harness import Scenario
from bench.scenarios_calls import EXECUTE, call, completed, count_transitions, john_and_jane

# Seconds each webhook took in the app, warm (the first of each process excluded).
handling: list[float] = []


@contextlib.contextmanager
def twilio(**settings: str) -> Iterator:
    """The Twilio carrier's settings, and a fake Twilio for it, for one scenario."""
    import os

    import pytest

    from chalicelib import settings as app_settings
    from chalicelib.store import aws
    from tests.workflows.twilio import network

    os.environ["OCP_STAGE"] = app_settings.get().stage
    os.environ["OCP_TABLE_PREFIX"] = app_settings.get().table_prefix
    with pytest.MonkeyPatch.context() as patch:
        for name, value in settings.items():
            patch.setenv(name, value)
        net = network(patch)
        respond = net.handler.respond

        def timed(*args, **kwargs):
            harness.invocations[harness.API] += 1
            started = time.perf_counter()
            with harness.serving(harness.API):
                try:
                    return respond(*args, **kwargs)
                finally:
                    handling.append(time.perf_counter() - started)

        net.handler.respond = timed
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
        with clock.frozen(int(time.time())), twilio() as net:
            harness.calls.clear()
            response = call(api, john, destination.format(jane=jane))
            call_id = int(ElementTree.fromstring(response.body).findtext("callId"))
            arn = dialing.execution_arn(call_id)
            net.board.run(arn)
            net.twilio.idle(10)
            count_transitions(arn)
            harness.calls["lambda:dialer"] = len(net.board.messages)
            harness.calls["twilio:webhooks"] = len(net.twilio.webhooks)
            harness.calls["twilio:rest"] = len(net.twilio.requests)
            if net.twilio.errors:
                print(f"  ! fake Twilio: {net.twilio.errors}")
            return completed(api, call_id)

    return request


def report_handling() -> None:
    if len(handling) < 2:
        return
    warm = sorted(handling[1:])
    p95 = warm[min(len(warm) - 1, int(len(warm) * 0.95))]
    print(
        f"  Twilio webhooks handled warm (in process, over moto): {len(warm)}, median "
        f"{statistics.median(warm) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, max "
        f"{warm[-1] * 1000:.1f} ms (Twilio waits 15 s)"
    )


SCENARIOS = [
    Scenario(
        "Twilio call: answered at once (all of it)",
        whole_call("1:{jane}"),
        john_and_jane,
        aws_config=EXECUTE,
        notes="POST, both legs, the end, GET; twilio:* = webhooks sent, REST requests",
    ),
    Scenario(
        "Twilio call: try-all of three numbers",
        whole_call("1:{jane}"),
        lambda api: john_and_jane(api, "3035550102,3035550105,3035550101", "1"),
        aws_config=EXECUTE,
    ),
]
