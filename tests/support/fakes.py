"""In-memory implementations of the flows' interfaces, for the fast unit layer.

They keep the rules that matter to the flows (names are case-insensitive, X hands the same
token to the same account, a revoked token is refused) and nothing else. The end-to-end tests
still run the real adapters against moto and the signature-checking X stand-in.
"""

import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from app.core.accounts import AccountPage, PendingDeletion, SaveOutcome
from app.core.audit import AuditPage, AuditRecord
from app.core.errors import (
    AuditUnavailable,
    BirdhouseError,
    InviteNotFound,
    InviteNotPending,
    LedgerUnavailable,
    OperatorExists,
    OperatorsUnavailable,
    StoreUnavailable,
    XRefreshLost,
    XRefreshRejected,
    XRejected,
    XTokenRevoked,
    XUnavailable,
)
from app.core.invites import InviteRecord, InviteStatus, already_used, withdrawn
from app.core.oauth2 import Grant, HeldLease
from app.core.operators import Operator, StoredOperator
from app.core.x import AuthorizedAccount, TokenPair, Tweet, XUser
from birdhouse_client.layout import AccountSummary, StoredAccount, normalise_screen_name


def _summary(
    account: StoredAccount,
    check: tuple[str, str | None, str] | None = None,
    *,
    tagged: bool = True,
    marks: dict[str, str] | None = None,
) -> AccountSummary:
    status, access_level, checked_at = check or ("unchecked", None, "")
    return AccountSummary(
        screen_name=account.screen_name,
        user_id=account.user_id if tagged else "",
        authorized_at=account.authorized_at,
        status=status,
        access_level=access_level,
        checked_at=checked_at or None,
        kind=account.kind,
        reported_ok_at=(marks or {}).get("reported_ok_at"),
    )


class InMemoryAccountStore:
    """An AccountStore in two dicts: live accounts, and those scheduled for deletion."""

    def __init__(self) -> None:
        # Either kind of account: a test reads the fields of the kind it stored.
        self.live: dict[str, Any] = {}
        self.deleted: dict[str, Any] = {}
        self.moved_to: dict[str, str] = {}
        self.conflicts: dict[str, str] = {}
        # Tags a check wrote: status, access level, when.
        self.checks: dict[str, tuple[str, str | None, str]] = {}
        self.deletion_dates: dict[str, datetime] = {}
        self.unavailable = False
        self.writes_fail = False
        # Accounts saved without the user-id tag (legacy secrets, or tagging that failed):
        # a search by user id does not find them.
        self.untagged: set[str] = set()
        # What bot jobs reported: reported_ok_at, per account.
        self.marks: dict[str, dict[str, str]] = {}

    def get_account(self, screen_name: str) -> StoredAccount | None:
        self._check()
        return self.live.get(normalise_screen_name(screen_name))

    def save_account(self, account: StoredAccount) -> SaveOutcome:
        self._check()
        if self.writes_fail:
            raise StoreUnavailable("Secrets Manager could not save (in-memory store)")
        key = normalise_screen_name(account.screen_name)
        existed = key in self.live or self.deleted.pop(key, None) is not None
        self.live[key] = account
        return SaveOutcome.UPDATED if existed else SaveOutcome.CREATED

    def replace_account_value(self, account: StoredAccount) -> None:
        self._check()
        if self.writes_fail:
            raise StoreUnavailable("Secrets Manager could not rewrite (in-memory store)")
        self.live[normalise_screen_name(account.screen_name)] = account

    def mark_revoked(self, account: StoredAccount) -> None:
        self.replace_account_value(replace(account, status="revoked"))
        self.checks[normalise_screen_name(account.screen_name)] = ("revoked", None, "")

    def record_check(
        self, screen_name: str, *, status: str, access_level: str | None, checked_at: str
    ) -> None:
        self.checks[normalise_screen_name(screen_name)] = (status, access_level, checked_at)

    def list_accounts(self) -> Iterator[AccountSummary]:
        self._check()
        return iter(
            [
                _summary(
                    a,
                    self.checks.get(key),
                    tagged=key not in self.untagged,
                    marks=self.marks.get(key),
                )
                for key, a in self.live.items()
            ]
        )

    def list_accounts_page(
        self,
        *,
        limit: int,
        cursor: str | None = None,
        status: str | None = None,
        name_prefix: str | None = None,
    ) -> AccountPage:
        """Pages by position in name order; the cursor is the next position."""
        matching = [
            a
            for a in sorted(self.list_accounts(), key=lambda a: a.screen_name.lower())
            if (status is None or a.status == status)
            and a.screen_name.lower().startswith((name_prefix or "").lower())
        ]
        start = int(cursor or 0)
        end = start + limit
        return AccountPage(matching[start:end], str(end) if end < len(matching) else None)

    def note_reported_ok(self, screen_name: str, *, reported_at: str) -> None:
        key = normalise_screen_name(screen_name)
        self.marks.setdefault(key, {})["reported_ok_at"] = reported_at

    def list_deleted_accounts(self) -> Iterator[PendingDeletion]:
        self._check()
        return iter(
            [
                PendingDeletion(
                    _summary(account), self.deletion_dates.get(key), self.moved_to.get(key)
                )
                for key, account in self.deleted.items()
            ]
        )

    def describe_account(self, screen_name: str) -> AccountSummary | None:
        account = self.get_account(screen_name)
        key = normalise_screen_name(screen_name)
        if account is None:
            return None
        return _summary(account, self.checks.get(key), marks=self.marks.get(key))

    def schedule_deletion(
        self, screen_name: str, *, recovery_window_days: int, moved_to: str | None = None
    ) -> datetime:
        self._check()
        key = normalise_screen_name(screen_name)
        self.deleted[key] = self.live.pop(key)
        if moved_to:
            self.moved_to[key] = moved_to
        when = self.deletion_dates[key] = datetime.now(UTC) + timedelta(days=recovery_window_days)
        return when

    def find_by_user_id(self, user_id: str) -> AccountSummary | None:
        self._check()
        found = [
            a for key, a in self.live.items() if a.user_id == user_id and key not in self.untagged
        ]
        return _summary(found[0]) if found else None

    def note_name_conflict(self, screen_name: str, *, detail: str) -> None:
        self.conflicts[normalise_screen_name(screen_name)] = detail

    def restore_account(self, screen_name: str) -> AccountSummary | None:
        self._check()
        key = normalise_screen_name(screen_name)
        if key in self.deleted:
            self.live[key] = self.deleted.pop(key)
        return self.describe_account(screen_name)

    def _check(self) -> None:
        if self.unavailable:
            raise StoreUnavailable("Secrets Manager could not be reached (in-memory store)")


@dataclass
class _XAccount:
    user_id: str
    screen_name: str
    access_token: TokenPair | None = None
    posts: list[str] = field(default_factory=list)
    # What X says in x-access-level: read, read-write, read-write-directmessages (None: unsaid).
    access_level: str | None = None


class FakeX:
    """An XClient with no HTTP: accounts that authorize, the tokens X gave them, their posts."""

    def __init__(self) -> None:
        self.accounts: dict[str, _XAccount] = {}
        self.calls: list[str] = []
        self.callback_urls: list[str] = []  # what each request token was asked for
        self._request_tokens: dict[str, tuple[str, str | None]] = {}  # token -> (secret, who)
        self._verifiers: dict[str, str] = {}
        self._failures: dict[str, BirdhouseError] = {}

    # --- what tests do at "X" ---

    def approve(self, oauth_token: str, *, screen_name: str) -> str:
        """The owner logs in as `screen_name` and authorizes; returns the verifier."""
        self.account(screen_name)
        secret, _ = self._request_tokens[oauth_token]
        self._request_tokens[oauth_token] = (secret, screen_name)
        self._verifiers[oauth_token] = verifier = secrets.token_hex(4)
        return verifier

    def account(self, screen_name: str) -> _XAccount:
        key = screen_name.lower()
        if key not in self.accounts:
            self.accounts[key] = _XAccount(str(1000 + len(self.accounts)), screen_name)
        return self.accounts[key]

    def rename(self, old: str, new: str) -> None:
        account = self.accounts.pop(old.lower())
        account.screen_name = new
        self.accounts[new.lower()] = account

    def revoke(self, screen_name: str) -> None:
        self.account(screen_name).access_token = None

    def fail_next(self, call: str, error: BirdhouseError) -> None:
        self._failures[call] = error

    # --- the XClient interface ---

    def fetch_request_token(self, *, callback_url: str) -> TokenPair:
        self.callback_urls.append(callback_url)
        self._called("request_token")
        token = TokenPair(token=secrets.token_hex(8), secret=secrets.token_hex(8))
        self._request_tokens[token.token] = (token.secret, None)
        return token

    def authorize_url(self, *, oauth_token: str, screen_name: str | None) -> str:
        suffix = f"&screen_name={screen_name}" if screen_name else ""
        return f"https://x.test/oauth/authorize?oauth_token={oauth_token}&force_login=true{suffix}"

    def fetch_access_token(self, request_token: TokenPair, *, verifier: str) -> AuthorizedAccount:
        self._called("access_token")
        secret, who = self._request_tokens.pop(request_token.token, ("", None))
        if (
            who is None
            or secret != request_token.secret
            or self._verifiers.pop(request_token.token, None) != verifier
        ):
            raise XRejected("X refused /oauth/access_token with 401.", x_status=401)
        account = self.account(who)
        # Like X: one token per account and app, the same on every authorization.
        if account.access_token is None:
            account.access_token = TokenPair(secrets.token_hex(8), secrets.token_hex(8))
        return AuthorizedAccount(
            tokens=account.access_token, user_id=account.user_id, screen_name=account.screen_name
        )

    def invalidate_token(self, tokens: TokenPair) -> None:
        self._called("invalidate_token")
        self._holder(tokens).access_token = None

    def get_me(self, tokens: TokenPair) -> XUser:
        self._called("users_me")
        account = self._holder(tokens)
        return XUser(
            user_id=account.user_id,
            screen_name=account.screen_name,
            access_level=account.access_level,
        )

    def create_tweet(self, tokens: TokenPair, *, text: str) -> Tweet:
        self._called("tweets")
        account = self._holder(tokens)
        account.posts.append(text)
        return Tweet(tweet_id=str(len(account.posts)), text=text)

    def _holder(self, tokens: TokenPair) -> _XAccount:
        for account in self.accounts.values():
            if account.access_token == tokens:
                return account
        raise XTokenRevoked("X no longer accepts this account's token.", x_status=401)

    def _called(self, call: str) -> None:
        self.calls.append(call)
        if call in self._failures:
            raise self._failures.pop(call)


class InMemoryInviteLedger:
    """An InviteLedger in a dict, with the same once-only claim and attempt counting."""

    def __init__(self) -> None:
        self.records: dict[str, InviteRecord] = {}
        self.attempts: dict[str, list[datetime]] = {}
        self.spent_states: set[tuple[str, str]] = set()
        self.claims: dict[str, str] = {}
        self.unavailable = False
        self.releases_fail = False

    def record(self, invite: InviteRecord) -> None:
        self._check()
        self.records[invite.id] = invite

    def get(self, invite_id: str) -> InviteRecord | None:
        self._check()
        return self.records.get(invite_id)

    def list_invites(self) -> list[InviteRecord]:
        self._check()
        return list(self.records.values())

    def withdraw(self, invite_id: str, *, now: datetime) -> InviteRecord:
        record = self.get(invite_id)
        if record is None:
            raise InviteNotFound(invite_id)
        if record.status is not InviteStatus.PENDING:
            raise InviteNotPending(invite_id)
        self.records[invite_id] = replace(record, status=InviteStatus.REVOKED, revoked_at=now)
        return self.records[invite_id]

    def count_attempt(
        self, invite_id: str, *, now: datetime, limit: int, window: timedelta
    ) -> bool:
        self._check()
        if invite_id not in self.records:
            return False
        recent = [moment for moment in self.attempts.get(invite_id, []) if moment > now - window]
        if len(recent) >= limit:
            return False
        self.attempts[invite_id] = [*recent, now]
        return True

    def spend_state(self, invite_id: str, *, oauth_token: str, now: datetime) -> bool:
        self._check()
        if invite_id not in self.records or (invite_id, oauth_token) in self.spent_states:
            return False
        self.spent_states.add((invite_id, oauth_token))
        return True

    def return_state(self, invite_id: str, *, oauth_token: str) -> None:
        self.spent_states.discard((invite_id, oauth_token))

    def claim(
        self, invite_id: str, *, claim_id: str, screen_name: str, user_id: str, now: datetime
    ) -> None:
        record = self.get(invite_id)
        if record is None:
            raise InviteNotFound(invite_id)
        if record.status is InviteStatus.REVOKED:
            raise withdrawn()
        if record.status is InviteStatus.USED:
            raise already_used(record)
        self.claims[invite_id] = claim_id
        self.records[invite_id] = replace(
            record,
            status=InviteStatus.USED,
            used_at=now,
            connected_screen_name=screen_name,
            connected_user_id=user_id,
        )

    def release(self, invite_id: str, *, claim_id: str) -> None:
        if self.releases_fail:
            raise LedgerUnavailable("The invite ledger could not release (in-memory ledger)")
        if self.claims.get(invite_id) == claim_id:
            del self.claims[invite_id]
            self.records[invite_id] = replace(
                self.records[invite_id],
                status=InviteStatus.PENDING,
                used_at=None,
                connected_screen_name=None,
                connected_user_id=None,
            )

    def _check(self) -> None:
        if self.unavailable:
            raise LedgerUnavailable("The invite ledger could not be reached (in-memory ledger)")


class RecordedEvents:
    """An EventPublisher that keeps what it was given, in order."""

    def __init__(self) -> None:
        self.published: list[tuple[str, dict[str, Any]]] = []

    def publish(self, detail_type: str, detail: dict[str, Any]) -> bool:
        self.published.append((detail_type, dict(detail)))
        return True

    @property
    def detail_types(self) -> list[str]:
        return [detail_type for detail_type, _ in self.published]


class InMemoryAppSecret:
    """An AppSecretSource holding one value (None: not created yet); counts the writes."""

    def __init__(self, value: dict[str, Any] | None = None) -> None:
        self.value = None if value is None else dict(value)
        self.writes = 0

    def read_app_secret(self, secret_id: str) -> dict[str, Any] | None:
        return None if self.value is None else dict(self.value)

    def write_app_secret(self, secret_id: str, value: dict[str, Any]) -> SaveOutcome:
        self.writes += 1
        outcome = SaveOutcome.CREATED if self.value is None else SaveOutcome.UPDATED
        self.value = dict(value)
        return outcome


class InMemoryOperatorRegistry:
    """An OperatorRegistry in a dict; counts the last-used notes it was asked to write."""

    def __init__(self) -> None:
        self.stored: dict[str, StoredOperator] = {}
        self.touches = 0
        self.touch_fails = False

    def add(self, stored: StoredOperator) -> None:
        if stored.operator.name in self.stored:
            raise OperatorExists(f"An operator called {stored.operator.name!r} exists")
        self.stored[stored.operator.name] = stored

    def get(self, name: str) -> StoredOperator | None:
        return self.stored.get(name)

    def list_operators(self) -> list[Operator]:
        return [stored.operator for stored in self.stored.values()]

    def remove(self, name: str) -> bool:
        return self.stored.pop(name, None) is not None

    def touch(self, name: str, *, key_hash: str, now: datetime, unless_since: datetime) -> None:
        self.touches += 1
        if self.touch_fails:
            raise OperatorsUnavailable("The operator table could not be reached (in memory)")
        stored = self.stored.get(name)
        if stored is None or stored.key_hash != key_hash:
            return
        last = stored.operator.last_used_at
        if last is None or last < unless_since:
            self.stored[name] = replace(stored, operator=replace(stored.operator, last_used_at=now))


class InMemoryAuditTrail:
    """An AuditTrail in a list, newest first on read; `unavailable` refuses appends."""

    def __init__(self) -> None:
        self.records: list[AuditRecord] = []
        self.unavailable = False

    def append(self, record: AuditRecord) -> None:
        if self.unavailable:
            raise AuditUnavailable("The audit trail could not be reached (in memory)")
        self.records.append(record)

    def page(
        self,
        *,
        operator: str | None,
        account: str | None,
        limit: int,
        cursor: str | None,
        now: datetime,
    ) -> AuditPage:
        found = [
            r
            for r in sorted(self.records, key=lambda r: (r.at, r.id), reverse=True)
            if (operator is None or r.operator == operator)
            and (account is None or r.account == account)
        ]
        start = int(cursor) if cursor else 0
        end = start + limit
        return AuditPage(records=found[start:end], next=str(end) if end < len(found) else None)


class InMemoryLease:
    """A RefreshLease in a dict, each change under one lock: DynamoDB's per-item atomicity."""

    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}
        self.acquired = 0
        self._lock = threading.Lock()

    def acquire(self, account: str, *, owner: str, now: float, seconds: float) -> HeldLease | None:
        with self._lock:
            item = self.items.setdefault(account, {})
            if item.get("until") is not None and item["until"] >= now:
                return None
            item.update(owner=owner, until=now + seconds)
            self.acquired += 1
            return HeldLease(account=account, owner=owner, spending=item.get("spending"))

    def mark_spending(self, lease: HeldLease, *, fingerprint: str) -> bool:
        with self._lock:
            item = self.items.get(lease.account, {})
            if item.get("owner") != lease.owner:
                return False
            item["spending"] = fingerprint
            return True

    def clear_spending(self, lease: HeldLease, *, fingerprint: str) -> None:
        with self._lock:
            item = self.items.get(lease.account, {})
            if item.get("owner") == lease.owner and item.get("spending") == fingerprint:
                del item["spending"]

    def release(self, lease: HeldLease) -> None:
        with self._lock:
            item = self.items.get(lease.account, {})
            if item.get("owner") == lease.owner:
                item.pop("owner", None)
                item.pop("until", None)


class FakeOAuth2:
    """X's OAuth 2.0 as the strictest provider runs it: single-use refresh tokens, and a
    reused one revokes its family. `next_refresh` makes the next refresh fail: "lost" (X
    rotates, the answer never arrives), "rejected" (invalid_grant), "down" (X never saw it)."""

    def __init__(self) -> None:
        self.users: dict[str, XUser] = {}
        self.refreshes: list[str] = []
        self.revoked: list[str] = []
        self.next_refresh: str | None = None
        self._live_refresh: set[str] = set()
        self._spent_refresh: set[str] = set()
        self._access: dict[str, XUser] = {}
        self._family: dict[str, str] = {}
        self._dead_families: set[str] = set()
        self._lock = threading.Lock()

    def grant_for(self, screen_name: str, user_id: str = "42", family: str | None = None) -> Grant:
        user = self.users.setdefault(
            screen_name.lower(),
            XUser(user_id=user_id, screen_name=screen_name, access_level="read-write"),
        )
        family = family or secrets.token_hex(4)
        access, refresh = f"at-{secrets.token_hex(8)}", f"rt-{secrets.token_hex(8)}"
        self._access[access] = user
        self._live_refresh.add(refresh)
        self._family[access] = self._family[refresh] = family
        return Grant(
            access_token=access,
            refresh_token=refresh,
            lifetime_seconds=7200,
            scopes=("tweet.write", "offline.access"),
        )

    def authorize_url(
        self, *, state: str, code_challenge: str, redirect_uri: str, screen_name: str | None
    ) -> str:
        return f"https://x.example/i/oauth2/authorize?state={state}&code_challenge={code_challenge}"

    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str) -> Grant:
        return self.grant_for(code)  # the fake's code names who authorized

    def refresh(self, refresh_token: str) -> Grant:
        with self._lock:
            fault, self.next_refresh = self.next_refresh, None
            if fault == "down":
                raise XUnavailable("X could not be reached for /2/oauth2/token.")
            if fault == "rejected" or refresh_token not in self._live_refresh:
                if refresh_token in self._spent_refresh:
                    self._dead_families.add(self._family[refresh_token])
                raise XRefreshRejected("invalid_grant", x_status=400)
            if self._family[refresh_token] in self._dead_families:
                raise XRefreshRejected("invalid_grant", x_status=400)
            self._live_refresh.discard(refresh_token)
            self._spent_refresh.add(refresh_token)
            self.refreshes.append(refresh_token)
            user = next(
                u for a, u in self._access.items() if self._family[a] == self._family[refresh_token]
            )
            grant = self.grant_for(
                user.screen_name, user.user_id, family=self._family[refresh_token]
            )
            if fault == "lost":
                raise XRefreshLost("The refresh reached X and its answer was lost.")
            return grant

    def revoke(self, token: str) -> None:
        self.revoked.append(token)
        if token in self._family:
            self._dead_families.add(self._family[token])

    def get_me(self, access_token: str) -> XUser:
        user = self._access.get(access_token)
        if user is None or self._family[access_token] in self._dead_families:
            raise XTokenRevoked("Unauthorized", x_status=401)
        return user

    def create_tweet(self, access_token: str, *, text: str) -> Tweet:
        self.get_me(access_token)
        return Tweet(tweet_id=secrets.token_hex(4), text=text)
