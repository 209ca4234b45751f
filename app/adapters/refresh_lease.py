"""The refresh lease in DynamoDB, for the service: the client's lease, with our error names.

One item per OAuth 2.0 account in the table serverless.yml calls RefreshLeasesTable: a
conditional write takes it (DynamoDB serialises conditional writes on an item, so one
refresher wins), its expiry frees it from a refresher that died.
"""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from app.adapters.aws_deadline import bound_by_deadline
from app.core.errors import LeaseUnavailable
from app.core.oauth2 import HeldLease
from birdhouse_client.layout import aws_error_code
from birdhouse_client.leases import DynamoDBRefreshLease, create_lease_table

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

log = logging.getLogger(__name__)

__all__ = ["ServiceRefreshLease", "create_lease_table"]

T = TypeVar("T")


@contextmanager
def _translated_errors(action: str, table: str) -> Iterator[None]:
    try:
        yield
    except ClientError as exc:
        code = aws_error_code(exc)
        log.warning("DynamoDB %s on %s failed: %s", action, table, code)
        raise LeaseUnavailable(f"The refresh lease could not {action} ({code}).") from exc
    except BotoCoreError as exc:
        log.warning("DynamoDB %s on %s failed: %s", action, table, type(exc).__name__)
        raise LeaseUnavailable(
            f"The refresh lease could not {action} ({type(exc).__name__})."
        ) from exc


class ServiceRefreshLease:
    """`RefreshLease` for Birdhouse's own refreshes: AWS failures as LeaseUnavailable."""

    def __init__(self, client: "DynamoDBClient", *, table_name: str) -> None:
        bound_by_deadline(client)
        self._lease = DynamoDBRefreshLease(client, table_name=table_name)
        self._table = table_name

    def acquire(self, account: str, *, owner: str, now: float, seconds: float) -> HeldLease | None:
        return self._call(
            "be taken", lambda: self._lease.acquire(account, owner=owner, now=now, seconds=seconds)
        )

    def mark_spending(self, lease: HeldLease, *, fingerprint: str) -> bool:
        return self._call(
            "record the refresh", lambda: self._lease.mark_spending(lease, fingerprint=fingerprint)
        )

    def clear_spending(self, lease: HeldLease, *, fingerprint: str) -> None:
        self._call(
            "clear the refresh", lambda: self._lease.clear_spending(lease, fingerprint=fingerprint)
        )

    def release(self, lease: HeldLease) -> None:
        try:
            self._call("be released", lambda: self._lease.release(lease))
        except LeaseUnavailable:
            # It expires by itself within LEASE_SECONDS; the refresh itself is done.
            log.warning("refresh lease of @%s not released; it expires shortly", lease.account)

    def _call(self, action: str, work: Callable[[], T]) -> T:
        with _translated_errors(action, self._table):
            return work()
