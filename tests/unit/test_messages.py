"""The workflows' queue and schedule messages: what `encode` writes, `decode` reads back,
and the JSON on the wire is the contract the consumers and tests already read."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.destinations import Destination
from chalicelib.domain.numbers import Phone
from chalicelib.domain.resolve import Origin
from chalicelib.domain.subscriptions import TYPES, Subscription
from chalicelib.workflows.firing import Firing
from chalicelib.workflows.messages import (
    Pace,
    RecipientBatch,
    StartBlast,
    UnknownAction,
    decode_fanout,
)

ids = st.integers(1, 2**53)
texts = st.text(max_size=30)
phones = st.builds(
    Phone,
    st.sampled_from(["1", "44", "33"]),
    st.sampled_from(["", "20"]),
    st.text("0123456789", min_size=4, max_size=10),
)
destinations = st.one_of(
    st.builds(Destination, st.just(1), ids),
    st.builds(Destination, st.just(2), st.emails()),
    st.builds(Destination, st.just(3), phones),
)
origins = st.builds(
    Origin, st.one_of(st.none(), ids), st.frozensets(st.text("+0123456789", max_size=12))
)
subscriptions = st.builds(
    Subscription,
    st.just("https://example.com/hook"),
    st.lists(st.sampled_from(TYPES), min_size=1, unique=True).map(tuple),
)
floats = st.floats(0, 2e9, allow_nan=False)
batches = st.builds(
    RecipientBatch,
    blast_id=ids,
    kind=st.sampled_from(["voice", "sms"]),
    eid=ids,
    user_id=ids,
    time=st.integers(0, 2**33),
    first_call_id=ids,
    first=st.integers(0, 10_000),
    terminations=st.lists(destinations, max_size=5).map(tuple),
    origin=origins,
    caller_id=st.one_of(st.none(), st.just("+13035551212")),
    calling_number=texts,
    announcement=st.one_of(st.none(), st.fixed_dictionaries({"audioKey": texts})),
    text=st.one_of(st.none(), texts),
    pace=st.one_of(st.none(), st.builds(Pace, floats, floats)),
    callback=st.one_of(st.none(), subscriptions),
)


def _wire(data: dict) -> dict:
    """Through JSON, as SQS carries it."""
    return json.loads(json.dumps(data, separators=(",", ":")))


@given(st.text(min_size=1), ids, st.integers(0, 2**31))
def test_a_firing_reads_back(kind: str, item_id: int, version: int) -> None:
    firing = Firing(kind, item_id, version)
    assert firing.encode() == {"kind": kind, "id": item_id, "version": version}
    assert Firing.decode(_wire(firing.encode())) == firing


@pytest.mark.parametrize(
    "data", [None, [], {}, {"kind": "blast", "id": "1", "version": 1}, {"kind": 3, "id": 1}]
)
def test_a_firing_that_names_no_work_is_refused(data: object) -> None:
    with pytest.raises(ValueError):
        Firing.decode(data)


@given(ids, st.integers(0, 2**31))
def test_a_start_reads_back(blast_id: int, version: int) -> None:
    start = StartBlast(blast_id, version)
    assert start.encode() == {"action": "start", "blastId": blast_id, "version": version}
    assert decode_fanout(_wire(start.encode())) == start


@given(batches)
def test_a_recipient_batch_reads_back(batch: RecipientBatch) -> None:
    assert decode_fanout(_wire(batch.encode())) == batch


@given(batches, st.integers(0, 5))
def test_the_rest_of_a_batch_is_the_same_message_from_a_later_recipient(
    batch: RecipientBatch, skip: int
) -> None:
    rest = batch.rest(batch.first + skip)
    assert rest.encode() == {
        **batch.encode(),
        "first": batch.first + skip,
        "terminations": batch.encode()["terminations"][skip:],
    }


def test_a_batch_on_the_wire_is_the_fan_out_contract() -> None:
    batch = RecipientBatch(
        blast_id=7,
        kind="voice",
        eid=1,
        user_id=235,
        time=100,
        first_call_id=5000,
        first=100,
        terminations=(Destination(3, Phone("1", "", "3035551212")), Destination(1, 17)),
        origin=Origin(235, frozenset({"+13035550000", "+13035550001"})),
        caller_id="+13035550000",
        calling_number="3035550000",
        announcement={"audioKey": "tts/x.mp3"},
        pace=Pace(1000.0, 0.5),
    )
    assert batch.encode() == {
        "action": "recipients",
        "blastId": 7,
        "kind": "voice",
        "eid": 1,
        "userId": 235,
        "time": 100,
        "firstCallId": 5000,
        "origin": {"userId": 235, "phoneKeys": ["+13035550000", "+13035550001"]},
        "callerId": "+13035550000",
        "callingNumber": "3035550000",
        "announcement": {"audioKey": "tts/x.mp3"},
        "pace": {"from": 1000.0, "every": 0.5},
        "first": 100,
        "terminations": [[3, ["1", "", "3035551212"]], [1, 17]],
    }
    assert batch.numbered()[1] == (5101, 101, Destination(1, 17))


@pytest.mark.parametrize("data", [None, [], {}, {"action": "stop"}])
def test_a_fan_out_message_that_is_none_of_them_is_an_unknown_action(data: object) -> None:
    with pytest.raises(UnknownAction):
        decode_fanout(data)


@pytest.mark.parametrize("data", [{"action": "start"}, {"action": "recipients", "kind": 1}])
def test_a_fan_out_message_without_its_fields_is_not_dropped_as_unknown(data: dict) -> None:
    with pytest.raises(KeyError):
        decode_fanout(data)
