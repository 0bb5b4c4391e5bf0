"""The URL Twilio calls this API at, for the API function of a stage without a custom domain.

Twilio signs each webhook over the exact URL it requested, and the TwiML this API answers
names the next webhooks by URL: both need the public base URL (`OCP_PUBLIC_BASE_URL`). A
stage deployed with `--public-base-url` (a custom domain) sets it everywhere. Without one,
the other functions get the stage's execute-api URL from CloudFormation (infra/stack.py),
but the API function cannot: the REST API names the function, so the function cannot name
the REST API. It reads the same URL off each webhook's request context instead, which API
Gateway writes, not the client: the domain the request reached (one of this API's, or API
Gateway would not have routed it here) and the stage (docs/twilio-deploy.md, "The URL
Twilio calls").
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

from chalicelib import settings

# API Gateway's execute-api host, and a stage name as API Gateway allows it.
_EXECUTE_API = re.compile(r"[a-z0-9]{10}\.execute-api\.[a-z0-9-]+\.amazonaws\.com(\.cn)?")
_STAGE = re.compile(r"[A-Za-z0-9_-]{1,128}")


def from_context(context: Mapping[str, Any] | None) -> str:
    """`https://{domainName}/{stage}` of an API Gateway request context, or "" when it is
    not a request through the stage's execute-api domain (a custom domain maps its own
    paths: it must be given at deploy, `--public-base-url`)."""
    if not context:
        return ""
    domain, stage = str(context.get("domainName") or ""), str(context.get("stage") or "")
    if not _EXECUTE_API.fullmatch(domain) or not _STAGE.fullmatch(stage):
        return ""
    return f"https://{domain}/{stage}"


def adopt(context: Mapping[str, Any] | None) -> None:
    """With no base URL configured, take the request's (once: every webhook of a stage
    reaches the same domain, the one the other functions gave Twilio)."""
    if settings.get().public_base_url:
        return
    base = from_context(context)
    if base:
        os.environ["OCP_PUBLIC_BASE_URL"] = base
        settings.reload()
