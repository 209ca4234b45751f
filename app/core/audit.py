"""The audit trail: one record per operator action, and where the records are kept.

A record says when, who (an operator's name, `owner` for the admin token, or the AWS identity
that ran the command line), through what (api, console, cli), what, on which account, invite
or operator, how it ended and the request's id. Never a token, a key, a link or free text.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

DEFAULT_AUDIT_RETENTION = timedelta(days=400)
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


class Via(StrEnum):
    API = "api"
    CONSOLE = "console"
    CLI = "cli"


class Outcome(StrEnum):
    OK = "ok"
    # The operator's role does not allow it: nothing was done.
    REFUSED = "refused"
    # It was tried and did not happen (the error's code says why), or went part of the way.
    FAILED = "failed"
    # It happened, and needs the operator (a command line's exit status 1).
    ATTENTION = "attention"


@dataclass(frozen=True)
class AuditRecord:
    id: str
    at: datetime
    operator: str
    via: Via
    action: str
    outcome: Outcome
    request_id: str
    account: str | None = None
    invite: str | None = None
    target_operator: str | None = None
    # The error's stable code (token_revoked, role_required, ...) when it did not end well.
    error_code: str | None = None


@dataclass(frozen=True)
class AuditPage:
    records: list[AuditRecord]
    # Hand back to get the next page; None on the last one.
    next: str | None


class AuditTrail(Protocol):
    """Append-only: records are added, read newest first, and expire after the retention."""

    def append(self, record: AuditRecord) -> None: ...

    def page(
        self,
        *,
        operator: str | None,
        account: str | None,
        limit: int,
        cursor: str | None,
        now: datetime,
    ) -> AuditPage:
        """Newest first; `cursor` is a page's `next` (InvalidAuditCursor otherwise)."""
