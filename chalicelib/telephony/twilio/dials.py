"""A dial as its webhooks need it, and where they are reached.

The adapter keeps a `Spec` (telephony/spec.py) per dial on the Calls item (store/legs.py:
Twilio's calls keep no state for us) and gives Twilio URLs whose path says which step of
which number of which dial it is: `/twilio/{step}/{callId}/{key}/{index}`. State travels
in path segments, never in a query string, so that the URL Twilio signs is the one rebuilt
from OCP_PUBLIC_BASE_URL (providers/twilio/signature.py).
"""

from __future__ import annotations

from chalicelib.telephony.spec import Spec  # noqa: F401  (the dial, as kept: telephony/spec.py)

PREFIX = "twilio"
# The steps (hooks.py) a URL may name.
ANSWER = "answer"  # leg A answered (Calls.create Url)
STATUS = "status"  # leg A's status callback (its end)
AMD = "amd"  # leg A's asynchronous answering-machine detection result
GATHER = "gather"  # leg A pressed a key, or none (the "press 1" question)
ACCEPT = "accept"  # leg A accepted (pressed 1, or heard the announcement)
READY = "ready"  # leg A's PIN was sent
HOLD = "hold"  # leg A waits for the leg bridged to it
MESSAGE = "message"  # a blast's message again, after a machine's beep
CALLBACK = "callback"  # a blast recipient pressed 1 (or not)
BRIDGE = "bridge"  # leg A is redirected to ring the leg bridged to it (<Dial>)
SCREEN = "screen"  # a number of that <Dial> answered (<Number url>)
SCREENED = "screened"  # ... and pressed a key, or none
DIALED = "dialed"  # that <Dial> ended (its action)
STEPS = frozenset(
    {ANSWER, STATUS, AMD, GATHER, ACCEPT, READY, HOLD, MESSAGE, CALLBACK, BRIDGE, SCREEN}
    | {SCREENED, DIALED}
)
ROUTE = "/twilio/{step}/{call}/{key}/{index}"


def path(step: str, call_id: int, key: str, index: int = 0) -> str:
    return f"/{PREFIX}/{step}/{call_id}/{key}/{index}"
