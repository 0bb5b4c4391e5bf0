"""The shape of each route's success bodies, declared beside the route.

A shape mirrors the plain data a view returns for `protocol.render`:

* a dict is a sequence of child elements, in order, each with its shape;
* `Each("number", shape)` is a container element of repeated children (render's `Items`):
  `<numbers><number/>...</numbers>`, a JSON array;
* `Many(shape)` is the element itself repeated (a list under a key: `<contact/>` twice),
  a JSON array too;
* `Maybe(shape)` is an element that is sometimes left out; `Empty(shape)` one that may be
  empty (`<cityCode />`, JSON null);
* INT, NUM, TEXT are leaves;
* `Document(media_type)` is a whole body of another kind (the HTML of /docs).

`Returns(status, shape)` is one success outcome. The OpenAPI description turns these into
schemas (chalicelib/openapi.py); nothing at request time reads them.

They are declarations, built once at import and never changed or compared: plain
dataclasses (`eq=False`, not frozen), since every Lambda cold start builds these classes
and a frozen dataclass with its comparisons costs about 0.4 ms to build, a plain one 0.1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

INT = "integer"
NUM = "number"
TEXT = "string"


@dataclass(eq=False)
class Each:
    """A container element whose children all repeat one name."""

    child: str
    shape: Any


@dataclass(eq=False)
class Many:
    """The element repeated, without a container."""

    shape: Any


@dataclass(eq=False)
class Maybe:
    """An element that is sometimes left out."""

    shape: Any
    doc: str = ""


@dataclass(eq=False)
class Empty:
    """An element that may be empty: `<cityCode />`, JSON null."""

    shape: Any


@dataclass(eq=False)
class Leaf:
    """A leaf with a description or a fixed set of values."""

    type: str | tuple[str, ...]  # a JSON type, or several: (INT, TEXT)
    doc: str = ""
    enum: tuple[str, ...] = ()


@dataclass(eq=False)
class Document:
    """A body that is not an OCP body: a media type (the HTML of /docs, the description)."""

    media_type: str
    doc: str = ""


@dataclass(eq=False)
class Returns:
    """One success outcome: its status, body shape (None: no body) and when it happens.

    `verbose_only`: the body is sent only with verbose=1 (an empty body otherwise).
    """

    status: int
    shape: Any = None
    when: str = ""
    verbose_only: bool = False


NONE_FOUND = Returns(204, None, "None found.")
STATUS = {"status": TEXT}


def ok(status: int = 200, *, verbose_only: bool = True) -> Returns:
    """The reference's `<status>ok</status>` body (render.status_ok)."""
    return Returns(status, STATUS, verbose_only=verbose_only)
