"""The metrics a call emits (chalicelib/metrics.py), as EMF lines on stdout: calls by
result, dial attempts by outcome, time to answer, carrier errors."""

import json

import pytest

from tests.workflows.test_call_workflow import destination, origination, place_call

pytestmark = pytest.mark.usefixtures("sfn_aws", "frozen_clock")


def points(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.startswith('{"_aws"')]


def values(found: list[dict], metric: str, dimension: str | None = None) -> list:
    return [p[dimension] if dimension else p[metric] for p in found if metric in p]


def test_an_answered_call_after_a_busy_number(switchboard, capsys):
    # Given a destination whose first number is busy and whose second answers
    arn = place_call(8101, [destination("3035550101", "7209814345"), origination()])
    capsys.readouterr()
    # When the dialing runs
    switchboard.run(arn)
    found = points(capsys.readouterr().out)
    # Then each attempt is counted by outcome, each answer timed, the call counted once
    assert sorted(values(found, "DialAttempts", "Outcome")) == ["Busy", "Success", "Success"]
    assert len(values(found, "TimeToAnswer")) == 2
    assert values(found, "Calls", "Result") == ["complete"]
    # and every point names its call and stage
    assert {p["callId"] for p in found} == {8101}
    assert {p["Stage"] for p in found} == {"test"}


def test_a_carrier_failure_is_a_failed_attempt_and_a_carrier_error(switchboard, capsys):
    arn = place_call(8102, [destination("3035550106"), origination()])
    capsys.readouterr()
    switchboard.run(arn)
    found = points(capsys.readouterr().out)
    assert values(found, "CarrierErrors") == [1]
    assert values(found, "DialAttempts", "Outcome") == ["Failed"]
    assert values(found, "Calls", "Result") == ["failed"]


@pytest.mark.usefixtures("aws")
def test_a_blast_counts_its_recipients_by_kind(capsys):
    from chalicelib import clock
    from chalicelib.domain.kinds import SMS, VOICE
    from chalicelib.workflows import fire
    from tests.workflows.test_blast_fanout import NOW, drain, new_blast, phone

    with clock.frozen(NOW):
        voice = new_blast(VOICE, [phone(f"720555{n:04d}") for n in range(3)], when=NOW + 60)
        sms = new_blast(SMS, [phone("7205551212")], when=NOW + 60)
    with clock.frozen(NOW + 60):
        for blast_id in (voice, sms):
            fire.fire({"kind": "blast", "id": blast_id, "version": 1})
        capsys.readouterr()
        drain()
    found = points(capsys.readouterr().out)
    recipients = {
        (p["Kind"], p["blastId"]): p["BlastRecipients"] for p in found if "BlastRecipients" in p
    }
    assert recipients == {("voice", voice): 3, ("sms", sms): 1}
