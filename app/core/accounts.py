"""Where account secrets are kept, one per screen name, and what the store answers."""

import enum
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from birdhouse_client.layout import AccountSummary, StoredAccount


class SaveOutcome(enum.Enum):
    CREATED = "created"
    UPDATED = "updated"


@dataclass(frozen=True)
class PendingDeletion:
    """An account scheduled for deletion, still restorable until `deletion_date`."""

    account: "AccountSummary"
    # None when it was deleted outside Birdhouse (the console, the AWS CLI).
    deletion_date: datetime | None
    # Set when the account moved to this name (a rename): the secret holds no tokens any more.
    moved_to: str | None = None


@dataclass(frozen=True)
class AccountPage:
    """One page of the listing, and the opaque cursor of the next (None: this was the last)."""

    accounts: "list[AccountSummary]"
    next_cursor: str | None


class AccountStore(Protocol):
    """Where account secrets are kept, one per screen name."""

    def get_account(self, screen_name: str) -> "StoredAccount | None": ...

    def save_account(self, account: "StoredAccount") -> SaveOutcome: ...

    def replace_account_value(self, account: "StoredAccount") -> None: ...

    def mark_revoked(self, account: "StoredAccount") -> None: ...

    def record_check(
        self, screen_name: str, *, status: str, access_level: str | None, checked_at: str
    ) -> None: ...

    def list_accounts(self) -> "Iterator[AccountSummary]": ...

    def list_accounts_page(
        self,
        *,
        limit: int,
        cursor: str | None = None,
        status: str | None = None,
        name_prefix: str | None = None,
    ) -> AccountPage: ...

    def note_reported_ok(self, screen_name: str, *, reported_at: str) -> None: ...

    def list_deleted_accounts(self) -> Iterator[PendingDeletion]: ...

    def describe_account(self, screen_name: str) -> "AccountSummary | None": ...

    def schedule_deletion(
        self, screen_name: str, *, recovery_window_days: int, moved_to: str | None = None
    ) -> datetime: ...

    def restore_account(self, screen_name: str) -> "AccountSummary | None": ...

    def find_by_user_id(self, user_id: str) -> "AccountSummary | None": ...

    def note_name_conflict(self, screen_name: str, *, detail: str) -> None: ...
