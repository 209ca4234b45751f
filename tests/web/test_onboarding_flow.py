"""The onboarding flow end to end through app.main:handler, moto, and the X stand-in."""

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

from app.sandbox.x_standin import XStandin
from tests.support.constants import CONSUMER_KEY, CONSUMER_SECRET
from tests.support.lambda_browser import LambdaBrowser, authorize_at_x
from tests.support.owner_flows import connect, mint_invite, oauth_token_of, open_invite


def account_secret(aws: Any, name: str, stage: str = "AWSCURRENT") -> dict[str, str]:
    answer = aws.get_secret_value(SecretId=f"twitter-bots/accounts/{name}", VersionStage=stage)
    return dict(json.loads(answer["SecretString"]))


def stored_account_names(aws: Any) -> list[str]:
    return sorted(s["Name"] for s in aws.list_secrets()["SecretList"] if "/accounts/" in s["Name"])


def test_owner_connects_the_invited_bot_behind_every_front_door(
    birdhouse: XStandin, front_door_browser: LambdaBrowser, aws: Any
) -> None:
    page = connect(front_door_browser, invite_for="HelloBot", log_in_as="HelloBot")

    assert page.status == 200
    assert "@HelloBot is connected" in page.text
    stored = account_secret(aws, "hellobot")
    access_token, access_token_secret = birdhouse.access_token_for("HelloBot") or ("", "")
    assert stored == {
        "consumer_key": CONSUMER_KEY,
        "consumer_secret": CONSUMER_SECRET,
        "access_token": access_token,
        "access_token_secret": access_token_secret,
        "screen_name": "HelloBot",
        "user_id": birdhouse.account("HelloBot").user_id,
        "authorized_at": stored["authorized_at"],
    }
    assert stored["authorized_at"].endswith("+00:00")


def test_callback_registered_at_x_is_the_public_callback_url(
    birdhouse: XStandin, front_door_browser: LambdaBrowser
) -> None:
    authorize_url = open_invite(front_door_browser, mint_invite(front_door_browser))
    callback_url = authorize_at_x(authorize_url, screen_name="AnyBot")

    assert callback_url.startswith(f"{front_door_browser.front_door.base_url}/callback?")


def test_invite_link_is_absolute_under_the_front_door(
    birdhouse: XStandin, front_door_browser: LambdaBrowser
) -> None:
    url = mint_invite(front_door_browser, screen_name="HelloBot")

    assert url.startswith(f"{front_door_browser.front_door.base_url}/onboard?invite=")


def test_authorize_url_forces_login_as_the_invited_bot(
    birdhouse: XStandin, browser: LambdaBrowser, x_url: str
) -> None:
    authorize_url = open_invite(browser, mint_invite(browser, screen_name="HelloBot"))

    assert authorize_url.startswith(f"{x_url}/oauth/authorize?")
    query = parse_qs(urlsplit(authorize_url).query)
    assert query["force_login"] == ["true"]
    assert query["screen_name"] == ["HelloBot"]


def test_invite_without_screen_name_accepts_any_account(
    birdhouse: XStandin, browser: LambdaBrowser, aws: Any
) -> None:
    authorize_url = open_invite(browser, mint_invite(browser))
    assert "screen_name" not in parse_qs(urlsplit(authorize_url).query)

    page = browser.open(authorize_at_x(authorize_url, screen_name="Whichever_Bot"))

    assert page.status == 200
    assert stored_account_names(aws) == ["twitter-bots/accounts/whichever_bot"]


def test_state_cookie_is_keyed_by_token_and_locked_down(
    birdhouse: XStandin, front_door_browser: LambdaBrowser
) -> None:
    authorize_url = open_invite(front_door_browser, mint_invite(front_door_browser))

    (set_cookie,) = front_door_browser.pages[-1].set_cookies
    name, _, attributes = set_cookie.partition("=")
    assert name == f"bh_state_{oauth_token_of(authorize_url)}"
    lowered = attributes.lower()
    for attribute in ("httponly", "secure", "samesite=lax", "max-age=900"):
        assert attribute in lowered
    assert f"path={front_door_browser.front_door.path_prefix}/callback" in lowered


def test_success_takes_the_request_token_secret_out_of_the_browser(
    birdhouse: XStandin, browser: LambdaBrowser
) -> None:
    connect(browser, invite_for="HelloBot", log_in_as="HelloBot")

    # One Set-Cookie: the state is overwritten by the "done" note (see test_callback_reload).
    (replaced,) = browser.pages[-1].set_cookies
    assert "max-age=3600" in replaced.lower()
    assert not any(secret in replaced for secret in birdhouse.issued_secrets)


def test_secret_is_tagged_with_who_when_and_how_it_was_found(
    birdhouse: XStandin, browser: LambdaBrowser, aws: Any
) -> None:
    connect(browser, invite_for="HelloBot", log_in_as="HelloBot")

    tags = aws.describe_secret(SecretId="twitter-bots/accounts/hellobot")["Tags"]
    authorized_at = account_secret(aws, "hellobot")["authorized_at"]
    assert {t["Key"]: t["Value"] for t in tags} == {
        "birdhouse:screen_name": "HelloBot",
        "birdhouse:user_id": birdhouse.account("HelloBot").user_id,
        "birdhouse:authorized_at": authorized_at,
        "birdhouse:status": "ok",
        "birdhouse:access_level": "read-write",  # X's x-access-level on the token exchange
        "birdhouse:checked_at": authorized_at,
    }


def test_a_read_only_token_is_connected_with_a_warning(
    birdhouse: XStandin, browser: LambdaBrowser, aws: Any
) -> None:
    birdhouse.account("ReaderBot").can_write = False

    page = connect(browser, invite_for="ReaderBot", log_in_as="ReaderBot")

    assert page.status == 200
    assert "may only read" in page.text
    assert "Read and write" in page.text
    tags = aws.describe_secret(SecretId="twitter-bots/accounts/readerbot")["Tags"]
    assert {"Key": "birdhouse:status", "Value": "read_only"} in tags


def test_reonboarding_keeps_previous_tokens_as_awsprevious(
    birdhouse: XStandin, browser: LambdaBrowser, aws: Any
) -> None:
    connect(browser, invite_for="HelloBot", log_in_as="HelloBot")
    first = account_secret(aws, "hellobot")
    # The owner revoked the app at X, so X issues new tokens next time.
    birdhouse.revoke_all("HelloBot")

    page = connect(browser, invite_for="hellobot", log_in_as="HelloBot")

    assert page.status == 200
    assert account_secret(aws, "hellobot", "AWSPREVIOUS") == first
    assert account_secret(aws, "hellobot")["access_token"] != first["access_token"]
    assert stored_account_names(aws) == ["twitter-bots/accounts/hellobot"]


def test_invite_screen_name_matches_case_insensitively(
    birdhouse: XStandin, browser: LambdaBrowser, aws: Any
) -> None:
    page = connect(browser, invite_for="hellobot", log_in_as="HelloBot")

    assert page.status == 200
    assert account_secret(aws, "hellobot")["screen_name"] == "HelloBot"


def test_two_tabs_onboarding_two_bots_do_not_clobber_each_other(
    birdhouse: XStandin, browser: LambdaBrowser, aws: Any
) -> None:
    first_tab = open_invite(browser, mint_invite(browser, screen_name="FirstBot"))
    second_tab = open_invite(browser, mint_invite(browser, screen_name="SecondBot"))

    second = browser.open(authorize_at_x(second_tab, screen_name="SecondBot"))
    first = browser.open(authorize_at_x(first_tab, screen_name="FirstBot"))

    assert (first.status, second.status) == (200, 200)
    assert stored_account_names(aws) == [
        "twitter-bots/accounts/firstbot",
        "twitter-bots/accounts/secondbot",
    ]


def test_cancel_at_x_saves_nothing(birdhouse: XStandin, browser: LambdaBrowser, aws: Any) -> None:
    page = connect(browser, invite_for="HelloBot", log_in_as="HelloBot", action="cancel")

    assert page.status == 200
    assert "Nothing was saved" in page.text
    assert stored_account_names(aws) == []
    assert browser.cookies == {}
    assert birdhouse.calls_to("access_token") == []


def test_wrong_account_is_refused_and_its_token_revoked(
    birdhouse: XStandin, browser: LambdaBrowser, aws: Any
) -> None:
    page = connect(browser, invite_for="HelloBot", log_in_as="OwnersAccount")

    assert page.status == 403
    assert "@HelloBot" in page.text
    assert "@OwnersAccount" in page.text
    assert "Nothing was saved" in page.text
    assert stored_account_names(aws) == []
    assert birdhouse.calls_to("invalidate_token") == [200]
    assert birdhouse.access_token_for("OwnersAccount") is None


def test_wrong_account_that_is_already_onboarded_keeps_its_token(
    birdhouse: XStandin, browser: LambdaBrowser, aws: Any
) -> None:
    connect(browser, invite_for="OtherBot", log_in_as="OtherBot")

    page = connect(browser, invite_for="HelloBot", log_in_as="OtherBot")

    assert page.status == 403
    assert birdhouse.calls_to("invalidate_token") == []
    assert birdhouse.access_token_for("OtherBot") is not None
    assert stored_account_names(aws) == ["twitter-bots/accounts/otherbot"]


def test_wrong_account_refusal_stands_when_x_cannot_revoke(
    birdhouse: XStandin, browser: LambdaBrowser, aws: Any
) -> None:
    birdhouse.fail_next("invalidate_token")

    page = connect(browser, invite_for="HelloBot", log_in_as="OwnersAccount")

    assert page.status == 403
    assert stored_account_names(aws) == []
