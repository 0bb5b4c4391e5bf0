"""A provider's API failing, as every adapter above it needs to tell the cases apart
(STYLE 12: a throttled request is never a failed call or a failed text)."""

from __future__ import annotations


class CarrierError(Exception):
    """The carrier could not place the dial at all (its API failed)."""


class CarrierBusy(CarrierError):
    """The carrier cannot take another call right now (throttled, or at its limit of
    calls): nothing was rung, and the dial is to be tried again `retry_after` seconds
    later. Never a result: a throttled dial is not a failed call (STYLE 12)."""

    def __init__(self, message: str, retry_after: float = 1.0):
        super().__init__(message)
        self.retry_after = retry_after


class Gone(CarrierError):
    """The call, leg or conference the request names is over (Twilio's 404, Chime's
    NotFoundException)."""
