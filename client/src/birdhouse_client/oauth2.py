"""A bot job's own refresh of an OAuth 2.0 account, through Birdhouse's lease (boto3 only).

Birdhouse's schedule refreshes every OAuth 2.0 account well before its token expires, so a bot
job normally finds minutes left and never gets here. When it does find a token about to expire
(the schedule is late, or off), it refreshes through the same per-account lease as Birdhouse,
so it never races another refresher. It needs `dynamodb:UpdateItem` on its accounts' lease
items and `secretsmanager:PutSecretValue` on their secrets (`python -m app policy` grants both).
"""

import base64
import json
import logging
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import boto3

from birdhouse_client.layout import OAuth2AccountSecret, account_secret_name
from birdhouse_client.leases import DynamoDBRefreshLease
from birdhouse_client.single_writer import (
    CLIENT_MARGIN_SECONDS,
    DEFAULT_LEASE_TABLE,
    LEASE_TABLE_VARIABLE,
    Grant,
    RefreshLost,
    RefreshNotDone,
    RefreshRejected,
    fresh_account,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_secretsmanager import SecretsManagerClient

log = logging.getLogger(__name__)

X_API_BASE_URL_VARIABLE = "X_API_BASE_URL"
DEFAULT_X_API_BASE_URL = "https://api.x.com"
TOKEN_PATH = "/2/oauth2/token"  # noqa: S105 (a path, not a password)
TIMEOUT_SECONDS = 8.0


def token_request(account: OAuth2AccountSecret) -> tuple[bytes, dict[str, str]]:
    """The refresh request's form body and headers: confidential client, HTTP Basic."""
    body = urllib.parse.urlencode(
        {"grant_type": "refresh_token", "refresh_token": account.refresh_token}
    ).encode()
    basic = base64.b64encode(f"{account.client_id}:{account.client_secret}".encode()).decode()
    return body, {
        "Authorization": f"Basic {basic}",
        "Content-Type": "application/x-www-form-urlencoded",
    }


def grant_from_answer(payload: Any) -> Grant:
    """X's token answer as a Grant; ValueError if it lacks the new pair or its lifetime."""
    if not isinstance(payload, dict):
        raise ValueError("not a JSON object")
    access, refresh = payload.get("access_token"), payload.get("refresh_token")
    lifetime = payload.get("expires_in")
    if not isinstance(access, str) or not access or not isinstance(refresh, str) or not refresh:
        raise ValueError("no token pair")
    if not isinstance(lifetime, int | float) or lifetime <= 0:
        raise ValueError("no expires_in")
    return Grant(
        access_token=access,
        refresh_token=refresh,
        lifetime_seconds=float(lifetime),
        scopes=tuple(str(payload.get("scope") or "").split()),
    )


def utc_now() -> datetime:
    return datetime.now(UTC)


def refresh_at_x(
    account: OAuth2AccountSecret,
    *,
    base_url: str,
    timeout_seconds: float = TIMEOUT_SECONDS,
) -> Grant:
    """One refresh at X's token endpoint (urllib: the client needs no HTTP library)."""
    body, headers = token_request(account)
    url = f"{base_url.rstrip('/')}{TOKEN_PATH}"
    if not url.startswith(("https://", "http://")):
        raise RefreshNotDone(f"X_API_BASE_URL must be an http(s) URL, got {base_url[:60]!r}")
    request = urllib.request.Request(  # noqa: S310 (http(s) only, checked above)
        url, data=body, headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_seconds) as answer:  # noqa: S310
            content = answer.read(64 * 1024)
    except urllib.error.HTTPError as exc:
        refusal = _error_code(exc)
        if refusal == "invalid_grant":
            raise RefreshRejected(
                f"@{account.screen_name}: X refused the refresh token (invalid_grant); the "
                "owner must authorize again"
            ) from None
        raise RefreshNotDone(
            f"@{account.screen_name}: X answered the refresh with {exc.code}"
        ) from None
    except urllib.error.URLError as exc:
        # urllib raises URLError while connecting or sending: X never had the whole request.
        raise RefreshNotDone(
            f"@{account.screen_name}: X could not be reached to refresh ({exc.reason})"
        ) from None
    except OSError as exc:
        # Sent, and the answer did not come back (a timeout, a dropped connection).
        raise RefreshLost(
            f"@{account.screen_name}: the refresh reached X and its answer was lost "
            f"({type(exc).__name__}); the old refresh token may be spent"
        ) from None
    try:
        return grant_from_answer(json.loads(content))
    except ValueError:
        raise RefreshLost(
            f"@{account.screen_name}: X answered the refresh with something unreadable; the "
            "old refresh token is spent"
        ) from None


def _error_code(exc: urllib.error.HTTPError) -> str:
    try:
        payload = json.loads(exc.read(4096) or b"{}")
    except (ValueError, OSError):
        return ""
    return str(payload.get("error", "")) if isinstance(payload, dict) else ""


class _SecretsIO:
    """One account's secret, read and written as the bot job (AWSCURRENT only)."""

    def __init__(self, client: "SecretsManagerClient", *, prefix: str) -> None:
        self._client = client
        self._prefix = prefix

    def read(self, screen_name: str) -> OAuth2AccountSecret:
        from birdhouse_client.loaders import AccountNotOnboarded, load_account

        account = load_account(
            screen_name, client=self._client, secrets_prefix=self._prefix, refresh=False
        )
        if not isinstance(account, OAuth2AccountSecret):
            raise AccountNotOnboarded(f"@{screen_name} is no longer an OAuth 2.0 account")
        return account

    def write(self, account: OAuth2AccountSecret) -> None:
        self._client.put_secret_value(
            SecretId=account_secret_name(account.screen_name, prefix=self._prefix),
            SecretString=json.dumps(account.as_secret_dict()),
        )


def refreshed_account(
    account: OAuth2AccountSecret,
    *,
    client: "SecretsManagerClient",
    prefix: str,
    dynamodb: "DynamoDBClient | None" = None,
    margin_seconds: float = CLIENT_MARGIN_SECONDS,
    now: Callable[[], datetime] = utc_now,
) -> OAuth2AccountSecret:
    """`account` if its token has more than `margin_seconds` left, else a fresh one through
    the lease (refreshed here, or by whoever held the lease)."""
    if account.seconds_left(now()) > margin_seconds:
        return account
    base_url = os.environ.get(X_API_BASE_URL_VARIABLE) or DEFAULT_X_API_BASE_URL
    table = os.environ.get(LEASE_TABLE_VARIABLE) or DEFAULT_LEASE_TABLE
    log.info("@%s: token about to expire; refreshing through the lease", account.screen_name)
    return fresh_account(
        account.screen_name,
        secrets_io=_SecretsIO(client, prefix=prefix),
        lease=DynamoDBRefreshLease(dynamodb or boto3.client("dynamodb"), table_name=table),
        token_endpoint=lambda current: refresh_at_x(current, base_url=base_url),
        margin_seconds=margin_seconds,
        now=now,
    ).account
