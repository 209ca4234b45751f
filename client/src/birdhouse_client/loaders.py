"""Load onboarded accounts' keys in a bot job: one account, a list, or all of them.

Needs boto3 only. Region, credentials and endpoint come from the standard AWS settings; the
prefix from SECRETS_PREFIX.

    from birdhouse_client import load_account, load_accounts

    bot = load_account("HelloBot")
    bot.kind               # "oauth1" or "oauth2"
    bot.as_dict()          # consumer_key, consumer_secret, access_token, access_token_secret, ...
    fleet = load_accounts()  # every onboarded account, 20 per Secrets Manager call

An OAuth 2.0 account's access token lasts two hours. Birdhouse refreshes it well before, so
it normally has minutes left; one about to expire is refreshed here first, through Birdhouse's
per-account lease (birdhouse_client.oauth2), so a fleet of jobs never races a refresh.
"""

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from birdhouse_client.layout import (
    GONE_ERROR_CODES,
    HEALTHY_STATUSES,
    STATUS_REFRESH_LOST,
    STATUS_REFRESH_REJECTED,
    STATUS_REVOKED,
    NotAScreenName,
    OAuth2AccountSecret,
    StoredAccount,
    account_from_secret_dict,
    account_secret_name,
    accounts_prefix,
    aws_error_code,
    is_tombstone,
    normalise_screen_name,
    not_onboarded_message,
    resolve_secrets_prefix,
)
from birdhouse_client.listing import account_secrets, account_summary
from birdhouse_client.single_writer import CLIENT_MARGIN_SECONDS, RefreshFailed

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_secretsmanager import SecretsManagerClient

log = logging.getLogger(__name__)

BATCH_SIZE = 20  # BatchGetSecretValue's limit


class CredentialsError(Exception):
    """Keys could not be loaded; the message says which and why, never a secret."""


class AccountNotOnboarded(CredentialsError):
    """No secret exists for this screen name."""


class AccountRevoked(CredentialsError):
    """The operator reset this account's token (it leaked); it works again once re-onboarded."""


class TokenNotRefreshed(CredentialsError):
    """An OAuth 2.0 account's token was about to expire and could not be refreshed."""


class AccountsNotLoaded(CredentialsError):
    """Some accounts failed; `loaded` holds the rest, `errors` maps screen name to reason."""

    def __init__(self, loaded: dict[str, StoredAccount], errors: dict[str, str]) -> None:
        failed = ", ".join(f"{name} ({reason})" for name, reason in sorted(errors.items()))
        super().__init__(f"{len(errors)} account(s) could not be loaded: {failed}")
        self.loaded = loaded
        self.errors = errors


def load_account(
    screen_name: str,
    *,
    client: "SecretsManagerClient | None" = None,
    secrets_prefix: str | None = None,
    refresh: bool = True,
    dynamodb: "DynamoDBClient | None" = None,
    now: Callable[[], datetime] | None = None,
) -> StoredAccount:
    """One account's keys: a single GetSecretValue.

    An OAuth 2.0 account whose token has less than five minutes left is refreshed first,
    through Birdhouse's lease (`refresh=False` returns it as stored); `now` is the clock its
    expiry is judged by (default: the system's).
    """
    prefix = resolve_secrets_prefix(secrets_prefix)
    secret_id = _secret_id(prefix, screen_name)
    secrets_client = client or _client()
    with _translated_errors(secret_id, screen_name=screen_name):
        answer = secrets_client.get_secret_value(SecretId=secret_id)
    account = _parse(secret_id, answer.get("SecretString"))
    if refresh and isinstance(account, OAuth2AccountSecret):
        return _fresh(account, client=secrets_client, prefix=prefix, dynamodb=dynamodb, now=now)
    return account


def _fresh(
    account: OAuth2AccountSecret,
    *,
    client: "SecretsManagerClient",
    prefix: str,
    dynamodb: "DynamoDBClient | None",
    now: Callable[[], datetime] | None,
) -> OAuth2AccountSecret:
    from birdhouse_client.oauth2 import refreshed_account, utc_now

    try:
        with _translated_errors(f"to refresh @{account.screen_name}"):
            return refreshed_account(
                account, client=client, prefix=prefix, dynamodb=dynamodb, now=now or utc_now
            )
    except RefreshFailed as exc:
        raise TokenNotRefreshed(str(exc)) from exc


def load_accounts(
    screen_names: Iterable[str] | None = None,
    *,
    client: "SecretsManagerClient | None" = None,
    secrets_prefix: str | None = None,
    healthy_only: bool = False,
) -> dict[str, StoredAccount]:
    """Several accounts, keyed by lower-case screen name; None loads every onboarded account.

    BatchGetSecretValue fetches 20 per call; every account costs one ListSecrets call per 100
    for the names too, so N accounts cost ceil(N/20) + ceil(N/100) calls (named ones: ceil(N/20)).
    `healthy_only` leaves out accounts whose last check found them dead (revoked, read-only,
    renamed, forbidden, ...): one ListSecrets page per 100 accounts reads their status tags.
    Raises AccountsNotLoaded, with the others in `.loaded`, if any account fails.
    """
    prefix = resolve_secrets_prefix(secrets_prefix)
    secrets_client = client or _client()
    loaded: dict[str, StoredAccount] = {}
    errors: dict[str, str] = {}
    with _translated_errors(f"to list {accounts_prefix(prefix)}"):
        if healthy_only:
            statuses = _statuses(secrets_client, prefix)
            wanted = (
                statuses.keys()
                if screen_names is None
                else {_secret_id(prefix, name) for name in screen_names} & statuses.keys()
            )
            ids = sorted(i for i in wanted if statuses[i] in HEALTHY_STATUSES)
            pages = _pages_by_id(secrets_client, ids)
        elif screen_names is None:
            # The names first (ListSecrets, 100 a call), then 20 by id a call. A name filter
            # on BatchGetSecretValue saves those list calls at AWS, but moto scans its whole
            # store for every filtered page (5,000 accounts: 1,077 s against 12 s), and the
            # list skips secrets scheduled for deletion, which fail a filtered batch there.
            pages = _pages_by_id(secrets_client, sorted(_statuses(secrets_client, prefix)))
        else:
            ids = sorted({_secret_id(prefix, name) for name in screen_names})
            pages = _pages_by_id(secrets_client, ids)
        for page in pages:
            for entry in page.get("SecretValues", []):
                name = entry.get("Name", "")
                try:
                    account = _parse(name, entry.get("SecretString"))
                    if isinstance(account, OAuth2AccountSecret):
                        account = _fresh(
                            account, client=secrets_client, prefix=prefix, dynamodb=None, now=None
                        )
                except CredentialsError as exc:
                    errors[name.rsplit("/", 1)[-1]] = str(exc)
                    continue
                loaded[account.screen_name.lower()] = account
            for error in page.get("Errors", []):
                reason = error.get("ErrorCode", "error")
                if reason == "ResourceNotFoundException":
                    reason = "not onboarded"
                errors[error.get("SecretId", "?").rsplit("/", 1)[-1]] = reason
    if errors:
        raise AccountsNotLoaded(loaded, errors)
    return loaded


class CachedCredentials:
    """Keys kept in memory for `ttl_seconds`, so a long-running bot doesn't call AWS per tweet.

    Not aws-secretsmanager-caching: it caches one GetSecretValue per secret and cannot batch,
    which is the expensive case here (a fleet), and a TTL is all a bot needs: OAuth 1.0a tokens
    don't expire (an OAuth 2.0 account is kept only while its token has minutes left), and a
    re-onboarded account's new tokens arrive within one TTL.
    """

    def __init__(
        self,
        ttl_seconds: float = 300,
        *,
        client: "SecretsManagerClient | None" = None,
        secrets_prefix: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl_seconds
        self._client = client
        self._prefix = secrets_prefix
        self._clock = clock
        self._entries: dict[str, tuple[float, StoredAccount]] = {}
        self._lock = threading.Lock()

    def account(self, screen_name: str) -> StoredAccount:
        key = _key(screen_name)
        with self._lock:
            cached = self._entries.get(key)
            if cached and self._clock() < cached[0]:
                return cached[1]
        account = load_account(screen_name, client=self._client, secrets_prefix=self._prefix)
        self._remember([account])
        return account

    def accounts(self, screen_names: Iterable[str] | None = None) -> dict[str, StoredAccount]:
        """Every named account (or all), fetching only what is missing or stale."""
        if screen_names is None:
            fleet = load_accounts(client=self._client, secrets_prefix=self._prefix)
            self._remember(fleet.values())
            return fleet
        wanted = {_key(name) for name in screen_names}
        now = self._clock()
        with self._lock:
            fresh = {k: v for k, (until, v) in self._entries.items() if k in wanted and now < until}
        missing = wanted - set(fresh)
        if missing:
            fetched = load_accounts(missing, client=self._client, secrets_prefix=self._prefix)
            self._remember(fetched.values())
            fresh.update(fetched)
        return fresh

    def forget(self, screen_name: str | None = None) -> None:
        """Drop one account (or all), e.g. after X answered 401 for it."""
        with self._lock:
            if screen_name is None:
                self._entries.clear()
            else:
                self._entries.pop(_key(screen_name), None)

    def _remember(self, accounts: Iterable[StoredAccount]) -> None:
        now = self._clock()
        with self._lock:
            for account in accounts:
                until = now + self._ttl
                if isinstance(account, OAuth2AccountSecret):
                    # Never past the point where the token is due for a refresh.
                    left = account.seconds_left(_utc_now()) - CLIENT_MARGIN_SECONDS
                    until = now + max(0.0, min(self._ttl, left))
                self._entries[account.screen_name.lower()] = (until, account)


def _statuses(client: "SecretsManagerClient", prefix: str) -> dict[str, str]:
    """Every live account secret's name and its last recorded status (tags, no values)."""
    return {
        entry["Name"]: account_summary(entry["Name"], entry).status
        for entry in account_secrets(client, secrets_prefix=prefix)
    }


def account_statuses(
    *, client: "SecretsManagerClient | None" = None, secrets_prefix: str | None = None
) -> dict[str, str]:
    """Lower-case screen name → the status the last check recorded ("ok", "revoked", ...)."""
    prefix = resolve_secrets_prefix(secrets_prefix)
    names_start = accounts_prefix(prefix)
    with _translated_errors(f"to list {names_start}"):
        statuses = _statuses(client or _client(), prefix)
    return {name.removeprefix(names_start): status for name, status in statuses.items()}


def _pages_by_id(client: "SecretsManagerClient", secret_ids: list[str]) -> Iterator[Any]:
    for start in range(0, len(secret_ids), BATCH_SIZE):
        yield client.batch_get_secret_value(SecretIdList=secret_ids[start : start + BATCH_SIZE])


def _parse(secret_id: str, secret_string: str | None) -> StoredAccount:
    try:
        data = json.loads(secret_string or "")
        if isinstance(data, dict) and is_tombstone(data):
            moved = f": it moved to @{data['moved_to']}" if data.get("moved_to") else ""
            raise AccountNotOnboarded(f"{secret_id} holds no account any more{moved}")
        account = account_from_secret_dict(data)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        # Name the problem, never the content.
        raise CredentialsError(f"{secret_id} is not a Birdhouse account secret") from exc
    if account.status in (STATUS_REVOKED, STATUS_REFRESH_REJECTED, STATUS_REFRESH_LOST):
        # Clearer than X's bare 401 on the first post.
        raise AccountRevoked(
            f"@{account.screen_name}'s token was revoked by the operator or can no longer be "
            "refreshed; it works again once the account is onboarded again"
        )
    return account


def _utc_now() -> datetime:
    from birdhouse_client.oauth2 import utc_now

    return utc_now()


def _secret_id(prefix: str, screen_name: str) -> str:
    try:
        return account_secret_name(screen_name, prefix=prefix)
    except NotAScreenName as exc:
        raise CredentialsError(str(exc)) from None


def _key(screen_name: str) -> str:
    try:
        return normalise_screen_name(screen_name)
    except NotAScreenName as exc:
        raise CredentialsError(str(exc)) from None


def _client() -> "SecretsManagerClient":
    with _translated_errors("a client"):
        return boto3.client("secretsmanager")


@contextmanager
def _translated_errors(what: str, *, screen_name: str | None = None) -> Iterator[None]:
    """AWS's errors as ours: a refusal names its code, a failure to connect says so.

    With `screen_name`, a secret that is missing or scheduled for deletion is not onboarded.
    """
    try:
        yield
    except ClientError as exc:
        code = aws_error_code(exc)
        if screen_name is not None and code in GONE_ERROR_CODES:
            raise AccountNotOnboarded(not_onboarded_message(screen_name)) from None
        raise CredentialsError(f"Secrets Manager refused {what}: {code}") from exc
    except BotoCoreError as exc:
        raise CredentialsError(f"Secrets Manager is not reachable: {exc}") from exc
