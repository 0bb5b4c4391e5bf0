"""What a real call costs on the chime carrier, per answered minute (README "What real
calls cost"). `python -m bench.telephony_prices` prints the table the README shows.

Telephony only: the AWS services each call also uses (Lambda, Step Functions, DynamoDB,
SQS) are priced with the rest of the stack in bench/'s cost model. US dollars, US
destinations, us-east-1. Each price says where it was read and on what day. AWS's own
pricing pages (aws.amazon.com/chime/chime-sdk/pricing, .../voice-connector/pricing)
could not be read from where this was written: every figure below is UNCONFIRMED until
someone with the live page checks it (README lists it under "Needs a real account").
"""

from __future__ import annotations

from dataclasses import dataclass

AS_OF = "2026-11-30"
SOURCE = (
    "../shared/telephony/chime-pstn-audio.md §7: a third-party copy of AWS's pricing "
    "examples (undated) and a figure from memory; not read from AWS's pricing pages"
)

# Per minute of one call leg, billed per leg for as long as it is up (CallAndBridge
# bills "active call minutes for each call leg ... plus PSTN Audio service usage").
US_OUTBOUND_PER_LEG_MINUTE = 0.0048  # dial-out to a US number
PSTN_AUDIO_PER_LEG_MINUTE = 0.002  # SIP media application usage (from memory: least sure)
# A Chime SDK meeting (the conference room), per attendee-minute.
MEETING_PER_ATTENDEE_MINUTE = 0.0017
# Each number of the caller-id pool (OCP_CHIME_NUMBERS), a US local number.
PHONE_NUMBER_PER_MONTH = 1.00


@dataclass(frozen=True)
class Flow:
    name: str
    legs: int  # PSTN legs up while the parties talk
    attendees: int  # Chime SDK meeting attendees among them
    note: str

    @property
    def per_answered_minute(self) -> float:
        leg = US_OUTBOUND_PER_LEG_MINUTE + PSTN_AUDIO_PER_LEG_MINUTE
        return self.legs * leg + self.attendees * MEETING_PER_ATTENDEE_MINUTE


FLOWS = (
    Flow(
        "call (click-to-call)",
        2,
        0,
        "both parties are dialled out; leg 1 also bills while leg 2 rings",
    ),
    Flow("autoconference", 2, 0, "the user and the conference number, bridged"),
    Flow("conference, per participant", 1, 1, "a dial-out joined to the room's meeting"),
    Flow(
        "blastvoice, per recipient",
        1,
        0,
        "one dial-out; with a callback, a second leg while bridged",
    ),
)


def table() -> str:
    """The README's table, from the prices above."""
    rows = [
        "| flow | legs | per answered minute | |",
        "|---|---|---|---|",
        *(f"| {f.name} | {f.legs} | ${f.per_answered_minute:.4f} | {f.note} |" for f in FLOWS),
    ]
    return "\n".join(rows)


if __name__ == "__main__":
    print(f"US destinations, prices as of {AS_OF} (UNCONFIRMED: {SOURCE})")
    print(table())
    print(f"plus ${PHONE_NUMBER_PER_MONTH:.2f} a month for each caller-id number")
