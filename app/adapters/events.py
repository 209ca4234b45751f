"""Events on Amazon EventBridge: Source `birdhouse`, one detail type per happening.

A failed publish never fails the request that caused it: it is logged and counted, and the
operator still has GET /accounts. Details name the account and its status, never a token.
"""

import json
import logging
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from app.adapters.aws_deadline import bound_by_deadline

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient

log = logging.getLogger(__name__)

SOURCE = "birdhouse"
# Fields a detail may carry: anything else (a token, a secret) is dropped before sending.
_DETAIL_FIELDS = (
    "screen_name",
    "user_id",
    "status",
    "previous_status",
    "access_level",
    "detail",
    "invite_id",
    "invite_url",
    "invite_expires_at",
    # Operator action: an audit record (app/flows/audit.py), which never holds a secret.
    "audit_id",
    "at",
    "operator",
    "via",
    "action",
    "outcome",
    "request_id",
    "account",
    "invite",
    "target_operator",
    "error_code",
)
# Events are a side channel: one quick try, then on with the request.
EVENTS_CLIENT_CONFIG = Config(
    connect_timeout=1, read_timeout=2, retries={"mode": "standard", "total_max_attempts": 2}
)


@lru_cache
def create_events_client() -> "EventBridgeClient":
    client = boto3.client("events", config=EVENTS_CLIENT_CONFIG)
    bound_by_deadline(client)  # a publish never pushes a request past its deadline
    return client


class EventBridgePublisher:
    """PutEvents to one bus; counts what could not be sent."""

    def __init__(self, client: "EventBridgeClient | None", *, bus_name: str) -> None:
        self._client = client
        self._bus = bus_name
        self.failed = 0

    def publish(self, detail_type: str, detail: dict[str, Any]) -> bool:
        body = {key: detail[key] for key in _DETAIL_FIELDS if detail.get(key) is not None}
        body["time"] = datetime.now(UTC).replace(microsecond=0).isoformat()
        try:
            client = self._client or create_events_client()
            answer = client.put_events(
                Entries=[
                    {
                        "Source": SOURCE,
                        "DetailType": detail_type,
                        "Detail": json.dumps(body),
                        "EventBusName": self._bus,
                    }
                ]
            )
        except (BotoCoreError, ClientError) as exc:
            return self._failed(detail_type, body, type(exc).__name__)
        if answer.get("FailedEntryCount"):
            code = answer.get("Entries", [{}])[0].get("ErrorCode", "refused")
            return self._failed(detail_type, body, code)
        log.info("published %r for %s", detail_type, _about(body))
        return True

    def _failed(self, detail_type: str, body: dict[str, Any], reason: str) -> bool:
        self.failed += 1
        log.warning(
            "could not publish %r for %s (%s); %d failed so far",
            detail_type,
            _about(body),
            reason,
            self.failed,
        )
        return False


def _about(body: dict[str, Any]) -> str:
    if "screen_name" in body:
        return f"@{body['screen_name']}"
    return f"{body.get('operator')} ({body.get('action')})"
