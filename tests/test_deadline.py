"""The request deadline: its arithmetic on an injected clock, the settings check of
X_TIMEOUT_SECONDS against the function timeout, and each upstream drawing from it (the X client
against the stand-in, Secrets Manager through the real boto3 client and its retry machinery)."""

import json
import time
from typing import Any

import boto3
import pytest
import requests
from pydantic import ValidationError

from app.adapters.secrets_manager import SECRETS_CLIENT_CONFIG, SecretsManagerAccountStore
from app.adapters.x_client import OAuth1XClient
from app.config import Settings
from app.core.deadline import Deadline, deadline_scope, lambda_deadline
from app.core.errors import StoreUnavailable, XTimeout
from app.sandbox.x_standin import Fault, XStandin
from tests.support.aws import aws_json_error
from tests.support.constants import CONSUMER_KEY, CONSUMER_SECRET
from tests.support.lambda_events import LambdaContext


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_deadline_counts_down_on_its_clock() -> None:
    clock = FakeClock()
    deadline = Deadline.after(5, clock=clock)

    clock.now += 3.5

    assert deadline.remaining() == pytest.approx(1.5)


def test_lambda_deadline_is_the_remaining_time_less_the_margin() -> None:
    clock = FakeClock()

    deadline = lambda_deadline(LambdaContext(26_000), margin_seconds=1.0, clock=clock)

    assert deadline is not None
    assert deadline.remaining() == pytest.approx(25.0, abs=0.01)


def test_no_deadline_outside_lambda() -> None:
    assert lambda_deadline(None, margin_seconds=1.0) is None


@pytest.mark.parametrize(
    ("x_timeout", "function_timeout", "ok"),
    [(25, 26, False), (14, 26, False), (13, 26, True), (8, 26, True), (25, None, True)],
)
def test_x_timeout_must_leave_room_for_the_write(
    x_timeout: float, function_timeout: float | None, ok: bool
) -> None:
    def build() -> Settings:
        return Settings(x_timeout_seconds=x_timeout, function_timeout_seconds=function_timeout)

    if ok:
        build()
        return
    with pytest.raises(ValidationError) as raised:
        build()
    message = str(raised.value)
    assert f"X_TIMEOUT_SECONDS={x_timeout}" in message
    assert "FUNCTION_TIMEOUT_SECONDS=26" in message
    assert "at most 13" in message


def test_function_timeout_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FUNCTION_TIMEOUT_SECONDS", "26")
    monkeypatch.setenv("X_TIMEOUT_SECONDS", "25")

    with pytest.raises(ValidationError):
        Settings()


# --- X -------------------------------------------------------------------------------------


@pytest.fixture
def x(x_standin: XStandin, x_url: str) -> OAuth1XClient:
    return OAuth1XClient(
        base_url=x_url,
        consumer_key=CONSUMER_KEY,
        consumer_secret=CONSUMER_SECRET,
        timeout_seconds=5,
    )


def test_an_x_call_is_not_started_without_time_for_it(
    x: OAuth1XClient, x_standin: XStandin
) -> None:
    with deadline_scope(Deadline.after(0.1)), pytest.raises(XTimeout, match="no time left"):
        x.fetch_request_token(callback_url="oob")

    assert x_standin.calls == []


def test_an_x_call_gets_what_the_deadline_leaves_not_its_whole_timeout(
    x: OAuth1XClient, x_standin: XStandin
) -> None:
    x_standin.fail_next("request_token", Fault(status=200, delay_seconds=3))

    started = time.monotonic()
    with deadline_scope(Deadline.after(0.5)), pytest.raises(XTimeout):
        x.fetch_request_token(callback_url="oob")

    assert 0.45 < time.monotonic() - started < 0.8  # the 5 s timeout did not apply


def test_a_trickling_x_is_cut_at_the_timeout(x_standin: XStandin, x_url: str) -> None:
    client = OAuth1XClient(
        base_url=x_url,
        consumer_key=CONSUMER_KEY,
        consumer_secret=CONSUMER_SECRET,
        timeout_seconds=0.4,
    )
    # Every byte 0.1 s apart: a per-read timeout of 0.4 s would wait for all 40.
    x_standin.fail_next("request_token", Fault(status=200, body="x" * 40, trickle_seconds=0.1))

    started = time.monotonic()
    with pytest.raises(XTimeout):
        client.fetch_request_token(callback_url="oob")

    assert time.monotonic() - started < 0.7


# --- Secrets Manager -------------------------------------------------------------------------


@pytest.fixture
def served_client(moto_server: str) -> Any:
    """The app's client settings, against moto over HTTP: retries and timeouts for real."""
    requests.post(f"{moto_server}/moto-api/reset", timeout=5)
    client = boto3.client(
        "secretsmanager",
        endpoint_url=moto_server,
        region_name="eu-west-1",
        aws_access_key_id="deadline",
        aws_secret_access_key="deadline",
        config=SECRETS_CLIENT_CONFIG,
    )
    return client


def count_sends(client: Any) -> list[str]:
    """Attempts that got past the deadline's check (appended to the same event: runs after)."""
    sent: list[str] = []
    client.meta.events.register("before-send", lambda **kwargs: sent.append("sent"))
    return sent


def throttle_every_attempt(client: Any) -> None:
    def refuse(request: Any, **_: Any) -> Any:
        return aws_json_error(request.url, "ThrottlingException")

    client.meta.events.register("before-send.secrets-manager", refuse)


def test_an_attempt_that_could_not_finish_is_not_started(served_client: Any) -> None:
    store = SecretsManagerAccountStore(served_client, secrets_prefix="twitter-bots")
    sent = count_sends(served_client)

    # An attempt may take 1 s to connect and 2 s to read: 2.5 s is not enough.
    with deadline_scope(Deadline.after(2.5)), pytest.raises(StoreUnavailable, match="no time left"):
        store.get_account("HelloBot")

    assert sent == []


def test_a_retry_that_could_not_finish_is_not_made(served_client: Any) -> None:
    store = SecretsManagerAccountStore(served_client, secrets_prefix="twitter-bots")
    throttle_every_attempt(served_client)
    sent = count_sends(served_client)

    # One attempt fits (3 s); a wait of up to 1 s and another attempt do not.
    started = time.monotonic()
    with (
        deadline_scope(Deadline.after(3.5)),
        pytest.raises(StoreUnavailable, match="ThrottlingException, and no time to try again"),
    ):
        store.get_account("HelloBot")

    assert sent == ["sent"]
    assert time.monotonic() - started < 0.5  # no backoff slept away


def test_without_a_deadline_nothing_changes(served_client: Any) -> None:
    store = SecretsManagerAccountStore(served_client, secrets_prefix="twitter-bots")
    sent = count_sends(served_client)

    assert store.get_account("HelloBot") is None
    assert sent == ["sent"]


# --- through the Lambda handler ------------------------------------------------------------


def test_the_admin_check_draws_from_the_deadline_too(
    birdhouse: XStandin, browser: Any, aws: Any
) -> None:
    # 2.5 s left less the 1 s margin: no Secrets Manager attempt (up to 3 s) may start, not
    # even the app secret's read for the admin check, which runs before the route.
    browser.remaining_ms = 2500

    page = browser.open(
        f"{browser.front_door.base_url}/accounts",
        headers={"Authorization": "Bearer whatever-token-0000"},
    )

    assert page.status == 503
    assert "no time left in this request" in json.loads(page.body)["detail"]
    assert "twitter-bots" not in json.loads(page.body)["detail"]


def test_an_owner_cut_short_by_the_deadline_gets_a_plain_page(
    birdhouse: XStandin, browser: Any, aws: Any
) -> None:
    browser.remaining_ms = 2500

    page = browser.open(f"{browser.front_door.base_url}/onboard?invite=anything")

    assert page.status == 503
    assert "Try again" in page.text
    assert "no time left" not in page.text  # the operator's words stay in the log
