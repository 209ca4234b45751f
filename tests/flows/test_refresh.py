"""One writer per refresh, over in-memory fakes: the lease, the spent-token record, and what
is reported when X refuses a refresh or its answer is lost."""

import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from app.core.errors import (
    NotOAuth2Account,
    RefreshLost,
    XRefreshRejected,
    XUnavailable,
)
from app.flows.health import Recorder
from app.flows.oauth2_accounts import OAuth2Accounts
from app.flows.refresh import Refresher, refresh_due, refresh_now
from birdhouse_client.layout import AccountSecret, OAuth2AccountSecret, utc_timestamp
from tests.support.constants import SIGNING_KEY
from tests.support.fakes import (
    FakeOAuth2,
    InMemoryAccountStore,
    InMemoryInviteLedger,
    InMemoryLease,
    RecordedEvents,
)

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def stored(x: FakeOAuth2, store: InMemoryAccountStore, name: str, *, left: float) -> None:
    grant = x.grant_for(name)
    store.save_account(
        OAuth2AccountSecret(
            screen_name=name,
            user_id=x.users[name.lower()].user_id,
            authorized_at=utc_timestamp(NOW),
            client_id="cid",
            client_secret="csecret",
            access_token=grant.access_token,
            refresh_token=grant.refresh_token,
            expires_at=utc_timestamp(NOW + timedelta(seconds=left)),
            scopes=grant.scopes,
        )
    )


@pytest.fixture
def x() -> FakeOAuth2:
    return FakeOAuth2()


@pytest.fixture
def store() -> InMemoryAccountStore:
    return InMemoryAccountStore()


@pytest.fixture
def events() -> RecordedEvents:
    return RecordedEvents()


@pytest.fixture
def lease() -> InMemoryLease:
    return InMemoryLease()


@pytest.fixture
def ledger() -> InMemoryInviteLedger:
    return InMemoryInviteLedger()


@pytest.fixture
def refresher(
    x: FakeOAuth2,
    store: InMemoryAccountStore,
    lease: InMemoryLease,
    events: RecordedEvents,
    ledger: InMemoryInviteLedger,
) -> Refresher:
    recorder = Recorder(store=store, events=events, ledger=ledger, signing_keys=SIGNING_KEY)
    return Refresher(
        store=store, lease=lease, client=x, recorder=recorder, now=lambda: NOW, sleep=lambda _: None
    )


def current(store: InMemoryAccountStore, name: str) -> OAuth2AccountSecret:
    account = store.get_account(name)
    assert isinstance(account, OAuth2AccountSecret)
    return account


def test_a_fresh_token_is_used_as_it_is(
    x: FakeOAuth2, store: InMemoryAccountStore, refresher: Refresher, lease: InMemoryLease
) -> None:
    stored(x, store, "HelloBot", left=3600)

    done = refresher.fresh("HelloBot")

    assert not done.refreshed
    assert x.refreshes == []
    assert lease.acquired == 0  # no lease taken for a token with time left


def test_a_token_near_its_end_is_refreshed_and_the_new_pair_written(
    x: FakeOAuth2, store: InMemoryAccountStore, refresher: Refresher, lease: InMemoryLease
) -> None:
    stored(x, store, "HelloBot", left=60)
    old = current(store, "HelloBot")

    done = refresher.fresh("HelloBot")

    assert done.refreshed
    assert x.refreshes == [old.refresh_token]
    new = current(store, "HelloBot")
    assert new.refresh_token != old.refresh_token
    assert new.expires_at == utc_timestamp(NOW + timedelta(hours=2))
    assert lease.items["hellobot"].get("owner") is None  # released


def test_many_refreshers_at_once_refresh_once(
    x: FakeOAuth2, store: InMemoryAccountStore, refresher: Refresher
) -> None:
    stored(x, store, "HelloBot", left=10)
    start = threading.Barrier(12)
    results: list[bool] = []
    # The losers wait for the holder: a millisecond per look lets it run.
    waiting = replace(refresher, sleep=lambda _: time.sleep(0.001))

    def one() -> None:
        start.wait()
        results.append(waiting.fresh("HelloBot").refreshed)

    threads = [threading.Thread(target=one) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(x.refreshes) == 1
    assert sorted(results) == [False] * 11 + [True]


def test_a_lost_answer_is_reported_and_the_spent_token_never_sent_again(
    x: FakeOAuth2,
    store: InMemoryAccountStore,
    refresher: Refresher,
    events: RecordedEvents,
    ledger: InMemoryInviteLedger,
) -> None:
    stored(x, store, "HelloBot", left=60)
    x.next_refresh = "lost"

    with pytest.raises(RefreshLost, match="answer was lost"):
        refresher.fresh("HelloBot")
    with pytest.raises(RefreshLost, match="not sent again"):
        refresher.fresh("HelloBot")  # the next refresher finds the record and stops

    assert len(x.refreshes) == 1  # X saw the spent token once, never twice
    assert store.checks["hellobot"][0] == "refresh_lost"
    ((kind, detail),) = events.published
    assert (kind, detail["status"], detail["previous_status"]) == (
        "Account status changed",
        "refresh_lost",
        "unchecked",
    )
    assert detail["invite_id"] in {record.id for record in ledger.records.values()}


def test_a_failed_write_after_x_rotated_is_reported_as_lost(
    x: FakeOAuth2, store: InMemoryAccountStore, refresher: Refresher
) -> None:
    stored(x, store, "HelloBot", left=60)
    store.writes_fail = True

    with pytest.raises(RefreshLost, match="could not be stored"):
        refresher.fresh("HelloBot")
    store.writes_fail = False
    with pytest.raises(RefreshLost):
        refresher.fresh("HelloBot")

    assert len(x.refreshes) == 1
    assert store.checks["hellobot"][0] == "refresh_lost"


def test_invalid_grant_is_its_own_status_with_a_reinvite(
    x: FakeOAuth2,
    store: InMemoryAccountStore,
    refresher: Refresher,
    events: RecordedEvents,
    ledger: InMemoryInviteLedger,
) -> None:
    stored(x, store, "HelloBot", left=60)
    x.next_refresh = "rejected"

    with pytest.raises(XRefreshRejected):
        refresher.fresh("HelloBot")

    assert store.checks["hellobot"][0] == "refresh_rejected"
    ((_, detail),) = events.published
    assert detail["status"] == "refresh_rejected"
    (invite,) = ledger.records.values()
    assert invite.id == detail["invite_id"]
    assert invite.auth == "oauth2"  # the owner authorizes again with OAuth 2.0


def test_x_unreachable_before_the_call_leaves_the_token_usable(
    x: FakeOAuth2, store: InMemoryAccountStore, refresher: Refresher, events: RecordedEvents
) -> None:
    stored(x, store, "HelloBot", left=60)
    x.next_refresh = "down"

    with pytest.raises(XUnavailable):
        refresher.fresh("HelloBot")
    done = refresher.fresh("HelloBot")  # the same refresh token, unspent, works

    assert done.refreshed
    assert events.published == []


def test_only_oauth2_accounts_are_refreshed(
    store: InMemoryAccountStore, refresher: Refresher
) -> None:
    store.save_account(
        AccountSecret(
            screen_name="OldBot",
            user_id="7",
            authorized_at=utc_timestamp(NOW),
            consumer_key="ck",
            consumer_secret="cs",
            access_token="at",
            access_token_secret="ats",
        )
    )

    with pytest.raises(NotOAuth2Account):
        refresh_now("OldBot", refresher=refresher)


def test_the_schedule_refreshes_what_is_due_and_leaves_the_rest(
    x: FakeOAuth2, store: InMemoryAccountStore, refresher: Refresher
) -> None:
    stored(x, store, "DueBot", left=20 * 60)
    stored(x, store, "FreshBot", left=90 * 60)

    report = refresh_due(store=store, refresher=refresher, ahead_seconds=30 * 60)

    assert (report.oauth2_accounts, report.refreshed, report.fresh) == (2, 1, 1)
    assert current(store, "DueBot").expires_at == utc_timestamp(NOW + timedelta(hours=2))


def test_verify_and_test_tweet_refresh_first_then_use_bearer(
    x: FakeOAuth2, store: InMemoryAccountStore, refresher: Refresher
) -> None:
    stored(x, store, "HelloBot", left=30)
    accounts = OAuth2Accounts(x, refresher)

    finding = accounts.check(current(store, "HelloBot"))
    tweet = accounts.post(current(store, "HelloBot"), text="hello")

    assert finding.status == "ok"
    assert tweet.text == "hello"
    assert len(x.refreshes) == 1


def test_reset_revokes_the_family_at_x(
    x: FakeOAuth2, store: InMemoryAccountStore, refresher: Refresher
) -> None:
    stored(x, store, "HelloBot", left=3600)
    account = current(store, "HelloBot")

    OAuth2Accounts(x, refresher).revoke(account)

    assert x.revoked == [account.refresh_token, account.access_token]
    assert OAuth2Accounts(x, refresher).check(account).status == "revoked"
