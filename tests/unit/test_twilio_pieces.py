"""The Twilio carrier's pure pieces: the webhook signature (Twilio's documented examples
reproduced exactly, and the edge cases behind stages, proxies and odd forms), the REST
errors mapped to the Carrier port's signals, the TwiML written, and the fake Twilio's own
checks (Twilio's OpenAPI description, TwiML's verbs and attributes)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from chalicelib.providers.twilio import rest, signature
from chalicelib.telephony import CarrierBusy, CarrierError
from chalicelib.telephony.twilio import twiml
from local import fake_twilio

# twilio.com/docs/usage/security, "Validating requests": auth token 12345, this URL and
# these parameters, and the signature the page prints for them.
DOC_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
DOC_PARAMS = [
    ("CallSid", "CA1234567890ABCDE"),
    ("Caller", "+14158675310"),
    ("Digits", "1234"),
    ("From", "+14158675310"),
    ("To", "+18005551212"),
]
DOC_SIGNATURE = "GvWf1cFY/Q7PnoempGyD5oXAezc="


def test_twilios_documented_example_is_reproduced_exactly():
    assert signature.sign("12345", DOC_URL, DOC_PARAMS) == DOC_SIGNATURE
    assert signature.valid("12345", DOC_URL, DOC_PARAMS, DOC_SIGNATURE)


def test_the_older_documented_example_too():
    # twilio-php's validation guide: the same URL and token, the caller +14158675309
    params = [(n, "+14158675309" if n in ("Caller", "From") else v) for n, v in DOC_PARAMS]
    assert signature.sign("12345", DOC_URL, params) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def test_parameters_are_signed_sorted_by_name_whatever_their_order():
    assert signature.sign("12345", DOC_URL, list(reversed(DOC_PARAMS))) == DOC_SIGNATURE


@pytest.mark.parametrize(
    "token, url, params, given",
    [
        ("54321", DOC_URL, DOC_PARAMS, DOC_SIGNATURE),  # a wrong token
        ("12345", DOC_URL, DOC_PARAMS, None),  # no header
        ("12345", DOC_URL, DOC_PARAMS, ""),  # an empty header
        ("", DOC_URL, DOC_PARAMS, DOC_SIGNATURE),  # no token configured
        ("12345", DOC_URL, [*DOC_PARAMS[:2], ("Digits", "9")], DOC_SIGNATURE),  # changed
        ("12345", DOC_URL.replace("https", "http"), DOC_PARAMS, DOC_SIGNATURE),  # a proxy's
        ("12345", DOC_URL, [*DOC_PARAMS, ("Extra", "")], DOC_SIGNATURE),  # a blank added
    ],
)
def test_anything_else_is_refused(token, url, params, given):
    assert not signature.valid(token, url, params, given)


def test_the_stage_and_the_custom_domain_are_part_of_what_is_signed():
    path = "/twilio/answer/12/0.0/0"
    stage = "https://abc123.execute-api.us-east-1.amazonaws.com/prod" + path
    domain = "https://voice.example.com" + path
    signed = signature.sign("tok", stage, DOC_PARAMS)
    assert signature.valid("tok", stage, DOC_PARAMS, signed)
    # API Gateway's event path drops the stage: a URL rebuilt from it does not match
    assert not signature.valid(
        "tok", "https://abc123.execute-api.us-east-1.amazonaws.com" + path, DOC_PARAMS, signed
    )
    assert not signature.valid("tok", domain, DOC_PARAMS, signed)
    assert signature.valid("tok", domain, DOC_PARAMS, signature.sign("tok", domain, DOC_PARAMS))


def test_blank_values_and_repeated_parameters_are_read_and_signed_as_twilio_does():
    body = b"Digits=&To=%2B18005551212&StatusCallbackEvent=ringing&StatusCallbackEvent=answered"
    form = signature.form(body)
    assert form == [
        ("Digits", ""),
        ("To", "+18005551212"),
        ("StatusCallbackEvent", "ringing"),
        ("StatusCallbackEvent", "answered"),
    ]
    # Each name once, its values sorted; a blank value adds the name alone
    expected = (
        "https://x.test/h"
        + "Digits"
        + "StatusCallbackEventanswered"
        + ("StatusCallbackEventringing")
        + "To+18005551212"
    )
    import base64
    import hashlib
    import hmac

    digest = hmac.new(b"k", expected.encode(), hashlib.sha1).digest()
    assert signature.sign("k", "https://x.test/h", form) == base64.b64encode(digest).decode()


def test_signalwire_signs_the_same_way_under_its_own_header():
    assert signature.HEADERS == {
        "twilio": "X-Twilio-Signature",
        "signalwire": "X-SignalWire-Signature",
    }


# -- REST errors ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status, code, kind",
    [
        (429, 20429, CarrierBusy),
        (429, None, CarrierBusy),
        (400, 20429, CarrierBusy),
        (500, None, CarrierBusy),
        (503, 20500, CarrierBusy),
        (404, 20404, rest.Gone),
        (400, 21210, CarrierError),
        (400, 21215, CarrierError),
        (400, 13224, CarrierError),
        (400, 21211, CarrierError),
    ],
)
def test_rest_errors_map_to_the_carrier_ports_signals(status, code, kind):
    import json

    body = json.dumps({"code": code, "message": "m", "status": status}).encode()
    with pytest.raises(kind) as raised:
        rest._answer(status, body)
    if kind is CarrierError:
        assert not isinstance(raised.value, CarrierBusy)
        assert rest.REASONS[code] in str(raised.value)


def test_a_throttled_request_waits_what_twilio_asks():
    with pytest.raises(CarrierBusy) as raised:
        rest._answer(429, b"{}", retry_after="3")
    assert raised.value.retry_after == 3.0


class Answer:
    def __init__(self, status: int, data: bytes = b"{}"):
        self.status, self.data, self.headers = status, data, {}


class Http:
    def __init__(self, *statuses: int):
        self.statuses = list(statuses)
        self.tokens: list[str] = []

    def request(self, method, url, body=None, headers=None):
        import base64

        basic = base64.b64decode(headers["Authorization"].split()[1]).decode()
        self.tokens.append(basic.split(":", 1)[1])
        return Answer(self.statuses.pop(0), b'{"sid": "CA1"}')


def test_a_refused_token_is_read_again_once_and_the_request_sent_again_with_it():
    http = Http(401, 201)
    client = rest.Rest(
        "https://api.test/2010-04-01",
        "AC1",
        lambda: "old",
        http=lambda: http,
        refreshed_token=lambda: "new",
    )
    assert client.post("Calls.json", [("To", "+1")]) == {"sid": "CA1"}
    assert http.tokens == ["old", "new"]
    # Nothing newer to try: the 401 is the CarrierError, sent once
    http = Http(401)
    client = rest.Rest(
        "https://api.test/2010-04-01",
        "AC1",
        lambda: "old",
        http=lambda: http,
        refreshed_token=lambda: "old",
    )
    with pytest.raises(CarrierError, match="401"):
        client.post("Calls.json", [("To", "+1")])
    assert http.tokens == ["old"]


def test_a_body_that_is_not_json_is_still_mapped():
    with pytest.raises(CarrierBusy):
        rest._answer(502, b"<html>Bad gateway</html>")
    assert rest._answer(201, b'{"sid": "CA1"}') == {"sid": "CA1"}


# -- TwiML --------------------------------------------------------------------------------


def test_twiml_escapes_text_and_writes_booleans_as_twilio_reads_them():
    doc = twiml.response(
        twiml.verb(
            "Gather",
            None,
            twiml.verb("Play", "https://s3/a?x=1&y=2"),
            numDigits=1,
            actionOnEmptyResult=True,
        ),
        twiml.verb("Hangup"),
    )
    root = ET.fromstring(doc)
    assert fake_twilio.check_twiml(root) == ""
    assert root[0].attrib == {"numDigits": "1", "actionOnEmptyResult": "true"}
    assert root[0][0].text == "https://s3/a?x=1&y=2"


@pytest.mark.parametrize(
    "doc, problem",
    [
        ("<Response><Speak>hi</Speak></Response>", "not allowed"),
        ('<Response><Play voice="x">u</Play></Response>', "no attribute"),
        ('<Response><Gather numDigits="one"/></Response>', "not a number"),
        ("<Response><Dial><Play>u</Play></Dial></Response>", "not allowed"),
        ('<Response><Play digits="12a"/></Response>', "not DTMF"),
        ("<Response><Play/></Response>", "neither"),
        ("<Say>hi</Say>", "root"),
    ],
)
def test_the_fake_refuses_what_twiml_has_not(doc, problem):
    assert problem in fake_twilio.check_twiml(ET.fromstring(doc))


# -- the fake's OpenAPI checks ------------------------------------------------------------


def test_the_fake_checks_requests_against_twilios_openapi_description():
    api = fake_twilio.OpenApi()
    calls = f"/2010-04-01/Accounts/{fake_twilio.ACCOUNT_SID}/Calls.json"
    ok = [
        ("To", "+13035551212"),
        ("From", "+13035550100"),
        ("Url", "https://x/a"),
        ("Timeout", "60"),
    ]
    assert api.check("POST", calls, ok)["AccountSid"] == fake_twilio.ACCOUNT_SID
    for params, code in [
        ([("To", "+1")], 21201),  # From is required
        ([*ok, ("Timeout", "soon")], 20001),  # an integer
        ([*ok, ("Method", "PUT")], 20001),  # an enum
        ([*ok, ("Twimlet", "x")], 20001),  # no such parameter
        ([*ok[:2], ("Url", "ftp://x")], 21205),  # a URI
    ]:
        with pytest.raises(fake_twilio.TwilioError) as raised:
            api.check("POST", calls, params)
        assert raised.value.code == code
    with pytest.raises(fake_twilio.TwilioError):
        api.check("POST", f"/2010-04-01/Accounts/{fake_twilio.ACCOUNT_SID}/Calls/CA1.json", [])


# -- blast audio --------------------------------------------------------------------------


def test_twilio_plays_mp3_as_it_is_and_refuses_wma_at_upload(tuned):
    from chalicelib.errors import OcpError
    from chalicelib.media import audio
    from tests.audio_samples import mp3, wma

    tuned(OCP_CARRIER="twilio")
    assert audio.check("audioFile", "x", mp3(), "a.mp3").kind == "mp3"
    with pytest.raises(OcpError) as raised:
        audio.check("audioFile", "x", wma(), "a.wma")
    assert raised.value.code == 901


def test_the_app_imports_nothing_of_the_twilio_carrier_until_a_webhook_comes():
    import subprocess
    import sys

    code = (
        "import sys, app; "
        "print(sorted(m for m in sys.modules if m.startswith('chalicelib.telephony.twilio')))"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert found == "[]"
