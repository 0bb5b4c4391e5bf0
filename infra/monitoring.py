"""Alarms: dead letters waiting, workflow executions failing, API 5xx rate.

They notify one SNS topic per stage; `--alarm-email` subscribes an address.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra import nag
from infra.api import API_STAGE
from infra.stage import Stage

FIVE_MINUTES = Duration.minutes(5)
# API Gateway's 5XXError averages to the share of requests that failed.
SERVER_ERROR_RATE = 0.05


def define_alarms(
    scope: Construct,
    stage: Stage,
    dead_letter_queues: dict[str, sqs.IQueue],
    state_machines: dict[str, sfn.StateMachine],
) -> sns.Topic:
    topic = sns.Topic(scope, "AlarmTopic", topic_name=stage.resource("alarms"), enforce_ssl=True)
    nag.acknowledge(
        topic,
        "AwsSolutions-SNS2",
        "Alarm notifications carry alarm names and states, nothing confidential; "
        "CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key, "
        "and a customer key for it would be a cost with no data to protect.",
    )
    if stage.alarm_email:
        topic.add_subscription(subscriptions.EmailSubscription(stage.alarm_email))
    notify = actions.SnsAction(topic)
    alarms = []
    for label, queue in dead_letter_queues.items():
        alarms.append(
            cloudwatch.Alarm(
                scope,
                f"{label.title()}DeadLettersAlarm",
                alarm_name=stage.resource(f"{label}-dead-letters"),
                alarm_description=(
                    f"Messages in the {label} dead-letter queue: work that failed every retry."
                ),
                metric=queue.metric_approximate_number_of_messages_visible(
                    period=FIVE_MINUTES, statistic="Maximum"
                ),
                threshold=1,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
        )
    for stem, machine in state_machines.items():
        for what, metric in (
            ("failed", machine.metric_failed),
            ("timed-out", machine.metric_timed_out),
        ):
            alarms.append(
                cloudwatch.Alarm(
                    scope,
                    f"{stem.title()}{what.title().replace('-', '')}ExecutionsAlarm",
                    alarm_name=stage.resource(f"{stem}-executions-{what}"),
                    alarm_description=f"Executions of the {stem} state machine {what}.",
                    metric=metric(period=FIVE_MINUTES, statistic="Sum"),
                    threshold=1,
                    evaluation_periods=1,
                    comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                    treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                )
            )
    alarms.append(
        cloudwatch.Alarm(
            scope,
            "ApiServerErrorsAlarm",
            alarm_name=stage.resource("api-5xx-rate"),
            alarm_description=f"More than {SERVER_ERROR_RATE:.0%} of API requests answered 5xx.",
            metric=cloudwatch.Metric(
                namespace="AWS/ApiGateway",
                metric_name="5XXError",
                dimensions_map={"ApiName": stage.stack_name, "Stage": API_STAGE},
                period=FIVE_MINUTES,
                statistic="Average",
            ),
            threshold=SERVER_ERROR_RATE,
            evaluation_periods=3,
            datapoints_to_alarm=2,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
    )
    for alarm in alarms:
        alarm.add_alarm_action(notify)
    return topic
