"""What the operator does with onboarded accounts: verify, test-post, remove, restore."""

import logging
import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from app.core.accounts import AccountStore
from app.core.app_secret import AppSecret
from app.core.errors import (
    AccountMismatch,
    AccountNotFound,
    InviteNotPending,
    RestoreRefused,
    ScreenNameTaken,
    XError,
    XTokenRevoked,
)
from app.core.events import ACCOUNT_DELETED, ACCOUNT_RESTORED, EventPublisher
from app.core.invites import REINVITE_LIFETIME, InviteLedger, InviteStatus
from app.core.signing import SigningKeys
from app.core.x import TokenPair, Tweet, XClient, XUser
from app.flows.health import Recorder, check_account, whose_401
from app.flows.invites import NewInvite, create_invite, list_invites, withdraw_invite
from app.flows.oauth2_accounts import required
from birdhouse_client.layout import (
    STATUS_READ_ONLY,
    STATUS_RENAMED,
    STATUS_REVOKED,
    STATUS_UNCHECKED,
    AccountSummary,
    OAuth2AccountSecret,
    StoredAccount,
    not_onboarded_message,
    same_account_name,
)

if TYPE_CHECKING:
    from app.flows.oauth2_accounts import OAuth2Accounts

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
    status: Annotated[str, Field(description="ok, read_only or renamed (recorded on the secret).")]
    access_level: Annotated[
        str | None, Field(description="X's x-access-level: read, read-write, ...")
    ]
    can_post: bool | None


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
    invites_withdrawn: Annotated[
        int, Field(description="Pending invites for this account, withdrawn with it.")
    ] = 0


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


def verify_account(
    *,
    screen_name: str,
    store: AccountStore,
    x_client: XClient,
    recorder: Recorder | None = None,
    oauth2: "OAuth2Accounts | None" = None,
) -> Verification:
    """Ask X who the token belongs to (GET /2/users/me): works without posting anything.

    The finding is recorded on the secret (status, access level, when) like the sweep's;
    X's refusals are raised after that, each with its own code and advice.
    """
    account = _load(screen_name, store)
    before = store.describe_account(account.screen_name) if recorder else None
    finding = check_account(account, x_client=x_client, oauth2=oauth2)
    if recorder is not None:
        recorder.record(finding, previous_status=before.status if before else STATUS_UNCHECKED)
    if finding.error is not None:
        raise finding.error
    x_name = finding.x_screen_name or account.screen_name
    renamed = finding.status == STATUS_RENAMED
    if renamed:
        log.warning("@%s is now @%s at X", account.screen_name, x_name)
        detail = (
            f"X now calls this account @{x_name}; it was onboarded as @{account.screen_name}. "
            f"Rename it here (POST /accounts/{account.screen_name}/rename) or onboard it again."
        )
    elif finding.status == STATUS_READ_ONLY:
        detail = (
            "The token works but may only read: set the X app to 'Read and write', then "
            "onboard the account again."
        )
    else:
        detail = "The token works."
    return Verification(
        ok=True,
        screen_name=x_name,
        user_id=account.user_id,
        stored_screen_name=account.screen_name,
        renamed=renamed,
        detail=detail,
        status=finding.status,
        access_level=finding.access_level,
        can_post=finding.can_post,
    )


def post_test_tweet(
    *,
    screen_name: str,
    text: str | None,
    store: AccountStore,
    x_client: XClient,
    oauth2: "OAuth2Accounts | None" = None,
) -> PostedTweet:
    account = _load(screen_name, store)
    tweet = _post(account, text or default_test_text(), x_client=x_client, oauth2=oauth2)
    log.info("posted test tweet %s as @%s", tweet.tweet_id, account.screen_name)
    return PostedTweet(
        id=tweet.tweet_id,
        text=tweet.text,
        url=f"https://x.com/{account.screen_name}/status/{tweet.tweet_id}",
    )


def _post(
    account: StoredAccount, text: str, *, x_client: XClient, oauth2: "OAuth2Accounts | None"
) -> Tweet:
    if isinstance(account, OAuth2AccountSecret):
        # A Bearer 401 means this token: no app signature to doubt.
        return required(oauth2).post(account, text=text)
    try:
        return x_client.create_tweet(TokenPair.of_account(account), text=text)
    except XTokenRevoked as exc:
        # v2's bare 401 also means "not these app keys" (while new ones propagate, say).
        raise whose_401(x_client, exc)[1] from exc


def default_test_text(now: datetime | None = None) -> str:
    """Unique every time: X refuses a post identical to an earlier one."""
    moment = (now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"Test post from Birdhouse, {moment} ({secrets.token_hex(3)})"


def remove_account(
    *,
    screen_name: str,
    store: AccountStore,
    x_client: XClient,
    ledger: InviteLedger | None,
    events: EventPublisher,
    recovery_window_days: int,
    oauth2: "OAuth2Accounts | None" = None,
) -> Removal:
    """Revoke the token at X, then schedule the secret's deletion, even if X can't be reached.

    The account's pending invites (a reset's, the sweep's, one minted for its name) are
    withdrawn too: opening one would connect the account again and undo the deletion.
    """
    account = _load(screen_name, store)
    revoked, x_detail = _revoke_at_x(account, x_client, oauth2)
    # Before the deletion: if the ledger fails, nothing is deleted and the call can be repeated
    # (a deleted account could not be found to withdraw its invites afterwards).
    withdrawn = _withdraw_invites_for(account, ledger) if ledger is not None else 0
    deletion_date = store.schedule_deletion(
        account.screen_name, recovery_window_days=recovery_window_days
    )
    events.publish(ACCOUNT_DELETED, {"screen_name": account.screen_name, "status": "deleted"})
    return Removal(
        screen_name=account.screen_name,
        revoked_at_x=revoked,
        x_detail=x_detail,
        deletion_date=deletion_date,
        recovery_window_days=recovery_window_days,
        restore=f"POST /accounts/{account.screen_name}/restore before the deletion date",
        invites_withdrawn=withdrawn,
    )


def _withdraw_invites_for(account: StoredAccount, ledger: InviteLedger) -> int:
    now = datetime.now(UTC)
    withdrawn = 0
    for record in list_invites(ledger=ledger, status=InviteStatus.PENDING, now=now):
        bound = record.user_id == account.user_id or (
            record.screen_name is not None
            and same_account_name(record.screen_name, account.screen_name)
        )
        if not bound:
            continue
        try:
            withdraw_invite(record.id, ledger=ledger, now=now)
        except InviteNotPending:
            continue  # used or withdrawn meanwhile
        withdrawn += 1
    if withdrawn:
        log.info("withdrew %d pending invite(s) for @%s", withdrawn, account.screen_name)
    return withdrawn


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
    invite_lifetime: timedelta = REINVITE_LIFETIME,
    oauth2: "OAuth2Accounts | None" = None,
) -> AccountReset:
    """Revoke at X, mark the secret `revoked` (bot jobs get a clear error), hand back an invite.

    The invite is bound to the account's user id; onboarding with it writes new tokens into
    the same secret and clears the mark.
    """
    account = _load(screen_name, store)
    revoked, x_detail = _revoke_at_x(account, x_client, oauth2)
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


def _revoke_at_x(
    account: StoredAccount, x_client: XClient, oauth2: "OAuth2Accounts | None" = None
) -> tuple[bool, str | None]:
    """(revoked, what to tell the operator): a failure at X never stops the local action."""
    try:
        if isinstance(account, OAuth2AccountSecret):
            # At /2/oauth2/revoke: the refresh token (its family) and the access token.
            required(oauth2).revoke(account)
        else:
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


@dataclass(frozen=True)
class Rename:
    screen_name: str
    previous_screen_name: str
    moved: bool
    detail: str


def rename_account(
    *,
    screen_name: str,
    store: AccountStore,
    x_client: XClient,
    recovery_window_days: int,
    oauth2: "OAuth2Accounts | None" = None,
) -> Rename:
    """The account is renamed at X (same user id): move its secret to the new name.

    The new secret is written first; the old one is scheduled for deletion (restorable) and
    tagged with where it went, as when a renamed bot onboards again.
    """
    account = _load(screen_name, store)
    user = _who(account, x_client=x_client, oauth2=oauth2)
    if same_account_name(user.screen_name, account.screen_name):
        return Rename(account.screen_name, account.screen_name, False, "X still uses this name.")
    if user.user_id != account.user_id:
        raise AccountMismatch(
            f"X says the token belongs to user {user.user_id}, not to this account's "
            f"{account.user_id}: onboard it again."
        )
    taken = store.get_account(user.screen_name)
    if taken is not None and taken.user_id != account.user_id:
        raise ScreenNameTaken(
            f"@{user.screen_name} is already stored here for another X user ({taken.user_id})."
        )
    store.save_account(replace(account, screen_name=user.screen_name))
    store.schedule_deletion(
        account.screen_name, recovery_window_days=recovery_window_days, moved_to=user.screen_name
    )
    log.info("moved @%s to @%s", account.screen_name, user.screen_name)
    return Rename(
        user.screen_name,
        account.screen_name,
        True,
        f"Moved to @{user.screen_name}; the old secret can be restored for "
        f"{recovery_window_days} days.",
    )


def _who(account: StoredAccount, *, x_client: XClient, oauth2: "OAuth2Accounts | None") -> XUser:
    if isinstance(account, OAuth2AccountSecret):
        return required(oauth2).get_me(account)
    return x_client.get_me(TokenPair.of_account(account))


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


def restore_account(
    *,
    screen_name: str,
    store: AccountStore,
    x_client: XClient,
    events: EventPublisher,
    app_secret: AppSecret,
    oauth2: "OAuth2Accounts | None" = None,
) -> Restoration:
    """Undo a deletion, then ask X whether the token still works: deleting revoked it.

    Refused while the same X user is connected under another name (the bot was renamed and
    reconnected): one bot, two secrets, and deleting the stale one would revoke the live one.
    The restored secret gets the app's current consumer keys (a rotation may have happened
    meanwhile) and the status the check found.
    """
    _refuse_a_second_secret_for_one_user(screen_name, store)
    summary = store.restore_account(screen_name)
    if summary is None:
        raise _not_found(screen_name)
    account = store.get_account(summary.screen_name)
    if account is None:
        # It held no account (a rename's tombstone whose tag was lost): put it back as it was.
        store.schedule_deletion(summary.screen_name, recovery_window_days=7)
        raise RestoreRefused(
            f"@{summary.screen_name}'s secret holds no account (its keys moved elsewhere). "
            "Nothing was restored."
        )
    events.publish(
        ACCOUNT_RESTORED, {"screen_name": summary.screen_name, "user_id": summary.user_id}
    )
    current = with_current_app_keys(account, app_secret)
    if current != account:
        account = current
        store.replace_account_value(account)
    finding = check_account(account, x_client=x_client, oauth2=oauth2)
    store.record_check(
        account.screen_name,
        status=finding.status,
        access_level=finding.access_level,
        checked_at=datetime.now(UTC).isoformat(),
    )
    token_works: bool | None
    if finding.error is None:
        token_works, detail = True, "Restored, and X accepts the token: the bot can post."
    elif isinstance(finding.error, XTokenRevoked) and finding.status == STATUS_REVOKED:
        token_works = False
        detail = (
            "Restored, but X no longer accepts this account's token: it was revoked at X, by "
            "Birdhouse when the account was deleted or in the account's X settings. Onboard the "
            "account again: mint an invite (POST /invites) and send it to its owner."
        )
    else:
        token_works = None
        detail = (
            f"Restored, but X could not be asked whether the token works "
            f"({finding.error.message}). Check with POST /accounts/{summary.screen_name}/verify."
        )
    log.info("restored @%s (token works: %s)", summary.screen_name, token_works)
    return Restoration(
        screen_name=summary.screen_name,
        user_id=summary.user_id,
        authorized_at=summary.authorized_at,
        token_works=token_works,
        detail=detail,
    )


def with_current_app_keys(account: StoredAccount, app_secret: AppSecret) -> StoredAccount:
    """The account with the app's current keys: consumer keys (OAuth 1.0a) or client (2.0)."""
    if isinstance(account, OAuth2AccountSecret):
        if not app_secret.client_id or not app_secret.client_secret:
            return account
        return replace(
            account, client_id=app_secret.client_id, client_secret=app_secret.client_secret
        )
    return replace(
        account,
        consumer_key=app_secret.consumer_key,
        consumer_secret=app_secret.consumer_secret,
    )


def _refuse_a_second_secret_for_one_user(screen_name: str, store: AccountStore) -> None:
    pending = next(
        (
            p
            for p in store.list_deleted_accounts()
            if same_account_name(p.account.screen_name, screen_name)
        ),
        None,
    )
    if pending is None:
        return
    if pending.moved_to:
        raise RestoreRefused(
            f"@{screen_name}'s keys moved to @{pending.moved_to} when the account was renamed; "
            "this secret keeps none. Nothing was restored."
        )
    if not pending.account.user_id:
        return
    live = store.find_by_user_id(pending.account.user_id)
    if live is not None and not same_account_name(live.screen_name, screen_name):
        raise RestoreRefused(
            f"@{screen_name}'s X user (id {pending.account.user_id}) is connected here as "
            f"@{live.screen_name} now; restoring @{screen_name} would give the same bot a second "
            "secret. Nothing was restored."
        )


def _load(screen_name: str, store: AccountStore) -> StoredAccount:
    account = store.get_account(screen_name)
    if account is None:
        raise _not_found(screen_name)
    return account


def _not_found(screen_name: str) -> AccountNotFound:
    return AccountNotFound(not_onboarded_message(screen_name))
