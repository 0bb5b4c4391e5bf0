"""What call POST asks the dialing to do: the sides, their order and options (no IO)."""

from chalicelib.domain.destinations import Destination
from chalicelib.domain.numbers import Phone
from chalicelib.domain.profile import Number, Profile
from chalicelib.domain.resolve import Origin
from chalicelib.domain.windows import Window
from chalicelib.store.profiles import Directory
from chalicelib.telephony import Target
from chalicelib.workflows.calls import CallRequest, legs, origin, side
from chalicelib.workflows.legs import Reach, of_profile

AT = 1704704400


def number(i: int, digits: str) -> Number:
    return Number(i, Phone("1", "", digits), 2)


JANE = Profile(
    7,
    phones=(number(1, "7209814345"), number(2, "3035550101"), number(3, "3035551234")),
    default_phone_id=1,
    hunt_order=(2, 3),
    tryall=True,
)
JOHN_SIDE = Reach((Target("7202108298", "+17202108298"),), label="7202108298")
JANE_SIDE = Reach(
    (Target("3035550101", "+13035550101"), Target("3035551234", "+13035551234")),
    label="7209814345",
    tryall=True,
)


def request(**options) -> CallRequest:
    return CallRequest(235, Destination(1, 235), Destination(1, 7), "Press 1", **options)


def test_a_user_side_rings_its_resolved_numbers_and_is_labelled_by_its_default():
    assert of_profile(JANE, AT) == JANE_SIDE


def test_a_user_in_dnd_rings_nothing():
    resting = Profile(7, phones=JANE.phones, default_phone_id=1, dnd=(Window(0, 0, 127, 0),))
    assert of_profile(resting, AT) == Reach((), label="7209814345", dnd=True)


def test_a_phone_side_rings_the_number_as_given():
    london = Phone("44", "20", "77994044")
    assert side(Destination(3, london), Directory(), AT, "destination") == Reach(
        (Target("44 20 77994044", "+442077994044"),), label="44 20 77994044"
    )


def test_by_default_the_destination_is_asked_to_press_1_then_the_origination_is_bridged():
    destination, origination = legs(request(), JOHN_SIDE, JANE_SIDE)
    assert (destination.role, origination.role) == ("destination", "origination")
    assert destination.numbers == JANE_SIDE.targets and destination.tryall
    assert (destination.ask_for_one, destination.detect_machine, destination.accept_machine) == (
        True,
        True,
        False,
    )
    assert destination.announcement == {"text": "Press 1"}
    # Each side sees the other's first number
    assert (destination.caller_id, origination.caller_id) == ("+17202108298", "+13035550101")
    assert (origination.ask_for_one, origination.accept_machine, origination.announcement) == (
        False,
        False,
        {},
    )


def test_disable_amd_turns_off_machine_detection_on_the_destination_only():
    destination, origination = legs(request(disable_amd=True), JOHN_SIDE, JANE_SIDE)
    assert (destination.detect_machine, origination.detect_machine) == (False, True)


def test_call_origination_dials_the_origination_first_and_accepts_a_machine_after():
    first, second = legs(request(call_origination=True), JOHN_SIDE, JANE_SIDE)
    assert (first.role, second.role) == ("origination", "destination")
    assert first.announcement == {"text": "Press 1"}
    assert (second.ask_for_one, second.accept_machine, second.detect_machine) == (False, True, True)


def test_the_origin_of_a_user_is_the_user_and_all_its_numbers():
    directory = Directory(profiles={7: JANE})
    assert origin(Destination(1, 7), directory) == Origin(
        7, frozenset({"+17209814345", "+13035550101", "+13035551234"})
    )


def test_the_origin_of_a_phone_is_the_number_and_whoever_holds_it():
    phone = Phone("1", "", "3035550101")
    assert origin(Destination(3, phone), Directory(phones={phone.key: 7})) == Origin(
        7, frozenset({"+13035550101"})
    )
    assert origin(Destination(3, phone), Directory()) == Origin(None, frozenset({"+13035550101"}))


def test_the_request_is_kept_in_its_wire_form():
    kept = CallRequest(
        235,
        Destination(2, "john@example.com"),
        Destination(3, Phone("1", "", "7209814345")),
        "Hi",
        call_origination=True,
    ).record()
    assert kept == {
        "origination": "2:john@example.com",
        "destination": "3:7209814345",
        "text": "Hi",
        "callOrigination": 1,
        "disableAMD": 0,
    }
