"""The actions a SIP media application handler returns, built in one place with the
service's parameter names and limits (Chime SDK developer guide, "PSTN audio actions").
Pure: plain dicts in and out.

Limits enforced here: at most 10 actions a response; SendDigits carries at most 50
characters of 0-9 * # A-D and `,` (a 0.5 s pause); CallAndBridge rings 1..120 s and dials
an E.164 number; a Pause is at least 1 ms.
"""

from __future__ import annotations

import re

from chalicelib.telephony.spec import E164

SCHEMA_VERSION = "1.0"
MAX_ACTIONS = 10
MAX_DIGITS = 50
PIN_PAUSE = ",,,,"  # 2 s (0.5 s a comma) before a PIN, for the conference engine's greeting
LEG_A, LEG_B = "LEG-A", "LEG-B"
_DIGITS = re.compile(rf"[0-9*#A-D,]{{1,{MAX_DIGITS}}}")


def response(actions: list[dict] | None, attributes: dict[str, str] | None = None) -> dict:
    """A handler's answer. `actions` None keeps the actions already pending (the service's
    NULL action set); `attributes` None keeps the stored TransactionAttributes."""
    out: dict = {"SchemaVersion": SCHEMA_VERSION}
    if actions is not None:
        if len(actions) > MAX_ACTIONS:
            raise ValueError(f"at most {MAX_ACTIONS} actions a response, not {len(actions)}")
        out["Actions"] = actions
    if attributes is not None:
        out["TransactionAttributes"] = attributes
    return out


def audio(bucket: str, key: str) -> dict:
    return {"Type": "S3", "BucketName": bucket, "Key": key}


def play(call_id: str, source: dict) -> dict:
    return {"Type": "PlayAudio", "Parameters": {"CallId": call_id, "AudioSource": source}}


def play_and_get_digit(
    call_id: str,
    source: dict,
    failure: dict,
    *,
    repeat: int = 2,
    wait_ms: int = 6000,
    keys: str = "1",
) -> dict:
    """Play `source` and wait for one key, 1 (or one of `keys`); on a wrong key or none,
    play `failure` and ask again, `repeat` times in all. ACTION_SUCCESSFUL carries
    ReceivedDigits."""
    return {
        "Type": "PlayAudioAndGetDigits",
        "Parameters": {
            "CallId": call_id,
            "AudioSource": source,
            "FailureAudioSource": failure,
            # issue 27: the opt-out digit too ("*" and "#" need no escape in a class)
            "InputDigitsRegex": "^1$" if keys == "1" else f"^[{keys}]$",
            "MinNumberOfDigits": 1,
            "MaxNumberOfDigits": 1,
            "TerminatorDigits": ["#"],
            "InBetweenDigitsDurationInMilliseconds": 3000,
            "Repeat": repeat,
            "RepeatDurationInMilliseconds": wait_ms,
        },
    }


def send_digits(call_id: str, digits: str) -> dict:
    if not _DIGITS.fullmatch(digits):
        raise ValueError(f"SendDigits takes 1 to {MAX_DIGITS} of 0-9 * # A-D and ','")
    return {
        "Type": "SendDigits",
        "Parameters": {"CallId": call_id, "Digits": digits, "ToneDurationInMilliseconds": 250},
    }


def call_and_bridge(caller_id: str, to: str, timeout_seconds: int) -> dict:
    for number in (caller_id, to):
        if not E164.fullmatch(number):
            raise ValueError("CallAndBridge dials and presents E.164 numbers only")
    return {
        "Type": "CallAndBridge",
        "Parameters": {
            "CallTimeoutSeconds": min(120, max(1, int(timeout_seconds))),
            "CallerIdNumber": caller_id,
            "Endpoints": [{"BridgeEndpointType": "PSTN", "Uri": to}],
        },
    }


def join_meeting(call_id: str, meeting_id: str, join_token: str) -> dict:
    # LEG-A only, and never on a bridged call (the service's rules).
    return {
        "Type": "JoinChimeMeeting",
        "Parameters": {
            "CallId": call_id,
            "ParticipantTag": LEG_A,
            "MeetingId": meeting_id,
            "JoinToken": join_token,
        },
    }


def pause(call_id: str, milliseconds: int) -> dict:
    return {
        "Type": "Pause",
        "Parameters": {"CallId": call_id, "DurationInMilliseconds": max(1, int(milliseconds))},
    }


def hang_up(call_id: str) -> dict:
    return {"Type": "Hangup", "Parameters": {"CallId": call_id, "SipResponseCode": "0"}}
