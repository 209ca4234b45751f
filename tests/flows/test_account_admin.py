"""The operator's account actions over in-memory fakes. (End to end: tests/web/.)"""

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from app.core.app_secret import AppSecret
from app.core.errors import (
    AccountNotFound,
    AppKeysRejected,
    LedgerUnavailable,
    RestoreRefused,
    XRejected,
    XTokenRevoked,
    XUnavailable,
)
from app.core.invites import InviteStatus
from app.flows import account_admin
from app.flows.invites import create_invite
from birdhouse_client.layout import AccountSecret
from tests.support.constants import ADMIN_TOKEN, SIGNING_KEY
from tests.support.fakes import FakeX, InMemoryAccountStore, InMemoryInviteLedger, RecordedEvents

APP_SECRET = AppSecret(
    consumer_key="ck", consumer_secret="cs", admin_token=ADMIN_TOKEN, signing_key=SIGNING_KEY
)


@pytest.fixture
def x() -> FakeX:
    return FakeX()


@pytest.fixture
def store(x: FakeX) -> InMemoryAccountStore:
    """HelloBot, onboarded: X holds its token, the store its secret."""
    store = InMemoryAccountStore()
    request = x.fetch_request_token(callback_url="oob")
    access = x.fetch_access_token(
        request, verifier=x.approve(request.token, screen_name="HelloBot")
    )
    store.save_account(
        AccountSecret(
            screen_name="HelloBot",
            user_id=access.user_id,
            authorized_at="2026-11-23T10:00:00+00:00",
            consumer_key="ck",
            consumer_secret="cs",
            access_token=access.tokens.token,
            access_token_secret=access.tokens.secret,
        )
    )
    return store


def _remove(x: FakeX, store: InMemoryAccountStore, ledger: InMemoryInviteLedger) -> Any:
    return account_admin.remove_account(
        events=RecordedEvents(),
        screen_name="HelloBot",
        store=store,
        x_client=x,
        ledger=ledger,
        recovery_window_days=7,
    )


def _restore(
    x: FakeX,
    store: InMemoryAccountStore,
    screen_name: str = "HelloBot",
    *,
    app_secret: AppSecret = APP_SECRET,
) -> Any:
    return account_admin.restore_account(
        events=RecordedEvents(),
        screen_name=screen_name,
        store=store,
        x_client=x,
        app_secret=app_secret,
    )


def test_verify_says_the_token_works(x: FakeX, store: InMemoryAccountStore) -> None:
    result = account_admin.verify_account(screen_name="hellobot", store=store, x_client=x)

    assert result.ok
    assert not result.renamed
    assert result.detail == "The token works."


def test_verify_notices_a_rename(x: FakeX, store: InMemoryAccountStore) -> None:
    x.rename("HelloBot", "HelloBot2")

    result = account_admin.verify_account(screen_name="HelloBot", store=store, x_client=x)

    assert result.renamed
    assert result.screen_name == "HelloBot2"
    assert result.stored_screen_name == "HelloBot"


def test_verify_reports_a_revoked_token(x: FakeX, store: InMemoryAccountStore) -> None:
    x.revoke("HelloBot")

    with pytest.raises(XTokenRevoked):
        account_admin.verify_account(screen_name="HelloBot", store=store, x_client=x)


def test_an_unknown_account_is_named(x: FakeX, store: InMemoryAccountStore) -> None:
    with pytest.raises(AccountNotFound, match="No onboarded account is called @Nobody"):
        account_admin.verify_account(screen_name="Nobody", store=store, x_client=x)


def test_test_tweets_are_unique_by_default(x: FakeX, store: InMemoryAccountStore) -> None:
    first = account_admin.post_test_tweet(
        screen_name="HelloBot", text=None, store=store, x_client=x
    )
    second = account_admin.post_test_tweet(
        screen_name="HelloBot", text=None, store=store, x_client=x
    )

    assert first.text != second.text
    assert first.url == f"https://x.com/HelloBot/status/{first.id}"


def test_removal_revokes_at_x_then_schedules_deletion(
    x: FakeX, store: InMemoryAccountStore
) -> None:
    removal = _remove(x, store, InMemoryInviteLedger())

    assert removal.revoked_at_x
    assert x.account("HelloBot").access_token is None
    assert store.get_account("HelloBot") is None
    assert removal.restore == "POST /accounts/HelloBot/restore before the deletion date"


def test_removal_still_deletes_when_x_is_down(x: FakeX, store: InMemoryAccountStore) -> None:
    x.fail_next("invalidate_token", XUnavailable("X could not be reached."))

    removal = _remove(x, store, InMemoryInviteLedger())

    assert not removal.revoked_at_x
    assert removal.x_detail is not None
    assert "may still work" in removal.x_detail
    assert store.get_account("HelloBot") is None


def test_restore_brings_a_deleted_account_back(x: FakeX, store: InMemoryAccountStore) -> None:
    _remove(x, store, InMemoryInviteLedger())

    restored = _restore(x, store, "hellobot")

    assert restored.screen_name == "HelloBot"
    # Deleting revoked the token at X; the restore says so instead of coming back silently.
    assert restored.token_works is False
    assert "Onboard the account again" in restored.detail


def test_restore_of_an_account_whose_token_still_works(
    x: FakeX, store: InMemoryAccountStore
) -> None:
    x.fail_next("invalidate_token", XUnavailable("X could not be reached."))
    _remove(x, store, InMemoryInviteLedger())

    restored = _restore(x, store, "HelloBot")

    assert restored.token_works is True


def test_restore_when_x_cannot_be_asked(x: FakeX, store: InMemoryAccountStore) -> None:
    _remove(x, store, InMemoryInviteLedger())
    x.fail_next("users_me", XUnavailable("X could not be reached."))

    restored = _restore(x, store, "HelloBot")

    assert restored.token_works is None
    assert "POST /accounts/HelloBot/verify" in restored.detail


def test_deleted_accounts_are_listed_with_their_deletion_date(
    x: FakeX, store: InMemoryAccountStore
) -> None:
    removal = account_admin.remove_account(
        ledger=InMemoryInviteLedger(),
        events=RecordedEvents(),
        screen_name="HelloBot",
        store=store,
        x_client=x,
        recovery_window_days=9,
    )

    (deleted,) = account_admin.list_deleted_accounts(store=store)

    assert deleted.screen_name == "HelloBot"
    assert deleted.deletion_date == removal.deletion_date
    assert deleted.restore == "POST /accounts/HelloBot/restore"


# --- security round 3 -------------------------------------------------------------------


def test_deleting_an_account_withdraws_the_invites_that_would_reconnect_it(
    x: FakeX, store: InMemoryAccountStore
) -> None:
    ledger = InMemoryInviteLedger()
    reset = account_admin.reset_account(
        screen_name="HelloBot", store=store, x_client=x, ledger=ledger, signing_keys=SIGNING_KEY
    )
    for_the_name = create_invite(
        ledger=ledger,
        store=InMemoryAccountStore(),
        signing_key=SIGNING_KEY,
        screen_name="hellobot",
        lifetime=timedelta(days=1),
    )
    for_anyone = create_invite(
        ledger=ledger,
        store=store,
        signing_key=SIGNING_KEY,
        screen_name=None,
        lifetime=timedelta(days=1),
    )

    removal = _remove(x, store, ledger)

    statuses = {record.id: record.status for record in ledger.records.values()}
    assert statuses[reset.invite.record.id] is InviteStatus.REVOKED
    assert statuses[for_the_name.record.id] is InviteStatus.REVOKED
    assert statuses[for_anyone.record.id] is InviteStatus.PENDING
    assert removal.invites_withdrawn == 2


def test_restore_is_refused_while_the_same_x_user_lives_under_another_name(
    x: FakeX, store: InMemoryAccountStore
) -> None:
    account = store.live["hellobot"]
    _remove(x, store, InMemoryInviteLedger())
    store.save_account(replace(account, screen_name="NewName"))  # reconnected, renamed

    with pytest.raises(RestoreRefused, match="@NewName"):
        _restore(x, store, "HelloBot")

    assert store.get_account("HelloBot") is None


def test_a_restored_account_gets_the_current_consumer_keys_and_its_found_status(
    x: FakeX, store: InMemoryAccountStore
) -> None:
    x.fail_next("invalidate_token", XUnavailable("X could not be reached."))
    _remove(x, store, InMemoryInviteLedger())
    rotated = replace(APP_SECRET, consumer_key="ck-after-rotation", consumer_secret="cs-after")

    restored = _restore(x, store, app_secret=rotated)

    assert restored.token_works is True
    account = store.live["hellobot"]
    assert (account.consumer_key, account.consumer_secret) == ("ck-after-rotation", "cs-after")
    assert store.checks["hellobot"][0] == "ok"


def test_a_restore_that_finds_the_token_dead_records_it(
    x: FakeX, store: InMemoryAccountStore
) -> None:
    _remove(x, store, InMemoryInviteLedger())  # revokes the token at X

    restored = _restore(x, store, "HelloBot")

    assert restored.token_works is False
    assert store.checks["hellobot"][0] == "revoked"


def test_a_test_tweet_refused_while_new_app_keys_propagate_blames_the_keys(
    x: FakeX, store: InMemoryAccountStore
) -> None:
    x.fail_next("tweets", XTokenRevoked("X refused.", x_status=401))
    x.fail_next("request_token", XRejected("X refused the app.", x_status=401))

    with pytest.raises(AppKeysRejected):
        account_admin.post_test_tweet(screen_name="HelloBot", text=None, store=store, x_client=x)


def test_a_renamed_accounts_retired_secret_is_not_restored(
    x: FakeX, store: InMemoryAccountStore
) -> None:
    x.rename("HelloBot", "NewName")
    account_admin.rename_account(
        screen_name="HelloBot", store=store, x_client=x, recovery_window_days=7
    )
    store.live.pop("newname")  # even once the new name's secret is gone

    with pytest.raises(RestoreRefused, match="moved to @NewName"):
        _restore(x, store, "HelloBot")


def test_a_delete_whose_invites_cannot_be_withdrawn_deletes_nothing_and_can_be_repeated(
    x: FakeX, store: InMemoryAccountStore
) -> None:
    ledger = InMemoryInviteLedger()
    ledger.unavailable = True

    with pytest.raises(LedgerUnavailable):
        _remove(x, store, ledger)

    assert store.get_account("HelloBot") is not None
    ledger.unavailable = False
    assert _remove(x, store, ledger).screen_name == "HelloBot"
