"""Names the wire format and the rules share, in a module light enough for route
declarations (every route module is imported at every cold start)."""

# A destination's or origination's type, as `type:value` pairs name it (reference
# "destination" data type): a userId, an email address or a phone number.
USER_ID, EMAIL, PHONE = 1, 2, 3

# The kinds of blast.
VOICE, SMS = "voice", "sms"

# A Calls item's kind as GET /calls names it (`<kind>`, its `kind` variable) -> as stored:
# a voice blast's recipients are stored as "blast".
STORED_CALL_KIND = {
    "call": "call",
    "autoconference": "autoconference",
    "conference": "conference",
    "blastvoice": "blast",
    "blastsms": "blastsms",
}
