"""store/sms_pacing: one limiter per origination identity, shared by every blast."""

from __future__ import annotations

import pytest

from chalicelib.store import sms_pacing

pytestmark = pytest.mark.usefixtures("aws")


def test_an_identity_takes_its_rate_a_second_whatever_the_blast():
    at = 1_000_000.25
    # Two blasts' batches take turns from one identity: three a second between them.
    taken = [sms_pacing.take("+18005550100", 3, at) for _ in range(3)]
    assert taken == [None, None, None]
    assert sms_pacing.take("+18005550100", 3, at + 0.5) == pytest.approx(0.25)
    # Another identity has its own turns; the next second, the first has three again.
    assert sms_pacing.take("+18005550199", 3, at) is None
    assert [sms_pacing.take("+18005550100", 3, at + 1) for _ in range(4)][-1] is not None


def test_one_a_second_for_a_10dlc_number():
    assert sms_pacing.take("+13035550100", 1, 50.0) is None
    assert sms_pacing.take("+13035550100", 1, 50.9) == pytest.approx(0.1)
    assert sms_pacing.take("+13035550100", 1, 51.0) is None
