"""Secrets Manager, behind two small interfaces: the account store and the app secret source."""

import base64
import json
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError

from app.adapters.aws_deadline import DeadlineReached, bound_by_deadline
from app.core.accounts import AccountPage, PendingDeletion, SaveOutcome
from app.core.deadline import (
    SECRETS_ATTEMPTS,
    SECRETS_CONNECT_TIMEOUT_SECONDS,
    SECRETS_READ_TIMEOUT_SECONDS,
)
from app.core.errors import BadCursor, StoreOutOfTime, StoreUnavailable
from birdhouse_client.layout import (
    GONE_ERROR_CODES,
    STATUS_REVOKED,
    TAG_ACCESS_LEVEL,
    TAG_CHECKED_AT,
    TAG_EXPIRES_AT,
    TAG_MOVED_TO,
    TAG_NAME_CONFLICT,
    TAG_REPORTED_OK_AT,
    TAG_STATUS,
    TAG_USER_ID,
    AccountSummary,
    OAuth2AccountSecret,
    StoredAccount,
    account_from_secret_dict,
    account_secret_name,
    accounts_prefix,
    aws_error_code,
    is_tombstone,
    tombstone,
)
from birdhouse_client.listing import (
    LIST_PAGE_SIZE,
    account_secrets,
    account_secrets_page,
    account_summary,
    listing_filters,
    tag_dict,
)

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_secretsmanager.type_defs import (
        CreateSecretRequestTypeDef,
        DescribeSecretResponseTypeDef,
        TagTypeDef,
    )

log = logging.getLogger(__name__)

# An owner waits on the callback page while we write. Three tries in all (botocore's
# `max_attempts` would count retries only) of at most 1 s to connect and 2 s to answer
# (Secrets Manager usually answers in tens of ms), with standard mode's backoff between them
# (up to 1 s, then 2 s): about 12 s at worst. Standard mode also retries throttling. In
# Lambda the request's deadline cuts that short (aws_deadline): no attempt or retry starts
# that could not finish in time.
SECRETS_CLIENT_CONFIG = Config(
    connect_timeout=SECRETS_CONNECT_TIMEOUT_SECONDS,
    read_timeout=SECRETS_READ_TIMEOUT_SECONDS,
    retries={"mode": "standard", "total_max_attempts": SECRETS_ATTEMPTS},
)


# When a deleted account's secret goes for good: neither ListSecrets nor DescribeSecret says
# (their DeletedDate is documented both as the request time and as the end of the window), so
# Birdhouse writes it down as a tag just before it schedules the deletion.
TAG_DELETION_DATE = "birdhouse:deletion_date"


@lru_cache
def create_secrets_client() -> "SecretsManagerClient":
    """One client per container, made on first use: region and endpoint from AWS_* variables."""
    try:
        client = boto3.client("secretsmanager", config=SECRETS_CLIENT_CONFIG)
    except NoRegionError as exc:
        raise StoreUnavailable("No AWS region: set AWS_DEFAULT_REGION or AWS_REGION") from exc
    except BotoCoreError as exc:
        raise StoreUnavailable(f"Secrets Manager client could not be created: {exc}") from exc
    bound_by_deadline(client)
    return client


@contextmanager
def _translated_errors(action: str, secret_id: str) -> Iterator[None]:
    try:
        yield
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "Unknown")
        log.warning("Secrets Manager %s %s failed: %s", action, secret_id, code)
        raise StoreUnavailable(f"Secrets Manager could not {action} {secret_id} ({code})") from exc
    except DeadlineReached as exc:
        log.warning("Secrets Manager %s %s stopped: %s", action, secret_id, exc)
        raise StoreOutOfTime(f"Secrets Manager could not {action} {secret_id}: {exc}") from exc
    except NoCredentialsError as exc:
        raise StoreUnavailable(
            f"No AWS credentials to {action} {secret_id}: set AWS_PROFILE, or "
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
        ) from exc
    except BotoCoreError as exc:
        log.warning("Secrets Manager %s %s failed: %s", action, secret_id, type(exc).__name__)
        raise StoreUnavailable(
            f"Secrets Manager could not {action} {secret_id} ({type(exc).__name__})"
        ) from exc


def encode_cursor(token: str | None, *, status: str | None, name_prefix: str | None) -> str | None:
    """ListSecrets' NextToken with the filters it belongs to, URL-safe; None at the end."""
    if token is None:
        return None
    payload = json.dumps({"t": token, "s": status, "p": name_prefix}, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, *, status: str | None, name_prefix: str | None) -> str | None:
    """The NextToken inside a cursor from `encode_cursor`; BadCursor for any other text, or
    for a cursor made under other filters (AWS would answer it with the wrong accounts)."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
        token, filters = payload["t"], (payload["s"], payload["p"])
    except (ValueError, TypeError, KeyError) as exc:
        raise BadCursor("This `next` cursor was not handed out by GET /accounts.") from exc
    if not isinstance(token, str) or filters != (status, name_prefix):
        raise BadCursor("This `next` cursor belongs to a listing with other filters.")
    return token


def _description(account: StoredAccount) -> str:
    return f"X (Twitter) tokens for @{account.screen_name}, by Birdhouse"


def _parse_date(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def _tag_pairs(tags: "Sequence[TagTypeDef]") -> set[tuple[str, str]]:
    # A deletion date left from before a restore is stale but harmless: not worth a call.
    return {pair for pair in tag_dict({"Tags": tags}).items() if pair[0] != TAG_DELETION_DATE}


class SecretsManagerAccountStore:
    """Account secrets at `{prefix}/accounts/{screen name in lower case}`."""

    def __init__(
        self, client: "SecretsManagerClient", *, secrets_prefix: str, kms_key_id: str | None = None
    ) -> None:
        bound_by_deadline(client)
        self._client = client
        self._prefix = secrets_prefix
        # Empty in Lambda when serverless.yml's kmsKeyArn is not set.
        self._kms_key_id = kms_key_id or None

    def account_secret_name(self, screen_name: str) -> str:
        return account_secret_name(screen_name, prefix=self._prefix)

    def get_account(self, screen_name: str) -> StoredAccount | None:
        secret_id = self.account_secret_name(screen_name)
        data = _read_json(self._client, secret_id)
        if data is None or is_tombstone(data):
            return None
        try:
            return account_from_secret_dict(data)
        except KeyError as exc:
            raise StoreUnavailable(f"{secret_id} lacks the key {exc.args[0]!r}") from None
        except ValueError:
            raise StoreUnavailable(
                f"{secret_id} is not an account secret Birdhouse knows"
            ) from None

    def save_account(self, account: StoredAccount) -> SaveOutcome:
        """Create the secret, or put a new version so the old tokens stay as AWSPREVIOUS."""
        secret_id = self.account_secret_name(account.screen_name)
        secret_string = json.dumps(account.as_secret_dict())
        # Tags let the operator list thousands of accounts without reading one secret.
        tags: list[TagTypeDef] = [{"Key": k, "Value": v} for k, v in account.tags().items()]
        creation: CreateSecretRequestTypeDef = {
            "Name": secret_id,
            "SecretString": secret_string,
            "Description": _description(account),
            "Tags": tags,
        }
        if self._kms_key_id:
            creation["KmsKeyId"] = self._kms_key_id
        with _translated_errors("save", secret_id):
            try:
                self._client.create_secret(**creation)
                return SaveOutcome.CREATED
            except ClientError as exc:
                # Exists already (re-onboarding, or a second callback racing this one), or is
                # scheduled for deletion (AWS says InvalidRequest, moto says ResourceExists).
                if aws_error_code(exc) not in (
                    "ResourceExistsException",
                    "InvalidRequestException",
                ):
                    raise
            description = self._client.describe_secret(SecretId=secret_id)
            was_deleted = "DeletedDate" in description
            if was_deleted:
                log.info("restoring %s, which was scheduled for deletion", secret_id)
                self._client.restore_secret(SecretId=secret_id)
            try:
                if not self._held_by(secret_id, description, account.user_id):
                    # The name passed to another X user: the earlier holder's tokens must not
                    # become this secret's AWSPREVIOUS, where the newcomer's job could read them.
                    log.info("%s changes hands: its old value is retired first", secret_id)
                    self._retire_value(secret_id, account.screen_name, moved_to=None, versions=1)
                self._client.put_secret_value(SecretId=secret_id, SecretString=secret_string)
            except (ClientError, BotoCoreError, DeadlineReached):
                if was_deleted:
                    # Never leave a deleted account live again, its old value current.
                    self._delete_again(secret_id)
                raise
        current = _tag_pairs(description.get("Tags", []))
        if not _tag_pairs(tags) <= current:
            self._update_tags(secret_id, tags)
        # Connected again by its own X user: an old conflict or move note no longer applies.
        stale = sorted({key for key, _ in current if key in (TAG_NAME_CONFLICT, TAG_MOVED_TO)})
        if stale:
            self._remove_tags(secret_id, stale)
        return SaveOutcome.UPDATED

    def replace_account_value(self, account: StoredAccount) -> None:
        """A new version of an existing secret (one PutSecretValue); the old one is AWSPREVIOUS.

        An OAuth 2.0 account's expiry is tagged too (the refresher lists it instead of reading
        every token); the value is what matters, so a failed tag is only logged.
        """
        secret_id = self.account_secret_name(account.screen_name)
        with _translated_errors("rewrite", secret_id):
            self._client.put_secret_value(
                SecretId=secret_id, SecretString=json.dumps(account.as_secret_dict())
            )
        if isinstance(account, OAuth2AccountSecret):
            try:
                self._update_tags(secret_id, [{"Key": TAG_EXPIRES_AT, "Value": account.expires_at}])
            except StoreUnavailable:
                log.warning("%s: the new token's expiry was not tagged", secret_id)

    def mark_revoked(self, account: StoredAccount) -> None:
        """Keep the secret, marked in its value (bot jobs read it) and in a tag (the operator)."""
        self.replace_account_value(replace(account, status=STATUS_REVOKED))
        self._update_tags(
            self.account_secret_name(account.screen_name),
            [{"Key": TAG_STATUS, "Value": STATUS_REVOKED}],
        )

    def record_check(
        self, screen_name: str, *, status: str, access_level: str | None, checked_at: str
    ) -> None:
        """What a check found, as tags: GET /accounts and the sweep read it without a secret."""
        tags: list[TagTypeDef] = [
            {"Key": TAG_STATUS, "Value": status},
            {"Key": TAG_CHECKED_AT, "Value": checked_at},
        ]
        if access_level:
            tags.append({"Key": TAG_ACCESS_LEVEL, "Value": access_level})
        self._update_tags(self.account_secret_name(screen_name), tags)

    def list_accounts(self) -> Iterator[AccountSummary]:
        """Every account not scheduled for deletion, a ListSecrets page (100) at a time."""
        with _translated_errors("list", f"{accounts_prefix(self._prefix)}*"):
            for entry in account_secrets(self._client, secrets_prefix=self._prefix):
                yield account_summary(entry["Name"], entry)

    def list_accounts_page(
        self,
        *,
        limit: int,
        cursor: str | None = None,
        status: str | None = None,
        name_prefix: str | None = None,
    ) -> AccountPage:
        """Up to `limit` accounts, filtered at AWS (name prefix, status tag), and the cursor.

        ListSecrets' filters match loosely (a tag value matches under any key, a name prefix
        in any case), so each entry is checked again here; a page may come back shorter.
        """
        filters = listing_filters(status=status)
        names_start = accounts_prefix(self._prefix) + (name_prefix or "").lower()
        token = decode_cursor(cursor, status=status, name_prefix=name_prefix)
        found: list[AccountSummary] = []
        with _translated_errors("list", f"{names_start}*"):
            # Filtered pages can come back empty with a token: bound the calls per page.
            for _ in range(limit // LIST_PAGE_SIZE + 5):
                try:
                    entries, token = account_secrets_page(
                        self._client,
                        names_start=names_start,
                        filters=filters,
                        page_size=min(LIST_PAGE_SIZE, limit - len(found)),
                        next_token=token,
                    )
                except ClientError as exc:
                    if aws_error_code(exc) != "InvalidNextTokenException":
                        raise
                    raise BadCursor("This `next` cursor has expired: list again.") from None
                found += [
                    summary
                    for summary in (account_summary(e["Name"], e) for e in entries)
                    if status is None or summary.status == status
                ]
                if token is None or len(found) >= limit:
                    break
        return AccountPage(
            accounts=found,
            next_cursor=encode_cursor(token, status=status, name_prefix=name_prefix),
        )

    def note_reported_ok(self, screen_name: str, *, reported_at: str) -> None:
        self._update_tags(
            self.account_secret_name(screen_name),
            [{"Key": TAG_REPORTED_OK_AT, "Value": reported_at}],
        )

    def list_deleted_accounts(self) -> Iterator[PendingDeletion]:
        """Every account scheduled for deletion and still restorable."""
        entries = account_secrets(
            self._client, secrets_prefix=self._prefix, scheduled_for_deletion=True
        )
        with _translated_errors("list", f"{accounts_prefix(self._prefix)}*"):
            for entry in entries:
                yield PendingDeletion(
                    account=account_summary(entry["Name"], entry),
                    deletion_date=_parse_date(tag_dict(entry).get(TAG_DELETION_DATE)),
                    moved_to=tag_dict(entry).get(TAG_MOVED_TO) or None,
                )

    def describe_account(self, screen_name: str) -> AccountSummary | None:
        secret_id = self.account_secret_name(screen_name)
        description = self._describe(secret_id)
        if description is None or "DeletedDate" in description:
            return None
        return account_summary(secret_id, description)

    def schedule_deletion(
        self, screen_name: str, *, recovery_window_days: int, moved_to: str | None = None
    ) -> datetime:
        """Delete after the recovery window; `restore_account` undoes it until then."""
        secret_id = self.account_secret_name(screen_name)
        # A secret scheduled for deletion takes no new tags: write the date (and, after a
        # rename, where the account went) down first.
        expected = datetime.now(UTC) + timedelta(days=recovery_window_days)
        tags: list[TagTypeDef] = [
            {"Key": TAG_DELETION_DATE, "Value": expected.replace(microsecond=0).isoformat()}
        ]
        if moved_to:
            tags.append({"Key": TAG_MOVED_TO, "Value": moved_to})
            # The account lives on under its new name: this secret keeps no working token in
            # its current or previous stage, whoever restores it or takes the name.
            with _translated_errors("retire", secret_id):
                self._retire_value(secret_id, screen_name, moved_to=moved_to, versions=2)
        self._update_tags(secret_id, tags)
        with _translated_errors("delete", secret_id):
            answer = self._client.delete_secret(
                SecretId=secret_id, RecoveryWindowInDays=recovery_window_days
            )
        log.info("scheduled %s for deletion in %s days", secret_id, recovery_window_days)
        return answer["DeletionDate"]

    def _held_by(
        self, secret_id: str, description: "DescribeSecretResponseTypeDef", user_id: str
    ) -> bool:
        """Whether the secret now holds this X user's account: by its tag, else by its value
        (a secret written before the tag, or whose tagging failed)."""
        tagged = tag_dict(description).get(TAG_USER_ID)
        if tagged:
            return tagged == user_id
        try:
            value = _read_json(self._client, secret_id)
        except StoreUnavailable:
            return False  # can't tell: retiring the old value is the safe side
        return value is not None and value.get("user_id") == user_id

    def _delete_again(self, secret_id: str) -> None:
        try:
            self._client.delete_secret(SecretId=secret_id, RecoveryWindowInDays=7)
        except (ClientError, BotoCoreError, DeadlineReached) as exc:
            log.error(
                "%s was restored, its save failed, and it could not be deleted again: %s",
                secret_id,
                type(exc).__name__,
            )

    def _retire_value(
        self, secret_id: str, screen_name: str, *, moved_to: str | None, versions: int
    ) -> None:
        for generation in range(1, versions + 1):
            value = tombstone(screen_name, moved_to=moved_to, generation=generation)
            self._client.put_secret_value(SecretId=secret_id, SecretString=json.dumps(value))

    def restore_account(self, screen_name: str) -> AccountSummary | None:
        secret_id = self.account_secret_name(screen_name)
        if self._describe(secret_id) is None:
            return None
        with _translated_errors("restore", secret_id):
            self._client.restore_secret(SecretId=secret_id)
        log.info("restored %s", secret_id)
        return self.describe_account(screen_name)

    def find_by_user_id(self, user_id: str) -> AccountSummary | None:
        """The live account of this X user: ListSecrets filtered by the user-id tag."""
        entries = account_secrets(
            self._client,
            secrets_prefix=self._prefix,
            filters=[
                {"Key": "tag-key", "Values": [TAG_USER_ID]},
                {"Key": "tag-value", "Values": [user_id]},
            ],
        )
        with _translated_errors("find", f"{accounts_prefix(self._prefix)}* (user id {user_id})"):
            for entry in entries:
                # The tag filters match independently (and loosely): check the pair.
                if tag_dict(entry).get(TAG_USER_ID) == user_id:
                    return account_summary(entry["Name"], entry)
        return None

    def note_name_conflict(self, screen_name: str, *, detail: str) -> None:
        """Tag the account so the operator sees, in GET /accounts, that its name changed hands."""
        self._update_tags(
            self.account_secret_name(screen_name), [{"Key": TAG_NAME_CONFLICT, "Value": detail}]
        )

    def _describe(self, secret_id: str) -> "DescribeSecretResponseTypeDef | None":
        with _translated_errors("describe", secret_id):
            try:
                return self._client.describe_secret(SecretId=secret_id)
            except ClientError as exc:
                if aws_error_code(exc) == "ResourceNotFoundException":
                    return None
                raise

    def _remove_tags(self, secret_id: str, keys: list[str]) -> None:
        try:
            self._client.untag_resource(SecretId=secret_id, TagKeys=keys)
        except (ClientError, BotoCoreError) as exc:
            log.warning("could not remove tags from %s: %s", secret_id, type(exc).__name__)

    def _update_tags(self, secret_id: str, tags: "list[TagTypeDef]") -> None:
        # The value is already written; stale tags are not worth failing the owner's page.
        try:
            self._client.tag_resource(SecretId=secret_id, Tags=tags)
        except (ClientError, BotoCoreError) as exc:
            log.warning("could not update tags on %s: %s", secret_id, type(exc).__name__)


class SecretsManagerAppSecret:
    """The app secret, `{prefix}/app`: read by the service, written by `bootstrap`."""

    def __init__(self, client: "SecretsManagerClient") -> None:
        bound_by_deadline(client)
        self._client = client

    def read_app_secret(self, secret_id: str) -> dict[str, Any] | None:
        return _read_json(self._client, secret_id)

    def write_app_secret(self, secret_id: str, value: dict[str, Any]) -> SaveOutcome:
        """Create the app secret, or put a new version of it."""
        secret_string = json.dumps(value)
        with _translated_errors("write", secret_id):
            try:
                self._client.create_secret(
                    Name=secret_id,
                    SecretString=secret_string,
                    Description="Birdhouse: X consumer keys, admin token, signing key",
                )
                return SaveOutcome.CREATED
            except ClientError as exc:
                if aws_error_code(exc) != "ResourceExistsException":
                    raise
            self._client.put_secret_value(SecretId=secret_id, SecretString=secret_string)
        return SaveOutcome.UPDATED


def _read_json(client: "SecretsManagerClient", secret_id: str) -> dict[str, Any] | None:
    with _translated_errors("read", secret_id):
        try:
            answer = client.get_secret_value(SecretId=secret_id)
        except ClientError as exc:
            # InvalidRequest: scheduled for deletion, which for us means gone.
            if aws_error_code(exc) in GONE_ERROR_CODES:
                return None
            raise
    try:
        data = json.loads(answer.get("SecretString") or "")
    except json.JSONDecodeError:
        raise StoreUnavailable(f"{secret_id} does not hold JSON") from None
    if not isinstance(data, dict):
        raise StoreUnavailable(f"{secret_id} does not hold a JSON object")
    return data
