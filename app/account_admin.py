"""What the operator does with onboarded accounts: verify, test-post, remove, restore."""

import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from app.accounts import AccountSecret, AccountSummary
from app.errors import AccountNotFound, XError, XTokenRevoked
from app.screen_names import same_account_name
from app.store import CredentialStore
from app.x_client import UserTokens, XClient

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Verification:
    screen_name: str
    user_id: str
    stored_screen_name: str
    renamed: bool


@dataclass(frozen=True)
class PostedTweet:
    tweet_id: str
    text: str
    url: str


@dataclass(frozen=True)
class Removal:
    screen_name: str
    revoked_at_x: bool
    x_detail: str | None
    deletion_date: datetime
    recovery_window_days: int


def describe_account(*, screen_name: str, store: CredentialStore) -> AccountSummary:
    summary = store.describe_account(screen_name)
    if summary is None:
        raise _not_found(screen_name)
    return summary


def verify_account(*, screen_name: str, store: CredentialStore, x_client: XClient) -> Verification:
    """Ask X who the token belongs to (GET /2/users/me): works without posting anything."""
    account = _load(screen_name, store)
    user = x_client.get_me(_tokens(account))
    renamed = not same_account_name(user.screen_name, account.screen_name)
    if renamed:
        log.warning("@%s is now @%s at X", account.screen_name, user.screen_name)
    return Verification(
        screen_name=user.screen_name,
        user_id=user.user_id,
        stored_screen_name=account.screen_name,
        renamed=renamed,
    )


def post_test_tweet(
    *, screen_name: str, text: str | None, store: CredentialStore, x_client: XClient
) -> PostedTweet:
    account = _load(screen_name, store)
    tweet = x_client.create_tweet(_tokens(account), text=text or default_test_text())
    log.info("posted test tweet %s as @%s", tweet.tweet_id, account.screen_name)
    return PostedTweet(
        tweet_id=tweet.tweet_id,
        text=tweet.text,
        url=f"https://x.com/{account.screen_name}/status/{tweet.tweet_id}",
    )


def default_test_text(now: datetime | None = None) -> str:
    """Unique every time: X refuses a post identical to an earlier one."""
    moment = (now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"Test post from Birdhouse, {moment} ({secrets.token_hex(3)})"


def remove_account(
    *,
    screen_name: str,
    store: CredentialStore,
    x_client: XClient,
    recovery_window_days: int,
) -> Removal:
    """Revoke the token at X, then schedule the secret's deletion, even if X can't be reached."""
    account = _load(screen_name, store)
    revoked, x_detail = True, None
    try:
        x_client.invalidate_token(
            access_token=account.access_token, access_token_secret=account.access_token_secret
        )
    except XTokenRevoked:
        x_detail = "X had already revoked this token."
    except XError as exc:
        # The operator asked to cut the account off: the secret goes regardless, and the
        # answer says the token itself may still work.
        revoked = False
        x_detail = (
            f"{exc.message} The token may still work until the account's owner removes the "
            "app under Settings > Security and account access > Apps and sessions on X."
        )
        log.warning("could not revoke @%s's token at X: %s", account.screen_name, exc.message)
    deletion_date = store.schedule_deletion(
        account.screen_name, recovery_window_days=recovery_window_days
    )
    return Removal(
        screen_name=account.screen_name,
        revoked_at_x=revoked,
        x_detail=x_detail,
        deletion_date=deletion_date,
        recovery_window_days=recovery_window_days,
    )


def restore_account(*, screen_name: str, store: CredentialStore) -> AccountSummary:
    summary = store.restore_account(screen_name)
    if summary is None:
        raise _not_found(screen_name)
    return summary


def _load(screen_name: str, store: CredentialStore) -> AccountSecret:
    account = store.get_account(screen_name)
    if account is None:
        raise _not_found(screen_name)
    return account


def _tokens(account: AccountSecret) -> UserTokens:
    return UserTokens(
        access_token=account.access_token, access_token_secret=account.access_token_secret
    )


def _not_found(screen_name: str) -> AccountNotFound:
    return AccountNotFound(f"No onboarded account is called @{screen_name}.")
