"""In-memory stand-ins for what the Chime adapter and handler share through DynamoDB
(store.pacing, store.rendezvous) and for the dialer's report functions, so that the
handler's decisions are tested without IO."""

from __future__ import annotations

from dataclasses import dataclass, field

from chalicelib.store.rendezvous import Race


@dataclass
class FakePacing:
    """Every take succeeds unless `waits` says otherwise (seconds, consumed in order)."""

    waits: list = field(default_factory=list)
    reserved: list = field(default_factory=list)
    next_free: float = 0.0

    @staticmethod
    def window(per_second):
        from chalicelib.store.pacing import window

        return window(per_second)

    def take(self, name, per_second, now):
        return self.waits.pop(0) if self.waits else None

    def reserve(self, name, count, every, now):
        start = max(now, self.next_free)
        self.next_free = start + count * every
        self.reserved.append((count, start))
        return start


@dataclass
class FakeBoard:
    races: dict = field(default_factory=dict)
    watch_tokens: dict = field(default_factory=dict)
    ended_after: dict = field(default_factory=dict)
    meetings: dict = field(default_factory=dict)
    recorded: set = field(default_factory=set)  # (call_id, key, number) reported Success

    def open_race(self, call_id, key, count):
        self.races[(call_id, key)] = {"count": count, "results": {}, "placed": {}, "winner": None}

    def _race(self, call_id, key):
        r = self.races.get((call_id, key))
        if r is None:
            return None
        return Race(r["count"], dict(r["results"]), dict(r["placed"]), r["winner"])

    def placed(self, call_id, key, references, failed):
        r = self.races[(call_id, key)]
        r["placed"].update(references)
        r["results"].update(failed)
        return self._race(call_id, key)

    def lost(self, call_id, key, index, result):
        r = self.races[(call_id, key)]
        if index in r["results"]:
            return None
        r["results"][index] = result
        return self._race(call_id, key)

    def won(self, call_id, key, index):
        r = self.races[(call_id, key)]
        if r["winner"] is None:
            r["winner"] = index
            return self._race(call_id, key)
        return self._race(call_id, key) if r["winner"] == index else None

    def race_of(self, call_id, key):
        return self._race(call_id, key)

    def watch(self, call_id, token):
        self.watch_tokens[call_id] = token
        return self.ended_after.get(call_id)

    def ended(self, call_id, seconds):
        if call_id in self.ended_after:
            return None
        self.ended_after[call_id] = seconds
        return self.watch_tokens.get(call_id)

    def reported(self, call_id, key, number):
        return (call_id, key, number) in self.recorded

    def meeting(self, conference_id):
        return self.meetings.get(conference_id)

    def set_meeting(self, conference_id, meeting_id, replacing):
        if self.meetings.get(conference_id) == replacing:
            self.meetings[conference_id] = meeting_id
        return self.meetings[conference_id]


@dataclass
class FakeTasks:
    waiting: bool = True

    def alive(self, token):
        return self.waiting


@dataclass
class FakeDialer:
    """Records what the handler reports; a report of Success closes the task, as
    SendTaskSuccess does (a repeated report then finds it not waiting)."""

    board: FakeBoard
    tasks: FakeTasks = field(default_factory=FakeTasks)
    dials: list = field(default_factory=list)  # (Dial, Outcome)
    ends: list = field(default_factory=list)  # (token, seconds)

    def report_dial(self, dial, outcome):
        self.dials.append((dial, outcome))
        if outcome.result == "Success":
            self.board.recorded.add((dial.call_id, dial.key, outcome.answered))

    def report_end(self, token, seconds):
        self.ends.append((token, seconds))


@dataclass
class FakeCarrier:
    """The adapter's side the handler uses: hang up other calls, join rooms."""

    sma_id: str = "b89ecad8-3f43-426b-a778-582a7fdb4db1"
    hung_up: list = field(default_factory=list)
    joins: list = field(default_factory=list)
    fail_join: bool = False

    def hang_up(self, reference):
        self.hung_up.append(reference)

    def join(self, room, call_id, transaction_id):
        from chalicelib.telephony import CarrierError

        if self.fail_join:
            raise CarrierError("no meeting")
        self.joins.append((room, call_id))
        return "5f0c2f6e-0000-4000-8000-000000000001", "join-token-1"
