"""The Twilio-compatible carrier (`OCP_CARRIER=twilio`; docs/twilio.md): Twilio
Programmable Voice, and SignalWire through the same REST API and TwiML ("cXML").

    adapter.py    TwilioCarrier: the Carrier port over the REST API (calls placed,
                  redirected to the next step, hung up; conferences ended)
    hooks.py      the webhooks' boundary: the path, the form and the signature checked
    stages.py     each number's stages (a state machine), reporting through the core
    pages.py      the TwiML of each stage
    status.py     what Twilio's call statuses mean
    dials.py      what a dial's webhooks need (kept on the Calls item, store/legs.py) and
                  the URLs they are reached at (state in path segments, never a query)
    (the REST client, the webhook signature and the account's secret are the account's,
    shared with the texts: chalicelib/providers/twilio/)
    twiml.py      the TwiML written

Nothing is imported here, nor by `app.py`: the webhook route (api/carrier_hooks.py)
imports `hooks` when a webhook arrives.
"""
