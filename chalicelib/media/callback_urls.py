"""Which status callback URLs events may be sent to: the rules of blast audio URLs
(media/fetch.py: http or https, public addresses only), checked when a request names one
(protocol/callbacks.py) and again at each delivery (events/delivery.py), since what the
name resolves to may change.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import TYPE_CHECKING

from chalicelib import settings
from chalicelib.errors import Code, OcpError
from chalicelib.imports import on_first_use

if TYPE_CHECKING:
    from chalicelib.media import fetch
else:
    # http.client and ssl: only a request that names a callback vets its URL.
    fetch = on_first_use("chalicelib.media.fetch")


def vet_url(name: str, url: str) -> str:
    """The URL, if events may be sent to it now; 902 otherwise."""
    try:
        fetch.vet(url, fetch.resolve_host, allowed_networks())
    except (fetch.Refused, ValueError, OSError, socket.gaierror, UnicodeError):
        raise OcpError(Code.INVALID_VALUE, name=name, value=url) from None
    return url


def allowed_networks() -> tuple[fetch.Network, ...]:
    """Networks exempt from the public-address rule: `make run` allows its loopback
    receiver (OCP_CALLBACK_ALLOWED_NETWORKS); deployed stages allow none."""
    return tuple(
        ipaddress.ip_network(n, strict=False) for n in settings.get().callback_allowed_networks
    )
