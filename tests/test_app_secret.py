"""The app secret: read once, lazily, overridable by environment, and clear when incomplete."""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from app.adapters.secrets_manager import SecretsManagerAppSecret
from app.app_secret import load_app_secret
from app.config import Settings
from app.errors import AppSecretError
from tests.support.constants import ADMIN_TOKEN, APP_SECRET_ID, CONSUMER_KEY, SIGNING_KEY


class CountingStore(SecretsManagerAppSecret):
    def __init__(self, client: Any) -> None:
        super().__init__(client)
        self.app_secret_reads = 0

    def read_app_secret(self, secret_id: str) -> dict[str, Any] | None:
        self.app_secret_reads += 1
        return super().read_app_secret(secret_id)


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
        env={"PATH": "/usr/bin:/bin"},
        cwd=Path(__file__).resolve().parents[1],
    )

    assert result.returncode == 0, result.stderr
    assert "imported Mangum" in result.stdout
