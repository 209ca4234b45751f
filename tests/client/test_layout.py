"""The bot-job client stands alone: boto3 and the standard library, nothing of the service."""

import subprocess
import sys
from pathlib import Path

import pytest

from birdhouse_client.layout import (
    AccountSecret,
    NotAScreenName,
    account_secret_name,
    resolve_secrets_prefix,
)

CLIENT_SOURCE = Path(__file__).resolve().parents[2] / "client" / "src"


@pytest.mark.slow
def test_importing_the_client_pulls_in_nothing_of_the_service() -> None:
    probe = (
        "import sys, birdhouse_client; "
        "heavy = {'app', 'fastapi', 'pydantic', 'starlette', 'requests_oauthlib', 'tweepy'}; "
        "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-I",
            "-c",
            f"import sys; sys.path.insert(0, {str(CLIENT_SOURCE)!r}); {probe}",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )

    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("name", ["HelloBot", "@HelloBot", "HELLOBOT"])
def test_every_spelling_names_one_secret(name: str) -> None:
    assert account_secret_name(name, prefix="twitter-bots") == "twitter-bots/accounts/hellobot"


@pytest.mark.parametrize("name", ["", "has space", "sixteen_chars_xx", "../app"])
def test_what_is_not_a_screen_name_names_no_secret(name: str) -> None:
    with pytest.raises(NotAScreenName):
        account_secret_name(name, prefix="twitter-bots")


def test_the_prefix_comes_from_the_argument_then_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SECRETS_PREFIX", "fleet")

    assert resolve_secrets_prefix() == "fleet"
    assert resolve_secrets_prefix("given") == "given"


def test_credentials_are_the_four_keys_in_tweepys_order() -> None:
    account = AccountSecret(
        screen_name="HelloBot",
        user_id="1",
        authorized_at="2026-11-23T00:00:00+00:00",
        consumer_key="ck",
        consumer_secret="cs",
        access_token="at",
        access_token_secret="ats",
    )

    assert list(account.credentials()) == [
        "consumer_key",
        "consumer_secret",
        "access_token",
        "access_token_secret",
    ]
    assert "ats" not in repr(account)
