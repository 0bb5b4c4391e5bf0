"""The reference's example bodies (../shared/spec/examples) and an element-by-element comparison."""

from __future__ import annotations

import os
from pathlib import Path
from xml.etree import ElementTree

EXAMPLES = Path(
    os.environ.get(
        "OCP_SPEC_EXAMPLES", Path(__file__).resolve().parents[2] / "shared" / "spec" / "examples"
    )
)


def example(name: str) -> ElementTree.Element:
    return ElementTree.parse(EXAMPLES / name).getroot()


def assert_matches_example(
    body: bytes | str, name: str, *, values: bool = True, ignore: tuple[str, ...] = ()
) -> None:
    """The body has the example's elements, in its order, at the same depth; and,
    when `values`, the same text except in the elements named in `ignore`."""
    got = ElementTree.fromstring(body)
    _compare(example(name), got, "/ResponseData", values, set(ignore))


def _compare(
    want: ElementTree.Element, got: ElementTree.Element, where: str, values: bool, ignore: set[str]
) -> None:
    assert got.tag == want.tag, f"{where}: element <{got.tag}>, example has <{want.tag}>"
    want_children, got_children = list(want), list(got)
    assert [c.tag for c in got_children] == [c.tag for c in want_children], (
        f"{where}: children {[c.tag for c in got_children]}, example has "
        f"{[c.tag for c in want_children]}"
    )
    if not want_children and values and want.tag not in ignore:
        assert (got.text or "").strip() == (want.text or "").strip(), (
            f"{where}: text {got.text!r}, example has {want.text!r}"
        )
    for w, g in zip(want_children, got_children, strict=True):
        _compare(w, g, f"{where}/{w.tag}", values, ignore)


def xml(body: bytes | str) -> ElementTree.Element:
    return ElementTree.fromstring(body)


def error_codes(body: bytes | str) -> list[int]:
    return [int(e.findtext("code")) for e in xml(body).iter("error")]
