"""Alarms: dead letters waiting, workflow executions failing, API 5xx rate, a table
stream's consumer falling behind (its events late), failed sign-ins (someone guessing an
enterprise's secret, or a client whose secret was rotated); and the
stage's CloudWatch dashboard: the alarms, the API, the functions, and the application's
own metrics (chalicelib/metrics.py: calls, dial attempts, time to answer, blast
recipients a minute, Polly against its cache, refused URLs, carrier errors and throttles).

The alarms notify one SNS topic per stage; `--alarm-email` subscribes an address.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from chalicelib import metrics
from chalicelib.domain import tenants
from chalicelib.telephony import (
    BLACKLISTED,
    BUSY,
    DECLINED,
    DND,
    FAILED,
    MACHINE,
    NO_ANSWER,
    SUCCESS,
)
from infra import nag
from infra.api import API_STAGE
from infra.stage import Stage

FIVE_MINUTES = Duration.minutes(5)
# API Gateway's 5XXError averages to the share of requests that failed.
SERVER_ERROR_RATE = 0.05
# A stream consumer this far behind (the oldest record it was handed, Lambda's
# IteratorAge) is failing, SQS down most likely: well before its records expire
# (infra/stack.py STREAM_RECORD_AGE) and their events are lost.
STREAM_LAG = Duration.minutes(15)
# Failed sign-ins (metrics.failed_sign_in) in five minutes, all enterprises together: more
# than a client with a wrong clock or an old secret makes (each enterprise is refused after
# its own limit, docs/limits.md, so this many means several enterprises or addresses).
FAILED_SIGN_INS = 50


def api_metric(
    stage: Stage, name: str, statistic: str, label: str | None = None
) -> cloudwatch.Metric:
    """One of API Gateway's metrics of the stage's API, over five minutes."""
    return cloudwatch.Metric(
        namespace="AWS/ApiGateway",
        metric_name=name,
        dimensions_map={"ApiName": stage.stack_name, "Stage": API_STAGE},
        statistic=statistic,
        period=FIVE_MINUTES,
        label=label,
    )


def define_alarms(
    scope: Construct,
    stage: Stage,
    dead_letter_queues: dict[str, sqs.IQueue],
    state_machines: dict[str, sfn.StateMachine],
    stream_consumers: Sequence[str] = (),
) -> tuple[sns.Topic, list[cloudwatch.Alarm]]:
    """`stream_consumers`: the names of the functions a table stream is mapped to."""
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
    for name in stream_consumers:
        alarms.append(
            cloudwatch.Alarm(
                scope,
                f"{name.title().replace('-', '')}IteratorAgeAlarm",
                alarm_name=f"{name}-behind",
                alarm_description=(
                    f"{name} is over {STREAM_LAG.to_minutes():.0f} minutes behind its table "
                    "streams: status events are late, and lost if it stays behind for hours."
                ),
                metric=cloudwatch.Metric(
                    namespace="AWS/Lambda",
                    metric_name="IteratorAge",
                    dimensions_map={"FunctionName": name},
                    statistic="Maximum",
                    period=FIVE_MINUTES,
                ),
                threshold=STREAM_LAG.to_milliseconds(),
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
        )
    alarms.append(
        cloudwatch.Alarm(
            scope,
            "ApiServerErrorsAlarm",
            alarm_name=stage.resource("api-5xx-rate"),
            alarm_description=f"More than {SERVER_ERROR_RATE:.0%} of API requests answered 5xx.",
            metric=api_metric(stage, "5XXError", "Average"),
            threshold=SERVER_ERROR_RATE,
            evaluation_periods=3,
            datapoints_to_alarm=2,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
    )
    alarms.append(
        cloudwatch.Alarm(
            scope,
            "FailedSignInsAlarm",
            alarm_name=stage.resource("failed-sign-ins"),
            alarm_description=f"More than {FAILED_SIGN_INS} failed sign-ins (GET /session) in "
            "five minutes: the log lines 'sign-in refused' name the enterprise, code and address.",
            metric=cloudwatch.Metric(
                namespace=metrics.NAMESPACE,
                metric_name="FailedSignIns",
                dimensions_map={"Stage": stage.name},
                statistic="Sum",
                period=FIVE_MINUTES,
            ),
            threshold=FAILED_SIGN_INS,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
    )
    for alarm in alarms:
        alarm.add_alarm_action(notify)
    return topic, alarms


def define_dashboard(
    scope: Construct, stage: Stage, alarms: list[cloudwatch.Alarm], function_names: list[str]
) -> cloudwatch.Dashboard:
    def ocp(
        name: str, statistic: str = "Sum", period: Duration = FIVE_MINUTES, **dimensions: str
    ) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace=metrics.NAMESPACE,
            metric_name=name,
            dimensions_map={"Stage": stage.name, **dimensions},
            statistic=statistic,
            period=period,
            label=" ".join(dimensions.values()) or (name if statistic == "Sum" else statistic),
        )

    def graph(
        title: str,
        left: Sequence[cloudwatch.IMetric],
        right: Sequence[cloudwatch.IMetric] | None = None,
        width: int = 8,
    ) -> cloudwatch.GraphWidget:
        return cloudwatch.GraphWidget(
            title=title, left=left, right=right or [], width=width, height=6
        )

    def gateway(name: str, statistic: str, label: str) -> cloudwatch.Metric:
        return api_metric(stage, name, statistic, label)

    def lambda_metric(name: str, statistic: str, function: str) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace="AWS/Lambda",
            metric_name=name,
            dimensions_map={"FunctionName": function},
            statistic=statistic,
            period=FIVE_MINUTES,
            label=function.removeprefix(stage.resource("")),
        )

    outcomes = (SUCCESS, BUSY, NO_ANSWER, MACHINE, DECLINED, FAILED, DND, BLACKLISTED)
    dashboard = cloudwatch.Dashboard(
        scope,
        "Dashboard",
        dashboard_name=stage.resource("operations"),
        default_interval=Duration.hours(6),
    )
    dashboard.add_widgets(
        cloudwatch.AlarmStatusWidget(title="Alarms", alarms=alarms, width=24, height=3)
    )
    dashboard.add_widgets(
        graph(
            "API requests and errors",
            [
                gateway("Count", "Sum", "requests"),
                gateway("4XXError", "Sum", "4xx"),
                gateway("5XXError", "Sum", "5xx"),
            ],
        ),
        graph(
            "API latency (ms)",
            [gateway("Latency", "p50", "p50"), gateway("Latency", "p99", "p99")],
        ),
        graph(
            "Function errors and throttles",
            [lambda_metric("Errors", "Sum", name) for name in function_names]
            + [lambda_metric("Throttles", "Sum", name) for name in function_names],
        ),
    )
    dashboard.add_widgets(
        graph("Calls by result", [ocp("Calls", Result=r) for r in ("complete", "failed")]),
        graph("Dial attempts by outcome", [ocp("DialAttempts", Outcome=o) for o in outcomes]),
        graph(
            "Time to answer (s)",
            [ocp("TimeToAnswer", "p50"), ocp("TimeToAnswer", "p90")],
        ),
    )
    minute = Duration.minutes(1)
    dashboard.add_widgets(
        graph(
            "Blast recipients a minute",
            [ocp("BlastRecipients", period=minute, Kind=k) for k in ("voice", "sms")],
        ),
        graph(
            "Speech: Polly syntheses and cache hits",
            [ocp("Speech", Source=source) for source in ("polly", "cache")],
            [ocp("PollyCharacters")],
        ),
        graph(
            "Refused URLs, carrier errors and throttles",
            [ocp("RefusedUrls"), ocp("CarrierErrors"), ocp("CarrierThrottles")],
            # dials that waited for the account's limits (docs/limits-pacing.md)
            [ocp("PacedWaits", Kind=k) for k in ("interactive", "blast")],
        ),
        graph(
            "Tenants: failed sign-ins, rate-limited requests, spend refused",
            [ocp("FailedSignIns"), ocp("RateLimited")],
            [ocp("SpendRefused", Kind=k) for k in (*tenants.DAILY, "countries")],
        ),
    )
    dashboard.add_widgets(
        graph(
            "Function duration p99 (ms)",
            [lambda_metric("Duration", "p99", name) for name in function_names],
            width=24,
        )
    )
    return dashboard
