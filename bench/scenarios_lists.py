"""The list APIs (GET /calls, /blasts, /usage, /alerts): requests per page, and what the
indexes that serve them cost per call written.

An unfiltered page is one Query (of pageSize + 1 items: the one more says whether there
is a next page). A filter outside the key reads 250 items, then twice as many each
Query, up to 2,000 items read: four Queries at most. The items are seeded straight into
the tables (setup is not counted).

What the lists cost the writes: every change of a Calls item also writes its two
indexes (userId-kind, which was there, and eid-timeScheduled, both projecting every
attribute, so a page needs no read after its Query); `python -m bench lists` prints
the index write units of one call placed and dialed to its end, by index. The usage
of an ended call is counted by the `events` function from the Calls stream: one
TransactWriteItems (its mark, its day, its user's day).
"""

from __future__ import annotations

from types import SimpleNamespace

from bench import harness
from bench.harness import Scenario
from bench.scenarios_calls import EXECUTE, john_and_jane, whole_call

T0 = 1_780_000_000


def seed_calls(n: int, *, failed_every: int = 0) -> None:
    from chalicelib.store.models import AttemptMap, Call

    with Call.batch_write() as batch:
        for i in range(1, n + 1):
            batch.save(
                Call(
                    i,
                    eid=1,
                    user_id=7,
                    kind="call",
                    time_scheduled=T0 + i,
                    time_originated=T0 + i,
                    time_completed=T0 + i + 60,
                    state="failed" if failed_every and i % failed_every == 0 else "complete",
                    success=True,
                    calling_number="3035551212",
                    request={},
                    attempts=[
                        AttemptMap(
                            key="0.0",
                            role="destination",
                            number="7209814345",
                            result="Success",
                            at=T0 + i,
                        )
                    ],
                )
            )


def calls_seeded(n: int, failed_every: int = 0):
    def setup(api):
        seed_calls(n, failed_every=failed_every)

    return setup


def second_page_token(api):
    from xml.etree import ElementTree

    seed_calls(200)
    return ElementTree.fromstring(api.get("/calls").body).findtext("nextPageToken")


def blasts_seeded(api):
    from chalicelib.store.models import Blast

    for i in range(1, 61):
        Blast(
            i,
            eid=1,
            user_id=7,
            kind="voice",
            blast_time=T0 + i,
            origination="{}",
            terminations=b"x" * 2000,
            recipients=100,
            state="started",
            created=T0,
            outcomes={"Success": 90, "Busy": 10},
        ).save()


def usage_seeded(api):
    from chalicelib.store import usage

    for day in range(1, 31):
        for user in range(1, 21):
            usage.record_delta(
                usage.Delta(f"call#{day}-{user}", 1, user, f"2026-11-{day:02d}", calls=1)
            )


def alerts_seeded(api):
    from chalicelib.store import alerts

    for i in range(120):
        alerts.raise_alert(1, "error" if i % 3 else "warning", "callback", "failed", at=T0 + i)


def a_call_ended(api):
    users = john_and_jane(api)
    whole_call("1:{jane}")(api, users)
    return users


def count_usage(api, _users):
    """The events function's part: the Calls stream's records of the call, its usage."""
    from local import worker

    with harness.serving(harness.CONSUMERS):
        worker.drain_event_streams()
    # The local reader finds and reads the streams; Lambda's event source mapping does
    # that at no charge and hands the records over.
    for key in [k for k in harness.calls if k.startswith("dynamodbstreams:")]:
        del harness.calls[key]
    harness.calls.pop("dynamodb:DescribeTable", None)
    return SimpleNamespace(status_code=200, body=b"")


SCENARIOS = [
    Scenario(
        "GET /calls (first page of 50, of 500)",
        lambda api, _: api.get("/calls"),
        calls_seeded(500),
        goal=1,
        notes="one Query of 51 items",
    ),
    Scenario(
        "GET /calls?pageSize=1000 (of 1,500)",
        lambda api, _: api.get("/calls?pageSize=1000"),
        calls_seeded(1500),
        goal=1,
        notes="1,001 items: under a Query's 1 MB",
    ),
    Scenario(
        "GET /calls?pageToken= (next page)",
        lambda api, token: api.get(f"/calls?pageToken={token}"),
        second_page_token,
        goal=1,
    ),
    Scenario(
        "GET /calls?state=failed (1 in 100 failed)",
        lambda api, _: api.get("/calls?state=failed&pageSize=10"),
        calls_seeded(3000, failed_every=100),
        goal=4,
        notes="a filter: 250, 500, 1,000... items a Query, 2,000 read at most",
    ),
    Scenario(
        "GET /blasts (60 blasts of 100 recipients)",
        lambda api, _: api.get("/blasts"),
        blasts_seeded,
        goal=1,
        notes="the index has no terminations: small items",
    ),
    Scenario(
        "GET /usage (30 days)",
        lambda api, _: api.get("/usage?from=2026-11-01&to=2026-11-30"),
        usage_seeded,
        goal=1,
    ),
    Scenario(
        "GET /usage?groupBy=user (30 days, 20 users)",
        lambda api, _: api.get("/usage?from=2026-11-01&to=2026-11-30&groupBy=user"),
        usage_seeded,
        goal=1,
        notes="600 user-days on the eid-userDay index",
    ),
    Scenario(
        "GET /alerts (of 120)",
        lambda api, _: api.get("/alerts"),
        alerts_seeded,
        goal=1,
    ),
    Scenario(
        "GET /alerts?level=warning",
        lambda api, _: api.get("/alerts?level=warning"),
        alerts_seeded,
        goal=2,
    ),
    Scenario(
        "call (POST+dial+GET): the indexes' writes",
        whole_call("1:{jane}"),
        john_and_jane,
        aws_config=EXECUTE,
        goal=11,
        notes="as scenarios_calls; index write units below",
    ),
    Scenario(
        "usage of one ended call (events function)",
        count_usage,
        a_call_ended,
        aws_config=EXECUTE,
        goal=1,
        notes="one TransactWriteItems: mark, day, user's day",
    ),
]


def report_indexes() -> None:
    """What the indexes cost one call written: write units by index."""
    call = next(s for s in SCENARIOS if s.route.startswith("call (POST"))
    by_index = {
        k.removeprefix("index writes:"): n
        for k, n in sorted(call.units.items())
        if k.startswith("index writes:")
    }
    table = call.units.get("dynamodb:write units", 0)
    total = sum(by_index.values())
    print(
        f"  index write units of one call (POST+dial+GET): {total:g} "
        f"(the table's own: {table:g}): "
        + ", ".join(f"{name} {n:g}" for name, n in by_index.items())
    )
