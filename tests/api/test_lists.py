"""GET /calls, /blasts, /usage, /alerts (docs/api.md "Lists"): pages newest first, their
filters, the page token, XML and JSON; seeded straight into the tables (fast), through
the routes' store where a flow matters (a call that ends counts its usage)."""

from __future__ import annotations

import base64
import json
from decimal import Decimal

import pytest

from tests.api.people import fails, ok, other_enterprise
from tests.examples import error_codes, xml

T0 = 1_780_000_000  # 2026-05-28 20:26:40 UTC


def seed_calls(
    n: int, *, eid: int = 1, first: int = 1, kinds=("call",), start: int = T0, **fields
) -> list[int]:
    """n Calls items of enterprise `eid`, callId first.., scheduled a second apart from
    `start` (newest last), written in batches of 25 (BatchWriteItem)."""
    from chalicelib.store.models import Call

    ids = list(range(first, first + n))
    with Call.batch_write() as batch:
        for i, call_id in enumerate(ids):
            batch.save(
                Call(
                    call_id,
                    eid=eid,
                    user_id=fields.get("user_id", 7),
                    kind=kinds[i % len(kinds)],
                    time_scheduled=start + i,
                    state=fields.get("state", "complete"),
                    request={},
                    attempts=[],
                )
            )
    return ids


def page_ids(response) -> tuple[list[int], str | None]:
    ok(response)
    body = xml(response.body)
    return [int(c.findtext("callId")) for c in body.iter("call")], body.findtext("nextPageToken")


def all_pages(api, query: str) -> tuple[list[int], int]:
    ids: list[int] = []
    pages, token = 0, None
    while True:
        suffix = f"&pageToken={token}" if token else ""
        found, token = page_ids(api.get(f"/calls?{query}{suffix}"))
        ids += found
        pages += 1
        if token is None:
            return ids, pages


def test_paginates_to_the_end_over_thousands_of_calls_newest_first_and_only_its_own(
    api, app_client
):
    mine = seed_calls(2500)
    seed_calls(300, eid=2, first=5000)
    ids, pages = all_pages(api, "pageSize=1000")
    assert ids == sorted(mine, reverse=True)
    assert pages == 3  # the last page has no token: no empty page after it
    ids, pages = all_pages(api, "pageSize=250")
    assert ids == sorted(mine, reverse=True) and pages == 10
    two = other_enterprise(app_client)
    theirs, _ = all_pages(two, "pageSize=1000")
    assert theirs == list(range(5299, 4999, -1))


def test_a_page_prints_each_call_as_call_get_does_with_its_kind(api):
    seed_calls(5, kinds=("call", "autoconference", "conference", "blast", "blastsms"))
    response = api.get("/calls")
    body = xml(response.body)
    calls = list(body.iter("call"))
    assert [c.findtext("kind") for c in calls] == [
        "blastsms",
        "blastvoice",
        "conference",
        "autoconference",
        "call",
    ]
    one = api.get("/call/5")
    assert [e.tag for e in xml(one.body)] == [e.tag for e in calls[0]][:-1]
    assert body.find("nextPageToken") is None
    data = json.loads(api.get("/calls?output=json&pageSize=2").body)
    assert [c["callId"] for c in data["calls"]] == [5, 4]
    assert data["calls"][0]["kind"] == "blastsms" and data["nextPageToken"]


def test_an_empty_list_is_an_empty_page(api):
    response = api.get("/calls")
    assert page_ids(response) == ([], None)
    assert json.loads(api.get("/calls?output=json").body) == {"calls": []}


def test_filters_kind_state_user_and_time(api):
    seed_calls(40, kinds=("call", "blast"))
    seed_calls(10, first=100, state="failed", user_id=8)
    ids, _ = all_pages(api, "kind=blastvoice&pageSize=7")
    assert ids == [c for c in range(40, 0, -1) if c % 2 == 0]
    ids, _ = all_pages(api, "kind=blastvoice,autoconference&state=failed")
    assert ids == []
    ids, _ = all_pages(api, "kind=call,blastvoice&state=failed")
    assert ids == list(range(109, 99, -1))
    ids, _ = all_pages(api, "state=failed")
    assert ids == list(range(109, 99, -1))
    ids, _ = all_pages(api, "userId=8&pageSize=3")
    assert ids == list(range(109, 99, -1))
    ids, _ = all_pages(api, f"after={T0 + 5}&before={T0 + 8}")
    assert sorted(ids) == [6, 7, 8, 105, 106, 107]


def test_filter_by_number_dialled(api):
    from chalicelib.store.models import AttemptMap, Call

    seed_calls(3)
    item = Call.get(2)
    item.attempts = [
        AttemptMap(key="0.0", role="destination", number="3035551212", result="Busy", at=T0)
    ]
    item.save()
    recipient = Call.get(3)
    recipient.request = {"blastId": 1, "n": 0, "destination": '[3, ["1", "720", "5550123"]]'}
    recipient.save()  # a blast recipient not dialed yet: its stored destination
    assert page_ids(api.get("/calls?number=7205550123")) == ([3], None)
    assert page_ids(api.get("/calls?number=%2B1 303 555 1212")) == ([2], None)
    assert page_ids(api.get("/calls?number=3035551213")) == ([], None)


def test_a_filtered_page_reads_a_bounded_number_of_items_and_goes_on_with_a_token(api, monkeypatch):
    from chalicelib.store import listing

    monkeypatch.setattr(listing, "MAX_READ", 30)
    seed_calls(100)
    seed_calls(2, first=200, state="failed", start=T0 + 1000)  # the two newest
    found, token = page_ids(api.get("/calls?state=failed&pageSize=5"))
    assert found == [201, 200] and token is not None  # 30 read, nothing more matched
    found, token = page_ids(api.get(f"/calls?state=failed&pageSize=5&pageToken={token}"))
    assert found == [] and token is not None
    ids, pages = all_pages(api, "state=failed&pageSize=5")
    assert ids == [201, 200] and pages == 4  # 102 items, 30 a page


@pytest.mark.parametrize(
    "token",
    [
        "nonsense",
        "e30",  # {}
        base64.urlsafe_b64encode(b'{"l":"blasts","p":{"t":1,"b":1}}').decode(),
        base64.urlsafe_b64encode(b'{"l":"calls","p":{"t":"1","c":1}}').decode(),
        base64.urlsafe_b64encode(b'{"l":"calls","p":{"t":1,"c":-1}}').decode(),
        base64.urlsafe_b64encode(b'{"l":"calls","p":{"t":1,"c":1,"e":2}}').decode(),
        "%FF%FE",
    ],
)
def test_a_forged_or_foreign_page_token_is_902(api, token):
    seed_calls(3)
    fails(api.get(f"/calls?pageToken={token}"), 400, 902)


def test_a_token_outside_the_time_range_is_902(api):
    seed_calls(10)
    _, token = page_ids(api.get("/calls?pageSize=2"))
    ok(api.get(f"/calls?pageSize=2&pageToken={token}"))
    fails(api.get(f"/calls?pageToken={token}&before={T0}"), 400, 902)


def test_a_token_of_another_enterprise_pages_only_ones_own(api, app_client):
    seed_calls(10)
    seed_calls(10, eid=2, first=100)
    _, token = page_ids(api.get("/calls?pageSize=3"))
    two = other_enterprise(app_client)
    found, _ = page_ids(two.get(f"/calls?pageToken={token}"))
    assert all(c >= 100 for c in found)


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("pageSize=0", 902),
        ("pageSize=1001", 902),
        ("kind=fax", 901),
        ("state=ringing", 901),
        ("userId=0", 922),
        ("after=99999999999999", 916),
        ("number=12", 920),
        ("pageToken=" + "a" * 513, 903),
    ],
)
def test_bad_variables_are_ocp_errors(api, query, code):
    assert error_codes(api.get(f"/calls?{query}").body) == [code]


# -- blasts -------------------------------------------------------------------------------


def seed_blast(blast_id: int, *, eid: int = 1, kind: str = "voice", at: int = T0, **fields):
    from chalicelib.store.models import Blast

    Blast(
        blast_id,
        eid=eid,
        user_id=7,
        kind=kind,
        blast_time=at,
        origination="{}",
        terminations=b"",
        recipients=fields.get("recipients", 3),
        state=fields.get("state", "started"),
        created=at - 60,
        started=at,
        first_call_id=1000,
        outcomes=fields.get("outcomes", {}),
    ).save()


def test_blasts_newest_first_with_their_outcomes(api, app_client):
    seed_blast(1, at=T0)
    seed_blast(2, kind="sms", at=T0 + 10, outcomes={"Success": 2, "Busy": 1})
    seed_blast(3, eid=2, at=T0 + 20)
    body = xml(api.get("/blasts").body)
    blasts = list(body.iter("blast"))
    assert [b.findtext("blastId") for b in blasts] == ["2", "1"]
    assert blasts[0].findtext("currentState") == "complete"
    assert blasts[0].findtext("ended") == "3" and blasts[0].findtext("pending") == "0"
    assert [(o.findtext("result"), o.findtext("count")) for o in blasts[0].iter("outcome")] == [
        ("Busy", "1"),
        ("Success", "2"),
    ]
    assert blasts[1].findtext("currentState") == "started"
    assert [
        b.findtext("blastId") for b in xml(api.get("/blasts?kind=voice").body).iter("blast")
    ] == ["1"]
    data = json.loads(api.get("/blasts?output=json&pageSize=1").body)
    assert [b["blastId"] for b in data["blasts"]] == [2]
    rest = json.loads(api.get(f"/blasts?output=json&pageToken={data['nextPageToken']}").body)
    assert [b["blastId"] for b in rest["blasts"]] == [1] and "nextPageToken" not in rest
    two = other_enterprise(app_client)
    assert [b.findtext("blastId") for b in xml(two.get("/blasts").body).iter("blast")] == ["3"]


# -- usage ------------------------------------------------------------------------------


def _ended_call_record(
    call_id: int,
    *,
    eid: int = 1,
    user_id: int = 7,
    kind: str = "call",
    mou: str = "1.3",
    state: str = "complete",
    at: int = T0,
    request=None,
    attempts=(),
):
    from chalicelib.store.models import Call

    item = Call(
        call_id,
        eid=eid,
        user_id=user_id,
        kind=kind,
        time_scheduled=at - 100,
        time_completed=at,
        state=state,
        success=state == "complete",
        mou=Decimal(mou),
        request=request or {},
        attempts=list(attempts),
    )
    new = item.serialize()
    old = {**new, "state": {"S": "connected"}}
    return {
        "eventSourceARN": f"arn:aws:dynamodb:us-east-1:1:table/{Call.Meta.table_name}/stream/x",
        "dynamodb": {"OldImage": old, "NewImage": new, "SequenceNumber": "1"},
    }


def test_usage_counts_each_ended_call_once_per_day_and_per_user(api):
    from chalicelib.store import usage

    assert usage.count_change(_ended_call_record(1, mou="1.3"))
    assert not usage.count_change(_ended_call_record(1, mou="1.3"))  # read twice: once
    assert usage.count_change(_ended_call_record(2, mou="0.1", user_id=8, at=T0 + 86400))
    assert usage.count_change(_ended_call_record(3, mou="0", state="failed"))
    assert usage.count_change(_ended_call_record(4, eid=2, mou="9"))
    body = xml(api.get("/usage?from=2026-05-28&to=2026-05-30").body)
    rows = [(r.findtext("day"), r.findtext("calls"), r.findtext("mou")) for r in body.iter("row")]
    assert rows == [("2026-05-28", "2", "1.3"), ("2026-05-29", "1", "0.1")]
    total = body.find("total")
    assert (total.findtext("calls"), total.findtext("mou")) == ("3", "1.4")
    assert total.find("cost").findtext("estimate") == "1"
    by_user = xml(api.get("/usage?from=2026-05-28&to=2026-05-30&groupBy=user").body)
    assert [(r.findtext("userId"), r.findtext("mou")) for r in by_user.iter("row")] == [
        ("7", "1.3"),
        ("8", "0.1"),
    ]
    one = xml(api.get("/usage?from=2026-05-28&to=2026-05-30&userId=8").body)
    assert [(r.findtext("day"), r.findtext("calls")) for r in one.iter("row")] == [
        ("2026-05-29", "1")
    ]


def test_a_blast_recipient_counts_its_outcome_on_its_blast(api):
    from chalicelib.store import usage

    seed_blast(5, recipients=2)
    assert usage.count_change(
        _ended_call_record(1000, kind="blast", request={"blastId": 5, "n": 0})
    )
    assert not usage.count_change(
        _ended_call_record(1000, kind="blast", request={"blastId": 5, "n": 0})
    )
    blast = next(xml(api.get("/blasts").body).iter("blast"))
    assert [(o.findtext("result"), o.findtext("count")) for o in blast.iter("outcome")] == [
        ("Success", "1")
    ]
    assert blast.findtext("pending") == "1"


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("from=2026-13-01&to=2026-12-01", 916),
        ("to=2026-12-01", 900),
        ("from=2026-12-02&to=2026-12-01", 902),
        ("from=2025-01-01&to=2026-12-01", 902),
        ("from=2026-12-01&to=2026-12-01&groupBy=week", 901),
    ],
)
def test_bad_usage_ranges(api, query, code):
    assert error_codes(api.get(f"/usage?{query}").body) == [code]


# -- alerts -------------------------------------------------------------------------------


def test_alerts_newest_first_by_level_paged(api, app_client):
    from chalicelib.store import alerts

    for i in range(5):
        alerts.raise_alert(
            1,
            "error" if i % 2 else "warning",
            "callback",
            f"failed {i}",
            at=T0 + i,
            url="https://example.com/x",
            attempts=9,
            status=500,
        )
    alerts.raise_alert(2, "error", "carrier", "theirs", at=T0)
    body = xml(api.get("/alerts?pageSize=2").body)
    assert [a.findtext("message") for a in body.iter("alert")] == ["failed 4", "failed 3"]
    first = next(body.iter("alert"))
    assert {d.findtext("name"): d.findtext("value") for d in first.iter("detail")} == {
        "attempts": "9",
        "status": "500",
        "url": "https://example.com/x",
    }
    token = body.findtext("nextPageToken")
    rest = xml(api.get(f"/alerts?pageSize=5&pageToken={token}").body)
    assert [a.findtext("message") for a in rest.iter("alert")] == [
        "failed 2",
        "failed 1",
        "failed 0",
    ]
    assert rest.find("nextPageToken") is None
    errors = xml(api.get("/alerts?level=error").body)
    assert [a.findtext("message") for a in errors.iter("alert")] == ["failed 3", "failed 1"]
    after = xml(api.get(f"/alerts?after={T0 + 3}").body)
    assert [a.findtext("message") for a in after.iter("alert")] == ["failed 4", "failed 3"]
    two = other_enterprise(app_client)
    assert [a.findtext("message") for a in xml(two.get("/alerts").body).iter("alert")] == ["theirs"]
    fails(
        api.get(
            "/alerts?pageToken="
            + base64.urlsafe_b64encode(b'{"l":"alerts","p":{"k":"x"}}').decode()
        ),
        400,
        902,
    )


def test_operators_see_the_newest_calls_of_every_enterprise_merged(api, app_client):
    from chalicelib.store import enterprises, listing

    seed_calls(5, kinds=("call", "blast"))
    other_enterprise(app_client)
    seed_calls(3, eid=2, first=100, start=T0 + 2)
    latest = listing.latest_calls(enterprises.all_ids(), 4, kinds=("call",))
    assert [(c.eid, c.call_id) for c in latest] == [(2, 102), (1, 5), (2, 101), (2, 100)]


def test_text_to_speech_counts_the_characters_polly_was_asked_for(api):
    from chalicelib import clock
    from chalicelib.store import usage
    from tests.api.people import new_user

    user = new_user(api)
    for _ in range(2):  # the second is the stored speech: Polly is not asked again
        ok(api.post("/ttspreview", {"userId": user, "text": "Hello there"}), 201)
    today = usage.day_of(clock.now())
    row = next(xml(api.get(f"/usage?from={today}&to={today}&groupBy=user").body).iter("row"))
    assert (row.findtext("userId"), row.findtext("ttsCharacters")) == (str(user), "11")
    assert row.findtext("calls") == "0"


def test_a_conference_bills_its_moderator_when_it_closes_and_its_legs_count_as_calls(api):
    from chalicelib.store import usage
    from chalicelib.store.models import Conference

    room = Conference(
        3,
        eid=1,
        moderator=9,
        room="r",
        started=T0 - 600,
        duration=600,
        closed=T0,
        mou=Decimal("10.0"),
    )
    new = room.serialize()
    old = {k: v for k, v in new.items() if k not in ("closed", "mou")}
    table = Conference.Meta.table_name
    record = {
        "eventSourceARN": f"arn:aws:dynamodb:us-east-1:1:table/{table}/stream/x",
        "dynamodb": {"OldImage": old, "NewImage": new, "SequenceNumber": "2"},
    }
    assert usage.count_change(record)
    assert not usage.count_change(record)
    assert usage.count_change(_ended_call_record(50, kind="conference", mou="9.9", user_id=9))
    body = xml(api.get("/usage?from=2026-05-28&to=2026-05-28&userId=9").body)
    row = next(body.iter("row"))
    assert (row.findtext("calls"), row.findtext("mou")) == ("1", "10.0")  # the leg's is not billed


def test_an_sms_recipient_counts_its_texts_and_segments_and_a_refused_text_alerts(api):
    from chalicelib.store import usage
    from chalicelib.store.models import AttemptMap, Blast

    seed_blast(6, kind="sms", recipients=1)
    blast = Blast.get(6)
    blast.text = "x" * 200  # two segments
    blast.save()
    texts = [
        AttemptMap(
            key="0.0",
            role="recipient",
            number="3035551212",
            result="Success",
            at=T0,
            message_id="m1",
            reason="delivered",
        ),
        AttemptMap(
            key="0.1",
            role="recipient",
            number="3035550100",
            result="Failed",
            at=T0,
            reason="optedOut",
        ),
    ]
    record = _ended_call_record(
        1000, kind="blastsms", request={"blastId": 6, "n": 0}, attempts=texts, mou="0"
    )
    assert usage.count_change(record)
    assert not usage.count_change(record)  # read twice: counted once, one alert
    row = next(xml(api.get("/usage?from=2026-05-28&to=2026-05-28").body).iter("row"))
    assert (row.findtext("calls"), row.findtext("texts"), row.findtext("segments")) == (
        "0",
        "1",
        "2",
    )
    alerts = list(xml(api.get("/alerts").body).iter("alert"))
    assert [(a.findtext("level"), a.findtext("kind")) for a in alerts] == [("warning", "text")]
    detail = {d.findtext("name"): d.findtext("value") for d in alerts[0].iter("detail")}
    assert (detail["number"], detail["reason"], detail["blastId"]) == (
        "3035550100",
        "optedOut",
        "6",
    )
