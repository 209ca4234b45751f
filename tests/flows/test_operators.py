"""Operator keys and roles, and the audit records, over the in-memory fakes."""

import functools
import re
from datetime import UTC, datetime, timedelta

import pytest

from app.core.audit import Outcome, Via
from app.core.errors import (
    AccountNotFound,
    InvalidOperatorName,
    OperatorExists,
    OperatorNotFound,
    RoleRequired,
)
from app.core.events import OPERATOR_ACTION
from app.core.operators import KEY_PATTERN, Operator, Role
from app.flows.audit import Actor, Audit, audit_page
from app.flows.operators import (
    add_operator,
    key_hash,
    list_operators,
    operator_for_key,
    require_role,
    revoke_operator,
)
from tests.support.fakes import InMemoryAuditTrail, InMemoryOperatorRegistry, RecordedEvents

NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


def test_a_new_key_is_long_random_recognisable_and_kept_only_as_its_hash() -> None:
    registry = InMemoryOperatorRegistry()

    first = add_operator(registry=registry, name="Ada", role=Role.VIEWER, now=NOW)
    revoke_operator(registry=registry, name="ada")
    second = add_operator(registry=registry, name="ada", role=Role.VIEWER, now=NOW)

    assert re.fullmatch(KEY_PATTERN, first.key)
    assert first.key.startswith("bho_ada_")
    assert first.key != second.key
    stored = registry.stored["ada"]
    assert stored.key_hash == key_hash(second.key) != second.key
    assert second.key not in repr(stored)


def test_a_name_is_given_one_key_until_revoked() -> None:
    registry = InMemoryOperatorRegistry()
    add_operator(registry=registry, name="ada", role=Role.VIEWER)

    with pytest.raises(OperatorExists):
        add_operator(registry=registry, name="ADA", role=Role.ADMIN)


@pytest.mark.parametrize("name", ["owner", "me", "", "-ada", "ada_b", "a" * 33, "ad a"])
def test_reserved_and_malformed_names_are_refused(name: str) -> None:
    with pytest.raises(InvalidOperatorName):
        add_operator(registry=InMemoryOperatorRegistry(), name=name, role=Role.VIEWER)


def test_revoking_an_unknown_operator_says_so() -> None:
    with pytest.raises(OperatorNotFound):
        revoke_operator(registry=InMemoryOperatorRegistry(), name="nobody")


def test_a_key_signs_in_its_operator_and_nothing_else_does() -> None:
    registry = InMemoryOperatorRegistry()
    ada = add_operator(registry=registry, name="ada", role=Role.INVITER, now=NOW)
    bob = add_operator(registry=registry, name="bob", role=Role.ADMIN, now=NOW)
    forged = ada.key.replace("bho_ada_", "bho_bob_")

    signed_in = operator_for_key(ada.key, registry=registry, now=NOW)

    assert signed_in is not None
    assert (signed_in.name, signed_in.role) == ("ada", Role.INVITER)
    assert operator_for_key(forged, registry=registry, now=NOW) is None
    assert operator_for_key(bob.key[:-1], registry=registry, now=NOW) is None
    assert operator_for_key("not-a-key", registry=registry, now=NOW) is None
    revoke_operator(registry=registry, name="ada")
    assert operator_for_key(ada.key, registry=registry, now=NOW) is None


def test_last_use_is_written_at_most_once_a_minute() -> None:
    registry = InMemoryOperatorRegistry()
    ada = add_operator(registry=registry, name="ada", role=Role.VIEWER, now=NOW)

    for seconds in (0, 10, 59):
        operator_for_key(ada.key, registry=registry, now=NOW + timedelta(seconds=seconds))
    assert registry.touches == 1
    operator_for_key(ada.key, registry=registry, now=NOW + timedelta(seconds=61))

    assert registry.touches == 2
    (listed,) = list_operators(registry=registry)
    assert listed.last_used_at == NOW + timedelta(seconds=61)


def test_a_failed_last_use_note_does_not_refuse_the_key() -> None:
    registry = InMemoryOperatorRegistry()
    ada = add_operator(registry=registry, name="ada", role=Role.VIEWER, now=NOW)
    registry.touch_fails = True

    assert operator_for_key(ada.key, registry=registry, now=NOW) is not None


@pytest.mark.parametrize(
    ("role", "needed", "allowed"),
    [
        (Role.VIEWER, Role.VIEWER, True),
        (Role.VIEWER, Role.INVITER, False),
        (Role.VIEWER, Role.ADMIN, False),
        (Role.INVITER, Role.INVITER, True),
        (Role.INVITER, Role.ADMIN, False),
        (Role.ADMIN, Role.ADMIN, True),
        (Role.ADMIN, Role.VIEWER, True),
    ],
)
def test_each_role_allows_its_own_and_the_ones_below(
    role: Role, needed: Role, allowed: bool
) -> None:
    operator = Operator(name="ada", role=role)
    if allowed:
        require_role(operator, needed)
    else:
        with pytest.raises(RoleRequired, match=f"needs the {needed.value} role") as refused:
            require_role(operator, needed)
        assert refused.value.required_role == needed.value


def _audit(trail: InMemoryAuditTrail, events: RecordedEvents) -> Audit:
    actor = Actor(operator="ada", via=Via.CONSOLE, request_id="req-1")
    return Audit(trail=trail, events=events, actor=actor, clock=lambda: NOW)


def test_an_action_writes_one_record_with_how_it_ended_and_announces_it() -> None:
    trail, events = InMemoryAuditTrail(), RecordedEvents()
    audit = _audit(trail, events)

    with audit.action("invite.create", account="@HelloBot") as entry:
        entry.invite = "kq3Z0xY1c2Vb"
    with pytest.raises(AccountNotFound), audit.action("account.delete", account="GoneBot"):
        raise AccountNotFound("No onboarded account is called @GoneBot.")
    with pytest.raises(RoleRequired), audit.action("operator.add", target_operator="Bob"):
        raise RoleRequired("needs admin", required_role="admin")

    done, failed, refused = trail.records
    assert (done.action, done.outcome, done.account, done.invite) == (
        "invite.create",
        Outcome.OK,
        "hellobot",
        "kq3Z0xY1c2Vb",
    )
    assert (done.operator, done.via, done.request_id, done.at) == ("ada", Via.CONSOLE, "req-1", NOW)
    assert (failed.outcome, failed.error_code) == (Outcome.FAILED, "account_not_found")
    assert (refused.outcome, refused.error_code, refused.target_operator) == (
        Outcome.REFUSED,
        "role_required",
        "bob",
    )
    assert events.detail_types == [OPERATOR_ACTION] * 3
    assert events.published[0][1]["operator"] == "ada"
    assert events.published[0][1]["invite"] == "kq3Z0xY1c2Vb"


def test_a_target_that_is_not_a_name_or_an_id_is_left_out() -> None:
    trail = InMemoryAuditTrail()

    with _audit(trail, RecordedEvents()).action(
        "account.delete", account="<script>", invite="https://x/onboard?invite=abc.def"
    ):
        pass

    (record,) = trail.records
    assert record.account is None
    assert record.invite is None


def test_an_unwritable_record_is_logged_whole_and_the_action_stands(
    caplog: pytest.LogCaptureFixture,
) -> None:
    trail, events = InMemoryAuditTrail(), RecordedEvents()
    trail.unavailable = True

    with _audit(trail, events).action("account.verify", account="HelloBot"):
        pass

    assert "audit record not written" in caplog.text
    assert '"account": "hellobot"' in caplog.text
    assert events.detail_types == [OPERATOR_ACTION]


def test_the_trail_reads_newest_first_a_page_at_a_time_and_filters() -> None:
    trail = InMemoryAuditTrail()
    for minute, who in enumerate(["ada", "bob", "ada"]):
        actor = Actor(operator=who, via=Via.API, request_id=f"r{minute}")
        audit = Audit(
            trail=trail,
            events=RecordedEvents(),
            actor=actor,
            clock=functools.partial(lambda minutes: NOW + timedelta(minutes=minutes), minute),
        )
        with audit.action("account.verify", account="HelloBot" if who == "ada" else "Other"):
            pass

    first = audit_page(trail=trail, limit=2)
    rest = audit_page(trail=trail, limit=2, cursor=first.next)

    assert [r.request_id for r in first.records + rest.records] == ["r2", "r1", "r0"]
    assert rest.next is None
    by_ada = audit_page(trail=trail, operator="ada", account="@HELLOBOT")
    assert [r.request_id for r in by_ada.records] == ["r2", "r0"]
