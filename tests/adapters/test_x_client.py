"""The requests-oauthlib X client against the signature-verifying stand-in."""

import pytest

from app.adapters.x_client import OAuth1XClient
from app.core.errors import XBadResponse, XRejected, XTimeout, XUnavailable
from app.sandbox.x_standin import Fault, XStandin
from tests.support.constants import CONSUMER_KEY, CONSUMER_SECRET
from tests.support.owner_flows import tokens_from_standin


def client(
    x_url: str, *, consumer_secret: str = CONSUMER_SECRET, timeout: float = 2
) -> OAuth1XClient:
    return OAuth1XClient(
        base_url=x_url,
        consumer_key=CONSUMER_KEY,
        consumer_secret=consumer_secret,
        timeout_seconds=timeout,
    )


def test_full_exchange_yields_the_accounts_tokens(x_standin: XStandin, x_url: str) -> None:
    x = client(x_url)
    request_token = x.fetch_request_token(callback_url="https://b.example.com/callback")
    callback = x_standin.approve(request_token.token, screen_name="HelloBot")
    verifier = callback.split("oauth_verifier=")[1]

    access = x.fetch_access_token(request_token, verifier=verifier)

    assert (access.tokens.token, access.tokens.secret) == x_standin.access_token_for("HelloBot")
    assert access.screen_name == "HelloBot"
    assert access.user_id == x_standin.account("HelloBot").user_id


def test_invalidate_revokes_the_token(x_standin: XStandin, x_url: str) -> None:
    access = tokens_from_standin(x_standin, x_url, "HelloBot")

    client(x_url).invalidate_token(access.tokens)

    assert x_standin.access_token_for("HelloBot") is None


def test_authorize_url_carries_force_login_and_screen_name(x_url: str) -> None:
    url = client(x_url).authorize_url(oauth_token="tok", screen_name="HelloBot")

    assert url == f"{x_url}/oauth/authorize?oauth_token=tok&force_login=true&screen_name=HelloBot"


def test_wrong_consumer_secret_is_rejected_with_xs_status(x_standin: XStandin, x_url: str) -> None:
    with pytest.raises(XRejected) as raised:
        client(x_url, consumer_secret="wrong").fetch_request_token(callback_url="https://b/cb")

    assert raised.value.x_status == 401


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (Fault(status=500), XUnavailable),
        (Fault(status=503), XUnavailable),
        (Fault(status=429, headers={"x-rate-limit-reset": "1795320000"}), XRejected),
        (Fault(status=200, body="\x00\xff garbage"), XBadResponse),
        (Fault(status=200, body="<html>"), XBadResponse),
    ],
)
def test_x_failures_become_our_errors(
    x_standin: XStandin, x_url: str, fault: Fault, error: type[Exception]
) -> None:
    x_standin.fail_next("request_token", fault)

    with pytest.raises(error):
        client(x_url).fetch_request_token(callback_url="https://b.example.com/callback")


@pytest.mark.slow
def test_slow_x_times_out(x_standin: XStandin, x_url: str) -> None:
    x_standin.fail_next("request_token", Fault(status=200, delay_seconds=2))

    with pytest.raises(XTimeout):
        client(x_url, timeout=0.2).fetch_request_token(callback_url="https://b.example.com/cb")


def test_client_repr_shows_no_secret(x_url: str) -> None:
    assert CONSUMER_SECRET not in repr(client(x_url))
