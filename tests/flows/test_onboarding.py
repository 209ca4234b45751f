"""The onboarding flow over in-memory fakes: the rules, fast. (End to end: tests/web/.)"""

from datetime import UTC, datetime, timedelta

import pytest

from app.core.accounts import SaveOutcome
from app.core.app_secret import AppSecret
from app.core.deadline import CLAIM_SAVE_RELEASE_SECONDS, Deadline, deadline_scope
from app.core.errors import (
    AccountMismatch,
    InvalidInvite,
    InviteAlreadyUsed,
    OnboardingSessionError,
    ScreenNameTaken,
    StoreUnavailable,
    XRateLimited,
    XRejected,
    XUnavailable,
)
from app.core.invites import InviteStatus
from app.flows.invites import create_invite, read_invite_id
from app.flows.onboarding import (
    ConnectedAccount,
    OnboardingStart,
    OnboardingState,
    complete_onboarding,
    start_onboarding,
)
from birdhouse_client.layout import AccountSecret
from tests.support.constants import ADMIN_TOKEN, CONSUMER_KEY, CONSUMER_SECRET, SIGNING_KEY
from tests.support.fakes import FakeX, InMemoryAccountStore, InMemoryInviteLedger, RecordedEvents

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


LEDGER = InMemoryInviteLedger()


def invite_for(screen_name: str | None, *, store: InMemoryAccountStore | None = None) -> str:
    return create_invite(
        ledger=LEDGER,
        store=store or InMemoryAccountStore(),
        signing_key=SIGNING_KEY,
        screen_name=screen_name,
        lifetime=timedelta(hours=1),
    ).token


def onboard(
    x: FakeX,
    store: InMemoryAccountStore,
    *,
    invite_for_name: str | None = None,
    log_in_as: str,
    token: str | None = None,
) -> SaveOutcome:
    start = start_onboarding(
        invite_token=token or invite_for(invite_for_name, store=store),
        app_secret=APP_SECRET,
        x_client=x,
        ledger=LEDGER,
        callback_url="https://b.example/callback",
    )
    assert isinstance(start, OnboardingStart)
    verifier = x.approve(start.state.oauth_token, screen_name=log_in_as)
    connected = complete_onboarding(
        events=RecordedEvents(),
        state=start.state,
        verifier=verifier,
        app_secret=APP_SECRET,
        x_client=x,
        store=store,
        ledger=LEDGER,
    )
    return connected.outcome


def test_a_tampered_invite_never_reaches_x(x: FakeX) -> None:
    with pytest.raises(InvalidInvite):
        start_onboarding(
            invite_token=invite_for("HelloBot")[:-2],
            app_secret=APP_SECRET,
            x_client=x,
            ledger=LEDGER,
            callback_url="https://b.example/callback",
        )

    assert x.calls == []


def test_the_authorize_link_names_the_invited_account(x: FakeX) -> None:
    start = start_onboarding(
        invite_token=invite_for("HelloBot"),
        app_secret=APP_SECRET,
        x_client=x,
        ledger=LEDGER,
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
    assert isinstance(stored, AccountSecret)
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


def test_a_failed_save_says_it_is_unconfirmed(x: FakeX, store: InMemoryAccountStore) -> None:
    store.writes_fail = True

    with pytest.raises(StoreUnavailable, match="could not confirm") as raised:
        onboard(x, store, invite_for_name=None, log_in_as="HelloBot")

    assert raised.value.hint is not None
    assert "safe" in raised.value.hint


def test_an_invite_connects_one_account_only(x: FakeX, store: InMemoryAccountStore) -> None:
    token = invite_for(None)
    onboard(x, store, log_in_as="FirstBot", token=token)

    with pytest.raises(InviteAlreadyUsed, match="@FirstBot"):
        onboard(x, store, log_in_as="SecondBot", token=token)

    assert store.get_account("SecondBot") is None


def test_a_failure_before_storing_leaves_the_link_usable(
    x: FakeX, store: InMemoryAccountStore
) -> None:
    token = invite_for(None)
    store.writes_fail = True
    with pytest.raises(StoreUnavailable):
        onboard(x, store, log_in_as="HelloBot", token=token)
    store.writes_fail = False

    assert onboard(x, store, log_in_as="HelloBot", token=token) is SaveOutcome.CREATED
    assert {r.status for r in LEDGER.records.values() if r.connected_screen_name == "HelloBot"} == {
        InviteStatus.USED
    }


def test_a_squatter_on_a_stored_name_is_refused_and_the_bot_untouched(
    x: FakeX, store: InMemoryAccountStore
) -> None:
    onboard(x, store, log_in_as="HelloBot")
    real_bot = store.get_account("HelloBot")
    x.rename("HelloBot", "HelloBotNew")  # the real bot renames; a stranger takes the old name
    x.account("HelloBot")

    with pytest.raises(ScreenNameTaken, match="different X account"):
        onboard(x, store, log_in_as="HelloBot", token=invite_for(None))

    assert store.get_account("HelloBot") == real_bot
    assert "hellobot" in store.conflicts
    assert x.account("HelloBot").access_token is None  # the stranger's new token is revoked


def test_a_renamed_bot_moves_to_its_new_name(x: FakeX, store: InMemoryAccountStore) -> None:
    onboard(x, store, log_in_as="OldName")
    x.rename("OldName", "NewName")

    onboard(x, store, log_in_as="NewName")

    assert store.get_account("NewName") is not None
    assert store.get_account("OldName") is None
    assert store.moved_to == {"oldname": "NewName"}


def test_an_invite_for_a_known_account_refuses_another_user_with_its_name(
    x: FakeX, store: InMemoryAccountStore
) -> None:
    onboard(x, store, log_in_as="HelloBot")
    token = invite_for("HelloBot", store=store)  # records HelloBot's user id
    x.rename("HelloBot", "Elsewhere")
    x.account("HelloBot")  # a newcomer takes the name

    with pytest.raises(AccountMismatch, match="different X account"):
        onboard(x, store, log_in_as="HelloBot", token=token)


def test_the_clean_up_never_revokes_a_token_a_renamed_bot_uses(
    x: FakeX, store: InMemoryAccountStore
) -> None:
    onboard(x, store, log_in_as="OtherBot")
    x.rename("OtherBot", "OtherBotRenamed")

    with pytest.raises(AccountMismatch):
        onboard(x, store, invite_for_name="HelloBot", log_in_as="OtherBotRenamed")

    assert x.account("OtherBotRenamed").access_token is not None


def test_a_store_outage_while_checking_saves_nothing(x: FakeX, store: InMemoryAccountStore) -> None:
    token = invite_for(None)
    store.unavailable = True

    with pytest.raises(StoreUnavailable, match="nothing was saved"):
        onboard(x, store, log_in_as="HelloBot", token=token)


def test_a_bound_invite_reconnects_its_user_under_a_new_name(
    x: FakeX, store: InMemoryAccountStore
) -> None:
    onboard(x, store, log_in_as="OldName")
    token = invite_for("OldName", store=store)  # bound to OldName's user id (a reset's invite)
    x.rename("OldName", "NewName")

    assert onboard(x, store, log_in_as="NewName", token=token) is SaveOutcome.CREATED
    assert store.get_account("NewName") is not None
    assert store.moved_to == {"oldname": "NewName"}


def test_a_lost_claim_gives_back_a_token_nobody_stores(
    x: FakeX, store: InMemoryAccountStore
) -> None:
    token = invite_for(None)
    start = start_onboarding(
        invite_token=token,
        app_secret=APP_SECRET,
        x_client=x,
        ledger=LEDGER,
        callback_url="https://b.example/callback",
    )
    assert isinstance(start, OnboardingStart)
    onboard(x, store, log_in_as="FirstBot", token=token)  # another tab won the invite
    verifier = x.approve(start.state.oauth_token, screen_name="SecondBot")

    with pytest.raises(InviteAlreadyUsed):
        complete_onboarding(
            events=RecordedEvents(),
            state=start.state,
            verifier=verifier,
            app_secret=APP_SECRET,
            x_client=x,
            store=store,
            ledger=LEDGER,
        )

    assert x.account("SecondBot").access_token is None
    assert x.account("FirstBot").access_token is not None


# --- security round 3 -------------------------------------------------------------------


def test_a_tab_that_loses_the_claim_to_the_same_user_leaves_the_winners_token_alone(
    x: FakeX, store: InMemoryAccountStore
) -> None:
    token = invite_for("HelloBot")
    starts = [
        start_onboarding(
            invite_token=token,
            app_secret=APP_SECRET,
            x_client=x,
            ledger=LEDGER,
            callback_url="https://b.example/callback",
        )
        for _ in range(2)
    ]
    tabs = [tab for tab in starts if isinstance(tab, OnboardingStart)]
    assert len(tabs) == 2
    verifiers = [x.approve(tab.state.oauth_token, screen_name="HelloBot") for tab in tabs]
    # The first tab has claimed the invite and is saving the token X issued (the same token X
    # gives the second tab) when the second tab's callback arrives.
    winner = x.fetch_access_token(tabs[0].state.request_token, verifier=verifiers[0])
    assert tabs[0].state.invite_id is not None
    LEDGER.claim(
        tabs[0].state.invite_id,
        claim_id="first-tab",
        screen_name="HelloBot",
        user_id=winner.user_id,
        now=datetime.now(UTC),
    )

    with pytest.raises(InviteAlreadyUsed):
        complete_onboarding(
            events=RecordedEvents(),
            state=tabs[1].state,
            verifier=verifiers[1],
            app_secret=APP_SECRET,
            x_client=x,
            store=store,
            ledger=LEDGER,
        )

    assert x.account("HelloBot").access_token == winner.tokens
    assert "invalidate_token" not in x.calls


def test_the_clean_up_keeps_a_token_held_under_an_untagged_old_name(
    x: FakeX, store: InMemoryAccountStore
) -> None:
    # A legacy secret: the bot's tokens under its old name, without the user-id tag, so a
    # search by user id does not find it.
    onboard(x, store, log_in_as="OldName")
    store.untagged.add("oldname")
    x.rename("OldName", "NewName")
    held = x.account("NewName").access_token

    # Someone mints a link for another account; the renamed bot's owner authorizes it.
    with pytest.raises(AccountMismatch):
        onboard(x, store, invite_for_name="SomeoneElse", log_in_as="NewName")

    assert x.account("NewName").access_token == held
    assert "invalidate_token" not in x.calls


def test_an_expiry_no_calendar_holds_is_an_invalid_link_not_a_500() -> None:
    from itsdangerous import URLSafeSerializer

    from app.core.signing import itsdangerous_keys

    forged = URLSafeSerializer(itsdangerous_keys(SIGNING_KEY), salt="birdhouse.invite.v2").dumps(
        {"i": "inv-00000001", "e": 10**20}
    )

    with pytest.raises(InvalidInvite):
        read_invite_id(forged, signing_key=SIGNING_KEY)


def authorized(
    x: FakeX, *, ledger: InMemoryInviteLedger, token: str, log_in_as: str = "HelloBot"
) -> tuple[OnboardingState, str]:
    """The link opened and approved at X: the callback's state and verifier."""
    start = start_onboarding(
        invite_token=token,
        app_secret=APP_SECRET,
        x_client=x,
        ledger=ledger,
        callback_url="https://b.example/callback",
    )
    assert isinstance(start, OnboardingStart)
    return start.state, x.approve(start.state.oauth_token, screen_name=log_in_as)


def callback(
    x: FakeX,
    store: InMemoryAccountStore,
    *,
    ledger: InMemoryInviteLedger,
    state: OnboardingState,
    verifier: str,
) -> ConnectedAccount:
    return complete_onboarding(
        events=RecordedEvents(),
        state=state,
        verifier=verifier,
        app_secret=APP_SECRET,
        x_client=x,
        store=store,
        ledger=ledger,
    )


def own_invite(ledger: InMemoryInviteLedger, store: InMemoryAccountStore) -> str:
    return create_invite(
        ledger=ledger,
        store=store,
        signing_key=SIGNING_KEY,
        screen_name=None,
        lifetime=timedelta(hours=1),
    ).token


def test_no_claim_without_time_to_save_and_release(x: FakeX, store: InMemoryAccountStore) -> None:
    ledger = InMemoryInviteLedger()
    state, verifier = authorized(x, ledger=ledger, token=own_invite(ledger, store))

    with (
        deadline_scope(Deadline.after(CLAIM_SAVE_RELEASE_SECONDS - 0.5)),
        pytest.raises(StoreUnavailable, match="your link still works"),
    ):
        callback(x, store, ledger=ledger, state=state, verifier=verifier)

    assert [r.status for r in ledger.records.values()] == [InviteStatus.PENDING]


def test_a_failed_save_whose_release_fails_too_says_the_link_may_be_used_up(
    x: FakeX, store: InMemoryAccountStore
) -> None:
    ledger = InMemoryInviteLedger()
    state, verifier = authorized(x, ledger=ledger, token=own_invite(ledger, store))
    store.writes_fail = True
    ledger.releases_fail = True

    with pytest.raises(StoreUnavailable) as refused:
        callback(x, store, ledger=ledger, state=state, verifier=verifier)

    assert refused.value.hint is not None
    assert "safe" not in refused.value.hint
    assert "new one" in refused.value.hint


def test_a_replayed_callback_is_refused_before_x_is_asked_again(
    x: FakeX, store: InMemoryAccountStore
) -> None:
    # A verifier X will not take (the owner's first callback spent it, say).
    state, _verifier = authorized(x, ledger=LEDGER, token=invite_for("HelloBot"))

    with pytest.raises(OnboardingSessionError):
        callback(x, store, ledger=LEDGER, state=state, verifier="not-the-verifier")
    for _ in range(5):
        with pytest.raises(OnboardingSessionError, match="already sent back"):
            callback(x, store, ledger=LEDGER, state=state, verifier="not-the-verifier")

    assert x.calls.count("access_token") == 1


def test_when_x_is_down_at_the_exchange_the_same_callback_can_be_tried_again(
    x: FakeX, store: InMemoryAccountStore
) -> None:
    state, verifier = authorized(x, ledger=LEDGER, token=invite_for("HelloBot"))
    x.fail_next("access_token", XUnavailable("X answered /oauth/access_token with 503."))

    with pytest.raises(XUnavailable):
        callback(x, store, ledger=LEDGER, state=state, verifier=verifier)
    assert callback(x, store, ledger=LEDGER, state=state, verifier=verifier) is not None
    assert store.get_account("HelloBot") is not None
