"""What the operator does with onboarded accounts: verify, test-post, remove, restore."""

import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from pydantic import Field

from app.adapters.secrets_manager import AccountStore
from app.adapters.x_client import TokenPair, XClient
from app.errors import AccountNotFound, XError, XTokenRevoked
from birdhouse_client.layout import (
    AccountSecret,
    AccountSummary,
    not_onboarded_message,
    same_account_name,
)

log = logging.getLogger(__name__)


# These results are also the admin API's response models: one definition each.


@dataclass(frozen=True)
class Verification:
    ok: bool
    screen_name: Annotated[str, Field(description="The account's screen name at X now.")]
    user_id: str
    stored_screen_name: Annotated[str, Field(description="The screen name it was onboarded under.")]
    renamed: bool
    detail: str


@dataclass(frozen=True)
class PostedTweet:
    id: str
    text: str
    url: str


@dataclass(frozen=True)
class Removal:
    screen_name: str
    revoked_at_x: bool
    x_detail: str | None
    deletion_date: datetime
    recovery_window_days: int
    restore: Annotated[str, Field(description="How to undo this before the deletion date.")]


@dataclass(frozen=True)
class DeletedAccount:
    screen_name: str
    user_id: str
    authorized_at: str
    deletion_date: Annotated[
        datetime | None,
        Field(description="When the secret goes for good; null if deleted outside Birdhouse."),
    ]
    restore: Annotated[str, Field(description="How to undo the deletion before that date.")]


@dataclass(frozen=True)
class Restoration:
    screen_name: str
    user_id: str
    authorized_at: str
    token_works: Annotated[
        bool | None,
        Field(description="X accepts the restored token; null if X could not be asked."),
    ]
    detail: Annotated[str, Field(description="What the restore means, and what to do next.")]


def describe_account(*, screen_name: str, store: AccountStore) -> AccountSummary:
    summary = store.describe_account(screen_name)
    if summary is None:
        raise _not_found(screen_name)
    return summary


def verify_account(*, screen_name: str, store: AccountStore, x_client: XClient) -> Verification:
    """Ask X who the token belongs to (GET /2/users/me): works without posting anything."""
    account = _load(screen_name, store)
    user = x_client.get_me(TokenPair.of_account(account))
    renamed = not same_account_name(user.screen_name, account.screen_name)
    if renamed:
        log.warning("@%s is now @%s at X", account.screen_name, user.screen_name)
    return Verification(
        ok=True,
        screen_name=user.screen_name,
        user_id=user.user_id,
        stored_screen_name=account.screen_name,
        renamed=renamed,
        detail=f"X now calls this account @{user.screen_name}; it was onboarded as "
        f"@{account.screen_name}. Onboard it again to store it under its new name."
        if renamed
        else "The token works.",
    )


def post_test_tweet(
    *, screen_name: str, text: str | None, store: AccountStore, x_client: XClient
) -> PostedTweet:
    account = _load(screen_name, store)
    tweet = x_client.create_tweet(TokenPair.of_account(account), text=text or default_test_text())
    log.info("posted test tweet %s as @%s", tweet.tweet_id, account.screen_name)
    return PostedTweet(
        id=tweet.tweet_id,
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
    store: AccountStore,
    x_client: XClient,
    recovery_window_days: int,
) -> Removal:
    """Revoke the token at X, then schedule the secret's deletion, even if X can't be reached."""
    account = _load(screen_name, store)
    revoked, x_detail = True, None
    try:
        x_client.invalidate_token(TokenPair.of_account(account))
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
        restore=f"POST /accounts/{account.screen_name}/restore before the deletion date",
    )


def list_deleted_accounts(*, store: AccountStore) -> list[DeletedAccount]:
    """Accounts scheduled for deletion: they vanish from the list but can still be restored."""
    return [
        DeletedAccount(
            screen_name=pending.account.screen_name,
            user_id=pending.account.user_id,
            authorized_at=pending.account.authorized_at,
            deletion_date=pending.deletion_date,
            restore=f"POST /accounts/{pending.account.screen_name}/restore",
        )
        for pending in sorted(
            store.list_deleted_accounts(), key=lambda p: p.account.screen_name.lower()
        )
    ]


def restore_account(*, screen_name: str, store: AccountStore, x_client: XClient) -> Restoration:
    """Undo a deletion, then ask X whether the token still works: deleting revoked it."""
    summary = store.restore_account(screen_name)
    if summary is None:
        raise _not_found(screen_name)
    token_works: bool | None
    try:
        account = _load(summary.screen_name, store)
        x_client.get_me(TokenPair.of_account(account))
        token_works, detail = True, "Restored, and X accepts the token: the bot can post."
    except XTokenRevoked:
        token_works = False
        detail = (
            "Restored, but X no longer accepts this account's token: it was revoked at X, by "
            "Birdhouse when the account was deleted or in the account's X settings. Onboard the "
            "account again: mint an invite (POST /invites) and send it to its owner."
        )
    except XError as exc:
        token_works = None
        detail = (
            f"Restored, but X could not be asked whether the token works ({exc.message}). "
            f"Check with POST /accounts/{summary.screen_name}/verify."
        )
    log.info("restored @%s (token works: %s)", summary.screen_name, token_works)
    return Restoration(
        screen_name=summary.screen_name,
        user_id=summary.user_id,
        authorized_at=summary.authorized_at,
        token_works=token_works,
        detail=detail,
    )


def _load(screen_name: str, store: AccountStore) -> AccountSecret:
    account = store.get_account(screen_name)
    if account is None:
        raise _not_found(screen_name)
    return account


def _not_found(screen_name: str) -> AccountNotFound:
    return AccountNotFound(not_onboarded_message(screen_name))
