"""One writer per refresh: how an OAuth 2.0 account's token is refreshed without a race.

X's refresh tokens are single use and rotate: two jobs refreshing with the same one leave one
of them with `invalid_grant`, and a provider that revokes the whole token family on reuse kills
the winner's new token too. So every refresher (Birdhouse's schedule, its admin route and
command, and bot jobs through this client) goes through one per-account lease:

1. A token with more than `margin` left is used as it is: no lease, no refresh.
2. Otherwise take the lease (a conditional write with an expiry). Whoever does not get it
   waits and reads the secret again instead of refreshing: the holder is writing a new pair.
3. The holder reads the secret again under the lease (a holder just before it may have
   refreshed), records which refresh token it is about to spend, asks X, and writes the new
   pair before anything else happens.
4. A refresh whose answer was lost, or whose new pair could not be written after X rotated
   it, leaves that record behind: nobody sends the spent refresh token again. The account is
   reported as `refresh_lost` and needs its owner to authorize again.

The service and the client both run `fresh_account` below; its parts are small interfaces, so
each side brings its own Secrets Manager, DynamoDB and X calls. Standard library only.
"""

import hashlib
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from birdhouse_client.layout import OAuth2AccountSecret

log = logging.getLogger(__name__)

LEASE_TABLE_VARIABLE = "REFRESH_LEASES_TABLE"
DEFAULT_LEASE_TABLE = "birdhouse-refresh-leases"
# The lease table's items: one per account (its lower-case screen name, as in the secret's
# name, so an IAM policy can scope a bot job to its accounts' items by partition key).
LEASE_KEY = "account"
LEASE_OWNER = "owner"
LEASE_UNTIL = "lease_until"
# A fingerprint of the refresh token the holder is sending to X (never the token itself).
LEASE_SPENDING = "spending"
LEASE_TTL_ATTRIBUTE = "expires_ttl"
# A holder is done within seconds (one X call, one write); a crashed one blocks for this long.
LEASE_SECONDS = 30.0
# A bot job refreshes itself only when its token has less than this left; the schedule
# refreshes well before (see the service's REFRESH_AHEAD_SECONDS).
CLIENT_MARGIN_SECONDS = 300.0
# Whoever lost the lease reads the secret again this often, this many times at most.
WAIT_POLL_SECONDS = 0.05
WAIT_POLLS = int(2 * LEASE_SECONDS / WAIT_POLL_SECONDS)


class RefreshFailed(Exception):
    """The account's token could not be refreshed; the message names why, never a token."""


class RefreshRejected(RefreshFailed):
    """X answered invalid_grant: the refresh token is dead; the owner must authorize again."""


class RefreshLost(RefreshFailed):
    """A refresh token went to X and its successor was never stored (the answer was lost, or
    writing it failed): it is spent, and is never sent again. Authorize again."""


class RefreshNotDone(RefreshFailed):
    """X did not rotate the token (unreachable before the call, or it refused with an error
    other than invalid_grant): the stored refresh token still works; try again later."""


class RefreshBusy(RefreshFailed):
    """Another refresher held the lease for longer than a refresh takes, and no new token
    appeared: it probably crashed; its lease expires within LEASE_SECONDS."""


@dataclass(frozen=True)
class Grant:
    """X's token answer: the new pair, how long the access token lasts, its scopes.

    A lifetime, not a time: whoever receives it dates it by its own clock (`expires_at`).
    """

    access_token: str
    refresh_token: str
    lifetime_seconds: float
    scopes: tuple[str, ...]

    def expires_at(self, received_at: datetime) -> datetime:
        return received_at + timedelta(seconds=self.lifetime_seconds)

    def __repr__(self) -> str:
        return f"Grant(lifetime_seconds={self.lifetime_seconds!r}, scopes={self.scopes!r})"


@dataclass(frozen=True)
class HeldLease:
    """A lease this refresher holds; `spending` is what the last holder left behind."""

    account: str
    owner: str
    spending: str | None


class RefreshLease(Protocol):
    """The per-account lease: a conditional write with an expiry (DynamoDB)."""

    def acquire(self, account: str, *, owner: str, now: float, seconds: float) -> HeldLease | None:
        """The lease if nobody holds it (or the holder's expired), else None."""
        ...

    def mark_spending(self, lease: HeldLease, *, fingerprint: str) -> bool:
        """Record the refresh token about to be spent; False if the lease was lost meanwhile."""
        ...

    def clear_spending(self, lease: HeldLease, *, fingerprint: str) -> None:
        """X did not take that refresh token after all: it is not spent."""
        ...

    def release(self, lease: HeldLease) -> None: ...


class AccountSecrets(Protocol):
    """Reads and writes one account's secret (Secrets Manager, AWSCURRENT)."""

    def read(self, screen_name: str) -> OAuth2AccountSecret: ...

    def write(self, account: OAuth2AccountSecret) -> None:
        """Raise on failure (then the new pair is lost: the caller reports it)."""
        ...


# X's token endpoint: refresh_token → Grant; raises RefreshRejected, RefreshNotDone or
# RefreshLost (the call may have reached X and its answer did not come back).
TokenEndpoint = Callable[[OAuth2AccountSecret], Grant]


@dataclass(frozen=True)
class Refreshed:
    account: OAuth2AccountSecret
    # True when this call refreshed at X; False when the token was fresh or another did it.
    by_me: bool


def fingerprint(refresh_token: str) -> str:
    """Names a refresh token in the lease table without holding it."""
    return hashlib.sha256(refresh_token.encode()).hexdigest()[:32]


def fresh_account(
    screen_name: str,
    *,
    secrets_io: AccountSecrets,
    lease: RefreshLease,
    token_endpoint: TokenEndpoint,
    margin_seconds: float,
    now: Callable[[], datetime],
    force: bool = False,
    sleep: Callable[[float], None] = time.sleep,
    polls: int = WAIT_POLLS,
) -> Refreshed:
    """The account with a token good for more than `margin_seconds` (refreshing it if need be,
    through the lease). `force` refreshes even a fresh token (at most once per lease)."""
    account = secrets_io.read(screen_name)
    if not force and account.seconds_left(now()) > margin_seconds:
        return Refreshed(account, by_me=False)
    key = screen_name.lower()
    owner = secrets.token_hex(8)
    seen = account.refresh_token
    for _ in range(polls + 1):
        held = lease.acquire(key, owner=owner, now=now().timestamp(), seconds=LEASE_SECONDS)
        if held is not None:
            try:
                return _refresh_holding(
                    held,
                    screen_name,
                    seen=seen,
                    force=force,
                    secrets_io=secrets_io,
                    lease=lease,
                    token_endpoint=token_endpoint,
                    margin_seconds=margin_seconds,
                    now=now,
                )
            finally:
                lease.release(held)
        # Another refresher is writing a new pair: wait for it rather than race it.
        sleep(WAIT_POLL_SECONDS)
        account = secrets_io.read(screen_name)
        if account.refresh_token != seen and account.seconds_left(now()) > margin_seconds:
            return Refreshed(account, by_me=False)
    raise RefreshBusy(
        f"@{screen_name}: another refresher held the lease and no new token appeared; "
        "try again shortly"
    )


def _refresh_holding(
    held: HeldLease,
    screen_name: str,
    *,
    seen: str,
    force: bool,
    secrets_io: AccountSecrets,
    lease: RefreshLease,
    token_endpoint: TokenEndpoint,
    margin_seconds: float,
    now: Callable[[], datetime],
) -> Refreshed:
    # Read again under the lease: the holder before us may have written a new pair.
    account = secrets_io.read(screen_name)
    replaced = account.refresh_token != seen
    if account.seconds_left(now()) > margin_seconds and (not force or replaced):
        return Refreshed(account, by_me=False)
    spending = fingerprint(account.refresh_token)
    if held.spending == spending:
        raise RefreshLost(
            f"@{screen_name}: its refresh token was sent to X before and the answer never "
            "stored; it is spent, so it is not sent again. The owner must authorize again."
        )
    if not lease.mark_spending(held, fingerprint=spending):
        raise RefreshBusy(f"@{screen_name}: the refresh lease expired before X was asked")
    try:
        grant = token_endpoint(account)
        received_at = now()
    except RefreshNotDone:
        lease.clear_spending(held, fingerprint=spending)
        raise
    updated = account.with_tokens(
        access_token=grant.access_token,
        refresh_token=grant.refresh_token,
        expires_at=grant.expires_at(received_at),
        scopes=grant.scopes,
    )
    try:
        secrets_io.write(updated)
    except Exception as exc:
        log.error("@%s: X rotated the token and the new pair could not be stored", screen_name)
        raise RefreshLost(
            f"@{screen_name}: X rotated the token and the new pair could not be stored "
            f"({type(exc).__name__}); the old refresh token is spent. The owner must authorize "
            "again."
        ) from exc
    log.info("@%s: token refreshed, good until %s", screen_name, updated.expires_at)
    return Refreshed(updated, by_me=True)


def rewrite_holding_the_lease(
    screen_name: str,
    change: Callable[[OAuth2AccountSecret], OAuth2AccountSecret],
    *,
    secrets_io: AccountSecrets,
    lease: RefreshLease,
    now: Callable[[], datetime],
    sleep: Callable[[float], None] = time.sleep,
    polls: int = WAIT_POLLS,
) -> bool:
    """Any other write of an OAuth 2.0 secret (a new client secret, say) goes through the same
    lease: otherwise it could put back a refresh token that a refresher just spent. True if
    `change` changed the account (and it was written), False if it was so already."""
    owner = secrets.token_hex(8)
    for _ in range(polls + 1):
        held = lease.acquire(
            screen_name.lower(), owner=owner, now=now().timestamp(), seconds=LEASE_SECONDS
        )
        if held is None:
            sleep(WAIT_POLL_SECONDS)
            continue
        try:
            account = secrets_io.read(screen_name)  # read under the lease: the latest pair
            changed = change(account)
            if changed == account:
                return False
            secrets_io.write(changed)
            return True
        finally:
            lease.release(held)
    raise RefreshBusy(f"@{screen_name}: a refresh held the lease too long; run it again")
