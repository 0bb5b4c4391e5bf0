"""boto3 clients, made lazily and cached (never at import: moto must start first)."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from chalicelib import settings


@lru_cache(maxsize=None)
def client(service: str) -> Any:
    import boto3  # deferred: keeps cold starts of routes that never need it small

    s = settings.get()
    return boto3.client(service, region_name=s.region, endpoint_url=s.aws_endpoint_url)


def reset() -> None:
    """Forget cached clients (tests, after changing settings)."""
    client.cache_clear()
