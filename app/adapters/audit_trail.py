"""The audit trail in DynamoDB: append-only, newest first, filtered by operator or account.

Table: partition key `trail` (S, always "audit"), sort key `sk` (S, the moment and the record's
id, so text order is time order); global indexes `by_operator` (operator, sk) and
`by_account` (account, sk; only records that name an account); on demand; TTL attribute
`expires_ttl`. The API's role may put items and query, never update or delete them.
"""

import base64
import binascii
import json
import logging
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from app.adapters.aws_deadline import bound_by_deadline
from app.adapters.dynamodb import n, s, translated_errors
from app.core.audit import AuditPage, AuditRecord, Outcome, Via
from app.core.errors import AuditUnavailable, InvalidAuditCursor

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

log = logging.getLogger(__name__)

TTL_ATTRIBUTE = "expires_ttl"
_TRAIL = "audit"
BY_OPERATOR = "by_operator"
BY_ACCOUNT = "by_account"
# The key attributes a page's LastEvaluatedKey holds, per index (None: the table).
_CURSOR_KEYS: dict[str | None, frozenset[str]] = {
    None: frozenset({"trail", "sk"}),
    BY_OPERATOR: frozenset({"trail", "sk", "operator"}),
    BY_ACCOUNT: frozenset({"trail", "sk", "account"}),
}
_OPTIONAL = ("account", "invite", "target_operator", "error_code")
# Queries per page at most: a filter (expired records, an operator within an account) can
# leave a query's answer short; the page then ends early and `next` goes on from there.
_QUERIES_PER_PAGE = 5


class DynamoDBAuditTrail:
    def __init__(self, client: "DynamoDBClient", *, table_name: str, retention: timedelta) -> None:
        bound_by_deadline(client)
        self._client = client
        self._table = table_name
        self._retention = retention

    def _errors(self, action: str) -> AbstractContextManager[None]:
        return translated_errors(
            action, table=self._table, what="The audit trail", error=AuditUnavailable
        )

    def append(self, record: AuditRecord) -> None:
        item: dict[str, AttributeValueTypeDef] = {
            "trail": s(_TRAIL),
            "sk": s(_sort_key(record)),
            "id": s(record.id),
            "at": s(record.at.isoformat()),
            "operator": s(record.operator),
            "via": s(record.via.value),
            "action": s(record.action),
            "outcome": s(record.outcome.value),
            "request_id": s(record.request_id),
            TTL_ATTRIBUTE: n(int((record.at + self._retention).timestamp())),
        }
        for name in _OPTIONAL:
            if value := getattr(record, name):
                item[name] = s(value)
        with self._errors("append the record"):
            self._client.put_item(TableName=self._table, Item=item)

    def page(
        self,
        *,
        operator: str | None,
        account: str | None,
        limit: int,
        cursor: str | None,
        now: datetime,
    ) -> AuditPage:
        index, partition = (
            (BY_ACCOUNT, ("account", account))
            if account
            else (BY_OPERATOR, ("operator", operator))
            if operator
            else (None, ("trail", _TRAIL))
        )
        names = {"#pk": partition[0]}
        values: dict[str, AttributeValueTypeDef] = {
            ":pk": s(str(partition[1])),
            ":now": n(int(now.timestamp())),
        }
        condition = f"{TTL_ATTRIBUTE} > :now"
        if account and operator:
            condition += " AND #operator = :operator"
            names["#operator"] = "operator"
            values[":operator"] = s(operator)
        query: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "#pk = :pk",
            "FilterExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
            "ScanIndexForward": False,
        }
        if index is not None:
            query["IndexName"] = index
        start = _read_cursor(cursor, index=index, partition=partition) if cursor else None
        records: list[AuditRecord] = []
        with self._errors("read the trail"):
            for _ in range(_QUERIES_PER_PAGE):
                if start is not None:
                    query["ExclusiveStartKey"] = start
                query["Limit"] = limit - len(records)
                answer = self._client.query(**query)
                records += [r for r in map(_record, answer.get("Items", [])) if r is not None]
                start = answer.get("LastEvaluatedKey")
                if start is None or len(records) >= limit:
                    break
        return AuditPage(records=records, next=_write_cursor(start, index=index) if start else None)


def create_audit_table(client: "DynamoDBClient", table_name: str) -> None:
    """The table as serverless.yml declares it (make dev and the tests; AWS gets it deployed)."""

    def index(name: str, partition: str) -> Any:
        return {
            "IndexName": name,
            "KeySchema": [
                {"AttributeName": partition, "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        }

    client.create_table(
        TableName=table_name,
        AttributeDefinitions=[
            {"AttributeName": name, "AttributeType": "S"}
            for name in ("trail", "sk", "operator", "account")
        ],
        KeySchema=[
            {"AttributeName": "trail", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[index(BY_OPERATOR, "operator"), index(BY_ACCOUNT, "account")],
        BillingMode="PAY_PER_REQUEST",
    )
    client.update_time_to_live(
        TableName=table_name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
    )


def _sort_key(record: AuditRecord) -> str:
    return f"{record.at.astimezone(UTC):%Y-%m-%dT%H:%M:%S.%f}Z#{record.id}"


def _write_cursor(key: dict[str, Any], *, index: str | None) -> str:
    document = {"i": index, "k": {name: value["S"] for name, value in key.items()}}
    return base64.urlsafe_b64encode(json.dumps(document).encode()).decode().rstrip("=")


def _read_cursor(
    cursor: str, *, index: str | None, partition: tuple[str, str | None]
) -> dict[str, "AttributeValueTypeDef"]:
    """A page's `next`, for the same query only: anything else is 400, never a DynamoDB error."""
    refused = InvalidAuditCursor(
        "This 'next' value does not continue this listing: pass the one the previous page "
        "gave, with the same filters."
    )
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        document = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise refused from None
    if not isinstance(document, dict) or document.get("i") != index:
        raise refused
    key = document.get("k")
    if (
        not isinstance(key, dict)
        or set(key) != _CURSOR_KEYS[index]
        or not all(isinstance(value, str) for value in key.values())
        or key.get(partition[0]) != partition[1]
    ):
        raise refused
    return {name: s(value) for name, value in key.items()}


def _record(item: dict[str, Any]) -> AuditRecord | None:
    try:

        def text(name: str) -> str | None:
            return str(item[name]["S"]) if name in item else None

        return AuditRecord(
            id=item["id"]["S"],
            at=datetime.fromisoformat(item["at"]["S"]),
            operator=item["operator"]["S"],
            via=Via(item["via"]["S"]),
            action=item["action"]["S"],
            outcome=Outcome(item["outcome"]["S"]),
            request_id=item["request_id"]["S"],
            account=text("account"),
            invite=text("invite"),
            target_operator=text("target_operator"),
            error_code=text("error_code"),
        )
    except (KeyError, TypeError, ValueError) as exc:
        log.error("audit record %r is damaged: %s", item.get("sk"), type(exc).__name__)
        return None
