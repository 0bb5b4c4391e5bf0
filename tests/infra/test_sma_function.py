"""The `sma` Lambda function: registered by app.py, reachable by the handler string
Chalice writes into the template, and allowed only what the handler touches."""

import importlib

from infra import access


def test_every_pure_function_handler_resolves_in_app_py():
    import app as module

    for function in module.app.pure_lambda_functions:
        name, _, attribute = function.handler_string.partition(".")
        assert callable(getattr(importlib.import_module(name), attribute)), function.name


def test_sma_is_a_function_of_the_app_with_its_own_access():
    import app as module

    found = access.app_functions(module.app)
    assert "sma" in found and found["sma"].consumes is None
    grant = access.FUNCTIONS["sma"]
    # what the handler touches (store.calls, store.rendezvous) and reports
    assert {"Calls", "Conferences"} <= set(grant.tables)
    assert grant.report_tasks and not grant.read_audio and not grant.write_audio
    assert {"UpdateSipMediaApplicationCall"} <= set(grant.sma_operations)
    assert {"CreateMeeting", "CreateAttendee"} <= set(grant.meeting_operations)
    # the dialer places calls and bridges, and paces them on the Counters table
    dialer = access.FUNCTIONS["dialer"]
    assert {"CreateSipMediaApplicationCall", "UpdateSipMediaApplicationCall"} <= set(
        dialer.sma_operations
    )
    assert "Counters" in dialer.chime_tables and dialer.chime_wav
    # the service waits 5 s for an answer
    assert grant.timeout_seconds <= 10


def test_the_handler_entry_answers_an_event_it_does_not_know(monkeypatch):
    from chalicelib.telephony.chime import sma

    class Stub:
        def handle(self, event):
            return {"SchemaVersion": "1.0", "Actions": []}

    monkeypatch.setattr(sma, "_handler", Stub())
    import app as module

    assert module.sma_handler({"InvocationEventType": "RINGING"}, None)["SchemaVersion"] == "1.0"


def test_the_dialer_paces_on_the_counters_table_in_a_chime_stage_only():
    from dataclasses import replace

    from infra.access import Function, Ref, Stage, plan

    stage = Stage(
        tables=dict.fromkeys(
            ("Calls", "Accounts", "Conferences", "Blasts", "Counters", "Quotas", "Compliance"),
            False,
        ),
        workflows=frozenset({"call"}),
        queues={"dial": "ocp-dev-dial"},
    )

    def tables(stage):
        return {
            r
            for s in plan(Function("dialer", "ocp-dev-dial"), stage)
            if "dynamodb:UpdateItem" in s.actions
            for r in s.resources
        }

    assert Ref("table", "Counters") not in tables(stage)
    assert Ref("table", "Counters") in tables(replace(stage, chime=True))
