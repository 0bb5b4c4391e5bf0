"""`admin watch` over moto: a blast's progress is its recipients' Calls items."""

from __future__ import annotations

import json

from chalicelib.store import blasts, calls
from local import watch
from tests.api.people import new_user
from tests.examples import xml


def drain() -> None:
    from local import worker

    while worker.drain_fanout_queue():
        pass


def test_a_blast_shows_its_recipients_done_failed_and_pending(api):
    # Given a voice blast to four numbers, fanned out
    user = new_user(api)
    response = api.post(
        "/blastvoice",
        {
            "userId": user,
            "origination": "3:7202108298",
            "destination": "3:3035551212,3:3035550101,3:7205551212,3:7205551213",
            "text": "Practice moved",
        },
    )
    assert response.status_code == 201, response.body
    blast_id = int(xml(response.body).findtext("blastid"))
    drain()
    # When one recipient is reached and one fails
    blast = blasts.load(blast_id)
    calls.finish(blast.call_id(0), success=True, at=1, seconds=12)
    calls.finish(blast.call_id(1), success=False, at=1)
    board = watch.read_board()
    # Then the board shows the blast's progress, and its recipients are not listed as calls
    (progress,) = board.blasts
    assert (progress.blast.blast_id, progress.done, progress.failed, progress.pending) == (
        blast_id,
        1,
        1,
        2,
    )
    assert board.calls == ()
    assert "1 done · 1 failed · 2 pending / 4" in watch.render_board(board)
    assert progress.state == "started"
    # And once every recipient has ended, the state blast GET reports
    calls.finish(blast.call_id(2), success=True, at=2, seconds=3)
    calls.finish(blast.call_id(3), success=True, at=2, seconds=3)
    (progress,) = watch.read_board().blasts
    reported = api.get(f"/blastVoice/{blast_id}?userId={user}&output=json")
    assert progress.state == json.loads(reported.body)["currentState"] == "complete"
