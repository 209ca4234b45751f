"""Secrets Manager, behind the small interface the rest of the app uses."""

import enum
import json
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from app.accounts import AccountSecret
from app.errors import StoreUnavailable
from app.screen_names import normalise_screen_name

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_secretsmanager.type_defs import TagTypeDef

log = logging.getLogger(__name__)

# An owner waits on the callback page while we write: three tries of at most 1 s to connect
# and 3 s to answer (Secrets Manager usually answers in tens of ms) fit, after X's share,
# inside the Lambda timeout. Standard mode backs off between tries and retries throttling.
_CLIENT_CONFIG = Config(
    connect_timeout=1,
    read_timeout=3,
    retries={"mode": "standard", "max_attempts": 3},
)


class SaveOutcome(enum.Enum):
    CREATED = "created"
    UPDATED = "updated"


class CredentialStore(Protocol):
    """Where the app secret is read and account secrets are kept."""

    def read_app_secret(self, secret_id: str) -> dict[str, Any] | None: ...

    def get_account(self, screen_name: str) -> AccountSecret | None: ...

    def save_account(self, account: AccountSecret) -> SaveOutcome: ...


@lru_cache
def create_secrets_client() -> "SecretsManagerClient":
    """One client per container, made on first use: region and endpoint from AWS_* variables."""
    try:
        return boto3.client("secretsmanager", config=_CLIENT_CONFIG)
    except BotoCoreError as exc:
        raise StoreUnavailable(f"Secrets Manager client could not be created: {exc}") from exc


@contextmanager
def _translated_errors(action: str, secret_id: str) -> Iterator[None]:
    try:
        yield
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "Unknown")
        log.warning("Secrets Manager %s %s failed: %s", action, secret_id, code)
        raise StoreUnavailable(f"Secrets Manager could not {action} {secret_id} ({code})") from exc
    except BotoCoreError as exc:
        log.warning("Secrets Manager %s %s failed: %s", action, secret_id, type(exc).__name__)
        raise StoreUnavailable(
            f"Secrets Manager could not {action} {secret_id} ({type(exc).__name__})"
        ) from exc


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _tag_pairs(tags: "Sequence[TagTypeDef]") -> set[tuple[str, str]]:
    return {(tag.get("Key", ""), tag.get("Value", "")) for tag in tags}


class SecretsManagerStore:
    """Account secrets at `{prefix}/accounts/{screen name in lower case}`."""

    def __init__(self, client: "SecretsManagerClient", *, secrets_prefix: str) -> None:
        self._client = client
        self._prefix = secrets_prefix

    def account_secret_name(self, screen_name: str) -> str:
        return f"{self._prefix}/accounts/{normalise_screen_name(screen_name)}"

    def read_app_secret(self, secret_id: str) -> dict[str, Any] | None:
        return self._read_json(secret_id)

    def get_account(self, screen_name: str) -> AccountSecret | None:
        secret_id = self.account_secret_name(screen_name)
        data = self._read_json(secret_id)
        if data is None:
            return None
        try:
            return AccountSecret.from_secret_dict(data)
        except KeyError as exc:
            raise StoreUnavailable(f"{secret_id} lacks the key {exc.args[0]!r}") from None

    def save_account(self, account: AccountSecret) -> SaveOutcome:
        """Create the secret, or put a new version so the old tokens stay as AWSPREVIOUS."""
        secret_id = self.account_secret_name(account.screen_name)
        secret_string = json.dumps(account.as_secret_dict())
        tags: list[TagTypeDef] = [
            {"Key": "birdhouse:screen_name", "Value": account.screen_name},
            {"Key": "birdhouse:user_id", "Value": account.user_id},
        ]
        with _translated_errors("save", secret_id):
            try:
                self._client.create_secret(
                    Name=secret_id,
                    SecretString=secret_string,
                    Description=f"X (Twitter) tokens for @{account.screen_name}, by Birdhouse",
                    Tags=tags,
                )
                return SaveOutcome.CREATED
            except ClientError as exc:
                # Exists already (re-onboarding, or a second callback racing this one), or is
                # scheduled for deletion (AWS says InvalidRequest, moto says ResourceExists).
                if _error_code(exc) not in ("ResourceExistsException", "InvalidRequestException"):
                    raise
            description = self._client.describe_secret(SecretId=secret_id)
            if "DeletedDate" in description:
                log.info("restoring %s, which was scheduled for deletion", secret_id)
                self._client.restore_secret(SecretId=secret_id)
            self._client.put_secret_value(SecretId=secret_id, SecretString=secret_string)
        if _tag_pairs(description.get("Tags", [])) != _tag_pairs(tags):
            self._update_tags(secret_id, tags)
        return SaveOutcome.UPDATED

    def _update_tags(self, secret_id: str, tags: "list[TagTypeDef]") -> None:
        # The value is already written; stale tags are not worth failing the owner's page.
        try:
            self._client.tag_resource(SecretId=secret_id, Tags=tags)
        except (ClientError, BotoCoreError) as exc:
            log.warning("could not update tags on %s: %s", secret_id, type(exc).__name__)

    def _read_json(self, secret_id: str) -> dict[str, Any] | None:
        with _translated_errors("read", secret_id):
            try:
                answer = self._client.get_secret_value(SecretId=secret_id)
            except ClientError as exc:
                if _error_code(exc) == "ResourceNotFoundException":
                    return None
                raise
        try:
            data = json.loads(answer.get("SecretString") or "")
        except json.JSONDecodeError:
            raise StoreUnavailable(f"{secret_id} does not hold JSON") from None
        if not isinstance(data, dict):
            raise StoreUnavailable(f"{secret_id} does not hold a JSON object")
        return data
