"""The audit trail's DynamoDB table (moto): append-only records, newest first, expired ones
left out before DynamoDB's TTL removes them, and pages that a filter leaves short go on."""

from datetime import UTC, datetime, timedelta
from typing import Any

from app.adapters.audit_trail import DynamoDBAuditTrail
from app.core.audit import AuditRecord, Outcome, Via
from tests.support.constants import AUDIT_TABLE

NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


def record(minute: int, *, operator: str = "ada", account: str | None = "hellobot") -> AuditRecord:
    return AuditRecord(
        id=f"id{minute:04d}",
        at=NOW + timedelta(minutes=minute),
        operator=operator,
        via=Via.API,
        action="account.verify",
        outcome=Outcome.OK,
        request_id=f"r{minute}",
        account=account,
    )


def trail(dynamodb: Any, days: int = 400) -> DynamoDBAuditTrail:
    return DynamoDBAuditTrail(dynamodb, table_name=AUDIT_TABLE, retention=timedelta(days=days))


def test_records_past_their_retention_are_left_out(dynamodb: Any) -> None:
    trail(dynamodb, days=1).append(record(0))
    trail(dynamodb).append(record(1))

    page = trail(dynamodb).page(
        operator=None, account=None, limit=10, cursor=None, now=NOW + timedelta(days=2)
    )

    assert [r.id for r in page.records] == ["id0001"]
    (item,) = [i for i in dynamodb.scan(TableName=AUDIT_TABLE)["Items"] if i["id"]["S"] == "id0001"]
    assert int(item["expires_ttl"]["N"]) == int((NOW + timedelta(minutes=1, days=400)).timestamp())


def test_an_operator_within_an_account_is_paged_to_the_end(dynamodb: Any) -> None:
    for minute in range(12):
        trail(dynamodb).append(record(minute, operator="ada" if minute % 3 == 0 else "bob"))
    trail(dynamodb).append(record(20, account=None))

    seen: list[str] = []
    cursor = None
    for _ in range(10):
        page = trail(dynamodb).page(
            operator="ada", account="hellobot", limit=2, cursor=cursor, now=NOW
        )
        seen += [r.id for r in page.records]
        cursor = page.next
        if cursor is None:
            break

    assert seen == ["id0009", "id0006", "id0003", "id0000"]
