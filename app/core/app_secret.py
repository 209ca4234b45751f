"""The app secret: X consumer keys, the admin token, the signing key and earlier signing keys."""

from dataclasses import dataclass, field
from typing import Any, Protocol

from app.core.accounts import SaveOutcome

APP_SECRET_KEYS = ("consumer_key", "consumer_secret", "admin_token", "signing_key")
# Optional: the X app's OAuth 2.0 client (Keys and tokens → OAuth 2.0 Client ID and Secret),
# needed only to onboard OAuth 2.0 accounts and refresh their tokens.
OAUTH2_CLIENT_KEYS = ("client_id", "client_secret")
# Earlier signing keys, newest first: accepted to check links and cookies, never to sign.
PREVIOUS_SIGNING_KEYS = "previous_signing_keys"
# Links live at most 30 days and rotations are rare: three earlier keys cover any sane cadence.
MAX_PREVIOUS_SIGNING_KEYS = 3
# Values copied from docs or templates rather than generated.
_PLACEHOLDERS = {"changethis", "change-me", "changeme", "secret", "xxx", "todo", "placeholder"}
MIN_GENERATED_LENGTH = 16
# X's consumer keys are 25 characters and their secrets 50: anything much shorter was cut off.
MIN_CONSUMER_KEY_LENGTH = 16


@dataclass(frozen=True)
class AppSecret:
    consumer_key: str = field(repr=False)
    consumer_secret: str = field(repr=False)
    admin_token: str = field(repr=False)
    signing_key: str = field(repr=False)
    previous_signing_keys: tuple[str, ...] = field(default=(), repr=False)
    client_id: str | None = field(default=None, repr=False)
    client_secret: str | None = field(default=None, repr=False)

    @property
    def has_oauth2_client(self) -> bool:
        return bool(self.client_id and self.client_secret)

    @property
    def signing_keys(self) -> tuple[str, ...]:
        """The current key first (it signs), then the earlier ones (they only verify)."""
        return (self.signing_key, *self.previous_signing_keys)


def looks_like_placeholder(value: str, *, min_length: int) -> bool:
    """Copied from a template or cut short, rather than the real thing."""
    return value.strip().lower() in _PLACEHOLDERS or len(value) < min_length


class AppSecretSource(Protocol):
    """Where the app secret (consumer keys, admin token, signing key) is kept."""

    def read_app_secret(self, secret_id: str) -> dict[str, Any] | None: ...

    def write_app_secret(self, secret_id: str, value: dict[str, Any]) -> SaveOutcome: ...


class AppSecretRefresher(Protocol):
    """Reads the app secret again now (X refused its keys: they may have been rotated)."""

    def __call__(self) -> None: ...
