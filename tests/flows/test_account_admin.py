"""The operator's account actions over in-memory fakes. (End to end: tests/web/.)"""

import pytest

from app.core.errors import AccountNotFound, XTokenRevoked, XUnavailable
from app.flows import account_admin
from birdhouse_client.layout import AccountSecret
from tests.support.fakes import FakeX, InMemoryAccountStore, RecordedEvents


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
    removal = account_admin.remove_account(
        events=RecordedEvents(),
        screen_name="HelloBot",
        store=store,
        x_client=x,
        recovery_window_days=7,
    )

    assert removal.revoked_at_x
    assert x.account("HelloBot").access_token is None
    assert store.get_account("HelloBot") is None
    assert removal.restore == "POST /accounts/HelloBot/restore before the deletion date"


def test_removal_still_deletes_when_x_is_down(x: FakeX, store: InMemoryAccountStore) -> None:
    x.fail_next("invalidate_token", XUnavailable("X could not be reached."))

    removal = account_admin.remove_account(
        events=RecordedEvents(),
        screen_name="HelloBot",
        store=store,
        x_client=x,
        recovery_window_days=7,
    )

    assert not removal.revoked_at_x
    assert removal.x_detail is not None
    assert "may still work" in removal.x_detail
    assert store.get_account("HelloBot") is None


def test_restore_brings_a_deleted_account_back(x: FakeX, store: InMemoryAccountStore) -> None:
    account_admin.remove_account(
        events=RecordedEvents(),
        screen_name="HelloBot",
        store=store,
        x_client=x,
        recovery_window_days=7,
    )

    restored = account_admin.restore_account(
        events=RecordedEvents(), screen_name="hellobot", store=store, x_client=x
    )

    assert restored.screen_name == "HelloBot"
    # Deleting revoked the token at X; the restore says so instead of coming back silently.
    assert restored.token_works is False
    assert "Onboard the account again" in restored.detail


def test_restore_of_an_account_whose_token_still_works(
    x: FakeX, store: InMemoryAccountStore
) -> None:
    x.fail_next("invalidate_token", XUnavailable("X could not be reached."))
    account_admin.remove_account(
        events=RecordedEvents(),
        screen_name="HelloBot",
        store=store,
        x_client=x,
        recovery_window_days=7,
    )

    restored = account_admin.restore_account(
        events=RecordedEvents(), screen_name="HelloBot", store=store, x_client=x
    )

    assert restored.token_works is True


def test_restore_when_x_cannot_be_asked(x: FakeX, store: InMemoryAccountStore) -> None:
    account_admin.remove_account(
        events=RecordedEvents(),
        screen_name="HelloBot",
        store=store,
        x_client=x,
        recovery_window_days=7,
    )
    x.fail_next("users_me", XUnavailable("X could not be reached."))

    restored = account_admin.restore_account(
        events=RecordedEvents(), screen_name="HelloBot", store=store, x_client=x
    )

    assert restored.token_works is None
    assert "POST /accounts/HelloBot/verify" in restored.detail


def test_deleted_accounts_are_listed_with_their_deletion_date(
    x: FakeX, store: InMemoryAccountStore
) -> None:
    removal = account_admin.remove_account(
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
