"""Birdhouse's bot-job client: the keys Birdhouse stored for an X account, in one call.

from birdhouse_client import load_account

keys = load_account("HelloBot").credentials()  # consumer_key, ..., access_token_secret
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from birdhouse_client.layout import AccountSecret, AccountSummary, OAuth2AccountSecret

if TYPE_CHECKING:
    from birdhouse_client.health_reports import report_hook
    from birdhouse_client.loaders import (
        AccountNotOnboarded,
        AccountRevoked,
        AccountsNotLoaded,
        CachedCredentials,
        CredentialsError,
        TokenNotRefreshed,
        account_statuses,
        load_account,
        load_accounts,
    )
    from birdhouse_client.x import oauth1_session, tweepy_client

AccountCredentials = AccountSecret
"""Typed and immutable; `as_dict()`, `credentials()`; its repr shows no secret."""

# The loaders import boto3 on first use of one of these names, not with the package: the
# service imports `birdhouse_client.layout`, which runs this file first, and a Lambda cold start
# that answers /healthz needs no AWS SDK.
_LAZY = {
    "AccountNotOnboarded": "birdhouse_client.loaders",
    "AccountRevoked": "birdhouse_client.loaders",
    "AccountsNotLoaded": "birdhouse_client.loaders",
    "CachedCredentials": "birdhouse_client.loaders",
    "CredentialsError": "birdhouse_client.loaders",
    "TokenNotRefreshed": "birdhouse_client.loaders",
    "account_statuses": "birdhouse_client.loaders",
    "load_account": "birdhouse_client.loaders",
    "load_accounts": "birdhouse_client.loaders",
    "report_hook": "birdhouse_client.health_reports",
    "oauth1_session": "birdhouse_client.x",
    "tweepy_client": "birdhouse_client.x",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])


__all__ = [
    "AccountCredentials",
    "AccountNotOnboarded",
    "AccountRevoked",
    "AccountSecret",
    "AccountSummary",
    "AccountsNotLoaded",
    "CachedCredentials",
    "CredentialsError",
    "OAuth2AccountSecret",
    "TokenNotRefreshed",
    "account_statuses",
    "load_account",
    "load_accounts",
    "oauth1_session",
    "report_hook",
    "tweepy_client",
]
