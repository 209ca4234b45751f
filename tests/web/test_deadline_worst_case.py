"""Every route's worst case fits in the function timeout: every upstream as slow as allowed.

Scaled down so the suite stays fast: a 1.2 s "function timeout" (the Lambda context's
remaining time), X_TIMEOUT_SECONDS 0.4, a 0.2 s margin, and a Secrets Manager client of
0.05 s to connect and 0.15 s to read, each attempt made to take 0.14 s (latency injected at
botocore's transport, in front of a moto server). Each route runs on a cold container (the app
secret read again) through the real Lambda handler. Two kinds of slow X:
- "slow": every X endpoint answers correctly just before the X timeout, so each route goes as
  far down its path as it can (the longest paths);
- "trickling": every X endpoint trickles its answer a byte at a time, each gap shorter than a
  read timeout, so only the bound on the whole call ends it.
The figures land in test-artifacts/deadline-worst-case.json.
"""

import json
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config

from app.adapters.invite_ledger import DynamoDBInviteLedger, create_invites_table
from app.adapters.secrets_manager import SecretsManagerAccountStore, SecretsManagerAppSecret
from app.app_secret import clear_app_secret_cache
from app.config import Settings, get_settings
from app.core.x import TokenPair
from app.flows.invites import create_invite
from app.flows.onboarding import OnboardingState
from app.main import app
from app.sandbox.x_standin import ENDPOINTS, Fault, XStandin
from app.web.deps import get_app_secret_source, get_store
from app.web.onboarding_state import seal_state
from birdhouse_client.layout import AccountSecret
from tests.support.constants import ADMIN_TOKEN, APP_SECRET_VALUE, INVITES_TABLE, SIGNING_KEY
from tests.support.fakes import InMemoryAccountStore
from tests.support.lambda_browser import LambdaBrowser
from tests.support.lambda_events import REGION

pytestmark = pytest.mark.slow

FUNCTION_TIMEOUT_MS = 1200
X_TIMEOUT = 0.4
MARGIN = 0.3  # the margin is what absorbs a loaded machine's scheduling delays
SECRETS_CONFIG = Config(
    connect_timeout=0.05, read_timeout=0.15, retries={"mode": "standard", "total_max_attempts": 3}
)
SECRETS_LATENCY = 0.14  # per attempt, just under the 0.15 s read timeout
ARTIFACT = Path(__file__).resolve().parents[2] / "test-artifacts" / "deadline-worst-case.json"

_FORM = "application/x-www-form-urlencoded"
SLOW_X = {
    "request_token": Fault(
        200,
        "oauth_token=rt&oauth_token_secret=rts&oauth_callback_confirmed=true",
        0.35,
        content_type=_FORM,
    ),
    "access_token": Fault(
        200,
        "oauth_token=at&oauth_token_secret=ats&user_id=42&screen_name=HelloBot",
        0.35,
        content_type=_FORM,
    ),
    "invalidate_token": Fault(200, '{"access_token": "at"}', 0.35),
    "users_me": Fault(200, '{"data": {"id": "42", "username": "HelloBot"}}', 0.35),
    "tweets": Fault(201, '{"data": {"id": "1", "text": "hello"}}', 0.35),
}
TRICKLING_X = {name: Fault(200, "x" * 1000, trickle_seconds=0.1) for name in SLOW_X}


# Distinct X users: a restore of GoneBot is refused while its user lives under another name.
USER_IDS = {"HelloBot": "42", "ByeBot": "43", "GoneBot": "44"}


def account(name: str) -> AccountSecret:
    return AccountSecret(
        screen_name=name,
        user_id=USER_IDS.get(name, "42"),
        authorized_at="2026-11-22T03:00:00+00:00",
        consumer_key="ck",
        consumer_secret="cs",
        access_token="at",
        access_token_secret="ats",
    )


@pytest.fixture
def slow_secrets_manager(moto_server: str, birdhouse: XStandin) -> Iterator[Any]:
    requests.post(f"{moto_server}/moto-api/reset", timeout=5)
    # The server shares moto's backends with this process: the reset emptied the ledger too.
    create_invites_table(boto3.client("dynamodb", region_name=REGION), INVITES_TABLE)
    client = boto3.client(
        "secretsmanager",
        endpoint_url=moto_server,
        region_name="eu-west-1",
        aws_access_key_id="slow",
        aws_secret_access_key="slow",
        config=SECRETS_CONFIG,
    )
    client.create_secret(Name="twitter-bots/app", SecretString=json.dumps(APP_SECRET_VALUE))
    store = SecretsManagerAccountStore(client, secrets_prefix="twitter-bots")
    for name in ("HelloBot", "ByeBot", "GoneBot"):
        store.save_account(account(name))
    client.delete_secret(SecretId="twitter-bots/accounts/gonebot", RecoveryWindowInDays=7)
    # After the deadline's own check (appended to the same event): each attempt is slow.
    client.meta.events.register("before-send", lambda **_: time.sleep(SECRETS_LATENCY))
    app.dependency_overrides[get_store] = lambda: store
    app.dependency_overrides[get_app_secret_source] = lambda: SecretsManagerAppSecret(client)
    settings = Settings(
        **{
            **get_settings().model_dump(),
            "x_timeout_seconds": X_TIMEOUT,
            "deadline_margin_seconds": MARGIN,
        }
    )
    app.dependency_overrides[get_settings] = lambda: settings
    yield client
    app.dependency_overrides.clear()


def routes(browser: LambdaBrowser) -> list[tuple[str, str, str, Any]]:
    token = create_invite(
        ledger=DynamoDBInviteLedger(
            boto3.client("dynamodb", region_name=REGION), table_name=INVITES_TABLE
        ),
        store=InMemoryAccountStore(),
        signing_key=SIGNING_KEY,
        screen_name="HelloBot",
        lifetime=timedelta(hours=1),
    ).token
    state = OnboardingState(TokenPair("rt", "rts"), expected_screen_name="HelloBot")
    browser.set_cookie("bh_state_rt", seal_state(state, signing_key=SIGNING_KEY), path="/callback")
    return [
        ("GET /healthz", "GET", "/healthz", None),
        ("GET /", "GET", "/", None),
        ("GET /docs", "GET", "/docs", None),
        ("POST /invites", "POST", "/invites", {"screen_name": "HelloBot"}),
        ("GET /onboard", "GET", f"/onboard?invite={token}", None),
        ("GET /callback", "GET", "/callback?oauth_token=rt&oauth_verifier=v", None),
        ("GET /accounts", "GET", "/accounts", None),
        ("GET /accounts?deleted=true", "GET", "/accounts?deleted=true", None),
        ("GET /accounts/{name}", "GET", "/accounts/HelloBot", None),
        ("POST /accounts/{name}/verify", "POST", "/accounts/HelloBot/verify", None),
        ("POST /accounts/{name}/test-tweet", "POST", "/accounts/HelloBot/test-tweet", None),
        ("DELETE /accounts/{name}", "DELETE", "/accounts/ByeBot", None),
        ("POST /accounts/{name}/restore", "POST", "/accounts/GoneBot/restore", None),
    ]


@pytest.mark.parametrize("x_kind", ["slow", "trickling"])
def test_every_route_answers_within_the_function_timeout(
    slow_secrets_manager: Any, birdhouse: XStandin, browser: LambdaBrowser, x_kind: str
) -> None:
    faults = SLOW_X if x_kind == "slow" else TRICKLING_X
    for endpoint, fault in faults.items():
        birdhouse.fail_next(endpoint, fault, times=50)
    assert set(faults) <= set(ENDPOINTS)
    browser.remaining_ms = FUNCTION_TIMEOUT_MS
    figures: dict[str, dict[str, Any]] = {}

    for name, method, path, body in routes(browser):
        clear_app_secret_cache()  # a cold container: the app secret is read again
        started = time.monotonic()
        page = browser.open(
            f"{browser.front_door.base_url}{path}",
            method=method,
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"},
            body=None if body is None else json.dumps(body),
        )
        elapsed = time.monotonic() - started
        figures[name] = {"seconds": round(elapsed, 3), "status": page.status}

        assert elapsed < FUNCTION_TIMEOUT_MS / 1000, (name, elapsed, page.status, page.text[:300])
        assert page.status < 500 or page.status in (502, 503, 504), (name, page.status)

    # Tight, not trivially fast: the longest routes ran up to the deadline (their paths
    # unbounded would take longer: DELETE is 4 store attempts and an X call, 1.16 s here).
    deadline = FUNCTION_TIMEOUT_MS / 1000 - MARGIN
    assert max(f["seconds"] for f in figures.values()) > 0.8 * deadline
    _record(x_kind, figures)


def _record(x_kind: str, figures: dict[str, dict[str, Any]]) -> None:
    ARTIFACT.parent.mkdir(exist_ok=True)
    recorded = json.loads(ARTIFACT.read_text()) if ARTIFACT.exists() else {}
    recorded[x_kind] = {
        "function_timeout_seconds": FUNCTION_TIMEOUT_MS / 1000,
        "x_timeout_seconds": X_TIMEOUT,
        "margin_seconds": MARGIN,
        "routes": figures,
    }
    ARTIFACT.write_text(json.dumps(recorded, indent=2))
