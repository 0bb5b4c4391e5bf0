"""What a real call costs on the chime carrier, per answered minute
(docs/carriers.md#what-real-calls-cost), and beside it on the twilio carrier (issue 20
item 8: `comparison()`, which `make bench` prints). `python -m bench.telephony_prices` prints both.

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


# -- the twilio carrier (Twilio Programmable Voice; SignalWire charges less, not priced here) --

TWILIO_AS_OF = "2026-12-06"
TWILIO_SOURCE = (
    "../shared/telephony/twilio-compatible.md: third-party quotes of 2026-06 to 2026-10, "
    "second-hand; not read on twilio.com/en-us/voice/pricing/us"
)
# Every figure UNCONFIRMED (TWILIO_SOURCE), re-check on Twilio's own page before quoting.
TWILIO_US_OUTBOUND_PER_MINUTE = 0.0140  # each leg the app dials out, US destination
TWILIO_AMD_PER_CALL = 0.0075  # answering machine detection, per call it is asked on
# From memory, least sure: a participant-minute of a <Conference>, on top of its leg.
TWILIO_CONFERENCE_PER_PARTICIPANT_MINUTE = 0.0018
TWILIO_PHONE_NUMBER_PER_MONTH = 1.15  # a US local number (from memory)
# Twilio bills voice by the minute, each leg's time rounded up (UNCONFIRMED as above);
# the chime figures are per minute as AWS quotes them.

# What "a call" and "a blast recipient" are, for the per-call columns.
TYPICAL_CALL_MINUTES = 3  # an answered click-to-call's conversation
BLAST_MESSAGE_MINUTES = 1  # an answered blast recipient: a message under a minute


def twilio_per_answered_minute(flow: Flow) -> float:
    conference = TWILIO_CONFERENCE_PER_PARTICIPANT_MINUTE if flow.attendees else 0.0
    return flow.legs * TWILIO_US_OUTBOUND_PER_MINUTE + flow.attendees * conference


def comparison() -> list[tuple[str, float, float]]:
    """(what, chime, twilio) in dollars, US destinations."""
    by_name = {f.name: f for f in FLOWS}
    call, participant = by_name["call (click-to-call)"], by_name["conference, per participant"]
    recipient = by_name["blastvoice, per recipient"]
    return [
        ("call, per answered minute", call.per_answered_minute, twilio_per_answered_minute(call)),
        (
            f"call, per answered call ({TYPICAL_CALL_MINUTES} min)",
            TYPICAL_CALL_MINUTES * call.per_answered_minute,
            TYPICAL_CALL_MINUTES * twilio_per_answered_minute(call),
        ),
        (
            "conference participant, per minute",
            participant.per_answered_minute,
            twilio_per_answered_minute(participant),
        ),
        (
            f"blast recipient, machine detection on ({BLAST_MESSAGE_MINUTES} min)",
            # The chime carrier's detection is the SIP media application's own: no fee
            # of its own in the chime figures above.
            BLAST_MESSAGE_MINUTES * recipient.per_answered_minute,
            BLAST_MESSAGE_MINUTES * twilio_per_answered_minute(recipient) + TWILIO_AMD_PER_CALL,
        ),
        ("each caller-id number, a month", PHONE_NUMBER_PER_MONTH, TWILIO_PHONE_NUMBER_PER_MONTH),
    ]


def comparison_table() -> str:
    rows = [
        f"Telephony, US destinations: chime as of {AS_OF}, twilio as of {TWILIO_AS_OF}; "
        "every price UNCONFIRMED (bench/telephony_prices.py names the sources)",
        f"  {'':52} {'chime':>9} {'twilio':>9}",
        *(
            f"  {what:52} {f'${chime:.4f}':>9} {f'${twilio:.4f}':>9}"
            for what, chime, twilio in comparison()
        ),
    ]
    return "\n".join(rows)


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
    print()
    print(f"twilio: UNCONFIRMED, {TWILIO_SOURCE}")
    print(comparison_table())
