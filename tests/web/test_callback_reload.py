"""Reloading the success page (or a browser restoring the tab) says "connected" again, from a
signed note in the browser, without asking X or writing to Secrets Manager."""

from typing import Any

import pytest
from starlette.responses import Response

from app.sandbox.x_standin import XStandin
from app.web.onboarding_state import connected_before, set_done_cookie
from tests.support.constants import SIGNING_KEY
from tests.support.lambda_browser import LambdaBrowser, authorize_at_x
from tests.support.owner_flows import mint_invite, oauth_token_of, open_invite


def versions(aws: Any, name: str) -> dict[str, list[str]]:
    stages = aws.describe_secret(SecretId=f"twitter-bots/accounts/{name}")["VersionIdsToStages"]
    return dict(stages)


def test_reloading_the_success_page_shows_it_again_without_x_or_a_write(
    birdhouse: XStandin, front_door_browser: LambdaBrowser, aws: Any
) -> None:
    browser = front_door_browser
    callback_url = authorize_at_x(
        open_invite(browser, mint_invite(browser, screen_name="HelloBot")), screen_name="HelloBot"
    )
    first = browser.open(callback_url)
    calls_after_success, stored = list(birdhouse.calls), versions(aws, "hellobot")

    reloaded = browser.open(callback_url)

    assert first.status == reloaded.status == 200
    assert "@HelloBot is connected" in reloaded.text
    assert birdhouse.calls == calls_after_success  # X was not asked again
    assert versions(aws, "hellobot") == stored  # nothing written
    assert reloaded.set_cookies == []  # the note stays as it was


def test_the_done_note_is_locked_down_like_the_state_cookie(
    birdhouse: XStandin, front_door_browser: LambdaBrowser
) -> None:
    browser = front_door_browser
    authorize_url = open_invite(browser, mint_invite(browser, screen_name="HelloBot"))
    browser.open(authorize_at_x(authorize_url, screen_name="HelloBot"))

    (set_cookie,) = browser.pages[-1].set_cookies
    name, _, attributes = set_cookie.partition("=")
    assert name == f"bh_state_{oauth_token_of(authorize_url)}"
    lowered = attributes.lower()
    for attribute in ("httponly", "secure", "samesite=lax", "max-age=3600"):
        assert attribute in lowered
    assert f"path={browser.front_door.path_prefix}/callback;" in lowered + ";"


@pytest.mark.parametrize(
    ("cookie", "signing_key", "oauth_token"),
    [
        pytest.param(None, SIGNING_KEY, "tok", id="no-cookie"),
        pytest.param("garbage", SIGNING_KEY, "tok", id="not-signed"),
        pytest.param("NOTE", "another-deployments-key", "tok", id="other-key"),
        pytest.param("NOTE", SIGNING_KEY, "other-token", id="other-token"),
    ],
)
def test_only_a_genuine_note_for_this_token_is_believed(
    cookie: str | None, signing_key: str, oauth_token: str
) -> None:
    response = Response()
    set_done_cookie(
        response,
        oauth_token="tok",
        screen_name="HelloBot",
        signing_key=SIGNING_KEY,
        base_url="https://b.example.com",
    )
    note = response.headers["set-cookie"].split(";")[0].split("=", 1)[1]
    value = note if cookie == "NOTE" else cookie

    assert connected_before(value, oauth_token=oauth_token, signing_key=signing_key) is None
    assert connected_before(note, oauth_token="tok", signing_key=SIGNING_KEY) == "HelloBot"


def test_a_state_cookie_is_not_a_done_note(birdhouse: XStandin, browser: LambdaBrowser) -> None:
    authorize_url = open_invite(browser, mint_invite(browser))
    (state,) = browser.cookies.values()

    assert (
        connected_before(
            state.value, oauth_token=oauth_token_of(authorize_url), signing_key=SIGNING_KEY
        )
        is None
    )
