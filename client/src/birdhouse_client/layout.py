"""The account secret's layout, defined once: its name, its tags, its JSON keys.

The service writes what this module describes and bot jobs read it; both import it from here.
Standard library only (botocore only for reading an error's code).
"""

import os
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from botocore.exceptions import ClientError
    from requests_oauthlib import OAuth1Session

DEFAULT_SECRETS_PREFIX = "twitter-bots"
SECRETS_PREFIX_VARIABLE = "SECRETS_PREFIX"

# X screen names: 1-15 of [A-Za-z0-9_], case-insensitive.
SCREEN_NAME_PATTERN = re.compile(r"^[A-Za-z0-9_]{1,15}$")

# The four keys bot jobs have always read, in the order tweepy and twython take them.
CREDENTIAL_KEYS = ("consumer_key", "consumer_secret", "access_token", "access_token_secret")

# Which kind of account a secret holds. OAuth 1.0a secrets have no marker (they are the layout
# bot jobs have always read, unchanged); OAuth 2.0 secrets say "kind": "oauth2".
KIND_KEY = "kind"
KIND_OAUTH1 = "oauth1"
KIND_OAUTH2 = "oauth2"
KINDS = (KIND_OAUTH1, KIND_OAUTH2)
# An OAuth 2.0 account's keys: the app's client (to refresh), the user's two-hour access token,
# its single-use refresh token, when the access token expires, and what it may do.
OAUTH2_KEYS = ("client_id", "client_secret", "access_token", "refresh_token", "expires_at")
OAUTH2_SCOPES_KEY = "scopes"

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
# Set on OAuth 2.0 accounts only ("oauth2"): the refresher finds them without reading a value.
TAG_KIND = "birdhouse:kind"
# OAuth 2.0: when the stored access token expires, as Birdhouse last wrote it (a bot job's own
# refresh does not tag, so it can only be older than the secret: the refresher then reads it).
TAG_EXPIRES_AT = "birdhouse:expires_at"
# When a bot job last reported a good answer from X for the account (birdhouse_client's
# sessions do, at most every few hours): the sweep spends no paid read on it for a while.
TAG_REPORTED_OK_AT = "birdhouse:reported_ok_at"
STATUS_OK = "ok"
STATUS_READ_ONLY = "read_only"
STATUS_REVOKED = "revoked"
STATUS_RENAMED = "renamed"
STATUS_FORBIDDEN = "forbidden"
STATUS_APP_KEYS_REJECTED = "app_keys_rejected"
STATUS_CREDITS_DEPLETED = "credits_depleted"
STATUS_UNREACHABLE = "unreachable"
STATUS_UNCHECKED = "unchecked"
# OAuth 2.0 only: X refused the refresh token (invalid_grant): the owner must authorize again.
STATUS_REFRESH_REJECTED = "refresh_rejected"
# OAuth 2.0 only: a refresh was sent and its answer lost, or X rotated the token and the new
# pair could not be written. The spent refresh token is never sent again: authorize again.
STATUS_REFRESH_LOST = "refresh_lost"
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
    STATUS_REFRESH_REJECTED,
    STATUS_REFRESH_LOST,
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
    """One onboarded OAuth 1.0a account's keys; repr never shows a secret."""

    kind: ClassVar[str] = KIND_OAUTH1

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
        """A requests session that signs every call as this account (extra: oauth). The
        package's `oauth1_session(name)` also reports X's answers to Birdhouse."""
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


def utc_timestamp(moment: datetime) -> str:
    """How the layout writes a time: ISO 8601, UTC, whole seconds."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class OAuth2AccountSecret:
    """One onboarded OAuth 2.0 account: a user access token that lasts two hours, and the
    single-use refresh token that replaces it. repr never shows a secret."""

    kind: ClassVar[str] = KIND_OAUTH2

    screen_name: str
    user_id: str
    authorized_at: str
    client_id: str = field(repr=False)
    client_secret: str = field(repr=False)
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    # When the access token stops working (ISO 8601, UTC).
    expires_at: str
    scopes: tuple[str, ...] = ()
    status: str = "ok"

    def expiry(self) -> datetime:
        return datetime.fromisoformat(self.expires_at)

    def seconds_left(self, now: datetime) -> float:
        """How long the access token still works (negative once expired)."""
        return (self.expiry() - now).total_seconds()

    def with_tokens(
        self,
        *,
        access_token: str,
        refresh_token: str,
        expires_at: datetime,
        scopes: tuple[str, ...],
    ) -> "OAuth2AccountSecret":
        """The same account after a refresh: the new pair, its expiry and scopes."""
        return replace(
            self,
            access_token=access_token,
            refresh_token=refresh_token,
            expires_at=utc_timestamp(expires_at),
            scopes=scopes or self.scopes,
        )

    def as_secret_dict(self) -> dict[str, str]:
        """The JSON stored in Secrets Manager (scopes space-separated, as OAuth writes them)."""
        marks = {} if self.status == "ok" else {"status": self.status}
        return {
            KIND_KEY: KIND_OAUTH2,
            **{key: getattr(self, key) for key in OAUTH2_KEYS},
            OAUTH2_SCOPES_KEY: " ".join(self.scopes),
            "screen_name": self.screen_name,
            "user_id": self.user_id,
            "authorized_at": self.authorized_at,
            **marks,
        }

    def as_dict(self) -> dict[str, str]:
        """What a bot job needs: the user access token, when it expires, who it is."""
        return {
            "access_token": self.access_token,
            "expires_at": self.expires_at,
            "screen_name": self.screen_name,
            "user_id": self.user_id,
        }

    def credentials(self) -> dict[str, str]:
        """Keyword arguments for tweepy.Client: the user token is its bearer token (post with
        `user_auth=False`)."""
        return {"bearer_token": self.access_token}

    def authorization_header(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}

    def tags(self) -> dict[str, str]:
        return {
            TAG_SCREEN_NAME: self.screen_name,
            TAG_USER_ID: self.user_id,
            TAG_AUTHORIZED_AT: self.authorized_at,
            TAG_STATUS: STATUS_OK if self.status == "ok" else self.status,
            TAG_KIND: KIND_OAUTH2,
            TAG_EXPIRES_AT: self.expires_at,
        }

    @classmethod
    def from_secret_dict(cls, data: dict[str, Any]) -> "OAuth2AccountSecret":
        """KeyError names the first missing key; nothing here echoes a value."""
        expires_at = str(data["expires_at"])
        datetime.fromisoformat(expires_at)  # ValueError for anything but a time
        return cls(
            screen_name=str(data["screen_name"]),
            user_id=str(data["user_id"]),
            authorized_at=str(data["authorized_at"]),
            client_id=str(data["client_id"]),
            client_secret=str(data["client_secret"]),
            access_token=str(data["access_token"]),
            refresh_token=str(data["refresh_token"]),
            expires_at=expires_at,
            scopes=tuple(str(data.get(OAUTH2_SCOPES_KEY) or "").split()),
            status=str(data.get("status") or "ok"),
        )


# Either kind of account, as a secret holds it.
StoredAccount = AccountSecret | OAuth2AccountSecret


def account_from_secret_dict(data: dict[str, Any]) -> StoredAccount:
    """The account a secret's JSON holds, by its kind marker (none: OAuth 1.0a).

    KeyError names a missing key, ValueError an unknown kind; neither echoes a value.
    """
    kind = data.get(KIND_KEY) or KIND_OAUTH1
    if kind == KIND_OAUTH2:
        return OAuth2AccountSecret.from_secret_dict(data)
    if kind == KIND_OAUTH1:
        return AccountSecret.from_secret_dict(data)
    raise ValueError("unknown account kind")


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
    kind: str = KIND_OAUTH1
    # OAuth 2.0: when its token expires, as last tagged (see TAG_EXPIRES_AT).
    expires_at: str | None = None
    reported_ok_at: str | None = None

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
            kind=tags.get(TAG_KIND) or KIND_OAUTH1,
            expires_at=tags.get(TAG_EXPIRES_AT) or None,
            reported_ok_at=tags.get(TAG_REPORTED_OK_AT) or None,
        )


# A bot job's report of what X answered it, sent by the client's sessions to Birdhouse's event
# bus (never a token). Birdhouse verifies an account reported in trouble at once, and spends no
# sweep read for a while on one reported healthy.
REPORT_SOURCE = "birdhouse.bot-jobs"
REPORT_DETAIL_TYPE = "Bot job report"
REPORT_OK = "ok"
REPORT_TROUBLE = "trouble"


@dataclass(frozen=True)
class BotReport:
    """What a bot job saw: `outcome` ok or trouble, X's status and problem, and when."""

    screen_name: str
    user_id: str
    outcome: str
    reported_at: str
    x_status: int | None = None
    # X's word for it: "unauthorized", "credits_depleted", "client_forbidden",
    # "oauth1_permissions", "daily_cap".
    problem: str | None = None

    def to_detail(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}

    @classmethod
    def from_detail(cls, detail: Any) -> "BotReport":
        """ValueError for anything that is not a report of an account by its screen name."""
        if not isinstance(detail, dict):
            raise ValueError("a report's detail is a JSON object")
        outcome = detail.get("outcome")
        if outcome not in (REPORT_OK, REPORT_TROUBLE):
            raise ValueError(f"outcome must be {REPORT_OK!r} or {REPORT_TROUBLE!r}")
        x_status = detail.get("x_status")
        problem = detail.get("problem")
        return cls(
            screen_name=parse_screen_name(str(detail.get("screen_name", ""))),
            user_id=str(detail.get("user_id", ""))[:32],
            outcome=outcome,
            reported_at=str(detail.get("reported_at", ""))[:40],
            x_status=x_status if isinstance(x_status, int) else None,
            problem=str(problem)[:40] if problem else None,
        )
