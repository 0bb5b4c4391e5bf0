"""domain.profile: the rules that change a find-me/follow-me profile, and the store's
item <-> profile mapping (no IO)."""

from dataclasses import replace
from itertools import count

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain import profile as rules
from chalicelib.domain.numbers import Phone
from chalicelib.domain.profile import (
    BLOCK_PHONE,
    BLOCK_USER,
    Block,
    CallTimeException,
    Number,
    NumberRequest,
    Profile,
)
from chalicelib.domain.windows import Window
from chalicelib.errors import OcpError

HOME = Number(1, Phone("1", "", "3035551212"), 3)
OFFICE = Number(2, Phone("1", "", "3039844345"), 1)
BASE = Profile(
    user_id=7,
    phones=(HOME, OFFICE),
    default_phone_id=1,
    emails=("a@example.com", "b@example.com"),
    default_email="a@example.com",
)
NEW = Phone("1", "", "7205551212")


def new_ids():
    counter = count(100)
    return lambda: next(counter)


def code_of(call) -> int:
    with pytest.raises(OcpError) as caught:
        call()
    return caught.value.code


# --- numbers ---------------------------------------------------------------------------


def test_add_number_gives_a_new_id_and_refuses_a_duplicate():
    profile = rules.add_number(BASE, NumberRequest(NEW, 2, 3), new_ids())
    assert profile.phones[-1] == Number(100, NEW, 2, 3)
    assert code_of(lambda: rules.add_number(profile, NumberRequest(NEW, 2), new_ids())) == 113


def test_the_first_sms_number_is_the_default_sms_number():
    ids = new_ids()
    profile = rules.add_number(BASE, NumberRequest(NEW, 2), ids, sms=True)
    profile = rules.add_number(profile, NumberRequest(HOME.phone, 2), ids, sms=True)
    assert profile.default(sms=True).phone == NEW
    assert [n.id for n in profile.sms_phones] == [100, 101]


def test_sms_default_is_109_while_other_sms_numbers_remain():
    ids = new_ids()
    profile = rules.add_number(BASE, NumberRequest(NEW, 2), ids, sms=True)
    profile = rules.add_number(profile, NumberRequest(HOME.phone, 2), ids, sms=True)
    assert code_of(lambda: rules.remove_number(profile, NEW, sms=True)) == 109
    profile = rules.remove_number(profile, HOME.phone, sms=True)
    profile = rules.remove_number(profile, NEW, sms=True)
    assert (profile.sms_phones, profile.default_sms_phone_id) == ((), None)
    assert profile.phones == BASE.phones


def test_removing_a_number_takes_it_out_of_the_hunt_order_and_exceptions():
    profile = replace(
        BASE,
        hunt_order=(2, 1),
        exceptions=(CallTimeException(Window(1, 2, 1), 2), CallTimeException(Window(3, 4, 1), 1)),
    )
    profile = rules.remove_number(profile, OFFICE.phone)
    assert profile.phones == (HOME,)
    assert profile.hunt_order == (1,)
    assert [e.phone_id for e in profile.exceptions] == [1]


def test_remove_number_errors():
    assert code_of(lambda: rules.remove_number(BASE, HOME.phone)) == 109
    assert code_of(lambda: rules.remove_number(BASE, NEW)) == 110
    assert code_of(lambda: rules.remove_number(BASE, NEW, sms=True)) == 110


def test_set_default_number():
    made_default = rules.set_default_number(BASE, NumberRequest(OFFICE.phone), new_ids())
    assert made_default.default() == OFFICE
    added = rules.set_default_number(BASE, NumberRequest(NEW, 4), new_ids())
    assert added.default() == Number(100, NEW, 4)
    assert code_of(lambda: rules.set_default_number(BASE, NumberRequest(NEW), new_ids())) == 110
    retyped = rules.set_default_number(BASE, NumberRequest(OFFICE.phone, 2, 5), new_ids())
    assert retyped.default() == Number(2, OFFICE.phone, 2, 5)


def test_change_number_keeps_its_id_and_everything_naming_it():
    profile = replace(BASE, hunt_order=(2,), exceptions=(CallTimeException(Window(1, 2, 1), 2),))
    changed = rules.change_number(profile, OFFICE.phone, phone=NEW, carrier_id=2)
    assert changed.phone(2) == Number(2, NEW, 1, 2)
    assert (changed.hunt_order, changed.exceptions) == (profile.hunt_order, profile.exceptions)
    assert code_of(lambda: rules.change_number(BASE, NEW, phone_type=2)) == 110
    assert code_of(lambda: rules.change_number(BASE, OFFICE.phone, phone=HOME.phone)) == 113
    assert rules.change_number(BASE, OFFICE.phone, phone=OFFICE.phone) == BASE


# --- hunt order --------------------------------------------------------------------------


def test_hunt_order_post_replaces_and_adds_unknown_numbers():
    profile = replace(BASE, hunt_order=(1,))
    profile = rules.set_hunt_order(
        profile,
        [NumberRequest(NEW, 2), NumberRequest(OFFICE.phone), NumberRequest(NEW)],
        1,
        new_ids(),
    )
    assert profile.hunt_order == (100, 2)
    assert profile.tryall is True
    assert profile.phone(100) == Number(100, NEW, 2)


def test_hunt_order_put_appends_and_leaves_tryall_alone_unless_given():
    profile = replace(BASE, hunt_order=(2,), tryall=True)
    profile = rules.extend_hunt_order(
        profile, [NumberRequest(HOME.phone), NumberRequest(OFFICE.phone)], None, new_ids()
    )
    assert (profile.hunt_order, profile.tryall) == ((2, 1), True)
    assert rules.extend_hunt_order(profile, [], 0, new_ids()).tryall is False


def test_a_new_number_needs_its_phone_type():
    with pytest.raises(OcpError) as raised:
        rules.set_hunt_order(BASE, [NumberRequest(NEW)], None, new_ids())
    error = raised.value
    assert (error.code, "phoneType" in error.details[0].message) == (900, True)


def test_hunt_order_delete_keeps_tryall():
    profile = rules.clear_hunt_order(replace(BASE, hunt_order=(1, 2), tryall=True))
    assert (profile.hunt_order, profile.tryall) == ((), True)


# --- exceptions -------------------------------------------------------------------------


def test_call_time_exceptions_replace_older_ones_where_they_overlap():
    profile = rules.add_exception(BASE, Window(9, 12, 127), NumberRequest(HOME.phone), new_ids())
    profile = rules.add_exception(
        profile, Window(11, 17, 127), NumberRequest(OFFICE.phone), new_ids()
    )
    assert profile.exceptions == (
        CallTimeException(Window(9, 11, 127), 1),
        CallTimeException(Window(11, 17, 127), 2),
    )


def test_exception_delete_touches_only_the_named_number():
    profile = replace(
        BASE,
        exceptions=(
            CallTimeException(Window(9, 17, 2), 1),
            CallTimeException(Window(20, 22, 2), 2),
        ),
    )
    profile = rules.remove_exception_hours(profile, Window(0, 0, 2), OFFICE.phone)
    assert profile.exceptions == (CallTimeException(Window(9, 17, 2), 1),)
    assert code_of(lambda: rules.remove_exception_hours(profile, Window(0, 0, 2), NEW)) == 110
    assert rules.clear_exceptions(profile, HOME.phone).exceptions == ()
    assert rules.clear_exceptions(profile).exceptions == ()


# --- email and blacklist -------------------------------------------------------------------


def test_email_rules():
    assert rules.add_email(BASE, "c@example.com").emails[-1] == "c@example.com"
    assert code_of(lambda: rules.add_email(BASE, "b@example.com")) == 113
    assert rules.set_default_email(BASE, "b@example.com").default_email == "b@example.com"
    added = rules.set_default_email(BASE, "c@example.com")
    assert (added.default_email, added.emails[-1]) == ("c@example.com", "c@example.com")
    assert rules.remove_email(BASE, "b@example.com").emails == ("a@example.com",)
    assert code_of(lambda: rules.remove_email(BASE, "c@example.com")) == 107
    assert code_of(lambda: rules.remove_email(BASE, "a@example.com")) == 108


def test_blacklist_entries_are_unique_by_user_or_number():
    profile = rules.add_block(BASE, Block(BLOCK_USER, 227))
    profile = rules.add_block(profile, Block(BLOCK_PHONE, Phone("44", "20", "77994044")))
    assert code_of(lambda: rules.add_block(profile, Block(BLOCK_USER, 227))) == 113
    same_number = Block(BLOCK_PHONE, Phone("44", "2077", "994044"))
    assert code_of(lambda: rules.add_block(profile, same_number)) == 113
    assert rules.remove_block(profile, same_number).blacklist == (Block(BLOCK_USER, 227),)
    assert code_of(lambda: rules.remove_block(BASE, Block(BLOCK_USER, 227))) == 110


# --- the stored item round-trips ------------------------------------------------------------

windows = st.builds(
    Window, st.integers(0, 23), st.integers(0, 23), st.integers(1, 127), st.integers(-11, 12)
)
numbers = st.builds(
    Number,
    st.integers(1, 10**6),
    st.sampled_from(
        [Phone("1", "", "3035551212"), Phone("44", "20", "77994044"), Phone("39", "06", "12345678")]
    ),
    st.integers(1, 4),
    st.integers(0, 5),
)


@settings(max_examples=40, deadline=None)
@given(
    st.builds(
        Profile,
        user_id=st.integers(1, 10**6),
        phones=st.lists(numbers, min_size=1).map(tuple),
        default_phone_id=st.integers(1, 10**6),
        hunt_order=st.lists(st.integers(1, 99)).map(tuple),
        tryall=st.booleans(),
        exceptions=st.lists(st.builds(CallTimeException, windows, st.integers(1, 99))).map(tuple),
        dnd=st.lists(windows).map(tuple),
        sms_phones=st.lists(numbers).map(tuple),
        default_sms_phone_id=st.none() | st.integers(1, 99),
        emails=st.lists(st.emails()).map(tuple),
        default_email=st.emails(),
        blacklist=st.lists(
            st.builds(Block, st.just(BLOCK_USER), st.integers(1, 99))
            | st.builds(Block, st.just(BLOCK_PHONE), numbers.map(lambda n: n.phone))
        ).map(tuple),
    )
)
def test_a_profile_round_trips_through_the_users_item(profile):
    from chalicelib.store import profiles
    from chalicelib.store.models import User

    item = User(profile.user_id, first_name="A", last_name="B", created_by=1, created=0)
    profiles._write_profile(item, profile)
    assert profiles.profile_of(User.from_raw_data(item.serialize())) == profile
