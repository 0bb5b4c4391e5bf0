"""Imports deferred for cold start, and the rule for them (tests/unit/test_import_graph.py
enforces it over app.py and chalicelib/).

Every Lambda function imports app.py whole, and the route modules name the store and
workflow modules they call; importing those (and PynamoDB and boto3 under them) at import
time costs the API handler, the dialer and every other consumer tens of milliseconds of
cold start for routes they may never serve. So:

1. A module of this project that a module needs only on some paths, and whose import
   would land on a cold start that does not need it, is bound at the top of the module
   with `on_first_use`, and imported under TYPE_CHECKING by the same name, so that mypy
   reads the module itself (its functions and their types) through the binding:

       if TYPE_CHECKING:
           from chalicelib.store import users
       else:
           users = on_first_use("chalicelib.store.users")  # with PynamoDB: not at cold start

   The first attribute read imports it (importlib's own lock makes that safe from several
   threads); every read after it is one dictionary lookup and a getattr. Tests that
   monkeypatch the real module are seen through the proxy. The dependency stays visible
   at the top of the file, and the import-graph check counts it like any import, and
   checks that each binding has its TYPE_CHECKING twin naming the same module
   (tests/import_graph.py `untyped`): a binding mypy cannot see through fails `make lint`.
   Where it is used: the route modules (api/), protocol's optional parts (idempotency,
   audio checks, status callbacks), the thin Lambda entry points (workflows/handlers.py)
   and the carrier adapters (telephony/carriers.py). A table of targets names them as
   "module:function" strings instead, imported by importlib when one is chosen
   (workflows/fire.py's kinds); the check counts those as imports too.

2. An `import` statement inside a function is for one of `DEFERRED_LIBRARIES` only:
   third-party libraries that are large to import and needed by a path most invocations
   never take. Nothing of this project is ever imported inside a function: not for cold
   start (rule 1 says how), and never to hide an import circle (there are none: the
   same check fails on one).

local/, infra/ and bench/ are tools, not Lambda code: they may import inside a function
where the import must wait for their own set-up (the settings of a local stack, moto's
mock, the CDK only when synthesising). The graph check counts those imports too.
"""

from __future__ import annotations

import importlib
from types import ModuleType

# The libraries a function under chalicelib/ may import inside itself, with why.
DEFERRED_LIBRARIES = {
    "boto3": "store/aws.py makes clients lazily (STYLE 4): the first AWS call pays for it",
    "botocore": "with boto3: its Config, for the first client",
    "phonenumbers": "its metadata: only requests with a phone number to check",
    "email_validator": "with dnspython: only requests with an email address to check",
    "python_multipart": "only multipart requests (blastvoice with an audioFile)",
    "numpy": "media/transcode.py's decoder: only blast audio under a WAV carrier",
    "soundfile": "media/transcode.py's decoder (libsndfile)",
    "soxr": "media/transcode.py's resampler (libsoxr)",
}


def on_first_use(name: str) -> ModuleType:
    """The module `name`, imported by the first attribute read. Typed as a module only:
    mypy reads the module itself from the TYPE_CHECKING import beside the binding."""
    return _Deferred(name)  # type: ignore[return-value]  # a stand-in for the module


class _Deferred:
    __slots__ = ("_name",)
    _name: str

    def __init__(self, name: str) -> None:
        object.__setattr__(self, "_name", name)

    def _module(self) -> ModuleType:
        return importlib.import_module(self._name)

    def __getattr__(self, attribute: str) -> object:
        return getattr(self._module(), attribute)

    def __setattr__(self, attribute: str, value: object) -> None:
        setattr(self._module(), attribute, value)

    def __delattr__(self, attribute: str) -> None:
        delattr(self._module(), attribute)

    def __repr__(self) -> str:
        return f"<module {self._name!r}, imported on first use>"
