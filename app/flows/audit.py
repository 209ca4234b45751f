"""Who did what: one audit record per operator action, whichever front door it came through.

`Audit.action()` wraps the work: the record is written when the work ends, with how it ended
(ok, refused, failed with the error's code), and announced as an "Operator action" event.
A record that cannot be written never fails the action (it already happened): the whole record
goes to the log instead, which CloudWatch keeps.
"""

import json
import logging
import re
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from app.core.audit import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    AuditPage,
    AuditRecord,
    AuditTrail,
    Outcome,
    Via,
)
from app.core.errors import BirdhouseError, InvalidOperatorName, RoleRequired
from app.core.events import OPERATOR_ACTION, EventPublisher
from app.core.invites import INVITE_ID_PATTERN
from app.core.operators import operator_name
from app.core.screen_names import validate_screen_name
from birdhouse_client.layout import NotAScreenName, normalise_screen_name

log = logging.getLogger(__name__)

_INVITE_ID = re.compile(INVITE_ID_PATTERN)


@dataclass(frozen=True)
class Actor:
    """Who acts: an operator's name, `owner`, or the command line's AWS identity."""

    operator: str
    via: Via
    request_id: str


@dataclass
class AuditEntry:
    """The record being written: the work may name its target once it knows it (a new invite)."""

    action: str
    account: str | None = None
    invite: str | None = None
    target_operator: str | None = None
    # Set by work that succeeded but needs the operator (the command line's exit status 1).
    outcome: Outcome | None = None


class Audit:
    """Writes the audit records of one actor (one request, or one command-line run)."""

    def __init__(
        self,
        *,
        trail: AuditTrail,
        events: EventPublisher,
        actor: Actor,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._trail = trail
        self._events = events
        self.actor = actor
        self._clock = clock or (lambda: datetime.now(UTC))

    @contextmanager
    def action(
        self,
        action: str,
        *,
        account: str | None = None,
        invite: str | None = None,
        target_operator: str | None = None,
    ) -> Iterator[AuditEntry]:
        """One record for the work inside, however it ends; the exception goes on."""
        entry = AuditEntry(
            action=action, account=account, invite=invite, target_operator=target_operator
        )
        try:
            yield entry
        except RoleRequired as exc:
            self._write(entry, Outcome.REFUSED, exc.code)
            raise
        except BirdhouseError as exc:
            self._write(entry, Outcome.FAILED, exc.code or f"status_{exc.status_code}")
            raise
        except BaseException as exc:
            # A class name, never the message: messages can quote what was sent.
            self._write(entry, Outcome.FAILED, type(exc).__name__)
            raise
        else:
            self._write(entry, entry.outcome or Outcome.OK, None)

    def _write(self, entry: AuditEntry, outcome: Outcome, error_code: str | None) -> None:
        record = AuditRecord(
            id=secrets.token_hex(8),
            at=self._clock(),
            operator=self.actor.operator,
            via=self.actor.via,
            action=entry.action,
            outcome=outcome,
            request_id=self.actor.request_id,
            account=_account(entry.account),
            invite=entry.invite if entry.invite and _INVITE_ID.fullmatch(entry.invite) else None,
            target_operator=_operator(entry.target_operator),
            error_code=error_code,
        )
        try:
            self._trail.append(record)
        except BirdhouseError as exc:
            log.error(
                "audit record not written (%s): %s",
                exc.message,
                json.dumps(asdict(record), default=str),
            )
        self._events.publish(OPERATOR_ACTION, audit_event_detail(record))


def audit_event_detail(record: AuditRecord) -> dict[str, str]:
    """The record as an event's detail: the same fields, none of them secret."""
    fields = {key: value for key, value in asdict(record).items() if value is not None}
    fields["audit_id"] = fields.pop("id")
    fields["at"] = record.at.isoformat()
    return {key: str(value) for key, value in fields.items()}


def audit_page(
    *,
    trail: AuditTrail,
    operator: str | None = None,
    account: str | None = None,
    limit: int = DEFAULT_PAGE_SIZE,
    cursor: str | None = None,
    now: datetime | None = None,
) -> AuditPage:
    """Newest first, `limit` at most; filtered by who acted and by account."""
    return trail.page(
        operator=operator or None,
        account=validate_screen_name(account).lower() if account else None,
        limit=max(1, min(limit, MAX_PAGE_SIZE)),
        cursor=cursor or None,
        now=now or datetime.now(UTC),
    )


def _account(name: str | None) -> str | None:
    """Lower case, as the secrets are named; anything but a screen name is left out."""
    if not name:
        return None
    try:
        return normalise_screen_name(name)
    except NotAScreenName:
        return None


def _operator(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return operator_name(name)
    except InvalidOperatorName:
        return None
