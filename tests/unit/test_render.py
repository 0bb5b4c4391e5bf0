"""protocol.render: the reference's XML shape, JSON, verbose-only and 204 rules."""

import json
from decimal import Decimal
from xml.etree import ElementTree

from chalicelib.errors import OcpError
from chalicelib.protocol.render import NO_CONTENT, Items, Reply, render, render_error, status_ok


def test_xml_starts_with_the_reference_declaration_and_root():
    response = render(Reply({"userId": 229}))
    assert response.body.startswith('<?xml version="1.0" ?>\n<ResponseData>')
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert ElementTree.fromstring(response.body).findtext("userId") == "229"


def test_containers_repeat_their_children_in_xml_and_become_arrays_in_json():
    body = {"tryall": 0, "numbers": Items("number", [{"id": 861, "cityCode": None}])}
    xml_root = ElementTree.fromstring(render(Reply(body)).body)
    assert [e.tag for e in xml_root.find("numbers")] == ["number"]
    assert xml_root.find("numbers/number/cityCode").text is None
    assert json.loads(render(Reply(body), "json").body) == {
        "tryall": 0,
        "numbers": [{"id": 861, "cityCode": None}],
    }


def test_repeated_elements_are_arrays_even_with_one_item():
    body = {"contact": [{"type": 1, "id": 227}]}
    assert json.loads(render(Reply(body), "json").body) == {"contact": [{"type": 1, "id": 227}]}
    assert len(ElementTree.fromstring(render(Reply(body)).body).findall("contact")) == 1


def test_numbers_are_json_numbers_and_decimals_stay_exact():
    body = {"amount": Decimal("0.30"), "mou": Decimal("12"), "text": "AT&T"}
    assert render(Reply(body), "json").body == '{"amount":0.3,"mou":12,"text":"AT&T"}'
    assert "<text>AT&amp;T</text>" in render(Reply(body)).body


def test_verbose_only_bodies_are_sent_only_with_verbose():
    quiet = render(status_ok(201))
    assert (quiet.status_code, quiet.body) == (201, "")
    loud = render(status_ok(201), verbose=True)
    assert ElementTree.fromstring(loud.body).findtext("status") == "ok"


def test_bodies_not_marked_verbose_only_are_always_sent():
    response = render(status_ok(200, verbose_only=False))
    assert ElementTree.fromstring(response.body).findtext("status") == "ok"


def test_none_found_is_204_with_an_empty_body():
    response = render(NO_CONTENT, verbose=True)
    assert (response.status_code, response.body) == (204, "")


def test_errors_list_every_detail_with_the_first_ones_status():
    error = OcpError.combine([OcpError(900, name="userId"), OcpError(920, name="p", value="x")])
    response = render_error(error)
    root = ElementTree.fromstring(response.body)
    assert response.status_code == 400
    assert [e.findtext("code") for e in root.iter("error")] == ["900", "920"]
    assert root.find("errors/error/message").text == "userId is required but was not received"
    assert json.loads(render_error(error, "json").body)["errors"][1] == {
        "code": 920,
        "message": "p (x) does not contain a valid phone",
    }


def test_internal_errors_carry_the_request_id():
    root = ElementTree.fromstring(render_error(OcpError(105, request_id="abc")).body)
    assert root.findtext("errors/error/requestId") == "abc"
