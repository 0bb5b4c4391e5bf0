"""The Twilio carrier end to end under moto: the real adapter, the real webhooks and the
local fake Twilio (local/fake_twilio.py) between them, as `make run` has them with
OCP_CARRIER=twilio. The adapter's REST requests go over HTTP to the fake on a free port,
checked against Twilio's OpenAPI description; the fake's signed webhooks are handed to
the webhook handler in process. The talk of a connected call passes on the tests' frozen
clock (12 s: <mou>0.2</mou>, as with the simulated carrier)."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from chalicelib import clock, settings
from local.fake_twilio import (
    ACCOUNT_SID,
    API_KEY_SECRET,
    API_KEY_SID,
    AUTH_TOKEN,
    SHARED_KEY_ID,
    SHARED_KEY_SECRET,
    FakeTwilio,
    Timing,
)
from tests.workflows.conftest import Switchboard

POOL = "+13035550100,+17205550100"
PUBLIC = "https://abc123.execute-api.us-east-1.amazonaws.com/test"
QUICK = Timing(ring=0.05, answer=0.0, slow=0.2, play=0.01, amd=0.05, talk=12, pause_cap=0.05)


@dataclass
class Network:
    twilio: FakeTwilio
    board: Switchboard
    handler: Any
    server: Any
    monkeypatch: Any

    def close(self) -> None:
        from chalicelib.store import aws, carrier_secret

        self.twilio.hang_up_everyone()
        self.twilio.idle(5)
        self.server.shutdown()
        self.server.server_close()
        self.monkeypatch.undo()
        settings.reload()
        aws.reset()
        carrier_secret.forget()


def path_of(url: str) -> dict[str, str]:
    """A webhook URL's path variables, as API Gateway hands them to the route."""
    parts = urlsplit(url).path.split("/")
    step, call, key, index = (unquote(p) for p in parts[-4:])
    return {"step": step, "call": call, "key": key, "index": index}


def sms_path_of(url: str) -> dict[str, str]:
    """A text's status callback URL's path variables (messaging/twilio.py CONTEXT)."""
    from chalicelib.messaging.twilio import CONTEXT

    return dict(zip(CONTEXT, urlsplit(url).path.split("/")[-4:], strict=True))


def network(
    monkeypatch,
    *,
    per_second: float = 50,
    timing: Timing = QUICK,
    flavour: str = "twilio",
    shared_key: bool = False,
) -> Network:
    """Settings for the Twilio carrier pointing at a fake Twilio serving on a free port.
    `shared_key`: the stage holds no auth token (the fake has one nobody else knows):
    REST with the API key, webhooks signed by a SharedKey with HMAC-SHA256 (Twilio's
    Webhook Settings)."""
    from chalicelib.api import carrier_hooks
    from chalicelib.providers.twilio import signature
    from chalicelib.store import aws, carrier_secret
    from chalicelib.telephony.twilio import adapter
    from chalicelib.telephony.twilio.adapter import TwilioCarrier
    from chalicelib.telephony.twilio.hooks import Handler
    from chalicelib.workflows.dialer import Dialer, StepFunctionsTasks

    holder: dict = {}

    def app_post(url: str, headers: dict[str, str], body: bytes) -> tuple[int, str]:
        if "/twilio-sms/" in url:  # a text's status callback, through its route's view
            status, answer, _ = carrier_hooks.sms_status(sms_path_of(url), headers, body)
            return status, answer
        return holder["handler"].respond(path_of(url), headers, body)

    header = signature.HEADERS[flavour]
    signing_key = "signalwire-signing-key" if flavour == "signalwire" else AUTH_TOKEN
    timing = replace(timing, talk_clock=lambda seconds: clock.advance(int(seconds)))
    if shared_key:
        fake = FakeTwilio(
            app_post,
            timing,
            auth_token="a-token-the-stage-does-not-hold",
            shared_key=(SHARED_KEY_ID, SHARED_KEY_SECRET),
        )
        secret = {
            "apiKeySid": API_KEY_SID,
            "apiKeySecret": API_KEY_SECRET,
            "sharedKeys": {SHARED_KEY_ID: SHARED_KEY_SECRET},
        }
    else:
        fake = FakeTwilio(app_post, timing, header=header, signing_key=signing_key)
        secret = {"authToken": AUTH_TOKEN, "signingKey": signing_key}
    server = fake.serve(0)
    monkeypatch.setenv("OCP_CARRIER", "twilio")
    monkeypatch.setenv(
        "OCP_TWILIO_API_BASE", f"http://127.0.0.1:{server.server_address[1]}/2010-04-01"
    )
    monkeypatch.setenv("OCP_TWILIO_ACCOUNT_SID", ACCOUNT_SID)
    monkeypatch.setenv("OCP_TWILIO_NUMBERS", POOL)
    monkeypatch.setenv("OCP_CALLS_PER_SECOND", str(per_second))
    # The account's concurrency is unbounded here, as tests/workflows/chime.py's (the
    # pacing board's own tests are tests/workflows/test_pacing_flows.py's).
    monkeypatch.setenv("OCP_CONCURRENT_CALLS", "10000")
    monkeypatch.setenv("OCP_BLAST_DIAL_SECONDS", "1")
    monkeypatch.setenv("OCP_TWILIO_SIGNATURE", flavour)
    monkeypatch.setenv("OCP_PUBLIC_BASE_URL", PUBLIC)
    settings.reload()
    aws.reset()
    carrier_secret.forget()
    aws.client("secretsmanager").create_secret(
        Name=settings.get().twilio_secret_name,
        SecretString=json.dumps(secret),
    )
    carrier = TwilioCarrier.from_settings()
    holder["handler"] = Handler(
        carrier=carrier,
        dialer=Dialer(carrier=carrier, tasks=StepFunctionsTasks()),
        signing_keys=adapter.webhook_keys,
        header=header,
    )
    board = Switchboard(carrier, carrier_log=fake.log_lines)
    return Network(fake, board, holder["handler"], server, monkeypatch)


@pytest.fixture
def twilio(monkeypatch):
    net = network(monkeypatch)
    yield net
    net.close()
