"""`make bench`'s cost model: what the scenarios counted (bench/harness.py), priced with
bench/aws_prices.py. AWS only: the telephony of a call (Chime PSTN minutes) is priced in
bench/telephony_prices.py and comes on top.

What is priced, from each scenario's counts:
  API Gateway   one REST request per HTTP request
  Lambda        one invocation per HTTP request, per queue message handled (batch size
                1), per schedule fired and per SIP media application event ("lambda:sma");
                duration estimated at LAMBDA_MS_BASE an invocation and
                LAMBDA_MS_PER_AWS_REQUEST for each AWS request it makes (moto's timings say
                nothing of AWS's), at the function's memory (infra/access.py); an
                adapter that waits on the carrier (the simulated one sleeps) is not counted
  DynamoDB      request units as the harness estimates them from item sizes
  Step Functions  state transitions of the executions (Standard)
  SQS           the requests counted, plus a receive and a delete by the event source for
                each dial-queue message (the fan-out queue's are counted as the local
                worker makes them)
  SMS           apart (sms_report), per adapter: message parts (segments) with the
                carrier's fee, End User Messaging (10DLC and toll-free) or Twilio; each
                text's delivery event adds an SNS publish and a `smsreceipts` invocation
  Polly, S3, KMS, EventBridge Scheduler (one invocation per schedule created)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from bench import aws_prices as p
from bench.harness import API, CONSUMERS, Scenario

LAMBDA_MS_BASE = 5
LAMBDA_MS_PER_AWS_REQUEST = 12
PROJECTED = 1_000_000
# Per-recipient counts at the bigger size may exceed the smaller's by this much (the
# blast's own fixed requests spread thinner, never thicker) before the bench says GROWS.
GROWTH_TOLERANCE = 0.02

S3_PUT_CLASS = ("PutObject", "CopyObject", "PostObject", "ListObjects", "ListObjectsV2")
UNPRICED = ("sts:", "sqs:GetQueueUrl")  # free, or only made where settings lack a name


@dataclass
class Cost:
    """Dollars by service."""

    dollars: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> float:
        return sum(self.dollars.values())

    def scaled(self, factor: float) -> Cost:
        return Cost(Counter({k: v * factor for k, v in self.dollars.items()}))

    def __add__(self, other: Cost) -> Cost:
        return Cost(self.dollars + other.dollars)

    def top(self, n: int = 3) -> str:
        parts = sorted(self.dollars.items(), key=lambda kv: -kv[1])[:n]
        return ", ".join(f"{k} {share(v, self.total)}" for k, v in parts if v > 0)


def share(part: float, whole: float) -> str:
    return f"{part / whole:.0%}" if whole else "-"


def memory_gb(function: str) -> float:
    from infra.access import FUNCTIONS

    return FUNCTIONS[function].memory_mb / 1024


def price(scenario: Scenario) -> Cost:
    counted, units = scenario.counted, scenario.units
    invocations, requests_by = scenario.invocations, scenario.requests_by
    cost = Counter()
    api = invocations.get(API, 0)
    # Scenarios that count a function's invocations themselves: "lambda:dialer", ...
    consumers = invocations.get(CONSUMERS, 0) + sum(
        n for k, n in counted.items() if k.startswith("lambda:")
    )
    cost["API Gateway"] = api * p.API_GATEWAY_REST_REQUEST
    # prod's web ACL inspects every request before API Gateway (infra/waf.py)
    cost["WAF"] = api * p.WAF_REQUEST

    def gb_seconds(group: str, count: int, memory: float) -> float:
        ms = count * LAMBDA_MS_BASE + requests_by.get(group, 0) * LAMBDA_MS_PER_AWS_REQUEST
        return ms / 1000 * memory

    seconds = gb_seconds(API, api, memory_gb("api_handler")) + gb_seconds(
        CONSUMERS, consumers, memory_gb("dialer")
    )
    cost["Lambda"] = (api + consumers) * p.LAMBDA_REQUEST + seconds * p.LAMBDA_ARM64_GB_SECOND
    cost["DynamoDB"] = (
        units.get("dynamodb:read units", 0) * p.DYNAMODB_READ_REQUEST_UNIT
        + (units.get("dynamodb:write units", 0) + units.get("dynamodb:index write units", 0))
        * p.DYNAMODB_WRITE_REQUEST_UNIT
    )
    cost["Step Functions"] = (
        counted.get("states:transitions", 0) * p.STEP_FUNCTIONS_STANDARD_TRANSITION
    )
    sqs = sum(
        n
        for k, n in counted.items()
        if k.startswith("sqs:") and k != "sqs:messages" and not k.startswith(UNPRICED)
    )
    cost["SQS"] = (sqs + 2 * counted.get("sqs:messages", 0)) * p.SQS_REQUEST
    cost["Polly"] = units.get("polly:characters", 0) * p.POLLY_STANDARD_CHARACTER
    cost["S3"] = sum(
        n * (p.S3_PUT_REQUEST if k.split(":")[1] in S3_PUT_CLASS else p.S3_GET_REQUEST)
        for k, n in counted.items()
        if k.startswith("s3:")
    )
    cost["KMS"] = sum(n for k, n in counted.items() if k.startswith("kms:")) * p.KMS_REQUEST
    scheduled = counted.get("scheduler:CreateSchedule", 0)
    cost["Scheduler"] = scheduled * p.SCHEDULER_INVOCATION
    return Cost(cost)


def dollars(amount: float) -> str:
    if amount >= 100:
        return f"${amount:,.0f}"
    if amount >= 1:
        return f"${amount:,.2f}"
    return f"${amount:.4f}" if amount >= 0.0001 else f"${amount:.6f}"


def report(scenarios: list[Scenario]) -> None:
    by_route = {s.route: s for s in scenarios}
    print(f"AWS cost before telephony (bench/aws_prices.py, {p.AS_OF}; {p.SOURCE})")
    print(
        f"  Lambda duration estimated: {LAMBDA_MS_BASE} ms an invocation + "
        f"{LAMBDA_MS_PER_AWS_REQUEST} ms an AWS request; telephony: bench/telephony_prices.py"
    )
    _route_families([s for s in scenarios if s.route.split()[0] in HTTP_METHODS])
    print()
    for route, what in (
        ("call: answered at once (POST+dial+GET)", "an answered call (POST, dialing, one GET)"),
        ("Chime call: answered at once (all of it)", "the same on the Chime carrier"),
    ):
        answered = by_route.get(route)
        if answered:
            cost = price(answered)
            transitions = answered.counted.get("states:transitions", 0)
            print(
                f"  {what}: {dollars(cost.total)} ({transitions} state transitions; {cost.top()})"
            )
    _blasts(scenarios)
    print()
    print(waf_monthly())
    telephony()


def waf_monthly() -> str:
    """The web ACL's fixed monthly price (infra/waf.py: prod, or --waf), besides its
    per-request price, which the lines above include."""
    from infra import waf

    rules = 1 + len(waf.MANAGED_GROUPS)
    fixed = p.WAF_WEB_ACL_MONTH + rules * p.WAF_RULE_MONTH
    return (
        f"  WAF web ACL (prod; --waf elsewhere): {dollars(fixed)} a month "
        f"(the web ACL and {rules} rules) + {dollars(p.WAF_REQUEST * 1_000_000)} a million "
        f"requests; UNCONFIRMED list prices of {p.WAF_AS_OF}"
    )


def telephony() -> None:
    """The carriers' own prices, chime beside twilio (bench/telephony_prices.py)."""
    from bench import telephony_prices

    print()
    print(telephony_prices.comparison_table())


HTTP_METHODS = ("GET", "POST", "PUT", "DELETE")


def _route_families(routes: Iterable[Scenario]) -> None:
    families: dict[str, list[Scenario]] = {}
    for scenario in routes:
        families.setdefault(scenario.family, []).append(scenario)
    print(f"  {'1,000 requests of each route family':40} {'cost':>9}  largest parts")
    for family, members in sorted(families.items()):
        cost = sum((price(s) for s in members), Cost()).scaled(1000 / len(members))
        print(
            f"  {family + f' ({len(members)} routes, evenly)':40} {dollars(cost.total):>9}  "
            f"{cost.top()}"
        )


def _blasts(scenarios: list[Scenario]) -> None:
    fan_outs = [s for s in scenarios if s.recipients and "fan-out" in s.route]
    executed = next((s for s in scenarios if s.recipients and "dialed" in s.route), None)
    if not fan_outs:
        return
    per_dial = price(executed).scaled(1 / executed.recipients) if executed else Cost()
    voice = sorted((s for s in fan_outs if "voice" in s.route), key=lambda s: s.recipients)
    sms = [s for s in fan_outs if "sms" in s.route]
    for scenario in sms:
        sms_report(scenario)
    for scenario in [voice[-1], *sms] if voice else sms:
        fan_out = price(scenario)
        dialing = per_dial.scaled(scenario.recipients) if "voice" in scenario.route else Cost()
        total = fan_out + dialing
        what = "voice" if "voice" in scenario.route else "SMS"
        print(
            f"  a {scenario.recipients:,}-recipient {what} blast: {dollars(total.total)} "
            f"({dollars(total.total / scenario.recipients)} a recipient; {total.top(4)})"
        )
    if executed:
        transitions = executed.counted.get("states:transitions", 0) / executed.recipients
        print(
            f"    each voice recipient's execution: {transitions:.0f} state transitions, "
            f"{dollars(per_dial.total)} ({per_dial.top()})"
        )
    if len(voice) >= 2:
        _projection(voice[0], voice[-1], per_dial)


@dataclass(frozen=True)
class SmsAdapter:
    """What one text part costs through a messaging adapter, and where the price is from."""

    name: str
    per_part: float  # the provider's price
    carrier_fee: float  # the US carrier's pass-through fee
    receipt: bool  # its receipts come through SNS and the smsreceipts function
    source: str


# US destinations; every figure UNCONFIRMED until read on the provider's live page.
SMS_ADAPTERS = (
    SmsAdapter(
        "eum, 10DLC",
        p.SNS_SMS_US_PART,
        p.SMS_US_CARRIER_FEE_PART,
        True,
        f"bench/aws_prices.py {p.SMS_AS_OF}, UNCONFIRMED",
    ),
    SmsAdapter(
        "eum, toll-free",
        p.SNS_SMS_US_PART,
        p.SMS_US_TOLL_FREE_CARRIER_FEE_PART,
        True,
        f"bench/aws_prices.py {p.SMS_AS_OF}, UNCONFIRMED",
    ),
    SmsAdapter(
        "twilio, 10DLC",
        0.0083,
        p.SMS_US_CARRIER_FEE_PART,
        False,
        "../shared/telephony/twilio-compatible.md, third parties 2026-06..10, UNCONFIRMED",
    ),
)
# A receipt's smsreceipts invocation: its AWS requests (a conditional UpdateItem, and
# the recipient's end: a read, a transaction, the status event's SendMessage when asked).
RECEIPT_AWS_REQUESTS = 3


def sms_report(scenario: Scenario) -> None:
    """Per recipient of an SMS blast, for each adapter: its text parts, the AWS requests
    the fan-out and the receipt made (measured on the simulated adapter, whose receipts
    take the same store path at once), and what the provider's receipt adds."""
    recipients = scenario.recipients
    parts = scenario.units.get("sms:parts", 0) / recipients
    aws = price(scenario).scaled(1 / recipients)
    receipt_lambda = (
        p.LAMBDA_REQUEST
        + (LAMBDA_MS_BASE + RECEIPT_AWS_REQUESTS * LAMBDA_MS_PER_AWS_REQUEST)
        / 1000
        * memory_gb("smsreceipts")
        * p.LAMBDA_ARM64_GB_SECOND
    )
    print(
        f"  an SMS blast, per recipient ({parts:.2f} parts a text; AWS "
        f"{dollars(aws.total)}: {aws.top()}):"
    )
    for adapter in SMS_ADAPTERS:
        text = parts * (adapter.per_part + adapter.carrier_fee)
        receipt = (p.SNS_PUBLISH + receipt_lambda) if adapter.receipt else receipt_lambda
        total = text + aws.total + receipt
        print(
            f"    {adapter.name:15} {dollars(total):>9}  (text {dollars(text)}, receipt "
            f"{dollars(receipt)}; {adapter.source})"
        )


def per_recipient(scenario: Scenario) -> dict[str, float]:
    counts = {**scenario.counted, **scenario.units}
    counts["invocations"] = sum(scenario.invocations.values())
    return {k: v / scenario.recipients for k, v in counts.items() if v}


def _projection(small: Scenario, big: Scenario, per_dial: Cost) -> None:
    a, b = per_recipient(small), per_recipient(big)
    print(
        f"  fan-out per recipient at {small.recipients:,} and {big.recipients:,} recipients "
        f"(what does not grow with size may be projected):"
    )
    grows = []
    for key in sorted(set(a) | set(b), key=lambda k: -b.get(k, 0)):
        before, after = a.get(key, 0), b.get(key, 0)
        growing = after > before * (1 + GROWTH_TOLERANCE) and after - before > 1e-3
        grows += [key] if growing else []
        if max(before, after) >= 0.001:
            mark = "  GROWS" if growing else ""
            print(f"    {key:36} {before:10.4f} {after:10.4f}{mark}")
    from chalicelib import settings

    unit = price(big).scaled(1 / big.recipients) + per_dial
    verdict = "per-recipient counts do not grow" if not grows else f"GROWS: {', '.join(grows)}"
    most = settings.get().blast_max_recipients
    print(
        f"  projected {PROJECTED:,} voice recipients: {dollars(unit.total * PROJECTED)} "
        f"({verdict}; a blast names at most {most:,}: {-(-PROJECTED // most):,} blasts)"
    )
