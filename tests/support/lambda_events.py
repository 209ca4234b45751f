"""Lambda events in the shapes API Gateway and Function URLs really send."""

import base64
import json
import time
import uuid
from typing import Any
from urllib.parse import parse_qsl, urlencode

REGION = "eu-west-1"
HTTP_API_HOST = f"a1b2c3d4e5.execute-api.{REGION}.amazonaws.com"
REST_API_HOST = f"f6g7h8i9j0.execute-api.{REGION}.amazonaws.com"
FUNCTION_URL_HOST = f"k1l2m3n4o5p6q7r8s9t0u1v2w3x4y5z6.lambda-url.{REGION}.on.aws"
CUSTOM_DOMAIN_HOST = "birdhouse.example.com"
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) Birdhouse-tests"


def http_api_v2_event(
    method: str,
    path: str,
    *,
    host: str = HTTP_API_HOST,
    query: str = "",
    headers: dict[str, str] | None = None,
    cookies: list[str] | None = None,
    body: str | None = None,
    api_id: str = "a1b2c3d4e5",
) -> dict[str, Any]:
    """HTTP API payload 2.0 on the $default stage (a Function URL sends the same shape)."""
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": {
            "host": host,
            "user-agent": USER_AGENT,
            "x-forwarded-for": "203.0.113.7",
            "x-forwarded-port": "443",
            "x-forwarded-proto": "https",
            "accept": "text/html,application/json",
            **{name.lower(): value for name, value in (headers or {}).items()},
        },
        "requestContext": {
            "accountId": "123456789012",
            "apiId": api_id,
            "domainName": host,
            "domainPrefix": host.split(".")[0],
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.7",
                "userAgent": USER_AGENT,
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": "$default",
            "stage": "$default",
            "time": "22/Nov/2026:03:40:00 +0000",
            "timeEpoch": 1795318800000,
        },
        "isBase64Encoded": False,
    }
    if query:
        event["queryStringParameters"] = dict(parse_qsl(query, keep_blank_values=True))
    if cookies:
        event["cookies"] = cookies
    if body is not None:
        event["body"] = body
    return event


def function_url_event(method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    event = http_api_v2_event(method, path, host=FUNCTION_URL_HOST, api_id="urlid", **kwargs)
    event["requestContext"]["domainPrefix"] = FUNCTION_URL_HOST.split(".")[0]
    return event


def rest_v1_event(
    method: str,
    path: str,
    *,
    stage: str = "prod",
    host: str = REST_API_HOST,
    base_path: str | None = None,
    query: str = "",
    headers: dict[str, str] | None = None,
    cookies: list[str] | None = None,
    body: str | None = None,
) -> dict[str, Any]:
    """REST API (payload 1.0) with a {proxy+} resource.

    On the execute-api host the browser's path carries the stage; on a custom domain it
    carries the base-path mapping, if any, instead.
    """
    all_headers = {
        "Host": host,
        "User-Agent": USER_AGENT,
        "X-Forwarded-For": "203.0.113.7",
        "X-Forwarded-Port": "443",
        "X-Forwarded-Proto": "https",
        "Accept": "text/html,application/json",
        **(headers or {}),
    }
    if cookies:
        all_headers["Cookie"] = "; ".join(cookies)
    query_pairs = parse_qsl(query, keep_blank_values=True)
    browser_prefix = f"/{stage}" if base_path is None else base_path
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": all_headers,
        "multiValueHeaders": {name: [value] for name, value in all_headers.items()},
        "queryStringParameters": dict(query_pairs) or None,
        "multiValueQueryStringParameters": (
            {key: [v for k, v in query_pairs if k == key] for key, _ in query_pairs} or None
        ),
        "pathParameters": {"proxy": path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": host.split(".")[0],
            "domainName": host,
            "domainPrefix": host.split(".")[0],
            "httpMethod": method,
            "identity": {"sourceIp": "203.0.113.7", "userAgent": USER_AGENT},
            "path": f"{browser_prefix}{path}",
            "protocol": "HTTP/1.1",
            "requestId": str(uuid.uuid4()),
            "requestTime": "22/Nov/2026:03:40:00 +0000",
            "requestTimeEpoch": 1795318800000,
            "resourceId": "abc123",
            "resourcePath": "/{proxy+}",
            "stage": stage,
        },
        "body": body,
        "isBase64Encoded": False,
    }


class LambdaContext:
    """The context Lambda hands the handler; its remaining time runs down with the clock."""

    function_name = "birdhouse-test-api"
    function_version = "$LATEST"
    invoked_function_arn = f"arn:aws:lambda:{REGION}:123456789012:function:birdhouse-test-api"
    memory_limit_in_mb = 512
    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e812345678"
    log_group_name = "/aws/lambda/birdhouse-test-api"
    log_stream_name = "2026/11/22/[$LATEST]abcdef"

    def __init__(self, remaining_ms: int = 29_000) -> None:
        self._ends_at = time.monotonic() + remaining_ms / 1000

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._ends_at - time.monotonic()) * 1000))


def json_body(payload: Any) -> str:
    return json.dumps(payload)


def response_body(response: dict[str, Any]) -> str:
    body = response.get("body") or ""
    if response.get("isBase64Encoded"):
        return base64.b64decode(body).decode()
    return str(body)


def response_set_cookies(response: dict[str, Any]) -> list[str]:
    """Set-Cookie values from a v2 `cookies` array or v1 multi-value headers."""
    if "cookies" in response:
        return list(response["cookies"])
    for name, values in (response.get("multiValueHeaders") or {}).items():
        if name.lower() == "set-cookie":
            return list(values)
    return [v for k, v in (response.get("headers") or {}).items() if k.lower() == "set-cookie"]


def query_string(**params: str) -> str:
    return urlencode(params)


def sqs_event(messages: list[dict[str, Any]], *, queue_arn: str) -> dict[str, Any]:
    """What an SQS event source mapping hands the function: ReceiveMessage's messages."""
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": {
                    "ApproximateReceiveCount": message.get("Attributes", {}).get(
                        "ApproximateReceiveCount", "1"
                    ),
                    "SentTimestamp": message.get("Attributes", {}).get("SentTimestamp", "0"),
                    "SenderId": "AIDAIENQZJOLO23YVJ4VO",
                    "ApproximateFirstReceiveTimestamp": "0",
                },
                "messageAttributes": {},
                "md5OfBody": message["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": REGION,
            }
            for message in messages
        ]
    }


def eventbridge_event(*, source: str, detail_type: str, detail: dict[str, Any]) -> dict[str, Any]:
    """What an EventBridge rule hands its target function."""
    return {
        "version": "0",
        "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": detail_type,
        "source": source,
        "account": "123456789012",
        "time": "2026-11-23T06:00:00Z",
        "region": REGION,
        "resources": [],
        "detail": detail,
    }
