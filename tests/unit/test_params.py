"""protocol.params: where variables come from, and reporting every bad one at once."""

import json

import pytest

from chalicelib.errors import OcpError
from chalicelib.protocol import params
from chalicelib.protocol.params import Choice, Flag, Id, Int, Text


def variables(query=None, body=b"", content_type=None):
    headers = {"content-type": content_type} if content_type else {}
    return params.from_request(query, headers, body)


def test_query_names_are_case_insensitive():
    v = variables({"phoneNumber": "3035551212", "HIDEANI": "1"})
    assert v.get("phonenumber") == "3035551212"
    assert v.get("hideAni") == "1"


def test_form_body_wins_over_the_query_string():
    v = variables({"userId": "1", "x": "q"}, b"userId=2", "application/x-www-form-urlencoded")
    assert (v.get("userid"), v.get("x")) == ("2", "q")


def test_a_body_without_content_type_is_read_as_a_form():
    assert variables(body=b"firstName=Jo+Ann").get("firstname") == "Jo Ann"


def test_json_object_bodies():
    v = variables(
        body=json.dumps({"userId": 7, "Text": "hi", "tryall": True}).encode(),
        content_type="application/json",
    )
    assert (v.get("userid"), v.get("text"), v.get("tryall")) == ("7", "hi", "1")


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]"])
def test_json_bodies_that_are_not_objects_are_902(body):
    with pytest.raises(OcpError) as e:
        variables(body=body, content_type="application/json")
    assert e.value.code == 902


def test_multipart_fields_and_files():
    boundary = "XyZ"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="userId"\r\n\r\n12\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="audioFile"; '
        f'filename="hello.mp3"\r\nContent-Type: audio/mpeg\r\n\r\nID3\x03data\r\n'
        f"--{boundary}--\r\n"
    ).encode()
    v = variables(body=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert v.get("userId") == "12"
    assert v.files["audiofile"].filename == "hello.mp3"
    assert v.files["audiofile"].data == b"ID3\x03data"


def test_path_parameters_win_and_are_url_decoded():
    v = variables({"email": "a@b.c"}).with_path({"email": "x%40y.com"})
    assert v.get("email") == "x@y.com"


def test_read_sanitises_and_reports_every_bad_variable():
    v = variables({"userId": "Test5", "phoneType": "9", "gender": "X"})
    with pytest.raises(OcpError) as e:
        params.read(
            v,
            Id("userId"),
            Int("phoneType", low=1, high=4),
            Choice("gender", ("M", "F")),
            Text("firstName", required=True),
        )
    assert [d.code for d in e.value.details] == [902, 901, 900]


def test_numeric_variables_are_sanitised_before_use():
    assert params.read(variables({"userId": "Test5"}), Id("userId")) == {"userId": 5}


def test_optional_variables_get_their_default():
    assert params.read(variables({}), Flag("exclusive"), Int("carrierId", default=0)) == {
        "exclusive": 0,
        "carrierId": 0,
    }


@pytest.mark.parametrize(
    "query,expected", [({}, ("xml", False)), ({"output": "JSON", "verbose": "1"}, ("json", True))]
)
def test_output_options(query, expected):
    assert params.output_options(variables(query)) == expected


@pytest.mark.parametrize("query", [{"output": "html"}, {"verbose": "yes"}])
def test_bad_output_options_are_901(query):
    with pytest.raises(OcpError) as e:
        params.output_options(variables(query))
    assert e.value.code == 901


def test_amounts_outside_their_bounds_are_902():
    from decimal import Decimal

    field = params.Amount("mou", places=1, low=Decimal(0), high=Decimal(100))
    assert params.read(variables({"mou": "99.9"}), field) == {"mou": Decimal("99.9")}
    for raw in ("-0.1", "100.1"):
        with pytest.raises(OcpError) as caught:
            params.read(variables({"mou": raw}), field)
        assert [d.code for d in caught.value.details] == [902]


# --- conference variables --------------------------------------------------------------------


def _read(values: dict, *fields):
    from chalicelib.protocol.params import Variables, read

    return read(Variables({k.lower(): v for k, v in values.items()}), *fields)


def _codes(values: dict, *fields) -> list[int]:
    from chalicelib.errors import OcpError

    with pytest.raises(OcpError) as caught:
        _read(values, *fields)
    return [d.code for d in caught.value.details]


def test_dtmf_keeps_touch_tones_only():
    from chalicelib.protocol.params import Dtmf

    assert _read({"pin": "###ab44*"}, Dtmf("pin")) == {"pin": "###44*"}
    assert _codes({"pin": "ab"}, Dtmf("pin", required=True)) == [900]


@pytest.mark.parametrize(
    "raw, e164",
    [
        ("3035551212", "+13035551212"),
        ("3:3035551212", "+13035551212"),
        ("44 20 77994044", "+442077994044"),
    ],
)
def test_a_termination_is_a_phone_or_a_phone_pair(raw, e164):
    from chalicelib.protocol.params import Termination

    assert _read({"phoneNumber": raw}, Termination("phoneNumber"))["phoneNumber"].e164 == e164


@pytest.mark.parametrize(
    "raw, code", [("1:157", 301), ("2:a@example.com", 301), ("7:1", 301), ("123", 920)]
)
def test_a_termination_of_another_type_is_301(raw, code):
    from chalicelib.protocol.params import Termination

    assert _codes({"phoneNumber": raw}, Termination("phoneNumber")) == [code]


def test_destinations_by_type_pair_each_value_with_a_type():
    from chalicelib.protocol.params import DestinationByType

    field = DestinationByType("destinationType", "destinationValue")
    found = _read({"destinationType": "1,3", "destinationValue": "157, 3035551212"}, field)
    assert [d.wire() for d in found["destinationType"]] == ["1:157", "3:3035551212"]
    found = _read({"destinationType": "3", "destinationValue": "3035551212,7205551212"}, field)
    assert [d.wire() for d in found["destinationType"]] == ["3:3035551212", "3:7205551212"]
    assert _read({}, field) == {"destinationType": None}


@pytest.mark.parametrize(
    "values, codes",
    [
        ({"destinationType": "4", "destinationValue": "1"}, [301]),
        ({"destinationType": "1,0", "destinationValue": "1,2"}, [301]),
        ({"destinationType": "1,3", "destinationValue": "1"}, [902]),
        ({"destinationType": "1"}, [900]),
        ({"destinationType": "1", "destinationValue": "x"}, [922]),
        ({"destinationType": "2", "destinationValue": "nobody"}, [915]),
    ],
)
def test_destinations_by_type_errors(values, codes):
    from chalicelib.protocol.params import DestinationByType

    assert _codes(values, DestinationByType("destinationType", "destinationValue")) == codes


def test_a_single_destination_by_type_refuses_several():
    from chalicelib.protocol.params import DestinationByType

    field = DestinationByType("destinationType", "destinationValue", required=True, single=True)
    assert _codes({"destinationType": "3", "destinationValue": "3035551212,7205551212"}, field) == [
        902
    ]
    assert _codes({}, field) == [900, 900]


# --- JSON types, XML characters, limits (issue 13) -----------------------------------------


def json_variables(body: dict):
    return variables(body=json.dumps(body).encode(), content_type="application/json")


def test_json_values_keep_their_type():
    v = json_variables({"a": 1e-7, "b": True, "c": [1], "d": {}, "e": "x", "f": None})
    assert (v.get("a"), v.kind("a")) == ("1e-07", params.NUMBER)
    assert (v.get("b"), v.kind("b")) == ("1", params.BOOLEAN)
    assert (v.kind("c"), v.kind("d"), v.kind("e")) == (params.ARRAY, params.OBJECT, params.STRING)
    assert not v.has("f")
    # a path parameter of the same name is a string again
    assert v.with_path({"a": "5"}).kind("a") == params.STRING


@pytest.mark.parametrize(
    ("value", "expected"), [(7, 7), (7.0, 7), (1e1, 10), (1.5, 922), (-7, 922), (True, 922)]
)
def test_a_json_number_is_an_id_only_if_it_is_a_positive_whole_number(value, expected):
    field = Id("userId", code=922)
    if isinstance(expected, int) and expected != 922:
        assert field.read(json_variables({"userId": value})) == expected
    else:
        with pytest.raises(OcpError) as caught:
            field.read(json_variables({"userId": value}))
        assert caught.value.code == 922


def test_a_json_boolean_is_a_flag_and_a_number_0_or_1_too():
    assert Flag("tryall").read(json_variables({"tryall": False})) == 0
    assert Flag("tryall").read(json_variables({"tryall": 1})) == 1
    with pytest.raises(OcpError):
        Flag("tryall").read(json_variables({"tryall": 2}))


def test_nan_and_infinity_are_not_json():
    with pytest.raises(OcpError) as caught:
        variables(body=b'{"amount": NaN}', content_type="application/json")
    assert caught.value.code == 902


def test_characters_xml_cannot_carry_are_dropped_from_names_and_values():
    v = variables({"ci\x00ty": "Den\x01ver\ufffe"}, b"zip=8\x0b0202", None)
    assert (v.get("city"), v.get("zip")) == ("Denver", "80202")
    assert v.with_path({"x": "a%00b"}).get("x") == "ab"


def test_lists_are_limited_where_the_field_says():
    field = params.Phones("phoneNumber", max_items=2)
    with pytest.raises(OcpError) as caught:
        field.read(variables({"phoneNumber": "3035551212,3035551213,3035551214"}))
    assert caught.value.code == 903
    assert len(field.read(variables({"phoneNumber": "3035551212,3035551213"}))) == 2


def test_a_schedule_time_is_at_most_the_horizon_ahead():
    from chalicelib import clock

    field = params.ScheduleTime("time")
    with clock.frozen(1_000_000):
        limit = 1_000_000 + params.SCHEDULE_HORIZON_SECONDS
        assert field.read(variables({"time": str(limit)})) == limit
        with pytest.raises(OcpError) as caught:
            field.read(variables({"time": str(limit + 1)}))
        assert caught.value.code == 916


# --- conditions: required only sometimes, read only sometimes ---------------------------


def test_a_field_required_unless_another_is_given():
    field = Text("text", required=params.not_given("audioKey", "url"))
    with pytest.raises(OcpError) as e:
        params.read(variables({}), field)
    assert e.value.code == 900
    assert params.read(variables({"url": "http://x"}), field) == {"text": None}
    with pytest.raises(OcpError):  # a blank url is not given
        params.read(variables({"url": " "}), field)
    assert field.required.text == "unless `audioKey` or `url` is given"


def test_a_field_read_only_when_its_condition_holds():
    hours = Int("startHour", required=True, low=0, high=23, when=params.not_set("all"))
    assert params.read(variables({"all": "1", "startHour": "99"}), hours) == {"startHour": None}
    with pytest.raises(OcpError) as e:
        params.read(variables({"all": "0", "startHour": "99"}), hours)
    assert e.value.code == 902


def test_sent_counts_a_blank_value_given_does_not():
    v = variables({"groupId": ""})
    assert params.sent("groupId").holds(v)
    assert not params.given("groupId").holds(v)
    assert params.not_sent("destination").holds(v)


def test_fields_carry_their_error_codes_and_schema():
    assert Id("blastId", code=308).errors == (308, 900)
    assert Int("day", low=1, high=127).schema == {"type": "integer", "minimum": 1, "maximum": 127}
    assert Choice("voice", ("Joanna", "Matthew")).errors == (901,)
    assert Text("city", max_len=100).but(required=True).errors == (900, 903)
