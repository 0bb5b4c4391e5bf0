"""What one enterprise may do (docs/limits.md "Per enterprise"): its request rate, its spend
guards, its sign-in throttle and the default of its new users' `exclusive`. Pure values:
`Limits` with the documented defaults, an operator's overrides (`with_changes`) and their
stored form (`to_stored` / `from_stored`, only what differs from the defaults, so that a
default changed later reaches every enterprise that never set it).

The day is the UTC day (`day_of`); daily caps count on one item per enterprise, kind and
day (store/quotas.py) with atomic conditional ADDs: `admits` is their arithmetic.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

DAY_SECONDS = 86_400

# The reference: "the telephony serves the United States and Canada" (ISO 3166 regions,
# as phonenumbers names them; the North American numbering plan's other countries are not
# in it).
DEFAULT_COUNTRIES = frozenset({"US", "CA"})

# Daily caps, by the name the error and the admin command use.
CALLS = "calls"  # calls placed: call POST, an autoconference's and a conference's legs
MINUTES = "minutes"  # billed minutes of ended calls (counted when they end)
SEGMENTS = "segments"  # SMS segments sent by blastsms (a text of n segments counts n)
RECIPIENTS = "recipients"  # blast recipients, voice and SMS
SPEECH = "speech"  # text-to-speech characters (ttspreview, blast text)
DAILY = (CALLS, MINUTES, SEGMENTS, RECIPIENTS, SPEECH)

# Failed sign-ins are counted in windows of this many seconds (one for every enterprise, so
# that a sign-in reads its enterprise and its window's count in one request).
SIGN_IN_WINDOW = 60


@dataclass(frozen=True)
class Limits:
    """One enterprise's limits; the defaults are the documented ones (docs/limits.md)."""

    # Requests a second to the API (every route but /session and the carriers' webhooks),
    # and how many may come at once after a quiet spell (the token bucket's size).
    requests_per_second: float = 20.0
    burst: int = 20
    # Countries its calls and texts may reach (phonenumbers' region of the number).
    countries: frozenset[str] = DEFAULT_COUNTRIES
    # Daily caps (UTC day), by kind.
    calls_per_day: int = 2_000
    minutes_per_day: int = 20_000
    segments_per_day: int = 10_000
    recipients_per_day: int = 20_000
    speech_per_day: int = 300_000  # a hundred 3,000-character ttspreviews
    # Recipients of one blast (at most the platform's OCP_BLAST_MAX_RECIPIENTS).
    recipients_per_blast: int = 10_000
    # Refuse a call (120) for a requester whose mouused has reached its mouallowed (one set
    # above 0: 0, the reference's "none set", never stops).
    stop_at_mou_allowed: bool = False
    # The `exclusive` a user POST without the variable gets (the reference: shared).
    exclusive_users: bool = False
    # Failed sign-ins (102) of the enterprise in a SIGN_IN_WINDOW before sign-in is refused
    # (116, 429) until the window ends.
    sign_in_failures: int = 10

    def daily_cap(self, kind: str) -> int:
        return int(getattr(self, f"{kind}_per_day"))

    def with_changes(self, **changes: Any) -> Limits:
        """These limits with an operator's changes, each checked (ValueError says which)."""
        known = {f.name: f for f in dataclasses.fields(self)}
        parsed: dict[str, Any] = {}
        for name, value in changes.items():
            if name not in known:
                raise ValueError(f"no limit named {name!r}: one of {', '.join(known)}")
            parsed[name] = _parse(name, value, getattr(Limits(), name))
        return dataclasses.replace(self, **parsed)

    def to_stored(self) -> dict[str, Any]:
        """Only what differs from the defaults, in JSON's types."""
        default = Limits()
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value != getattr(default, f.name):
                out[f.name] = sorted(value) if isinstance(value, frozenset) else value
        return out

    @classmethod
    def from_stored(cls, stored: dict[str, Any] | None) -> Limits:
        """What `to_stored` wrote; a name no longer known is ignored (a limit removed)."""
        known = {f.name for f in dataclasses.fields(cls)}
        return cls().with_changes(**{k: v for k, v in (stored or {}).items() if k in known})

    def describe(self) -> dict[str, Any]:
        """Every limit, for the operator (admin show-limits, the console)."""
        return {
            f.name: sorted(v) if isinstance(v := getattr(self, f.name), frozenset) else v
            for f in dataclasses.fields(self)
        }


def _parse(name: str, value: Any, default: Any) -> Any:
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"{name} is 0 or 1, not {value!r}")
    if isinstance(default, frozenset):
        items = value.split(",") if isinstance(value, str) else list(value)
        regions = frozenset(str(r).strip().upper() for r in items if str(r).strip())
        if not all(len(r) == 2 and r.isalpha() for r in regions):
            raise ValueError(f"{name} are two-letter country codes (US,CA), not {value!r}")
        return regions
    number = float(value) if isinstance(default, float) else int(value)
    if isinstance(default, float):
        if not math.isfinite(number) or number <= 0:
            raise ValueError(f"{name} must be above 0, not {value!r}")
        return number
    if number < (1 if name in ("burst", "sign_in_failures") else 0):
        raise ValueError(f"{name} is too small: {value!r}")
    return number


@lru_cache(maxsize=4096)
def region_of(e164: str) -> str:
    """The country (ISO 3166 region) of a number: phonenumbers' region of the number, or
    where it names none (a number no region's plan holds, such as the 555-01xx test lines),
    the main country of its calling code ("US" for +1); "ZZ" if none."""
    import phonenumbers  # deferred (chalicelib/imports.py): a cold start without it

    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return "ZZ"
    region = phonenumbers.region_code_for_number(number)
    if region:
        return str(region)
    return str(phonenumbers.region_code_for_country_code(number.country_code or 0))


# -- daily caps -----------------------------------------------------------------------------


def day_of(now: float) -> int:
    """The UTC day a Unix time falls in (days since 1970-01-01)."""
    return int(now // DAY_SECONDS)


def seconds_to_day_end(now: float) -> int:
    """Whole seconds until the next UTC day begins (at least 1): a Retry-After."""
    return max(1, math.ceil((day_of(now) + 1) * DAY_SECONDS - now))


def admits(used: int, amount: int, cap: int) -> bool:
    """Whether `amount` more fits under `cap` when `used` are counted already. The store's
    conditional ADD is this test (`used <= cap - amount`), made in the same write."""
    return amount <= cap - used


@dataclass(frozen=True)
class Policy:
    """What the API checks of an enterprise on each request: whether it may sign in, which
    sessions are still its (the epoch, bumped by suspend and rotate-secret), its limits."""

    eid: int
    active: bool = True
    epoch: int = 0
    limits: Limits = field(default_factory=Limits)
