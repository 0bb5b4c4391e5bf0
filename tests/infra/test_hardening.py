"""Issue 26's infrastructure: the WAF web ACL on the API's stage, the reserved concurrency
and event source maximums, and each function's kind of enterprise secret."""

from __future__ import annotations

import pytest

from infra import concurrency, waf
from infra.access import Function
from infra.stage import Stage
from tests.infra.conftest import function_role_id, get_att, listed, one, resources, role_statements

# -- WAF ------------------------------------------------------------------------------


def test_the_waf_is_prods_default_and_a_flag_elsewhere():
    assert Stage.named("prod").waf
    assert not Stage.named("dev").waf
    assert Stage.named("dev", waf=True).waf
    assert not Stage.named("prod", waf=False).waf


def test_prod_has_a_regional_web_acl_with_the_managed_groups_and_a_rate_rule(synth):
    _, acl = one(synth.template, "AWS::WAFv2::WebACL")
    properties = acl["Properties"]
    assert properties["Scope"] == "REGIONAL"
    assert properties["DefaultAction"] == {"Allow": {}}
    rules = {r["Name"]: r for r in properties["Rules"]}
    assert [r["Name"] for r in sorted(properties["Rules"], key=lambda r: r["Priority"])] == [
        "rate-per-address",
        "AWSManagedRulesAmazonIpReputationList",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesCommonRuleSet",
    ]
    for name in waf.MANAGED_GROUPS:
        statement = rules[name]["Statement"]["ManagedRuleGroupStatement"]
        assert (statement["VendorName"], statement["Name"]) == ("AWS", name)
        assert rules[name]["OverrideAction"] == {"None": {}}  # the group's own blocks
    counted = rules["AWSManagedRulesCommonRuleSet"]["Statement"]["ManagedRuleGroupStatement"][
        "RuleActionOverrides"
    ]
    # a 2008 client without User-Agent, and a large blast form, get through
    assert {o["Name"] for o in counted} >= {"NoUserAgent_HEADER", "SizeRestrictions_BODY"}
    assert all(o["ActionToUse"] == {"Count": {}} for o in counted)


def test_the_rate_rule_answers_the_ocp_busy_error_and_spares_the_carrier_webhooks(synth):
    _, acl = one(synth.template, "AWS::WAFv2::WebACL")
    [rate] = [r for r in acl["Properties"]["Rules"] if r["Name"] == "rate-per-address"]
    statement = rate["Statement"]["RateBasedStatement"]
    assert (statement["AggregateKeyType"], statement["Limit"]) == ("IP", waf.RATE_PER_ADDRESS)
    spared = statement["ScopeDownStatement"]["NotStatement"]["Statement"]["OrStatement"]
    assert {s["ByteMatchStatement"]["SearchString"] for s in spared["Statements"]} == {
        "/twilio",
        "/api/twilio",
    }
    response = rate["Action"]["Block"]["CustomResponse"]
    assert response["ResponseCode"] == 429
    assert response["ResponseHeaders"] == [{"Name": "Retry-After", "Value": "1"}]
    body = acl["Properties"]["CustomResponseBodies"][response["CustomResponseBodyKey"]]
    assert "<code>116</code>" in body["Content"]


def test_the_web_acl_is_associated_with_the_apis_stage(synth):
    from infra.nag import flatten_reference

    _, association = one(synth.template, "AWS::WAFv2::WebACLAssociation")
    acl_id, _ = one(synth.template, "AWS::WAFv2::WebACL")
    assert association["Properties"]["WebACLArn"] == get_att(acl_id)
    assert flatten_reference(association["Properties"]["ResourceArn"]) == (
        "arn:<AWS::Partition>:apigateway:<AWS::Region>::/restapis/<RestAPI>/stages/api"
    )
    assert association["DependsOn"] == ["RestAPIapiStage"]  # SAM's stage of RestAPI


def test_a_stage_without_the_waf_has_no_web_acl(chime_synth):
    # the chime stage is synthesised with --no-waf (tests/infra/conftest.py)
    assert not resources(chime_synth.template, "AWS::WAFv2::WebACL")
    assert not resources(chime_synth.template, "AWS::WAFv2::WebACLAssociation")


# -- concurrency ----------------------------------------------------------------------


def function_properties(template, logical_id):
    return resources(template, "AWS::Serverless::Function")[logical_id]["Properties"]


def scaling(template, logical_id):
    [event] = function_properties(template, logical_id)["Events"].values()
    return event["Properties"].get("ScalingConfig", {}).get("MaximumConcurrency")


def test_the_functions_that_must_always_run_have_reserved_concurrency(synth):
    template = synth.template
    # prod's throttle, 500 requests a second, for half a second each
    assert function_properties(template, "APIHandler")["ReservedConcurrentExecutions"] == 250
    assert function_properties(template, "Dialer")["ReservedConcurrentExecutions"] == 10
    # its queue's pollers never exceed its reservation (a throttled message counts a receive)
    assert scaling(template, "Dialer") == 10


def test_the_functions_that_can_flood_are_capped(synth):
    from chalicelib import settings

    template = synth.template
    assert scaling(template, "Callbacks") == concurrency.CALLBACKS
    assert scaling(template, "Blastfanout") == settings.get().fanout_concurrency
    assert function_properties(template, "Smsreceipts")["ReservedConcurrentExecutions"] == 10
    for logical_id in ("Callbacks", "Blastfanout", "Events", "Fire"):
        assert "ReservedConcurrentExecutions" not in function_properties(template, logical_id)


def test_the_reservations_leave_the_account_its_unreserved_hundred(synth):
    reserved = sum(
        f["Properties"].get("ReservedConcurrentExecutions", 0)
        for f in resources(synth.template, "AWS::Serverless::Function").values()
    )
    assert 0 < reserved <= concurrency.ACCOUNT_DEFAULT - concurrency.UNRESERVED_MINIMUM


def test_the_chime_handler_has_its_reservation_with_the_chime_carrier(synth, chime_synth):
    assert function_properties(chime_synth.template, "Sma")["ReservedConcurrentExecutions"] == 20
    assert "ReservedConcurrentExecutions" not in function_properties(synth.template, "Sma")


def test_the_plan_scales_with_the_stage_and_can_be_turned_off():
    functions = {
        name: Function(name, consumes)
        for name, consumes in (
            ("api_handler", None),
            ("dialer", "ocp-dev-dial"),
            ("callbacks", "ocp-dev-callbacks.fifo"),
            ("smsreceipts", None),
            ("sma", None),
        )
    }
    dev = concurrency.plan(Stage.named("dev"), functions)
    assert dev["api_handler"].reserved == 25  # dev's 50 requests a second
    assert "sma" not in dev
    chime = concurrency.plan(
        Stage.named("dev", carrier="chime", chime_numbers=("+13035550100",), concurrent_calls=500),
        functions,
    )
    assert chime["sma"].reserved == concurrency.CHIME_HANDLER_MAX
    off = concurrency.plan(Stage.named("prod", reserve_concurrency=False), functions)
    assert concurrency.reserved_total(off) == 0
    # the queues' maximums stay: they reserve nothing
    assert off["dialer"].event_source_maximum == concurrency.DIALER
    assert off["callbacks"].event_source_maximum == concurrency.CALLBACKS


# -- each function's kind of secret ---------------------------------------------------


def kms_conditions(template, function_id):
    found = [
        s
        for s in role_statements(template, function_role_id(template, function_id))
        if any(a.startswith("kms:") for a in listed(s["Action"]))
    ]
    assert len(found) == 1, found
    return listed(found[0]["Action"]), found[0]["Condition"]


@pytest.mark.parametrize(
    ("function_id", "actions", "condition"),
    [
        # sign-in decrypts the login secret ({"eid": "7"}) and encrypts nothing
        ("APIHandler", ["kms:Decrypt"], {"StringNotLike": {"kms:EncryptionContext:eid": "*:*"}}),
        # deliveries decrypt (and make the first) signing secret ({"eid": "7:signing"})
        (
            "Callbacks",
            ["kms:Encrypt", "kms:Decrypt"],
            {"StringLike": {"kms:EncryptionContext:eid": "*:signing"}},
        ),
    ],
)
def test_each_function_uses_only_its_kind_of_secret(synth, function_id, actions, condition):
    granted, conditions = kms_conditions(synth.template, function_id)
    assert granted == actions
    for operator, value in condition.items():
        assert conditions[operator] == value
