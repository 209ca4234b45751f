"""OAuth 2.0 from the command line, in-process: invite --auth oauth2, refresh, the scheduled
refresher's pass, rotate-client-secret, and the bot-job policy with --oauth2."""

import json
from typing import Any

import pytest

from app.sandbox.x_standin import XStandin
from birdhouse_client.leases import create_lease_table
from tests.support.cli import (
    app_secret,
    cli_env,
    moto_client,
    run_cli,
    secrets_client,
)
from tests.support.constants import (
    CLIENT_ID,
    CLIENT_SECRET,
    OAUTH2_APP_SECRET_VALUE,
    REFRESH_LEASES_TABLE,
)
from tests.support.owner_flows import oauth2_account

__all__ = ["app_secret", "cli_env", "secrets_client"]

SECRET_ID = "twitter-bots/accounts/hellobot"


@pytest.fixture
def oauth2_app(secrets_client: Any, moto_server: str, x_standin: XStandin, x_url: str) -> Any:
    """An app secret with an OAuth 2.0 client, the lease table, and one OAuth 2.0 account."""
    secrets_client.create_secret(
        Name="twitter-bots/app", SecretString=json.dumps(OAUTH2_APP_SECRET_VALUE)
    )
    create_lease_table(moto_client(moto_server, "dynamodb"), REFRESH_LEASES_TABLE)
    x_standin.oauth2.clients[CLIENT_ID] = CLIENT_SECRET
    account = oauth2_account(x_standin, x_url, "HelloBot")
    secrets_client.create_secret(Name=SECRET_ID, SecretString=json.dumps(account.as_secret_dict()))
    secrets_client.tag_resource(
        SecretId=SECRET_ID, Tags=[{"Key": k, "Value": v} for k, v in account.tags().items()]
    )
    return secrets_client


def stored(secrets_client: Any) -> dict[str, str]:
    return dict(json.loads(secrets_client.get_secret_value(SecretId=SECRET_ID)["SecretString"]))


def test_an_oauth2_invite_needs_the_client_in_the_app_secret(
    cli_env: dict[str, str], app_secret: None
) -> None:
    result = run_cli(cli_env, "invite", "--auth", "oauth2", "--base-url", "https://b.example")

    assert result.returncode == 1
    assert "client_id and client_secret" in result.stderr


def test_an_oauth2_invite_is_recorded_as_one(
    cli_env: dict[str, str], oauth2_app: Any, moto_server: str
) -> None:
    result = run_cli(cli_env, "invite", "--auth", "oauth2", "--base-url", "https://b.example")

    assert result.returncode == 0, result.stderr
    assert "(oauth2)" in result.stderr
    (item,) = moto_client(moto_server, "dynamodb").scan(TableName="birdhouse-invites")["Items"]
    assert item["auth"] == {"S": "oauth2"}


def test_refresh_renews_on_demand_and_leaves_a_fresh_token_alone(
    cli_env: dict[str, str], oauth2_app: Any, x_standin: XStandin
) -> None:
    before = stored(oauth2_app)

    fresh = run_cli(cli_env, "refresh", "HelloBot")
    forced = run_cli(cli_env, "refresh", "HelloBot", "--force")

    assert fresh.returncode == 0, fresh.stderr
    assert "Not refreshed" in fresh.stdout
    assert forced.returncode == 0, forced.stderr
    assert "Refreshed at X" in forced.stdout
    assert stored(oauth2_app)["refresh_token"] != before["refresh_token"]
    assert len(x_standin.oauth2.record.refreshes) == 1
    assert before["refresh_token"] not in fresh.stdout + forced.stdout + forced.stderr


def test_the_scheduled_pass_refreshes_nothing_fresh(
    cli_env: dict[str, str], oauth2_app: Any
) -> None:
    result = run_cli(cli_env, "refresh", "--due")

    assert result.returncode == 0, result.stderr
    assert "1 OAuth 2.0 account(s): 0 refreshed, 1 still fresh, 0 failed." in result.stdout


def test_rotating_the_client_secret_rewrites_every_oauth2_account(
    cli_env: dict[str, str], oauth2_app: Any, x_standin: XStandin
) -> None:
    new_secret = "client-secret-after-rotation-0123456789"
    x_standin.oauth2.clients[CLIENT_ID] = new_secret  # "Regenerate" at X

    result = run_cli(cli_env, "rotate-client-secret", stdin=f"{CLIENT_ID}\n{new_secret}\n")
    again = run_cli(cli_env, "rotate-client-secret", stdin=f"{CLIENT_ID}\n{new_secret}\n")

    assert result.returncode == 0, result.stderr
    assert "1 OAuth 2.0 account(s) rewritten" in result.stdout
    assert stored(oauth2_app)["client_secret"] == new_secret
    app = json.loads(oauth2_app.get_secret_value(SecretId="twitter-bots/app")["SecretString"])
    assert app["client_secret"] == new_secret
    assert "0 OAuth 2.0 account(s) rewritten, 1 already on it" in again.stdout
    assert new_secret not in result.stdout + result.stderr


def test_a_client_secret_x_refuses_writes_nothing(cli_env: dict[str, str], oauth2_app: Any) -> None:
    result = run_cli(
        cli_env, "rotate-client-secret", stdin=f"{CLIENT_ID}\nnot-the-secret-x-knows-at-all\n"
    )

    assert result.returncode == 1
    assert "Nothing was written" in result.stderr
    assert stored(oauth2_app)["client_secret"] == CLIENT_SECRET


def test_the_bot_job_policy_for_oauth2_accounts_adds_exactly_their_refresh(
    cli_env: dict[str, str],
) -> None:
    result = run_cli(cli_env, "policy", "HelloBot", "--oauth2", "--region", "eu-west-1")

    statements = {s["Sid"]: s for s in json.loads(result.stdout)["Statement"]}
    assert statements["WriteTheirRefreshedTokens"]["Action"] == ["secretsmanager:PutSecretValue"]
    lease = statements["TakeTheirRefreshLeases"]
    assert lease["Action"] == ["dynamodb:UpdateItem"]
    assert lease["Condition"] == {
        "ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["hellobot"]}
    }
    plain = json.loads(run_cli(cli_env, "policy", "HelloBot").stdout)["Statement"]
    assert "TakeTheirRefreshLeases" not in {s["Sid"] for s in plain}
