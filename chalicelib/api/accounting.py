"""currency GET, POST, PUT, DELETE; mouallowed GET, POST; mouused GET, DELETE.

Amounts are exact Decimals end to end: currency has at most 2 decimals and may be negative,
minutes at most 1 decimal (RULINGS "currency", "mouallowed / mouused").
"""

from decimal import Decimal
from typing import TYPE_CHECKING

from chalice import Blueprint

from chalicelib.errors import Code
from chalicelib.imports import on_first_use
from chalicelib.protocol.params import USER_ID, Amount
from chalicelib.protocol.render import Reply, status_ok
from chalicelib.protocol.routes import Request, route
from chalicelib.protocol.shapes import NUM, Returns, ok

bp = Blueprint(__name__)
if TYPE_CHECKING:
    from chalicelib.store import accounts
else:
    accounts = on_first_use("chalicelib.store.accounts")  # with PynamoDB: not at cold start

# A request may move at most this much at once; far inside DynamoDB's 38 digits.
LIMIT = Decimal("999999999999.99")

AMOUNT = Amount(
    "amount", required=True, low=-LIMIT, high=LIMIT, doc="Currency, at most 2 decimal places."
)
# mouallowed's `mou` is printed as numeric, but RULINGS keeps minutes to 1 decimal:
# read as a double, so "12.5" is 12.5 and not the numeric sanitiser's 125.
MINUTES = Amount(
    "mou", places=1, required=True, low=Decimal(0), high=LIMIT, doc="Minutes, at most 1 decimal."
)
# Every route names a user the enterprise must see (106).
NO_USER = (Code.NO_SUCH_USER,)

CENT = Decimal("0.01")
TENTH = Decimal("0.1")


def money(amount: Decimal) -> Decimal:
    """Two decimals, as the reference prints `<amount>50.25</amount>`."""
    return amount.quantize(CENT) + 0  # "+ 0": never "-0.00"


def minutes(amount: Decimal) -> Decimal:
    """Whole minutes as the reference prints them (`<mou>50</mou>`), else one decimal."""
    tenths = amount.quantize(TENTH) + 0
    return tenths.quantize(Decimal(1)) if tenths == tenths.to_integral_value() else tenths


@route(
    bp,
    "/currency",
    ["GET"],
    variables=(USER_ID,),
    errors=NO_USER,
    returns=(Returns(200, {"amount": NUM}),),
    summary="A user's currency balance",
)
def get_currency(req: Request) -> Reply:
    user_id = req.values["userId"]
    return Reply({"amount": money(accounts.balances(req.eid, user_id).currency)})


@route(
    bp,
    "/currency",
    ["POST"],
    variables=(USER_ID, AMOUNT),
    errors=NO_USER,
    returns=(ok(201, verbose_only=False),),
    summary="Set a user's currency balance",
    idempotent=True,
)
def set_currency(req: Request) -> Reply:
    v = req.values
    accounts.set_currency(req.eid, v["userId"], v["amount"])
    return status_ok(201, verbose_only=False)


@route(
    bp,
    "/currency",
    ["PUT"],
    variables=(USER_ID, AMOUNT),
    errors=NO_USER,
    returns=(ok(200, verbose_only=False),),
    summary="Add to a user's currency balance",
    idempotent=True,
)
def add_currency(req: Request) -> Reply:
    v = req.values
    accounts.add_currency(req.eid, v["userId"], v["amount"])
    return status_ok(200, verbose_only=False)


@route(
    bp,
    "/currency",
    ["DELETE"],
    variables=(USER_ID, AMOUNT),
    errors=NO_USER,
    returns=(ok(200, verbose_only=False),),
    summary="Subtract from a user's currency balance",
    idempotent=True,
)
def subtract_currency(req: Request) -> Reply:
    v = req.values
    accounts.subtract_currency(req.eid, v["userId"], v["amount"])
    return status_ok(200, verbose_only=False)


@route(
    bp,
    "/mouallowed",
    ["GET"],
    variables=(USER_ID,),
    errors=NO_USER,
    returns=(Returns(200, {"mou": NUM}),),
    summary="A user's allowed minutes of use",
)
def get_minutes_allowed(req: Request) -> Reply:
    user_id = req.values["userId"]
    return Reply({"mou": minutes(accounts.balances(req.eid, user_id).mou_allowed)})


@route(
    bp,
    "/mouallowed",
    ["POST"],
    variables=(USER_ID, MINUTES),
    errors=NO_USER,
    returns=(ok(200, verbose_only=False),),
    summary="Set a user's allowed minutes of use",
    idempotent=True,
)
def set_minutes_allowed(req: Request) -> Reply:
    v = req.values
    accounts.set_minutes_allowed(req.eid, v["userId"], v["mou"])
    return status_ok(200, verbose_only=False)


@route(
    bp,
    "/mouused",
    ["GET"],
    variables=(USER_ID,),
    errors=NO_USER,
    returns=(Returns(200, {"mou": NUM}),),
    summary="A user's minutes used",
)
def get_minutes_used(req: Request) -> Reply:
    user_id = req.values["userId"]
    return Reply({"mou": minutes(accounts.balances(req.eid, user_id).mou_used)})


@route(
    bp,
    "/mouused",
    ["DELETE"],
    variables=(USER_ID,),
    errors=NO_USER,
    returns=(ok(200, verbose_only=False),),
    summary="Reset a user's minutes used to 0",
)
def reset_minutes_used(req: Request) -> Reply:
    accounts.reset_minutes_used(req.eid, req.values["userId"])
    return status_ok(200, verbose_only=False)
