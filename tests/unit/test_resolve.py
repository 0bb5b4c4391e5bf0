"""domain.resolve: a profile and a time -> the numbers to dial (RULINGS "Resolution"),
and the blacklist check calls use."""

from dataclasses import replace
from itertools import count

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
from chalicelib.domain.resolve import Origin, is_blacklisted, resolve, resolve_sms
from chalicelib.domain.windows import HOURS_PER_WEEK, Window, hours

quick = settings(max_examples=100, deadline=None)

SUNDAY = 1704585600  # 2024-01-07 00:00 UTC
MON = 2


def at(hour_of_week: int) -> int:
    """A Unix time in the given UTC hour of the week (half past)."""
    return SUNDAY + hour_of_week * 3600 + 1800


def phone(n: int) -> Phone:
    return Phone("1", "", f"303555{n:04d}")


def number(n: int, phone_type: int = 1) -> Number:
    return Number(n, phone(n), phone_type)


HOME, OFFICE, MOBILE = number(1), number(2), number(3)
BASE = Profile(user_id=7, phones=(HOME, OFFICE, MOBILE), default_phone_id=1)


def ids_from(start: int):
    counter = count(start)
    return lambda: next(counter)


# --- the order of precedence -------------------------------------------------------------


def test_the_default_number_when_nothing_else_is_set():
    found = resolve(BASE, at(10))
    assert (found.numbers, found.tryall, found.dnd) == ((HOME,), False, False)


def test_the_hunt_order_with_tryall_comes_before_the_default():
    profile = replace(BASE, hunt_order=(3, 2), tryall=True)
    found = resolve(profile, at(10))
    assert (found.numbers, found.tryall) == ((MOBILE, OFFICE), True)


def test_a_call_time_exception_in_force_comes_before_the_hunt_order():
    profile = replace(
        BASE, hunt_order=(3, 2), tryall=True, exceptions=(CallTimeException(Window(9, 17, MON), 2),)
    )
    monday_noon = at(24 + 12)
    assert resolve(profile, monday_noon).numbers == (OFFICE,)
    assert resolve(profile, monday_noon).tryall is False
    assert resolve(profile, at(24 + 17)).numbers == (MOBILE, OFFICE)


def test_dnd_in_force_comes_before_everything():
    profile = replace(
        BASE, exceptions=(CallTimeException(Window(9, 17, MON), 2),), dnd=(Window(12, 13, MON),)
    )
    found = resolve(profile, at(24 + 12))
    assert (found.numbers, found.dnd) == ((), True)
    assert resolve(profile, at(24 + 13)).numbers == (OFFICE,)


def test_timezones_shift_the_hours_in_force():
    # 9-17 Monday in GMT-7 is 16-24 GMT
    profile = replace(BASE, exceptions=(CallTimeException(Window(9, 17, MON, -7), 2),))
    assert resolve(profile, at(24 + 10)).numbers == (HOME,)
    assert resolve(profile, at(24 + 16)).numbers == (OFFICE,)
    assert resolve(profile, at(24 + 23)).numbers == (OFFICE,)


def test_ids_naming_no_number_are_skipped():
    profile = replace(
        BASE, hunt_order=(9, 2), exceptions=(CallTimeException(Window(0, 0, 127), 9),)
    )
    assert resolve(profile, at(5)).numbers == (OFFICE,)


def test_sms_resolution_uses_the_sms_list():
    sms = Number(20, phone(3), 2)
    profile = replace(
        BASE,
        sms_phones=(Number(21, phone(8), 2), sms),
        default_sms_phone_id=21,
        exceptions=(CallTimeException(Window(9, 17, MON), 3),),
    )
    assert resolve_sms(profile, at(24 + 10)).numbers == (sms,)
    assert resolve_sms(profile, at(24 + 18)).numbers == (profile.sms_phones[0],)
    assert resolve_sms(replace(profile, dnd=(Window(0, 0, 127),)), at(3)).dnd
    assert resolve_sms(BASE, at(3)).numbers == ()


# --- properties --------------------------------------------------------------------------

windows = st.builds(
    Window, st.integers(0, 23), st.integers(0, 23), st.integers(1, 127), st.integers(-11, 12)
)


@st.composite
def profiles(draw):
    """Profiles as the rules build them, from a random history of changes."""
    profile = BASE
    new_id = ids_from(100)
    for _ in range(draw(st.integers(0, 8))):
        step = draw(st.sampled_from(["exception", "dnd", "hunt", "remove", "unexcept"]))
        digits = draw(st.integers(1, 6))
        wanted = NumberRequest(phone(digits), 4)
        known = profile.number_for(phone(digits))
        if step == "exception":
            profile = rules.add_exception(profile, draw(windows), wanted, new_id)
        elif step == "dnd" and draw(st.booleans()):
            profile = rules.add_dnd(profile, draw(windows))
        elif step == "hunt":
            tryall = draw(st.sampled_from([None, 0, 1]))
            profile = rules.extend_hunt_order(profile, [wanted], tryall, new_id)
        elif step == "remove" and known and known.id != profile.default_phone_id:
            profile = rules.remove_number(profile, phone(digits))
        elif step == "unexcept" and known:
            profile = rules.remove_exception_hours(profile, draw(windows), phone(digits))
    return profile


def week(profile):
    return [resolve(profile, at(h)) for h in range(HOURS_PER_WEEK)]


@quick
@given(profiles())
def test_a_week_of_resolutions_only_ever_names_the_users_numbers(profile):
    own = set(profile.phones)
    for found in week(profile):
        assert set(found.numbers) <= own
        assert found.dnd or found.numbers, "someone is always reachable outside DND"
        assert not (found.dnd and found.numbers)


@quick
@given(profiles(), windows, st.integers(1, 6))
def test_after_posting_a_window_its_hours_resolve_to_its_number(profile, window, digits):
    profile = replace(profile, dnd=())
    before = week(profile)
    after_profile = rules.add_exception(
        profile, window, NumberRequest(phone(digits), 4), ids_from(500)
    )
    target = after_profile.number_for(phone(digits))
    after = week(after_profile)
    inside = hours(window)
    for hour in range(HOURS_PER_WEEK):
        if hour in inside:
            assert after[hour].numbers == (target,)
        else:
            assert after[hour] == before[hour]


@quick
@given(profiles(), windows, st.integers(1, 6))
def test_after_deleting_a_window_none_of_its_hours_is_covered_for_that_number(
    profile, window, digits
):
    profile = rules.add_exception(profile, window, NumberRequest(phone(digits), 4), ids_from(500))
    target = profile.number_for(phone(digits))
    profile = rules.remove_exception_hours(profile, window, phone(digits))
    for hour in hours(window):
        assert not any(
            e.phone_id == target.id and hour in hours(e.window) for e in profile.exceptions
        )


@quick
@given(profiles(), windows)
def test_dnd_hours_resolve_to_nobody_and_deleting_them_restores_the_rest(profile, window):
    profile = replace(profile, dnd=())
    before = week(profile)
    with_dnd = rules.add_dnd(profile, window)
    for hour, found in enumerate(week(with_dnd)):
        assert found.dnd == (hour in hours(window))
    assert week(rules.remove_dnd_hours(with_dnd, window)) == before


# --- blacklist -----------------------------------------------------------------------------


def test_a_blocked_user_is_blocked_from_any_of_its_numbers():
    profile = replace(BASE, blacklist=(Block(BLOCK_USER, 227),))
    assert is_blacklisted(profile, Origin(user_id=227))
    assert is_blacklisted(profile, Origin.of_phone(phone(9), user_id=227))
    assert not is_blacklisted(profile, Origin(user_id=228))
    assert not is_blacklisted(profile, Origin.of_phone(phone(9)))


def test_a_blocked_number_is_blocked_whoever_rings_from_it():
    profile = replace(BASE, blacklist=(Block(BLOCK_PHONE, Phone("1", "", "3035551212")),))
    assert is_blacklisted(profile, Origin.of_phone(Phone("1", "", "3035551212"), user_id=5))
    assert is_blacklisted(profile, Origin(user_id=5, phone_keys=frozenset({"+13035551212"})))
    assert not is_blacklisted(profile, Origin(user_id=5))
    assert not is_blacklisted(BASE, Origin.of_phone(Phone("1", "", "3035551212")))
