"""Failing dependencies: a clear answer, nothing stored or half-written, nothing leaked.

Secrets Manager faults are injected at botocore's transport (the real client, retries and
parser run); X's at the stand-in.
"""

import asyncio
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
import requests
from botocore.exceptions import EndpointConnectionError

from app.adapters.invite_ledger import create_invites_table
from app.adapters.secrets_manager import (
    SECRETS_CLIENT_CONFIG,
    SecretsManagerAccountStore,
    SecretsManagerAppSecret,
)
from app.config import Settings
from app.main import app
from app.sandbox.x_standin import Fault, XStandin
from app.web.deps import get_app_secret_source, get_store
from tests.support.admin_api import AdminApi
from tests.support.aws import BackoffClock, aws_json_error, unreachable_secrets_client
from tests.support.constants import INVITES_TABLE
from tests.support.lambda_browser import FRONT_DOORS, LambdaBrowser, authorize_at_x
from tests.support.lambda_events import REGION
from tests.support.owner_flows import connect, mint_invite, open_invite


@pytest.fixture
def served_secrets_manager(
    moto_server: str, birdhouse: XStandin, app_secret_stored: dict[str, str]
) -> Iterator[Any]:
    """The app on a moto server over HTTP, with its own client settings (timeouts, retries).

    Injected answers must replace the network call: in-process moto would still act on a
    request whose answer a test replaced, since botocore runs every before-send handler.
    """
    requests.post(f"{moto_server}/moto-api/reset", timeout=5)
    # The server shares moto's backends with this process: the reset emptied the ledger too.
    create_invites_table(boto3.client("dynamodb", region_name=REGION), INVITES_TABLE)
    client = boto3.client(
        "secretsmanager",
        endpoint_url=moto_server,
        region_name="eu-west-1",
        aws_access_key_id="faults",
        aws_secret_access_key="faults",
        config=SECRETS_CLIENT_CONFIG,
    )
    client.create_secret(Name="twitter-bots/app", SecretString=json.dumps(app_secret_stored))
    app.dependency_overrides[get_store] = lambda: SecretsManagerAccountStore(
        client, secrets_prefix="twitter-bots"
    )
    app.dependency_overrides[get_app_secret_source] = lambda: SecretsManagerAppSecret(client)
    yield client
    app.dependency_overrides.clear()


@contextmanager
def secrets_manager_refuses(
    client: Any, operation: str, code: str, *, times: int
) -> Iterator[list[str]]:
    """`client` gets `code` for its next `times` `operation` calls; yields the attempts."""
    attempts: list[str] = []

    def refuse(request: Any, **_: Any) -> Any:
        attempts.append(operation)
        if len(attempts) > times:
            return None  # on to moto
        return aws_json_error(request.url, code)

    event = f"before-send.secrets-manager.{operation}"
    client.meta.events.register_first(event, refuse)
    try:
        yield attempts
    finally:
        client.meta.events.unregister(event, refuse)


@contextmanager
def secrets_manager_answer_lost(client: Any, operation: str) -> Iterator[None]:
    """The write reaches Secrets Manager, then the connection drops before we hear back."""

    def drop(**_: Any) -> None:
        raise EndpointConnectionError(endpoint_url="https://secretsmanager.eu-west-1.amazonaws.com")

    event = f"after-call.secrets-manager.{operation}"
    client.meta.events.register_first(event, drop)
    try:
        yield
    finally:
        client.meta.events.unregister(event, drop)


def stored_accounts(aws: Any) -> list[str]:
    return [s["Name"] for s in aws.list_secrets()["SecretList"] if "/accounts/" in s["Name"]]


def account_secret(aws: Any, name: str) -> dict[str, str]:
    return dict(
        json.loads(aws.get_secret_value(SecretId=f"twitter-bots/accounts/{name}")["SecretString"])
    )


# --- Secrets Manager throttling and outages ----------------------------------------------------


def test_throttled_write_is_retried_with_backoff_and_succeeds(
    served_secrets_manager: Any, browser: LambdaBrowser, aws_backoff: BackoffClock
) -> None:
    client = served_secrets_manager
    with secrets_manager_refuses(client, "CreateSecret", "ThrottlingException", times=2) as tries:
        page = connect(browser, invite_for="HelloBot", log_in_as="HelloBot")

    assert page.status == 200
    assert tries == ["CreateSecret"] * 3
    assert len(aws_backoff.waits) == 2  # botocore waited before each retry
    assert stored_accounts(client) == ["twitter-bots/accounts/hellobot"]


def test_throttling_that_persists_ends_in_a_clear_503(
    served_secrets_manager: Any, browser: LambdaBrowser, aws_backoff: BackoffClock
) -> None:
    client = served_secrets_manager
    with secrets_manager_refuses(client, "CreateSecret", "ThrottlingException", times=99) as tries:
        page = connect(browser, invite_for="HelloBot", log_in_as="HelloBot")

    assert page.status == 503
    assert "not connected yet" in page.text
    assert tries == ["CreateSecret"] * 3  # the app's client: three tries in all, then give up
    assert len(aws_backoff.waits) == 2
    assert stored_accounts(client) == []


def test_throttled_admin_listing_is_503_json(
    served_secrets_manager: Any, browser: LambdaBrowser, aws_backoff: BackoffClock
) -> None:
    with secrets_manager_refuses(
        served_secrets_manager, "ListSecrets", "ThrottlingException", times=99
    ):
        answer = AdminApi(browser).call("GET", "/accounts")

    assert answer.status == 503
    assert "ThrottlingException" in answer.json["detail"]
    assert aws_backoff.waits  # retried, with backoff, before giving up


@pytest.fixture
def unreachable_secrets_manager(aws: Any) -> Iterator[None]:
    nowhere = unreachable_secrets_client()
    app.dependency_overrides[get_store] = lambda: SecretsManagerAccountStore(
        nowhere, secrets_prefix="twitter-bots"
    )
    app.dependency_overrides[get_app_secret_source] = lambda: SecretsManagerAppSecret(nowhere)
    yield
    app.dependency_overrides.clear()


def test_unreachable_secrets_manager_is_503_for_the_owner_and_the_operator(
    x_standin: XStandin, unreachable_secrets_manager: None, browser: LambdaBrowser
) -> None:
    owner = browser

    page = owner.open(f"{owner.front_door.base_url}/onboard?invite=anything")
    answer = AdminApi(owner).call("GET", "/accounts")

    assert page.status == 503
    assert page.headers["content-type"].startswith("text/html")
    assert answer.status == 503
    # The operator's bearer is not checked yet: the answer names no secret and no AWS error
    # (the service's log does).
    assert answer.json["code"] == "app_secret_unavailable"
    assert "twitter-bots" not in answer.json["detail"]
    assert x_standin.calls == []


# --- X failing at the third OAuth step (revoking the wrong account's token) --------------------


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param(Fault(status=500), id="x-5xx"),
        pytest.param(Fault(status=200, body="<html>", content_type="text/html"), id="x-garbage"),
        pytest.param(Fault(status=200, delay_seconds=2), id="x-slow", marks=pytest.mark.slow),
    ],
)
def test_x_failing_to_revoke_leaves_the_refusal_standing(
    birdhouse: XStandin,
    browser: LambdaBrowser,
    aws: Any,
    fault: Fault,
    use_settings: Callable[..., Settings],
) -> None:
    # Long enough for the calls before it on a loaded machine; short of the slow fault's 2 s.
    use_settings(x_timeout_seconds=1.0)
    birdhouse.fail_next("invalidate_token", fault)

    started = time.monotonic()
    page = connect(browser, invite_for="HelloBot", log_in_as="WrongBot")

    assert page.status == 403
    assert time.monotonic() - started < 5
    assert stored_accounts(aws) == []


# --- a crash between X's answer and the store write ---------------------------------------------


def test_crash_before_the_write_stores_nothing_and_a_retry_works(
    birdhouse: XStandin, browser: LambdaBrowser, aws: Any
) -> None:
    class CrashingStore(SecretsManagerAccountStore):
        def save_account(self, account: Any) -> Any:
            raise RuntimeError("the process died here")

    app.dependency_overrides[get_store] = lambda: CrashingStore(aws, secrets_prefix="twitter-bots")
    try:
        crashed = connect(browser, invite_for="HelloBot", log_in_as="HelloBot")
    finally:
        app.dependency_overrides.clear()

    assert crashed.status == 500
    assert "Try again" in crashed.text
    assert stored_accounts(aws) == []
    assert connect(browser, invite_for="HelloBot", log_in_as="HelloBot").status == 200


def test_answer_lost_after_the_write_leaves_a_whole_secret_and_a_retry_works(
    served_secrets_manager: Any, birdhouse: XStandin, browser: LambdaBrowser
) -> None:
    aws = served_secrets_manager
    with secrets_manager_answer_lost(aws, "CreateSecret"):
        lost = connect(browser, invite_for="HelloBot", log_in_as="HelloBot")

    assert lost.status == 503
    assert "could not confirm" in lost.text
    # Secrets Manager writes whole values: the secret is complete, never half-written.
    token, token_secret = birdhouse.access_token_for("HelloBot") or ("", "")
    stored = account_secret(aws, "hellobot")
    assert (stored["access_token"], stored["access_token_secret"]) == (token, token_secret)

    retried = connect(browser, invite_for="HelloBot", log_in_as="HelloBot")

    assert retried.status == 200
    assert account_secret(aws, "hellobot")["access_token"] == token


# --- two callbacks for one account at the same moment -------------------------------------------


def test_two_simultaneous_callbacks_for_one_account_leave_one_consistent_secret(
    birdhouse: XStandin, handler: Any, aws: Any
) -> None:
    tabs = [LambdaBrowser(handler, FRONT_DOORS["http_api"]) for _ in range(2)]
    callbacks = [
        authorize_at_x(
            open_invite(tab, mint_invite(tab, screen_name="HelloBot")), screen_name="HelloBot"
        )
        for tab in tabs
    ]
    statuses: list[int] = []
    barrier = threading.Barrier(2)

    def finish(tab: LambdaBrowser, url: str) -> None:
        # Each thread plays a separate Lambda container, with its own event loop for Mangum.
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            barrier.wait()
            statuses.append(tab.open(url).status)
        finally:
            loop.close()

    threads = [
        threading.Thread(target=finish, args=pair) for pair in zip(tabs, callbacks, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [200, 200]
    assert stored_accounts(aws) == ["twitter-bots/accounts/hellobot"]
    stored = account_secret(aws, "hellobot")
    assert (stored["access_token"], stored["access_token_secret"]) == birdhouse.access_token_for(
        "HelloBot"
    )
    stages = aws.describe_secret(SecretId="twitter-bots/accounts/hellobot")["VersionIdsToStages"]
    assert sum("AWSCURRENT" in s for s in stages.values()) == 1
