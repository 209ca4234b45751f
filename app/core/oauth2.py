"""OAuth 2.0 accounts: what Birdhouse asks of X's OAuth 2.0 endpoints, PKCE, the refresh lease.

The lease and the refresh's rules are the bot-job client's (`birdhouse_client.single_writer`,
standard library only), so Birdhouse and every bot job refresh by one definition; they are
named here for the flows and adapters.
"""

import base64
import hashlib
import hmac
from dataclasses import dataclass
from typing import Protocol

from app.core.signing import SigningKeys
from app.core.x import Tweet, XUser
from birdhouse_client.single_writer import Grant, HeldLease, RefreshLease

__all__ = [
    "Authorized2",
    "Grant",
    "HeldLease",
    "OAuth2Client",
    "RefreshLease",
    "code_challenge",
    "code_verifier",
]

_VERIFIER_SALT = b"birdhouse.pkce-verifier.v1"


@dataclass(frozen=True)
class Authorized2:
    """X's answer to an OAuth 2.0 code exchange, and who authorized (from /2/users/me)."""

    tokens: Grant
    user_id: str
    screen_name: str
    access_level: str | None = None


class OAuth2Client(Protocol):
    """X's OAuth 2.0 endpoints for a confidential client (HTTP Basic), and Bearer calls."""

    def authorize_url(
        self, *, state: str, code_challenge: str, redirect_uri: str, screen_name: str | None
    ) -> str: ...

    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str) -> Grant: ...

    def refresh(self, refresh_token: str) -> Grant:
        """XRefreshRejected (invalid_grant), XRefreshLost (sent, answer lost) or XError."""
        ...

    def revoke(self, token: str) -> None: ...

    def get_me(self, access_token: str) -> XUser: ...

    def create_tweet(self, access_token: str, *, text: str) -> Tweet: ...


def code_verifier(state: str, *, signing_key: str) -> str:
    """The PKCE verifier for one authorization, derived from its state with the signing key.

    Derived, not stored: it never leaves Birdhouse (not in the cookie, the ledger or the
    account's secret), and the callback computes it again from the state X sends back.
    43 URL-safe characters, as RFC 7636 asks.
    """
    digest = hmac.new(signing_key.encode(), _VERIFIER_SALT + state.encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()


def key_id(signing_key: str) -> str:
    """Names a signing key without revealing it (which one derived a verifier)."""
    return hashlib.sha256(b"birdhouse.key-id" + signing_key.encode()).hexdigest()[:12]


def signing_key_named(key_name: str, signing_keys: SigningKeys) -> str | None:
    keys = (signing_keys,) if isinstance(signing_keys, str) else tuple(signing_keys)
    return next((key for key in keys if key_id(key) == key_name), None)


def code_challenge(verifier: str) -> str:
    """S256: base64url(sha256(verifier)), unpadded."""
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
