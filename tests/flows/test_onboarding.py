"""The onboarding flow over in-memory fakes: the rules, fast. (End to end: tests/web/.)"""

from datetime import timedelta

import pytest

from app.adapters.secrets_manager import SaveOutcome
from app.app_secret import AppSecret
from app.errors import (
    AccountMismatch,
    InvalidInvite,
    OnboardingSessionError,
    StoreUnavailable,
    XRateLimited,
    XRejected,
)
from app.flows.invites import mint_invite
from app.flows.onboarding import complete_onboarding, start_onboarding
from tests.support.constants import ADMIN_TOKEN, CONSUMER_KEY, CONSUMER_SECRET, SIGNING_KEY
from tests.support.fakes import FakeX, InMemoryAccountStore

APP_SECRET = AppSecret(
    consumer_key=CONSUMER_KEY,
    consumer_secret=CONSUMER_SECRET,
    admin_token=ADMIN_TOKEN,
    signing_key=SIGNING_KEY,
)


@pytest.fixture
def x() -> FakeX:
    return FakeX()


@pytest.fixture
def store() -> InMemoryAccountStore:
    return InMemoryAccountStore()


def invite_for(screen_name: str | None) -> str:
    _invite, token = mint_invite(
        signing_key=SIGNING_KEY, screen_name=screen_name, lifetime=timedelta(hours=1)
    )
    return token


def onboard(
    x: FakeX, store: InMemoryAccountStore, *, invite_for_name: str | None, log_in_as: str
) -> SaveOutcome:
    start = start_onboarding(
        invite_token=invite_for(invite_for_name),
        app_secret=APP_SECRET,
        x_client=x,
        callback_url="https://b.example/callback",
    )
    verifier = x.approve(start.state.oauth_token, screen_name=log_in_as)
    connected = complete_onboarding(
        state=start.state, verifier=verifier, app_secret=APP_SECRET, x_client=x, store=store
    )
    return connected.outcome


def test_a_tampered_invite_never_reaches_x(x: FakeX) -> None:
    with pytest.raises(InvalidInvite):
        start_onboarding(
            invite_token=invite_for("HelloBot")[:-2],
            app_secret=APP_SECRET,
            x_client=x,
            callback_url="https://b.example/callback",
        )

    assert x.calls == []


def test_the_authorize_link_names_the_invited_account(x: FakeX) -> None:
    start = start_onboarding(
        invite_token=invite_for("HelloBot"),
        app_secret=APP_SECRET,
        x_client=x,
        callback_url="https://b.example/callback",
    )

    assert "screen_name=HelloBot" in start.authorize_url
    assert "force_login=true" in start.authorize_url
    assert start.state.expected_screen_name == "HelloBot"


def test_the_account_is_stored_with_the_apps_consumer_keys(
    x: FakeX, store: InMemoryAccountStore
) -> None:
    outcome = onboard(x, store, invite_for_name="HelloBot", log_in_as="hellobot")

    stored = store.get_account("HELLOBOT")
    assert outcome is SaveOutcome.CREATED
    assert stored is not None
    assert (stored.consumer_key, stored.consumer_secret) == (CONSUMER_KEY, CONSUMER_SECRET)
    assert stored.access_token == x.account("HelloBot").access_token.token  # type: ignore[union-attr]


def test_onboarding_again_updates_the_same_account(x: FakeX, store: InMemoryAccountStore) -> None:
    onboard(x, store, invite_for_name=None, log_in_as="HelloBot")

    assert onboard(x, store, invite_for_name=None, log_in_as="HelloBot") is SaveOutcome.UPDATED
    assert len(store.live) == 1


def test_the_wrong_account_is_refused_and_its_new_token_revoked(
    x: FakeX, store: InMemoryAccountStore
) -> None:
    with pytest.raises(AccountMismatch, match=r"@HelloBot.*@OwnersAccount"):
        onboard(x, store, invite_for_name="HelloBot", log_in_as="OwnersAccount")

    assert store.live == {}
    assert x.account("OwnersAccount").access_token is None


def test_the_wrong_account_keeps_its_token_when_it_is_onboarded_already(
    x: FakeX, store: InMemoryAccountStore
) -> None:
    onboard(x, store, invite_for_name=None, log_in_as="OtherBot")

    with pytest.raises(AccountMismatch):
        onboard(x, store, invite_for_name="HelloBot", log_in_as="OtherBot")

    assert x.account("OtherBot").access_token is not None


def test_x_refusing_the_exchange_asks_the_owner_to_start_over(
    x: FakeX, store: InMemoryAccountStore
) -> None:
    x.fail_next("access_token", XRejected("no", x_status=401))

    with pytest.raises(OnboardingSessionError, match="did not accept"):
        onboard(x, store, invite_for_name=None, log_in_as="HelloBot")


def test_rate_limiting_passes_through_so_a_reload_can_finish(
    x: FakeX, store: InMemoryAccountStore
) -> None:
    x.fail_next("access_token", XRateLimited("slow down", x_status=429, retry_after_seconds=60))

    with pytest.raises(XRateLimited):
        onboard(x, store, invite_for_name=None, log_in_as="HelloBot")


def test_a_store_outage_says_the_save_is_unconfirmed(x: FakeX, store: InMemoryAccountStore) -> None:
    store.unavailable = True

    with pytest.raises(StoreUnavailable, match="could not confirm") as raised:
        onboard(x, store, invite_for_name=None, log_in_as="HelloBot")

    assert raised.value.hint is not None
    assert "safe" in raised.value.hint
