"""A Twilio-compatible account (Twilio, SignalWire), as both its voice carrier
(chalicelib/telephony/twilio) and its texts (chalicelib/messaging/twilio.py) use it:

    rest.py       the REST client: form-encoded POSTs with HTTP Basic, errors mapped
    signature.py  X-Twilio-Signature / X-SignalWire-Signature, computed and checked
    account.py    the account's auth token and webhook keys (store.carrier_secret), and
                  the REST client made from settings
"""
