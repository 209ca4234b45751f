"""The invite ledger in DynamoDB: one item per invite, claimed at most once by a condition.

Table: partition key `invite_id` (S), on-demand, TTL attribute `expires_ttl` (N): DynamoDB
deletes a record within days of its expiry plus `RETENTION`, so the operator still sees what
became of an invite for a while. Reads filter expired invites themselves.
"""

import hashlib
import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from app.adapters.aws_deadline import bound_by_deadline
from app.adapters.dynamodb import CONDITION_FAILED, translated_errors
from app.adapters.dynamodb import n as _n
from app.adapters.dynamodb import s as _s
from app.core.errors import ExpiredInvite, InviteNotFound, InviteNotPending, LedgerUnavailable
from app.core.invites import InviteRecord, InviteStatus, already_used, withdrawn
from birdhouse_client.layout import KIND_OAUTH1, aws_error_code

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

log = logging.getLogger(__name__)

# How long a record outlives its invite's expiry before DynamoDB's TTL removes it.
RETENTION = timedelta(days=30)
TTL_ATTRIBUTE = "expires_ttl"
# Reads and conditional writes of the attempt counter before giving up (and refusing).
_COUNT_TRIES = 5
_OPTIONAL_TEXT = (
    "screen_name",
    "user_id",
    "note",
    "connected_screen_name",
    "connected_user_id",
)


@contextmanager
def _translated_errors(action: str, table: str) -> Iterator[None]:
    with translated_errors(action, table=table, what="The invite ledger", error=LedgerUnavailable):
        yield


class DynamoDBInviteLedger:
    """Invites as DynamoDB items; single use through conditional writes."""

    def __init__(self, client: "DynamoDBClient", *, table_name: str) -> None:
        bound_by_deadline(client)  # like Secrets Manager: each attempt only if it fits
        self._client = client
        self._table = table_name

    def record(self, invite: InviteRecord) -> None:
        with _translated_errors("record the invite", self._table):
            self._client.put_item(
                TableName=self._table,
                Item=_item(invite),
                ConditionExpression="attribute_not_exists(invite_id)",
            )

    def get(self, invite_id: str) -> InviteRecord | None:
        with _translated_errors("read the invite", self._table):
            answer = self._client.get_item(
                TableName=self._table, Key=_key(invite_id), ConsistentRead=True
            )
        item = answer.get("Item")
        return None if item is None else _record(item)

    def list_invites(self) -> list[InviteRecord]:
        """Every record (the operator's view: a Scan, a page at a time)."""
        records: list[InviteRecord] = []
        paginator = self._client.get_paginator("scan")
        with _translated_errors("list invites", self._table):
            for page in paginator.paginate(TableName=self._table):
                for item in page.get("Items", []):
                    try:
                        records.append(_record(item))
                    except LedgerUnavailable:
                        log.warning("skipped a damaged invite record in %s", self._table)
        return records

    def withdraw(self, invite_id: str, *, now: datetime) -> InviteRecord:
        with _translated_errors("withdraw the invite", self._table):
            updated = self._update_if(
                invite_id,
                update="SET #status = :revoked, revoked_at = :now",
                condition="#status = :pending",
                names={"#status": "status"},
                values={
                    ":revoked": _s(InviteStatus.REVOKED.value),
                    ":pending": _s(InviteStatus.PENDING.value),
                    ":now": _s(now.isoformat()),
                },
                return_new=True,
            )
            if updated is None:
                raise self._not_withdrawable(invite_id)
        return _record(updated)

    def count_attempt(
        self, invite_id: str, *, now: datetime, limit: int, window: timedelta
    ) -> bool:
        """One more authorization, unless `limit` started within the `window` before `now`.

        A sliding window: the record keeps the moments of the recent attempts and a version;
        the write is conditional on the version it read, so of two racing opens one writes
        and the other reads again (AWS serialises conditional writes on one item).
        """
        since = (now - window).timestamp()
        with _translated_errors("count the attempt", self._table):
            for _ in range(_COUNT_TRIES):
                item = self._client.get_item(
                    TableName=self._table,
                    Key=_key(invite_id),
                    ConsistentRead=True,
                    ProjectionExpression="invite_id, attempt_times, attempts_version",
                ).get("Item")
                if item is None:
                    return False
                recent = [
                    moment
                    for moment in (
                        float(entry["N"]) for entry in item.get("attempt_times", {}).get("L", [])
                    )
                    if moment > since
                ]
                if len(recent) >= limit:
                    return False
                version = int(item.get("attempts_version", {}).get("N", "0"))
                values: dict[str, AttributeValueTypeDef] = {
                    ":moments": {"L": [_n_float(m) for m in [*recent, now.timestamp()]]},
                    ":next": _n(version + 1),
                }
                if version:
                    values[":read"] = _n(version)
                written = self._update_if(
                    invite_id,
                    update="SET #times = :moments, #version = :next",
                    condition="#version = :read" if version else "attribute_not_exists(#version)",
                    names={"#times": "attempt_times", "#version": "attempts_version"},
                    values=values,
                )
                if written is not None:
                    return True
                log.info("invite %s: another open counted first; reading again", invite_id)
        log.warning("invite %s: the attempt could not be counted; refused", invite_id)
        return False

    def spend_state(self, invite_id: str, *, oauth_token: str, now: datetime) -> bool:
        """The first callback with this authorization's state: True once, then False.

        The note holds a fresh nonce: when a retry of our own write finds the note there (the
        first attempt went through, only its answer was lost), the nonce says it is ours.
        """
        nonce = f"{now.isoformat()} {secrets.token_hex(8)}"
        attribute = _state_attribute(oauth_token)
        with _translated_errors("note the callback", self._table):
            spent = self._update_if(
                invite_id,
                update="SET #state = :nonce",
                condition="attribute_exists(invite_id) AND attribute_not_exists(#state)",
                names={"#state": attribute},
                values={":nonce": _s(nonce)},
            )
            return spent is not None or self._text(invite_id, attribute) == nonce

    def return_state(self, invite_id: str, *, oauth_token: str) -> None:
        """X did not take the verifier (down, slow, rate-limited): the state may be used again."""
        with _translated_errors("note the callback", self._table):
            self._client.update_item(
                TableName=self._table,
                Key=_key(invite_id),
                UpdateExpression="REMOVE #state",
                ExpressionAttributeNames={"#state": _state_attribute(oauth_token)},
            )

    def claim(
        self, invite_id: str, *, claim_id: str, screen_name: str, user_id: str, now: datetime
    ) -> None:
        """Pending to used, atomically: of two racing callbacks, one wins."""
        with _translated_errors("claim the invite", self._table):
            claimed = self._update_if(
                invite_id,
                update="SET #status = :used, used_at = :now, claim_id = :claim, "
                "connected_screen_name = :name, connected_user_id = :user",
                condition="#status = :pending AND expires_at > :now",
                names={"#status": "status"},
                values={
                    ":used": _s(InviteStatus.USED.value),
                    ":pending": _s(InviteStatus.PENDING.value),
                    ":now": _s(now.isoformat()),
                    ":claim": _s(claim_id),
                    ":name": _s(screen_name),
                    ":user": _s(user_id),
                },
            )
            if claimed is None and self._text(invite_id, "claim_id") != claim_id:
                raise self._unclaimable(invite_id)
            # Otherwise ours: a first try that went through and only lost its answer included.

    def _text(self, invite_id: str, attribute: str) -> str | None:
        """One text attribute of the record, read consistently: was our write applied?"""
        answer = self._client.get_item(
            TableName=self._table,
            Key=_key(invite_id),
            ConsistentRead=True,
            ProjectionExpression="#attribute",
            ExpressionAttributeNames={"#attribute": attribute},
        )
        value = answer.get("Item", {}).get(attribute, {})
        return str(value["S"]) if "S" in value else None

    def release(self, invite_id: str, *, claim_id: str) -> None:
        """Undo our own claim (the account could not be stored): the link works again."""
        with _translated_errors("release the invite", self._table):
            released = self._update_if(
                invite_id,
                update="SET #status = :pending "
                "REMOVE used_at, claim_id, connected_screen_name, connected_user_id",
                condition="claim_id = :claim",
                names={"#status": "status"},
                values={
                    ":pending": _s(InviteStatus.PENDING.value),
                    ":claim": _s(claim_id),
                },
            )
        if released is None:
            log.warning("invite %s was not ours to release", invite_id)

    def _update_if(
        self,
        invite_id: str,
        *,
        update: str,
        condition: str,
        names: dict[str, str],
        values: dict[str, "AttributeValueTypeDef"],
        return_new: bool = False,
    ) -> dict[str, Any] | None:
        """One conditional UpdateItem: the attributes it returned, or None if the condition
        did not hold (DynamoDB's ConditionalCheckFailed); any other refusal is raised."""
        try:
            answer = self._client.update_item(
                TableName=self._table,
                Key=_key(invite_id),
                UpdateExpression=update,
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW" if return_new else "NONE",
            )
        except ClientError as exc:
            if aws_error_code(exc) != CONDITION_FAILED:
                raise
            return None
        return dict(answer.get("Attributes", {}))

    def _not_withdrawable(self, invite_id: str) -> Exception:
        record = self.get(invite_id)
        if record is None:
            return InviteNotFound(f"No invite has the id {invite_id!r}.")
        return InviteNotPending(
            f"Invite {invite_id} is {record.as_of(datetime.now(UTC)).status.value}; only a "
            "pending invite can be withdrawn."
        )

    def _unclaimable(self, invite_id: str) -> Exception:
        record = self.get(invite_id)
        if record is None:
            return InviteNotFound(f"No invite has the id {invite_id!r}.")
        if record.status is InviteStatus.REVOKED:
            return withdrawn()
        if record.status is InviteStatus.USED:
            return already_used(record)
        return ExpiredInvite("This link expired while you were at X.", hint="Ask for a new link.")


def _n_float(value: float) -> "AttributeValueTypeDef":
    return {"N": f"{value:.6f}"}


def _state_attribute(oauth_token: str) -> str:
    # The request token is a bearer until X exchanges it: the record keeps only its hash.
    return "callback_" + hashlib.sha256(oauth_token.encode()).hexdigest()[:32]


def create_invites_table(client: "DynamoDBClient", table_name: str) -> None:
    """The table as serverless.yml declares it (make dev and the tests; AWS gets it deployed)."""
    client.create_table(
        TableName=table_name,
        AttributeDefinitions=[{"AttributeName": "invite_id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "invite_id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    client.update_time_to_live(
        TableName=table_name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
    )


def _key(invite_id: str) -> dict[str, "AttributeValueTypeDef"]:
    return {"invite_id": _s(invite_id)}


def _item(invite: InviteRecord) -> dict[str, "AttributeValueTypeDef"]:
    item: dict[str, AttributeValueTypeDef] = {
        "invite_id": _s(invite.id),
        "status": _s(invite.status.value),
        "created_at": _s(invite.created_at.isoformat()),
        "expires_at": _s(invite.expires_at.isoformat()),
        TTL_ATTRIBUTE: _n(int((invite.expires_at + RETENTION).timestamp())),
    }
    for name in _OPTIONAL_TEXT:
        if value := getattr(invite, name):
            item[name] = _s(value)
    if invite.auth != KIND_OAUTH1:
        item["auth"] = _s(invite.auth)  # records from before OAuth 2.0 have none: OAuth 1.0a
    return item


def _record(item: dict[str, Any]) -> InviteRecord:
    """A record from an item; a damaged one is named, never a 500."""
    try:

        def text(name: str) -> str | None:
            return str(item[name]["S"]) if name in item else None

        def moment(name: str) -> datetime | None:
            return datetime.fromisoformat(item[name]["S"]) if name in item else None

        return InviteRecord(
            id=item["invite_id"]["S"],
            status=InviteStatus(item["status"]["S"]),
            created_at=datetime.fromisoformat(item["created_at"]["S"]),
            expires_at=datetime.fromisoformat(item["expires_at"]["S"]),
            screen_name=text("screen_name"),
            user_id=text("user_id"),
            note=text("note"),
            connected_screen_name=text("connected_screen_name"),
            connected_user_id=text("connected_user_id"),
            used_at=moment("used_at"),
            revoked_at=moment("revoked_at"),
            auth=text("auth") or KIND_OAUTH1,
        )
    except (KeyError, TypeError, ValueError) as exc:
        invite_id = item.get("invite_id", {}).get("S", "?") if isinstance(item, dict) else "?"
        log.error("invite record %s is damaged: %s", invite_id, type(exc).__name__)
        raise LedgerUnavailable(
            "This invite's record is damaged, so the link can't be used.",
            hint="Ask the person who sent it for a new link.",
        ) from None
