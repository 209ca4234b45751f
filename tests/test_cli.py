"""The command line, run as operators run it (in this process, through `app.cli.main`) against
a moto server and the X stand-in, both on loopback; the PIN prompt also through the real
`python -m app`."""

import json
import math
import re
import subprocess
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from app.flows.invites import read_invite_id
from app.sandbox.x_standin import Fault, XStandin
from tests.support.cli import (
    PinFromX,
    app_secret,
    cli_env,
    ledger_client,
    onboard_at_standin,
    pin_shown_by_x,
    run_cli,
    secrets_client,
    start_pin,
    store_account,
)
from tests.support.constants import (
    ADMIN_TOKEN,
    APP_SECRET_VALUE,
    CONSUMER_KEY,
    CONSUMER_SECRET,
    INVITES_TABLE,
    SIGNING_KEY,
)

# Fixtures from tests.support.cli, used here by name.
SHARED_FIXTURES = (app_secret, cli_env, secrets_client)


@pytest.mark.parametrize(
    "command",
    [[], ["bootstrap"], ["invite"], ["pin"], ["accounts"], ["creds"], ["verify"], ["tweet"]],
)
def test_every_command_has_help(cli_env: dict[str, str], command: list[str]) -> None:
    result = run_cli(cli_env, *command, "--help")

    assert result.returncode == 0
    assert "usage: python -m app" in result.stdout


def test_bootstrap_reads_keys_from_stdin_and_prints_the_admin_token_once(
    cli_env: dict[str, str], secrets_client: Any
) -> None:
    first = run_cli(
        cli_env, "bootstrap", "--offline", stdin="my-consumer-key-01\nmy-consumer-secret-01\n"
    )
    second = run_cli(
        cli_env, "bootstrap", "--offline", stdin="my-consumer-key-01\nnew-consumer-secret-1\n"
    )

    assert first.returncode == 0, first.stderr
    stored = json.loads(
        secrets_client.get_secret_value(SecretId="twitter-bots/app")["SecretString"]
    )
    assert stored["consumer_secret"] == "new-consumer-secret-1"
    assert stored["admin_token"] in first.stdout
    assert stored["admin_token"] not in second.stdout
    assert len(stored["signing_key"]) >= 32
    assert "my-consumer-secret-01" not in first.stdout + first.stderr


def test_bootstrap_rotate_replaces_the_admin_token_and_keeps_links_working(
    cli_env: dict[str, str], secrets_client: Any, app_secret: None
) -> None:
    keys = f"{CONSUMER_KEY}\n{CONSUMER_SECRET}\n"
    result = run_cli(cli_env, "bootstrap", "--rotate", "--offline", stdin=keys)

    stored = json.loads(
        secrets_client.get_secret_value(SecretId="twitter-bots/app")["SecretString"]
    )
    assert stored["admin_token"] != ADMIN_TOKEN
    assert stored["admin_token"] in result.stdout
    assert stored["signing_key"] != SIGNING_KEY
    assert stored["previous_signing_keys"] == [SIGNING_KEY]
    assert "within 300 seconds" in result.stdout
    assert "keep working" in result.stdout


def test_bootstrap_rotate_revoke_links_drops_every_earlier_key(
    cli_env: dict[str, str], secrets_client: Any, app_secret: None
) -> None:
    keys = f"{CONSUMER_KEY}\n{CONSUMER_SECRET}\n"
    run_cli(cli_env, "bootstrap", "--rotate", "--offline", stdin=keys)
    result = run_cli(cli_env, "bootstrap", "--rotate", "--revoke-links", "--offline", stdin=keys)

    stored = json.loads(
        secrets_client.get_secret_value(SecretId="twitter-bots/app")["SecretString"]
    )
    assert result.returncode == 0, result.stderr
    assert stored["previous_signing_keys"] == []
    assert "stops working" in result.stdout


def test_invite_records_a_link_like_post_invites(
    cli_env: dict[str, str], app_secret: None, moto_server: str
) -> None:
    result = run_cli(
        cli_env,
        "invite",
        "--screen-name",
        "HelloBot",
        "--expires",
        "24h",
        "--note",
        "for Ada",
        "--base-url",
        "https://birdhouse.example.com/",
    )

    assert result.returncode == 0, result.stderr
    link = result.stdout.strip()
    assert link.startswith("https://birdhouse.example.com/onboard?invite=")
    invite_id = read_invite_id(parse_qs(urlsplit(link).query)["invite"][0], signing_key=SIGNING_KEY)
    item = ledger_client(moto_server).get_item(
        TableName=INVITES_TABLE, Key={"invite_id": {"S": invite_id}}
    )["Item"]
    assert (item["screen_name"]["S"], item["note"]["S"], item["status"]["S"]) == (
        "HelloBot",
        "for Ada",
        "pending",
    )
    assert f"Invite {invite_id}" in result.stderr


def test_invites_lists_then_withdraws(cli_env: dict[str, str], app_secret: None) -> None:
    made = run_cli(cli_env, "invite", "--note", "spare", "--base-url", "https://b.example")
    found = re.search(r"Invite (\S+) for any account", made.stderr)
    assert found, made.stderr
    invite_id = found.group(1)

    listed = run_cli(cli_env, "invites")
    revoked = run_cli(cli_env, "invites", "revoke", invite_id)
    again = run_cli(cli_env, "invites", "revoke", invite_id)
    only_revoked = run_cli(cli_env, "invites", "--status", "revoked")

    assert listed.returncode == 0, listed.stderr
    assert invite_id in listed.stdout
    assert "pending" in listed.stdout
    assert "spare" in listed.stdout
    assert "invite=" not in listed.stdout  # never a link
    assert revoked.returncode == 0, revoked.stderr
    assert again.returncode == 1
    assert "only a pending invite" in again.stderr
    assert invite_id in only_revoked.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["invite", "--expires", "24h"], "no base URL"),
        (
            ["invite", "--base-url", "https://b.example.com", "--expires", "2m"],
            "between 5m and 30d",
        ),
        (["invite", "--base-url", "https://b.example.com", "--expires", "soon"], "--expires takes"),
        (
            ["invite", "--base-url", "https://b.example.com", "--screen-name", "no way"],
            "screen name",
        ),
    ],
)
def test_invite_refuses_bad_input_as_a_usage_error(
    cli_env: dict[str, str], app_secret: None, args: list[str], message: str
) -> None:
    result = run_cli(cli_env, *args)

    assert result.returncode == 2
    assert result.stderr.startswith("usage: python -m app invite ")
    *_usage, error = result.stderr.strip().splitlines()
    assert error.startswith("python -m app invite: error: ")
    assert message in error


@pytest.mark.slow
def test_pin_flow_stores_the_account_like_the_web_flow(
    cli_env: dict[str, str], app_secret: None, x_standin: XStandin, secrets_client: Any
) -> None:
    # The real `python -m app` at its interactive prompt: the link first, then the PIN.
    process, query = start_pin(cli_env, "PinBot")
    assert query["force_login"] == ["true"]
    assert query["screen_name"] == ["PinBot"]
    pin = pin_shown_by_x(x_standin, query["oauth_token"][0], log_in_as="PinBot")

    out, err = process.communicate(f"{pin}\n", timeout=30)

    assert process.returncode == 0, err
    assert "@PinBot is connected" in out
    stored = json.loads(
        secrets_client.get_secret_value(SecretId="twitter-bots/accounts/pinbot")["SecretString"]
    )
    assert (stored["access_token"], stored["access_token_secret"]) == x_standin.access_token_for(
        "PinBot"
    )


def test_pin_flow_refuses_the_wrong_account(
    cli_env: dict[str, str], app_secret: None, x_standin: XStandin, secrets_client: Any
) -> None:
    result = run_cli(
        cli_env, "pin", "--screen-name", "PinBot", stdin=PinFromX(x_standin, log_in_as="Personal")
    )

    assert result.returncode == 1
    assert "This link is for @PinBot, but you authorized @Personal" in result.stderr
    assert secrets_client.list_secrets()["SecretList"][0]["Name"] == "twitter-bots/app"


def test_accounts_prints_a_table_without_secrets(
    cli_env: dict[str, str], secrets_client: Any
) -> None:
    store_account(secrets_client, "HelloBot")
    store_account(secrets_client, "OtherBot")

    result = run_cli(cli_env, "accounts")

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["SCREEN", "NAME", "USER", "ID", "STATUS", "AUTHORIZED", "AT"]
    # Page by page as ListSecrets answers, not sorted across the fleet.
    assert sorted(line.split()[0] for line in lines[1:]) == ["@HelloBot", "@OtherBot"]
    assert "ats-" not in result.stdout


def test_creds_prints_json_for_a_bot_job(cli_env: dict[str, str], secrets_client: Any) -> None:
    store_account(secrets_client, "HelloBot")

    result = run_cli(cli_env, "creds", "hellobot")

    assert json.loads(result.stdout) == {
        "consumer_key": CONSUMER_KEY,
        "consumer_secret": CONSUMER_SECRET,
        "access_token": "at-HelloBot",
        "access_token_secret": "ats-HelloBot",
        "screen_name": "HelloBot",
        "user_id": "42",
    }


def test_creds_env_format_is_sourceable(cli_env: dict[str, str], secrets_client: Any) -> None:
    store_account(secrets_client, "HelloBot", access_token_secret="it's $weird")

    result = run_cli(cli_env, "creds", "HelloBot", "--format", "env")
    sourced = subprocess.run(
        ["bash", "-c", f'{result.stdout}\necho "$TWITTER_ACCESS_TOKEN_SECRET"'],
        capture_output=True,
        text=True,
        check=True,
    )

    assert "export TWITTER_CONSUMER_KEY=" in result.stdout
    assert sourced.stdout.strip() == "it's $weird"


def test_verify_all_sorts_fine_revoked_and_renamed(
    cli_env: dict[str, str],
    app_secret: None,
    x_standin: XStandin,
    x_url: str,
    secrets_client: Any,
) -> None:
    for name in ("FineBot", "GoneBot", "OldName"):
        onboard_at_standin(x_standin, x_url, secrets_client, name)
    x_standin.revoke_all("GoneBot")
    x_standin.rename("OldName", "NewName")

    result = run_cli(cli_env, "verify", "--all")

    assert result.returncode == 1
    assert "OK       @FineBot" in result.stdout
    assert "REVOKED  @GoneBot: token revoked, onboard again" in result.stdout
    assert "RENAMED  @OldName is now @NewName" in result.stdout
    assert "3 checked: 1 ok, 1 renamed, 1 revoked, 0 failed" in result.stdout


def test_verify_one_fine_account_exits_0(
    cli_env: dict[str, str],
    app_secret: None,
    x_standin: XStandin,
    x_url: str,
    secrets_client: Any,
) -> None:
    onboard_at_standin(x_standin, x_url, secrets_client, "FineBot")

    result = run_cli(cli_env, "verify", "FineBot")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 checked: 1 ok" in result.stdout


def test_tweet_posts_and_prints_the_link(
    cli_env: dict[str, str],
    app_secret: None,
    x_standin: XStandin,
    x_url: str,
    secrets_client: Any,
) -> None:
    onboard_at_standin(x_standin, x_url, secrets_client, "HelloBot")

    result = run_cli(cli_env, "tweet", "HelloBot", "--text", "hello from the command line")

    assert result.returncode == 0, result.stderr
    assert "Posted: https://x.com/HelloBot/status/" in result.stdout
    assert x_standin.tweets[-1]["text"] == "hello from the command line"


@pytest.mark.parametrize(
    ("case", "args", "message"),
    [
        ("unknown account", ["creds", "NobodyHere"], "No onboarded account is called @NobodyHere"),
        ("unknown account", ["tweet", "NobodyHere"], "No onboarded account is called @NobodyHere"),
        (
            "missing app secret",
            ["invite", "--base-url", "https://b.example.com"],
            "The app secret 'twitter-bots/app' does not exist: create it with 'python -m app "
            "bootstrap'",
        ),
        ("no AWS credentials", ["accounts"], "No AWS credentials"),
        ("no AWS region", ["accounts"], "No AWS region"),
        ("X unreachable", ["tweet", "HelloBot"], "could not be reached"),
    ],
)
def test_errors_are_one_line_never_a_traceback(
    cli_env: dict[str, str],
    secrets_client: Any,
    x_standin: XStandin,
    case: str,
    args: list[str],
    message: str,
) -> None:
    env = dict(cli_env)
    if case == "no AWS credentials":
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL"):
            env.pop(name)
        env.update(
            AWS_SHARED_CREDENTIALS_FILE="/nonexistent",
            AWS_CONFIG_FILE="/nonexistent",
            AWS_EC2_METADATA_DISABLED="true",
        )
    if case == "no AWS region":
        env.pop("AWS_DEFAULT_REGION")
        env["AWS_CONFIG_FILE"] = "/nonexistent"
    if case in ("unknown account", "X unreachable"):
        secrets_client.create_secret(
            Name="twitter-bots/app",
            SecretString=json.dumps(APP_SECRET_VALUE),
        )
    if case == "X unreachable":
        store_account(secrets_client, "HelloBot")
        env["X_API_BASE_URL"] = "http://127.0.0.1:9"

    result = run_cli(env, *args)

    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_verify_reports_x_failures_per_account(
    cli_env: dict[str, str],
    app_secret: None,
    x_standin: XStandin,
    x_url: str,
    secrets_client: Any,
) -> None:
    onboard_at_standin(x_standin, x_url, secrets_client, "FineBot")
    x_standin.fail_next("users_me", Fault(status=503))

    result = run_cli(cli_env, "verify", "FineBot")

    assert result.returncode == 1
    assert "FAILED   @FineBot: X answered /2/users/me with 503." in result.stdout


@pytest.mark.slow
def test_call_count_bound_holds_for_the_cli_fleet_load(
    cli_env: dict[str, str], app_secret: None, secrets_client: Any, x_standin: XStandin
) -> None:
    # verify --all loads the fleet through birdhouse_client.loaders: ceil(N/20) + 1 calls at most,
    # asserted in test_credentials; here, that all 41 arrive through the real entry point.
    for n in range(41):
        store_account(secrets_client, f"Bot{n:02d}")

    result = run_cli(cli_env, "verify", "--all")

    assert "41 checked: 0 ok, 0 renamed, 41 revoked" in result.stdout
    assert math.ceil(41 / 20) + 1 == 4


# --- rotation, reset, policy ---------------------------------------------------------------------


def test_rotate_consumer_keys_after_x_regenerated_them(
    cli_env: dict[str, str],
    app_secret: None,
    x_standin: XStandin,
    x_url: str,
    secrets_client: Any,
) -> None:
    for name in ("AlphaBot", "BetaBot"):
        onboard_at_standin(x_standin, x_url, secrets_client, name)
    x_standin.revoke_all("BetaBot")
    new_key, new_secret = x_standin.regenerate_consumer_key(CONSUMER_KEY)
    stdin = f"{new_key}\n{new_secret}\n"

    first = run_cli(cli_env, "rotate-consumer-keys", "--base-url", "https://b.example", stdin=stdin)
    second = run_cli(cli_env, "rotate-consumer-keys", stdin=stdin)

    assert first.returncode == 0, first.stderr
    assert "Wrote the new pair to the app secret." in first.stdout
    assert "OK                   @AlphaBot (rewritten)" in first.stdout
    assert "NEEDS RE-ONBOARDING  @BetaBot (rewritten)" in first.stdout
    assert "new link for its owner: https://b.example/onboard?invite=" in first.stdout
    assert "2 accounts: 1 ok, 1 need re-onboarding, 0 failed" in first.stdout
    assert new_secret not in first.stdout + first.stderr
    alpha = "twitter-bots/accounts/alphabot"
    current = json.loads(secrets_client.get_secret_value(SecretId=alpha)["SecretString"])
    previous = json.loads(
        secrets_client.get_secret_value(SecretId=alpha, VersionStage="AWSPREVIOUS")["SecretString"]
    )
    assert (current["consumer_key"], current["consumer_secret"]) == (new_key, new_secret)
    assert (previous["consumer_key"], previous["consumer_secret"]) == (
        CONSUMER_KEY,
        CONSUMER_SECRET,
    )
    assert "The app secret already held the new pair." in second.stdout
    assert "OK                   @AlphaBot (already on the new pair)" in second.stdout


def test_rotate_consumer_keys_refuses_keys_x_does_not_know(
    cli_env: dict[str, str], app_secret: None, x_standin: XStandin, secrets_client: Any
) -> None:
    result = run_cli(
        cli_env, "rotate-consumer-keys", stdin="ck-unknown-0123456789\ncs-unknown-0123456789\n"
    )

    assert result.returncode == 1
    assert "did not accept the consumer key" in result.stderr
    stored = json.loads(
        secrets_client.get_secret_value(SecretId="twitter-bots/app")["SecretString"]
    )
    assert stored["consumer_key"] == CONSUMER_KEY


def test_reset_revokes_marks_and_hands_back_an_invite(
    cli_env: dict[str, str],
    app_secret: None,
    x_standin: XStandin,
    x_url: str,
    secrets_client: Any,
) -> None:
    onboard_at_standin(x_standin, x_url, secrets_client, "LeakyBot")

    result = run_cli(cli_env, "reset", "LeakyBot", "--base-url", "https://b.example")
    creds = run_cli(cli_env, "creds", "LeakyBot")

    assert result.returncode == 0, result.stderr
    assert "token revoked at X; its secret is marked revoked" in result.stdout
    assert "https://b.example/onboard?invite=" in result.stdout
    assert x_standin.access_token_for("LeakyBot") is None
    assert creds.returncode == 1
    assert "revoked by the operator" in creds.stderr


def test_policy_reads_exactly_the_named_accounts(cli_env: dict[str, str]) -> None:
    result = run_cli(
        cli_env, "policy", "HelloBot", "@OtherBot", "--region", "eu-west-1", "--account-id", "123"
    )

    policy = json.loads(result.stdout)
    read = policy["Statement"][0]
    assert read["Action"] == ["secretsmanager:GetSecretValue"]
    assert read["Resource"] == [
        "arn:aws:secretsmanager:eu-west-1:123:secret:twitter-bots/accounts/hellobot-??????",
        "arn:aws:secretsmanager:eu-west-1:123:secret:twitter-bots/accounts/otherbot-??????",
    ]
    assert all(s["Resource"] != "*" or "Batch" in s["Action"][0] for s in policy["Statement"])
