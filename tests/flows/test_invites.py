"""Invites over the in-memory ledger: tokens that can't be forged or extended, single use,
withdrawal, the per-link brake. (The DynamoDB ledger itself: tests/adapters/.)"""

from datetime import UTC, datetime, timedelta

import pytest

from app.core.errors import (
    ExpiredInvite,
    InvalidInvite,
    InviteAlreadyUsed,
    InviteNotPending,
    InviteWithdrawn,
    TooManyAttempts,
)
from app.core.invites import InviteStatus
from app.flows.invites import (
    ATTEMPTS_PER_WINDOW,
    NewInvite,
    create_invite,
    list_invites,
    new_invite_id,
    open_invite,
    read_invite_id,
    withdraw_invite,
)
from tests.support.constants import SIGNING_KEY
from tests.support.fakes import InMemoryAccountStore, InMemoryInviteLedger

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def ledger() -> InMemoryInviteLedger:
    return InMemoryInviteLedger()


def new_invite(
    ledger: InMemoryInviteLedger,
    *,
    screen_name: str | None = None,
    lifetime: timedelta = timedelta(hours=1),
    now: datetime = NOW,
    signing_key: str = SIGNING_KEY,
) -> NewInvite:
    return create_invite(
        ledger=ledger,
        store=InMemoryAccountStore(),
        signing_key=signing_key,
        screen_name=screen_name,
        lifetime=lifetime,
        note="for the weather bot",
        now=now,
    )


def test_a_token_names_its_recorded_invite(ledger: InMemoryInviteLedger) -> None:
    invite = new_invite(ledger, screen_name="HelloBot")

    assert read_invite_id(invite.token, signing_key=SIGNING_KEY, now=NOW) == invite.record.id
    assert ledger.records[invite.record.id].status is InviteStatus.PENDING
    assert ledger.records[invite.record.id].note == "for the weather bot"


def test_a_token_expires_at_its_expiry(ledger: InMemoryInviteLedger) -> None:
    invite = new_invite(ledger)

    read_invite_id(invite.token, signing_key=SIGNING_KEY, now=NOW + timedelta(minutes=59))
    with pytest.raises(ExpiredInvite):
        read_invite_id(invite.token, signing_key=SIGNING_KEY, now=NOW + timedelta(hours=1))


def test_a_token_signed_with_another_key_is_invalid(ledger: InMemoryInviteLedger) -> None:
    invite = new_invite(ledger, signing_key="someone-elses-signing-key")

    with pytest.raises(InvalidInvite):
        read_invite_id(invite.token, signing_key=SIGNING_KEY, now=NOW)


def test_a_link_from_before_the_ledger_is_refused_as_not_valid() -> None:
    from itsdangerous import URLSafeSerializer

    old = URLSafeSerializer(SIGNING_KEY, salt="birdhouse.invite.v1").dumps(
        {"n": "HelloBot", "e": int((NOW + timedelta(days=1)).timestamp())}
    )

    with pytest.raises(InvalidInvite, match="from before"):
        read_invite_id(str(old), signing_key=SIGNING_KEY, now=NOW)


def test_an_unknown_invite_id_is_not_valid(ledger: InMemoryInviteLedger) -> None:
    with pytest.raises(InvalidInvite):
        open_invite("no-such-invite", ledger=ledger, now=NOW)


def test_a_used_invite_says_whom_it_connected(ledger: InMemoryInviteLedger) -> None:
    invite = new_invite(ledger)
    ledger.claim(invite.record.id, claim_id="c", screen_name="HelloBot", user_id="1", now=NOW)

    with pytest.raises(InviteAlreadyUsed, match="already used to connect @HelloBot"):
        open_invite(invite.record.id, ledger=ledger, now=NOW)


def test_a_withdrawn_invite_says_so(ledger: InMemoryInviteLedger) -> None:
    invite = new_invite(ledger)
    withdraw_invite(invite.record.id, ledger=ledger, now=NOW)

    with pytest.raises(InviteWithdrawn, match="withdrawn"):
        open_invite(invite.record.id, ledger=ledger, now=NOW)


def test_only_a_pending_invite_can_be_withdrawn(ledger: InMemoryInviteLedger) -> None:
    invite = new_invite(ledger)
    withdraw_invite(invite.record.id, ledger=ledger, now=NOW)

    with pytest.raises(InviteNotPending, match="revoked"):
        withdraw_invite(invite.record.id, ledger=ledger, now=NOW)


def test_one_link_starts_a_handful_of_authorizations_per_window(
    ledger: InMemoryInviteLedger,
) -> None:
    invite = new_invite(ledger)
    for _ in range(ATTEMPTS_PER_WINDOW):
        open_invite(invite.record.id, ledger=ledger, now=NOW)

    with pytest.raises(TooManyAttempts):
        open_invite(invite.record.id, ledger=ledger, now=NOW)
    open_invite(invite.record.id, ledger=ledger, now=NOW + timedelta(minutes=15))


def test_the_list_is_newest_first_with_expired_ones_marked(ledger: InMemoryInviteLedger) -> None:
    old = new_invite(ledger, now=NOW - timedelta(days=2))
    new = new_invite(ledger)

    records = list_invites(ledger=ledger, now=NOW)

    assert [r.id for r in records] == [new.record.id, old.record.id]
    assert [r.status for r in records] == [InviteStatus.PENDING, InviteStatus.EXPIRED]
    assert list_invites(ledger=ledger, status=InviteStatus.EXPIRED, now=NOW)[0].id == old.record.id


def test_an_invite_id_never_starts_like_a_command_line_option(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    drawn = iter(["-BqC6cPq5GbO", "BqC6cPq5GbO-"])
    monkeypatch.setattr("app.flows.invites.secrets.token_urlsafe", lambda _n: next(drawn))

    assert new_invite_id() == "BqC6cPq5GbO-"
