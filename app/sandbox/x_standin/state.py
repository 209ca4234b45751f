"""The state of a pretend X: apps, accounts, tokens and posts, behind one lock."""

import itertools
import secrets
import threading
from dataclasses import asdict, dataclass
from typing import Any

from app.sandbox.x_standin.answers import invalid_token, with_query

_FIRST_USER_ID = 1_500_000_000_000_000_001


@dataclass
class Quirks:
    """Habits of other OAuth 1.0a servers that Birdhouse tolerates; tests turn them on."""

    # Some servers answer "True" or "TRUE".
    callback_confirmed: str = "true"
    # Cancel comes back as ?error=access_denied (OAuth 2.0 style) instead of ?denied=.
    cancel_with_error: bool = False
    # The PIN shown for oob is letters and digits, not 7 digits.
    alphanumeric_pins: bool = False
    # The access-token answer carries the tokens but not user_id and screen_name.
    access_token_without_user: bool = False


@dataclass
class StandinAccount:
    user_id: str
    screen_name: str
    can_write: bool = True


@dataclass
class RequestToken:
    token: str
    secret: str
    consumer_key: str
    callback: str
    verifier: str | None = None
    account: StandinAccount | None = None


@dataclass
class AccessToken:
    token: str
    secret: str
    consumer_key: str
    account: StandinAccount
    revoked: bool = False


class StandinState:
    """Apps (consumer key → secret), accounts by lower-case name, tokens, and every post."""

    def __init__(self, consumers: dict[str, str]) -> None:
        self.consumers = dict(consumers)
        self.quirks = Quirks()
        self.accounts: dict[str, StandinAccount] = {}
        self.tweets: list[dict[str, str]] = []
        # Every token secret ever handed out, so tests can look for them where they must not be.
        self.issued_secrets: list[str] = []
        self._request_tokens: dict[str, RequestToken] = {}
        self._access_tokens: dict[str, AccessToken] = {}
        self._user_ids = itertools.count(_FIRST_USER_ID)
        self._lock = threading.Lock()

    # --- accounts and apps --------------------------------------------------------------

    def account(self, screen_name: str) -> StandinAccount:
        """The account with this name (any case), made on first mention like a sign-up."""
        with self._lock:
            return self._account_locked(screen_name)

    def rename(self, screen_name: str, new_screen_name: str) -> None:
        with self._lock:
            account = self.accounts.pop(screen_name.lower())
            account.screen_name = new_screen_name
            self.accounts[new_screen_name.lower()] = account

    def regenerate_consumer_key(self, consumer_key: str) -> tuple[str, str]:
        """The old key is refused from now on; the users' tokens move to the new one."""
        with self._lock:
            del self.consumers[consumer_key]
            new_key, new_secret = secrets.token_urlsafe(18), secrets.token_urlsafe(36)
            self.consumers[new_key] = new_secret
            for issued in self._access_tokens.values():
                if issued.consumer_key == consumer_key:
                    issued.consumer_key = new_key
            return new_key, new_secret

    def revoke_all(self, screen_name: str) -> None:
        with self._lock:
            for issued in self._access_tokens.values():
                if issued.account.screen_name.lower() == screen_name.lower():
                    issued.revoked = True

    def access_token_for(self, screen_name: str) -> tuple[str, str] | None:
        with self._lock:
            for issued in self._access_tokens.values():
                if issued.account.screen_name.lower() == screen_name.lower() and not issued.revoked:
                    return issued.token, issued.secret
        return None

    def seed_account(self, screen_name: str, *, consumer_key: str) -> tuple[str, str, str]:
        """As if the account had authorized the app: for fleets too big to click through."""
        with self._lock:
            account = self._account_locked(screen_name)
            issued = self._access_token_locked(consumer_key, account)
            return account.user_id, issued.token, issued.secret

    # --- the three legs -------------------------------------------------------------------

    def issue_request_token(self, *, consumer_key: str, callback: str) -> RequestToken:
        token = RequestToken(
            token=secrets.token_urlsafe(20),
            secret=secrets.token_urlsafe(24),
            consumer_key=consumer_key,
            callback=callback,
        )
        with self._lock:
            self._request_tokens[token.token] = token
            self.issued_secrets.append(token.secret)
        return token

    def is_pending(self, oauth_token: str) -> bool:
        with self._lock:
            return oauth_token in self._request_tokens

    def approve(self, oauth_token: str, *, screen_name: str) -> str:
        """What pressing "Authorize app" as `screen_name` does; returns the callback URL."""
        with self._lock:
            pending = self._request_tokens[oauth_token]
            pending.account = self._account_locked(screen_name)
            # Like X: the PIN flow (oob) shows a 7-digit number; a callback gets a token.
            oob = pending.callback == "oob"
            if oob and self.quirks.alphanumeric_pins:
                pending.verifier = secrets.token_urlsafe(6)
            elif oob:
                pending.verifier = f"{secrets.randbelow(10**7):07d}"
            else:
                pending.verifier = secrets.token_urlsafe(24)
            return with_query(
                pending.callback, oauth_token=oauth_token, oauth_verifier=pending.verifier
            )

    def deny(self, oauth_token: str) -> str:
        """What pressing "Cancel" does; returns the callback URL."""
        with self._lock:
            pending = self._request_tokens.pop(oauth_token)
            if self.quirks.cancel_with_error:
                return with_query(pending.callback, error="access_denied", oauth_token=oauth_token)
            return with_query(pending.callback, denied=oauth_token)

    def exchange(self, oauth_token: str, verifier: str) -> AccessToken:
        """An approved request token and its verifier for an access token, once."""
        with self._lock:
            pending = self._request_tokens.get(oauth_token)
            if pending is None or pending.account is None or pending.verifier is None:
                raise invalid_token()
            if not secrets.compare_digest(verifier, pending.verifier):
                raise invalid_token()
            del self._request_tokens[pending.token]  # a request token works once
            return self._access_token_locked(pending.consumer_key, pending.account)

    def request_token_secret(self, token: str | None) -> str | None:
        with self._lock:
            pending = self._request_tokens.get(token or "")
            return pending.secret if pending else None

    def access_token_secret(self, token: str | None) -> str | None:
        with self._lock:
            issued = self._access_tokens.get(token or "")
            return issued.secret if issued and not issued.revoked else None

    def issued_to_this_app(self, params: dict[str, str]) -> AccessToken:
        """Like X: a user's token works only with the keys of the app it was issued to."""
        issued = self._access_tokens[params["oauth_token"]]
        if issued.consumer_key != params["oauth_consumer_key"]:
            raise invalid_token()
        return issued

    def invalidate(self, params: dict[str, str]) -> None:
        with self._lock:
            self.issued_to_this_app(params).revoked = True

    # --- kept across restarts (make dev) ---------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """What outlives a restart: apps, accounts, access tokens and posts. Not the request
        tokens of authorizations under way (X forgets those within minutes too)."""
        with self._lock:
            return {
                "consumers": dict(self.consumers),
                "accounts": [asdict(account) for account in self.accounts.values()],
                "access_tokens": [
                    {**asdict(issued), "account": issued.account.screen_name.lower()}
                    for issued in self._access_tokens.values()
                ],
                "tweets": list(self.tweets),
            }

    def restore(self, snapshot: dict[str, Any]) -> None:
        """Take back what snapshot() gave, replacing the apps, accounts, tokens and posts."""
        with self._lock:
            self.consumers.clear()
            self.consumers.update(snapshot["consumers"])
            self.accounts.clear()
            for account in snapshot["accounts"]:
                self.accounts[account["screen_name"].lower()] = StandinAccount(**account)
            self._access_tokens.clear()
            for issued in snapshot["access_tokens"]:
                token = AccessToken(**{**issued, "account": self.accounts[issued["account"]]})
                self._access_tokens[token.token] = token
            self.tweets[:] = snapshot["tweets"]
            highest = max((int(a.user_id) for a in self.accounts.values()), default=0)
            self._user_ids = itertools.count(max(highest + 1, _FIRST_USER_ID))

    # --- posts ----------------------------------------------------------------------------

    def post(self, account: StandinAccount, text: str) -> dict[str, str] | None:
        """The new post, or None if this account already posted this text (X refuses it)."""
        with self._lock:
            if any(t["text"] == text and t["author_id"] == account.user_id for t in self.tweets):
                return None
            tweet = {
                "id": str(1_900_000_000_000_000_000 + len(self.tweets)),
                "text": text,
                "author_id": account.user_id,
            }
            self.tweets.append(tweet)
            return tweet

    # --- under the lock -------------------------------------------------------------------

    def _account_locked(self, screen_name: str) -> StandinAccount:
        key = screen_name.lower()
        if key not in self.accounts:
            self.accounts[key] = StandinAccount(
                user_id=str(next(self._user_ids)), screen_name=screen_name
            )
        return self.accounts[key]

    def _access_token_locked(self, consumer_key: str, account: StandinAccount) -> AccessToken:
        # Like X: one account authorizing one app again gets the same token back.
        for issued in self._access_tokens.values():
            if (
                issued.account is account
                and issued.consumer_key == consumer_key
                and not issued.revoked
            ):
                return issued
        issued = AccessToken(
            token=f"{account.user_id}-{secrets.token_urlsafe(30)}",
            secret=secrets.token_urlsafe(32),
            consumer_key=consumer_key,
            account=account,
        )
        self._access_tokens[issued.token] = issued
        self.issued_secrets.extend([issued.token, issued.secret])
        return issued
