"""The webhook signature of providers/twilio/signature.py against Twilio's own
RequestValidator (the `twilio` package, a test-only dependency: no function imports it):
HMAC-SHA1 by the auth token without X-Twilio-Webhooks-Signature-Settings, HMAC-SHA256 by
the SharedKey its `key=` names with it; the key picked by id, a rotation's two keys both
valid, and every header that cannot be honoured refused before any key is read."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from twilio import request_validator as twilio_validator
from twilio.request_validator import RequestValidator

from chalicelib.providers.twilio import signature
from local import fake_twilio

URL = "https://voice.example.com/ocp/twilio/answer/77/0.0/0"
PARAMS = [("CallSid", "CA" + "1" * 32), ("CallStatus", "in-progress"), ("Digits", "1")]
OLD_ID, NEW_ID = "webhooks_sharedkey_" + "a" * 26, "webhooks_sharedkey_" + "b" * 26
SECRETS = {OLD_ID: "old-shared-secret", NEW_ID: "new-shared-secret"}


class Form(dict):
    """Repeated names as Twilio's validator reads them (a MultiDict's getall)."""

    def __init__(self, pairs: list[tuple[str, str]]):
        super().__init__()
        self.pairs = pairs
        for name, _ in pairs:
            self[name] = ""

    def getall(self, name: str) -> list[str]:
        return [v for n, v in self.pairs if n == name]


def header(key_id: str = NEW_ID, algorithm: str = signature.HMAC_SHA256) -> str:
    return f"key={key_id},algorithm={algorithm}"


def keys_of(secrets: dict[str, str], token: str = "auth-token"):
    """account.webhook_keys over a fixed secret, recording each look-up."""
    seen: list[tuple[bool, str | None]] = []

    def keys(refreshed: bool = False, key_id: str | None = None) -> tuple[str, ...]:
        seen.append((refreshed, key_id))
        if key_id is None:
            return (token,)
        return (secrets[key_id],) if key_id in secrets else ()

    return keys, seen


pairs = st.lists(st.tuples(st.text(min_size=1, max_size=8), st.text(max_size=12)), max_size=6)


@given(params=pairs, key=st.text(min_size=1, max_size=40))
@pytest.mark.parametrize("algorithm", [signature.HMAC_SHA1, signature.HMAC_SHA256])
def test_each_algorithm_signs_as_twilios_own_validator_computes(algorithm, params, key):
    ours = signature.sign(key, URL, params, algorithm)
    validator = RequestValidator(key)
    assert ours == validator.compute_signature(URL, Form(params), algorithm)
    assert validator.validate(URL, Form(params), ours, algorithm)
    assert signature.valid(key, URL, params, ours, algorithm)


def test_the_default_stays_sha1_by_the_token_and_the_hashes_differ():
    validator = RequestValidator("auth-token")
    sha1 = signature.sign("auth-token", URL, PARAMS)
    assert validator.validate(URL, dict(PARAMS), sha1)  # Twilio's default: HMAC_SHA1
    sha256 = signature.sign("auth-token", URL, PARAMS, signature.HMAC_SHA256)
    assert sha256 != sha1 and len(sha256) == 44 and len(sha1) == 28
    assert not validator.validate(URL, dict(PARAMS), sha256)


@pytest.mark.parametrize(
    "value, expected",
    [
        (None, None),
        ("", None),  # blank: no settings, as Twilio's validators read it
        (header(), signature.SignatureSettings(NEW_ID, signature.HMAC_SHA256)),
        (
            f" algorithm = hmac_sha256 , key = {NEW_ID} ",
            signature.SignatureSettings(NEW_ID, signature.HMAC_SHA256),
        ),
        (header(algorithm="HMAC_SHA1"), signature.SignatureSettings(NEW_ID, "HMAC_SHA1")),
        (header() + ",version=2", signature.SignatureSettings(NEW_ID, "HMAC_SHA256")),
    ],
)
def test_the_settings_header_is_read_as_twilios_validator_reads_it(value, expected):
    assert signature.settings_of(value) == expected
    if expected is not None:
        assert twilio_validator.get_signature_algorithm(value).upper() == expected.algorithm


@pytest.mark.parametrize(
    "value",
    [
        "algorithm=HMAC_SHA256",  # no key id
        f"key={NEW_ID}",  # no algorithm
        "key=,algorithm=HMAC_SHA256",
        header(algorithm="HMAC_SHA512"),  # not supported here
        header(algorithm="none"),
        f"key={NEW_ID},key={OLD_ID},algorithm=HMAC_SHA256",  # twice
        "key=" + "x" * 200 + ",algorithm=HMAC_SHA256",
        "garbage",
        f"key={NEW_ID};algorithm=HMAC_SHA256",
    ],
)
def test_a_malformed_or_unsupported_header_is_refused_before_any_key_is_read(value):
    with pytest.raises(signature.Refused):
        signature.settings_of(value)
    keys, seen = keys_of(SECRETS)
    given_ = signature.sign(SECRETS[NEW_ID], URL, PARAMS, signature.HMAC_SHA256)
    assert not signature.signed_by_any(keys, URL, PARAMS, given_, value)
    assert seen == []


def test_the_shared_key_is_picked_by_its_id():
    keys, seen = keys_of(SECRETS)
    by_new = signature.sign(SECRETS[NEW_ID], URL, PARAMS, signature.HMAC_SHA256)
    assert signature.signed_by_any(keys, URL, PARAMS, by_new, header(NEW_ID))
    assert seen == [(False, NEW_ID)]
    # The right secret under the other key's id is no signature
    assert not signature.signed_by_any(keys, URL, PARAMS, by_new, header(OLD_ID))


def test_during_a_rotation_both_keys_are_valid_each_under_its_own_id():
    keys, _ = keys_of(SECRETS)
    for key_id, secret in SECRETS.items():
        given_ = signature.sign(secret, URL, PARAMS, signature.HMAC_SHA256)
        assert RequestValidator(secret).validate(URL, dict(PARAMS), given_, "HMAC_SHA256")
        assert signature.signed_by_any(keys, URL, PARAMS, given_, header(key_id))


def test_an_unknown_key_id_is_refused_after_one_more_read_of_the_secret():
    # The secret is read again once (a new key added to it that this container has not
    # seen yet), then the webhook is refused.
    keys, seen = keys_of({OLD_ID: SECRETS[OLD_ID]})
    given_ = signature.sign(SECRETS[NEW_ID], URL, PARAMS, signature.HMAC_SHA256)
    assert not signature.signed_by_any(keys, URL, PARAMS, given_, header(NEW_ID))
    assert seen == [(False, NEW_ID), (True, NEW_ID)]


def test_a_new_key_added_to_the_secret_is_found_by_the_read_again():
    secrets = {OLD_ID: SECRETS[OLD_ID]}

    def keys(refreshed: bool = False, key_id: str | None = None) -> tuple[str, ...]:
        found = {**secrets, NEW_ID: SECRETS[NEW_ID]} if refreshed else secrets
        return (found[key_id],) if key_id in found else ()

    given_ = signature.sign(SECRETS[NEW_ID], URL, PARAMS, signature.HMAC_SHA256)
    assert signature.signed_by_any(keys, URL, PARAMS, given_, header(NEW_ID))


def test_neither_the_algorithm_nor_the_key_can_be_swapped():
    keys, _ = keys_of(SECRETS)
    # SHA-256 by the auth token without the header: the header is what says SHA-256
    by_token = signature.sign("auth-token", URL, PARAMS, signature.HMAC_SHA256)
    assert not signature.signed_by_any(keys, URL, PARAMS, by_token)
    # The auth token's SHA-1 under a shared key's header: that key alone counts
    sha1 = signature.sign("auth-token", URL, PARAMS)
    assert not signature.signed_by_any(keys, URL, PARAMS, sha1, header(NEW_ID))
    # SHA-1 by the shared key while the header says SHA-256
    sha1_shared = signature.sign(SECRETS[NEW_ID], URL, PARAMS)
    assert not signature.signed_by_any(keys, URL, PARAMS, sha1_shared, header(NEW_ID))
    # The header names SHA-1: the shared key with SHA-1 is honoured, as Twilio's validator
    assert signature.signed_by_any(keys, URL, PARAMS, sha1_shared, header(NEW_ID, "HMAC_SHA1"))
    # A non-ASCII signature is no signature (never an exception)
    assert not signature.signed_by_any(keys, URL, PARAMS, "é" * 44, header(NEW_ID))


def test_without_the_header_the_auth_token_and_sha1_work_as_before():
    keys, seen = keys_of(SECRETS)
    given_ = signature.sign("auth-token", URL, PARAMS)
    assert signature.signed_by_any(keys, URL, PARAMS, given_, None)
    assert seen == [(False, None)]


def test_the_fake_signs_as_a_webhook_setting_when_told_to():
    sent: list[tuple[dict, bytes]] = []

    def app_post(url: str, headers: dict, body: bytes) -> tuple[int, str]:
        sent.append((headers, body))
        return 200, "<Response/>"

    fake = fake_twilio.FakeTwilio(
        app_post, shared_key=(NEW_ID, SECRETS[NEW_ID]), algorithm=signature.HMAC_SHA256
    )
    fake.webhook(URL, dict(PARAMS))
    [(headers, body)] = sent
    assert headers[signature.SETTINGS_HEADER] == header(NEW_ID)
    params = signature.form(body)
    validator = RequestValidator(SECRETS[NEW_ID])
    algorithm = twilio_validator.get_signature_algorithm(headers[signature.SETTINGS_HEADER])
    assert validator.validate(URL, dict(params), headers[signature.TWILIO_HEADER], algorithm)
    # By default: the auth token and SHA-1, no settings header
    sent.clear()
    fake_twilio.FakeTwilio(app_post).webhook(URL, dict(PARAMS))
    [(headers, body)] = sent
    assert signature.SETTINGS_HEADER not in headers
    validator = RequestValidator(fake_twilio.AUTH_TOKEN)
    assert validator.validate(URL, dict(signature.form(body)), headers[signature.TWILIO_HEADER])
