"""What the telephone carriers (chalicelib/telephony) and the text messaging adapters
(chalicelib/messaging) share of a provider, below both, so that neither imports the other:

    errors.py        CarrierError, CarrierBusy, Gone: a provider's API failing, throttled,
                     or naming something that is over (re-exported by chalicelib.telephony)
    twilio/          a Twilio-compatible account (Twilio, SignalWire): its REST client,
                     the webhook signature, and the account's secret read from the store

A provider module imports only chalicelib's base modules and store/ (the secret).
"""
