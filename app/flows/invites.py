"""Invites: a signed link naming a record in the invite ledger, used at most once.

The token is checked (signature, expiry) before any AWS call; the ledger then says whether the
invite is still open, whom it is for, and stops one link from starting endless authorizations.
"""

import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from app.core.accounts import AccountStore
from app.core.errors import ExpiredInvite, InvalidInvite, TooManyAttempts
from app.core.invites import (
    InviteLedger,
    InviteRecord,
    InviteStatus,
    already_used,
    not_found,
    not_pending,
    withdrawn,
)
from app.core.signing import SigningKeys, itsdangerous_keys

if TYPE_CHECKING:
    from itsdangerous import URLSafeSerializer
from birdhouse_client.layout import KIND_OAUTH1

log = logging.getLogger(__name__)

# Longest token a legitimate invite can produce, with room to spare.
MAX_INVITE_TOKEN_LENGTH = 512
# One link may start this many X authorizations per window: one person holding one link can't
# spend the app's request-token quota.
ATTEMPTS_PER_WINDOW = 10
ATTEMPT_WINDOW = timedelta(minutes=15)

# v2: tokens name a ledger record. v1 tokens (before the ledger) fail the signature check and
# get the ordinary "not valid, ask for a new link" page.
_SALT = "birdhouse.invite.v2"


@dataclass(frozen=True)
class NewInvite:
    record: InviteRecord
    token: str


def create_invite(
    *,
    ledger: InviteLedger,
    store: AccountStore,
    signing_key: SigningKeys,
    screen_name: str | None,
    lifetime: timedelta,
    note: str | None = None,
    now: datetime | None = None,
    auth: str | None = None,
) -> NewInvite:
    """Record a pending invite and sign its link token.

    For an account already connected, the invite records its X user id: only that user may
    use it, whoever holds the screen name by then. `auth` (oauth1 or oauth2) is how the owner
    authorizes; unset, a connected account's own kind (a reset keeps an OAuth 2.0 bot on
    OAuth 2.0), else OAuth 1.0a.
    """
    known = store.describe_account(screen_name) if screen_name else None
    user_id = known.user_id if known and known.user_id else None
    # Microseconds kept: "newest first" must hold for invites made within one second.
    created_at = now or datetime.now(UTC)
    record = InviteRecord(
        id=new_invite_id(),
        status=InviteStatus.PENDING,
        created_at=created_at,
        expires_at=(created_at + lifetime).replace(microsecond=0),
        screen_name=screen_name,
        user_id=user_id,
        note=note or None,
        auth=auth or (known.kind if known else KIND_OAUTH1),
    )
    ledger.record(record)
    log.info("invite %s recorded for %s", record.id, _describe(screen_name))
    return NewInvite(record=record, token=sign_invite(record, signing_key=signing_key))


def new_invite_id() -> str:
    """12 URL-safe characters, never starting with '-': a command line would read that as an
    option (`python -m app invites revoke -Bq…`)."""
    while True:
        invite_id = secrets.token_urlsafe(9)
        if not invite_id.startswith("-"):
            return invite_id


def sign_invite(record: InviteRecord, *, signing_key: SigningKeys) -> str:
    """The link's token: the invite id and its expiry, so a forged link costs no AWS call."""
    payload = {"i": record.id, "e": int(record.expires_at.timestamp())}
    return str(_serializer(signing_key).dumps(payload))


def read_invite_id(token: str, *, signing_key: SigningKeys, now: datetime | None = None) -> str:
    """Check the signature, then the expiry, before any AWS call; return the invite id."""
    if not token or len(token) > MAX_INVITE_TOKEN_LENGTH:
        raise _invalid()
    from itsdangerous import BadData

    try:
        payload = _serializer(signing_key).loads(token)
    except BadData:
        raise _invalid() from None
    # A valid signature over an unexpected shape means another version signed it.
    if not isinstance(payload, dict):
        raise _invalid()
    invite_id, expires_epoch = payload.get("i"), payload.get("e")
    if not isinstance(invite_id, str) or not isinstance(expires_epoch, int):
        raise _invalid()
    try:
        expires_at = datetime.fromtimestamp(expires_epoch, UTC)
    except (OverflowError, OSError, ValueError):
        raise _invalid() from None  # signed, but no calendar holds that moment
    _refuse_if_expired(expires_at, now)
    return invite_id


def open_invite(
    invite_id: str, *, ledger: InviteLedger, now: datetime | None = None
) -> InviteRecord:
    """The invite if it can still connect an account, and one more authorization allowed."""
    moment = now or datetime.now(UTC)
    record = ledger.get(invite_id)
    if record is None:
        raise _invalid()
    record = record.as_of(moment)
    if record.status is InviteStatus.USED:
        raise already_used(record)
    if record.status is InviteStatus.REVOKED:
        raise withdrawn()
    if record.status is InviteStatus.EXPIRED:
        _refuse_if_expired(record.expires_at, moment)
    if not ledger.count_attempt(
        invite_id, now=moment, limit=ATTEMPTS_PER_WINDOW, window=ATTEMPT_WINDOW
    ):
        log.warning("invite %s: too many authorizations started", invite_id)
        raise TooManyAttempts(
            "This link was opened too many times in a short while.",
            hint="Wait a few minutes, then open it again.",
        )
    return record


def list_invites(
    *, ledger: InviteLedger, status: InviteStatus | None = None, now: datetime | None = None
) -> list[InviteRecord]:
    """Newest first; expired ones read as expired."""
    moment = now or datetime.now(UTC)
    records = [record.as_of(moment) for record in ledger.list_invites()]
    if status is not None:
        records = [record for record in records if record.status is status]
    return sorted(records, key=lambda record: record.created_at, reverse=True)


def withdraw_invite(
    invite_id: str, *, ledger: InviteLedger, now: datetime | None = None
) -> InviteRecord:
    """A pending invite stops working; a used, withdrawn or expired one is refused as such."""
    moment = now or datetime.now(UTC)
    record = ledger.get(invite_id)
    if record is None:
        raise not_found(invite_id)
    record = record.as_of(moment)
    if record.status is not InviteStatus.PENDING:
        raise not_pending(invite_id, record.status)
    withdrawn_record = ledger.withdraw(invite_id, now=moment)
    log.info("invite %s withdrawn", invite_id)
    return withdrawn_record


def _refuse_if_expired(expires_at: datetime, now: datetime | None) -> None:
    if (now or datetime.now(UTC)) >= expires_at:
        raise ExpiredInvite(
            f"This link expired on {expires_at:%d %B %Y at %H:%M} UTC.",
            hint="Ask the person who sent it for a new link.",
        )


def _serializer(signing_key: SigningKeys) -> "URLSafeSerializer":
    # itsdangerous loads with the first invite, not with the app (/healthz never signs).
    from itsdangerous import URLSafeSerializer

    return URLSafeSerializer(itsdangerous_keys(signing_key), salt=_SALT)


def _invalid() -> InvalidInvite:
    return InvalidInvite(
        "This onboarding link is not valid: it is incomplete, was changed, or is from before "
        "a change to Birdhouse.",
        hint="Copy the whole link from the message you received, or ask for a new one.",
    )


def _describe(screen_name: str | None) -> str:
    return f"@{screen_name}" if screen_name else "any account"
