"""The Chime SDK PSTN Audio carrier (`OCP_CARRIER=chime`; README "Real calls").

    adapter.py   ChimeCarrier: the Carrier port over chime-sdk-voice (place, hang up,
                 bridge) and chime-sdk-meetings (conference rooms)
    sma.py       the SIP media application's handler: answers each call event with
                 actions and reports dials and call ends to the state machine
    entry.py     the `sma` Lambda function's entry point (thin: the service waits 5 s)
    legs.py      what a call carries between the two: the dial, as ArgumentsMap and
                 TransactionAttributes
    actions.py, events.py, results.py, caller.py   pure pieces of both

Nothing is imported here: `app.py` imports `entry`, which imports the rest when a call
event arrives.
"""
