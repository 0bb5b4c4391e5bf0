"""The catalogue: every code of the reference, with RULINGS' HTTP status table."""

import pytest

from chalicelib.errors import BUSY, CATALOGUE, FULL, Code, OcpError

# Additions to the 2008 wire format, with statuses of their own (docs/callbacks-and-idempotency.md,
# docs/limits.md).
ADDITIONS = {
    422: [970],
    409: [971, FULL],
    503: [BUSY],
    # The spend guards of an enterprise (docs/limits.md "Per enterprise").
    429: [Code.DAILY_LIMIT],
    403: [Code.COUNTRY_NOT_ALLOWED, Code.MINUTES_USED_UP],
}
RULINGS_STATUS = {
    400: [107, 108, 109, 301, 302]
    + [c for c in CATALOGUE if 900 <= c <= 999 and c not in (970, 971)],
    401: [100, 101, 102],
    403: [303, 112],
    404: [106, 110, 115, 305, 308],
    409: [103, 113, 306],
    500: [105, 111, 114, 304, 307],
}


@pytest.mark.parametrize("status,codes", RULINGS_STATUS.items())
def test_status_table_of_the_rulings(status, codes):
    assert {c: CATALOGUE[c][1] for c in codes} == dict.fromkeys(codes, status)


@pytest.mark.parametrize("status,codes", ADDITIONS.items())
def test_status_of_the_additions(status, codes):
    assert {c: CATALOGUE[c][1] for c in codes} == dict.fromkeys(codes, status)


def test_every_code_has_a_status():
    listed = [c for table in (RULINGS_STATUS, ADDITIONS) for codes in table.values() for c in codes]
    assert sorted(listed) == sorted(CATALOGUE)


def test_busy_is_retryable_after_a_second():
    from chalicelib.protocol.render import render_error

    response = render_error(OcpError(BUSY))
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert "Retry-After" not in render_error(OcpError(105)).headers


def test_messages_fill_name_and_value():
    assert (
        OcpError(902, name="phoneType", value="9").details[0].message
        == "phoneType (9) does not contain a valid value"
    )
    assert (
        OcpError(901, name="output", choices="xml, json").details[0].message
        == "output must be one of the following: xml, json"
    )


def test_the_first_error_decides_the_status():
    error = OcpError.combine([OcpError(106), OcpError(900, name="x")])
    assert (error.code, error.status) == (106, 404)


def test_long_values_are_cut_in_messages():
    message = OcpError(903, name="text", value="x" * 3001, low=1, high=3000).details[0].message
    assert message.startswith("text (" + "x" * 100 + "...)")


def test_every_catalogue_code_has_a_name_and_every_name_a_catalogue_entry():
    # Given the catalogue and the names call sites raise by
    # Then each is the other's, and a named error renders as its number
    assert {int(c) for c in Code} == set(CATALOGUE)
    assert OcpError(Code.ALREADY_STARTED).code == 307
    assert type(OcpError(Code.ALREADY_STARTED).code) is int


def test_busy_over_a_request_rate_is_429_with_the_seconds_it_was_given():
    from chalicelib.errors import TOO_MANY_REQUESTS
    from chalicelib.protocol.render import render_error

    response = render_error(OcpError(BUSY, status=TOO_MANY_REQUESTS, retry_after=3))
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "3"
    assert "<code>116</code>" in response.body
