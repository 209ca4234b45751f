"""The Secrets Manager store against moto: create, update, races, deletion, failures."""

import json
import threading
from dataclasses import replace
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from app.adapters.secrets_manager import SecretsManagerAccountStore
from app.core.accounts import SaveOutcome
from app.core.errors import StoreUnavailable
from birdhouse_client.layout import AccountSecret
from tests.support.aws import unreachable_secrets_client


def account(screen_name: str = "HelloBot", token: str = "at-1") -> AccountSecret:
    return AccountSecret(
        screen_name=screen_name,
        user_id="1500000000000000001",
        authorized_at="2026-11-22T03:00:00+00:00",
        consumer_key="ck",
        consumer_secret="cs",
        access_token=token,
        access_token_secret=f"{token}-secret",
    )


@pytest.fixture
def store(aws: Any) -> SecretsManagerAccountStore:
    return SecretsManagerAccountStore(aws, secrets_prefix="twitter-bots")


def test_secret_name_is_the_lower_case_screen_name(store: SecretsManagerAccountStore) -> None:
    assert store.account_secret_name("HelloBot") == "twitter-bots/accounts/hellobot"


def test_first_save_creates_and_second_updates(store: SecretsManagerAccountStore, aws: Any) -> None:
    assert store.save_account(account(token="at-1")) is SaveOutcome.CREATED
    assert store.save_account(account(token="at-2")) is SaveOutcome.UPDATED

    previous = aws.get_secret_value(
        SecretId="twitter-bots/accounts/hellobot", VersionStage="AWSPREVIOUS"
    )
    assert json.loads(previous["SecretString"])["access_token"] == "at-1"
    assert store.get_account("HELLOBOT") == account(token="at-2")


def test_stored_json_leads_with_the_four_keys_bot_jobs_use(
    store: SecretsManagerAccountStore, aws: Any
) -> None:
    store.save_account(account())

    stored = json.loads(
        aws.get_secret_value(SecretId="twitter-bots/accounts/hellobot")["SecretString"]
    )
    assert list(stored)[:4] == [
        "consumer_key",
        "consumer_secret",
        "access_token",
        "access_token_secret",
    ]


def test_unknown_account_is_none(store: SecretsManagerAccountStore) -> None:
    assert store.get_account("NobodyHere") is None


def test_concurrent_first_saves_end_in_one_secret(
    store: SecretsManagerAccountStore, aws: Any
) -> None:
    barrier = threading.Barrier(4)
    outcomes: list[SaveOutcome] = []

    def save(token: str) -> None:
        barrier.wait()
        outcomes.append(store.save_account(account(token=token)))

    threads = [threading.Thread(target=save, args=(f"at-{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count(SaveOutcome.CREATED) == 1
    assert len(outcomes) == 4
    names = [s["Name"] for s in aws.list_secrets()["SecretList"]]
    assert names == ["twitter-bots/accounts/hellobot"]
    assert store.get_account("hellobot") is not None


def test_save_after_losing_the_create_race_updates(
    store: SecretsManagerAccountStore, aws: Any
) -> None:
    # Another callback created the secret between our decision and our call.
    aws.create_secret(
        Name="twitter-bots/accounts/hellobot",
        SecretString=json.dumps(account("HelloBot", "x").as_secret_dict()),
    )

    assert store.save_account(account(token="at-mine")) is SaveOutcome.UPDATED
    assert store.get_account("HelloBot") == account(token="at-mine")


def test_saving_an_account_scheduled_for_deletion_restores_it(
    store: SecretsManagerAccountStore, aws: Any
) -> None:
    store.save_account(account(token="at-1"))
    aws.delete_secret(SecretId="twitter-bots/accounts/hellobot", RecoveryWindowInDays=7)

    assert store.save_account(account(token="at-2")) is SaveOutcome.UPDATED

    description = aws.describe_secret(SecretId="twitter-bots/accounts/hellobot")
    assert "DeletedDate" not in description
    assert store.get_account("hellobot") == account(token="at-2")


def test_throttling_becomes_store_unavailable(aws: Any) -> None:
    client = boto3.client("secretsmanager", region_name="eu-west-1")
    store = SecretsManagerAccountStore(client, secrets_prefix="twitter-bots")
    with Stubber(client) as stubber:
        stubber.add_client_error(
            "create_secret", service_error_code="ThrottlingException", http_status_code=400
        )
        with pytest.raises(StoreUnavailable, match="ThrottlingException"):
            store.save_account(account())


def test_unreachable_secrets_manager_becomes_store_unavailable() -> None:
    client = unreachable_secrets_client()
    store = SecretsManagerAccountStore(client, secrets_prefix="twitter-bots")

    with pytest.raises(StoreUnavailable, match="EndpointConnectionError"):
        store.get_account("HelloBot")


def test_account_secret_repr_shows_no_secret() -> None:
    shown = repr(account(token="at-very-secret"))

    assert "at-very-secret" not in shown
    assert "cs" not in shown.replace("consumer", "")
    assert "HelloBot" in shown


def test_respelled_screen_name_updates_the_tags(
    store: SecretsManagerAccountStore, aws: Any
) -> None:
    store.save_account(account("hellobot"))

    store.save_account(account("HelloBot"))

    tags = aws.describe_secret(SecretId="twitter-bots/accounts/hellobot")["Tags"]
    assert {"Key": "birdhouse:screen_name", "Value": "HelloBot"} in tags


def test_new_secrets_go_under_the_configured_kms_key(aws: Any) -> None:
    key_id = boto3.client("kms", region_name=aws.meta.region_name).create_key()["KeyMetadata"][
        "KeyId"
    ]
    store = SecretsManagerAccountStore(aws, secrets_prefix="twitter-bots", kms_key_id=key_id)

    store.save_account(account("HelloBot", "at"))

    assert aws.describe_secret(SecretId="twitter-bots/accounts/hellobot")["KmsKeyId"] == key_id


# --- security round 3: no working token outlives its name ---------------------------------


def _staged(aws: Any, name: str) -> list[str]:
    """The access tokens (or "no tokens") in the current and previous versions, restored."""
    secret_id = f"twitter-bots/accounts/{name}"
    found = []
    for stage in ("AWSCURRENT", "AWSPREVIOUS"):
        value = json.loads(
            aws.get_secret_value(SecretId=secret_id, VersionStage=stage)["SecretString"]
        )
        found.append(value.get("access_token", "no tokens"))
    return found


def test_a_moved_accounts_old_secret_keeps_no_token_in_any_stage(
    store: SecretsManagerAccountStore, aws: Any
) -> None:
    store.save_account(account("OldName", token="live-token"))
    store.save_account(account("NewName", token="live-token"))

    store.schedule_deletion("OldName", recovery_window_days=7, moved_to="NewName")
    aws.restore_secret(SecretId="twitter-bots/accounts/oldname")  # the console's Restore

    assert _staged(aws, "oldname") == ["no tokens", "no tokens"]
    assert store.get_account("OldName") is None  # a tombstone is no account


def test_another_user_who_takes_a_freed_name_inherits_no_trace_of_the_old_tokens(
    store: SecretsManagerAccountStore, aws: Any
) -> None:
    store.save_account(account("FreedName", token="old-bots-token"))
    store.schedule_deletion("FreedName", recovery_window_days=7)
    newcomer = replace(account("FreedName", token="newcomers-token"), user_id="99")

    store.save_account(newcomer)

    current, previous = _staged(aws, "freedname")
    assert current == "newcomers-token"
    assert previous == "no tokens"


def test_the_same_user_reconnecting_keeps_the_old_token_as_awsprevious(
    store: SecretsManagerAccountStore, aws: Any
) -> None:
    store.save_account(account(token="at-1"))
    store.schedule_deletion("HelloBot", recovery_window_days=7)

    store.save_account(account(token="at-2"))

    assert _staged(aws, "hellobot") == ["at-2", "at-1"]


def test_a_legacy_secret_without_the_user_id_tag_still_passes_no_tokens_on(
    store: SecretsManagerAccountStore, aws: Any
) -> None:
    store.save_account(account("FreedName", token="old-bots-token"))
    aws.untag_resource(SecretId="twitter-bots/accounts/freedname", TagKeys=["birdhouse:user_id"])
    store.schedule_deletion("FreedName", recovery_window_days=7)

    store.save_account(replace(account("FreedName", token="newcomers-token"), user_id="99"))

    assert _staged(aws, "freedname") == ["newcomers-token", "no tokens"]


def test_a_save_that_fails_after_restoring_a_deleted_secret_deletes_it_again(
    store: SecretsManagerAccountStore, aws: Any
) -> None:
    store.save_account(account("FreedName", token="old-bots-token"))
    store.schedule_deletion("FreedName", recovery_window_days=7)
    # Create is refused (scheduled for deletion), describe and restore reach moto; the put fails.
    real = aws.put_secret_value

    def failing_put(**_: Any) -> Any:
        raise aws.exceptions.InternalServiceError(
            {"Error": {"Code": "InternalServiceError", "Message": "boom"}}, "PutSecretValue"
        )

    aws.put_secret_value = failing_put
    try:
        with pytest.raises(StoreUnavailable):
            store.save_account(replace(account("FreedName", token="newcomers-token"), user_id="9"))
    finally:
        aws.put_secret_value = real

    assert "DeletedDate" in aws.describe_secret(SecretId="twitter-bots/accounts/freedname")
    assert store.get_account("FreedName") is None
