"""The `sma` Lambda function (`app.lambda_function(name="sma")`): the SIP media
application invokes it with each call event and waits 5 s for the actions. Thin: the
handler and what it needs are imported on the first event, not with app.py.

Chalice names a pure Lambda function's handler `app.{the function's __name__}`, so
app.py imports this function under its own name (`app.sma_handler` must exist)."""

from __future__ import annotations

from typing import Any


def sma_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from chalicelib import logs
    from chalicelib.telephony.chime import sma

    with logs.scope(requestId=getattr(context, "aws_request_id", None)):
        return sma.default().handle(event)
