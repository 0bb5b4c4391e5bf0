"""Pure parts of the two additions: Idempotency-Key checks and fingerprints, event
sequence numbers, the signature header, and the example receiver's check."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.errors import OcpError
from chalicelib.events import ANSWERED, COMPLETED, INITIATED, TYPES, Subscription, signing
from chalicelib.protocol.idempotency import check_key, fingerprint
from chalicelib.protocol.params import Upload, Variables, read, subscription
from examples.callback_receiver import verify

# -- Idempotency-Key -------------------------------------------------------------------------


@given(
    st.text(
        alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=255
    )
)
def test_every_printable_ascii_key_up_to_255_is_taken_as_it_is(key):
    assert check_key(f"  {key} ") == key


@pytest.mark.parametrize(
    "raw,code", [("", 903), ("k" * 256, 903), ("\u00e9t\u00e9", 902), ("a\nb", 902)]
)
def test_other_keys_are_refused(raw, code):
    with pytest.raises(OcpError) as e:
        check_key(raw)
    assert e.value.code == code


def variables(values: dict, files: dict | None = None) -> Variables:
    return Variables({k.lower(): v for k, v in values.items()}, files or {})


def test_the_fingerprint_is_method_route_and_variables_in_any_order():
    one = fingerprint("POST", "/call", variables({"userId": "1", "text": "Hi"}))
    assert one == fingerprint("post", "/call", variables({"text": "Hi", "USERID": "1"}))
    assert one != fingerprint("PUT", "/call", variables({"userId": "1", "text": "Hi"}))
    assert one != fingerprint("POST", "/ttspreview", variables({"userId": "1", "text": "Hi"}))
    assert one != fingerprint("POST", "/call", variables({"userId": "1", "text": "Hi!"}))
    assert one != fingerprint("POST", "/call", variables({"userId": "1"}))


def test_a_file_part_counts_by_name_and_content():
    def with_file(data: bytes, name: str = "a.mp3") -> str:
        return fingerprint(
            "POST", "/blastVoice", variables({"userId": "1"}, {"audiofile": Upload(name, "", data)})
        )

    assert with_file(b"abc") == with_file(b"abc")
    assert with_file(b"abc") != with_file(b"abd")
    assert with_file(b"abc") != with_file(b"abc", "b.mp3")


# -- statusCallbackEvents and sequence numbers -------------------------------------------------


def test_events_are_chosen_by_name_in_any_case_and_order():
    from chalicelib.protocol.params import STATUS_CALLBACK

    _url_field, events_field = STATUS_CALLBACK
    chosen = events_field.parse("statusCallbackEvents", "Completed, initiated")
    assert chosen == (INITIATED, COMPLETED)
    with pytest.raises(OcpError) as e:
        events_field.parse("statusCallbackEvents", "completed,ringing")
    assert e.value.code == 901
    assert subscription({"statusCallback": None, "statusCallbackEvents": None}) is None
    with pytest.raises(OcpError) as e:
        subscription({"statusCallback": None, "statusCallbackEvents": (COMPLETED,)})
    assert e.value.code == 900
    assert subscription({"statusCallback": "https://h.example/", "statusCallbackEvents": None}) == (
        Subscription("https://h.example/", TYPES)
    )


def test_a_request_naming_no_callback_reads_none():
    from chalicelib.protocol.params import STATUS_CALLBACK

    assert subscription(read(variables({}), *STATUS_CALLBACK)) is None


@given(st.sets(st.sampled_from(TYPES), min_size=1))
def test_sequence_numbers_count_the_events_sent_before(chosen):
    sub = Subscription("https://h.example/", tuple(t for t in TYPES if t in chosen))
    # A call that rang, connected and ended: the events sent are numbered 1, 2, 3 in order
    numbers = [
        sub.sequence(t, happened)
        for t, happened in (
            (INITIATED, ()),
            (ANSWERED, (INITIATED,)),
            (COMPLETED, (INITIATED, ANSWERED)),
        )
        if sub.wants(t)
    ]
    assert numbers == list(range(1, len(numbers) + 1))


def test_a_subscription_round_trips_through_its_stored_form():
    sub = Subscription("https://h.example/x", (COMPLETED,))
    assert Subscription.of(sub.to_map()) == sub
    assert Subscription.of(None) is None


# -- signatures ------------------------------------------------------------------------------------


def test_the_header_has_the_time_and_one_signature_per_secret():
    body = b'{"id":"call-1-completed"}'
    header = signing.header(["new", "old"], 1212186144, body)
    expected = [
        hmac.new(s.encode(), b"1212186144." + body, hashlib.sha256).hexdigest()
        for s in ("new", "old")
    ]
    assert header == f"t=1212186144,v1={expected[0]},v1={expected[1]}"


@given(st.binary(max_size=300), st.text(min_size=1, max_size=40))
def test_the_receiver_accepts_what_is_signed_and_nothing_else(body, secret):
    header = signing.header([secret], 1000, body)
    assert verify(header, body, [secret], now=1000)
    assert verify(header, body, ["other", secret], now=1000 + 300)
    assert not verify(header, body + b"x", [secret], now=1000)
    assert not verify(header, body, [secret + "x"], now=1000)
    assert not verify(header, body, [secret], now=1000 + 301)  # too old: a replay
    assert not verify(header.replace("t=1000", "t=1001"), body, [secret], now=1000)


@pytest.mark.parametrize("header", ["", "v1=abc", "t=,v1=abc", "t=1,t=1,v1=abc", "t=x,v1=abc"])
def test_the_receiver_refuses_a_malformed_header(header):
    assert not verify(header, b"{}", ["s"], now=1)


# -- the URL rules, shared with blast audio (media/fetch.py) -------------------------------------


def test_a_network_allowed_locally_is_exempt_and_only_it():
    import ipaddress

    from chalicelib.media import fetch

    def resolve(name, port):
        return ["127.0.0.1"]

    local = (ipaddress.ip_network("127.0.0.0/8"),)
    with pytest.raises(fetch.Refused):
        fetch.vet("http://localhost:8216/", resolve)
    assert fetch.vet("http://localhost:8216/", resolve, local).ip == "127.0.0.1"
    with pytest.raises(fetch.Refused):
        fetch.vet("http://169.254.169.254/", resolve, local)
    with pytest.raises(fetch.Refused):
        fetch.vet("http://127.0.0.1:22/", resolve, local)  # a well-known port stays refused
