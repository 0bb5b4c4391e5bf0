"""The carrier named in settings (`OCP_CARRIER`): the one place that knows the adapters.

The port (telephony/__init__.py) names no adapter, so the adapters and what they use
(store.rendezvous, store.pacing, media.wav) can import the port without a circle. Each
Lambda function runs one carrier: an adapter's module is imported when it is chosen
(chalicelib/imports.py), so a function loads no other carrier's code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib import settings
from chalicelib.imports import on_first_use
from chalicelib.telephony import Carrier

if TYPE_CHECKING:
    from chalicelib.telephony import simulated
    from chalicelib.telephony.chime import adapter as chime
    from chalicelib.telephony.twilio import adapter as twilio
else:
    simulated = on_first_use("chalicelib.telephony.simulated")
    chime = on_first_use("chalicelib.telephony.chime.adapter")
    twilio = on_first_use("chalicelib.telephony.twilio.adapter")


def carrier(name: str | None = None) -> Carrier:
    """The adapter named in settings (or `name`)."""
    name = name or settings.get().carrier
    if name == "simulated":
        return simulated.SimulatedCarrier.from_settings()
    if name == "chime":
        return chime.ChimeCarrier.from_settings()
    if name == "twilio":
        return twilio.TwilioCarrier.from_settings()
    raise ValueError(f"unknown carrier adapter {name!r} (OCP_CARRIER)")
