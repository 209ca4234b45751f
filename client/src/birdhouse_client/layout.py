"""The account secret's layout, defined once: its name, its tags, its JSON keys.

The service writes what this module describes and bot jobs read it; both import it from here.
Standard library only (botocore only for reading an error's code).
"""

import os
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from botocore.exceptions import ClientError
    from requests_oauthlib import OAuth1Session

DEFAULT_SECRETS_PREFIX = "twitter-bots"
SECRETS_PREFIX_VARIABLE = "SECRETS_PREFIX"

# X screen names: 1-15 of [A-Za-z0-9_], case-insensitive.
SCREEN_NAME_PATTERN = re.compile(r"^[A-Za-z0-9_]{1,15}$")

# The four keys bot jobs have always read, in the order tweepy and twython take them.
CREDENTIAL_KEYS = ("consumer_key", "consumer_secret", "access_token", "access_token_secret")

# Tags let the operator list thousands of accounts without reading one secret.
TAG_SCREEN_NAME = "birdhouse:screen_name"
TAG_USER_ID = "birdhouse:user_id"
TAG_AUTHORIZED_AT = "birdhouse:authorized_at"
# On a secret moved to the account's new screen name (the bot was renamed): where it went.
TAG_MOVED_TO = "birdhouse:moved_to"
# Set when another X user authorized under this account's name (the name changed hands).
TAG_NAME_CONFLICT = "birdhouse:name_conflict"
# The account's health, as the last check (verify, the sweep, onboarding, a reset) found it.
TAG_STATUS = "birdhouse:status"
TAG_CHECKED_AT = "birdhouse:checked_at"
TAG_ACCESS_LEVEL = "birdhouse:access_level"
STATUS_OK = "ok"
STATUS_READ_ONLY = "read_only"
STATUS_REVOKED = "revoked"
STATUS_RENAMED = "renamed"
STATUS_FORBIDDEN = "forbidden"
STATUS_APP_KEYS_REJECTED = "app_keys_rejected"
STATUS_CREDITS_DEPLETED = "credits_depleted"
STATUS_UNREACHABLE = "unreachable"
STATUS_UNCHECKED = "unchecked"
STATUSES = (
    STATUS_OK,
    STATUS_READ_ONLY,
    STATUS_REVOKED,
    STATUS_RENAMED,
    STATUS_FORBIDDEN,
    STATUS_APP_KEYS_REJECTED,
    STATUS_CREDITS_DEPLETED,
    STATUS_UNREACHABLE,
    STATUS_UNCHECKED,
)
# A bot can run on these; the others need someone to act.
HEALTHY_STATUSES = frozenset({STATUS_OK, STATUS_UNCHECKED, STATUS_UNREACHABLE})

# What Secrets Manager answers for a secret that is not there for us: missing, or scheduled
# for deletion (InvalidRequest).
GONE_ERROR_CODES = frozenset({"ResourceNotFoundException", "InvalidRequestException"})


class NotAScreenName(ValueError):
    """Not 1-15 letters, digits or underscores."""


def parse_screen_name(text: str) -> str:
    """The screen name as given, without a leading @; NotAScreenName otherwise."""
    candidate = text.removeprefix("@")
    if not SCREEN_NAME_PATTERN.fullmatch(candidate):
        raise NotAScreenName(
            f"A screen name is 1 to 15 letters, digits or underscores, got {text[:40]!r}"
        )
    return candidate


def normalise_screen_name(text: str) -> str:
    """Lower case: X treats screen names case-insensitively, Secrets Manager does not."""
    return parse_screen_name(text).lower()


def same_account_name(first: str, second: str) -> bool:
    return first.removeprefix("@").lower() == second.removeprefix("@").lower()


def resolve_secrets_prefix(explicit: str | None = None) -> str:
    """The prefix given, else SECRETS_PREFIX, else the default."""
    return explicit or os.environ.get(SECRETS_PREFIX_VARIABLE) or DEFAULT_SECRETS_PREFIX


def accounts_prefix(prefix: str) -> str:
    """Every account secret's name starts with this (ListSecrets' filter matches any case)."""
    return f"{prefix}/accounts/"


def account_secret_name(screen_name: str, *, prefix: str) -> str:
    return f"{accounts_prefix(prefix)}{normalise_screen_name(screen_name)}"


# A retired secret's value: the account moved to another name (or its name passed to another
# X user), so the secret keeps who it was and where it went, and no token in any stage.
TOMBSTONE_KEY = "retired"


def tombstone(screen_name: str, *, moved_to: str | None, generation: int) -> dict[str, object]:
    """`generation` makes each tombstone a distinct version (two push out AWSPREVIOUS too)."""
    return {
        TOMBSTONE_KEY: True,
        "screen_name": screen_name,
        "moved_to": moved_to,
        "generation": generation,
    }


def is_tombstone(data: dict[str, object]) -> bool:
    return data.get(TOMBSTONE_KEY) is True


def not_onboarded_message(screen_name: str) -> str:
    return f"No onboarded account is called @{screen_name.removeprefix('@')}."


def aws_error_code(exc: "ClientError") -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


@dataclass(frozen=True)
class AccountSecret:
    """One onboarded account's keys; repr never shows a secret."""

    screen_name: str
    user_id: str
    authorized_at: str
    consumer_key: str = field(repr=False)
    consumer_secret: str = field(repr=False)
    access_token: str = field(repr=False)
    access_token_secret: str = field(repr=False)
    # "revoked": the operator reset this account's token; it needs onboarding again.
    status: str = "ok"

    def as_secret_dict(self) -> dict[str, str]:
        """The JSON stored in Secrets Manager: what bot jobs read, plus when (and a mark)."""
        marks = {} if self.status == "ok" else {"status": self.status}
        return {**self.as_dict(), "authorized_at": self.authorized_at, **marks}

    def as_dict(self) -> dict[str, str]:
        """The four credential keys, plus screen_name and user_id: what a bot job needs."""
        return {
            **{key: getattr(self, key) for key in CREDENTIAL_KEYS},
            "screen_name": self.screen_name,
            "user_id": self.user_id,
        }

    def credentials(self) -> dict[str, str]:
        """Just the four keys, as keyword arguments for tweepy.Client and friends."""
        return {key: getattr(self, key) for key in CREDENTIAL_KEYS}

    def oauth1_session(self) -> "OAuth1Session":
        """A requests session that signs every call as this account (extra: oauth)."""
        from requests_oauthlib import OAuth1Session

        return OAuth1Session(
            self.consumer_key,
            client_secret=self.consumer_secret,
            resource_owner_key=self.access_token,
            resource_owner_secret=self.access_token_secret,
        )

    def tags(self) -> dict[str, str]:
        """Who and when; a freshly connected account is healthy until a check says otherwise."""
        return {
            TAG_SCREEN_NAME: self.screen_name,
            TAG_USER_ID: self.user_id,
            TAG_AUTHORIZED_AT: self.authorized_at,
            TAG_STATUS: STATUS_OK if self.status == "ok" else self.status,
        }

    @classmethod
    def from_secret_dict(cls, data: dict[str, Any]) -> "AccountSecret":
        """KeyError names the first missing key; nothing here echoes a value."""
        return cls(
            screen_name=str(data["screen_name"]),
            user_id=str(data["user_id"]),
            authorized_at=str(data["authorized_at"]),
            **{key: str(data[key]) for key in CREDENTIAL_KEYS},
            status=str(data.get("status") or "ok"),
        )


@dataclass(frozen=True)
class AccountSummary:
    """What the operator may see of an account: who and when, never a token."""

    screen_name: str
    user_id: str
    authorized_at: str
    # "X user 456 tried to connect under this name at …": the name changed hands at X.
    name_conflict: str | None = None
    status: str = STATUS_UNCHECKED
    checked_at: str | None = None
    access_level: str | None = None

    @classmethod
    def from_tags(
        cls, secret_name: str, tags: dict[str, str], *, changed_at: str
    ) -> "AccountSummary":
        return cls(
            screen_name=tags.get(TAG_SCREEN_NAME) or secret_name.rsplit("/", 1)[-1],
            user_id=tags.get(TAG_USER_ID, ""),
            # Secrets written before the tag existed: the last change is the best guess.
            authorized_at=tags.get(TAG_AUTHORIZED_AT) or changed_at,
            name_conflict=tags.get(TAG_NAME_CONFLICT) or None,
            status=tags.get(TAG_STATUS) or STATUS_UNCHECKED,
            checked_at=tags.get(TAG_CHECKED_AT) or None,
            access_level=tags.get(TAG_ACCESS_LEVEL) or None,
        )
