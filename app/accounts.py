"""The account secret: the four-key layout bot jobs already use, plus who and when.

Standard library only: bot jobs import this through app.credentials with just boto3 installed.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from requests_oauthlib import OAuth1Session

CREDENTIAL_KEYS = ("consumer_key", "consumer_secret", "access_token", "access_token_secret")


@dataclass(frozen=True)
class AccountSecret:
    """One onboarded account's tokens; repr never shows a secret."""

    screen_name: str
    user_id: str
    authorized_at: str
    consumer_key: str = field(repr=False)
    consumer_secret: str = field(repr=False)
    access_token: str = field(repr=False)
    access_token_secret: str = field(repr=False)

    def as_secret_dict(self) -> dict[str, str]:
        """The JSON stored in Secrets Manager: what bot jobs read, plus when."""
        return {**self.as_dict(), "authorized_at": self.authorized_at}

    def as_dict(self) -> dict[str, str]:
        """The four credential keys, plus screen_name and user_id: what a bot job needs."""
        return {
            "consumer_key": self.consumer_key,
            "consumer_secret": self.consumer_secret,
            "access_token": self.access_token,
            "access_token_secret": self.access_token_secret,
            "screen_name": self.screen_name,
            "user_id": self.user_id,
        }

    def oauth1_session(self) -> "OAuth1Session":
        """A requests session that signs every call as this account (needs requests-oauthlib)."""
        from requests_oauthlib import OAuth1Session

        return OAuth1Session(
            self.consumer_key,
            client_secret=self.consumer_secret,
            resource_owner_key=self.access_token,
            resource_owner_secret=self.access_token_secret,
        )

    @classmethod
    def from_secret_dict(cls, data: dict[str, Any]) -> "AccountSecret":
        return cls(
            screen_name=str(data["screen_name"]),
            user_id=str(data["user_id"]),
            authorized_at=str(data["authorized_at"]),
            consumer_key=str(data["consumer_key"]),
            consumer_secret=str(data["consumer_secret"]),
            access_token=str(data["access_token"]),
            access_token_secret=str(data["access_token_secret"]),
        )


@dataclass(frozen=True)
class AccountSummary:
    """What the operator may see of an account: who and when, never a token."""

    screen_name: str
    user_id: str
    authorized_at: str


def utc_now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()
