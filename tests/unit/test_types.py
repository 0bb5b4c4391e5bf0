"""The OCP data types: the reference's printed examples, RULINGS, and properties."""

import re
import socket
from decimal import Decimal

import pytest
from email_validator import EmailUndeliverableError
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.errors import OcpError
from chalicelib.protocol.types import (
    Destination,
    Phone,
    destination,
    destinations,
    double_text,
    dtmf,
    email,
    numeric,
    phone,
    string,
    to_amount,
    to_int,
    unix_time,
    xml_chars,
)

# Per test, not a global profile: other test modules keep their own settings.
quick = settings(max_examples=60, deadline=None)


def codes(error: OcpError) -> list[int]:
    return [d.code for d in error.details]


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Unit tests never touch the network; an attempt fails the test loudly."""

    def refuse(*_args, **_kwargs):
        raise AssertionError("network access in a unit test")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


# --- sanitisers: the reference's "Data Types" table -------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("1", "1"),
        ("One", ""),
        ("Test5", "5"),
        ("54.01", "5401"),
    ],
)
def test_numeric_printed_examples(raw, expected):
    assert numeric(raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("123456#", "123456#"),
        ("###ab44", "###44"),  # the reference prints "**##44", a typo (RULINGS)
        ("default pin", ""),
        ("*1.2#", "*12#"),
    ],
)
def test_dtmf_printed_examples(raw, expected):
    assert dtmf(raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Hello", "Hello"),
        ("Hi there", "Hi there"),
        ("<? I'm a hacker ?> named joe", "named joe"),
        ("<b>x</b>", "x"),
        ('<a title="x>y">link</a> text', "link text"),
        ("a <!-- hidden --> b", "a  b"),
        ("1 < 2 and 3 > 2", "1 < 2 and 3 > 2"),  # "<" before a space is text, as in PHP
        ("bold<b", "bold"),  # an unclosed tag runs to the end, as in PHP
        ("  padded  ", "padded"),
    ],
)
def test_string_strips_html_and_php_tags(raw, expected):
    assert string(raw) == expected


def test_unix_time_keeps_digits_only():
    assert unix_time("1214928000.5 GMT") == "12149280005"


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("12.34", "12.34"),
        ("$1,000.50", "1000.50"),
        ("-3.5", "-3.5"),
        ("-$3", "-3"),
        ("1.2.3", "1.23"),
        ("5-3", "53"),
        ("abc", ""),
    ],
)
def test_double_text_keeps_digits_one_point_and_a_leading_minus(raw, expected):
    assert double_text(raw) == expected


@quick
@given(st.text())
def test_numeric_keeps_only_ascii_digits_and_is_idempotent(raw):
    out = numeric(raw)
    assert re.fullmatch(r"[0-9]*", out)
    assert out == "".join(c for c in raw if c in "0123456789")
    assert numeric(out) == out


@quick
@given(st.text())
def test_dtmf_keeps_only_keypad_characters_and_is_idempotent(raw):
    out = dtmf(raw)
    assert re.fullmatch(r"[0-9#*]*", out)
    assert dtmf(out) == out


@quick
@given(st.text(alphabet="<>?!-/'\"= abcx\t"))
def test_string_leaves_nothing_that_reads_as_a_tag_and_is_idempotent(raw):
    out = string(raw)
    # every surviving "<" is followed by whitespace or ends the text
    assert not re.search(r"<\S", out)
    assert string(out) == out


@quick
@given(st.text().filter(lambda s: "<" not in s))
def test_string_without_tags_is_only_trimmed(raw):
    assert string(raw) == raw.strip()


@quick
@given(st.text(alphabet="0123456789.-$, ab"))
def test_double_text_output_is_a_number_shape_and_idempotent(raw):
    out = double_text(raw)
    assert re.fullmatch(r"-?[0-9]*\.?[0-9]*", out)
    assert double_text(out) == out


# --- to_int / to_amount -----------------------------------------------------------


def test_to_int_sanitises_then_converts():
    assert to_int("hour", "Test5") == 5
    assert to_int("hour", "23", low=0, high=23) == 23


def test_to_int_empty_after_sanitising_is_900():
    with pytest.raises(OcpError) as caught:
        to_int("phoneType", "One")
    assert codes(caught.value) == [900]
    assert caught.value.details[0].message == "phoneType is required but was not received"


def test_to_int_out_of_range_uses_the_callers_code():
    with pytest.raises(OcpError) as caught:
        to_int("phoneType", "5", low=1, high=4, code=901)
    assert codes(caught.value) == [901]
    assert caught.value.details[0].message == ("phoneType must be one of the following: 1, 2, 3, 4")
    with pytest.raises(OcpError) as caught:
        to_int("startHour", "24", low=0, high=23)
    assert caught.value.details[0].message == "startHour (24) does not contain a valid value"


def test_to_int_keeps_a_minus_only_where_the_range_allows_negatives():
    # timezone is numeric with range -11..+12 (reference, calltimeexception)
    assert to_int("timezone", "-7", low=-11, high=12) == -7
    assert to_int("timezone", "+12", low=-11, high=12) == 12
    assert to_int("hour", "-7", low=0, high=23) == 7
    with pytest.raises(OcpError) as caught:
        to_int("timezone", "-12", low=-11, high=12)
    assert codes(caught.value) == [902]


def test_to_int_absurdly_long_is_out_of_range_not_a_crash():
    with pytest.raises(OcpError) as caught:
        to_int("days", "9" * 5000, low=1, high=127)
    assert codes(caught.value) == [902]


@quick
@given(st.integers(min_value=-11, max_value=12))
def test_to_int_reads_every_value_in_range(value):
    assert to_int("timezone", str(value), low=-11, high=12) == value


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("1.01", Decimal("1.01")),
        ("-3.5", Decimal("-3.5")),
        ("$50.25", Decimal("50.25")),
        ("100", Decimal("100")),
        ("-0", Decimal("0")),
    ],
)
def test_to_amount_reads_exact_decimals(raw, expected):
    value = to_amount("amount", raw)
    assert value == expected and isinstance(value, Decimal)
    assert str(value) == str(expected)


@pytest.mark.parametrize("raw", ["12.345", "5.", ".5", "1.2.3", "-", "."])
def test_to_amount_rejects_what_is_not_an_amount_with_912(raw):
    with pytest.raises(OcpError) as caught:
        to_amount("amount", raw)
    assert codes(caught.value) == [912]
    assert caught.value.details[0].message == f"amount ({raw}) does not contain a valid amount"


def test_to_amount_that_sanitises_to_nothing_is_900():
    with pytest.raises(OcpError) as caught:
        to_amount("amount", "abc")
    assert codes(caught.value) == [900]


def test_to_amount_honours_places():
    # minutes are exact to 1 decimal place (RULINGS, mouallowed)
    assert to_amount("minutes", "12.5", places=1) == Decimal("12.5")
    with pytest.raises(OcpError):
        to_amount("minutes", "12.55", places=1)


@quick
@given(
    st.decimals(
        places=2, min_value=-(10**12), max_value=10**12, allow_nan=False, allow_infinity=False
    )
)
def test_to_amount_round_trips_any_two_place_decimal(value):
    assert to_amount("amount", format(value, "f")) == value


# --- phone: "Specifying a Phone Number Value" ------------------------------------


@pytest.mark.parametrize(
    "raw, country, city, digits, e164, display",
    [
        ("3035551212", "1", "", "3035551212", "+13035551212", "3035551212"),
        ("1 3035551212", "1", "", "3035551212", "+13035551212", "3035551212"),
        ("44 20 77994044", "44", "20", "77994044", "+442077994044", "44 20 77994044"),
        ("33 1 49 54 46 46", "33", "1", "49544646", "+33149544646", "33 1 49544646"),
    ],
)
def test_phone_printed_valid_numbers(raw, country, city, digits, e164, display):
    parsed = phone("phoneNumber", raw)
    assert parsed == Phone(country, city, digits)
    assert parsed.e164 == parsed.key == e164
    assert parsed.display == display


@pytest.mark.parametrize(
    "raw",
    [
        "4420 77994044",  # printed: no such country code
        "33149544646",  # printed: 11 digits, no spaces, no country code
        "abc",
        "12345",
        "303-555-1212",
        "(303) 5551212",
        "13035551212",
        "0305551212",
        "3031551212",  # NANP area code / exchange start with 2-9
        "44 020 77994044",  # trunk prefix in the city code
        "44 7799",
        "999 20 1234567",
        "044 20 77994044",
        "1 303555121",
    ],
)
def test_phone_invalid_numbers_are_920(raw):
    with pytest.raises(OcpError) as caught:
        phone("phoneNumber", raw)
    assert codes(caught.value) == [920]
    assert caught.value.details[0].message == (
        f"phoneNumber ({raw}) does not contain a valid phone"
    )


@pytest.mark.parametrize("raw", ["", "   "])
def test_phone_missing_is_900(raw):
    with pytest.raises(OcpError) as caught:
        phone("phoneNumber", raw)
    assert codes(caught.value) == [900]


def test_phone_accepts_the_simulated_carriers_fictional_numbers():
    assert phone("phoneNumber", "3035550101").digits == "3035550101"


@pytest.mark.parametrize(
    "raw, expected",
    [
        (" 3035551212 ", Phone("1", "", "3035551212")),
        ("+1 3035551212", Phone("1", "", "3035551212")),
        ("+13035551212", Phone("1", "", "3035551212")),
        ("+44 20 77994044", Phone("44", "20", "77994044")),
        ("39 06 12345678", Phone("39", "06", "12345678")),  # Italy keeps its leading 0
    ],
)
def test_phone_tolerated_forms(raw, expected):
    assert phone("phoneNumber", raw) == expected


def test_same_number_typed_differently_has_one_key():
    assert (
        phone("p", "44 20 77994044").key
        == phone("p", "+442077994044").key
        == phone("p", "44 20 7799 4044").key
    )


nanp_digits = st.from_regex(r"\A[2-9][0-9]{2}[2-9][0-9]{6}\Z")


@quick
@given(nanp_digits)
def test_phone_reads_back_its_display_for_any_nanp_number(digits):
    parsed = phone("phoneNumber", digits)
    assert parsed == Phone("1", "", digits)
    assert phone("phoneNumber", parsed.display) == parsed
    assert phone("phoneNumber", "1 " + digits) == parsed


# --- email -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("user@yahoo.com", "user@yahoo.com"),
        ("User.Name@Yahoo.COM", "user.name@yahoo.com"),
        ("  joe@example.org ", "joe@example.org"),
    ],
)
def test_email_is_normalised_and_lower_cased(raw, expected):
    assert email("email", raw, check_dns=False) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "not-an-email",
        "user@",
        "@yahoo.com",
        "a b@yahoo.com",
        "user@@yahoo.com",
        "user@localhost",
        "user@yahoo",
    ],
)
def test_email_invalid_is_915(raw):
    with pytest.raises(OcpError) as caught:
        email("email", raw, check_dns=False)
    assert codes(caught.value) == [915]
    assert caught.value.details[0].message == f"email ({raw}) does not contain a valid email"


def test_email_missing_is_900():
    with pytest.raises(OcpError) as caught:
        email("email", "", check_dns=False)
    assert codes(caught.value) == [900]


@pytest.mark.parametrize("check_dns", [True, False])
def test_email_dns_check_is_the_callers_setting(monkeypatch, check_dns):
    seen = []

    def fake_validate(address, *, check_deliverability, dns_resolver=None):
        seen.append(check_deliverability)
        raise EmailUndeliverableError("no MX")

    import email_validator  # types imports it on first use, from the package

    monkeypatch.setattr(email_validator, "validate_email", fake_validate)
    with pytest.raises(OcpError) as caught:
        email("email", "user@nowhere.example", check_dns=check_dns)
    assert codes(caught.value) == [915]
    assert seen == [check_dns]


# --- destinations: "Specifying Origination and Destination" -----------------------


def test_destinations_printed_example():
    parsed = destinations(
        "destination", "3:3035551212,1:157,3:7205551212,2:user@yahoo.com", check_dns=False
    )
    assert parsed == [
        Destination(3, Phone("1", "", "3035551212")),
        Destination(1, 157),
        Destination(3, Phone("1", "", "7205551212")),
        Destination(2, "user@yahoo.com"),
    ]
    assert [d.wire() for d in parsed] == [
        "3:3035551212",
        "1:157",
        "3:7205551212",
        "2:user@yahoo.com",
    ]


def test_destinations_international_phone_keeps_its_spaces():
    parsed = destinations("destination", " 3:44 20 77994044,2:User@Yahoo.com ", check_dns=False)
    assert parsed == [
        Destination(3, Phone("44", "20", "77994044")),
        Destination(2, "user@yahoo.com"),
    ]
    assert parsed[0].wire() == "3:44 20 77994044"


def test_destinations_reports_every_bad_pair_at_once():
    with pytest.raises(OcpError) as caught:
        destinations(
            "destination",
            "4:1,1:0,1:157,2:bad,3:4420 77994044,1:abc,3:",
            check_dns=False,
            bad_type_code=301,
        )
    assert codes(caught.value) == [301, 922, 915, 920, 922, 920]
    messages = [d.message for d in caught.value.details]
    # each bad entry by its position and value
    assert messages[0] == "Invalid Termination Type supplied: destination entry 1 (4:1)"
    assert messages[1] == "destination entry 2 (0) does not contain a valid user id"
    assert messages[3] == "destination entry 5 (4420 77994044) does not contain a valid phone"


@pytest.mark.parametrize("raw", ["4:1", "0:1", "x:1", "157", "", " :1"])
def test_destinations_bad_type_uses_the_callers_code(raw):
    text = f"1:157,{raw}"
    with pytest.raises(OcpError) as caught:
        destinations("origination", text, check_dns=False, bad_type_code=302)
    assert codes(caught.value) == [302]


def test_destinations_missing_is_900():
    with pytest.raises(OcpError) as caught:
        destinations("destination", "  ", check_dns=False)
    assert codes(caught.value) == [900]


def test_destination_is_exactly_one_pair():
    assert destination("origination", "1:157", check_dns=False) == Destination(1, 157)
    with pytest.raises(OcpError) as caught:
        destination("origination", "1:157,1:158", check_dns=False)
    assert codes(caught.value) == [902]
    with pytest.raises(OcpError) as caught:
        destination("origination", "5:157", check_dns=False, bad_type_code=302)
    assert codes(caught.value) == [302]
    with pytest.raises(OcpError) as caught:
        destination("origination", "", check_dns=False)
    assert codes(caught.value) == [900]


user_ids = st.integers(min_value=1, max_value=10**12).map(lambda n: Destination(1, n))
emails = st.from_regex(r"\A[a-z0-9]{1,12}@[a-z]{2,12}\.(com|org|net)\Z").map(
    lambda a: Destination(2, a)
)
phones = st.one_of(
    nanp_digits.map(lambda d: Phone("1", "", d)),
    st.sampled_from(
        [
            Phone("44", "20", "77994044"),
            Phone("33", "1", "49544646"),
            Phone("39", "06", "12345678"),
            Phone("65", "", "61234567"),
        ]
    ),
).map(lambda p: Destination(3, p))


@quick
@given(st.lists(st.one_of(user_ids, emails, phones), min_size=1, max_size=6))
def test_destination_wire_round_trips(items):
    wire = ",".join(d.wire() for d in items)
    assert destinations("destination", wire, check_dns=False) == items


@quick
@given(st.text(alphabet="0123456789 +", max_size=20))
def test_any_accepted_phone_reads_back_its_display(raw):
    try:
        parsed = phone("phoneNumber", raw)
    except OcpError as error:
        refused = codes(error)
    else:
        refused = None
    if refused is not None:
        assert refused in ([900], [920])
        return
    assert phone("phoneNumber", parsed.display) == parsed
    typed = "".join(c for c in raw if c.isdigit())
    domestic = typed == raw.strip()  # 10 bare digits: NANP without its country code
    assert parsed.key == ("+1" if domestic else "+") + typed


@quick
@given(st.text(alphabet="0123:,@.ab +", max_size=30))
def test_destinations_fails_only_with_ocp_errors(raw):
    try:
        parsed = destinations("destination", raw, check_dns=False)
    except OcpError:
        return
    assert (
        destinations("destination", ",".join(d.wire() for d in parsed), check_dns=False) == parsed
    )


def test_xml_chars_keeps_exactly_the_characters_of_xml_1_0():
    # XML 1.0 "Char": #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
    def is_xml_char(c: int) -> bool:
        return (
            c in (0x9, 0xA, 0xD)
            or 0x20 <= c <= 0xD7FF
            or 0xE000 <= c <= 0xFFFD
            or 0x10000 <= c <= 0x10FFFF
        )

    every = "".join(map(chr, range(0x110000)))
    assert xml_chars(every) == "".join(chr(c) for c in range(0x110000) if is_xml_char(c))
