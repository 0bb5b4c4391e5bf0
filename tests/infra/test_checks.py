"""cdk-nag's AwsSolutions pack and cfn-lint pass on the synthesised stack, and
synthesis needed no AWS credentials (nor any network, where it could be cut)."""

from __future__ import annotations

from tests.infra.conftest import resources

# Findings cfn-lint may report, each with why it is not fixed.
CFN_LINT_IGNORED = {
    # The CDK's StateMachine adds DependsOn its role besides the GetAtt of the
    # role's ARN: redundant, harmless, and not ours to remove.
    "W3005",
}


def test_synthesis_had_no_aws_credentials_and_passed_cdk_nag(synth):
    # The fixture ran `python -m infra` with no AWS_* variables; cdk-nag runs
    # during synthesis and an unacknowledged finding would have failed it.
    assert synth.template_path.exists()
    # Only cdk-nag's own aspect writes its acknowledgments into the template, so
    # this shows the AwsSolutions pack ran over the stack.
    written = [
        r["Metadata"]["cdk_nag"]["rules_to_suppress"]
        for r in synth.template["Resources"].values()
        if "cdk_nag" in r.get("Metadata", {})
    ]
    assert written, "no cdk_nag metadata: AwsSolutionsChecks did not run"


def test_network_was_cut_during_synthesis_where_the_machine_allows_it(synth):
    from tests.infra.conftest import can_unshare_network

    # As root on the CI machine `unshare --net` gives synthesis an empty network
    # namespace (only a machine that cannot do that synthesises with a network).
    assert synth.network_isolated == can_unshare_network()


def test_every_acknowledged_finding_has_a_written_reason(synth):
    acknowledged = {}
    for path, entries in synth.metadata.items():
        for entry in entries:
            if entry["type"] == "aws:cdk:acknowledged-rules":
                for rule, reason in entry["data"].items():
                    acknowledged[(path, rule)] = reason
    assert acknowledged
    for (path, rule), reason in acknowledged.items():
        if not rule.startswith("Annotation::AwsSolutions-"):
            continue  # the CDK's own acknowledgments
        assert len(reason.split()) >= 8, f"{path} {rule}: reason too short: {reason!r}"
    # Each acknowledgment names one finding; none silences a rule for the whole stack
    assert not [rule for (path, rule) in acknowledged if path.count("/") == 1]


def test_cfn_lint_finds_nothing(synth):
    from cfnlint.api import ManualArgs, lint_file

    matches = lint_file(synth.template_path, config=ManualArgs(regions=["us-east-1"]))
    findings = [
        f"{m.rule.id} {m.message} ({m.path})" for m in matches if m.rule.id not in CFN_LINT_IGNORED
    ]
    assert findings == []


def test_every_function_and_api_are_in_the_template(synth):
    assert "APIHandler" in resources(synth.template, "AWS::Serverless::Function")
    assert "RestAPI" in resources(synth.template, "AWS::Serverless::Api")
