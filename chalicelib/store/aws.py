"""boto3 clients, made lazily and cached (never at import: moto must start first)."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from chalicelib import settings


@lru_cache(maxsize=None)
def client(service: str) -> Any:
    import boto3  # deferred: keeps cold starts of routes that never need it small

    s = settings.get()
    return boto3.client(service, region_name=s.region, endpoint_url=s.aws_endpoint_url,
                        config=_config(service))


def _config(service: str) -> Any:
    if service != "s3":
        return None
    from botocore.config import Config

    # Presigned links: SigV4 (buckets created since 2020 refuse SigV2), and the
    # regional virtual-host name, since botocore's default for presigning is the
    # global name, which redirects outside us-east-1. An IP endpoint (moto's
    # server under `make run`) still gets path-style URLs.
    return Config(signature_version="s3v4", s3={"addressing_style": "virtual"})


def reset() -> None:
    """Forget cached clients (tests, after changing settings)."""
    client.cache_clear()
