"""What the operator does with onboarded accounts: verify, test-post, remove, restore."""

import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated

from pydantic import Field

from app.adapters.secrets_manager import AccountStore
from app.adapters.x_client import TokenPair, XClient
from app.errors import AccountNotFound, XError, XTokenRevoked
from app.flows.invites import InviteLedger, NewInvite, create_invite
from app.signing import SigningKeys
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
    revoked, x_detail = _revoke_at_x(account, x_client)
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


@dataclass(frozen=True)
class AccountReset:
    """A leaked token revoked, the secret kept but marked, and a fresh invite for the account."""

    screen_name: str
    revoked_at_x: bool
    x_detail: str | None
    invite: NewInvite


def reset_account(
    *,
    screen_name: str,
    store: AccountStore,
    x_client: XClient,
    ledger: InviteLedger,
    signing_keys: SigningKeys,
    invite_lifetime: timedelta = timedelta(days=7),
) -> AccountReset:
    """Revoke at X, mark the secret `revoked` (bot jobs get a clear error), hand back an invite.

    The invite is bound to the account's user id; onboarding with it writes new tokens into
    the same secret and clears the mark.
    """
    account = _load(screen_name, store)
    revoked, x_detail = _revoke_at_x(account, x_client)
    store.mark_revoked(account)
    invite = create_invite(
        ledger=ledger,
        store=store,
        signing_key=signing_keys,
        screen_name=account.screen_name,
        lifetime=invite_lifetime,
        note="re-onboarding after a reset",
    )
    log.info("reset @%s; invite %s", account.screen_name, invite.record.id)
    return AccountReset(
        screen_name=account.screen_name, revoked_at_x=revoked, x_detail=x_detail, invite=invite
    )


def _revoke_at_x(account: AccountSecret, x_client: XClient) -> tuple[bool, str | None]:
    """(revoked, what to tell the operator): a failure at X never stops the local action."""
    try:
        x_client.invalidate_token(TokenPair.of_account(account))
    except XTokenRevoked:
        return True, "X had already revoked this token."
    except XError as exc:
        log.warning("could not revoke @%s's token at X: %s", account.screen_name, exc.message)
        return False, (
            f"{exc.message} The token may still work until the account's owner removes the "
            "app under Settings > Security and account access > Apps and sessions on X."
        )
    return True, None


def restore_account(*, screen_name: str, store: AccountStore) -> AccountSummary:
    summary = store.restore_account(screen_name)
    if summary is None:
        raise _not_found(screen_name)
    return summary


def _load(screen_name: str, store: AccountStore) -> AccountSecret:
    account = store.get_account(screen_name)
    if account is None:
        raise _not_found(screen_name)
    return account


def _not_found(screen_name: str) -> AccountNotFound:
    return AccountNotFound(not_onboarded_message(screen_name))
