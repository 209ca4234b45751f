"""boto3 clients for fault tests."""

from typing import Any

import boto3
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
