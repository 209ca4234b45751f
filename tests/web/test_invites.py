"""POST /invites: admin only, validated, and links that can't be forged or extended."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support.constants import ADMIN_TOKEN
from tests.support.lambda_browser import LambdaBrowser


def post_invite(
    browser: LambdaBrowser, body: Any, *, token: str | None = ADMIN_TOKEN
) -> tuple[int, dict[str, str], Any]:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    page = browser.open(
        f"{browser.front_door.base_url}/invites",
        method="POST",
        headers=headers,
        body=body if isinstance(body, str) else json.dumps(body),
    )
    return page.status, page.headers, json.loads(page.body)


def assert_expires_within(
    body: dict[str, Any], before: datetime, after: datetime, *, lifetime: timedelta
) -> None:
    # expires_at is whole seconds: the request may cross a second boundary after `before`.
    expires_at = datetime.fromisoformat(body["expires_at"])
    assert before.replace(microsecond=0) + lifetime <= expires_at <= after + lifetime


def test_invite_answers_201_with_url_expiry_and_screen_name(
    app_secret_stored: Any, browser: LambdaBrowser
) -> None:
    before = datetime.now(UTC)

    status, _headers, body = post_invite(browser, {"screen_name": "OptionalBot"})

    after = datetime.now(UTC)
    assert status == 201
    assert body["screen_name"] == "OptionalBot"
    assert body["url"].startswith(f"{browser.front_door.base_url}/onboard?invite=")
    assert_expires_within(body, before, after, lifetime=timedelta(days=7))


def test_invite_with_no_body_is_for_any_account(
    app_secret_stored: Any, browser: LambdaBrowser
) -> None:
    page = browser.open(
        f"{browser.front_door.base_url}/invites",
        method="POST",
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
    )

    assert page.status == 201
    assert json.loads(page.body)["screen_name"] is None


def test_invite_honours_expires_in(app_secret_stored: Any, browser: LambdaBrowser) -> None:
    before = datetime.now(UTC)

    _status, _headers, body = post_invite(browser, {"expires_in": 3600})

    assert_expires_within(body, before, datetime.now(UTC), lifetime=timedelta(hours=1))


@pytest.mark.parametrize(
    "body",
    [
        {"screen_name": "has space"},
        {"screen_name": "sixteen_chars_xx"},
        {"screen_name": ""},
        {"screen_name": "émoji"},
        {"screen_name": 42},
        {"expires_in": 10},
        {"expires_in": 31 * 24 * 3600},
        {"expires_in": "soon"},
        "not json",
        "[]",
    ],
)
def test_invalid_invite_requests_get_422(
    app_secret_stored: Any, browser: LambdaBrowser, body: Any
) -> None:
    status, _headers, answer = post_invite(browser, body)

    assert status == 422
    assert answer["code"] == "invalid_request"
    assert isinstance(answer["detail"], str)
    assert isinstance(answer["errors"], list)  # each invalid field, as the schema declares


@pytest.mark.parametrize(
    "token", [None, "", "wrong-admin-token", ADMIN_TOKEN[:-1], ADMIN_TOKEN + "x"]
)
def test_invites_need_the_admin_token(
    app_secret_stored: Any, browser: LambdaBrowser, token: str | None
) -> None:
    status, headers, body = post_invite(browser, {}, token=token)

    assert status == 401
    assert headers["www-authenticate"] == "Bearer"
    assert "url" not in body


def test_basic_auth_is_not_an_admin_token(app_secret_stored: Any, browser: LambdaBrowser) -> None:
    page = browser.open(
        f"{browser.front_door.base_url}/invites",
        method="POST",
        headers={"Authorization": f"Basic {ADMIN_TOKEN}"},
    )

    assert page.status == 401


def test_public_base_url_setting_wins(
    app_secret_stored: Any, browser: LambdaBrowser, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://birdhouse.example.com/")

    _status, _headers, body = post_invite(browser, {})

    assert body["url"].startswith("https://birdhouse.example.com/onboard?invite=")
