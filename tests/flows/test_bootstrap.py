"""Bootstrap over the in-memory fakes: the admin token and signing key kept or rotated, the
consumer keys refused when they look copied and proven at X before anything is written.
(End to end, with moto and the X stand-in: tests/test_cli.py and tests/test_cli_operations.py.)"""

from typing import Any

import pytest

from app.core.accounts import SaveOutcome
from app.core.errors import BootstrapRefused, KeysNotProven, XError, XRejected, XUnavailable
from app.flows.bootstrap import Bootstrapped, bootstrap_app_secret
from tests.support.constants import (
    ADMIN_TOKEN,
    APP_SECRET_ID,
    APP_SECRET_VALUE,
    CONSUMER_KEY,
    CONSUMER_SECRET,
    SIGNING_KEY,
)
from tests.support.fakes import FakeX, InMemoryAppSecret

NEW_KEY, NEW_SECRET = "ck-new-0123456789", "cs-new-0123456789abcdef"


@pytest.fixture
def x() -> FakeX:
    return FakeX()


def bootstrap(source: InMemoryAppSecret, x: FakeX | None, **kwargs: Any) -> Bootstrapped:
    return bootstrap_app_secret(
        app_secret_id=APP_SECRET_ID,
        source=source,
        consumer_key=kwargs.pop("consumer_key", NEW_KEY),
        consumer_secret=kwargs.pop("consumer_secret", NEW_SECRET),
        prove_with=x,
        **kwargs,
    )


def stored(source: InMemoryAppSecret) -> dict[str, Any]:
    assert source.value is not None, "nothing was written"
    return source.value


def test_a_first_bootstrap_generates_the_admin_token_and_signing_key(x: FakeX) -> None:
    source = InMemoryAppSecret()

    result = bootstrap(source, x)

    value = stored(source)
    assert result == Bootstrapped(
        outcome=SaveOutcome.CREATED, admin_token=value["admin_token"], existed=False
    )
    assert (value["consumer_key"], value["consumer_secret"]) == (NEW_KEY, NEW_SECRET)
    assert len(value["admin_token"]) >= 32
    assert len(value["signing_key"]) >= 32
    assert value["previous_signing_keys"] == []


def test_a_later_bootstrap_keeps_the_token_and_key_and_shows_no_token(x: FakeX) -> None:
    source = InMemoryAppSecret(APP_SECRET_VALUE)

    result = bootstrap(source, x)

    value = stored(source)
    assert result == Bootstrapped(outcome=SaveOutcome.UPDATED, admin_token=None, existed=True)
    assert (value["admin_token"], value["signing_key"]) == (ADMIN_TOKEN, SIGNING_KEY)
    assert (value["consumer_key"], value["consumer_secret"]) == (NEW_KEY, NEW_SECRET)


def test_an_app_secret_missing_its_token_or_key_gets_both_anew(x: FakeX) -> None:
    source = InMemoryAppSecret({"consumer_key": CONSUMER_KEY, "admin_token": ADMIN_TOKEN})

    result = bootstrap(source, x)

    value = stored(source)
    assert result.admin_token == value["admin_token"] != ADMIN_TOKEN
    assert result.existed


def test_rotate_replaces_both_and_keeps_the_old_signing_key_for_links_out(x: FakeX) -> None:
    source = InMemoryAppSecret(APP_SECRET_VALUE)

    result = bootstrap(source, x, rotate=True)

    value = stored(source)
    assert result.admin_token == value["admin_token"] != ADMIN_TOKEN
    assert value["signing_key"] != SIGNING_KEY
    assert value["previous_signing_keys"] == [SIGNING_KEY]


def test_rotation_keeps_at_most_three_earlier_keys_newest_first(x: FakeX) -> None:
    source = InMemoryAppSecret(APP_SECRET_VALUE)
    keys = [SIGNING_KEY]

    for _ in range(4):
        bootstrap(source, x, rotate=True)
        keys.insert(0, stored(source)["signing_key"])

    # keys: the current one, then every earlier one, newest first.
    assert stored(source)["previous_signing_keys"] == keys[1:4]


def test_revoking_the_links_drops_every_earlier_key(x: FakeX) -> None:
    source = InMemoryAppSecret(APP_SECRET_VALUE)
    bootstrap(source, x, rotate=True)

    bootstrap(source, x, rotate=True, revoke_links=True)

    value = stored(source)
    assert value["previous_signing_keys"] == []
    assert value["signing_key"] != SIGNING_KEY


def test_revoking_the_links_without_rotating_is_refused(x: FakeX) -> None:
    source = InMemoryAppSecret(APP_SECRET_VALUE)

    with pytest.raises(BootstrapRefused, match="goes with rotating"):
        bootstrap(source, x, revoke_links=True)

    assert (source.writes, x.calls) == (0, [])


@pytest.mark.parametrize(
    ("consumer_key", "consumer_secret"),
    [
        pytest.param("changethis", CONSUMER_SECRET, id="placeholder-key"),
        pytest.param(CONSUMER_KEY, "CHANGEME", id="placeholder-secret"),
        pytest.param(" Placeholder ", CONSUMER_SECRET, id="placeholder-any-case"),
        pytest.param("abc123", CONSUMER_SECRET, id="short-key"),
        pytest.param(CONSUMER_KEY, "", id="no-secret"),
    ],
)
def test_keys_that_are_not_the_real_thing_are_refused_before_asking_x(
    x: FakeX, consumer_key: str, consumer_secret: str
) -> None:
    source = InMemoryAppSecret()

    with pytest.raises(BootstrapRefused):
        bootstrap(source, x, consumer_key=consumer_key, consumer_secret=consumer_secret)

    assert x.calls == []
    assert (source.writes, source.value) == (0, None)


def test_the_keys_are_proven_with_an_oob_request_token(x: FakeX) -> None:
    bootstrap(InMemoryAppSecret(), x)

    assert (x.calls, x.callback_urls) == (["request_token"], ["oob"])


@pytest.mark.parametrize(
    "refusal",
    [
        XRejected("X refused /oauth/request_token with 401.", x_status=401),
        XUnavailable("X could not be reached."),
    ],
    ids=["refused", "unreachable"],
)
def test_keys_x_does_not_accept_write_nothing(x: FakeX, refusal: XError) -> None:
    source = InMemoryAppSecret(APP_SECRET_VALUE)
    x.fail_next("request_token", refusal)

    with pytest.raises(KeysNotProven, match="did not accept") as refused:
        bootstrap(source, x, rotate=True)

    assert refusal.message in refused.value.message
    assert (source.writes, source.value) == (0, APP_SECRET_VALUE)


def test_offline_skips_the_proof(x: FakeX) -> None:
    source = InMemoryAppSecret()

    bootstrap(source, None)

    assert stored(source)["consumer_key"] == NEW_KEY
    assert x.calls == []


def test_rotating_never_carries_a_short_key_the_service_would_refuse(x: FakeX) -> None:
    source = InMemoryAppSecret(
        {
            "consumer_key": NEW_KEY,
            "consumer_secret": NEW_SECRET,
            "admin_token": "short",
            "signing_key": "short-too",
            "previous_signing_keys": ["tiny", "a-good-previous-key-0123456789"],
        }
    )

    kept = bootstrap(source, x)
    rotated = bootstrap(source, x, rotate=True)

    assert kept.admin_token is not None  # the short token was not kept: a new one was made
    assert rotated.admin_token is not None
    assert all(len(key) >= 16 for key in stored(source)["previous_signing_keys"])
    assert "short-too" not in stored(source)["previous_signing_keys"]
