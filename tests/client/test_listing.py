"""birdhouse_client.listing: the one listing of the accounts prefix, against moto."""

from typing import Any

from app.adapters.secrets_manager import SecretsManagerAccountStore
from birdhouse_client import account_statuses
from birdhouse_client.layout import AccountSecret
from birdhouse_client.listing import account_secrets, tag_dict


def account(screen_name: str, **overrides: str) -> AccountSecret:
    fields = {
        "screen_name": screen_name,
        "user_id": "1500000000000000001",
        "authorized_at": "2026-11-22T03:00:00+00:00",
        "consumer_key": "ck",
        "consumer_secret": "cs",
        "access_token": "at",
        "access_token_secret": "ats",
    }
    fields.update(overrides)
    return AccountSecret(**fields)


def names(entries: Any) -> list[str]:
    return sorted(entry["Name"] for entry in entries)


def test_live_and_deleted_accounts_are_listed_apart_and_only_under_the_exact_prefix(
    aws: Any,
) -> None:
    store = SecretsManagerAccountStore(aws, secrets_prefix="twitter-bots")
    store.save_account(account("LiveBot"))
    store.save_account(account("GoneBot"))
    aws.delete_secret(SecretId="twitter-bots/accounts/gonebot", RecoveryWindowInDays=7)
    aws.create_secret(Name="Twitter-Bots/accounts/shouty", SecretString="{}")
    aws.create_secret(Name="twitter-bots/app", SecretString="{}")

    live = account_secrets(aws, secrets_prefix="twitter-bots")
    deleted = account_secrets(aws, secrets_prefix="twitter-bots", scheduled_for_deletion=True)

    assert names(live) == ["twitter-bots/accounts/livebot"]
    assert names(deleted) == ["twitter-bots/accounts/gonebot"]


def test_a_revoked_account_is_listed_with_its_status_by_service_and_client_alike(
    aws: Any,
) -> None:
    store = SecretsManagerAccountStore(aws, secrets_prefix="twitter-bots")
    store.save_account(account("FineBot"))
    store.save_account(account("LeakyBot", user_id="1500000000000000002"))
    store.mark_revoked(account("LeakyBot", user_id="1500000000000000002"))

    service = {summary.screen_name: summary.status for summary in store.list_accounts()}

    assert service == {"FineBot": "ok", "LeakyBot": "revoked"}
    assert account_statuses(client=aws) == {"finebot": "ok", "leakybot": "revoked"}


def test_tags_read_as_a_dict() -> None:
    entry = {"Tags": [{"Key": "birdhouse:status", "Value": "ok"}, {"Key": "other"}]}

    assert tag_dict(entry) == {"birdhouse:status": "ok", "other": ""}
    assert tag_dict({}) == {}
