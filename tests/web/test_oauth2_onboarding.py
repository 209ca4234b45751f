"""OAuth 2.0 onboarding on the same link and the same callback, through app.main:handler,
moto and the X stand-in's OAuth 2.0 (PKCE S256, Basic client auth, rotating refresh tokens)."""

import json
import logging
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from app.sandbox.x_standin import XStandin
from birdhouse_client import load_account, tweepy_client
from birdhouse_client.layout import OAuth2AccountSecret
from tests.support.admin_api import AdminApi
from tests.support.constants import (
    CLIENT_ID,
)
from tests.support.lambda_browser import LambdaBrowser, Page, authorize_at_x_oauth2
from tests.support.owner_flows import open_invite

SCOPES = "tweet.read tweet.write users.read offline.access"


def mint(browser: LambdaBrowser, **fields: Any) -> dict[str, Any]:
    answer = AdminApi(browser).call("POST", "/invites", {"auth": "oauth2", **fields})
    assert answer.status == 201, answer.json
    return dict(answer.json)


def connect2(browser: LambdaBrowser, *, invite_for: str | None, log_in_as: str) -> Page:
    authorize_url = open_invite(browser, mint(browser, screen_name=invite_for)["url"])
    return browser.open(authorize_at_x_oauth2(authorize_url, screen_name=log_in_as))


def account_names(aws: Any) -> list[str]:
    return [s["Name"] for s in aws.list_secrets()["SecretList"] if "/accounts/" in s["Name"]]


def secret_of(aws: Any, name: str) -> dict[str, str]:
    answer = aws.get_secret_value(SecretId=f"twitter-bots/accounts/{name}")
    return dict(json.loads(answer["SecretString"]))


def test_an_oauth2_invite_sends_the_owner_to_xs_oauth2_page_with_pkce(
    x2: XStandin, browser: LambdaBrowser, x_url: str
) -> None:
    invite = mint(browser, screen_name="HelloBot")
    assert invite["auth"] == "oauth2"

    authorize_url = open_invite(browser, invite["url"])

    assert authorize_url.startswith(f"{x_url}/i/oauth2/authorize?")
    query = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
    assert query["response_type"] == "code"
    assert query["client_id"] == CLIENT_ID
    assert query["redirect_uri"] == f"{browser.front_door.base_url}/callback"
    assert query["scope"] == SCOPES
    assert query["code_challenge_method"] == "S256"
    assert len(query["code_challenge"]) == 43
    # The state names this browser's cookie, as the OAuth 1.0a request token does.
    assert f"bh_state_{query['state']}" in browser.cookies


def test_owner_connects_an_oauth2_bot_and_it_posts(
    x2: XStandin, browser: LambdaBrowser, aws: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    page = connect2(browser, invite_for="HelloBot", log_in_as="HelloBot")

    assert page.status == 200, page.text
    assert "@HelloBot is connected" in page.text
    stored = secret_of(aws, "hellobot")
    assert stored["kind"] == "oauth2"
    assert set(stored) == {
        "kind", "client_id", "client_secret", "access_token", "refresh_token", "expires_at",
        "scopes", "screen_name", "user_id", "authorized_at",
    }  # fmt: skip
    assert stored["scopes"] == SCOPES
    assert stored["user_id"] == x2.account("HelloBot").user_id
    assert "verifier" not in json.dumps(stored)
    tags = {
        t["Key"]: t["Value"]
        for t in aws.describe_secret(SecretId="twitter-bots/accounts/hellobot")["Tags"]
    }
    assert tags["birdhouse:kind"] == "oauth2"

    posted = AdminApi(browser).call("POST", "/accounts/HelloBot/test-tweet", {"text": "hi"})
    assert posted.status == 201, posted.json
    assert x2.tweets[-1]["text"] == "hi"

    bot = load_account("HelloBot", client=aws)
    assert isinstance(bot, OAuth2AccountSecret)
    assert bot.kind == "oauth2"
    assert bot.credentials() == {"bearer_token": stored["access_token"]}
    client = tweepy_client("HelloBot", client=aws)
    assert client.bearer_token == stored["access_token"]

    logged = caplog.text + page.text
    assert not [token for token in x2.oauth2.record.issued if token in logged]


def test_the_verifier_is_never_stored_nor_sent_but_to_x(
    x2: XStandin, browser: LambdaBrowser, aws: Any
) -> None:
    authorize_url = open_invite(browser, mint(browser)["url"])
    cookie = next(c for name, c in browser.cookies.items() if name.startswith("bh_state_"))

    callback = authorize_at_x_oauth2(authorize_url, screen_name="AnyBot")
    page = browser.open(callback)

    assert page.status == 200
    # The cookie names whom the invite wants and which key derives the verifier: a verifier
    # would hash to the challenge, and nothing in the cookie does.
    from app.core.oauth2 import code_challenge

    challenge = parse_qs(urlsplit(authorize_url).query)["code_challenge"][0]
    pieces = cookie.value.replace(".", " ").replace("-", " ").replace("_", " ").split()
    assert all(code_challenge(piece) != challenge for piece in pieces)
    assert "verifier" not in json.dumps(secret_of(aws, "anybot"))


def test_cancel_at_x_saves_nothing(x2: XStandin, browser: LambdaBrowser, aws: Any) -> None:
    authorize_url = open_invite(browser, mint(browser, screen_name="HelloBot")["url"])

    page = browser.open(authorize_at_x_oauth2(authorize_url, screen_name="x", action="cancel"))

    assert page.status == 200
    assert "Nothing was saved" in page.text
    assert account_names(aws) == []


def test_a_callback_from_another_browser_or_with_a_bad_code_is_refused(
    x2: XStandin, browser: LambdaBrowser, handler: Any
) -> None:
    authorize_url = open_invite(browser, mint(browser, screen_name="HelloBot")["url"])
    callback = authorize_at_x_oauth2(authorize_url, screen_name="HelloBot")

    elsewhere = LambdaBrowser(handler, browser.front_door).open(callback)
    assert elsewhere.status == 400
    assert "no authorization in progress" in elsewhere.text

    state = parse_qs(urlsplit(callback).query)["state"][0]
    forged = browser.open(f"{browser.front_door.base_url}/callback?state={state}&code=forged")
    assert forged.status == 400
    assert "X did not accept this authorization" in forged.text
    assert "text/html" in forged.headers["content-type"]


def test_the_wrong_account_is_refused_and_its_tokens_revoked(
    x2: XStandin, browser: LambdaBrowser, aws: Any
) -> None:
    page = connect2(browser, invite_for="HelloBot", log_in_as="OtherBot")

    assert page.status == 403
    assert "Wrong account" in page.text
    assert account_names(aws) == []
    assert x2.calls_to("oauth2_revoke") == [200, 200]


def test_an_invite_is_used_once_and_a_reload_says_connected_again(
    x2: XStandin, browser: LambdaBrowser
) -> None:
    invite_url = mint(browser, screen_name="HelloBot")["url"]
    callback = authorize_at_x_oauth2(open_invite(browser, invite_url), screen_name="HelloBot")
    assert browser.open(callback).status == 200
    exchanges = len(x2.calls_to("oauth2_token"))

    again = browser.open(callback)
    reopened = browser.open(invite_url)

    assert again.status == 200
    assert "@HelloBot is connected" in again.text
    assert len(x2.calls_to("oauth2_token")) == exchanges  # X is not asked again
    assert reopened.status == 409
    assert "already used to connect @HelloBot" in reopened.text


def test_an_oauth2_invite_without_a_client_in_the_app_secret_is_refused(
    birdhouse: XStandin, browser: LambdaBrowser
) -> None:
    answer = AdminApi(browser).call("POST", "/invites", {"auth": "oauth2"})

    assert answer.status == 409
    assert answer.json["code"] == "oauth2_not_configured"


def test_the_refresher_calls_exactly_what_its_role_grants(
    x2: XStandin, aws: Any, x_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every AWS call a refresher run makes (a refresh, and a rejected one's report and
    re-invite), as IAM actions, is its role's row in the template check."""
    from dataclasses import replace
    from datetime import UTC, datetime, timedelta

    from botocore.client import BaseClient

    from app.adapters.secrets_manager import SecretsManagerAccountStore
    from app.refresher import run_refresher
    from birdhouse_client.layout import utc_timestamp
    from infra.check_package import ROLE_ACTIONS
    from tests.support.owner_flows import oauth2_account

    store = SecretsManagerAccountStore(aws, secrets_prefix="twitter-bots")
    soon = utc_timestamp(datetime.now(UTC) + timedelta(minutes=10))
    due = oauth2_account(x2, x_url, "DueBot")
    dead = oauth2_account(x2, x_url, "DeadBot")
    store.save_account(replace(due, expires_at=soon))
    store.save_account(replace(dead, expires_at=soon))
    x2.oauth2._refresh[dead.refresh_token].family.revoked = True  # the owner revoked the app

    called: set[str] = set()
    make_api_call = vars(BaseClient)["_make_api_call"]

    def recording(client: Any, operation: str, params: Any) -> Any:
        called.add(f"{client.meta.service_model.signing_name}:{operation}")
        return make_api_call(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", recording)

    report = run_refresher()

    assert (report.refreshed, report.failed) == (1, {"DeadBot": "refresh_rejected"})
    granted = set(ROLE_ACTIONS["app.refresher.handler"])
    assert called == granted - {a for a in granted if a.startswith(("logs:", "kms:"))}
