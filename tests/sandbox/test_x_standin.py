"""The X stand-in trusts no client: a wrong signature, secret, timestamp or nonce is refused.

If it accepted these, every flow test passing through it would prove nothing about signing.
"""

import time
from typing import Any

import pytest
import requests
from requests_oauthlib import OAuth1

from app.sandbox.x_standin import XStandin
from tests.support.constants import CONSUMER_KEY, CONSUMER_SECRET


def request_token(x_url: str, auth: Any) -> requests.Response:
    return requests.post(
        f"{x_url}/oauth/request_token",
        params={"x_auth_access_type": "write"},
        auth=auth,
        timeout=5,
    )


def callback_auth(**overrides: Any) -> OAuth1:
    arguments: dict[str, Any] = {
        "client_key": CONSUMER_KEY,
        "client_secret": CONSUMER_SECRET,
        "callback_uri": "https://birdhouse.example.com/callback",
    }
    arguments.update(overrides)
    return OAuth1(**arguments)


def test_correct_signature_gets_a_request_token(x_standin: XStandin, x_url: str) -> None:
    answer = request_token(x_url, callback_auth())

    assert answer.status_code == 200
    assert "oauth_callback_confirmed=true" in answer.text


@pytest.mark.parametrize(
    "auth",
    [
        pytest.param(callback_auth(client_secret="wrong-secret"), id="wrong-consumer-secret"),
        pytest.param(callback_auth(client_key="unknown-key"), id="unknown-consumer"),
        pytest.param(callback_auth(timestamp=str(int(time.time()) - 3600)), id="stale-timestamp"),
        pytest.param(callback_auth(signature_method="PLAINTEXT"), id="plaintext"),
        pytest.param(None, id="unsigned"),
    ],
)
def test_bad_signatures_are_refused(x_standin: XStandin, x_url: str, auth: Any) -> None:
    assert request_token(x_url, auth).status_code in (400, 401)


def test_parameters_changed_after_signing_are_refused(x_standin: XStandin, x_url: str) -> None:
    prepared = requests.Request(
        "POST",
        f"{x_url}/oauth/request_token",
        params={"x_auth_access_type": "write"},
        auth=callback_auth(),
    ).prepare()
    prepared.url = (prepared.url or "").replace("write", "read")

    assert requests.Session().send(prepared, timeout=5).status_code == 401


def test_replayed_nonce_is_refused(x_standin: XStandin, x_url: str) -> None:
    prepared = requests.Request(
        "POST", f"{x_url}/oauth/request_token", auth=callback_auth()
    ).prepare()
    session = requests.Session()

    assert session.send(prepared, timeout=5).status_code == 200
    assert session.send(prepared, timeout=5).status_code == 401


def test_access_token_needs_the_request_token_secret(x_standin: XStandin, x_url: str) -> None:
    fields = dict(pair.split("=") for pair in request_token(x_url, callback_auth()).text.split("&"))
    callback = x_standin.approve(fields["oauth_token"], screen_name="HelloBot")
    verifier = callback.split("oauth_verifier=")[1]

    wrong = requests.post(
        f"{x_url}/oauth/access_token",
        auth=OAuth1(
            CONSUMER_KEY,
            CONSUMER_SECRET,
            resource_owner_key=fields["oauth_token"],
            resource_owner_secret="not-the-request-token-secret",
            verifier=verifier,
        ),
        timeout=5,
    )

    assert wrong.status_code == 401


def test_sandbox_refuses_to_run_in_lambda(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "birdhouse-prod-api")

    with pytest.raises(RuntimeError, match="never Lambda"):
        XStandin(consumers={})
