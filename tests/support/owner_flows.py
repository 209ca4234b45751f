"""Steps of the onboarding flow, as an operator and a bot owner take them."""

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from app.adapters.x_client import OAuth1XClient
from app.adapters.x_oauth2 import OAuth2XClient
from app.core.oauth2 import code_challenge
from app.core.x import AuthorizedAccount
from app.sandbox.x_standin import XStandin
from birdhouse_client.layout import OAuth2AccountSecret, utc_timestamp
from tests.support.constants import (
    ADMIN_TOKEN,
    CLIENT_ID,
    CLIENT_SECRET,
    CONSUMER_KEY,
    CONSUMER_SECRET,
)
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


def oauth2_account(standin: XStandin, x_url: str, screen_name: str) -> OAuth2AccountSecret:
    """An OAuth 2.0 account as onboarding stores it: a code, exchanged with PKCE."""
    verifier = "v" * 43
    callback = "https://birdhouse.example.com/callback"
    answer = standin.oauth2.approve(
        {
            "client_id": CLIENT_ID,
            "redirect_uri": callback,
            "code_challenge": code_challenge(verifier),
            "scope": "tweet.read tweet.write users.read offline.access",
            "state": "s",
        },
        screen_name=screen_name,
    )
    code = answer.rsplit("code=", 1)[1]
    client = OAuth2XClient(
        base_url=x_url,
        authorize_url=f"{x_url}/i/oauth2/authorize",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        scopes="tweet.read tweet.write users.read offline.access",
        timeout_seconds=5,
    )
    grant = client.exchange_code(code=code, redirect_uri=callback, code_verifier=verifier)
    user = standin.account(screen_name)
    return OAuth2AccountSecret(
        screen_name=screen_name,
        user_id=user.user_id,
        authorized_at=utc_timestamp(datetime.now(UTC)),
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        access_token=grant.access_token,
        refresh_token=grant.refresh_token,
        expires_at=utc_timestamp(grant.expires_at(datetime.now(UTC))),
        scopes=grant.scopes,
    )
