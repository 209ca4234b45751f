"""Steps of the onboarding flow, as an operator and a bot owner take them."""

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

from app.adapters.x_client import OAuth1XClient
from app.core.x import AuthorizedAccount
from app.sandbox.x_standin import XStandin
from tests.support.constants import ADMIN_TOKEN, CONSUMER_KEY, CONSUMER_SECRET
from tests.support.lambda_browser import LambdaBrowser, Page, authorize_at_x


def mint_invite(
    browser: LambdaBrowser, *, screen_name: str | None = None, expires_in: int | None = None
) -> str:
    """POST /invites as the operator; return the onboarding link."""
    payload: dict[str, Any] = {}
    if screen_name is not None:
        payload["screen_name"] = screen_name
    if expires_in is not None:
        payload["expires_in"] = expires_in
    page = browser.open(
        f"{browser.front_door.base_url}/invites",
        method="POST",
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"},
        body=json.dumps(payload),
    )
    assert page.status == 201, page.body
    return str(json.loads(page.body)["url"])


def open_invite(browser: LambdaBrowser, invite_url: str) -> str:
    """The owner opens the link; return the X authorize URL Birdhouse redirected to."""
    page = browser.open(invite_url)
    assert page.status == 303, page.body
    return page.location


def connect(
    browser: LambdaBrowser, *, invite_for: str | None, log_in_as: str, action: str = "authorize"
) -> Page:
    """The whole flow: mint, open, act at X, land on the callback; return the final page."""
    authorize_url = open_invite(browser, mint_invite(browser, screen_name=invite_for))
    callback_url = authorize_at_x(authorize_url, screen_name=log_in_as, action=action)
    return browser.open(callback_url)


def oauth_token_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["oauth_token"][0]


def tokens_from_standin(x_standin: XStandin, x_url: str, screen_name: str) -> AuthorizedAccount:
    """Real, signature-checked tokens for an account, through the PIN (oob) flow."""
    x = OAuth1XClient(
        base_url=x_url,
        consumer_key=CONSUMER_KEY,
        consumer_secret=CONSUMER_SECRET,
        timeout_seconds=2,
    )
    request_token = x.fetch_request_token(callback_url="oob")
    callback = x_standin.approve(request_token.token, screen_name=screen_name)
    return x.fetch_access_token(
        request_token, verifier=parse_qs(urlsplit(callback).query)["oauth_verifier"][0]
    )
