"""What other OAuth 1.0a servers do differently, and Birdhouse takes in its stride: each habit
turned on in the signature-checking stand-in, through the Lambda handler."""

import json
from typing import Any

import pytest

from app.sandbox.x_standin import Fault, XStandin
from tests.support.lambda_browser import LambdaBrowser
from tests.support.owner_flows import connect, mint_invite


def stored_names(aws: Any) -> list[str]:
    return [s["Name"] for s in aws.list_secrets()["SecretList"] if "/accounts/" in s["Name"]]


@pytest.mark.parametrize("confirmed", ["True", "TRUE", "true"])
def test_callback_confirmed_is_compared_case_insensitively(
    birdhouse: XStandin, browser: LambdaBrowser, aws: Any, confirmed: str
) -> None:
    birdhouse.quirks.callback_confirmed = confirmed

    page = connect(browser, invite_for="HelloBot", log_in_as="HelloBot")

    assert page.status == 200
    assert "@HelloBot is connected" in page.text


def test_unconfirmed_callback_is_still_refused(birdhouse: XStandin, browser: LambdaBrowser) -> None:
    birdhouse.quirks.callback_confirmed = "false"

    page = browser.open(mint_invite(browser, screen_name="HelloBot"))

    assert page.status == 502
    assert "unexpected answer" in page.text


def test_error_access_denied_is_a_cancel(
    birdhouse: XStandin, browser: LambdaBrowser, aws: Any
) -> None:
    birdhouse.quirks.cancel_with_error = True

    page = connect(browser, invite_for="HelloBot", log_in_as="HelloBot", action="cancel")

    assert page.status == 200
    assert "Nothing was saved" in page.text
    assert "You cancelled" in page.text
    assert browser.cookies == {}  # the state cookie is cleared, as for ?denied=
    assert stored_names(aws) == []


def test_another_error_from_x_is_a_readable_refusal(
    birdhouse: XStandin, browser: LambdaBrowser, aws: Any
) -> None:
    page = browser.open(f"{browser.front_door.base_url}/callback?error=server_error")

    assert page.status == 400
    assert "X had a problem and ended the authorization." in page.text
    assert "Nothing was saved" in page.text


def test_access_token_without_user_asks_users_me(
    birdhouse: XStandin, browser: LambdaBrowser, aws: Any
) -> None:
    birdhouse.quirks.access_token_without_user = True

    page = connect(browser, invite_for="HelloBot", log_in_as="HelloBot")

    assert page.status == 200
    assert "@HelloBot is connected" in page.text
    assert birdhouse.calls_to("users_me") == [200]
    stored = json.loads(
        aws.get_secret_value(SecretId="twitter-bots/accounts/hellobot")["SecretString"]
    )
    assert stored["user_id"] == birdhouse.account("HelloBot").user_id
    assert stored["screen_name"] == "HelloBot"


def test_access_token_without_user_still_refuses_the_wrong_account(
    birdhouse: XStandin, browser: LambdaBrowser, aws: Any
) -> None:
    birdhouse.quirks.access_token_without_user = True

    page = connect(browser, invite_for="HelloBot", log_in_as="Personal")

    assert page.status == 403
    assert "you authorized @Personal" in page.text
    assert birdhouse.access_token_for("Personal") is None  # revoked
    assert stored_names(aws) == []


def test_when_users_me_fails_too_the_fresh_token_is_revoked(
    birdhouse: XStandin, browser: LambdaBrowser, aws: Any
) -> None:
    birdhouse.quirks.access_token_without_user = True
    birdhouse.fail_next("users_me", Fault(status=503))

    page = connect(browser, invite_for="HelloBot", log_in_as="HelloBot")

    assert page.status == 502
    assert birdhouse.calls_to("invalidate_token") == [200]
    assert birdhouse.access_token_for("HelloBot") is None
    assert stored_names(aws) == []
