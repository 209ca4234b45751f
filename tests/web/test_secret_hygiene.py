"""No secret in any log line, page, header or error message, through every onboarding path."""

import json
import logging
from typing import Any

import pytest

from app.sandbox.x_standin import Fault, XStandin
from tests.support.constants import ADMIN_TOKEN, CONSUMER_SECRET, SIGNING_KEY
from tests.support.lambda_browser import LambdaBrowser, Page
from tests.support.owner_flows import connect


def visible_text(pages: list[Page]) -> str:
    """Bodies and headers, except the state cookie itself (which must carry its secret)."""
    parts = []
    for page in pages:
        parts.append(page.body)
        parts.extend(
            f"{name}: {value}" for name, value in page.headers.items() if name != "set-cookie"
        )
        parts.extend(c for c in page.set_cookies if not c.startswith("bh_state_"))
    return "\n".join(parts)


def assert_no_secret_in(text: str, birdhouse: XStandin) -> None:
    secrets = [CONSUMER_SECRET, ADMIN_TOKEN, SIGNING_KEY, *birdhouse.issued_secrets]
    for secret in secrets:
        assert secret not in text


@pytest.mark.parametrize(
    ("invite_for", "log_in_as", "action", "fault_at"),
    [
        pytest.param("HelloBot", "HelloBot", "authorize", None, id="success"),
        pytest.param("HelloBot", "WrongBot", "authorize", None, id="wrong-account"),
        pytest.param("HelloBot", "HelloBot", "cancel", None, id="cancelled"),
        pytest.param("HelloBot", "HelloBot", "authorize", "access_token", id="x-fails-exchange"),
        pytest.param("HelloBot", "WrongBot", "authorize", "invalidate_token", id="x-fails-revoke"),
    ],
)
def test_no_secret_reaches_logs_or_pages_even_at_debug(
    birdhouse: XStandin,
    browser: LambdaBrowser,
    caplog: pytest.LogCaptureFixture,
    invite_for: str,
    log_in_as: str,
    action: str,
    fault_at: str | None,
) -> None:
    # As with LOG_LEVEL=DEBUG: the app's loggers and the root all at DEBUG. Library loggers
    # that print signing material keep their own WARNING level, which is what is under test.
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="app")
    if fault_at:
        birdhouse.fail_next(fault_at, Fault(status=500))

    connect(browser, invite_for=invite_for, log_in_as=log_in_as, action=action)

    assert birdhouse.issued_secrets, "the flow should have reached X"
    assert caplog.records, "the flow should have logged"
    logged = "\n".join(
        f"{record.getMessage()} {record.exc_text or ''}" for record in caplog.records
    )
    assert_no_secret_in(logged, birdhouse)
    assert_no_secret_in(visible_text(browser.pages), birdhouse)


def test_invite_answer_shows_no_secret(birdhouse: XStandin, browser: LambdaBrowser) -> None:
    connect(browser, invite_for=None, log_in_as="HelloBot")

    invite_answer = json.loads(browser.pages[0].body)
    assert_no_secret_in(json.dumps(invite_answer), birdhouse)


def test_error_chain_messages_hold_no_secret(birdhouse: XStandin, aws: Any) -> None:
    from app.adapters.x_client import OAuth1XClient
    from app.core.errors import BirdhouseError

    x = OAuth1XClient(
        base_url="http://127.0.0.1:9",
        consumer_key="ck",
        consumer_secret=CONSUMER_SECRET,
        timeout_seconds=0.5,
    )
    with pytest.raises(BirdhouseError) as raised:
        x.fetch_request_token(callback_url="https://b.example.com/callback")

    chain, error = [], raised.value
    current: BaseException | None = error
    while current is not None:
        chain.append(f"{current!r} {current}")
        current = current.__cause__ or current.__context__
    assert CONSUMER_SECRET not in "\n".join(chain)


def test_admin_operations_leak_no_secret_even_at_debug(
    birdhouse: XStandin, browser: LambdaBrowser, caplog: pytest.LogCaptureFixture
) -> None:
    from tests.support.admin_api import AdminApi

    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="app")
    connect(browser, invite_for="HelloBot", log_in_as="HelloBot")
    api = AdminApi(browser)
    birdhouse.fail_next("tweets", Fault(status=429, headers={"x-rate-limit-reset": "0"}))

    answers = [
        api.call("GET", "/accounts"),
        api.call("GET", "/accounts/HelloBot"),
        api.call("POST", "/accounts/HelloBot/verify"),
        api.call("POST", "/accounts/HelloBot/test-tweet"),
        api.call("POST", "/accounts/HelloBot/test-tweet"),
        api.call("DELETE", "/accounts/HelloBot"),
        api.call("POST", "/accounts/HelloBot/restore"),
        api.call("POST", "/accounts/HelloBot/verify"),
    ]

    assert [a.status for a in answers] == [200, 200, 200, 429, 201, 200, 200, 410]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert_no_secret_in(logged, birdhouse)
    assert_no_secret_in(visible_text(browser.pages), birdhouse)


def test_operator_debug_level_leaves_signing_libraries_quiet(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from app.logging_setup import configure_logging

    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    configure_logging()

    assert logging.getLogger("app").level == logging.DEBUG
    for library in ("oauthlib", "requests_oauthlib", "botocore", "boto3", "urllib3"):
        assert logging.getLogger(library).getEffectiveLevel() == logging.WARNING
    monkeypatch.setenv("LOG_LEVEL", "INFO")
    configure_logging()
