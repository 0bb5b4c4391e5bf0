"""local/prerequisites.py's Node.js table is jsii's own (a jsii upgrade must update it)."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import jsii

from local.prerequisites import NODE_JSII_SUPPORT_ENDS


def jsii_releases() -> dict[int, tuple[datetime.date, datetime.date | None]]:
    """jsii's NodeRelease table, read from its embedded runtime: major -> (end of life,
    end of jsii support if it names one)."""
    runtime = Path(jsii.__file__).parent / "_embedded" / "jsii"
    text = "".join(p.read_text(errors="replace") for p in runtime.glob("*.js"))
    found = {}
    for major, body in re.findall(r"new NodeRelease\((\d+),\{([^}]*)\}", text):
        end = re.search(r'endOfLife:new Date\("([\d-]+)"\)', body)
        support = re.search(r'endOfJsiiSupport:new Date\("([\d-]+)"\)', body)
        if end and "untested:!0" not in body:
            found[int(major)] = (
                datetime.date.fromisoformat(end.group(1)),
                datetime.date.fromisoformat(support.group(1)) if support else None,
            )
    return found


def months_later(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    return day.replace(year=day.year + month // 12, month=month % 12 + 1)


def test_the_table_is_jsii_s():
    releases = jsii_releases()
    for major, ends in NODE_JSII_SUPPORT_ENDS.items():
        end_of_life, support = releases[major]
        # jsii supports a release six months past its end of life unless it says otherwise
        assert ends == (support or months_later(end_of_life, 6)), major
    newest = max(releases)
    assert newest in NODE_JSII_SUPPORT_ENDS, f"jsii knows Node.js {newest}: add it"
