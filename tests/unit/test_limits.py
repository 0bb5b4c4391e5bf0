"""The limits of domain.limits keep every item within DynamoDB's 400 KB and every profile
transaction within its 100 items: the largest items the limits allow are built here and
measured (as DynamoDB JSON text, which is larger than the size DynamoDB counts)."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain import limits
from chalicelib.domain import profile as rules
from chalicelib.domain.numbers import Phone
from chalicelib.domain.profile import (
    BLOCK_PHONE,
    Block,
    CallTimeException,
    Number,
    NumberRequest,
    Profile,
)
from chalicelib.domain.windows import Window
from chalicelib.errors import FULL, OcpError

WIDE = "\U0001d11e"  # four bytes in UTF-8
LONGEST_PHONE = Phone("998", "7777", "9" * 10)  # longer than any possible number
LONGEST_EMAIL = WIDE * (254 // 4)  # email_validator: at most 254 bytes in UTF-8
BIGGEST_ID = 10**19 - 1


def dynamodb_size(item) -> int:
    """An upper bound of the item's size as DynamoDB counts it."""
    return len(json.dumps(item.serialize(), ensure_ascii=False).encode())


def largest_profile() -> Profile:
    phones = tuple(Number(BIGGEST_ID - n, LONGEST_PHONE, 4, 5, 2) for n in range(limits.PHONES))
    window = Window(23, 22, 127, -11)
    return Profile(
        user_id=BIGGEST_ID,
        phones=phones,
        default_phone_id=phones[0].id,
        hunt_order=tuple(n.id for n in phones),
        tryall=True,
        exceptions=tuple(CallTimeException(window, phones[0].id) for _ in range(limits.EXCEPTIONS)),
        dnd=(window,) * limits.DND_WINDOWS,
        sms_phones=phones[: limits.SMS_PHONES],
        default_sms_phone_id=phones[0].id,
        emails=(LONGEST_EMAIL,) * limits.EMAILS,
        default_email=LONGEST_EMAIL,
        blacklist=(Block(BLOCK_PHONE, LONGEST_PHONE),) * limits.BLACKLIST,
    )


def test_the_largest_user_item_fits():
    from chalicelib.store.models import User
    from chalicelib.store.profiles import _write_profile

    text = WIDE * 255  # Text fields are 255 characters at most
    item = User(
        BIGGEST_ID,
        first_name=text,
        last_name=text,
        address1=text,
        address2=text,
        city=text,
        state=text,
        zip=text,
        country=text,
        gender="M",
        created_by=BIGGEST_ID,
        exclusive_eid=BIGGEST_ID,
        default_phone_id=BIGGEST_ID,
        default_email=LONGEST_EMAIL,
        created=BIGGEST_ID,
        version=BIGGEST_ID,
    )
    _write_profile(item, largest_profile())
    assert dynamodb_size(item) < limits.MAX_ITEM_BYTES


def test_a_profile_change_or_user_delete_is_one_transaction_of_at_most_100_items():
    from chalicelib.store.profiles import unique_keys

    # Every key of the largest profile, released at once (user DELETE), plus the user item.
    distinct = Profile(
        user_id=1,
        phones=tuple(Number(n, Phone("1", "", f"720555{n:04d}"), 2) for n in range(limits.PHONES)),
        default_phone_id=0,
        sms_phones=tuple(
            Number(1000 + n, Phone("1", "", f"303555{n:04d}"), 2) for n in range(limits.SMS_PHONES)
        ),
        emails=tuple(f"u{n}@example.com" for n in range(limits.EMAILS)),
    )
    assert len(unique_keys(distinct)) + 1 <= limits.MAX_TRANSACTION_ITEMS


def test_the_largest_group_item_fits():
    from chalicelib.store.models import Group

    members = {f"2:{n:04d}{LONGEST_EMAIL[:-1]}" for n in range(limits.GROUP_MEMBERS)}
    item = Group(BIGGEST_ID, BIGGEST_ID, name=WIDE * 100, exclusive_eid=1, members=members)
    assert dynamodb_size(item) < limits.MAX_ITEM_BYTES


def test_the_largest_conference_item_fits():
    from chalicelib.store.models import Conference

    item = Conference(
        BIGGEST_ID,
        eid=BIGGEST_ID,
        moderator=BIGGEST_ID,
        room="r" * 200,
        started=BIGGEST_ID,
        duration=BIGGEST_ID,
        calls={BIGGEST_ID - n for n in range(limits.CONFERENCE_LEGS)},
        legs=limits.CONFERENCE_LEGS,
        ended_legs=limits.CONFERENCE_LEGS,
    )
    assert dynamodb_size(item) < limits.MAX_ITEM_BYTES


def test_the_largest_call_item_fits():
    """Two legs of a hunt through every number of a user, each number tried once, and the
    longest announcement."""
    from chalicelib.store.models import AttemptMap, Call

    keys = [f"{leg}.{n}" for leg in range(2) for n in range(limits.PHONES)]
    item = Call(
        BIGGEST_ID,
        eid=BIGGEST_ID,
        user_id=BIGGEST_ID,
        kind="autoconference",
        request={"text": WIDE * 3000, "origination": "2:" + LONGEST_EMAIL},
        time_scheduled=BIGGEST_ID,
        calling_number=LONGEST_PHONE.display,
        attempts=[
            AttemptMap(
                key=k, role="origination", number=LONGEST_PHONE.display, result="NoAnswer", at=1
            )
            for k in keys
        ],
        dialed=set(keys),
        recorded=set(keys),
    )
    assert dynamodb_size(item) < limits.MAX_ITEM_BYTES


# --- the rule ---------------------------------------------------------------------------


def user(phones: int = 1, emails: int = 1) -> Profile:
    numbers = tuple(Number(n, Phone("1", "", f"720555{n:04d}"), 2) for n in range(1, phones + 1))
    return Profile(
        user_id=1,
        phones=numbers,
        default_phone_id=1,
        emails=tuple(f"u{n}@example.com" for n in range(emails)),
        default_email="u0@example.com",
    )


def test_a_list_that_grows_past_its_limit_is_117():
    full = user(phones=limits.PHONES)
    more = rules.add_number(full, NumberRequest(Phone("1", "", "3035551212"), 2), lambda: 999)
    with pytest.raises(OcpError) as caught:
        rules.check_limits(full, more)
    assert (caught.value.code, caught.value.status) == (FULL, 409)
    assert caught.value.details[0].message == "Too many phone numbers: at most 50 allowed"


def test_a_profile_over_a_limit_may_still_shrink_or_change_elsewhere():
    over = user(phones=limits.PHONES + 5)
    rules.check_limits(over, rules.remove_number(over, over.phones[-1].phone))
    rules.check_limits(over, rules.add_email(over, "new@example.com"))


@given(st.integers(0, limits.EMAILS + 3), st.integers(1, 3))
def test_every_list_that_grew_past_its_limit_is_reported(emails, more):
    before = user(emails=emails)
    after = Profile(**{**before.__dict__, "emails": before.emails + ("x@example.com",) * more})
    if len(after.emails) > limits.EMAILS:
        with pytest.raises(OcpError) as caught:
            rules.check_limits(before, after)
        assert [d.code for d in caught.value.details] == [FULL]
    else:
        rules.check_limits(before, after)
