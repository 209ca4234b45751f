"""The app secret: read lazily and again after its TTL, overridable by environment, clear when
incomplete; and rotations that take effect on a warm app."""

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.adapters.secrets_manager import SecretsManagerAppSecret
from app.app_secret import CACHE, load_app_secret, refresh_app_secret
from app.config import Settings
from app.core.errors import AppSecretError
from tests.support.admin_api import AdminApi
from tests.support.constants import ADMIN_TOKEN, APP_SECRET_ID, CONSUMER_KEY, SIGNING_KEY
from tests.support.lambda_browser import LambdaBrowser
from tests.support.owner_flows import mint_invite


class CountingStore(SecretsManagerAppSecret):
    def __init__(self, client: Any) -> None:
        super().__init__(client)
        self.app_secret_reads = 0

    def read_app_secret(self, secret_id: str) -> dict[str, Any] | None:
        self.app_secret_reads += 1
        return super().read_app_secret(secret_id)


class ManualClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Iterator[ManualClock]:
    """The container's app-secret cache on a clock the test moves."""
    manual = ManualClock()
    CACHE.clock = manual
    yield manual
    CACHE.clock = time.monotonic


def test_app_secret_is_read_once_per_container(app_secret_stored: Any, aws: Any) -> None:
    store = CountingStore(aws)

    first = load_app_secret(settings=Settings(), source=store)
    second = load_app_secret(settings=Settings(), source=store)

    assert first is second
    assert first.consumer_key == CONSUMER_KEY
    assert store.app_secret_reads == 1


def test_environment_overrides_single_keys(
    app_secret_stored: Any, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONSUMER_KEY", "ck-from-the-environment")

    secret = load_app_secret(settings=Settings(), source=CountingStore(aws))

    assert secret.consumer_key == "ck-from-the-environment"
    assert secret.signing_key == SIGNING_KEY


def test_environment_alone_needs_no_secrets_manager_call(
    aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {
        "CONSUMER_KEY": "ck",
        "CONSUMER_SECRET": "cs",
        "ADMIN_TOKEN": ADMIN_TOKEN,
        "SIGNING_KEY": SIGNING_KEY,
    }.items():
        monkeypatch.setenv(name, value)
    store = CountingStore(aws)

    load_app_secret(settings=Settings(), source=store)

    assert store.app_secret_reads == 0


@pytest.mark.parametrize(
    "missing", ["consumer_key", "consumer_secret", "admin_token", "signing_key"]
)
def test_missing_key_names_the_key_and_the_secret(aws: Any, missing: str) -> None:
    value = {
        "consumer_key": "ck",
        "consumer_secret": "cs",
        "admin_token": ADMIN_TOKEN,
        "signing_key": SIGNING_KEY,
    }
    del value[missing]
    aws.create_secret(Name=APP_SECRET_ID, SecretString=json.dumps(value))

    with pytest.raises(AppSecretError) as raised:
        load_app_secret(settings=Settings(), source=CountingStore(aws))

    assert repr(missing) in raised.value.message
    assert APP_SECRET_ID in raised.value.message
    assert missing.upper() in raised.value.message


def test_absent_app_secret_says_how_to_create_it(aws: Any) -> None:
    with pytest.raises(AppSecretError) as raised:
        load_app_secret(settings=Settings(), source=CountingStore(aws))

    assert "'twitter-bots/app' does not exist" in raised.value.message
    assert "python -m app bootstrap" in raised.value.message
    assert "CONSUMER_KEY" in raised.value.message


@pytest.mark.parametrize("placeholder", ["changethis", "short"])
def test_placeholder_signing_key_is_refused(aws: Any, placeholder: str) -> None:
    aws.create_secret(
        Name=APP_SECRET_ID,
        SecretString=json.dumps(
            {
                "consumer_key": "ck",
                "consumer_secret": "cs",
                "admin_token": ADMIN_TOKEN,
                "signing_key": placeholder,
            }
        ),
    )

    with pytest.raises(AppSecretError, match="placeholder"):
        load_app_secret(settings=Settings(), source=CountingStore(aws))


def test_app_secret_that_is_not_json_is_a_clear_error(aws: Any) -> None:
    aws.create_secret(Name=APP_SECRET_ID, SecretString="consumer_key=abc")

    with pytest.raises(Exception, match="does not hold JSON"):
        load_app_secret(settings=Settings(), source=CountingStore(aws))


REPOSITORY = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_importing_the_app_makes_no_aws_client_or_network_call() -> None:
    # A fresh interpreter with no region set: creating a client here would raise NoRegionError.
    code = (
        "import botocore.client, socket\n"
        "def refuse(*a, **k): raise SystemExit('network or AWS client at import')\n"
        "botocore.client.BaseClient.__init__ = refuse\n"
        "socket.socket.connect = refuse\n"
        "import app.main\n"
        "print('imported', app.main.handler.__class__.__name__)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        # The checkout's client, not whichever copy the venv installed.
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPOSITORY / "client" / "src")},
        cwd=REPOSITORY,
    )

    assert result.returncode == 0, result.stderr
    assert "imported Mangum" in result.stdout


def test_the_app_secret_is_read_again_after_its_ttl(
    app_secret_stored: Any, aws: Any, clock: ManualClock
) -> None:
    store = CountingStore(aws)
    load_app_secret(settings=Settings(), source=store)

    clock.now += 299
    load_app_secret(settings=Settings(), source=store)
    assert store.app_secret_reads == 1
    clock.now += 1
    load_app_secret(settings=Settings(), source=store)
    assert store.app_secret_reads == 2


def test_a_forced_refresh_happens_at_most_every_30_seconds(
    app_secret_stored: Any, aws: Any, clock: ManualClock
) -> None:
    store = CountingStore(aws)

    assert refresh_app_secret(settings=Settings(), source=store) is not None
    clock.now += 29
    assert refresh_app_secret(settings=Settings(), source=store) is None
    clock.now += 1
    assert refresh_app_secret(settings=Settings(), source=store) is not None
    assert store.app_secret_reads == 2


def rotate_admin_token(aws: Any, value: dict[str, Any], **changes: Any) -> dict[str, Any]:
    rotated = {**value, **changes}
    aws.put_secret_value(SecretId=APP_SECRET_ID, SecretString=json.dumps(rotated))
    return rotated


def test_a_rotated_admin_token_takes_effect_on_a_warm_app_within_the_ttl(
    app_secret_stored: dict[str, str], aws: Any, browser: LambdaBrowser, clock: ManualClock
) -> None:
    old = AdminApi(browser)
    assert old.call("GET", "/accounts").status == 200  # warm: the secret is cached
    rotate_admin_token(aws, app_secret_stored, admin_token="admin-rotated-0123456789abcdef")
    new = AdminApi(browser, token="admin-rotated-0123456789abcdef")

    assert old.call("GET", "/accounts").status == 200  # still inside the TTL
    clock.now += 300

    assert old.call("GET", "/accounts").status == 401
    assert new.call("GET", "/accounts").status == 200


@pytest.mark.parametrize(("keep_previous", "status"), [(True, 303), (False, 400)])
def test_links_signed_with_a_previous_key_work_until_it_is_dropped(
    birdhouse: Any,
    app_secret_stored: dict[str, str],
    aws: Any,
    browser: LambdaBrowser,
    clock: ManualClock,
    keep_previous: bool,
    status: int,
) -> None:
    link = mint_invite(browser, screen_name="HelloBot")  # signed with the current key
    rotate_admin_token(
        aws,
        app_secret_stored,
        signing_key="sign-rotated-0123456789abcdef",
        previous_signing_keys=[SIGNING_KEY] if keep_previous else [],
    )
    clock.now += 300

    assert browser.open(link).status == status


def test_previous_signing_keys_verify_but_never_sign(
    app_secret_stored: dict[str, str], aws: Any
) -> None:
    rotate_admin_token(
        aws,
        app_secret_stored,
        signing_key="sign-rotated-0123456789abcdef",
        previous_signing_keys=[SIGNING_KEY],
    )

    secret = load_app_secret(settings=Settings(), source=CountingStore(aws))

    assert secret.signing_keys == ("sign-rotated-0123456789abcdef", SIGNING_KEY)
    assert SIGNING_KEY not in repr(secret)


def test_previous_signing_keys_must_be_a_list(app_secret_stored: dict[str, str], aws: Any) -> None:
    rotate_admin_token(aws, app_secret_stored, previous_signing_keys="not-a-list")

    with pytest.raises(AppSecretError, match="previous_signing_keys"):
        load_app_secret(settings=Settings(), source=CountingStore(aws))


def test_previous_signing_keys_are_length_checked_too(
    app_secret_stored: dict[str, str], aws: Any
) -> None:
    rotate_admin_token(aws, app_secret_stored, previous_signing_keys=["short"])

    with pytest.raises(AppSecretError, match="previous_signing_keys"):
        load_app_secret(settings=Settings(), source=CountingStore(aws))
