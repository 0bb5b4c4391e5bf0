"""The price table GET /usage estimates cost with (US dollars): the carrier's part (per
billed minute, per SMS segment) and AWS's (per call, per text, per text-to-speech
character), kept apart. An estimate, marked as one on the wire: what a carrier bills is
its own invoice, and AWS's bill has more lines than these (storage, logs, idle
resources). The defaults are bench/'s cost model's figures (bench/aws_prices.py,
bench/telephony_prices.py, their dates and sources); a deployment sets its own with
OCP_USAGE_PRICES (JSON of the field names below). Pure: plain values in and out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields, replace
from decimal import Decimal

CURRENCY = "USD"
PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class Prices:
    # The carrier: a click-to-call is two legs (chime: outbound + PSTN audio per leg).
    carrier_per_minute: Decimal = Decimal("0.0136")
    carrier_per_segment: Decimal = Decimal("0.00883")  # SMS part + US carrier fee
    # AWS, per unit of work: Lambda, Step Functions, SQS and DynamoDB of one call or text
    # (bench's cost model), and Polly's standard voice per character.
    aws_per_call: Decimal = Decimal("0.0009")
    aws_per_text: Decimal = Decimal("0.0001")
    aws_per_tts_character: Decimal = Decimal("0.000004")


DEFAULT = Prices()


def parse(text: str) -> Prices:
    """A price table from OCP_USAGE_PRICES: a JSON object of some of Prices' fields
    (numbers or numeric strings, at least 0); ValueError for anything else."""
    if not text.strip():
        return DEFAULT
    data = json.loads(text)
    names = {f.name for f in fields(Prices)}
    if not isinstance(data, dict) or not set(data) <= names:
        raise ValueError(f"OCP_USAGE_PRICES: an object of {sorted(names)}")
    try:
        values = {k: Decimal(str(v)) for k, v in data.items()}
    except ArithmeticError:  # decimal.InvalidOperation: not a number
        raise ValueError("OCP_USAGE_PRICES: prices are numbers") from None
    if any(not v.is_finite() or v < 0 for v in values.values()):
        raise ValueError("OCP_USAGE_PRICES: prices are numbers of at least 0")
    return replace(DEFAULT, **values)


@dataclass(frozen=True)
class Estimate:
    carrier: Decimal
    aws: Decimal

    @property
    def total(self) -> Decimal:
        return self.carrier + self.aws


def estimate(
    prices: Prices, *, calls: int, mou: Decimal, texts: int, segments: int, tts_characters: int
) -> Estimate:
    carrier = mou * prices.carrier_per_minute + segments * prices.carrier_per_segment
    aws = (
        calls * prices.aws_per_call
        + texts * prices.aws_per_text
        + tts_characters * prices.aws_per_tts_character
    )
    return Estimate(carrier.quantize(PLACES), aws.quantize(PLACES))
