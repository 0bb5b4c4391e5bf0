"""The stack of one stage: every resource the application uses, and the app.

Order matters only for references: data (tables, key, bucket, queues), then
the scheduler and state machines that use them, then one role per Lambda
function, then the Chalice app whose functions assume those roles and read
every resource name from their environment (`settings_environment`, the
contract with chalicelib/settings.py).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from aws_cdk import (
    ArnFormat,
    CfnOutput,
    Duration,
    RemovalPolicy,
    Stack,
)
from aws_cdk import (
    aws_apigateway as apigateway,
)
from aws_cdk import (
    aws_iam as iam,
)
from aws_cdk import (
    aws_kms as kms,
)
from aws_cdk import (
    aws_lambda as lambda_,
)
from aws_cdk import (
    aws_logs as logs,
)
from aws_cdk import (
    aws_s3 as s3,
)
from aws_cdk import (
    aws_scheduler as scheduler,
)
from aws_cdk import (
    aws_smsvoice as smsvoice,
)
from aws_cdk import (
    aws_sns as sns,
)
from aws_cdk import (
    aws_sqs as sqs,
)
from aws_cdk import (
    aws_stepfunctions as sfn,
)
from chalice.cdk import Chalice
from constructs import Construct

from chalicelib import settings
from chalicelib.media.storage import UNCLAIMED_DAYS, UNCLAIMED_TAG
from infra import (
    access,
    api,
    bundle,
    chime,
    concurrency,
    console,
    lambda_platform,
    monitoring,
    nag,
    waf,
    workflows,
)
from infra.access import (
    FUNCTIONS,
    SPEECH_PREFIX,
    STREAMS_DLQ,
    UPLOADS_PREFIX,
    WAV_PREFIX,
    Access,
    Function,
    Ref,
)
from infra.stage import Stage
from infra.tables import define_tables, table_specs

# Synthesised speech is a cache (media/tts.py makes it again when missing): ttspreview
# links live an hour, and a blast synthesises its text when it starts.
SPEECH_DAYS = 30
# A message comes back after this long when its consumer failed; Lambda's SQS
# event source wants at least six times the function's timeout.
VISIBILITY_PER_TIMEOUT = 6
MAX_RECEIVES = 5
# Queues (by label) that are FIFO, with FIFO dead-letter queues: _queue() and the
# queue names access.plan() matches consumers against both follow this.
FIFO_QUEUES = ("callbacks",)
# A table's stream record (a committed change) is handed to its consumer again and again
# while the consumer fails (SQS down, a throttled table), until it is this old: then its
# metadata goes to the streams dead-letter queue and its events are lost. Sized for an
# outage of SQS of several hours; DynamoDB keeps stream records 24 hours.
STREAM_RECORD_AGE = Duration.hours(6)
# Records a stream consumer gets per invocation (each change makes at most three events).
STREAM_BATCH = 100


class OcpStack(Stack):
    def __init__(
        self,
        scope: Construct,
        stage: Stage,
        *,
        project_dir: Path,
        build_dir: Path,
        workflows_dir: Path,
    ) -> None:
        super().__init__(
            scope,
            stage.stack_name,
            stack_name=stage.stack_name,
            analytics_reporting=False,
            description=f"OCP REST API v1.1, stage {stage.name}",
        )
        self.stage = stage
        # After infra/__main__.py has set the stage's settings: the app's decorators and
        # the models' table names read them at import.
        from app import app as chalice_app
        from chalicelib.store.models import ALL_MODELS

        self.functions = access.app_functions(chalice_app)
        self.table_specs = {t.name: t for t in table_specs(ALL_MODELS, settings.get().table_prefix)}
        self.tables = define_tables(self, stage, list(self.table_specs.values()))
        self.secrets_key = kms.Key(
            self,
            "SecretsKey",
            alias=stage.secrets_alias,
            enable_key_rotation=True,
            description=f"OCP {stage.name}: enterprise secrets (EncryptionContext eid)",
            removal_policy=self._data_removal,
        )
        self.audio_bucket = self._audio_bucket()
        self.carrier = self._carrier()
        self.sms_topic, self.sms_configuration_set = self._sms()
        self.queues = {
            "dial": self._queue("dial", consumer=FUNCTIONS["dialer"]),
            "fanout": self._queue("fanout", consumer=FUNCTIONS["blastfanout"]),
            # Status callbacks (chalicelib/events): FIFO, so one call's events arrive in
            # order; its consumer retries with backoff, then the DLQ after every attempt.
            "callbacks": self._queue(
                "callbacks",
                consumer=FUNCTIONS["callbacks"],
                max_receives=settings.get().callback_attempts,
            ),
        }
        self.scheduler_dlq = self._dead_letter_queue("scheduler")
        nag.acknowledge(
            self.scheduler_dlq,
            "AwsSolutions-SQS3",
            "This is a dead-letter queue itself: EventBridge Scheduler's, for schedules "
            "whose target failed every retry (its depth raises an alarm).",
        )
        self.streams_dlq = self._dead_letter_queue(STREAMS_DLQ)
        nag.acknowledge(
            self.streams_dlq,
            "AwsSolutions-SQS3",
            "This is a dead-letter queue itself: the on-failure destination of the table "
            "streams' event source mappings, for records older than STREAM_RECORD_AGE "
            "(its depth raises an alarm).",
        )
        self.dead_letter_queues = {
            **{
                label: queue.dead_letter_queue.queue
                for label, queue in self.queues.items()
                if queue.dead_letter_queue is not None  # every one: _queue() gives it one
            },
            "scheduler": self.scheduler_dlq,
            STREAMS_DLQ: self.streams_dlq,
        }
        self.schedule_group = scheduler.CfnScheduleGroup(
            self, "ScheduleGroup", name=stage.settings_literals()["OCP_SCHEDULE_GROUP"]
        )
        self.workflows = {w.stem: w for w in workflows.discover(workflows_dir)}
        self.state_machines = {stem: self._state_machine(w) for stem, w in self.workflows.items()}
        self.scheduler_role = self._scheduler_role()
        self.log_groups = {
            f.name: self._log_group(f"{f.logical_id}Logs", f"/aws/lambda/{stage.resource(f.name)}")
            for f in self.functions.values()
        }
        self.roles = {f.name: self._function_role(f) for f in self.functions.values()}
        # The web console's operators (infra/console.py): read by settings_environment.
        self.operator_settings = console.operator_pool(self, stage, self._data_removal)
        self.chalice = self._chalice_app(project_dir, build_dir)
        receipts = self.functions.get("smsreceipts")
        if receipts is not None:
            # chalice subscribes it to the topic by name: the topic must exist first.
            self.chalice.get_resource(receipts.logical_id).add_resource_dependency(
                self.sms_topic.node.default_child
            )
        self.stream_mappings = self._stream_mappings()
        self._api_gateway()
        self.alarm_topic, alarms = monitoring.define_alarms(
            self,
            stage,
            self.dead_letter_queues,
            self.state_machines,
            [stage.resource(f.name) for f in self.functions.values() if f.access.streams],
        )
        monitoring.define_dashboard(
            self, stage, alarms, [stage.resource(f.name) for f in self.functions.values()]
        )
        CfnOutput(self, "TablePrefix", value=stage.table_prefix)
        CfnOutput(self, "SecretsKeyAlias", value=stage.secrets_alias)
        CfnOutput(self, "AudioBucketName", value=self.audio_bucket.bucket_name)
        CfnOutput(self, "AlarmTopicArn", value=self.alarm_topic.topic_arn)
        if self.carrier:
            CfnOutput(self, "SipMediaApplicationId", value=self.carrier.id)
        CfnOutput(self, "SmsConfigurationSetName", value=self.stage.resource("sms"))
        CfnOutput(self, "SmsReceiptTopicArn", value=self.sms_topic.topic_arn)

    @property
    def _data_removal(self) -> RemovalPolicy:
        """Key and logs: kept with prod, removed with the stack of another stage."""
        return RemovalPolicy.RETAIN if self.stage.prod else RemovalPolicy.DESTROY

    def _log_group(self, construct_id: str, name: str) -> logs.LogGroup:
        return logs.LogGroup(
            self,
            construct_id,
            log_group_name=name,
            removal_policy=self._data_removal,
            retention=logs.RetentionDays.ONE_YEAR
            if self.stage.prod
            else logs.RetentionDays.ONE_MONTH,
        )

    # -- data ------------------------------------------------------------------

    def _audio_bucket(self) -> s3.Bucket:
        # Buckets outlive every stack: `cdk destroy` cannot delete a bucket with
        # objects in it (docs/deploy.md#tear-down says how to remove them).
        access_logs = s3.Bucket(
            self,
            "AccessLogsBucket",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            removal_policy=RemovalPolicy.RETAIN,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-logs", expiration=Duration.days(365 if self.stage.prod else 90)
                )
            ],
        )
        nag.acknowledge(
            access_logs,
            "AwsSolutions-S1",
            "This is the server access log bucket of the audio bucket; logging its "
            "own access would log into itself.",
        )
        return s3.Bucket(
            self,
            "AudioBucket",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            removal_policy=RemovalPolicy.RETAIN,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix="audio-bucket/",
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-speech", prefix=SPEECH_PREFIX, expiration=Duration.days(SPEECH_DAYS)
                ),
                # WAV for the chime carrier: speech (a cache) and a blast's audio, made
                # when the blast starts and played while it runs.
                s3.LifecycleRule(
                    id="expire-wav", prefix=WAV_PREFIX, expiration=Duration.days(SPEECH_DAYS)
                ),
                # A presigned upload no blast claimed (media/storage.py UNCLAIMED_TAG).
                s3.LifecycleRule(
                    id="expire-unclaimed-uploads",
                    prefix=UPLOADS_PREFIX,
                    tag_filters=dict([UNCLAIMED_TAG]),
                    expiration=Duration.days(UNCLAIMED_DAYS),
                ),
                s3.LifecycleRule(
                    id="abort-incomplete-uploads",
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                ),
            ],
        )

    def _sms(self) -> tuple[sns.Topic, smsvoice.CfnConfigurationSet]:
        """End User Messaging's side of texts (docs/sms.md "Deploy"): the configuration
        set every text names, whose event destination publishes its delivery events to
        a topic the `smsreceipts` function subscribes to (chalice's on_sns_message, by
        the topic's name)."""
        topic = sns.Topic(
            self,
            "SmsReceiptTopic",
            topic_name=self.stage.resource("sms-receipts"),
            enforce_ssl=True,
        )
        nag.acknowledge(
            topic,
            "AwsSolutions-SNS2",
            "Delivery events carry message ids, statuses and the recipient's number, which "
            "the Calls table holds anyway; End User Messaging can publish to a topic "
            "encrypted with a customer key only (not the AWS-managed SNS key), a cost left "
            "for a stage that asks for it.",
        )
        topic.add_to_resource_policy(
            iam.PolicyStatement(
                actions=["sns:Publish"],
                principals=[iam.ServicePrincipal("sms-voice.amazonaws.com")],
                resources=[topic.topic_arn],
                conditions={"StringEquals": {"aws:SourceAccount": self.account}},
            )
        )
        configuration_set = smsvoice.CfnConfigurationSet(
            self,
            "SmsConfigurationSet",
            configuration_set_name=self.stage.resource("sms"),
            event_destinations=[
                smsvoice.CfnConfigurationSet.EventDestinationProperty(
                    enabled=True,
                    event_destination_name="receipts",
                    # Final outcomes only (workflows/texting.py reads no step on the way
                    # but TEXT_SUCCESSFUL where it is final).
                    matching_event_types=[
                        "TEXT_SUCCESSFUL",
                        "TEXT_DELIVERED",
                        "TEXT_INVALID",
                        "TEXT_INVALID_MESSAGE",
                        "TEXT_UNREACHABLE",
                        "TEXT_CARRIER_UNREACHABLE",
                        "TEXT_BLOCKED",
                        "TEXT_CARRIER_BLOCKED",
                        "TEXT_SPAM",
                        "TEXT_PROTECT_BLOCKED",
                        "TEXT_TTL_EXPIRED",
                        "TEXT_UNKNOWN",
                    ],
                    sns_destination=smsvoice.CfnConfigurationSet.SnsDestinationProperty(
                        topic_arn=topic.topic_arn
                    ),
                )
            ],
        )
        configuration_set.node.add_dependency(topic)
        return topic, configuration_set

    def _sms_arns(self, kind: str) -> list[str]:
        """The End User Messaging resources a SendTextMessage names (IAM's resource types
        for it: configuration set, opt-out list, phone number, pool, sender id)."""
        identity = self.stage.sms_identity

        def arn(resource: str, name: str) -> str:
            return self.format_arn(
                service="sms-voice",
                resource=resource,
                resource_name=name,
                arn_format=ArnFormat.SLASH_RESOURCE_NAME,
            )

        if kind == "sms-configuration-set":
            return [arn("configuration-set", self.stage.resource("sms"))]
        if kind == "sms-opt-out-list":
            # A phone number or pool uses the list named "Default" unless given another.
            return [arn("opt-out-list", "Default")]
        if identity.startswith("arn:"):
            return [identity]
        for prefix, resource in (("phone-", "phone-number"), ("pool-", "pool")):
            if identity.startswith(prefix):
                return [arn(resource, identity)]
        # No identity named (or a number, whose id is not known here): the account's.
        return [arn("phone-number", "*"), arn("pool", "*"), arn("sender-id", "*")]

    def _carrier(self) -> Any:
        """The chime carrier's SIP media application and what goes with it (infra/chime.py),
        or None for the simulated carrier."""
        if self.stage.carrier != "chime":
            return None
        return chime.define(
            self,
            self.functions,
            handler_arn=self._function_arn(chime.HANDLER),
            handler_name=self.stage.resource(chime.HANDLER),
            bucket=self.audio_bucket,
        )

    def _dead_letter_queue(self, label: str, fifo: bool = False) -> sqs.Queue:
        return sqs.Queue(
            self,
            f"{label.title()}DeadLetterQueue",
            queue_name=self.stage.queue_name(f"{label}-dlq", fifo),
            fifo=fifo or None,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )

    def _queue(self, label: str, consumer: Access, max_receives: int = MAX_RECEIVES) -> sqs.Queue:
        fifo = label in FIFO_QUEUES
        dlq = self._dead_letter_queue(label, fifo)
        return sqs.Queue(
            self,
            f"{label.title()}Queue",
            queue_name=self.stage.queue_name(label, fifo),
            fifo=fifo or None,
            # Deduplication and ordering per message group (one call, one blast), at the
            # throughput of many groups.
            deduplication_scope=sqs.DeduplicationScope.MESSAGE_GROUP if fifo else None,
            fifo_throughput_limit=sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID if fifo else None,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            visibility_timeout=Duration.seconds(consumer.timeout_seconds * VISIBILITY_PER_TIMEOUT),
            dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=max_receives),
        )

    # -- work after the response -------------------------------------------------

    def placeholders(self) -> dict[str, workflows.Placeholder]:
        """What an ASL file may name as `${...}` (docs/deploy.md#what-the-stack-holds
        lists them)."""
        found = [
            workflows.Placeholder(
                "DialQueueUrl", self.queues["dial"].queue_url, self.queues["dial"].queue_arn
            ),
            workflows.Placeholder(
                "FanoutQueueUrl", self.queues["fanout"].queue_url, self.queues["fanout"].queue_arn
            ),
            workflows.Placeholder(
                "AudioBucket", self.audio_bucket.bucket_name, self.audio_bucket.bucket_arn
            ),
        ]
        for name, table in self.tables.items():
            found.append(workflows.Placeholder(f"{name}Table", table.table_name, table.table_arn))
        for function in self.functions.values():
            arn = self._function_arn(function.name)
            found.append(workflows.Placeholder(f"{function.logical_id}FunctionArn", arn, arn))
        return {p.name: p for p in found}

    def _state_machine(self, workflow: workflows.Workflow) -> sfn.StateMachine:
        placeholders = self.placeholders()
        unknown = workflow.placeholders() - set(placeholders)
        if unknown:
            raise workflows.UnsupportedDefinition(
                f"{workflow.path.name} names {sorted(unknown)}; a stage offers "
                f"{sorted(placeholders)} (infra/stack.py placeholders)"
            )
        needed = dict.fromkeys(
            (g.actions, g.placeholder) for g in workflows.grants(workflow.definition)
        )
        statements = [
            iam.PolicyStatement(
                actions=list(actions),
                resources=[placeholders[placeholder].arn if placeholder else "*"],
            )
            for actions, placeholder in needed
        ]
        title = workflow.stem.title().replace("_", "")
        role = iam.Role(
            self,
            f"{title}StateMachineRole",
            assumed_by=iam.ServicePrincipal("states.amazonaws.com"),
            description=f"{workflow.path.name}: the integrations of its Task states",
            inline_policies={"tasks": iam.PolicyDocument(statements=statements)}
            if statements
            else None,
        )
        nag.acknowledge(
            role,
            "AwsSolutions-IAM5[Resource::*]",
            "CloudWatch Logs delivery and X-Ray, which Step Functions adds for logging "
            "and tracing, accept only '*'; every Task state's resource is named "
            "(infra/workflows.py).",
        )
        return sfn.StateMachine(
            self,
            f"{title}StateMachine",
            state_machine_name=self.stage.resource(workflow.stem),
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_string(workflow.text),
            definition_substitutions={
                name: placeholders[name].value for name in sorted(workflow.placeholders())
            }
            or None,
            role=role,
            # Execution data holds phone numbers: log the events, not their inputs.
            logs=sfn.LogOptions(
                destination=self._log_group(
                    f"{title}StateMachineLogs",
                    f"/aws/vendedlogs/states/{self.stage.resource(workflow.stem)}",
                ),
                level=sfn.LogLevel.ALL,
                include_execution_data=False,
            ),
            tracing_enabled=True,
        )

    def _scheduler_role(self) -> iam.Role:
        """What a fired schedule may do: invoke its target, the function marked
        `scheduler_target` (fire), and put an undeliverable event on its DLQ."""
        statements = [
            iam.PolicyStatement(
                actions=["sqs:SendMessage"], resources=[self.scheduler_dlq.queue_arn]
            )
        ]
        targets = [
            self._function_arn(f.name) for f in self.functions.values() if f.access.scheduler_target
        ]
        if targets:
            statements.append(
                iam.PolicyStatement(actions=["lambda:InvokeFunction"], resources=targets)
            )
        return iam.Role(
            self,
            "SchedulerRole",
            assumed_by=iam.ServicePrincipal(
                "scheduler.amazonaws.com",
                conditions={"StringEquals": {"aws:SourceAccount": self.account}},
            ),
            description="EventBridge Scheduler: the target of this stage's one-time schedules",
            inline_policies={"targets": iam.PolicyDocument(statements=statements)},
        )

    # -- functions -----------------------------------------------------------------

    def _function_arn(self, name: str) -> str:
        return self.format_arn(
            service="lambda",
            resource="function",
            resource_name=self.stage.resource(name),
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )

    def access_stage(self) -> access.Stage:
        return access.Stage(
            tables={
                name: bool(spec.global_indexes or spec.local_indexes)
                for name, spec in self.table_specs.items()
            },
            workflows=frozenset(self.workflows),
            queues={
                label: self.stage.queue_name(label, label in FIFO_QUEUES) for label in self.queues
            },
            chime=self.carrier is not None,
            twilio=self.stage.carrier == "twilio",
            messaging=self.stage.messaging,
        )

    def _function_role(self, function: Function) -> iam.Role:
        """The statements are inline in the role itself: the SQS event source
        mapping checks its permissions when it is created, and the function
        depends only on the role, not on a separate policy resource."""
        planned = access.plan(function, self.access_stage())
        statements = [self._statement(s) for s in planned if not s.chime]
        role = iam.Role(
            self,
            f"{function.logical_id}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Lambda function {function.name} of {self.stage.stack_name}",
            inline_policies={"access": iam.PolicyDocument(statements=statements)},
        )
        nag.acknowledge_wildcards(role, statements)
        carrier_statements = [self._statement(s) for s in planned if s.chime]
        if carrier_statements:
            # Apart from the role: it names the SIP media application, which waits for
            # the `sma` function, which must not wait for it (infra/chime.py).
            policy = iam.Policy(
                self,
                f"{function.logical_id}ChimePolicy",
                roles=[role],
                statements=carrier_statements,
            )
            nag.acknowledge_wildcards(policy, carrier_statements)
        return role

    def _statement(self, statement: access.Statement) -> iam.PolicyStatement:
        return iam.PolicyStatement(
            effect=iam.Effect.DENY if statement.deny else iam.Effect.ALLOW,
            actions=list(statement.actions),
            resources=[arn for r in statement.resources for arn in self.arns(r)],
            conditions=statement.conditions,
        )

    def arns(self, ref: Ref) -> list[str]:
        """The ARNs a reference stands for: one, but for an origination identity the
        stage does not name (the account's numbers, pools and sender ids)."""
        if ref.kind.startswith("sms-"):
            return self._sms_arns(ref.kind)
        return [self.arn(ref)]

    def arn(self, ref: Ref) -> str:
        """The ARN of one of this stage's resources."""
        kind, name = ref.kind, ref.name
        if kind == "*":
            return "*"
        if kind == "table":
            return self.tables[name].table_arn
        if kind == "table-stream":
            return self.tables[name].table_stream_arn
        if kind == "dead-letter-queue":
            return self.dead_letter_queues[name].queue_arn
        if kind == "table-indexes":
            return f"{self.tables[name].table_arn}/index/*"
        if kind == "secrets-key":
            return self.secrets_key.key_arn
        if kind == "bucket":
            return self.audio_bucket.bucket_arn
        if kind == "objects":
            return self.audio_bucket.arn_for_objects(f"{name}*")
        if kind == "queue":
            return self.queues[name].queue_arn
        if kind == "log-group":
            return self.log_groups[name].log_group_arn
        if kind == "state-machine":
            return self.state_machines[name].state_machine_arn
        if kind == "executions":
            return self.format_arn(
                service="states",
                resource="execution",
                resource_name=f"{self.stage.resource(name)}:*",
                arn_format=ArnFormat.COLON_RESOURCE_NAME,
            )
        if kind == "schedules":
            return self.format_arn(
                service="scheduler",
                resource="schedule",
                resource_name=f"{self.schedule_group.name}/*",
                arn_format=ArnFormat.SLASH_RESOURCE_NAME,
            )
        if kind == "scheduler-role":
            return self.scheduler_role.role_arn
        if kind == "any-topic":
            return self.format_arn(service="sns", region="*", account="*", resource="*")
        if kind == "carrier-secret" and self.stage.twilio is not None:
            from infra import twilio

            return twilio.secret_arn_pattern(
                self.partition, self.region, self.account, self.stage.twilio.secret_name
            )
        if kind == "sip-media-application":
            return self.carrier.arn
        if kind == "meetings":
            return self.format_arn(
                service="chime",
                resource="meeting",
                resource_name="*",
                arn_format=ArnFormat.SLASH_RESOURCE_NAME,
            )
        raise ValueError(f"no ARN for {ref}")

    def _stream_mappings(self) -> dict[str, lambda_.CfnEventSourceMapping]:
        """Each stream a function consumes (its Access `streams`), mapped to it: in order
        per item, retried from the first failed record (the function's partial batch
        response), bisected on an error, until STREAM_RECORD_AGE; then to the streams
        dead-letter queue."""
        mappings = {}
        for function in self.functions.values():
            for table in function.access.streams:
                mapping = lambda_.CfnEventSourceMapping(
                    self,
                    f"{table}Stream{function.logical_id}Mapping",
                    function_name=self.stage.resource(function.name),
                    event_source_arn=self.tables[table].table_stream_arn,
                    starting_position="TRIM_HORIZON",
                    batch_size=STREAM_BATCH,
                    bisect_batch_on_function_error=True,
                    function_response_types=["ReportBatchItemFailures"],
                    maximum_retry_attempts=-1,  # bounded by the record's age
                    maximum_record_age_in_seconds=int(STREAM_RECORD_AGE.to_seconds()),
                    destination_config=lambda_.CfnEventSourceMapping.DestinationConfigProperty(
                        on_failure=lambda_.CfnEventSourceMapping.OnFailureProperty(
                            destination=self.streams_dlq.queue_arn
                        )
                    ),
                )
                # Lambda checks the role's stream permissions when the mapping is made.
                mapping.add_dependency(self.chalice.get_resource(function.logical_id))
                mappings[table] = mapping
        return mappings

    def settings_environment(self) -> dict[str, str]:
        """Every setting the functions read (chalicelib/settings.py), for this stage."""
        env = {
            **self.stage.settings_literals(),
            "OCP_SECRETS_KEY_ID": self.secrets_key.key_arn,
            "OCP_DIAL_QUEUE_URL": self.queues["dial"].queue_url,
            "OCP_FANOUT_QUEUE_URL": self.queues["fanout"].queue_url,
            "OCP_CALLBACK_QUEUE_URL": self.queues["callbacks"].queue_url,
            # The same number as the callbacks queue's maxReceiveCount.
            "OCP_CALLBACK_ATTEMPTS": str(settings.get().callback_attempts),
            "OCP_AUDIO_BUCKET": self.audio_bucket.bucket_name,
            "OCP_SCHEDULER_ROLE_ARN": self.scheduler_role.role_arn,
            "OCP_SCHEDULER_DLQ_ARN": self.scheduler_dlq.queue_arn,
            "OCP_CARRIER": self.stage.carrier,
            **self.operator_settings,
        }
        targets = [f for f in self.functions.values() if f.access.scheduler_target]
        if len(targets) > 1:
            raise ValueError(f"one scheduler target function, not {[f.name for f in targets]}")
        if targets:
            env["OCP_FIRE_TARGET_ARN"] = self._function_arn(targets[0].name)
        for stem, machine in self.state_machines.items():
            env[self.workflows[stem].settings_variable] = machine.state_machine_arn
        if self.carrier:
            env.update(chime.settings(self.stage.chime_numbers, self.stage.chime_calls_per_second))
        from infra import twilio

        if self.stage.carrier != "simulated":
            env.update(twilio.limits(self.stage))
        env.update(twilio.settings(self.stage))
        return env

    def _chalice_app(self, project_dir: Path, build_dir: Path) -> Any:
        """The construct runs `chalice package` for the stage named like this
        stack. What applies to every function goes in the construct's stage
        config; chalice reads per-function settings (`lambda_functions`: role,
        timeout, memory) only from a stage in .chalice/config.json, so that
        stage is written into the packaged copy of the project, never into the
        committed file."""
        stage_config = {
            "api_gateway_stage": api.API_STAGE,
            "api_gateway_endpoint_type": "REGIONAL",
            "autogen_policy": False,
            "manage_iam_role": False,
            "xray": True,
            "environment_variables": self.settings_environment(),
        }
        functions = {
            f.name: {
                "iam_role_arn": self.roles[f.name].role_arn,
                "lambda_timeout": f.access.timeout_seconds,
                "lambda_memory_size": f.access.memory_mb,
            }
            for f in self.functions.values()
        }
        for name, config in functions.items():
            own = chime.application_settings(self.carrier, name) if self.carrier else {}
            own.update(self._public_base_url(name))
            if own:
                config["environment_variables"] = own
        source = bundle.stage_project(project_dir, build_dir / "project")
        bundle.add_stage(source, self.to_string(), {"lambda_functions": functions})
        with _packaging(build_dir, self.stage.settings_literals()):
            chalice = Chalice(self, "Api", source_dir=str(source), stage_config=stage_config)
        for function in self.functions.values():
            resource = chalice.get_resource(function.logical_id)
            # A known name: its log group exists, with retention, before it first runs.
            resource.add_property_override("FunctionName", self.stage.resource(function.name))
            # The platform the compiled wheels in vendor/ are built for; chalice would name
            # the runtime of the Python that synthesises, and no architecture.
            resource.add_property_override("Runtime", lambda_platform.TARGET.runtime)
            resource.add_property_override("Architectures", [lambda_platform.TARGET.architecture])
            resource.add_resource_dependency(self.log_groups[function.name].node.default_child)
        self.concurrency = concurrency.apply(self.stage, self.functions, chalice)
        if self.carrier:
            chime.after_functions(self.carrier, chalice)
        return chalice

    def _public_base_url(self, function: str) -> dict[str, str]:
        """OCP_PUBLIC_BASE_URL of one function, when the stage talks to Twilio and no custom
        domain was given (infra/twilio.py public_base_url)."""
        from infra import twilio

        account = self.stage.twilio
        if account is None or account.public_base_url or function == "api_handler":
            return {}
        # The API's own URL. Not for the API function, which the REST API names (a
        # circle): it reads the same URL off each webhook's request context.
        return {"OCP_PUBLIC_BASE_URL": twilio.execute_api_url(self, api.REST_API)}

    # -- API Gateway ---------------------------------------------------------------

    def _api_gateway(self) -> None:
        access_logs = self._log_group(
            "ApiAccessLogs", f"/aws/apigateway/{self.stage.stack_name}/access"
        )
        rest_api = self.chalice.get_resource(api.REST_API)
        api.configure_rest_api(rest_api, self.stage, access_logs.log_group_arn)
        waf.define(self, self.stage, rest_api.ref)
        if self.stage.api_gateway_logging_role:
            rest_api.add_resource_dependency(self._api_gateway_account())

    def _api_gateway_account(self) -> apigateway.CfnAccount:
        """API Gateway writes access and error logs with one role per account and region."""
        statements = [
            iam.PolicyStatement(
                actions=[
                    "logs:CreateLogGroup",
                    "logs:CreateLogStream",
                    "logs:DescribeLogGroups",
                    "logs:DescribeLogStreams",
                    "logs:PutLogEvents",
                    "logs:GetLogEvents",
                    "logs:FilterLogEvents",
                ],
                resources=[
                    self.format_arn(
                        service="logs",
                        resource="log-group",
                        resource_name="*",
                        arn_format=ArnFormat.COLON_RESOURCE_NAME,
                    )
                ],
            )
        ]
        role = iam.Role(
            self,
            "ApiGatewayLoggingRole",
            assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
            description="API Gateway's account-wide CloudWatch Logs role (access and error logs)",
            inline_policies={"logs": iam.PolicyDocument(statements=statements)},
        )
        nag.acknowledge_wildcards(
            role,
            statements,
            reason=(
                "API Gateway's logging role is one setting for the whole account and region: it "
                "writes the execution and access logs of every API there, into log groups it "
                "names itself."
            ),
        )
        account = apigateway.CfnAccount(
            self, "ApiGatewayAccount", cloud_watch_role_arn=role.role_arn
        )
        # The setting outlives the stack: other APIs in the account log with it.
        role.apply_removal_policy(RemovalPolicy.RETAIN)
        account.apply_removal_policy(RemovalPolicy.RETAIN)
        return account


@contextlib.contextmanager
def _packaging(build_dir: Path, settings: dict[str, str]) -> Iterator[None]:
    """Around `chalice package`: it writes chalice.out/ in the working directory,
    needs a region to name service principals (it never calls AWS), and copies
    the stage's environment variables into os.environ while it imports the app."""
    saved_env = dict(os.environ)
    saved_cwd = os.getcwd()
    build_dir.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(build_dir / "chalice.out", ignore_errors=True)  # earlier synths' copies
    os.chdir(build_dir)
    os.environ.setdefault("AWS_DEFAULT_REGION", os.environ.get("CDK_DEFAULT_REGION", "us-east-1"))
    os.environ.update(settings)
    try:
        yield
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
