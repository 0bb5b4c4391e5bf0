"""The stage's regional WAF web ACL (docs/operations.md "WAF"): on in prod, `--waf` elsewhere.

Before API Gateway and the API function, in order:

1. a per-address rate rule (`RATE_PER_ADDRESS` requests in `RATE_WINDOW_SECONDS` from one
   source address): above it the address gets 429 with the OCP busy error and Retry-After,
   as the stage's own throttle answers (infra/api.py); the carrier webhooks (`/twilio...`)
   are left out of it: a carrier calls them from a few addresses for every call at once,
   and they are signed and limited apart;
2. Amazon's IP reputation list (addresses known for bots and attacks);
3. the known-bad-inputs rule group (Log4j, Java deserialisation, exploitable paths);
4. the core rule set (common rule set, OWASP-style), except some of its rules, which count
   instead of block (their matches are metrics): `SizeRestrictions_BODY` (bodies over
   8 KB: a blast's destinations form and a batch of users are legitimately larger),
   `NoUserAgent_HEADER` (a 2008 client may send no User-Agent and must work unchanged),
   and `GenericRFI_BODY` / `GenericRFI_QUERYARGUMENTS` (a URL naming an IPv4 address: the
   API takes URLs, audio and status callbacks, and checks each itself, media/fetch.py and
   media/callback_urls.py, refusing private addresses).

A request blocked by a managed rule gets WAF's own 403; only attack traffic meets it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.errors import RETRY_AFTER_SECONDS, Code, OcpError
from chalicelib.protocol.render import render_error
from infra.api import API_STAGE
from infra.stage import Stage

# The CDK (and its Node.js process) only when a stack is built: bench/costs.py reads the
# rules' count without it.
if TYPE_CHECKING:
    from aws_cdk import Stack
    from aws_cdk import aws_wafv2 as wafv2

# One address's requests over this window: 20 a second on average, the per-enterprise
# default rate (issue 26), over five minutes, WAF's usual window.
RATE_WINDOW_SECONDS = 300
RATE_PER_ADDRESS = 6000
# The carrier webhooks' paths, with and without the stage's base path.
WEBHOOK_PREFIXES = ("/twilio", f"/{API_STAGE}/twilio")
# AWS managed rule groups, in evaluation order after the rate rule, with the rules of
# each that only count.
MANAGED_GROUPS: dict[str, tuple[str, ...]] = {
    "AWSManagedRulesAmazonIpReputationList": (),
    "AWSManagedRulesKnownBadInputsRuleSet": (),
    "AWSManagedRulesCommonRuleSet": (
        "SizeRestrictions_BODY",
        "NoUserAgent_HEADER",
        "GenericRFI_BODY",
        "GenericRFI_QUERYARGUMENTS",
    ),
}
BUSY_BODY = "busy"


def _visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    from aws_cdk import aws_wafv2 as wafv2

    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
    )


def _starts_with(prefix: str) -> wafv2.CfnWebACL.StatementProperty:
    from aws_cdk import aws_wafv2 as wafv2

    return wafv2.CfnWebACL.StatementProperty(
        byte_match_statement=wafv2.CfnWebACL.ByteMatchStatementProperty(
            field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(uri_path={}),
            positional_constraint="STARTS_WITH",
            search_string=prefix,
            text_transformations=[
                wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="NONE")
            ],
        )
    )


def rules(stage: Stage) -> list[wafv2.CfnWebACL.RuleProperty]:
    from aws_cdk import aws_wafv2 as wafv2

    webhooks = wafv2.CfnWebACL.StatementProperty(
        or_statement=wafv2.CfnWebACL.OrStatementProperty(
            statements=[_starts_with(p) for p in WEBHOOK_PREFIXES]
        )
    )
    rate = wafv2.CfnWebACL.RuleProperty(
        name="rate-per-address",
        priority=0,
        statement=wafv2.CfnWebACL.StatementProperty(
            rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                aggregate_key_type="IP",
                limit=RATE_PER_ADDRESS,
                evaluation_window_sec=RATE_WINDOW_SECONDS,
                scope_down_statement=wafv2.CfnWebACL.StatementProperty(
                    not_statement=wafv2.CfnWebACL.NotStatementProperty(statement=webhooks)
                ),
            )
        ),
        action=wafv2.CfnWebACL.RuleActionProperty(
            block=wafv2.CfnWebACL.BlockActionProperty(
                custom_response=wafv2.CfnWebACL.CustomResponseProperty(
                    response_code=429,
                    custom_response_body_key=BUSY_BODY,
                    response_headers=[
                        wafv2.CfnWebACL.CustomHTTPHeaderProperty(
                            name="Retry-After", value=str(RETRY_AFTER_SECONDS[Code.BUSY])
                        )
                    ],
                )
            )
        ),
        visibility_config=_visibility(f"{stage.stack_name}-rate-per-address"),
    )
    managed = [
        wafv2.CfnWebACL.RuleProperty(
            name=group,
            priority=priority,
            statement=wafv2.CfnWebACL.StatementProperty(
                managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                    vendor_name="AWS",
                    name=group,
                    rule_action_overrides=[
                        wafv2.CfnWebACL.RuleActionOverrideProperty(
                            name=rule, action_to_use=wafv2.CfnWebACL.RuleActionProperty(count={})
                        )
                        for rule in counted
                    ]
                    or None,
                )
            ),
            override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
            visibility_config=_visibility(f"{stage.stack_name}-{group}"),
        )
        for priority, (group, counted) in enumerate(MANAGED_GROUPS.items(), start=1)
    ]
    return [rate, *managed]


def define(stack: Stack, stage: Stage, rest_api_id: str) -> wafv2.CfnWebACL | None:
    """The web ACL and its association with the API's stage (`rest_api_id`: the API's Ref);
    None where the stage has none."""
    if not stage.waf:
        return None
    from aws_cdk import aws_wafv2 as wafv2

    from infra import nag

    acl = wafv2.CfnWebACL(
        stack,
        "WebAcl",
        name=stage.resource("api"),
        scope="REGIONAL",
        default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
        rules=rules(stage),
        custom_response_bodies={
            BUSY_BODY: wafv2.CfnWebACL.CustomResponseBodyProperty(
                # WAF offers no XML type: the OCP body, as text.
                content_type="TEXT_PLAIN",
                content=render_error(OcpError(Code.BUSY)).body,
            )
        },
        visibility_config=_visibility(f"{stage.stack_name}-web-acl"),
    )
    association = wafv2.CfnWebACLAssociation(
        stack,
        "WebAclAssociation",
        resource_arn=f"arn:{stack.partition}:apigateway:{stack.region}::/restapis/"
        f"{rest_api_id}/stages/{API_STAGE}",
        web_acl_arn=acl.attr_arn,
    )
    # The stage SAM makes of the API must exist before it is associated: SAM names it
    # {api}{stage}Stage when CloudFormation applies the transform, after synthesis.
    association.add_override("DependsOn", [f"RestAPI{API_STAGE}Stage"])
    nag.acknowledge(
        association,
        "CloudFormation-Validate::E3005",
        "RestAPIapiStage is the stage the SAM transform makes of the RestAPI resource: it "
        "exists once CloudFormation has applied the transform, before any resource is made "
        "(cfn-lint, which applies it, finds it).",
    )
    return acl
