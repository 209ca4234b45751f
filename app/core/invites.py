"""Invites: the ledger's records, the ledger itself, and what an owner is told about an invite."""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol
from urllib.parse import urlencode

from app.core.errors import (
    ExpiredInvite,
    InviteAlreadyUsed,
    InviteNotFound,
    InviteNotPending,
    InviteWithdrawn,
)

DEFAULT_INVITE_LIFETIME = timedelta(days=7)
# Invites Birdhouse mints itself for an account's owner (reset, revoked, rotated keys).
REINVITE_LIFETIME = timedelta(days=7)
MIN_INVITE_LIFETIME = timedelta(minutes=5)
MAX_INVITE_LIFETIME = timedelta(days=30)
MAX_NOTE_LENGTH = 200
INVITE_ID_PATTERN = r"^[A-Za-z0-9_-]{8,64}$"


class InviteStatus(StrEnum):
    PENDING = "pending"
    USED = "used"
    REVOKED = "revoked"
    EXPIRED = "expired"


@dataclass(frozen=True)
class InviteRecord:
    """One invite in the ledger; also the admin API's answer for it (never a token or link)."""

    id: str
    status: InviteStatus
    created_at: datetime
    expires_at: datetime
    screen_name: str | None = None
    # Set when the invite re-connects a known account: only that X user may use it.
    user_id: str | None = None
    note: str | None = None
    used_at: datetime | None = None
    connected_screen_name: str | None = None
    connected_user_id: str | None = None
    revoked_at: datetime | None = None
    # Which OAuth the owner authorizes with: "oauth1" (1.0a, the default) or "oauth2".
    auth: str = "oauth1"

    def as_of(self, now: datetime) -> "InviteRecord":
        """Pending past its expiry reads as expired (the ledger's TTL removes it later)."""
        if self.status is InviteStatus.PENDING and now >= self.expires_at:
            return replace(self, status=InviteStatus.EXPIRED)
        return self


class InviteLedger(Protocol):
    """Where invites are recorded, claimed once, and withdrawn."""

    def record(self, invite: InviteRecord) -> None: ...

    def get(self, invite_id: str) -> InviteRecord | None: ...

    def list_invites(self) -> list[InviteRecord]: ...

    def withdraw(self, invite_id: str, *, now: datetime) -> InviteRecord: ...

    def count_attempt(
        self, invite_id: str, *, now: datetime, limit: int, window: timedelta
    ) -> bool: ...

    def spend_state(self, invite_id: str, *, oauth_token: str, now: datetime) -> bool: ...

    def return_state(self, invite_id: str, *, oauth_token: str) -> None: ...

    def claim(
        self, invite_id: str, *, claim_id: str, screen_name: str, user_id: str, now: datetime
    ) -> None: ...

    def release(self, invite_id: str, *, claim_id: str) -> None: ...


def invite_link(base_url: str, token: str) -> str:
    """The address a bot owner opens: `/onboard` with the signed token."""
    return f"{base_url.rstrip('/')}/onboard?{urlencode({'invite': token})}"


def not_found(invite_id: str) -> InviteNotFound:
    return InviteNotFound(f"No invite has the id {invite_id!r}.")


def not_pending(invite_id: str, status: InviteStatus) -> InviteNotPending:
    return InviteNotPending(
        f"Invite {invite_id} is {status.value}; only a pending invite can be withdrawn."
    )


def already_used(record: InviteRecord) -> InviteAlreadyUsed:
    who = f"@{record.connected_screen_name}" if record.connected_screen_name else "an account"
    return InviteAlreadyUsed(
        f"This link was already used to connect {who}.",
        hint="Each link connects one account. Ask the person who sent it for a new link.",
    )


def withdrawn() -> InviteWithdrawn:
    return InviteWithdrawn(
        "This link was withdrawn by the person who sent it.",
        hint="Ask them for a new link if you still need to connect your bot.",
    )


def expired_while_at_x() -> ExpiredInvite:
    return ExpiredInvite("This link expired while you were at X.", hint="Ask for a new link.")
