"""The Chime SDK PSTN Audio carrier (`OCP_CARRIER=chime`; docs/carriers.md#chime).

    adapter.py   ChimeCarrier: the Carrier port over chime-sdk-voice (place, hang up,
                 bridge) and chime-sdk-meetings (conference rooms)
    sma.py       the SIP media application's handler: answers each call event with
                 actions and reports dials and call ends to the state machine
    legs.py      what a call carries between the two: the dial, as ArgumentsMap and
                 TransactionAttributes
    actions.py, events.py, results.py, caller.py   pure pieces of both

Nothing is imported here, nor by `app.py`: the `sma` function's entry point
(workflows/handlers.py `sma_handler`) imports `sma` when a call event arrives.
"""
