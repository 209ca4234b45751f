"""Refreshing OAuth 2.0 accounts' tokens: on demand and on a schedule, one writer at a time.

Every refresh, Birdhouse's (the schedule, `POST /accounts/{name}/refresh`, `python -m app
refresh`, verify and test-tweet when the token is near its end) and every bot job's (through
the client), runs `birdhouse_client.single_writer.fresh_account`: one per-account lease, the
new pair written before anything else, and a spent refresh token never sent twice. A refresh
X refused (`refresh_rejected`) or whose new pair was lost (`refresh_lost`) is recorded on the
account and announced, with a re-invite where the recorder mints them.
"""

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

import birdhouse_client.single_writer as single_writer
from app.core.accounts import AccountStore
from app.core.errors import (
    AccountNotFound,
    BirdhouseError,
    NotOAuth2Account,
    RefreshBusy,
    RefreshLost,
    XError,
    XRefreshLost,
    XRefreshRejected,
)
from app.core.oauth2 import Grant, OAuth2Client, RefreshLease
from app.flows.health import Finding, Recorder
from birdhouse_client.layout import (
    KIND_OAUTH2,
    STATUS_REFRESH_LOST,
    STATUS_REFRESH_REJECTED,
    STATUS_REVOKED,
    STATUS_UNCHECKED,
    AccountSummary,
    OAuth2AccountSecret,
    not_onboarded_message,
)

log = logging.getLogger(__name__)

# Verify and test-tweet refresh first when the token has less than this left.
USE_MARGIN_SECONDS = single_writer.CLIENT_MARGIN_SECONDS
# Statuses after which a refresh is pointless: the owner must authorize again.
_DEAD = frozenset({STATUS_REVOKED, STATUS_REFRESH_REJECTED, STATUS_REFRESH_LOST})


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class RefreshResult:
    account: OAuth2AccountSecret
    # True when this call refreshed at X; False when the token was fresh, or another
    # refresher (holding the lease) just did it.
    refreshed: bool


@dataclass
class Refresher:
    """Refreshes OAuth 2.0 accounts through the lease; records what went wrong."""

    store: AccountStore
    lease: RefreshLease
    client: OAuth2Client
    recorder: Recorder | None = None
    now: Callable[[], datetime] = utc_now
    sleep: Callable[[float], None] = time.sleep

    def fresh(
        self, screen_name: str, *, margin_seconds: float = USE_MARGIN_SECONDS, force: bool = False
    ) -> RefreshResult:
        """The account with more than `margin_seconds` left on its token (refreshed if need
        be); `force` refreshes a token that is still fresh."""
        try:
            done = single_writer.fresh_account(
                screen_name,
                secrets_io=StoreSecrets(self.store),
                lease=self.lease,
                token_endpoint=self._at_x,
                margin_seconds=margin_seconds,
                now=self.now,
                force=force,
                sleep=self.sleep,
            )
        except single_writer.RefreshRejected as exc:
            cause = exc.__cause__
            self._report(screen_name, STATUS_REFRESH_REJECTED, cause)
            raise cause if isinstance(cause, XRefreshRejected) else _rejected(str(exc)) from exc
        except single_writer.RefreshLost as exc:
            self._report(screen_name, STATUS_REFRESH_LOST, exc)
            raise RefreshLost(
                str(exc),
                hint="Send the owner a new link (POST /accounts/{name}/reset).",
            ) from exc
        except single_writer.RefreshNotDone as exc:
            cause = exc.__cause__
            raise cause if isinstance(cause, XError) else RefreshBusy(str(exc)) from exc
        except single_writer.RefreshBusy as exc:
            raise RefreshBusy(str(exc)) from exc
        return RefreshResult(done.account, refreshed=done.by_me)

    def _at_x(self, account: OAuth2AccountSecret) -> Grant:
        """X's token endpoint, its failures named as the single writer needs them."""
        try:
            return self.client.refresh(account.refresh_token)
        except XRefreshRejected as exc:
            raise single_writer.RefreshRejected(exc.message) from exc
        except XRefreshLost as exc:
            raise single_writer.RefreshLost(f"@{account.screen_name}: {exc.message}") from exc
        except XError as exc:
            raise single_writer.RefreshNotDone(exc.message) from exc

    def _report(self, screen_name: str, status: str, error: BaseException | None) -> None:
        if self.recorder is None:
            return
        try:
            summary = self.store.describe_account(screen_name)
            if summary is None:
                return
            reported = error if isinstance(error, BirdhouseError) else RefreshLost(str(error))
            self.recorder.record(
                Finding(summary.screen_name, summary.user_id, status, error=reported),
                previous_status=summary.status or STATUS_UNCHECKED,
            )
        except BirdhouseError as exc:
            log.error("@%s: %s, and recording it failed: %s", screen_name, status, exc.message)


def _rejected(message: str) -> XRefreshRejected:
    return XRefreshRejected(message, x_status=400)


def _maybe_due(summary: AccountSummary, moment: datetime, ahead_seconds: float) -> bool:
    if not summary.expires_at:
        return True
    try:
        left = (datetime.fromisoformat(summary.expires_at) - moment).total_seconds()
    except ValueError:
        return True
    return left <= ahead_seconds


class StoreSecrets:
    """The account store as the single writer reads and writes it."""

    def __init__(self, store: AccountStore) -> None:
        self._store = store

    def read(self, screen_name: str) -> OAuth2AccountSecret:
        account = self._store.get_account(screen_name)
        if account is None:
            raise AccountNotFound(not_onboarded_message(screen_name))
        if not isinstance(account, OAuth2AccountSecret):
            raise NotOAuth2Account(
                f"@{account.screen_name} is an OAuth 1.0a account: its token does not expire."
            )
        return account

    def write(self, account: OAuth2AccountSecret) -> None:
        self._store.replace_account_value(account)


@dataclass
class RefreshReport:
    oauth2_accounts: int = 0
    refreshed: int = 0
    fresh: int = 0
    failed: dict[str, str] = field(default_factory=dict)


def refresh_due(
    *, store: AccountStore, refresher: Refresher, ahead_seconds: float, concurrency: int = 4
) -> RefreshReport:
    """The schedule's run: every OAuth 2.0 account whose token has less than `ahead_seconds`
    left is refreshed, so a bot job reading its secret finds minutes left."""
    oauth2 = [
        summary
        for summary in store.list_accounts()
        if summary.kind == KIND_OAUTH2 and summary.status not in _DEAD
    ]
    # The listing's expiry tags spare reading tokens far from their end (a bot job's own
    # refresh leaves the tag older than the secret: such an account is read, and found fresh).
    moment = refresher.now()
    due = [summary.screen_name for summary in oauth2 if _maybe_due(summary, moment, ahead_seconds)]
    report = RefreshReport(oauth2_accounts=len(oauth2), fresh=len(oauth2) - len(due))

    def one(screen_name: str) -> tuple[str, bool | str]:
        try:
            return screen_name, refresher.fresh(screen_name, margin_seconds=ahead_seconds).refreshed
        except BirdhouseError as exc:
            log.warning("refresh of @%s failed: %s", screen_name, exc.message)
            return screen_name, exc.code or type(exc).__name__

    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        for screen_name, outcome in pool.map(one, due):
            if outcome is True:
                report.refreshed += 1
            elif outcome is False:
                report.fresh += 1
            else:
                report.failed[screen_name] = str(outcome)
    return report


@dataclass(frozen=True)
class TokenRefresh:
    """The admin API's and the command line's answer to a refresh (never a token)."""

    screen_name: str
    refreshed: bool
    expires_at: str
    detail: str


def refresh_now(screen_name: str, *, refresher: Refresher, force: bool = False) -> TokenRefresh:
    """On demand, through the same lease as every other refresher: a token with more than the
    schedule's margin left is left alone unless `force`."""
    done = refresher.fresh(screen_name, margin_seconds=USE_MARGIN_SECONDS, force=force)
    account = done.account
    if done.refreshed:
        detail = "Refreshed at X; the new pair is stored."
    else:
        detail = "Not refreshed: the token has time left (or another refresher just renewed it)."
    return TokenRefresh(account.screen_name, done.refreshed, account.expires_at, detail)
