"""Invite tokens: signed, carry the expected screen name and an expiry that can't be extended."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from app.errors import ExpiredInvite, InvalidInvite
from app.screen_names import SCREEN_NAME_PATTERN

if TYPE_CHECKING:
    from itsdangerous import URLSafeSerializer

DEFAULT_INVITE_LIFETIME = timedelta(days=7)
MIN_INVITE_LIFETIME = timedelta(minutes=5)
MAX_INVITE_LIFETIME = timedelta(days=30)
# Longest token a legitimate invite can produce, with room to spare.
MAX_INVITE_TOKEN_LENGTH = 512

_SALT = "birdhouse.invite.v1"


@dataclass(frozen=True)
class Invite:
    screen_name: str | None
    expires_at: datetime


def mint_invite(
    *, signing_key: str, screen_name: str | None, lifetime: timedelta, now: datetime | None = None
) -> tuple[Invite, str]:
    """Return the invite and its token, for `GET /onboard?invite=<token>`."""
    issued_at = now or datetime.now(UTC)
    invite = Invite(
        screen_name=screen_name, expires_at=(issued_at + lifetime).replace(microsecond=0)
    )
    payload = {"n": screen_name, "e": int(invite.expires_at.timestamp())}
    return invite, str(_serializer(signing_key).dumps(payload))


def read_invite(token: str, *, signing_key: str, now: datetime | None = None) -> Invite:
    """Check the signature, then the expiry; raise InvalidInvite or ExpiredInvite."""
    if not token or len(token) > MAX_INVITE_TOKEN_LENGTH:
        raise _invalid()
    from itsdangerous import BadData

    try:
        payload = _serializer(signing_key).loads(token)
    except BadData:
        raise _invalid() from None
    screen_name, expires_epoch = _fields(payload)
    expires_at = datetime.fromtimestamp(expires_epoch, UTC)
    if (now or datetime.now(UTC)) >= expires_at:
        raise ExpiredInvite(
            f"This link expired on {expires_at:%d %B %Y at %H:%M} UTC.",
            hint="Ask the person who sent it for a new link.",
        )
    return Invite(screen_name=screen_name, expires_at=expires_at)


def _serializer(signing_key: str) -> "URLSafeSerializer":
    # itsdangerous loads with the first invite, not with the app (/healthz never signs).
    from itsdangerous import URLSafeSerializer

    return URLSafeSerializer(signing_key, salt=_SALT)


def _fields(payload: object) -> tuple[str | None, int]:
    # A valid signature over an unexpected shape means another version signed it.
    if not isinstance(payload, dict):
        raise _invalid()
    screen_name, expires_epoch = payload.get("n"), payload.get("e")
    if screen_name is not None and not (
        isinstance(screen_name, str) and SCREEN_NAME_PATTERN.fullmatch(screen_name)
    ):
        raise _invalid()
    if not isinstance(expires_epoch, int):
        raise _invalid()
    return screen_name, expires_epoch


def _invalid() -> InvalidInvite:
    return InvalidInvite(
        "This onboarding link is incomplete or has been changed.",
        hint="Copy the whole link from the message you received, or ask for a new one.",
    )
