"""Accounts scheduled for deletion: listed with the date they go for good, and a restore that
says whether X still accepts the token (deleting revoked it) and what to do."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.sandbox.x_standin import Fault, XStandin
from tests.support.admin_api import AdminApi
from tests.support.lambda_browser import LambdaBrowser
from tests.support.owner_flows import connect


@pytest.fixture
def api(birdhouse: XStandin, browser: LambdaBrowser, aws: Any) -> AdminApi:
    for name in ("HelloBot", "OtherBot"):
        assert connect(browser, invite_for=name, log_in_as=name).status == 200
    return AdminApi(browser)


def test_deleted_accounts_are_listed_with_their_deletion_date(api: AdminApi) -> None:
    removal = api.call("DELETE", "/accounts/HelloBot?recovery_window_days=10").json

    live = api.call("GET", "/accounts").json["accounts"]
    deleted = api.call("GET", "/accounts?deleted=true").json["accounts"]

    assert [a["screen_name"] for a in live] == ["OtherBot"]
    (entry,) = deleted
    assert entry["screen_name"] == "HelloBot"
    assert entry["restore"] == "POST /accounts/HelloBot/restore"
    listed = datetime.fromisoformat(entry["deletion_date"])
    exact = datetime.fromisoformat(removal["deletion_date"])
    assert abs(listed - exact) < timedelta(seconds=5)
    assert timedelta(days=9, hours=23) < listed - datetime.now(UTC) <= timedelta(days=10)
    assert not {"access_token", "access_token_secret"} & set(entry)


def test_an_account_deleted_outside_birdhouse_is_listed_without_a_date(
    api: AdminApi, aws: Any
) -> None:
    aws.delete_secret(SecretId="twitter-bots/accounts/otherbot", RecoveryWindowInDays=7)

    (entry,) = api.call("GET", "/accounts?deleted=true").json["accounts"]

    assert entry["screen_name"] == "OtherBot"
    assert entry["deletion_date"] is None


def test_restore_says_the_token_was_revoked_and_what_to_do(api: AdminApi) -> None:
    api.call("DELETE", "/accounts/HelloBot")

    answer = api.call("POST", "/accounts/HelloBot/restore")

    assert answer.status == 200
    assert answer.json["screen_name"] == "HelloBot"
    assert answer.json["token_works"] is False
    assert "revoked at X" in answer.json["detail"]
    assert "POST /invites" in answer.json["detail"]
    assert api.call("GET", "/accounts?deleted=true").json == {"accounts": []}


def test_restore_after_x_could_not_revoke_says_the_token_works(
    api: AdminApi, birdhouse: XStandin
) -> None:
    birdhouse.fail_next("invalidate_token", Fault(status=503))
    api.call("DELETE", "/accounts/HelloBot")

    answer = api.call("POST", "/accounts/HelloBot/restore")

    assert answer.json["token_works"] is True
    assert birdhouse.calls_to("users_me") == [200]


def test_restore_when_x_is_down_still_restores_and_says_to_verify(
    api: AdminApi, birdhouse: XStandin
) -> None:
    api.call("DELETE", "/accounts/HelloBot")
    birdhouse.fail_next("users_me", Fault(status=503))

    answer = api.call("POST", "/accounts/HelloBot/restore")

    assert answer.status == 200
    assert answer.json["token_works"] is None
    assert "POST /accounts/HelloBot/verify" in answer.json["detail"]
    assert [a["screen_name"] for a in api.call("GET", "/accounts").json["accounts"]] == [
        "HelloBot",
        "OtherBot",
    ]
