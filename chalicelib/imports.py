"""`on_first_use("chalicelib.store.users")`: a module imported when it is first used.

Every Lambda function imports app.py whole, and the route modules name the store
modules they call; importing those (and PynamoDB under them) at import time costs
the API handler, the dialer and every other consumer tens of milliseconds of cold
start for routes they may never serve. A route module binds the name to this proxy
instead; the first attribute read imports the module (importlib's own lock makes
that safe from several threads), and every read after it is one dictionary lookup
and a getattr. Tests that monkeypatch the real module are seen through the proxy.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


def on_first_use(name: str) -> Any:
    """The module `name`, imported by the first attribute read."""
    return _Deferred(name)


class _Deferred:
    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        object.__setattr__(self, "_name", name)

    def _module(self) -> ModuleType:
        return importlib.import_module(self._name)

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self._module(), attribute)

    def __setattr__(self, attribute: str, value: Any) -> None:
        setattr(self._module(), attribute, value)

    def __delattr__(self, attribute: str) -> None:
        delattr(self._module(), attribute)

    def __repr__(self) -> str:
        return f"<module {self._name!r}, imported on first use>"
