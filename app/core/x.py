"""What Birdhouse asks of X, and the values X answers with."""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from birdhouse_client.layout import AccountSecret


@dataclass(frozen=True)
class TokenPair:
    """An OAuth 1.0a token and its secret: a request token, or an account's access token."""

    token: str = field(repr=False)
    secret: str = field(repr=False)

    @classmethod
    def of_account(cls, account: "AccountSecret") -> "TokenPair":
        return cls(token=account.access_token, secret=account.access_token_secret)


@dataclass(frozen=True)
class AuthorizedAccount:
    """X's answer to the access-token exchange: the account's tokens, and who it is."""

    tokens: TokenPair
    user_id: str
    screen_name: str
    # x-access-level, when X sends it with the tokens: "read" means the bot may not post.
    access_level: str | None = None


@dataclass(frozen=True)
class XUser:
    user_id: str
    screen_name: str
    # x-access-level on user-context answers: read, read-write, read-write-directmessages.
    access_level: str | None = None
    # x-rate-limit-remaining and x-rate-limit-reset (epoch seconds) of this answer, if sent:
    # at 0 remaining, the next call before the reset gets a 429.
    rate_limit_remaining: int | None = None
    rate_limit_reset: int | None = None

    @property
    def can_post(self) -> bool | None:
        return None if self.access_level is None else self.access_level.startswith("read-write")


@dataclass(frozen=True)
class Tweet:
    tweet_id: str
    text: str


class XClient(Protocol):
    """What Birdhouse asks of X."""

    def fetch_request_token(self, *, callback_url: str) -> TokenPair: ...

    def authorize_url(self, *, oauth_token: str, screen_name: str | None) -> str: ...

    def fetch_access_token(
        self, request_token: TokenPair, *, verifier: str
    ) -> AuthorizedAccount: ...

    def invalidate_token(self, tokens: TokenPair) -> None: ...

    def get_me(self, tokens: TokenPair) -> XUser: ...

    def create_tweet(self, tokens: TokenPair, *, text: str) -> Tweet: ...
