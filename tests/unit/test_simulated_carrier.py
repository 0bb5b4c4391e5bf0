"""The simulated carrier: outcomes by test number (docs/carriers.md "Test numbers")."""

import pytest

from chalicelib.telephony import (
    BUSY,
    DECLINED,
    FAILED,
    MACHINE,
    NO_ANSWER,
    SUCCESS,
    CarrierError,
    Dial,
    Target,
)
from chalicelib.telephony.carriers import carrier
from chalicelib.telephony.simulated import SimulatedCarrier, behaviour


def target(number: str) -> Target:
    return Target(number, f"+1{number}")


def dial(*numbers: str, **options) -> Dial:
    defaults = {"ask_for_one": True, "detect_machine": True, "accept_machine": False}
    defaults.update(options)
    return Dial(
        call_id=7,
        key="0.0",
        role="destination",
        targets=tuple(target(n) for n in numbers),
        token="t",
        **defaults,
    )


class Sleeps(list):
    """Records the delays the carrier would wait, instead of waiting."""

    def __call__(self, seconds):
        self.append(seconds)


@pytest.fixture
def sleeps():
    return Sleeps()


@pytest.fixture
def sim(sleeps):
    return SimulatedCarrier(answer_delay_seconds=3, talk_seconds=12, sleep=sleeps)


@pytest.mark.parametrize(
    "number, result",
    [
        ("3035550101", BUSY),
        ("3035550102", NO_ANSWER),
        ("3035550103", MACHINE),
        ("3035550104", DECLINED),
        ("3035550105", SUCCESS),
        ("3035550100", SUCCESS),
        ("3035550107", SUCCESS),
        ("3035550199", SUCCESS),
        ("3035551212", SUCCESS),
        ("2125550101", BUSY),  # any area code
        ("7205550102", NO_ANSWER),
    ],
)
def test_each_test_number(sim, number, result):
    # Given a test number, When it is dialed alone, Then it behaves as the table says
    outcome = sim.place(dial(number))
    assert outcome.result == result
    assert [(a.number, a.result) for a in outcome.attempts] == [(number, result)]


def test_a_carrier_failure_raises(sim):
    with pytest.raises(CarrierError):
        sim.place(dial("3035550106"))


def test_only_the_fictional_range_is_special():
    assert behaviour("+13035550101") == "busy"
    assert behaviour("+13035550201") == "human"  # 555-0201 is not a test number
    assert behaviour("+13035510101") == "human"
    assert behaviour("+4420555010") == "human"  # not NANP
    assert behaviour("+443035550101") == "human"


def test_an_answer_carries_the_number_and_a_reference_for_the_bridge(sim):
    outcome = sim.place(dial("3035551212"))
    assert outcome.answered == "3035551212"
    assert outcome.reference == "sim:7:0.0"


def test_unanswered_dials_have_no_reference(sim):
    outcome = sim.place(dial("3035550101"))
    assert outcome.answered is None and outcome.reference is None


def test_the_slow_human_answers_after_the_configured_delay(sim, sleeps):
    outcome = sim.place(dial("3035550105"))
    assert outcome.result == SUCCESS
    assert sleeps == [3]


def test_an_immediate_answer_does_not_wait(sim, sleeps):
    sim.place(dial("3035550199"))
    assert sleeps == []


def test_without_ask_for_one_answering_is_enough(sim):
    assert sim.place(dial("3035550104", ask_for_one=False)).result == SUCCESS


def test_a_machine_can_be_accepted(sim):
    # callOrigination=1: the destination's voicemail takes the call
    assert sim.place(dial("3035550103", accept_machine=True)).result == SUCCESS


def test_without_detection_a_machine_never_presses_1(sim):
    assert sim.place(dial("3035550103", detect_machine=False)).result == DECLINED
    assert sim.place(dial("3035550103", detect_machine=False, ask_for_one=False)).result == SUCCESS


# --- try-all: every number at once, first human wins -----------------------------


def test_try_all_the_first_human_wins_and_the_others_stop_ringing(sim, sleeps):
    outcome = sim.place(dial("3035550102", "3035550105", "3035550101", "3035551212"))
    assert outcome.result == SUCCESS
    assert outcome.answered == "3035551212"
    assert [a.result for a in outcome.attempts] == [NO_ANSWER, NO_ANSWER, BUSY, SUCCESS]
    assert sleeps == []


def test_try_all_waits_for_the_slow_human_when_nobody_else_answers(sim, sleeps):
    outcome = sim.place(dial("3035550102", "3035550103", "3035550105"))
    assert outcome.answered == "3035550105"
    assert [a.result for a in outcome.attempts] == [NO_ANSWER, MACHINE, SUCCESS]
    assert sleeps == [3]


def test_try_all_two_immediate_humans_the_first_listed_wins(sim):
    outcome = sim.place(dial("3035551111", "3035552222"))
    assert outcome.answered == "3035551111"
    assert [a.result for a in outcome.attempts] == [SUCCESS, NO_ANSWER]


def test_try_all_one_broken_number_is_just_a_failed_attempt(sim):
    outcome = sim.place(dial("3035550106", "3035551212"))
    assert [a.result for a in outcome.attempts] == [FAILED, SUCCESS]


def test_try_all_nobody_answers(sim):
    outcome = sim.place(dial("3035550101", "3035550102", "3035550104"))
    assert outcome.result == NO_ANSWER
    assert [a.result for a in outcome.attempts] == [BUSY, NO_ANSWER, DECLINED]
    same = sim.place(dial("3035550101", "2125550101"))
    assert same.result == BUSY


def test_try_all_every_number_broken_is_a_carrier_failure(sim):
    with pytest.raises(CarrierError):
        sim.place(dial("3035550106", "7205550106"))


def test_watch_reports_the_talk_time_and_hang_up_is_remembered(sim):
    assert sim.watch("sim:7:1.0", "t") == 12
    sim.hang_up("sim:7:0.0")
    assert sim.hung_up == ["sim:7:0.0"]


def test_the_adapter_is_chosen_by_name():
    assert isinstance(carrier("simulated"), SimulatedCarrier)
    with pytest.raises(ValueError):
        carrier("nonesuch")


def test_an_answered_leg_is_sent_its_digits_and_joins_its_room():
    # Given a dial to a conference engine with a PIN, and one to a participant of a room
    sim = SimulatedCarrier(sleep=lambda s: None)
    engine = sim.place(
        dial(
            "3035551212",
            ask_for_one=False,
            detect_machine=False,
            accept_machine=True,
            digits="123456#",
        )
    )
    joined = sim.place(dial("7205551212", room="sim-room:conference-1"))
    # Then the PIN went down the answered leg, and the participant is in the room
    assert sim.sent_digits == [(engine.reference, "123456#")]
    assert sim.rooms == {"sim-room:conference-1": [joined.reference]}


def test_an_unanswered_leg_is_sent_nothing_and_joins_nothing():
    sim = SimulatedCarrier(sleep=lambda s: None)
    sim.place(dial("3035550101", digits="1#", room="sim-room:conference-1"))
    assert (sim.sent_digits, sim.rooms) == ([], {})


def test_a_room_is_named_after_its_conference():
    assert SimulatedCarrier().open_room("conference-7") == "sim-room:conference-7"
