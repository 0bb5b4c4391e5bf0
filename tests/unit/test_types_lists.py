"""Comma-separated phone and numeric variables (huntorder's phoneNumber, phoneType, carrierId)."""

import pytest

from chalicelib.domain.numbers import Phone
from chalicelib.errors import OcpError
from chalicelib.protocol.types import ints, phones


def test_phones_split_on_commas_only():
    assert phones("p", "3035551212, 44 20 77994044") == [
        Phone("1", "", "3035551212"),
        Phone("44", "20", "77994044"),
    ]


def test_every_bad_phone_is_reported():
    with pytest.raises(OcpError) as caught:
        phones("p", "12,3035551212,4420 77994044,")
    assert [d.code for d in caught.value.details] == [920, 920, 900]


def test_ints_are_sanitised_and_checked_each():
    assert ints("t", "1, 2,x3") == [1, 2, 3]
    with pytest.raises(OcpError) as caught:
        ints("t", "1,5", low=1, high=4)
    assert [d.code for d in caught.value.details] == [902]
