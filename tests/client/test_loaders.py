"""birdhouse_client.loaders: what a bot job calls to load its keys, against moto."""

import json
import math
from typing import Any

import boto3
import pytest

from app.adapters.secrets_manager import SecretsManagerAccountStore
from app.sandbox.x_standin import XStandin
from birdhouse_client.layout import AccountSecret
from birdhouse_client.loaders import (
    AccountNotOnboarded,
    AccountsNotLoaded,
    CachedCredentials,
    CredentialsError,
    load_account,
    load_accounts,
)
from tests.support.aws import unreachable_secrets_client
from tests.support.constants import CONSUMER_KEY, CONSUMER_SECRET
from tests.support.lambda_events import REGION
from tests.support.owner_flows import tokens_from_standin


def account(screen_name: str, **overrides: str) -> AccountSecret:
    fields = {
        "screen_name": screen_name,
        "user_id": str(abs(hash(screen_name)) % 10**12),
        "authorized_at": "2026-11-22T03:00:00+00:00",
        "consumer_key": "ck",
        "consumer_secret": "cs",
        "access_token": f"at-{screen_name}",
        "access_token_secret": f"ats-{screen_name}",
    }
    fields.update(overrides)
    return AccountSecret(**fields)


@pytest.fixture
def store(aws: Any) -> SecretsManagerAccountStore:
    return SecretsManagerAccountStore(aws, secrets_prefix="twitter-bots")


@pytest.fixture
def counted(aws: Any) -> tuple[Any, list[str]]:
    """A fresh boto3 client that records every Secrets Manager call it makes."""
    client = boto3.client("secretsmanager", region_name=REGION)
    calls: list[str] = []
    client.meta.events.register(
        "before-call.secretsmanager", lambda model, **_: calls.append(model.name)
    )
    return client, calls


def onboard_many(store: SecretsManagerAccountStore, count: int) -> list[str]:
    names = [f"Bot{n:04d}" for n in range(count)]
    for name in names:
        store.save_account(account(name))
    return names


def test_load_account_gives_the_four_key_layout(
    store: SecretsManagerAccountStore, counted: Any
) -> None:
    store.save_account(account("HelloBot"))
    client, calls = counted

    bot = load_account("@hellobot", client=client)

    assert bot.as_dict() == {
        "consumer_key": "ck",
        "consumer_secret": "cs",
        "access_token": "at-HelloBot",
        "access_token_secret": "ats-HelloBot",
        "screen_name": "HelloBot",
        "user_id": account("HelloBot").user_id,
    }
    assert calls == ["GetSecretValue"]


def test_credentials_are_immutable_and_repr_hides_secrets(
    store: SecretsManagerAccountStore, aws: Any
) -> None:
    store.save_account(account("HelloBot"))
    bot = load_account("HelloBot", client=aws)

    with pytest.raises(AttributeError):
        bot.access_token = "changed"  # type: ignore[misc]
    shown = repr(bot)
    assert "ats-HelloBot" not in shown
    assert "at-HelloBot" not in shown
    assert "HelloBot" in shown


def test_oauth1_session_signs_as_the_account(x_standin: XStandin, x_url: str, aws: Any) -> None:
    access = tokens_from_standin(x_standin, x_url, "HelloBot")
    SecretsManagerAccountStore(aws, secrets_prefix="twitter-bots").save_account(
        account(
            "HelloBot",
            consumer_key=CONSUMER_KEY,
            consumer_secret=CONSUMER_SECRET,
            access_token=access.tokens.token,
            access_token_secret=access.tokens.secret,
        )
    )

    loaded = load_account("HelloBot", client=aws)
    assert isinstance(loaded, AccountSecret)
    session = loaded.oauth1_session()
    answer = session.get(f"{x_url}/2/users/me", timeout=5)

    assert answer.status_code == 200
    assert answer.json()["data"]["username"] == "HelloBot"


def test_unknown_account_is_named(aws: Any) -> None:
    with pytest.raises(AccountNotOnboarded, match="No onboarded account is called @NobodyHere"):
        load_account("NobodyHere", client=aws)


@pytest.mark.parametrize("count", [0, 1, 20, 21, 45])
def test_loading_every_account_costs_one_call_per_twenty_and_one_per_hundred_names(
    store: SecretsManagerAccountStore, counted: Any, count: int
) -> None:
    names = onboard_many(store, count)
    client, calls = counted

    fleet = load_accounts(client=client)

    assert sorted(bot.screen_name for bot in fleet.values()) == names
    assert calls.count("BatchGetSecretValue") == math.ceil(count / 20)
    assert calls.count("ListSecrets") == max(1, math.ceil(count / 100))
    assert set(calls) <= {"BatchGetSecretValue", "ListSecrets"}


def test_loading_named_accounts_costs_one_call_per_twenty(
    store: SecretsManagerAccountStore, counted: Any
) -> None:
    names = onboard_many(store, 45)
    client, calls = counted

    fleet = load_accounts(names[:41], client=client)

    assert len(fleet) == 41
    assert calls == ["BatchGetSecretValue"] * 3
    assert fleet["bot0007"].screen_name == "Bot0007"


def test_every_account_leaves_out_other_prefixes(
    store: SecretsManagerAccountStore, aws: Any
) -> None:
    onboard_many(store, 3)
    aws.create_secret(Name="Twitter-Bots/accounts/shouty", SecretString="{}")
    aws.create_secret(Name="other/accounts/bot", SecretString="{}")

    assert sorted(load_accounts(client=aws)) == ["bot0000", "bot0001", "bot0002"]


def test_failures_are_reported_by_name_and_the_rest_still_load(
    store: SecretsManagerAccountStore, aws: Any
) -> None:
    onboard_many(store, 3)
    aws.create_secret(Name="twitter-bots/accounts/garbled", SecretString="not json")

    with pytest.raises(AccountsNotLoaded) as raised:
        load_accounts(["Bot0000", "Bot0001", "Missing", "garbled"], client=aws)

    assert raised.value.errors == {
        "missing": "not onboarded",
        "garbled": "twitter-bots/accounts/garbled is not a Birdhouse account secret",
    }
    assert sorted(raised.value.loaded) == ["bot0000", "bot0001"]
    assert "not json" not in str(raised.value)


def test_every_account_skips_one_scheduled_for_deletion(
    store: SecretsManagerAccountStore, aws: Any
) -> None:
    onboard_many(store, 25)
    aws.delete_secret(SecretId="twitter-bots/accounts/bot0003", RecoveryWindowInDays=7)

    fleet = load_accounts(client=aws)

    assert len(fleet) == 24
    assert "bot0003" not in fleet


def test_cache_calls_aws_once_per_ttl(store: SecretsManagerAccountStore, counted: Any) -> None:
    store.save_account(account("HelloBot"))
    client, calls = counted
    now = [1000.0]
    cache = CachedCredentials(ttl_seconds=60, client=client, clock=lambda: now[0])

    first = cache.account("HelloBot")
    now[0] += 59
    second = cache.account("hellobot")
    now[0] += 2
    third = cache.account("HelloBot")

    assert first == second == third
    assert calls == ["GetSecretValue", "GetSecretValue"]


def test_cache_fetches_only_missing_accounts(
    store: SecretsManagerAccountStore, counted: Any
) -> None:
    onboard_many(store, 3)
    client, calls = counted
    cache = CachedCredentials(ttl_seconds=60, client=client)
    cache.account("Bot0000")

    fleet = cache.accounts(["Bot0000", "Bot0001", "Bot0002"])

    assert sorted(fleet) == ["bot0000", "bot0001", "bot0002"]
    assert calls == ["GetSecretValue", "BatchGetSecretValue"]


def test_unreachable_secrets_manager_is_one_clear_error() -> None:
    client = unreachable_secrets_client()

    with pytest.raises(CredentialsError, match="not reachable"):
        load_accounts(["HelloBot"], client=client)


def test_stored_layout_loads_with_plain_boto3_in_three_lines(
    store: SecretsManagerAccountStore, aws: Any
) -> None:
    store.save_account(account("HelloBot"))

    # The README's "raw boto3" way, verbatim.
    creds = json.loads(
        aws.get_secret_value(SecretId="twitter-bots/accounts/hellobot")["SecretString"]
    )

    assert {k: creds[k] for k in ("consumer_key", "access_token")} == {
        "consumer_key": "ck",
        "access_token": "at-HelloBot",
    }
