"""Texts in the synthesised stack (docs/sms.md "Deploy"): End User Messaging's
configuration set publishes delivery events to a topic only the service may publish to,
the `smsreceipts` function is subscribed to it, and SendTextMessage is granted on the
stage's origination identity, configuration set and opt-out list only."""

from __future__ import annotations

from tests.infra.conftest import (
    SMS_IDENTITY,
    STAGE,
    function_role_id,
    listed,
    one,
    resources,
    role_statements,
)

TOPIC = f"ocp-{STAGE}-sms-receipts"
CONFIGURATION_SET = f"ocp-{STAGE}-sms"


def test_the_configuration_set_sends_final_delivery_events_to_the_receipt_topic(synth):
    template = synth.template
    topic_id, _topic = one(template, "AWS::SNS::Topic", TopicName=TOPIC)
    _id, config = one(
        template, "AWS::SMSVOICE::ConfigurationSet", ConfigurationSetName=CONFIGURATION_SET
    )
    [destination] = config["Properties"]["EventDestinations"]
    assert destination["Enabled"] is True
    assert destination["SnsDestination"] == {"TopicArn": {"Ref": topic_id}}
    assert "TEXT_DELIVERED" in destination["MatchingEventTypes"]
    assert "TEXT_QUEUED" not in destination["MatchingEventTypes"]  # steps on the way: none


def test_only_end_user_messaging_of_this_account_may_publish_to_the_topic(synth):
    template = synth.template
    topic_id, _topic = one(template, "AWS::SNS::Topic", TopicName=TOPIC)
    statements = [
        s
        for policy in resources(template, "AWS::SNS::TopicPolicy").values()
        if {"Ref": topic_id} in policy["Properties"]["Topics"]
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    [publish] = [s for s in statements if s["Effect"] == "Allow"]
    assert publish["Principal"] == {"Service": "sms-voice.amazonaws.com"}
    assert publish["Action"] == "sns:Publish"
    assert publish["Condition"] == {
        "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    }
    # and the topic refuses plain HTTP (enforce_ssl)
    assert any(s["Effect"] == "Deny" for s in statements)


def test_the_receipts_function_is_subscribed_to_the_topic(synth):
    template = synth.template
    receipts = template["Resources"]["Smsreceipts"]
    [event] = receipts["Properties"]["Events"].values()
    assert event["Type"] == "SNS"
    assert TOPIC in event["Properties"]["Topic"]["Fn::Sub"]
    assert any("SmsReceiptTopic" in d for d in listed(receipts.get("DependsOn", [])))
    variables = receipts["Properties"]["Environment"]["Variables"]
    assert variables["OCP_SMS_RECEIPT_TOPIC"] == TOPIC
    assert variables["OCP_MESSAGING"] == "eum"
    assert variables["OCP_SMS_ORIGINATION_IDENTITY"] == SMS_IDENTITY
    assert variables["OCP_SMS_CONFIGURATION_SET"] == CONFIGURATION_SET


def sends(template, function_id: str) -> list[str]:
    return [
        str(resource)
        for s in role_statements(template, function_role_id(template, function_id))
        if s["Effect"] == "Allow" and "sms-voice:SendTextMessage" in listed(s["Action"])
        for resource in listed(s["Resource"])
    ]


def test_texts_are_sent_from_the_identity_through_the_configuration_set_only(synth):
    template = synth.template
    granted = sends(template, "Blastfanout")
    assert len(granted) == 3
    assert any(f"phone-number/{SMS_IDENTITY}" in r for r in granted)
    assert any(f"configuration-set/{CONFIGURATION_SET}" in r for r in granted)
    assert any("opt-out-list/Default" in r for r in granted)
    assert not any("*" in r for r in granted)
    for other in ("APIHandler", "Dialer", "Fire", "Smsreceipts", "Callbacks"):
        assert sends(template, other) == []


def test_texts_follow_the_carrier_of_each_stage(synth, chime_synth, twilio_synth):
    """As `make run` does (chalicelib/settings.py): a twilio stage texts through Twilio
    Messages, the others through End User Messaging, unless --messaging says otherwise."""
    for stage, expected in ((synth, "eum"), (chime_synth, "eum"), (twilio_synth, "twilio")):
        for function_id, function in resources(stage.template, "AWS::Serverless::Function").items():
            variables = function["Properties"]["Environment"]["Variables"]
            assert variables["OCP_MESSAGING"] == expected, (function_id, expected)
    # and texting through Twilio grants no End User Messaging
    assert sends(twilio_synth.template, "Blastfanout") == []


def test_messaging_defaults_to_the_carrier_s_and_takes_twilio():
    from infra.stage import Stage, TwilioAccount, messaging_for

    assert [messaging_for(c, None) for c in ("simulated", "chime", "twilio")] == [
        "eum",
        "eum",
        "twilio",
    ]
    assert messaging_for("twilio", "eum") == "eum"
    account = TwilioAccount("AC0", ("+13035550110",), "", "ocp-dev-twilio")
    stage = Stage.named(
        "dev", carrier="chime", chime_numbers=("+13035550100",), twilio=account, messaging="twilio"
    )
    assert (stage.carrier, stage.messaging, stage.twilio) == ("chime", "twilio", account)
    assert stage.settings_literals()["OCP_MESSAGING"] == "twilio"
