"""The Chime SDK PSTN Audio carrier (`OCP_CARRIER=chime`; README "Real calls").

    adapter.py   ChimeCarrier: the Carrier port over chime-sdk-voice (place, hang up,
                 bridge) and chime-sdk-meetings (conference rooms)
    sma.py       the SIP media application's handler: the invocation's boundary
    stages.py    leg A's stages (a state machine), reporting through the core
    bridging.py  the leg bridged second (CallAndBridge): rung, its PIN, reported
    legs.py      what a call carries between the two: the dial (telephony/spec.py), its
                 Stage, as ArgumentsMap and TransactionAttributes
    actions.py, events.py, results.py   pure pieces: the SMA actions, the events read,
                 what PSTN Audio's outcomes mean

Nothing is imported here, nor by `app.py`: the `sma` function's entry point
(workflows/handlers.py `sma_handler`) imports `sma` when a call event arrives.
"""
