"""One deployed stage: its name, the names of its resources, its limits.

Names follow the defaults in chalicelib/settings.py (`ocp-{stage}-` table prefix,
`alias/ocp-{stage}-secrets`, `ocp-{stage}-dial` ...), so an operator's shell with
only OCP_STAGE set (README "Deploy") reaches the deployed stage's tables and key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NAME = re.compile(r"^[a-z][a-z0-9]{0,11}$")
CARRIERS = ("simulated", "chime")
MESSAGING = ("eum", "simulated")
# chime-sdk-voice's E164PhoneNumber, with the leading + required.
_E164 = re.compile(r"^\+[1-9]\d{1,14}$")


@dataclass(frozen=True)
class Stage:
    name: str
    # prod keeps its data when the stack goes: deletion protection, RETAIN.
    prod: bool
    throttle_rate: float  # steady requests per second, whole stage
    throttle_burst: int
    log_retention_days: int
    alarm_email: str | None = None
    # AWS::ApiGateway::Account is one setting per account and region: with two
    # stages in one account, let one stack own it (README "Deploy").
    api_gateway_logging_role: bool = True
    # The telephony adapter (chalicelib/telephony, OCP_CARRIER).
    carrier: str = "simulated"
    # The chime carrier (infra/chime.py): the account's numbers calls are made from
    # (OCP_CHIME_NUMBERS), and how many new calls a second it may start (the account's
    # CreateSipMediaApplicationCall quota: 1 unless raised).
    chime_numbers: tuple[str, ...] = ()
    chime_calls_per_second: float = 1.0
    # Texts (chalicelib/messaging, OCP_MESSAGING; docs/sms.md "Deploy"): End User
    # Messaging by default, from this origination identity (a phone number's or pool's
    # id or ARN; "" lets the service choose one of the account's), at this many messages
    # a second (None: 3 for a toll-free number, else 1).
    messaging: str = "eum"
    sms_identity: str = ""
    sms_messages_per_second: float | None = None

    @classmethod
    def named(
        cls,
        name: str,
        alarm_email: str | None = None,
        api_gateway_logging_role: bool = True,
        carrier: str = "simulated",
        chime_numbers: tuple[str, ...] = (),
        chime_calls_per_second: float = 1.0,
        messaging: str = "eum",
        sms_identity: str = "",
        sms_messages_per_second: float | None = None,
    ) -> Stage:
        if not _NAME.match(name):
            raise ValueError(f"stage {name!r}: lower-case letters and digits, at most 12")
        if carrier not in CARRIERS:
            raise ValueError(f"carrier {carrier!r}: one of {', '.join(CARRIERS)}")
        if carrier == "chime":
            _check_chime(chime_numbers, chime_calls_per_second)
        elif chime_numbers:
            raise ValueError("chime numbers are for --carrier chime")
        if messaging not in MESSAGING:
            raise ValueError(f"messaging {messaging!r}: one of {', '.join(MESSAGING)}")
        if sms_messages_per_second is not None and not 0 < sms_messages_per_second <= 1000:
            raise ValueError("--sms-messages-per-second: more than 0, at most 1000")
        prod = name == "prod"
        return cls(
            name=name,
            prod=prod,
            throttle_rate=500 if prod else 50,
            throttle_burst=1000 if prod else 100,
            log_retention_days=365 if prod else 30,
            alarm_email=alarm_email,
            api_gateway_logging_role=api_gateway_logging_role,
            carrier=carrier,
            chime_numbers=tuple(chime_numbers),
            chime_calls_per_second=chime_calls_per_second,
            messaging=messaging,
            sms_identity=sms_identity,
            sms_messages_per_second=sms_messages_per_second,
        )

    @property
    def stack_name(self) -> str:
        return f"ocp-{self.name}"

    @property
    def table_prefix(self) -> str:
        return f"ocp-{self.name}-"

    @property
    def secrets_alias(self) -> str:
        return f"alias/ocp-{self.name}-secrets"

    def resource(self, what: str) -> str:
        """`ocp-{stage}-{what}`: queues, state machines, functions, alarms."""
        return f"ocp-{self.name}-{what}"

    def queue_name(self, label: str, fifo: bool = False) -> str:
        """`ocp-{stage}-{label}`, with SQS's `.fifo` ending for a FIFO queue."""
        return self.resource(label) + (".fifo" if fifo else "")

    def settings_literals(self) -> dict[str, str]:
        """The settings known before anything is created. They are in the process
        environment while the app is imported (by the table derivation and by
        `chalice package`), so module-level names (`on_sqs_message(queue=...)`)
        are this stage's."""
        return {
            "OCP_STAGE": self.name,
            "OCP_TABLE_PREFIX": self.table_prefix,
            "OCP_EMAIL_DNS_CHECK": "1",
            "OCP_DIAL_QUEUE_NAME": self.resource("dial"),
            "OCP_FANOUT_QUEUE_NAME": self.resource("fanout"),
            "OCP_CALLBACK_QUEUE_NAME": self.queue_name("callbacks", fifo=True),
            "OCP_SCHEDULE_GROUP": self.stack_name,
            "OCP_STATE_MACHINE_NAME": self.resource("call"),
            "OCP_MESSAGING": self.messaging,
            "OCP_SMS_ORIGINATION_IDENTITY": self.sms_identity,
            "OCP_SMS_CONFIGURATION_SET": self.resource("sms"),
            "OCP_SMS_RECEIPT_TOPIC": self.resource("sms-receipts"),
            **(
                {"OCP_SMS_MESSAGES_PER_SECOND": str(self.sms_messages_per_second)}
                if self.sms_messages_per_second
                else {}
            ),
        }


def _check_chime(numbers: tuple[str, ...], calls_per_second: float) -> None:
    if not numbers:
        raise ValueError(
            "--carrier chime calls from the account's own numbers: name them with "
            '--chime-numbers +1..., (README "Real telephone calls": ordering numbers)'
        )
    bad = [n for n in numbers if not _E164.match(n)]
    if bad or len(set(numbers)) != len(numbers):
        raise ValueError(f"--chime-numbers: E.164 numbers (+13035550100), each once, not {bad}")
    if not 0 < calls_per_second <= 1000:
        raise ValueError("--chime-calls-per-second: more than 0, at most 1000")
