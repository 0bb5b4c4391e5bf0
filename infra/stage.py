"""One deployed stage: its name, the names of its resources, its limits.

Names follow the defaults in chalicelib/settings.py (`ocp-{stage}-` table prefix,
`alias/ocp-{stage}-secrets`, `ocp-{stage}-dial` ...), so an operator's shell with
only OCP_STAGE set (docs/deploy.md) reaches the deployed stage's tables and key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NAME = re.compile(r"^[a-z][a-z0-9]{0,11}$")
CARRIERS = ("simulated", "chime", "twilio")
SIGNATURES = ("twilio", "signalwire")
# Texts: End User Messaging, Twilio Messages (the twilio carrier's account), or none.
MESSAGING = ("eum", "twilio", "simulated")
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
    # stages in one account, let one stack own it (docs/deploy.md).
    api_gateway_logging_role: bool = True
    # The telephony adapter (chalicelib/telephony, OCP_CARRIER).
    carrier: str = "simulated"
    # The chime carrier (infra/chime.py): the account's numbers calls are made from
    # (OCP_CHIME_NUMBERS), and how many new calls a second it may start (the account's
    # CreateSipMediaApplicationCall quota: 1 unless raised).
    chime_numbers: tuple[str, ...] = ()
    # The carrier account's limits (OCP_CALLS_PER_SECOND, OCP_CONCURRENT_CALLS;
    # domain/pacing.py): a new account's 1 call a second, and 3 calls at once.
    calls_per_second: float = 1.0
    concurrent_calls: int = 3
    # A Twilio-compatible carrier (infra/twilio.py): the account, its numbers, the REST
    # base, the secret holding the auth token (by name), the signature header and the
    # public URL Twilio calls the webhooks at.
    twilio: TwilioAccount | None = None
    # Texts (chalicelib/messaging, OCP_MESSAGING; docs/sms.md "Deploy"): they follow the
    # carrier unless told otherwise (`messaging_for`): Twilio Messages with the twilio
    # carrier, else End User Messaging, from this origination identity (a phone number's or pool's
    # id or ARN; "" lets the service choose one of the account's), at this many messages
    # a second (None: 3 for a toll-free number, else 1).
    messaging: str = "eum"
    sms_identity: str = ""
    sms_messages_per_second: float | None = None
    # A regional WAF web ACL on the API's stage (infra/waf.py): prod's default, `--waf`.
    waf: bool = False
    # Reserved concurrency for the functions that must always run (infra/concurrency.py);
    # off (`--no-reserved-concurrency`) for an account whose Lambda quota is still below
    # what the reservations need (a new account's 10).
    reserve_concurrency: bool = True

    @property
    def chime_calls_per_second(self) -> float:
        """The name the chime carrier's pace had first."""
        return self.calls_per_second

    @classmethod
    def named(
        cls,
        name: str,
        alarm_email: str | None = None,
        api_gateway_logging_role: bool = True,
        carrier: str = "simulated",
        chime_numbers: tuple[str, ...] = (),
        chime_calls_per_second: float = 1.0,
        concurrent_calls: int = 3,
        twilio: TwilioAccount | None = None,
        messaging: str | None = None,
        sms_identity: str = "",
        sms_messages_per_second: float | None = None,
        waf: bool | None = None,
        reserve_concurrency: bool = True,
    ) -> Stage:
        messaging = messaging_for(carrier, messaging)
        if not _NAME.match(name):
            raise ValueError(f"stage {name!r}: lower-case letters and digits, at most 12")
        if carrier not in CARRIERS:
            raise ValueError(f"carrier {carrier!r}: one of {', '.join(CARRIERS)}")
        if carrier == "chime":
            _check_chime(chime_numbers, chime_calls_per_second)
        elif chime_numbers:
            raise ValueError("chime numbers are for --carrier chime")
        if carrier == "twilio":
            if twilio is None:
                raise ValueError("carrier 'twilio' needs the account: --twilio-account-sid ...")
            twilio.check()
            if not 0 < chime_calls_per_second <= 1000:
                raise ValueError("--calls-per-second: more than 0, at most 1000")
        elif messaging == "twilio":
            if twilio is None:
                raise ValueError(
                    "--messaging twilio texts through a Twilio account: --twilio-account-sid ..."
                )
            twilio.check()
        elif twilio is not None:
            raise ValueError("a Twilio account is for --carrier twilio or --messaging twilio")
        if not 1 <= concurrent_calls <= 10000:
            raise ValueError("--concurrent-calls: 1 to 10000")
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
            calls_per_second=chime_calls_per_second,
            concurrent_calls=concurrent_calls,
            twilio=twilio,
            messaging=messaging,
            sms_identity=sms_identity,
            sms_messages_per_second=sms_messages_per_second,
            waf=prod if waf is None else waf,
            reserve_concurrency=reserve_concurrency,
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


def messaging_for(carrier: str, messaging: str | None) -> str:
    """The texts' adapter of a stage: `messaging` if given, else the carrier's own (Twilio
    Messages for the twilio carrier, as `make run` does: chalicelib/settings.py), else
    End User Messaging."""
    if messaging:
        return messaging
    return "twilio" if carrier == "twilio" else "eum"


@dataclass(frozen=True)
class TwilioAccount:
    """`--carrier twilio`'s account (docs/twilio-deploy.md). The auth token is never here:
    only the name of the Secrets Manager secret that holds it."""

    account_sid: str
    numbers: tuple[str, ...]
    # The URL Twilio calls the webhooks at, given only with a custom domain mapped to the
    # stage's API; "" (the default): the stage's own execute-api URL (docs/twilio-deploy.md).
    public_base_url: str
    secret_name: str
    api_base: str = "https://api.twilio.com/2010-04-01"
    signature: str = "twilio"
    # Texts from a Messaging Service (MG...) instead of the first number: docs/sms.md.
    messaging_service_sid: str = ""

    def check(self) -> None:
        if not self.account_sid or not re.fullmatch(r"[A-Za-z0-9-]{2,64}", self.account_sid):
            raise ValueError(
                "--twilio-account-sid: the account SID (AC...) or SignalWire project id"
            )
        if not self.numbers:
            raise ValueError("--carrier twilio calls from the account's numbers: --twilio-numbers")
        bad = [n for n in self.numbers if not _E164.match(n)]
        if bad or len(set(self.numbers)) != len(self.numbers):
            raise ValueError(f"--twilio-numbers: E.164 numbers, each once, not {bad}")
        for flag, url in (
            ("--public-base-url", self.public_base_url),
            ("--twilio-api-base", self.api_base),
        ):
            if flag == "--public-base-url" and not url:
                continue  # the stage's own URL (infra/stack.py public_base_url)
            if not re.fullmatch(r"https://[^\s/?#]+(/[^\s?#]*)?", url):
                raise ValueError(f"{flag}: an https:// URL without query, not {url!r}")
        if not re.fullmatch(r"[A-Za-z0-9/_+=.@-]{1,512}", self.secret_name):
            raise ValueError(
                f"--twilio-secret-name: a Secrets Manager name, not {self.secret_name!r}"
            )
        if self.signature not in SIGNATURES:
            raise ValueError(f"--twilio-signature: one of {', '.join(SIGNATURES)}")
        if self.messaging_service_sid and not re.fullmatch(
            r"[A-Za-z0-9-]{2,64}", self.messaging_service_sid
        ):
            raise ValueError("--twilio-messaging-service-sid: a Messaging Service SID (MG...)")


def _check_chime(numbers: tuple[str, ...], calls_per_second: float) -> None:
    if not numbers:
        raise ValueError(
            "--carrier chime calls from the account's own numbers: name them with "
            "--chime-numbers +1..., (docs/carriers.md#deploying-a-chime-stage: ordering numbers)"
        )
    bad = [n for n in numbers if not _E164.match(n)]
    if bad or len(set(numbers)) != len(numbers):
        raise ValueError(f"--chime-numbers: E.164 numbers (+13035550100), each once, not {bad}")
    if not 0 < calls_per_second <= 1000:
        raise ValueError("--chime-calls-per-second: more than 0, at most 1000")
