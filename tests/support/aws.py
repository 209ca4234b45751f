"""boto3 clients and AWS answers for fault tests."""

import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders
from botocore.config import Config

from tests.support.lambda_events import REGION


def unreachable_secrets_client() -> Any:
    """A real boto3 client that fails at the transport: nothing listens on the discard port."""
    return boto3.client(
        "secretsmanager",
        region_name=REGION,
        endpoint_url="http://127.0.0.1:9",
        # Short reads too: in a request, an attempt starts only if its timeouts fit the deadline.
        config=Config(connect_timeout=0.2, read_timeout=0.5, retries={"total_max_attempts": 2}),
    )


class _Body:
    def __init__(self, content: bytes) -> None:
        self.content = content

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.content


def aws_json_error(url: str, code: str, *, message: str = "Rate exceeded") -> AWSResponse:
    """What an AWS JSON-protocol service answers when it refuses: 400 and `__type`."""
    headers = HTTPHeaders()
    headers["Content-Type"] = "application/x-amz-json-1.1"
    body = json.dumps({"__type": code, "message": message}).encode()
    return AWSResponse(url, 400, headers, _Body(body))


class BackoffClock:
    """botocore's retry backoff on a clock that only counts: each wait is recorded, none slept.

    botocore sleeps between attempts in `botocore.endpoint` (`time.sleep(delay)`, the delay
    its retry handler chose). Swapping that module's `time` for this keeps every attempt,
    every decision to retry and every delay exactly as botocore makes them, without the
    seconds of real waiting a throttling test would otherwise spend.
    """

    def __init__(self) -> None:
        self.waits: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)

    def __getattr__(self, name: str) -> Any:  # time.time, time.monotonic, ...: the real ones
        return getattr(time, name)
