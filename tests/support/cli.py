"""`python -m app` in a subprocess, as an operator runs it, against a moto server and the X
stand-in on loopback: the helpers and fixtures the command-line tests share."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
import requests

from app.adapters.invite_ledger import create_invites_table
from app.adapters.secrets_manager import SecretsManagerAccountStore
from app.sandbox.x_standin import XStandin
from birdhouse_client.layout import AccountSecret
from tests.support.constants import APP_SECRET_VALUE, CONSUMER_KEY, CONSUMER_SECRET, INVITES_TABLE
from tests.support.owner_flows import tokens_from_standin

REPOSITORY = Path(__file__).resolve().parents[2]


def run_cli(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
        cwd=REPOSITORY,
    )


def ledger_client(moto_server: str) -> Any:
    return boto3.client(
        "dynamodb",
        endpoint_url=moto_server,
        region_name="us-east-1",
        aws_access_key_id="cli",
        aws_secret_access_key="cli",
    )


@pytest.fixture
def secrets_client(moto_server: str) -> Any:
    requests.post(f"{moto_server}/moto-api/reset", timeout=5)
    create_invites_table(ledger_client(moto_server), INVITES_TABLE)
    return boto3.client(
        "secretsmanager",
        endpoint_url=moto_server,
        region_name="us-east-1",
        aws_access_key_id="cli",
        aws_secret_access_key="cli",
    )


@pytest.fixture
def app_secret(secrets_client: Any) -> None:
    secrets_client.create_secret(
        Name="twitter-bots/app",
        SecretString=json.dumps(APP_SECRET_VALUE),
    )


@pytest.fixture
def cli_env(moto_server: str, x_url: str, tmp_path: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "CONSUMER_", "ADMIN_", "SIGNING_", "X_API", "PUBLIC_"))
    }
    env.update(
        AWS_ENDPOINT_URL=moto_server,
        AWS_ACCESS_KEY_ID="cli",
        AWS_SECRET_ACCESS_KEY="cli",
        AWS_DEFAULT_REGION="us-east-1",
        X_API_BASE_URL=x_url,
        PYTHONPATH=str(REPOSITORY),
    )
    return env


def store_account(secrets_client: Any, screen_name: str, **tokens: str) -> None:
    SecretsManagerAccountStore(secrets_client, secrets_prefix="twitter-bots").save_account(
        AccountSecret(
            screen_name=screen_name,
            user_id="42",
            authorized_at="2026-11-22T03:00:00+00:00",
            consumer_key=CONSUMER_KEY,
            consumer_secret=CONSUMER_SECRET,
            access_token=tokens.get("access_token", f"at-{screen_name}"),
            access_token_secret=tokens.get("access_token_secret", f"ats-{screen_name}"),
        )
    )


def onboard_at_standin(x_standin: XStandin, x_url: str, secrets_client: Any, name: str) -> None:
    """Real tokens from the stand-in, stored as the web flow would."""
    access = tokens_from_standin(x_standin, x_url, name)
    store_account(
        secrets_client,
        name,
        access_token=access.tokens.token,
        access_token_secret=access.tokens.secret,
    )


def start_pin(env: dict[str, str], screen_name: str) -> tuple[Any, dict[str, list[str]]]:
    """`python -m app pin`, up to its PIN prompt; the process and the authorize link's query."""
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "pin", "--screen-name", screen_name],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPOSITORY,
    )
    assert process.stdout is not None
    process.stdout.readline()  # "Open this link…"
    return process, parse_qs(urlsplit(process.stdout.readline().strip()).query)


def pin_shown_by_x(x_standin: XStandin, oauth_token: str, *, log_in_as: str) -> str:
    callback = x_standin.approve(oauth_token, screen_name=log_in_as)
    return parse_qs(urlsplit(callback).query)["oauth_verifier"][0]
