"""Fleet health over the in-memory fakes: what each of X's answers means for an account, what the
recorder writes and announces, and the sweep's order, budget and pacing on an injected clock.
(End to end, with moto's EventBridge and the X stand-in: tests/web/test_fleet_health.py.)"""

from datetime import datetime, timedelta

import pytest

from app.core.errors import (
    AppKeysRejected,
    XAppNotEnrolled,
    XBadResponse,
    XCreditsDepleted,
    XError,
    XForbidden,
    XRejected,
    XTimeout,
    XTokenRevoked,
    XUnavailable,
)
from app.core.events import ACCOUNT_STATUS_CHANGED
from app.core.invites import REINVITE_LIFETIME
from app.flows.health import Finding, Recorder, check_account, sweep
from app.flows.invites import read_invite_id
from birdhouse_client.layout import AccountSecret, StoredAccount
from tests.support.constants import APP_SECRET_VALUE, SIGNING_KEY
from tests.support.fakes import FakeX, InMemoryAccountStore, InMemoryInviteLedger, RecordedEvents


@pytest.fixture
def x() -> FakeX:
    return FakeX()


@pytest.fixture
def store() -> InMemoryAccountStore:
    return InMemoryAccountStore()


@pytest.fixture
def events() -> RecordedEvents:
    return RecordedEvents()


@pytest.fixture
def ledger() -> InMemoryInviteLedger:
    return InMemoryInviteLedger()


def connect(x: FakeX, store: InMemoryAccountStore, screen_name: str) -> AccountSecret:
    """The owner authorized at X and the account was stored, as onboarding leaves it."""
    request = x.fetch_request_token(callback_url="oob")
    access = x.fetch_access_token(
        request, verifier=x.approve(request.token, screen_name=screen_name)
    )
    account = AccountSecret(
        screen_name=screen_name,
        user_id=access.user_id,
        authorized_at="2026-11-23T10:00:00+00:00",
        consumer_key=APP_SECRET_VALUE["consumer_key"],
        consumer_secret=APP_SECRET_VALUE["consumer_secret"],
        access_token=access.tokens.token,
        access_token_secret=access.tokens.secret,
    )
    store.save_account(account)
    x.calls.clear()
    return account


# --- check_account: X's answer, read as a status ------------------------------------------------


def test_an_account_x_knows_by_its_name_is_ok_with_one_paid_read(
    x: FakeX, store: InMemoryAccountStore
) -> None:
    account = connect(x, store, "HelloBot")
    x.account("HelloBot").access_level = "read-write"

    finding = check_account(account, x_client=x)

    assert finding == Finding(
        "HelloBot",
        account.user_id,
        "ok",
        access_level="read-write",
        x_screen_name="HelloBot",
    )
    assert finding.can_post is True
    assert x.calls == ["users_me"]


def test_x_saying_nothing_of_the_access_level_is_ok_but_unknown_for_posting(
    x: FakeX, store: InMemoryAccountStore
) -> None:
    finding = check_account(connect(x, store, "HelloBot"), x_client=x)

    assert (finding.status, finding.can_post) == ("ok", None)


def test_a_name_that_differs_only_in_case_is_still_ok(
    x: FakeX, store: InMemoryAccountStore
) -> None:
    account = connect(x, store, "HelloBot")
    x.rename("HelloBot", "hellobot")

    assert check_account(account, x_client=x).status == "ok"


def test_an_account_renamed_at_x_is_renamed_with_its_new_name(
    x: FakeX, store: InMemoryAccountStore
) -> None:
    account = connect(x, store, "OldName")
    x.rename("OldName", "NewName")

    finding = check_account(account, x_client=x)

    assert (finding.status, finding.screen_name, finding.x_screen_name) == (
        "renamed",
        "OldName",
        "NewName",
    )


def test_a_token_that_may_only_read_is_read_only(x: FakeX, store: InMemoryAccountStore) -> None:
    account = connect(x, store, "HelloBot")
    x.account("HelloBot").access_level = "read"

    finding = check_account(account, x_client=x)

    assert (finding.status, finding.access_level, finding.can_post) == ("read_only", "read", False)


def test_a_401_while_x_accepts_the_app_keys_is_a_revoked_token(
    x: FakeX, store: InMemoryAccountStore
) -> None:
    account = connect(x, store, "GoneBot")
    x.revoke("GoneBot")

    finding = check_account(account, x_client=x)

    assert finding.status == "revoked"
    assert isinstance(finding.error, XTokenRevoked)
    assert x.calls == ["users_me", "request_token"]  # the oob probe told them apart


def test_a_401_while_x_refuses_the_app_keys_too_blames_the_keys_not_the_token(
    x: FakeX, store: InMemoryAccountStore
) -> None:
    account = connect(x, store, "HelloBot")
    x.revoke("HelloBot")  # v2 answers a bad token and bad app keys with the same bare 401
    x.fail_next("request_token", XRejected("X refused the request token.", x_status=401))

    finding = check_account(account, x_client=x)

    assert finding.status == "app_keys_rejected"
    assert isinstance(finding.error, AppKeysRejected)
    assert finding.error.x_status == 401
    assert "rotate-consumer-keys" in finding.error.message


@pytest.mark.parametrize(
    "probe_error",
    [
        XUnavailable("X answered 503."),
        XTimeout("X did not answer in time."),
        XRejected("X refused the request token.", x_status=403),
    ],
    ids=["probe-down", "probe-slow", "probe-refused-otherwise"],
)
def test_a_401_that_the_probe_cannot_explain_is_unreachable_not_revoked(
    x: FakeX, store: InMemoryAccountStore, probe_error: XError
) -> None:
    account = connect(x, store, "HelloBot")
    x.revoke("HelloBot")
    x.fail_next("request_token", probe_error)

    finding = check_account(account, x_client=x)

    assert (finding.status, finding.error) == ("unreachable", probe_error)


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (
            XCreditsDepleted("Your enrolled account has no credits.", x_status=402),
            "credits_depleted",
        ),
        (XAppNotEnrolled("The app is not enrolled.", x_status=403), "forbidden"),
        (XForbidden("X forbids this.", x_status=403), "forbidden"),
        (XRejected("X refused the request.", x_status=403), "forbidden"),
        (XRejected("Too many requests.", x_status=429), "unreachable"),
        (XUnavailable("X answered 503."), "unreachable"),
        (XTimeout("X did not answer in time."), "unreachable"),
        (XBadResponse("X sent garbage."), "unreachable"),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, XError) else str(value),
)
def test_each_other_refusal_has_its_status_and_no_probe(
    x: FakeX, store: InMemoryAccountStore, error: XError, status: str
) -> None:
    account = connect(x, store, "HelloBot")
    x.fail_next("users_me", error)

    finding = check_account(account, x_client=x)

    assert (finding.status, finding.error, finding.access_level) == (status, error, None)
    assert x.calls == ["users_me"]


# --- Recorder: tags always, an event on change, a re-invite for a revoked token -----------------


def revoked(account: AccountSecret) -> Finding:
    return Finding(
        account.screen_name,
        account.user_id,
        "revoked",
        error=XTokenRevoked("X no longer accepts this account's token.", x_status=401),
    )


def test_every_check_is_written_as_tags_with_the_time(
    x: FakeX, store: InMemoryAccountStore, events: RecordedEvents
) -> None:
    account = connect(x, store, "HelloBot")
    before = datetime.now().astimezone()

    Recorder(store=store, events=events).record(
        Finding("HelloBot", account.user_id, "ok", access_level="read-write"),
        previous_status="ok",
    )

    status, access_level, checked_at = store.checks["hellobot"]
    assert (status, access_level) == ("ok", "read-write")
    assert before <= datetime.fromisoformat(checked_at) <= datetime.now().astimezone()


def test_an_unchanged_status_is_not_announced(
    x: FakeX, store: InMemoryAccountStore, events: RecordedEvents
) -> None:
    account = connect(x, store, "HelloBot")
    recorder = Recorder(store=store, events=events)

    recorder.record(Finding("HelloBot", account.user_id, "ok"), previous_status="ok")

    assert events.published == []
    assert recorder.changes == 0


def test_a_change_is_announced_once_with_what_x_said(
    x: FakeX, store: InMemoryAccountStore, events: RecordedEvents
) -> None:
    account = connect(x, store, "HelloBot")
    recorder = Recorder(store=store, events=events)
    error = XCreditsDepleted("Your enrolled account has no credits.", x_status=402)

    recorder.record(
        Finding("HelloBot", account.user_id, "credits_depleted", error=error),
        previous_status="ok",
    )

    assert events.published == [
        (
            ACCOUNT_STATUS_CHANGED,
            {
                "screen_name": "HelloBot",
                "user_id": account.user_id,
                "status": "credits_depleted",
                "previous_status": "ok",
                "access_level": None,
                "detail": "Your enrolled account has no credits.",
            },
        )
    ]
    assert recorder.changes == 1


def test_a_revoked_token_comes_with_a_fresh_link_for_its_owner(
    x: FakeX, store: InMemoryAccountStore, events: RecordedEvents, ledger: InMemoryInviteLedger
) -> None:
    account = connect(x, store, "GoneBot")
    recorder = Recorder(
        store=store,
        events=events,
        ledger=ledger,
        signing_keys=(SIGNING_KEY,),
        base_url="https://b.example",
    )

    recorder.record(revoked(account), previous_status="ok")

    ((kind, detail),) = events.published
    assert kind == ACCOUNT_STATUS_CHANGED
    (record,) = ledger.records.values()
    assert (record.screen_name, record.status.value) == ("GoneBot", "pending")
    # Seven days, to the second the link carries.
    assert abs(record.expires_at - record.created_at - REINVITE_LIFETIME) < timedelta(seconds=1)
    assert detail["invite_id"] == record.id
    assert detail["invite_expires_at"] == record.expires_at.isoformat()
    link = str(detail["invite_url"])
    assert link.startswith("https://b.example/onboard?invite=")
    assert read_invite_id(link.split("invite=", 1)[1], signing_key=SIGNING_KEY) == record.id


def test_without_a_base_url_the_reinvite_has_no_link_but_is_recorded(
    x: FakeX, store: InMemoryAccountStore, events: RecordedEvents, ledger: InMemoryInviteLedger
) -> None:
    account = connect(x, store, "GoneBot")
    recorder = Recorder(store=store, events=events, ledger=ledger, signing_keys=(SIGNING_KEY,))

    recorder.record(revoked(account), previous_status="ok")

    ((_kind, detail),) = events.published
    assert "invite_url" not in detail
    assert detail["invite_id"] in ledger.records


@pytest.mark.parametrize("missing", ["signing keys", "ledger"])
def test_no_reinvite_without_signing_keys_or_a_ledger(
    x: FakeX,
    store: InMemoryAccountStore,
    events: RecordedEvents,
    ledger: InMemoryInviteLedger,
    missing: str,
) -> None:
    account = connect(x, store, "GoneBot")
    recorder = Recorder(
        store=store,
        events=events,
        ledger=None if missing == "ledger" else ledger,
        signing_keys=() if missing == "signing keys" else (SIGNING_KEY,),
        base_url="https://b.example",
    )

    recorder.record(revoked(account), previous_status="ok")

    ((_kind, detail),) = events.published
    assert detail["status"] == "revoked"
    assert not {"invite_id", "invite_expires_at", "invite_url"} & detail.keys()
    assert ledger.records == {}


def test_only_a_revoked_token_gets_a_reinvite(
    x: FakeX, store: InMemoryAccountStore, events: RecordedEvents, ledger: InMemoryInviteLedger
) -> None:
    account = connect(x, store, "HelloBot")
    recorder = Recorder(
        store=store,
        events=events,
        ledger=ledger,
        signing_keys=(SIGNING_KEY,),
        base_url="https://b.example",
    )

    for status in ("renamed", "read_only", "app_keys_rejected", "forbidden", "unreachable"):
        recorder.record(Finding("HelloBot", account.user_id, status), previous_status="ok")

    assert len(events.published) == 5
    assert all("invite_id" not in detail for _kind, detail in events.published)
    assert ledger.records == {}


def test_a_ledger_that_cannot_be_reached_still_lets_the_change_be_announced(
    x: FakeX, store: InMemoryAccountStore, events: RecordedEvents, ledger: InMemoryInviteLedger
) -> None:
    account = connect(x, store, "GoneBot")
    ledger.unavailable = True
    recorder = Recorder(store=store, events=events, ledger=ledger, signing_keys=(SIGNING_KEY,))

    recorder.record(revoked(account), previous_status="ok")

    ((_kind, detail),) = events.published
    assert (detail["status"], "invite_id" in detail) == ("revoked", False)


# --- sweep: least recently checked first, within the budget, paced ------------------------------


class FakeTime:
    """The sweep's clock and sleep: sleeping moves the clock on, and nothing really waits."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def fleet(x: FakeX, store: InMemoryAccountStore, *names: str) -> None:
    for name in names:
        connect(x, store, name)


def test_the_sweep_starts_with_the_least_recently_checked(
    x: FakeX, store: InMemoryAccountStore, events: RecordedEvents
) -> None:
    fleet(x, store, "Alpha", "Bravo", "Charlie", "Delta")
    store.record_check("Alpha", status="ok", access_level=None, checked_at="2026-11-23T10:00:03")
    store.record_check("Bravo", status="ok", access_level=None, checked_at="2026-11-23T10:00:01")
    # Charlie and Delta were never checked: they go first, by name.

    report = sweep(
        store=store,
        x_client=x,
        recorder=Recorder(store=store, events=events),
        budget_seconds=60,
        concurrency=2,
    )

    assert report.checked_names == ["Charlie", "Delta", "Bravo", "Alpha"]
    assert (report.accounts, report.checked, report.out_of_time) == (4, 4, False)
    assert report.statuses == {"ok": 4}
    # The two never checked went from unchecked to ok; the other two stayed ok.
    assert report.changes == 2
    assert sorted(detail["screen_name"] for _kind, detail in events.published) == [
        "Charlie",
        "Delta",
    ]


def test_the_sweep_counts_each_status_it_found(
    x: FakeX, store: InMemoryAccountStore, events: RecordedEvents
) -> None:
    fleet(x, store, "FineBot", "GoneBot", "OldName")
    x.revoke("GoneBot")
    x.rename("OldName", "NewName")

    report = sweep(
        store=store, x_client=x, recorder=Recorder(store=store, events=events), budget_seconds=60
    )

    assert report.statuses == {"ok": 1, "revoked": 1, "renamed": 1}
    assert {name: store.checks[name.lower()][0] for name in report.checked_names} == {
        "FineBot": "ok",
        "GoneBot": "revoked",
        "OldName": "renamed",
    }


def test_the_sweep_stops_at_its_budget_and_the_next_one_resumes_there(
    x: FakeX, store: InMemoryAccountStore, events: RecordedEvents
) -> None:
    fleet(x, store, "Alpha", "Bravo", "Charlie", "Delta", "Echo")
    time = FakeTime()

    def run(budget_seconds: float) -> list[str]:
        report = sweep(
            store=store,
            x_client=x,
            recorder=Recorder(store=store, events=events),
            budget_seconds=budget_seconds,
            concurrency=2,
            seconds_between_calls=10,
            clock=time.clock,
            sleep=time.sleep,
        )
        assert report.out_of_time is (report.checked < report.accounts)
        return report.checked_names

    # Two batches of two fit in 25 s (each batch then waits 2 x 10 s); the third does not start.
    first = run(25)
    second = run(25)

    assert first == ["Alpha", "Bravo", "Charlie", "Delta"]
    # Echo was never checked, so it is now the least recently checked; then the oldest checks.
    assert second == ["Echo", "Alpha", "Bravo", "Charlie"]
    assert time.slept == [20, 20, 20, 20]


def test_a_spent_budget_still_checks_the_first_batch(
    x: FakeX, store: InMemoryAccountStore, events: RecordedEvents
) -> None:
    fleet(x, store, "Alpha", "Bravo", "Charlie")
    time = FakeTime()

    report = sweep(
        store=store,
        x_client=x,
        recorder=Recorder(store=store, events=events),
        budget_seconds=0,
        concurrency=2,
        clock=time.clock,
        sleep=time.sleep,
    )

    assert (report.checked_names, report.out_of_time) == (["Alpha", "Bravo"], True)


def test_the_sweep_paces_its_x_reads_by_batch(
    x: FakeX, store: InMemoryAccountStore, events: RecordedEvents
) -> None:
    fleet(x, store, "Alpha", "Bravo", "Charlie", "Delta", "Echo")
    time = FakeTime()

    report = sweep(
        store=store,
        x_client=x,
        recorder=Recorder(store=store, events=events),
        budget_seconds=3600,
        concurrency=2,
        seconds_between_calls=1.5,
        clock=time.clock,
        sleep=time.sleep,
    )

    assert report.checked == 5
    assert time.slept == [3.0, 3.0, 1.5]  # one wait per batch, for as many reads as it made
    assert x.calls.count("users_me") == 5


def test_an_unpaced_sweep_never_sleeps(
    x: FakeX, store: InMemoryAccountStore, events: RecordedEvents
) -> None:
    fleet(x, store, "Alpha", "Bravo", "Charlie")
    time = FakeTime()

    sweep(
        store=store,
        x_client=x,
        recorder=Recorder(store=store, events=events),
        budget_seconds=60,
        concurrency=1,
        clock=time.clock,
        sleep=time.sleep,
    )

    assert time.slept == []


def test_an_account_deleted_since_the_listing_is_skipped(
    x: FakeX, store: InMemoryAccountStore, events: RecordedEvents
) -> None:
    fleet(x, store, "Alpha", "Bravo")

    class DeletedMeanwhile(InMemoryAccountStore):
        def get_account(self, screen_name: str) -> StoredAccount | None:
            return None if screen_name == "Alpha" else super().get_account(screen_name)

    racing = DeletedMeanwhile()
    racing.live = store.live

    report = sweep(
        store=racing,
        x_client=x,
        recorder=Recorder(store=racing, events=events),
        budget_seconds=60,
    )

    assert (report.accounts, report.checked, report.checked_names) == (2, 1, ["Bravo"])


def test_no_reinvite_for_an_account_deleted_while_it_was_checked(
    x: FakeX, store: InMemoryAccountStore, events: RecordedEvents, ledger: InMemoryInviteLedger
) -> None:
    account = connect(x, store, "GoneBot")
    recorder = Recorder(store=store, events=events, ledger=ledger, signing_keys=(SIGNING_KEY,))
    store.schedule_deletion("GoneBot", recovery_window_days=7)  # the operator's delete

    recorder.record(revoked(account), previous_status="ok")

    assert ledger.records == {}
