"""API Gateway settings on the REST API that `chalice package` generates.

Chalice's SAM template has the API as `AWS::Serverless::Api` "RestAPI"; these
are property overrides on it: stage throttling, access and error logs, tracing,
a stage-specific API name (alarms find the API by it), and gateway responses.

Gateway responses: API Gateway answers some requests itself, before any Lambda
runs (no route for the path or method, throttled, payload refused, integration
failure). They answer in the OCP error shape, rendered by the app's own
`render_error` so there is one XML writer. They live in the OpenAPI body
(`x-amazon-apigateway-gateway-responses`) rather than as separate
AWS::ApiGateway::GatewayResponse resources: those only take effect at the next
deployment of the API, and SAM redeploys when the body changes.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.errors import BUSY, RETRY_AFTER_SECONDS, OcpError
from chalicelib.protocol.render import XML_TYPE, render_error
from infra.stage import Stage

API_STAGE = "api"
# The REST API's logical id in the template `chalice package` writes.
REST_API = "RestAPI"


def gateway_responses() -> dict[str, Any]:
    # `$context.requestId` is filled in by API Gateway: the id to quote, as the
    # app's own 105 carries its request id.
    internal = OcpError(105, request_id="$context.requestId")
    return {
        # No route for this path and method. The app's own 405 names the allowed
        # methods; API Gateway knows neither, so this is "not a valid URL".
        "MISSING_AUTHENTICATION_TOKEN": _response(
            render_error(OcpError(902, name="URL", value="no such resource or method")).body,
            XML_TYPE,
            status=404,
        ),
        # Over the stage's rate: the app's retryable "busy" (docs/limits.md), with its
        # Retry-After.
        "THROTTLED": _response(
            render_error(OcpError(BUSY, request_id="$context.requestId")).body,
            XML_TYPE,
            status=429,
            retry_after=RETRY_AFTER_SECONDS[BUSY],
        ),
        # Payload too large, unsupported media type, ...: the original status stays.
        "DEFAULT_4XX": _response(
            render_error(OcpError(902, name="request", value="refused by the API gateway")).body,
            XML_TYPE,
        ),
        "DEFAULT_5XX": _response(render_error(internal).body, XML_TYPE),
    }


def _response(
    body: str, content_type: str, status: int | None = None, retry_after: int | None = None
) -> dict[str, Any]:
    headers = {
        "gatewayresponse.header.Content-Type": f"'{content_type}'",
        # As the app's own responses: the id the body's requestId and the access log quote
        "gatewayresponse.header.X-Request-Id": "context.requestId",
    }
    if retry_after is not None:
        headers["gatewayresponse.header.Retry-After"] = f"'{retry_after}'"
    response: dict[str, Any] = {
        "responseParameters": headers,
        # API Gateway picks the template by content type and falls back to JSON's.
        "responseTemplates": {"application/json": body},
    }
    if status is not None:
        response["statusCode"] = str(status)
    return response


def access_log_format() -> str:
    """One JSON object a line, like the app's logs; no query string (it may hold
    phone numbers), no Authorization header."""
    return json.dumps(
        {
            "requestId": "$context.requestId",
            "ip": "$context.identity.sourceIp",
            "requestTime": "$context.requestTimeEpoch",
            "method": "$context.httpMethod",
            "resource": "$context.resourcePath",
            "status": "$context.status",
            "responseLength": "$context.responseLength",
            "latencyMs": "$context.responseLatency",
            "integrationStatus": "$context.integration.status",
            "error": "$context.error.responseType",
        },
        separators=(",", ":"),
    )


def configure_rest_api(rest_api: Any, stage: Stage, access_log_group_arn: str) -> None:
    rest_api.add_property_override("DefinitionBody.info.title", stage.stack_name)
    rest_api.add_property_override(
        "DefinitionBody.x-amazon-apigateway-gateway-responses", gateway_responses()
    )
    rest_api.add_property_override("TracingEnabled", True)
    rest_api.add_property_override(
        "MethodSettings",
        [
            {
                "ResourcePath": "/*",
                "HttpMethod": "*",
                "ThrottlingRateLimit": stage.throttle_rate,
                "ThrottlingBurstLimit": stage.throttle_burst,
                "MetricsEnabled": True,
                "LoggingLevel": "ERROR",
                # Full request/response logging would write session ids and phone numbers.
                "DataTraceEnabled": False,
            }
        ],
    )
    rest_api.add_property_override(
        "AccessLogSetting",
        {
            "DestinationArn": access_log_group_arn,
            "Format": access_log_format(),
        },
    )
