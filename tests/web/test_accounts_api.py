"""The admin API for onboarded accounts, through the Lambda handler, moto and the X stand-in."""

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest

from app.adapters.secrets_manager import SecretsManagerAccountStore
from app.config import Settings
from app.sandbox.x_standin import Fault, XStandin
from birdhouse_client.layout import AccountSecret
from tests.support.admin_api import AdminApi, ApiAnswer
from tests.support.lambda_browser import LambdaBrowser
from tests.support.owner_flows import connect

SECRET_VALUES_THAT_MUST_NOT_SHOW = ("access_token", "access_token_secret", "consumer_secret")


@pytest.fixture
def api(browser: LambdaBrowser) -> AdminApi:
    return AdminApi(browser)


@pytest.fixture
def onboard(birdhouse: XStandin, browser: LambdaBrowser) -> Callable[[str], None]:
    def onboard(screen_name: str) -> None:
        page = connect(browser, invite_for=screen_name, log_in_as=screen_name)
        assert page.status == 200, page.body

    return onboard


def assert_no_token_in(answer: ApiAnswer, birdhouse: XStandin) -> None:
    text = json.dumps(answer.json)
    for secret in birdhouse.issued_secrets:
        assert secret not in text
    for key in SECRET_VALUES_THAT_MUST_NOT_SHOW:
        assert f'"{key}"' not in text


# --- listing and inspecting ------------------------------------------------------------------


def test_list_shows_every_account_without_tokens(
    birdhouse: XStandin, api: AdminApi, onboard: Callable[[str], None]
) -> None:
    onboard("HelloBot")
    onboard("OtherBot")

    answer = api.call("GET", "/accounts")

    assert answer.status == 200
    assert sorted(a["screen_name"] for a in answer.json["accounts"]) == ["HelloBot", "OtherBot"]
    first = answer.json["accounts"][0]
    assert set(first) == {
        "screen_name",
        "user_id",
        "authorized_at",
        "name_conflict",
        "status",
        "checked_at",
        "access_level",
        "kind",
        "expires_at",
        "reported_ok_at",
    }
    assert (first["kind"], first["expires_at"]) == ("oauth1", None)
    assert_no_token_in(answer, birdhouse)


def test_list_is_empty_before_any_onboarding(birdhouse: XStandin, api: AdminApi) -> None:
    assert api.call("GET", "/accounts").json == {"accounts": [], "next": None}


@pytest.mark.slow
def test_list_pages_through_hundreds_of_secrets(
    birdhouse: XStandin, api: AdminApi, aws: Any
) -> None:
    for n in range(230):
        aws.create_secret(
            Name=f"twitter-bots/accounts/bot{n:03d}",
            SecretString="{}",
            Tags=[
                {"Key": "birdhouse:screen_name", "Value": f"Bot{n:03d}"},
                {"Key": "birdhouse:user_id", "Value": str(n)},
                {"Key": "birdhouse:authorized_at", "Value": "2026-11-22T03:00:00+00:00"},
            ],
        )
    # ListSecrets' name filter is a case-insensitive prefix: neither of these is an account.
    aws.create_secret(Name="Twitter-Bots/accounts/shouty", SecretString="{}")
    aws.create_secret(Name="other-prefix/accounts/x", SecretString="{}")

    pages = [api.call("GET", "/accounts")]
    while pages[-1].json["next"]:
        pages.append(api.call("GET", "/accounts?" + urlencode({"next": pages[-1].json["next"]})))

    assert [len(page.json["accounts"]) for page in pages] == [100, 100, 30]
    names = [a["screen_name"] for page in pages for a in page.json["accounts"]]
    assert sorted(names) == [f"Bot{n:03d}" for n in range(230)]
    big = api.call("GET", "/accounts?" + urlencode({"limit": "1000"}))
    assert (len(big.json["accounts"]), big.json["next"]) == (230, None)
    found = api.call("GET", "/accounts?" + urlencode({"prefix": "bot12"})).json
    assert [a["screen_name"] for a in found["accounts"]] == [f"Bot{n}" for n in range(120, 130)]


@pytest.mark.parametrize(
    "query",
    [{"limit": "0"}, {"limit": "1001"}, {"prefix": "not a name"}, {"status": "dreaming"}],
)
def test_a_bad_page_request_is_refused_before_any_aws_call(
    birdhouse: XStandin, api: AdminApi, query: dict[str, str]
) -> None:
    assert api.call("GET", "/accounts?" + urlencode(query)).status == 422


def test_a_cursor_not_handed_out_or_for_other_filters_is_refused(
    birdhouse: XStandin, api: AdminApi, onboard: Callable[[str], None]
) -> None:
    for name in ("Alpha", "Bravo"):
        onboard(name)
    first = api.call("GET", "/accounts?" + urlencode({"limit": "1"})).json

    other_filters = api.call(
        "GET", "/accounts?" + urlencode({"limit": "1", "status": "ok", "next": first["next"]})
    )
    forged = api.call("GET", "/accounts?" + urlencode({"next": "bm90IGEgY3Vyc29y"}))

    assert (other_filters.status, other_filters.json["code"]) == (400, "bad_cursor")
    assert (forged.status, forged.json["code"]) == (400, "bad_cursor")
    rest = api.call("GET", "/accounts?" + urlencode({"limit": "1", "next": first["next"]})).json
    assert [a["screen_name"] for a in first["accounts"] + rest["accounts"]] in (
        ["Alpha", "Bravo"],
        ["Bravo", "Alpha"],
    )


def test_get_one_account_case_insensitively(
    birdhouse: XStandin, api: AdminApi, onboard: Callable[[str], None]
) -> None:
    onboard("HelloBot")

    answer = api.call("GET", "/accounts/HELLOBOT")

    assert answer.status == 200
    assert answer.json["screen_name"] == "HelloBot"
    assert answer.json["user_id"] == birdhouse.account("HelloBot").user_id
    assert_no_token_in(answer, birdhouse)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/accounts/NobodyHere"),
        ("POST", "/accounts/NobodyHere/verify"),
        ("POST", "/accounts/NobodyHere/test-tweet"),
        ("DELETE", "/accounts/NobodyHere"),
        ("POST", "/accounts/NobodyHere/restore"),
    ],
)
def test_unknown_account_is_404(birdhouse: XStandin, api: AdminApi, method: str, path: str) -> None:
    answer = api.call(method, path)

    assert answer.status == 404
    assert answer.json["code"] == "account_not_found"
    assert birdhouse.calls == []


@pytest.mark.parametrize("name", ["has-dash", "sixteen_chars_xx", "dot.name", "%F0%9F%90%A6"])
def test_invalid_screen_name_is_422_before_any_aws_call(
    app_secret_stored: Any, browser: LambdaBrowser, name: str
) -> None:
    # No moto accounts exist and no X is configured: only validation can answer.
    answer = AdminApi(browser).call("GET", f"/accounts/{name}")

    assert answer.status == 422


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/accounts"),
        ("GET", "/accounts/HelloBot"),
        ("POST", "/accounts/HelloBot/verify"),
        ("POST", "/accounts/HelloBot/test-tweet"),
        ("DELETE", "/accounts/HelloBot"),
        ("POST", "/accounts/HelloBot/restore"),
    ],
)
@pytest.mark.parametrize("token", [None, "wrong-token-of-some-length"])
def test_every_account_route_needs_the_admin_token(
    birdhouse: XStandin,
    browser: LambdaBrowser,
    aws: Any,
    method: str,
    path: str,
    token: str | None,
) -> None:
    SecretsManagerAccountStore(aws, secrets_prefix="twitter-bots").save_account(
        AccountSecret(
            screen_name="HelloBot",
            user_id="1",
            authorized_at="2026-11-22T03:00:00+00:00",
            consumer_key="ck",
            consumer_secret="cs",
            access_token="at",
            access_token_secret="ats",
        )
    )

    answer = AdminApi(browser, token=token).call(method, path)

    assert answer.status == 401
    assert answer.headers["www-authenticate"] == "Bearer"
    assert birdhouse.calls == []
    assert SecretsManagerAccountStore(aws, secrets_prefix="twitter-bots").describe_account(
        "HelloBot"
    )


# --- verify ------------------------------------------------------------------------------------


def test_verify_checks_the_token_at_x_without_posting(
    birdhouse: XStandin, api: AdminApi, onboard: Callable[[str], None]
) -> None:
    onboard("HelloBot")

    answer = api.call("POST", "/accounts/hellobot/verify")

    assert answer.status == 200
    assert answer.json["ok"] is True
    assert answer.json["renamed"] is False
    assert answer.json["screen_name"] == "HelloBot"
    assert answer.json["user_id"] == birdhouse.account("HelloBot").user_id
    assert birdhouse.calls_to("users_me") == [200]
    assert birdhouse.tweets == []


def test_verify_tells_the_operator_x_renamed_the_account(
    birdhouse: XStandin, api: AdminApi, onboard: Callable[[str], None]
) -> None:
    onboard("HelloBot")
    birdhouse.rename("HelloBot", "GoodbyeBot")

    answer = api.call("POST", "/accounts/HelloBot/verify")

    assert answer.status == 200
    assert answer.json["renamed"] is True
    assert answer.json["screen_name"] == "GoodbyeBot"
    assert answer.json["stored_screen_name"] == "HelloBot"
    assert "@GoodbyeBot" in answer.json["detail"]


# --- test tweet --------------------------------------------------------------------------------


def test_test_tweet_posts_a_unique_default_text(
    birdhouse: XStandin, api: AdminApi, onboard: Callable[[str], None]
) -> None:
    onboard("HelloBot")

    first = api.call("POST", "/accounts/HelloBot/test-tweet")
    second = api.call("POST", "/accounts/HelloBot/test-tweet")

    assert (first.status, second.status) == (201, 201)
    assert first.json["text"] != second.json["text"]
    assert "Birdhouse" in first.json["text"]
    assert first.json["url"] == f"https://x.com/HelloBot/status/{first.json['id']}"
    assert [t["text"] for t in birdhouse.tweets] == [first.json["text"], second.json["text"]]


def test_test_tweet_posts_the_given_text(
    birdhouse: XStandin, api: AdminApi, onboard: Callable[[str], None]
) -> None:
    onboard("HelloBot")

    answer = api.call("POST", "/accounts/HelloBot/test-tweet", {"text": "hello from the bot"})

    assert answer.status == 201
    assert birdhouse.tweets[-1]["text"] == "hello from the bot"


@pytest.mark.parametrize("body", [{"text": ""}, {"text": "x" * 281}, {"text": 5}])
def test_test_tweet_text_is_validated(
    birdhouse: XStandin, api: AdminApi, onboard: Callable[[str], None], body: Any
) -> None:
    onboard("HelloBot")

    assert api.call("POST", "/accounts/HelloBot/test-tweet", body).status == 422
    assert birdhouse.tweets == []


# --- X's refusals, translated ------------------------------------------------------------------


def test_revoked_token_says_onboard_again(
    birdhouse: XStandin, api: AdminApi, onboard: Callable[[str], None]
) -> None:
    onboard("HelloBot")
    birdhouse.revoke_all("HelloBot")

    answer = api.call("POST", "/accounts/HelloBot/verify")

    assert answer.status == 410
    assert answer.json["code"] == "token_revoked"
    assert "Onboard the account again" in answer.json["detail"]


def test_missing_write_permission_says_what_to_fix(
    birdhouse: XStandin, api: AdminApi, onboard: Callable[[str], None]
) -> None:
    onboard("HelloBot")
    birdhouse.account("HelloBot").can_write = False

    answer = api.call("POST", "/accounts/HelloBot/test-tweet")

    assert answer.status == 403
    assert answer.json["code"] == "missing_write_permission"
    assert "Read and write" in answer.json["detail"]


def test_duplicate_text_is_409(
    birdhouse: XStandin, api: AdminApi, onboard: Callable[[str], None]
) -> None:
    onboard("HelloBot")
    api.call("POST", "/accounts/HelloBot/test-tweet", {"text": "same words"})

    answer = api.call("POST", "/accounts/HelloBot/test-tweet", {"text": "same words"})

    assert answer.status == 409
    assert answer.json["code"] == "duplicate_content"


def test_rate_limit_is_429_with_retry_after(
    birdhouse: XStandin, api: AdminApi, onboard: Callable[[str], None]
) -> None:
    onboard("HelloBot")
    reset = int(time.time()) + 600
    birdhouse.fail_next(
        "tweets",
        Fault(
            status=429,
            body='{"title":"Too Many Requests","detail":"Too Many Requests"}',
            headers={"x-rate-limit-reset": str(reset)},
        ),
    )

    answer = api.call("POST", "/accounts/HelloBot/test-tweet")

    assert answer.status == 429
    assert answer.json["code"] == "rate_limited"
    assert 590 <= int(answer.headers["retry-after"]) <= 600


@pytest.mark.parametrize(
    ("fault", "status"),
    [
        pytest.param(Fault(status=500), 502, id="x-500"),
        pytest.param(Fault(status=503), 502, id="x-503"),
        pytest.param(Fault(status=201, body="not json"), 502, id="x-garbage"),
        pytest.param(Fault(status=201, body='{"errors": []}'), 502, id="x-no-data"),
        pytest.param(Fault(status=403, body='{"detail":"User is suspended."}'), 403, id="x-403"),
        pytest.param(Fault(status=400, body='{"detail":"Invalid Request"}'), 502, id="x-400"),
    ],
)
def test_x_failures_on_test_tweet_are_clear_json(
    birdhouse: XStandin, api: AdminApi, onboard: Callable[[str], None], fault: Fault, status: int
) -> None:
    onboard("HelloBot")
    birdhouse.fail_next("tweets", fault)

    answer = api.call("POST", "/accounts/HelloBot/test-tweet")

    assert answer.status == status
    assert answer.json["detail"]


@pytest.mark.slow
def test_x_too_slow_is_504(
    birdhouse: XStandin,
    api: AdminApi,
    onboard: Callable[[str], None],
    use_settings: Callable[..., Settings],
) -> None:
    onboard("HelloBot")
    use_settings(x_timeout_seconds=0.3)
    birdhouse.fail_next("users_me", Fault(status=200, delay_seconds=2))

    answer = api.call("POST", "/accounts/HelloBot/verify")

    assert answer.status == 504


# --- revoke and restore ------------------------------------------------------------------------


def test_delete_revokes_at_x_and_schedules_deletion(
    birdhouse: XStandin, api: AdminApi, onboard: Callable[[str], None], aws: Any
) -> None:
    onboard("HelloBot")

    answer = api.call("DELETE", "/accounts/HelloBot")

    assert answer.status == 200
    assert answer.json["revoked_at_x"] is True
    assert answer.json["recovery_window_days"] == 7
    deletion = datetime.fromisoformat(answer.json["deletion_date"])
    assert timedelta(days=6, hours=23) < deletion - datetime.now(UTC) <= timedelta(days=7)
    assert birdhouse.access_token_for("HelloBot") is None
    assert api.call("GET", "/accounts").json == {"accounts": [], "next": None}
    assert api.call("GET", "/accounts/HelloBot").status == 404
    assert "DeletedDate" in aws.describe_secret(SecretId="twitter-bots/accounts/hellobot")


def test_delete_takes_a_recovery_window(
    birdhouse: XStandin, api: AdminApi, onboard: Callable[[str], None]
) -> None:
    onboard("HelloBot")

    answer = api.call("DELETE", "/accounts/HelloBot?recovery_window_days=30")

    assert answer.json["recovery_window_days"] == 30


@pytest.mark.parametrize("days", ["6", "31", "soon"])
def test_delete_refuses_a_window_aws_would_refuse(
    birdhouse: XStandin, api: AdminApi, onboard: Callable[[str], None], days: str
) -> None:
    onboard("HelloBot")

    assert api.call("DELETE", f"/accounts/HelloBot?recovery_window_days={days}").status == 422
    assert api.call("GET", "/accounts/HelloBot").status == 200


def test_delete_when_x_is_unreachable_still_deletes_and_says_so(
    birdhouse: XStandin, api: AdminApi, onboard: Callable[[str], None]
) -> None:
    onboard("HelloBot")
    birdhouse.fail_next("invalidate_token", Fault(status=503))

    answer = api.call("DELETE", "/accounts/HelloBot")

    assert answer.status == 200
    assert answer.json["revoked_at_x"] is False
    assert "may still work" in answer.json["x_detail"]
    assert api.call("GET", "/accounts/HelloBot").status == 404


def test_delete_of_a_token_x_already_revoked(
    birdhouse: XStandin, api: AdminApi, onboard: Callable[[str], None]
) -> None:
    onboard("HelloBot")
    birdhouse.revoke_all("HelloBot")

    answer = api.call("DELETE", "/accounts/HelloBot")

    assert answer.status == 200
    assert answer.json["revoked_at_x"] is True
    assert "already revoked" in answer.json["x_detail"]


def test_restore_within_the_window_brings_the_account_back(
    birdhouse: XStandin, api: AdminApi, onboard: Callable[[str], None]
) -> None:
    onboard("HelloBot")
    api.call("DELETE", "/accounts/HelloBot")

    answer = api.call("POST", "/accounts/HelloBot/restore")

    assert answer.status == 200
    assert answer.json["screen_name"] == "HelloBot"
    assert [a["screen_name"] for a in api.call("GET", "/accounts").json["accounts"]] == ["HelloBot"]


def test_onboarding_again_after_delete_restores_with_new_tokens(
    birdhouse: XStandin, api: AdminApi, onboard: Callable[[str], None], aws: Any
) -> None:
    onboard("HelloBot")
    api.call("DELETE", "/accounts/HelloBot")

    onboard("HelloBot")

    assert api.call("POST", "/accounts/HelloBot/verify").status == 200
    assert "DeletedDate" not in aws.describe_secret(SecretId="twitter-bots/accounts/hellobot")
