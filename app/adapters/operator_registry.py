"""Operators in DynamoDB: one item per name, the key only as its SHA-256.

Table: partition key `name` (S), on demand. Every sign-in reads the item with a strongly
consistent GetItem, so a revoke (DeleteItem) counts on the very next request, on every warm
container: nothing is cached.
"""

import logging
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from app.adapters.aws_deadline import bound_by_deadline
from app.adapters.dynamodb import CONDITION_FAILED, s, translated_errors
from app.core.errors import OperatorExists, OperatorsUnavailable
from app.core.operators import Operator, Role, StoredOperator
from birdhouse_client.layout import aws_error_code

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

log = logging.getLogger(__name__)


class DynamoDBOperatorRegistry:
    def __init__(self, client: "DynamoDBClient", *, table_name: str) -> None:
        bound_by_deadline(client)
        self._client = client
        self._table = table_name

    def _errors(self, action: str) -> AbstractContextManager[None]:
        return translated_errors(
            action, table=self._table, what="The operator table", error=OperatorsUnavailable
        )

    def add(self, stored: StoredOperator) -> None:
        operator = stored.operator
        item = {
            "name": s(operator.name),
            "role": s(operator.role.value),
            "key_hash": s(stored.key_hash),
            "created_at": s(_moment(operator.created_at)),
        }
        with self._errors("add the operator"):
            try:
                self._client.put_item(
                    TableName=self._table,
                    Item=item,
                    ConditionExpression="attribute_not_exists(#name)",
                    ExpressionAttributeNames={"#name": "name"},
                )
            except ClientError as exc:
                if aws_error_code(exc) != CONDITION_FAILED:
                    raise
                raise OperatorExists(
                    f"An operator called {operator.name!r} exists; revoke it first to give "
                    "that name a new key."
                ) from None

    def get(self, name: str) -> StoredOperator | None:
        with self._errors("read the operator"):
            item = self._client.get_item(
                TableName=self._table, Key={"name": s(name)}, ConsistentRead=True
            ).get("Item")
        return None if item is None else _stored(item)

    def list_operators(self) -> list[Operator]:
        operators = []
        with self._errors("list operators"):
            for page in self._client.get_paginator("scan").paginate(TableName=self._table):
                for item in page.get("Items", []):
                    stored = _stored(item)
                    if stored is not None:
                        operators.append(stored.operator)
        return operators

    def remove(self, name: str) -> bool:
        with self._errors("revoke the operator"):
            try:
                self._client.delete_item(
                    TableName=self._table,
                    Key={"name": s(name)},
                    ConditionExpression="attribute_exists(#name)",
                    ExpressionAttributeNames={"#name": "name"},
                )
            except ClientError as exc:
                if aws_error_code(exc) != CONDITION_FAILED:
                    raise
                return False
        return True

    def touch(self, name: str, *, key_hash: str, now: datetime, unless_since: datetime) -> None:
        """One conditional write: of many containers using one key in a minute, one writes.

        Conditional on the key's hash too: a key revoked and re-added meanwhile is not touched.
        """
        with self._errors("note the operator's use"):
            try:
                self._client.update_item(
                    TableName=self._table,
                    Key={"name": s(name)},
                    UpdateExpression="SET last_used_at = :now",
                    ConditionExpression="key_hash = :hash AND "
                    "(attribute_not_exists(last_used_at) OR last_used_at < :since)",
                    ExpressionAttributeValues={
                        ":now": s(_moment(now)),
                        ":hash": s(key_hash),
                        ":since": s(_moment(unless_since)),
                    },
                )
            except ClientError as exc:
                if aws_error_code(exc) != CONDITION_FAILED:
                    raise


def create_operators_table(client: "DynamoDBClient", table_name: str) -> None:
    """The table as serverless.yml declares it (make dev and the tests; AWS gets it deployed)."""
    client.create_table(
        TableName=table_name,
        AttributeDefinitions=[{"AttributeName": "name", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "name", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )


def _moment(value: datetime | None) -> str:
    # ISO 8601 in UTC with seconds: these compare as text in the condition above.
    assert value is not None
    return value.replace(microsecond=0).isoformat()


def _stored(item: dict[str, Any]) -> StoredOperator | None:
    """A damaged item signs nobody in and is left out of the list (and logged)."""
    try:
        last_used = item.get("last_used_at", {}).get("S")
        return StoredOperator(
            operator=Operator(
                name=item["name"]["S"],
                role=Role(item["role"]["S"]),
                created_at=datetime.fromisoformat(item["created_at"]["S"]),
                last_used_at=datetime.fromisoformat(last_used) if last_used else None,
            ),
            key_hash=item["key_hash"]["S"],
        )
    except (KeyError, TypeError, ValueError) as exc:
        log.error("operator record %r is damaged: %s", item.get("name"), type(exc).__name__)
        return None
