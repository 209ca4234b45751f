"""The admin API's edges: bodies with unknown fields are refused, and every answer carries the
headers that keep bearer links and account details out of caches and sniffers."""

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import app
from app.sandbox.x_standin import XStandin
from tests.support.admin_api import AdminApi
from tests.support.lambda_browser import LambdaBrowser
from tests.support.owner_flows import connect


@pytest.fixture
def api(birdhouse: XStandin, browser: LambdaBrowser) -> AdminApi:
    return AdminApi(browser)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/invites", {"screenName": "HelloBot"}, "screenName"),
        ("/invites", {"screen_name": "HelloBot", "expires": 3600}, "expires"),
        ("/accounts/HelloBot/test-tweet", {"txt": "hello"}, "txt"),
    ],
)
def test_unknown_body_fields_are_refused_naming_the_field(
    api: AdminApi, browser: LambdaBrowser, aws: Any, path: str, body: dict[str, Any], field: str
) -> None:
    connect(browser, invite_for="HelloBot", log_in_as="HelloBot")

    answer = api.call("POST", path, body)

    assert answer.status == 422
    (error,) = answer.json["errors"]
    assert error["type"] == "extra_forbidden"
    assert error["loc"] == ["body", field]


def test_a_typo_no_longer_mints_a_link_for_any_account(api: AdminApi) -> None:
    answer = api.call("POST", "/invites", {"screenName": "HelloBot"})

    assert answer.status == 422
    assert "url" not in answer.json


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", "/invites", {"screen_name": "HelloBot"}, 201),
        ("GET", "/accounts", None, 200),
        ("GET", "/accounts/nobody", None, 404),
        ("POST", "/invites", {"bogus": 1}, 422),
    ],
)
def test_admin_json_is_never_cached_nor_sniffed_and_pins_https(
    api: AdminApi, method: str, path: str, body: Any, status: int
) -> None:
    answer = api.call(method, path, body)

    assert answer.status == status
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["strict-transport-security"] == "max-age=31536000"


def test_refused_admin_token_carries_the_same_headers(
    birdhouse: XStandin, browser: LambdaBrowser
) -> None:
    answer = AdminApi(browser, token="wrong-token-wrong-token").call("GET", "/accounts")

    assert answer.status == 401
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("path", ["/healthz", "/nope", "/onboard?invite=bad", "/"])
def test_every_answer_over_https_carries_hsts_and_nosniff(
    birdhouse: XStandin, browser: LambdaBrowser, path: str
) -> None:
    page = browser.open(f"{browser.front_door.base_url}{path}")

    assert page.headers["strict-transport-security"] == "max-age=31536000"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["cache-control"] == "no-store"


def test_plain_http_gets_no_hsts(birdhouse: XStandin) -> None:
    # make dev and make run serve plain HTTP on loopback: pinning HTTPS there would break them.
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        answer = client.get("/healthz")

    assert "strict-transport-security" not in answer.headers
    assert answer.headers["x-content-type-options"] == "nosniff"


def test_a_stranger_with_any_bearer_never_learns_the_app_secrets_name(
    browser: LambdaBrowser, aws: Any
) -> None:
    # No app secret stored: the admin check cannot read it.
    answer = AdminApi(browser, token="anything-anything-anything").call("GET", "/accounts")

    assert answer.status == 503
    assert answer.json["code"] == "app_secret_unavailable"
    assert "twitter-bots" not in json.dumps(answer.json)
    assert "ResourceNotFound" not in json.dumps(answer.json)
