"""Consumer-key rotation over the in-memory fakes: proven first, resumable, never half done.
(End to end, with moto and a stand-in that regenerates the key: tests/test_cli.py.)"""

from dataclasses import replace
from typing import Any

import pytest

from app.core.errors import RotationRefused, XRejected
from app.flows.rotation import Verdict, rotate_consumer_keys
from birdhouse_client.layout import AccountSecret, StoredAccount
from tests.support.constants import APP_SECRET_ID, APP_SECRET_VALUE, SIGNING_KEY
from tests.support.fakes import (
    FakeX,
    InMemoryAccountStore,
    InMemoryAppSecret,
    InMemoryInviteLedger,
)

NEW_KEY, NEW_SECRET = "ck-new-0123456789", "cs-new-0123456789abcdef"


@pytest.fixture
def x() -> FakeX:
    return FakeX()


@pytest.fixture
def store(x: FakeX) -> InMemoryAccountStore:
    """Three bots on the old pair; X holds their tokens."""
    store = InMemoryAccountStore()
    for name in ("AlphaBot", "BetaBot", "GammaBot"):
        request = x.fetch_request_token(callback_url="oob")
        access = x.fetch_access_token(request, verifier=x.approve(request.token, screen_name=name))
        store.save_account(
            AccountSecret(
                screen_name=name,
                user_id=access.user_id,
                authorized_at="2026-11-23T10:00:00+00:00",
                consumer_key=APP_SECRET_VALUE["consumer_key"],
                consumer_secret=APP_SECRET_VALUE["consumer_secret"],
                access_token=access.tokens.token,
                access_token_secret=access.tokens.secret,
            )
        )
    return store


def rotate(x: FakeX, store: InMemoryAccountStore, source: InMemoryAppSecret, **kwargs: Any) -> Any:
    return rotate_consumer_keys(
        consumer_key=kwargs.get("key", NEW_KEY),
        consumer_secret=kwargs.get("secret", NEW_SECRET),
        app_secret_id=APP_SECRET_ID,
        source=source,
        store=store,
        x_client_for=lambda _key, _secret: x,
        ledger=kwargs.get("ledger"),
        signing_keys=SIGNING_KEY,
    )


def test_every_account_gets_the_new_pair_and_is_verified(
    x: FakeX, store: InMemoryAccountStore
) -> None:
    source = InMemoryAppSecret(APP_SECRET_VALUE)

    summary = rotate(x, store, source)

    assert summary.app_secret_written
    assert (source.value or {})["consumer_key"] == NEW_KEY
    assert {a.consumer_key for a in store.live.values()} == {NEW_KEY}
    assert [(o.screen_name, o.verdict) for o in summary.accounts] == [
        ("AlphaBot", Verdict.OK),
        ("BetaBot", Verdict.OK),
        ("GammaBot", Verdict.OK),
    ]


def test_a_second_run_skips_what_is_done(x: FakeX, store: InMemoryAccountStore) -> None:
    source = InMemoryAppSecret(APP_SECRET_VALUE)
    rotate(x, store, source)

    again = rotate(x, store, source)

    assert not again.app_secret_written
    assert source.writes == 1
    assert not any(o.rewritten for o in again.accounts)


def test_a_half_done_rotation_stops_clearly_and_a_second_run_finishes(
    x: FakeX, store: InMemoryAccountStore
) -> None:
    source = InMemoryAppSecret(APP_SECRET_VALUE)
    original = store.replace_account_value
    calls = {"n": 0}

    def fail_on_the_second(account: StoredAccount) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            store.writes_fail = True
        try:
            original(account)
        finally:
            store.writes_fail = False

    store.replace_account_value = fail_on_the_second  # type: ignore[method-assign]
    with pytest.raises(RotationRefused, match=r"1 of 3 accounts are done.*again"):
        rotate(x, store, source)
    store.replace_account_value = original  # type: ignore[method-assign]

    finished = rotate(x, store, source)

    assert [o.rewritten for o in finished.accounts] == [False, True, True]
    assert {a.consumer_key for a in store.live.values()} == {NEW_KEY}


def test_an_account_whose_token_died_gets_a_fresh_invite(
    x: FakeX, store: InMemoryAccountStore
) -> None:
    ledger = InMemoryInviteLedger()
    x.revoke("BetaBot")

    summary = rotate(x, store, InMemoryAppSecret(APP_SECRET_VALUE), ledger=ledger)

    beta = summary.accounts[1]
    assert beta.verdict is Verdict.NEEDS_REONBOARDING
    assert beta.invite_id in ledger.records
    assert ledger.records[beta.invite_id].screen_name == "BetaBot"
    assert summary.count(Verdict.OK) == 2


@pytest.mark.parametrize(
    ("key", "secret"), [("changethis", NEW_SECRET), (NEW_KEY, "short"), ("", NEW_SECRET)]
)
def test_placeholders_are_refused_before_anything_is_written(
    x: FakeX, store: InMemoryAccountStore, key: str, secret: str
) -> None:
    source = InMemoryAppSecret(APP_SECRET_VALUE)
    calls_before = list(x.calls)

    with pytest.raises(RotationRefused, match="placeholder"):
        rotate(x, store, source, key=key, secret=secret)

    assert source.writes == 0
    assert x.calls == calls_before  # not even X was asked


def test_keys_x_refuses_are_refused_before_anything_is_written(
    x: FakeX, store: InMemoryAccountStore
) -> None:
    source = InMemoryAppSecret(APP_SECRET_VALUE)
    before = dict(store.live)
    x.fail_next(
        "request_token", XRejected("X refused /oauth/request_token with 401.", x_status=401)
    )

    with pytest.raises(RotationRefused, match="did not accept"):
        rotate(x, store, source)

    assert source.writes == 0
    assert store.live == before
    assert replace(next(iter(before.values())), consumer_key=NEW_KEY) not in store.live.values()
