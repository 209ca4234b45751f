"""Property-based fuzzing of the whole HTTP surface, generated from the app's own OpenAPI schema.

Every operation, with and without a valid admin token, against moto and the signature-verifying
X stand-in: never a 5xx, every answer is one the schema declares, in its declared content type
and shape, and every JSON error (a 404 or 405 the schema cannot declare included) is ErrorBody.
"""

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from app.adapters.secrets_manager import SecretsManagerAccountStore
from app.main import app
from app.sandbox.x_standin import XStandin
from birdhouse_client.layout import AccountSecret
from tests.support import fuzz_tally
from tests.support.constants import ADMIN_TOKEN, CONSUMER_KEY, CONSUMER_SECRET
from tests.support.error_shape import assert_error_body
from tests.support.sweep_queue import create_sweep_queues

schema = schemathesis.openapi.from_asgi("/openapi.json", app)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Enough for well over the 1,000 requests the session checks for (tests/support/fuzz_tally.py).
EXAMPLES_PER_OPERATION = 35
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    # The fixtures (moto, the stand-in) are meant to persist across examples.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
    derandomize=True,  # the same cases every run: a failure in CI reproduces locally
)
requests_sent: dict[str, int] = {"with token": 0, "without token": 0}

pytestmark = [pytest.mark.fuzz, pytest.mark.slow]


@pytest.fixture
def fuzz_world(birdhouse: XStandin, aws: Any, monkeypatch: pytest.MonkeyPatch) -> XStandin:
    """An onboarded account, so generated names sometimes reach real account paths."""
    # Schemathesis calls the app in-process as Starlette's "testserver" host.
    monkeypatch.setenv("ALLOWED_HOSTS", "testserver")
    queues = create_sweep_queues("fuzz-sweep")  # GET /sweep reads its depth
    monkeypatch.setenv("SWEEP_QUEUE_URL", queues.url)
    monkeypatch.setenv("SWEEP_DEAD_LETTER_QUEUE_URL", queues.dead_letter_url)
    SecretsManagerAccountStore(aws, secrets_prefix="twitter-bots").save_account(
        AccountSecret(
            screen_name="a",
            user_id="1",
            authorized_at="2026-11-22T03:00:00+00:00",
            consumer_key=CONSUMER_KEY,
            consumer_secret=CONSUMER_SECRET,
            access_token="at-a",
            access_token_secret="ats-a",
        )
    )
    return birdhouse


@schema.parametrize()
@FUZZ_SETTINGS
def test_fuzz_with_the_admin_token(case: Any, fuzz_world: XStandin) -> None:
    response = case.call(headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    requests_sent["with token"] += 1

    case.validate_response(response, checks=CHECKS)
    check_error_shape(response)


def check_error_shape(response: Any) -> None:
    """Whatever answered with a JSON error, it is ErrorBody: {"detail", "code"} and no more."""
    if response.status_code >= 400 and response.headers.get("content-type", [""])[0].startswith(
        "application/json"
    ):
        assert_error_body(response.json())


@schema.parametrize()
@FUZZ_SETTINGS
def test_fuzz_without_a_token(case: Any, fuzz_world: XStandin) -> None:
    x_calls_before = len(fuzz_world.calls)

    response = case.call()
    requests_sent["without token"] += 1

    case.validate_response(response, checks=CHECKS)
    check_error_shape(response)
    if case.operation.path not in ("/healthz", "/onboard", "/callback"):
        assert len(fuzz_world.calls) == x_calls_before
        # The coverage phase also tries methods the path lacks: those are 405. FastAPI decodes
        # a JSON body before running dependencies, so a body that is not JSON at all is refused
        # (400/422) before authentication; everything else without the token is 401.
        declared = case.method.upper() == case.operation.method.upper()
        assert response.status_code in ((401, 400, 422) if declared else (405,))
        if response.status_code in (400, 422):
            assert "JSON decode error" in response.text or "parsing the body" in response.text


@pytest.fixture(scope="module", autouse=True)
def _tally_the_requests_sent() -> Iterator[None]:
    """The session fails if the fuzzing sent fewer than 1,000 requests in all, counted over
    every pytest-xdist worker (tests/support/fuzz_tally.py)."""
    yield
    fuzz_tally.add(sum(requests_sent.values()))
    requests_sent.update(dict.fromkeys(requests_sent, 0))
