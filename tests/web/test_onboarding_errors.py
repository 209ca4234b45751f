"""Every bad input and fault a bot owner can reach: a readable page, the right status, nothing
stored, and no call to X where none should happen."""

import base64
import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from app.adapters.invite_ledger import DynamoDBInviteLedger
from app.adapters.secrets_manager import SecretsManagerAccountStore
from app.config import Settings
from app.flows.invites import create_invite
from app.main import app
from app.sandbox.x_standin import Fault, XStandin
from app.web.deps import get_store
from tests.support.aws import unreachable_secrets_client
from tests.support.constants import INVITES_TABLE, SIGNING_KEY
from tests.support.lambda_browser import LambdaBrowser, Page, authorize_at_x
from tests.support.lambda_events import REGION
from tests.support.owner_flows import connect, oauth_token_of, open_invite
from tests.support.owner_flows import mint_invite as mint_invite_url


def assert_owner_page(page: Page, status: int, *phrases: str) -> None:
    assert page.status == status, page.body
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    for phrase in phrases:
        assert phrase in page.text


def stored_accounts(aws: Any) -> list[str]:
    return [s["Name"] for s in aws.list_secrets()["SecretList"] if "/accounts/" in s["Name"]]


def invite_url(browser: LambdaBrowser, token: str) -> str:
    return f"{browser.front_door.base_url}/onboard?invite={token}"


# --- the invite link -------------------------------------------------------------------------


def test_onboard_without_invite_is_refused(birdhouse: XStandin, browser: LambdaBrowser) -> None:
    page = browser.open(f"{browser.front_door.base_url}/onboard")

    assert_owner_page(page, 400, "This link is not valid")
    assert birdhouse.calls == []


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda token: token[:-2], id="truncated"),
        pytest.param(lambda token: token.replace("e", "f", 1), id="altered"),
        pytest.param(lambda token: "x" * 2000, id="oversized"),
        pytest.param(lambda token: "not a token at all", id="garbage"),
    ],
)
def test_tampered_invite_gets_400_without_reaching_x(
    birdhouse: XStandin, browser: LambdaBrowser, tamper: Any
) -> None:
    url = mint_invite_url(browser, screen_name="HelloBot")
    token = url.split("invite=", 1)[1]

    page = browser.open(invite_url(browser, tamper(token)))

    assert_owner_page(page, 400)
    assert birdhouse.calls == []


def recorded_invite(*, signing_key: str = SIGNING_KEY, now: datetime | None = None) -> str:
    """A recorded invite's token, signed or dated as the test needs (moto's ledger)."""
    return create_invite(
        ledger=DynamoDBInviteLedger(
            boto3.client("dynamodb", region_name=REGION), table_name=INVITES_TABLE
        ),
        store=SecretsManagerAccountStore(
            boto3.client("secretsmanager", region_name=REGION), secrets_prefix="twitter-bots"
        ),
        signing_key=signing_key,
        screen_name="HelloBot",
        lifetime=timedelta(minutes=5),
        now=now,
    ).token


def test_invite_with_extended_expiry_is_refused(
    birdhouse: XStandin, browser: LambdaBrowser
) -> None:
    token = mint_invite_url(browser, screen_name="HelloBot").split("invite=", 1)[1]
    payload, _, signature = token.partition(".")
    invite_id = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["i"]
    longer = URLSafeTimedSerializer("unused").serializer.dumps(
        {"i": invite_id, "e": int(time.time()) + 10**8}
    )
    forged = f"{_b64(longer)}.{signature}"

    page = browser.open(invite_url(browser, forged))

    assert payload != _b64(longer)
    assert_owner_page(page, 400)
    assert birdhouse.calls == []


def test_invite_from_another_deployment_is_refused(
    birdhouse: XStandin, browser: LambdaBrowser
) -> None:
    token = recorded_invite(signing_key="another-deployments-signing-key")

    page = browser.open(invite_url(browser, token))

    assert_owner_page(page, 400)
    assert birdhouse.calls == []


def test_expired_invite_gets_410_asking_for_a_new_link(
    birdhouse: XStandin, browser: LambdaBrowser
) -> None:
    token = recorded_invite(now=datetime.now(UTC) - timedelta(hours=1))

    page = browser.open(invite_url(browser, token))

    assert_owner_page(page, 410, "This link has expired", "new link")
    assert birdhouse.calls == []


# --- X failing at the request-token step -----------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "status", "phrase"),
    [
        pytest.param(Fault(status=503), 502, "could not be reached", id="x-5xx"),
        pytest.param(
            Fault(status=401, body='{"errors":[{"code":32}]}'), 502, "setup problem", id="x-401"
        ),
        pytest.param(
            Fault(status=403, body='{"errors":[{"code":415}]}'), 502, "callback URL", id="x-403"
        ),
        pytest.param(
            Fault(status=200, body="<html>surprise</html>", content_type="text/html"),
            502,
            "unexpected answer",
            id="x-garbage",
        ),
        pytest.param(
            Fault(status=200, body="oauth_token=a&oauth_token_secret=b"),
            502,
            "unexpected answer",
            id="x-callback-unconfirmed",
        ),
    ],
)
def test_x_failing_to_issue_a_request_token_gets_a_gateway_page(
    birdhouse: XStandin, browser: LambdaBrowser, fault: Fault, status: int, phrase: str
) -> None:
    birdhouse.fail_next("request_token", fault)

    page = browser.open(mint_invite_url(browser, screen_name="HelloBot"))

    assert_owner_page(page, status, phrase)
    assert page.set_cookies == []


@pytest.mark.slow
def test_x_too_slow_for_a_request_token_gets_504_within_the_timeout(
    birdhouse: XStandin, browser: LambdaBrowser, use_settings: Callable[..., Settings]
) -> None:
    use_settings(x_timeout_seconds=0.3)
    birdhouse.fail_next("request_token", Fault(status=200, delay_seconds=2))
    url = mint_invite_url(browser, screen_name="HelloBot")

    started = time.monotonic()
    page = browser.open(url)

    assert time.monotonic() - started < 1.5
    assert_owner_page(page, 504, "did not answer in time")


def test_x_unreachable_gets_502(
    app_secret_stored: Any, browser: LambdaBrowser, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("X_API_BASE_URL", "http://127.0.0.1:9")  # discard port: nothing listens

    page = browser.open(mint_invite_url(browser, screen_name="HelloBot"))

    assert_owner_page(page, 502, "could not be reached")


# --- the callback ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("", id="no-parameters"),
        pytest.param("oauth_token=abc", id="no-verifier"),
        pytest.param("oauth_verifier=abc", id="no-token"),
        pytest.param("oauth_token=abc&oauth_verifier=" + "v" * 300, id="oversized-verifier"),
        pytest.param("oauth_token=" + "t" * 300 + "&oauth_verifier=v", id="oversized-token"),
        pytest.param("oauth_token=a%3Bb%3Dc&oauth_verifier=v", id="token-not-a-cookie-name"),
        pytest.param("denied=" + "d" * 300, id="oversized-denied"),
    ],
)
def test_callback_with_missing_or_bad_parameters_is_refused(
    birdhouse: XStandin, browser: LambdaBrowser, query: str
) -> None:
    page = browser.open(f"{browser.front_door.base_url}/callback?{query}")

    assert_owner_page(page, 400)
    assert birdhouse.calls == []


def test_callback_without_state_cookie_is_refused(
    birdhouse: XStandin, browser: LambdaBrowser, aws: Any
) -> None:
    authorize_url = open_invite(browser, mint_invite_url(browser, screen_name="HelloBot"))
    callback_url = authorize_at_x(authorize_url, screen_name="HelloBot")
    browser.cookies.clear()  # another browser, or cookies blocked

    page = browser.open(callback_url)

    assert_owner_page(page, 400, "Open your invite link again")
    assert stored_accounts(aws) == []
    assert birdhouse.calls_to("access_token") == []


def test_callback_with_forged_state_cookie_is_refused(
    birdhouse: XStandin, browser: LambdaBrowser, aws: Any
) -> None:
    authorize_url = open_invite(browser, mint_invite_url(browser, screen_name="HelloBot"))
    callback_url = authorize_at_x(authorize_url, screen_name="HelloBot")
    forged = URLSafeTimedSerializer("not-our-signing-key", salt="birdhouse.oauth-state.v1")
    name = f"bh_state_{oauth_token_of(authorize_url)}"
    browser.cookies[name].value = forged.dumps(
        {"t": oauth_token_of(authorize_url), "s": "attacker-chosen", "n": None}
    )

    page = browser.open(callback_url)

    assert_owner_page(page, 400, "don't match")
    assert stored_accounts(aws) == []
    assert birdhouse.calls_to("access_token") == []


def test_state_cookie_of_another_token_is_refused(
    birdhouse: XStandin, browser: LambdaBrowser, aws: Any
) -> None:
    first = open_invite(browser, mint_invite_url(browser, screen_name="HelloBot"))
    second = open_invite(browser, mint_invite_url(browser, screen_name="HelloBot"))
    callback_url = authorize_at_x(second, screen_name="HelloBot")
    # Swap the second tab's cookie value for the first one's (a valid signature, wrong token).
    first_name, second_name = (f"bh_state_{oauth_token_of(u)}" for u in (first, second))
    browser.cookies[second_name].value = browser.cookies[first_name].value

    page = browser.open(callback_url)

    assert_owner_page(page, 400, "don't match")
    assert stored_accounts(aws) == []


def test_expired_state_is_refused(birdhouse: XStandin, browser: LambdaBrowser, aws: Any) -> None:
    authorize_url = open_invite(browser, mint_invite_url(browser, screen_name="HelloBot"))
    callback_url = authorize_at_x(authorize_url, screen_name="HelloBot")
    name = f"bh_state_{oauth_token_of(authorize_url)}"
    state = URLSafeTimedSerializer(SIGNING_KEY, salt="birdhouse.oauth-state.v1")
    payload = state.loads(browser.cookies[name].value)
    browser.cookies[name].value = URLSafeTimedSerializer(
        SIGNING_KEY, salt="birdhouse.oauth-state.v1", signer=_SignerFromTheLastHour
    ).dumps(payload)

    page = browser.open(callback_url)

    assert_owner_page(page, 400, "15 minutes")
    assert stored_accounts(aws) == []


def test_replayed_callback_after_success_is_refused_and_changes_nothing(
    birdhouse: XStandin, browser: LambdaBrowser, aws: Any
) -> None:
    authorize_url = open_invite(browser, mint_invite_url(browser, screen_name="HelloBot"))
    callback_url = authorize_at_x(authorize_url, screen_name="HelloBot")
    state_cookie = dict(browser.cookies)
    assert browser.open(callback_url).status == 200
    version = aws.describe_secret(SecretId="twitter-bots/accounts/hellobot")["VersionIdsToStages"]

    browser.cookies.clear()  # another browser: the "done" note is not there
    replay_without_cookie = browser.open(callback_url)
    browser.cookies.update(state_cookie)  # even a replay that kept the cookie
    replay_with_cookie = browser.open(callback_url)

    assert_owner_page(replay_without_cookie, 400)
    # The state was spent by the first callback: the replay is refused before X is asked.
    assert_owner_page(replay_with_cookie, 400, "already sent back")
    assert birdhouse.calls_to("access_token") == [200]
    assert (
        aws.describe_secret(SecretId="twitter-bots/accounts/hellobot")["VersionIdsToStages"]
        == version
    )


@pytest.mark.parametrize(
    ("fault", "status"),
    [
        pytest.param(Fault(status=500), 502, id="x-5xx"),
        pytest.param(Fault(status=401, body='{"errors":[{"code":89}]}'), 400, id="x-401"),
        pytest.param(Fault(status=200, body="oauth_token=only"), 502, id="x-garbage"),
        pytest.param(Fault(status=200, body=""), 502, id="x-empty"),
    ],
)
def test_x_failing_the_token_exchange_stores_nothing(
    birdhouse: XStandin, browser: LambdaBrowser, aws: Any, fault: Fault, status: int
) -> None:
    birdhouse.fail_next("access_token", fault)

    page = connect(browser, invite_for="HelloBot", log_in_as="HelloBot")

    assert_owner_page(page, status)
    assert "is connected" not in page.text
    assert stored_accounts(aws) == []


@pytest.mark.slow
def test_x_too_slow_for_the_token_exchange_gets_504(
    birdhouse: XStandin, browser: LambdaBrowser, aws: Any, use_settings: Callable[..., Settings]
) -> None:
    # Long enough for the request token on a loaded machine; short of the slow fault's 2 s.
    use_settings(x_timeout_seconds=1.0)
    birdhouse.fail_next("access_token", Fault(status=200, delay_seconds=2))

    page = connect(browser, invite_for="HelloBot", log_in_as="HelloBot")

    assert_owner_page(page, 504)
    assert stored_accounts(aws) == []


def test_reloading_after_x_failed_the_exchange_completes(
    birdhouse: XStandin, browser: LambdaBrowser, aws: Any
) -> None:
    birdhouse.fail_next("access_token", Fault(status=503))
    authorize_url = open_invite(browser, mint_invite_url(browser, screen_name="HelloBot"))
    callback_url = authorize_at_x(authorize_url, screen_name="HelloBot")
    assert browser.open(callback_url).status == 502

    page = browser.open(callback_url)

    assert page.status == 200
    assert stored_accounts(aws) == ["twitter-bots/accounts/hellobot"]


# --- Secrets Manager failing -----------------------------------------------------------------


@pytest.fixture
def store_that_cannot_write(aws: Any) -> Iterator[None]:
    """A real boto3 client whose writes fail at the transport: nothing listens on the port."""
    unreachable = unreachable_secrets_client()

    class ReadsFromMotoWritesNowhere(SecretsManagerAccountStore):
        def save_account(self, account: Any) -> Any:
            return SecretsManagerAccountStore(
                unreachable, secrets_prefix="twitter-bots"
            ).save_account(account)

    app.dependency_overrides[get_store] = lambda: ReadsFromMotoWritesNowhere(
        aws, secrets_prefix="twitter-bots"
    )
    yield
    app.dependency_overrides.clear()


def test_secrets_manager_failing_on_write_does_not_claim_success(
    birdhouse: XStandin, browser: LambdaBrowser, aws: Any, store_that_cannot_write: None
) -> None:
    page = connect(browser, invite_for="HelloBot", log_in_as="HelloBot")

    assert_owner_page(page, 503, "is not connected yet", "open your invite link again")
    assert "is connected" not in page.body
    assert stored_accounts(aws) == []


def test_missing_app_secret_gets_503_naming_the_secret_in_the_log_only(
    aws: Any, x_standin: XStandin, browser: LambdaBrowser, caplog: pytest.LogCaptureFixture
) -> None:
    page = browser.open(f"{browser.front_door.base_url}/onboard?invite=whatever")

    # The owner can't fix it: plain words for them, the secret's name for the operator.
    assert_owner_page(page, 503, "fully set up", "Tell the person who sent you the link")
    assert "twitter-bots/app" not in page.text
    assert "twitter-bots/app" in caplog.text


def test_unexpected_error_gets_a_500_page_not_a_traceback(
    birdhouse: XStandin, browser: LambdaBrowser
) -> None:
    def broken_store() -> Any:
        raise RuntimeError("a bug with a secret-looking detail")

    app.dependency_overrides[get_store] = broken_store
    try:
        page = browser.open(
            f"{browser.front_door.base_url}/callback?oauth_token=a&oauth_verifier=b"
        )
    finally:
        app.dependency_overrides.clear()

    assert_owner_page(page, 500, "Nothing was changed")
    assert "secret-looking" not in page.body
    assert "Traceback" not in page.body


class _SignerFromTheLastHour(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(time.time()) - 3600


def _b64(data: str | bytes) -> str:
    import base64

    raw = data.encode() if isinstance(data, str) else data
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_helper_encodes_like_itsdangerous() -> None:
    assert (
        _b64(json.dumps({"a": 1}, separators=(",", ":")))
        == URLSafeTimedSerializer("k").dumps({"a": 1}).split(".")[0]
    )
