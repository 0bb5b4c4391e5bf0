"""The Chime carrier end to end under moto: the real adapter, the real SIP media
application handler, and the local fake PSTN (local/fake_pstn.py) between them over HTTP
on a free port, as `make run` has them with OCP_CARRIER=chime. The fake's timing is
short, and the talk of a connected call passes on the tests' frozen clock (12 s:
<mou>0.2</mou>, as with the simulated carrier)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import pytest

from chalicelib import clock, settings
from local.fake_pstn import FakePstn, Quota, Timing
from tests.workflows.conftest import Switchboard

POOL = "+13035550100,+17205550100"
QUICK = Timing(ring=0.05, answer=0.0, slow=0.2, play=0.01, talk=12)


@dataclass
class Network:
    pstn: FakePstn
    board: Switchboard
    handler: Any
    server: Any
    monkeypatch: Any

    def close(self) -> None:
        from chalicelib.store import aws

        self.pstn.hang_up_everyone()
        self.pstn.idle(5)
        self.server.shutdown()
        self.server.server_close()
        self.monkeypatch.undo()
        settings.reload()
        aws.reset()


def network(
    monkeypatch, *, quota: Quota | None = None, per_second: float = 50, timing: Timing = QUICK
) -> Network:
    """Settings for the Chime carrier pointing at a fake PSTN serving on a free port."""
    from chalicelib.media import wav
    from chalicelib.store import aws
    from chalicelib.telephony.chime.adapter import ChimeCarrier
    from chalicelib.telephony.chime.sma import Handler
    from chalicelib.workflows.dialer import Dialer, StepFunctionsTasks

    holder: dict = {}
    timing = replace(timing, talk_clock=lambda seconds: clock.advance(int(seconds)))
    pstn = FakePstn(
        lambda event: holder["handler"].handle(event), timing, quota or Quota(None, None)
    )
    server = pstn.serve(0)
    monkeypatch.setenv("OCP_CARRIER", "chime")
    monkeypatch.setenv("OCP_CHIME_SMA_ID", pstn.sma_id)
    monkeypatch.setenv("OCP_CHIME_NUMBERS", POOL)
    monkeypatch.setenv("OCP_CHIME_CALLS_PER_SECOND", str(per_second))
    # The account's concurrency is the fake PSTN's `quota` here (workflows/pacing.py's
    # own limit is tests/workflows/test_pacing_flows.py's): blasts paced at the rate alone.
    monkeypatch.setenv("OCP_CONCURRENT_CALLS", "10000")
    monkeypatch.setenv("OCP_BLAST_DIAL_SECONDS", "1")
    monkeypatch.setenv("OCP_CHIME_ENDPOINT_URL", f"http://127.0.0.1:{server.server_address[1]}")
    settings.reload()
    aws.reset()
    wav.forget()
    carrier = ChimeCarrier.from_settings()
    holder["handler"] = Handler(
        carrier=carrier,
        dialer=Dialer(carrier=carrier, tasks=StepFunctionsTasks()),
        bucket=settings.get().audio_bucket,
    )
    return Network(pstn, Switchboard(carrier), holder["handler"], server, monkeypatch)


@pytest.fixture
def chime(monkeypatch):
    net = network(monkeypatch)
    yield net
    net.close()
