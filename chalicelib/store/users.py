"""Users and their uniqueness keys.

Every function takes the session's enterprise: a user created with
exclusive=1 is invisible to every other enterprise (RULINGS "Authentication"),
which is the same answer as "no such user" (106).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pynamodb.expressions.condition import Condition

from chalicelib import clock
from chalicelib.domain.numbers import Phone
from chalicelib.errors import Code, OcpError
from chalicelib.store import ids, transactions
from chalicelib.store.conditional import commit_if, update_if
from chalicelib.store.models import PhoneMap, Unique, User, transaction

# References `_named` reads in one TransactGetItems; more are read with BatchGetItem.
MAX_TRANSACT_READS = 25

# Fields a client may write with user POST / PUT (DESIGN.md "Security": allow-listed).
PROFILE_FIELDS = (
    "first_name",
    "last_name",
    "address1",
    "address2",
    "city",
    "state",
    "zip",
    "country",
    "gender",
)


@dataclass(frozen=True)
class NewPhone:
    phone: Phone
    phone_type: int
    carrier_id: int = 0


def email_key(email: str) -> str:
    return f"email#{email.lower()}"


def phone_key(phone: Phone) -> str:
    return f"phone#{phone.key}"


def visible_condition(eid: int) -> Condition:
    return User.exclusive_eid.does_not_exist() | (User.exclusive_eid == eid)


def is_visible(exclusive_eid: float | None, eid: int) -> bool:
    """Whether a user with this exclusive_eid (or an item carrying a copy of it) is visible."""
    return exclusive_eid is None or int(exclusive_eid) == eid


def get(user_id: int, eid: int, *, consistent: bool = False) -> User:
    """The user item, or 106 if it does not exist or is not visible (one read)."""
    try:
        item = User.get(user_id, consistent_read=consistent)
    except User.DoesNotExist:
        raise OcpError(Code.NO_SUCH_USER) from None
    if not is_visible(item.exclusive_eid, eid):
        raise OcpError(Code.NO_SUCH_USER)
    return item


def id_by_email(email: str, eid: int) -> int:
    """uidbyemail: one read of the Uniques table, which carries visibility."""
    try:
        unique = Unique.get(email_key(email))
    except Unique.DoesNotExist:
        raise OcpError(Code.NO_SUCH_USER) from None
    if not is_visible(unique.exclusive_eid, eid):
        raise OcpError(Code.NO_SUCH_USER)
    return int(unique.user_id)


def create(
    eid: int, profile: dict[str, str], email: str, phone: NewPhone, exclusive: bool
) -> tuple[int, bool]:
    """(userId, created). An email already on a visible user returns that user
    (RULINGS: user POST is safe to retry); on an invisible one, or a phone number
    held by anyone, it is 103."""
    existing = _holder_of(email_key(email), eid, "email", email)
    if existing is not None:
        return existing, False
    _refuse_if_held(phone_key(phone.phone), "phoneNumber", phone.phone.display)  # no id spent
    user_id = ids.next_id("user")
    phone_id = ids.next_id("phone")
    exclusive_eid = eid if exclusive else None
    # Any: the profile's fields are the model's text attributes, not Model's own arguments.
    fields: dict[str, Any] = {
        k: v for k, v in profile.items() if k in PROFILE_FIELDS and v is not None
    }
    item = User(
        user_id,
        **fields,
        created_by=eid,
        exclusive_eid=exclusive_eid,
        emails=[email],
        default_email=email,
        phones=[_phone_map(phone_id, phone)],
        default_phone_id=phone_id,
        created=clock.now(),
    )

    def save() -> None:
        with transaction() as tx:
            tx.save(item, condition=User.user_id.does_not_exist())
            tx.save(
                Unique(email_key(email), user_id=user_id, exclusive_eid=exclusive_eid),
                condition=Unique.key.does_not_exist(),
            )
            tx.save(
                Unique(phone_key(phone.phone), user_id=user_id, exclusive_eid=exclusive_eid),
                condition=Unique.key.does_not_exist(),
            )

    if commit_if(save):
        return user_id, True
    # A concurrent POST with the same email won the race: answer as a retry would.
    existing = _holder_of(email_key(email), eid, "email", email)
    if existing is not None:
        return existing, False
    _refuse_if_held(phone_key(phone.phone), "phoneNumber", phone.phone.display)
    raise OcpError(Code.USER_EXISTS)


def _taken(name: str, value: str) -> OcpError:
    """103, saying which input another user holds."""
    return OcpError(Code.USER_EXISTS, about=f": {name} ({value}) is another user's")


def _refuse_if_held(key: str, name: str, value: str) -> None:
    """103 naming the input when any user (visible or not) holds this uniqueness key."""
    try:
        Unique.get(key, consistent_read=True)
    except Unique.DoesNotExist:
        return
    raise _taken(name, value)


def update(user_id: int, eid: int, profile: dict[str, str]) -> None:
    """Set the named profile fields in one conditional write (106 if not visible)."""
    actions = [
        getattr(User, k).set(v) for k, v in profile.items() if k in PROFILE_FIELDS and v is not None
    ]
    if not actions:
        get(user_id, eid)  # still answer 106 for an unknown user
        return
    # PynamoDB adds a version action itself, so concurrent read-modify-write saves
    # of the whole profile notice this change. It is an increment only when the
    # instance has a version (with none it would set 1, which a saver that read
    # version 1 would not notice); the value itself is not checked here.
    if not update_if(
        User(user_id, version=0),
        actions,
        User.user_id.exists() & visible_condition(eid),
        retry_conflicts=True,
        add_version_condition=False,
    ):
        raise OcpError(Code.NO_SUCH_USER)


def delete(user_id: int, eid: int) -> None:
    """Remove the user with every uniqueness key it holds, in one transaction (its groups
    and balances go after it: store/user_deletion.py)."""
    item = get(user_id, eid)
    keys = [email_key(e) for e in item.emails]
    keys += [
        phone_key(Phone(p.country_code, p.city_code, p.digits))
        for p in list(item.phones) + list(item.sms_phones)
    ]

    def remove() -> None:
        with transaction() as tx:
            tx.delete(item)  # conditioned on the version read: no lost concurrent change
            for key in dict.fromkeys(keys):
                tx.delete(Unique(key), condition=Unique.user_id == user_id)

    # Accounts and groups check the user item in transactions: retried on conflicts.
    if not commit_if(remove):
        # Changed or deleted meanwhile: the caller may simply retry.
        raise OcpError(Code.WRITE_FAILED)


def _holder_of(key: str, eid: int, name: str = "", value: str = "") -> int | None:
    """The visible user holding a uniqueness key; 103 (naming the input `name`, when
    given) if an invisible one holds it."""
    try:
        unique = Unique.get(key, consistent_read=True)
    except Unique.DoesNotExist:
        return None
    if not is_visible(unique.exclusive_eid, eid):
        raise _taken(name, value) if name else OcpError(Code.USER_EXISTS)
    return int(unique.user_id)


def _phone_map(phone_id: int, new: NewPhone) -> PhoneMap:
    return PhoneMap(
        id=phone_id,
        country_code=new.phone.country_code,
        city_code=new.phone.city_code,
        digits=new.phone.digits,
        phone_type=new.phone_type,
        carrier_id=new.carrier_id,
        validation_status=2,
    )


Ref = int | str  # a reference to a user: a userId, or an email address


def require_visible(eid: int, refs: list[Ref], *, name: str) -> None:
    """922 for every reference to a user (a userId, or an email address) that names no user
    visible to the enterprise (RULINGS "Destinations"); one consistent read of up to 100."""
    found = _named(refs)
    missing = [ref for ref, item in found.items() if item is None or not _sees(item, eid)]
    if missing:
        raise OcpError.combine(
            OcpError(Code.INVALID_USER_ID, name=name, value=ref) for ref in missing
        )


def hidden(eid: int, refs: Iterable[Ref]) -> set[Ref]:
    """The references that name a user exclusive to another enterprise. What a shared
    user's group or blacklist holds of such a user is shown to nobody else, and changed by
    nobody else (docs/api-users-and-profiles.md#two-enterprises-one-user). A reference to
    no user is not hidden."""
    return {ref for ref, item in _named(refs).items() if item is not None and not _sees(item, eid)}


def _sees(item: User | Unique, eid: int) -> bool:
    return is_visible(item.exclusive_eid, eid)


def _named(refs: Iterable[Ref]) -> dict[Ref, User | Unique | None]:
    """Each reference -> the Users item (a userId) or Uniques row (an email) that says who
    it names and whether they are visible; None for nobody. Consistent reads: one
    TransactGetItems for a few, BatchGetItem (100 keys a request) for more, as a blast
    naming thousands of users does (moto refuses a TransactGetItems of over 25)."""
    refs = list(dict.fromkeys(refs))
    if not refs:
        return {}
    if len(refs) <= MAX_TRANSACT_READS:
        found = transactions.get_items(
            [(User, ref) if isinstance(ref, int) else (Unique, email_key(ref)) for ref in refs]
        )
        return dict(zip(refs, found, strict=True))
    emails = [email_key(r) for r in refs if isinstance(r, str)]
    holders = {u.key: u for u in Unique.batch_get(emails, consistent_read=True)} if emails else {}
    user_ids = [r for r in refs if isinstance(r, int)]
    users = (
        {
            int(u.user_id): u
            for u in User.batch_get(
                user_ids, consistent_read=True, attributes_to_get=["user_id", "exclusive_eid"]
            )
        }
        if user_ids
        else {}
    )
    return {
        ref: users.get(ref) if isinstance(ref, int) else holders.get(email_key(ref)) for ref in refs
    }
