"""The refresh lease in DynamoDB: one item per account, taken by a conditional write.

DynamoDB applies conditional writes to one item one at a time, so of two refreshers that try
to take a free (or expired) lease at once, exactly one succeeds. The service's adapter and the
bot-job client both use this class; the table is serverless.yml's `RefreshLeasesTable`.
"""

import math
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from birdhouse_client.layout import aws_error_code
from birdhouse_client.single_writer import (
    LEASE_KEY,
    LEASE_OWNER,
    LEASE_SPENDING,
    LEASE_TTL_ATTRIBUTE,
    LEASE_UNTIL,
    HeldLease,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_CONDITION_FAILED = "ConditionalCheckFailedException"
# DynamoDB's TTL removes an idle account's item a day after its last lease.
_TTL_SECONDS = 24 * 3600
_NAMES = {"#owner": LEASE_OWNER, "#until": LEASE_UNTIL, "#spending": LEASE_SPENDING}


class DynamoDBRefreshLease:
    """`RefreshLease` over one DynamoDB table (partition key `account`, TTL `expires_ttl`)."""

    def __init__(self, client: "DynamoDBClient", *, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def acquire(self, account: str, *, owner: str, now: float, seconds: float) -> HeldLease | None:
        until = now + seconds
        try:
            answer = self._client.update_item(
                TableName=self._table,
                Key={LEASE_KEY: {"S": account}},
                UpdateExpression="SET #owner = :owner, #until = :until, #ttl = :ttl",
                ConditionExpression="attribute_not_exists(#until) OR #until < :now",
                ExpressionAttributeNames={
                    "#owner": LEASE_OWNER,
                    "#until": LEASE_UNTIL,
                    "#ttl": LEASE_TTL_ATTRIBUTE,
                },
                ExpressionAttributeValues={
                    ":owner": {"S": owner},
                    ":until": {"N": _number(until)},
                    ":ttl": {"N": str(math.ceil(until) + _TTL_SECONDS)},
                    ":now": {"N": _number(now)},
                },
                ReturnValues="ALL_NEW",
            )
        except ClientError as exc:
            if aws_error_code(exc) == _CONDITION_FAILED:
                return None
            raise
        spending = answer.get("Attributes", {}).get(LEASE_SPENDING, {}).get("S")
        return HeldLease(account=account, owner=owner, spending=spending)

    def mark_spending(self, lease: HeldLease, *, fingerprint: str) -> bool:
        return self._update_as_owner(
            lease, "SET #spending = :spending", {":spending": {"S": fingerprint}}
        )

    def clear_spending(self, lease: HeldLease, *, fingerprint: str) -> None:
        self._update_as_owner(
            lease,
            "REMOVE #spending",
            {":spending": {"S": fingerprint}},
            extra_condition=" AND #spending = :spending",
        )

    def release(self, lease: HeldLease) -> None:
        self._update_as_owner(lease, "REMOVE #until, #owner", {})

    def _update_as_owner(
        self,
        lease: HeldLease,
        update: str,
        values: dict[str, dict[str, str]],
        *,
        extra_condition: str = "",
    ) -> bool:
        condition = "#owner = :me" + extra_condition
        used = {
            placeholder: attribute
            for placeholder, attribute in _NAMES.items()
            if placeholder in update or placeholder in condition
        }
        try:
            self._client.update_item(
                TableName=self._table,
                Key={LEASE_KEY: {"S": lease.account}},
                UpdateExpression=update,
                ConditionExpression=condition,
                ExpressionAttributeNames=used,
                ExpressionAttributeValues={":me": {"S": lease.owner}, **values},
            )
        except ClientError as exc:
            if aws_error_code(exc) == _CONDITION_FAILED:
                return False  # no longer ours (expired and taken): nothing of ours to change
            raise
        return True


def create_lease_table(client: "DynamoDBClient", table_name: str) -> None:
    """The table as serverless.yml declares it (for an embedded DynamoDB and the tests)."""
    client.create_table(
        TableName=table_name,
        AttributeDefinitions=[{"AttributeName": LEASE_KEY, "AttributeType": "S"}],
        KeySchema=[{"AttributeName": LEASE_KEY, "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    client.update_time_to_live(
        TableName=table_name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": LEASE_TTL_ATTRIBUTE},
    )


def _number(value: float) -> str:
    return f"{value:.3f}"
