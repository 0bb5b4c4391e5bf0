"""API Gateway's own errors answer like the app's (no synthesis)."""

from __future__ import annotations

import json
import re
from xml.etree import ElementTree

from infra.api import access_log_format, gateway_responses


def errors(response):
    body = response["responseTemplates"]["application/json"]
    return [
        (int(e.findtext("code")), e.findtext("message"), e.findtext("requestId"))
        for e in ElementTree.fromstring(body).findall("errors/error")
    ]


def test_a_missing_route_is_404_with_an_ocp_error():
    response = gateway_responses()["MISSING_AUTHENTICATION_TOKEN"]
    assert response["statusCode"] == "404"
    assert errors(response) == [
        (902, "URL (no such resource or method) does not contain a valid value", None)
    ]


def test_gateway_failures_are_internal_errors_with_the_request_id():
    responses = gateway_responses()
    assert errors(responses["DEFAULT_5XX"]) == [
        (105, "Internal error: SQL execution failed", "$context.requestId")
    ]
    # Other 4xx keep API Gateway's status (413, 415 ...)
    assert "statusCode" not in responses["DEFAULT_4XX"]
    assert errors(responses["DEFAULT_4XX"])[0][0] == 902


def test_throttling_is_the_retryable_busy_error_with_retry_after():
    throttled = gateway_responses()["THROTTLED"]
    assert throttled["statusCode"] == "429"
    assert errors(throttled) == [(116, "Busy: try again later", "$context.requestId")]
    assert throttled["responseParameters"]["gatewayresponse.header.Retry-After"] == "'1'"


def test_the_body_is_the_app_s_own_xml():
    from chalicelib.errors import OcpError
    from chalicelib.protocol.render import render_error

    body = gateway_responses()["DEFAULT_5XX"]["responseTemplates"]["application/json"]
    assert body == render_error(OcpError(105, request_id="$context.requestId")).body


def test_access_logs_hold_no_query_string_or_headers():
    fmt = access_log_format()
    assert "requestId" in fmt
    assert "querystring" not in fmt.lower() and "authorization" not in fmt.lower()


def test_api_gateway_s_own_replies_carry_x_request_id_as_the_app_s_do():
    for kind, response in gateway_responses().items():
        parameters = response["responseParameters"]
        assert parameters["gatewayresponse.header.X-Request-Id"] == "context.requestId", kind


def test_no_gateway_response_can_echo_what_the_client_sent():
    # API Gateway's default MISSING_AUTHENTICATION_TOKEN message quotes the Authorization
    # header ($context.error.message); these bodies name no variable but the request id.
    for kind, response in gateway_responses().items():
        body = response["responseTemplates"]["application/json"]
        variables = set(re.findall(r"\$[\w.]+", body))
        assert variables <= {"$context.requestId"}, (kind, variables)
        assert "authorization" not in json.dumps(response).lower(), kind
