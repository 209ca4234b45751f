"""Birdhouse's bot-job client: the keys Birdhouse stored for an X account, in one call.

from birdhouse_client import load_account

keys = load_account("HelloBot").credentials()  # consumer_key, ..., access_token_secret
"""

from birdhouse_client.layout import AccountSecret, AccountSummary
from birdhouse_client.loaders import (
    AccountNotOnboarded,
    AccountRevoked,
    AccountsNotLoaded,
    CachedCredentials,
    CredentialsError,
    account_statuses,
    load_account,
    load_accounts,
)
from birdhouse_client.x import oauth1_session, tweepy_client

AccountCredentials = AccountSecret
"""Typed and immutable; `as_dict()`, `credentials()`; its repr shows no secret."""

__all__ = [
    "AccountCredentials",
    "AccountNotOnboarded",
    "AccountRevoked",
    "AccountSecret",
    "AccountSummary",
    "AccountsNotLoaded",
    "CachedCredentials",
    "CredentialsError",
    "account_statuses",
    "load_account",
    "load_accounts",
    "oauth1_session",
    "tweepy_client",
]
