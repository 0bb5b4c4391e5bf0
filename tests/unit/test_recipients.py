"""domain.recipients: a blast's terminations as stored, and who each recipient reaches
when the blast fires (voice, SMS, a number), with the origination's blacklist check."""

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain import recipients
from chalicelib.domain.numbers import Phone
from chalicelib.domain.profile import BLOCK_PHONE, BLOCK_USER, Block, Number, Profile
from chalicelib.domain.recipients import Reach, Termination
from chalicelib.domain.resolve import Origin
from chalicelib.domain.windows import Window

quick = settings(max_examples=100, deadline=None)

SUNDAY_NOON = 1704585600 + 12 * 3600
ORIGINATION_PHONE = Phone("1", "", "7202108298")
ORIGIN = Origin.of_phone(ORIGINATION_PHONE, user_id=42)

HOME = Number(1, Phone("1", "", "3035550001"), 3)
OFFICE = Number(2, Phone("1", "", "3035550002"), 1)
TEXTS = Number(3, Phone("1", "", "3035550003"), 2)
JOHN = Profile(user_id=7, phones=(HOME, OFFICE), default_phone_id=1)
ALL_DAY = Window(0, 0, 127)


# -- terminations as stored ------------------------------------------------------------------

digits = st.text("0123456789", min_size=1, max_size=12)
terminations = st.one_of(
    st.builds(Termination, st.just(1), st.integers(1, 10**18)),
    st.builds(Termination, st.just(2), st.emails()),
    st.builds(
        Termination,
        st.just(3),
        st.builds(Phone, st.sampled_from(["1", "44", "33"]), st.sampled_from(["", "20"]), digits),
    ),
)


@quick
@given(terminations)
def test_a_termination_survives_its_stored_form(term):
    assert Termination.from_json(term.to_json()) == term


def test_labels_are_what_blast_get_prints():
    assert Termination(1, 227).label == 227
    assert Termination(2, "a@example.com").label == "a@example.com"
    assert Termination(3, Phone("44", "20", "77994044")).label == "44 20 77994044"
    assert Termination(3, ORIGINATION_PHONE).label == "7202108298"


# -- voice -------------------------------------------------------------------------------------


def test_a_user_is_reached_as_a_call_would_reach_it():
    hunting = replace(JOHN, hunt_order=(2, 1), tryall=True)
    assert recipients.voice(hunting, SUNDAY_NOON, ORIGIN) == Reach((OFFICE.phone, HOME.phone), True)
    assert recipients.voice(JOHN, SUNDAY_NOON, ORIGIN) == Reach((HOME.phone,))


def test_a_user_in_do_not_disturb_is_not_dialed():
    assert recipients.voice(replace(JOHN, dnd=(ALL_DAY,)), SUNDAY_NOON, ORIGIN) == Reach(
        (), dnd=True
    )


def test_a_user_who_blacklisted_the_origination_is_not_dialed_whatever_else():
    for block in (Block(BLOCK_PHONE, ORIGINATION_PHONE), Block(BLOCK_USER, 42)):
        blocking = replace(JOHN, blacklist=(block,), dnd=(ALL_DAY,))
        assert recipients.voice(blocking, SUNDAY_NOON, ORIGIN) == Reach((), blacklisted=True)


def test_a_user_that_no_longer_exists_reaches_nobody():
    assert recipients.voice(None, SUNDAY_NOON, ORIGIN) == Reach(())
    assert recipients.sms(None, SUNDAY_NOON, ORIGIN) == Reach(())


def test_a_number_is_dialed_unless_its_holder_blacklisted_the_origination():
    number = Phone("1", "", "3035550001")
    assert recipients.number(number, None, ORIGIN) == Reach((number,))
    assert recipients.number(number, replace(JOHN, dnd=(ALL_DAY,)), ORIGIN) == Reach((number,))
    blocking = replace(JOHN, blacklist=(Block(BLOCK_USER, 42),))
    assert recipients.number(number, blocking, ORIGIN) == Reach((), blacklisted=True)


# -- SMS -----------------------------------------------------------------------------------------


def test_sms_goes_to_the_default_sms_number():
    texting = replace(JOHN, sms_phones=(TEXTS,), default_sms_phone_id=3)
    assert recipients.sms(texting, SUNDAY_NOON, ORIGIN) == Reach((TEXTS.phone,))


def test_sms_to_a_user_without_sms_numbers_goes_to_the_default_number():
    assert recipients.sms(JOHN, SUNDAY_NOON, ORIGIN) == Reach((HOME.phone,))


def test_sms_respects_do_not_disturb_and_the_blacklist():
    assert recipients.sms(replace(JOHN, dnd=(ALL_DAY,)), SUNDAY_NOON, ORIGIN) == Reach((), dnd=True)
    blocking = replace(JOHN, blacklist=(Block(BLOCK_USER, 42),))
    assert recipients.sms(blocking, SUNDAY_NOON, ORIGIN) == Reach((), blacklisted=True)


@quick
@given(st.integers(0, 167), st.booleans(), st.booleans())
def test_a_reach_never_both_rings_and_has_a_reason_not_to(hour, dnd, blocked):
    profile = replace(
        JOHN, dnd=(ALL_DAY,) if dnd else (), blacklist=(Block(BLOCK_USER, 42),) if blocked else ()
    )
    for reach in (
        recipients.voice(profile, 1704585600 + hour * 3600, ORIGIN),
        recipients.sms(profile, 1704585600 + hour * 3600, ORIGIN),
    ):
        assert bool(reach.numbers) != (reach.dnd or reach.blacklisted)
        assert reach.blacklisted == blocked


# -- the origination -----------------------------------------------------------------------------


def test_the_origin_of_a_number_is_the_number_and_its_holder():
    term = Termination(3, ORIGINATION_PHONE)
    assert recipients.origin(term, replace(JOHN, user_id=42)) == ORIGIN
    assert recipients.origin(term, None) == Origin.of_phone(ORIGINATION_PHONE)
    assert recipients.caller(term, None) == ORIGINATION_PHONE


def test_the_origin_of_a_user_is_the_user_and_all_its_numbers():
    term = Termination(1, 7)
    assert recipients.origin(term, JOHN) == Origin(7, frozenset({HOME.phone.key, OFFICE.phone.key}))
    assert recipients.caller(term, JOHN) == HOME.phone
    assert recipients.origin(term, None) == Origin(7)
    assert recipients.caller(term, None) is None
    assert recipients.origin(Termination(2, "gone@example.com"), None) == Origin()
