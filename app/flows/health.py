"""Fleet health: what X says about each account, as a status, recorded and announced on change.

Used by verify (API and CLI) and by the scheduled sweep. Each check is one paid X read
(GET /2/users/me), plus one request-token call to tell a revoked token from rejected app keys,
since X API v2 answers both with the same bare 401.
"""

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from app.core.accounts import AccountStore
from app.core.errors import (
    AppKeysRejected,
    BirdhouseError,
    XAppNotEnrolled,
    XCreditsDepleted,
    XError,
    XForbidden,
    XRateLimited,
    XRejected,
    XTokenRevoked,
)
from app.core.events import ACCOUNT_STATUS_CHANGED, EventPublisher
from app.core.invites import REINVITE_LIFETIME, InviteLedger, invite_link
from app.core.signing import SigningKeys
from app.core.x import TokenPair, XClient, XUser
from app.flows.invites import create_invite
from birdhouse_client.layout import (
    STATUS_APP_KEYS_REJECTED,
    STATUS_CREDITS_DEPLETED,
    STATUS_FORBIDDEN,
    STATUS_OK,
    STATUS_READ_ONLY,
    STATUS_REFRESH_LOST,
    STATUS_REFRESH_REJECTED,
    STATUS_RENAMED,
    STATUS_REVOKED,
    STATUS_UNCHECKED,
    STATUS_UNREACHABLE,
    AccountSummary,
    OAuth2AccountSecret,
    StoredAccount,
    same_account_name,
)

if TYPE_CHECKING:
    from app.flows.oauth2_accounts import OAuth2Accounts

log = logging.getLogger(__name__)

# The owner must authorize again: the sweep's event names a fresh invite for these.
NEEDS_OWNER = frozenset({STATUS_REVOKED, STATUS_REFRESH_REJECTED, STATUS_REFRESH_LOST})


@dataclass(frozen=True)
class Finding:
    """What one check found; `error` is X's refusal when there was one."""

    screen_name: str
    user_id: str
    status: str
    access_level: str | None = None
    x_screen_name: str | None = None
    # X's refusal, or (OAuth 2.0) why the token could not be refreshed.
    error: BirdhouseError | None = None
    # X said its limit is spent (a 429, or 0 remaining on this answer): seconds until the
    # reset, before which the next call would be refused.
    wait_seconds: int | None = None

    @property
    def can_post(self) -> bool | None:
        if self.access_level is None:
            return None
        return self.access_level.startswith("read-write")


def check_account(
    account: StoredAccount, *, x_client: XClient, oauth2: "OAuth2Accounts | None" = None
) -> Finding:
    """GET /2/users/me with the account's token, read as a status."""

    def refused(status: str, error: XError) -> Finding:
        return Finding(account.screen_name, account.user_id, status, error=error)

    if isinstance(account, OAuth2AccountSecret):
        if oauth2 is None:
            from app.flows.oauth2_accounts import NOT_CONFIGURED

            return refused(STATUS_UNREACHABLE, XError(NOT_CONFIGURED))
        return oauth2.check(account)

    try:
        user = x_client.get_me(TokenPair.of_account(account))
    except XTokenRevoked as exc:
        return refused(*whose_401(x_client, exc))
    except XError as exc:
        return refused_by_x(account, exc)
    return answered(account, user)


def refused_by_x(account: StoredAccount, exc: XError) -> Finding:
    """X's refusal of /2/users/me read as a status, either OAuth (each kind reads its own
    token's 401 first): out of credits, forbidden, or unreachable for now; on a 429, also how
    long until X may be asked again (the sweep puts the rest back until then)."""
    wait_seconds = None
    if isinstance(exc, XCreditsDepleted):
        status = STATUS_CREDITS_DEPLETED
    elif isinstance(exc, XAppNotEnrolled | XForbidden):
        status = STATUS_FORBIDDEN
    elif isinstance(exc, XRateLimited):
        status, wait_seconds = STATUS_UNREACHABLE, exc.retry_after_seconds
    elif isinstance(exc, XRejected):
        status = STATUS_UNREACHABLE if exc.x_status == 429 else STATUS_FORBIDDEN
    else:  # down, slow, garbage
        status = STATUS_UNREACHABLE
    return Finding(
        account.screen_name, account.user_id, status, error=exc, wait_seconds=wait_seconds
    )


def answered(account: StoredAccount, user: XUser) -> Finding:
    """X's answer to /2/users/me read as a status (renamed, read-only or ok), either OAuth; and
    when its rate-limit headers say the window is spent, how long until it resets."""
    if not same_account_name(user.screen_name, account.screen_name):
        status = STATUS_RENAMED
    elif user.can_post is False:
        status = STATUS_READ_ONLY
    else:
        status = STATUS_OK
    spent = user.rate_limit_remaining == 0 and user.rate_limit_reset is not None
    return Finding(
        account.screen_name,
        account.user_id,
        status,
        access_level=user.access_level,
        x_screen_name=user.screen_name,
        wait_seconds=max(1, (user.rate_limit_reset or 0) - int(time.time())) if spent else None,
    )


def whose_401(x_client: XClient, exc: XTokenRevoked) -> tuple[str, XError]:
    """v2's bare 401: the token, or the app's keys? One `oob` request token tells them apart."""
    try:
        x_client.fetch_request_token(callback_url="oob")
    except XRejected as probe:
        if probe.x_status == 401:
            return STATUS_APP_KEYS_REJECTED, AppKeysRejected(
                "X refuses the app's own consumer key and secret (wrong, or regenerated at X): "
                "the account's token is probably fine. Run 'python -m app rotate-consumer-keys' "
                "with the keys X shows now.",
                x_status=401,
                x_body=exc.x_body,
            )
        return STATUS_UNREACHABLE, probe
    except XError as probe:
        return STATUS_UNREACHABLE, probe
    return STATUS_REVOKED, exc


@dataclass
class Recorder:
    """Writes findings as tags and announces changes.

    With a ledger and signing keys (the sweep's), a revoked account also gets a fresh invite,
    named in the event; the event carries its link only with a `base_url` (the operator's
    choice: a link is a bearer credential, and events travel to e-mail and other accounts).
    """

    store: AccountStore
    events: EventPublisher
    ledger: InviteLedger | None = None
    signing_keys: SigningKeys = ()
    base_url: str | None = None
    changes: int = 0

    def record(self, finding: Finding, *, previous_status: str) -> None:
        self.store.record_check(
            finding.screen_name,
            status=finding.status,
            access_level=finding.access_level,
            # Microseconds: the next sweep starts with the least recently checked, exactly.
            checked_at=datetime.now(UTC).isoformat(),
        )
        if finding.status == previous_status:
            return
        self.changes += 1
        detail: dict[str, object] = {
            "screen_name": finding.screen_name,
            "user_id": finding.user_id,
            "status": finding.status,
            "previous_status": previous_status,
            "access_level": finding.access_level,
            "detail": finding.error.message if finding.error else None,
        }
        if finding.status in NEEDS_OWNER:
            detail.update(self._reinvite(finding.screen_name))
        log.info("@%s: %s -> %s", finding.screen_name, previous_status, finding.status)
        self.events.publish(ACCOUNT_STATUS_CHANGED, detail)

    def _reinvite(self, screen_name: str) -> dict[str, object]:
        if self.ledger is None or not self.signing_keys:
            return {}
        try:
            if self.store.describe_account(screen_name) is None:
                # Deleted since the check began (the delete revoked the token): no invite, or
                # it would reconnect what the operator just removed.
                return {}
            invite = create_invite(
                ledger=self.ledger,
                store=self.store,
                signing_key=self.signing_keys,
                screen_name=screen_name,
                lifetime=REINVITE_LIFETIME,
                note="re-onboarding: the sweep found the token revoked or unrefreshable",
            )
        except BirdhouseError as exc:
            log.warning("no invite for revoked @%s: %s", screen_name, exc.message)
            return {}
        found: dict[str, object] = {
            "invite_id": invite.record.id,
            "invite_expires_at": invite.record.expires_at.isoformat(),
        }
        if self.base_url:
            found["invite_url"] = invite_link(self.base_url, invite.token)
        return found


@dataclass
class SweepReport:
    accounts: int
    checked: int = 0
    changes: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    out_of_time: bool = False
    checked_names: list[str] = field(default_factory=list)


def sweep(
    *,
    store: AccountStore,
    x_client: XClient,
    recorder: Recorder,
    oauth2: "OAuth2Accounts | None" = None,
    budget_seconds: float,
    concurrency: int = 4,
    seconds_between_calls: float = 0.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> SweepReport:
    """Check every account, least recently checked first, within the time budget.

    A fleet too big for one run is finished by the next: it starts where this one stopped,
    because those accounts are then the least recently checked. `seconds_between_calls`
    spreads the X reads to respect the app's rate limits.
    """
    deadline = clock() + budget_seconds
    fleet = sorted(store.list_accounts(), key=lambda a: (a.checked_at or "", a.screen_name))
    report = SweepReport(accounts=len(fleet))
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        for start in range(0, len(fleet), max(1, concurrency)):
            if start and clock() >= deadline:
                report.out_of_time = True
                break
            batch = fleet[start : start + max(1, concurrency)]
            findings = pool.map(lambda s: _check_one(s, store, x_client, oauth2), batch)
            for summary, finding in zip(batch, findings, strict=True):
                if finding is None:
                    continue
                recorder.record(finding, previous_status=summary.status or STATUS_UNCHECKED)
                report.checked += 1
                report.checked_names.append(finding.screen_name)
                report.statuses[finding.status] = report.statuses.get(finding.status, 0) + 1
            if seconds_between_calls:
                sleep(seconds_between_calls * len(batch))
    report.changes = recorder.changes
    return report


def _check_one(
    summary: AccountSummary,
    store: AccountStore,
    x_client: XClient,
    oauth2: "OAuth2Accounts | None" = None,
) -> Finding | None:
    try:
        account = store.get_account(summary.screen_name)
    except BirdhouseError as exc:
        log.warning("sweep could not read @%s: %s", summary.screen_name, exc.message)
        return None
    if account is None:  # deleted since the listing
        return None
    return check_account(account, x_client=x_client, oauth2=oauth2)
