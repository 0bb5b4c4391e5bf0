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
    v = variables(body=json.dumps({"userId": 7, "Text": "hi", "tryall": True}).encode(),
                  content_type="application/json")
    assert (v.get("userid"), v.get("text"), v.get("tryall")) == ("7", "hi", "1")


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]"])
def test_json_bodies_that_are_not_objects_are_902(body):
    with pytest.raises(OcpError) as e:
        variables(body=body, content_type="application/json")
    assert e.value.code == 902


def test_multipart_fields_and_files():
    boundary = "XyZ"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"userId\"\r\n\r\n12\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"audioFile\"; "
            f"filename=\"hello.mp3\"\r\nContent-Type: audio/mpeg\r\n\r\nID3\x03data\r\n"
            f"--{boundary}--\r\n").encode()
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
        params.read(v, Id("userId"), Int("phoneType", low=1, high=4),
                    Choice("gender", ("M", "F")), Text("firstName", required=True))
    assert [d.code for d in e.value.details] == [902, 901, 900]


def test_numeric_variables_are_sanitised_before_use():
    assert params.read(variables({"userId": "Test5"}), Id("userId")) == {"userId": 5}


def test_optional_variables_get_their_default():
    assert params.read(variables({}), Flag("exclusive"), Int("carrierId", default=0)) == {
        "exclusive": 0, "carrierId": 0}


@pytest.mark.parametrize("query,expected", [
    ({}, ("xml", False)), ({"output": "JSON", "verbose": "1"}, ("json", True))])
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
