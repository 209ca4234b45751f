"""The command line for the operator's day-to-day: PINs of any shape, deleting and restoring,
JSON output, the version and the exit codes. Same set-up as tests/test_cli.py; the version and
a bootstrap at X also through the real `python -m app`."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import app
from app.sandbox.x_standin import Fault, XStandin
from tests.support.cli import (
    EventInbox,
    PinFromX,
    app_secret,
    cli_env,
    event_inbox,
    onboard_at_standin,
    run_cli,
    run_python_m_app,
    secrets_client,
    store_account,
)
from tests.support.constants import CONSUMER_KEY, CONSUMER_SECRET

# The first command-line tests' fixtures, used here by name.
SHARED_FIXTURES = (app_secret, cli_env, event_inbox, secrets_client)


def test_pin_with_letters_is_accepted(
    cli_env: dict[str, str], app_secret: None, x_standin: XStandin, secrets_client: Any
) -> None:
    x_standin.quirks.alphanumeric_pins = True
    typed = PinFromX(x_standin, log_in_as="PinBot", typed="  {pin} \n")

    result = run_cli(cli_env, "pin", "--screen-name", "PinBot", stdin=typed)

    assert not typed.pin.isdigit()
    assert result.returncode == 0, result.stderr
    assert "@PinBot is connected" in result.stdout


@pytest.mark.slow
def test_version(cli_env: dict[str, str]) -> None:
    result = run_python_m_app(cli_env, "--version")

    assert result.returncode == 0
    assert result.stdout.strip() == f"birdhouse {app.__version__}"


@pytest.mark.parametrize(
    "args",
    [
        ["nonsense"],
        ["delete"],
        ["delete", "HelloBot", "--recovery-window-days", "3"],
        [],
        # Found by the command itself, after argparse: still a usage error.
        ["invites", "revoke"],
        ["bootstrap", "--revoke-links"],
        ["invite"],  # no --base-url and no PUBLIC_BASE_URL
        ["invite", "--base-url", "https://b.example.com", "--note", "x" * 201],
        # Not a screen name, wherever a command takes one.
        ["verify", "not a name"],
        ["tweet", "@"],
        ["creds", "toolongscreenname1"],
        ["policy", "ok_name", "bad-name"],
        ["pin", "--screen-name", "x y"],
    ],
)
def test_usage_errors_exit_2(cli_env: dict[str, str], args: list[str]) -> None:
    result = run_cli(cli_env, *args)

    assert result.returncode == 2
    assert "usage: python -m app" in result.stderr
    assert "birdhouse: " not in result.stderr  # argparse's words, not a failure's


@pytest.mark.parametrize("args", [["--help"], ["invites", "--help"], ["verify", "--help"]])
def test_help_lists_the_exit_statuses(cli_env: dict[str, str], args: list[str]) -> None:
    result = run_cli(cli_env, *args)

    assert result.returncode == 0
    assert "exit status:" in result.stdout
    for status in ("0  it worked", "1  it failed", "2  a usage error"):
        assert status in result.stdout


def test_an_unexpected_error_is_one_line_that_names_the_debug_switch(
    cli_env: dict[str, str],
) -> None:
    result = run_cli({**cli_env, "AWS_ENDPOINT_URL": "nonsense"}, "accounts")

    assert result.returncode == 1
    assert result.stderr == (
        "birdhouse: unexpected ValueError: Invalid endpoint: nonsense "
        "(BIRDHOUSE_DEBUG=1 shows more)\n"
    )


@pytest.mark.slow
def test_birdhouse_debug_shows_the_traceback(cli_env: dict[str, str]) -> None:
    env = {**cli_env, "AWS_ENDPOINT_URL": "nonsense", "BIRDHOUSE_DEBUG": "1"}

    result = run_python_m_app(env, "accounts")

    assert result.returncode == 1
    assert result.stderr.startswith("Traceback (most recent call last):")
    assert result.stderr.rstrip().endswith("ValueError: Invalid endpoint: nonsense")


@pytest.mark.parametrize("command", ["delete", "restore"])
def test_new_commands_have_help(cli_env: dict[str, str], command: str) -> None:
    result = run_cli(cli_env, command, "--help")

    assert result.returncode == 0
    assert "usage: python -m app" in result.stdout


def test_delete_revokes_and_schedules_then_restore_says_onboard_again(
    cli_env: dict[str, str],
    app_secret: None,
    x_standin: XStandin,
    x_url: str,
    secrets_client: Any,
) -> None:
    onboard_at_standin(x_standin, x_url, secrets_client, "HelloBot")

    deleted = run_cli(cli_env, "delete", "HelloBot", "--recovery-window-days", "9")
    listed = run_cli(cli_env, "accounts", "--deleted")
    restored = run_cli(cli_env, "restore", "hellobot")

    assert deleted.returncode == 0, deleted.stderr
    assert "Deleted @HelloBot" in deleted.stdout
    assert "python -m app restore HelloBot" in deleted.stdout
    assert x_standin.access_token_for("HelloBot") is None  # revoked at X
    assert listed.returncode == 0
    header, row, _hint = listed.stdout.splitlines()
    assert header.split() == ["SCREEN", "NAME", "USER", "ID", "DELETION", "DATE"]
    when = (datetime.now(UTC) + timedelta(days=9)).strftime("%Y-%m-%d")
    assert row.split()[0] == "@HelloBot"
    assert when in row
    assert restored.returncode == 1
    assert "@HelloBot is restored." in restored.stdout
    assert "onboard it again" in restored.stderr
    assert len(restored.stderr.strip().splitlines()) == 1
    assert run_cli(cli_env, "accounts", "--deleted").stdout.startswith("No accounts")


def test_pin_delete_and_restore_are_announced_as_the_api_announces_them(
    cli_env: dict[str, str], app_secret: None, x_standin: XStandin, event_inbox: EventInbox
) -> None:
    typed = PinFromX(x_standin, log_in_as="HelloBot")
    connected = run_cli(cli_env, "pin", "--screen-name", "HelloBot", stdin=typed)
    deleted = run_cli(cli_env, "delete", "HelloBot")
    restored = run_cli(cli_env, "restore", "HelloBot")

    published = [(e["detail-type"], e["detail"]) for e in event_inbox.read_all()]

    assert (connected.returncode, deleted.returncode) == (0, 0), connected.stderr + deleted.stderr
    assert restored.returncode == 1  # deleting revoked the token: onboard it again
    user_id = x_standin.account("HelloBot").user_id
    assert sorted((kind, detail["screen_name"]) for kind, detail in published) == [
        ("Account connected", "HelloBot"),
        ("Account deleted", "HelloBot"),
        ("Account restored", "HelloBot"),
    ]
    details = dict(published)
    assert (details["Account connected"]["user_id"], details["Account connected"]["status"]) == (
        user_id,
        "ok",
    )
    assert details["Account deleted"]["status"] == "deleted"
    assert details["Account restored"]["user_id"] == user_id


def test_delete_exits_1_when_x_could_not_revoke(
    cli_env: dict[str, str],
    app_secret: None,
    x_standin: XStandin,
    x_url: str,
    secrets_client: Any,
) -> None:
    onboard_at_standin(x_standin, x_url, secrets_client, "HelloBot")
    x_standin.fail_next("invalidate_token", Fault(status=503))

    deleted = run_cli(cli_env, "delete", "HelloBot")
    restored = run_cli(cli_env, "restore", "HelloBot")

    assert deleted.returncode == 1
    assert "Deleted @HelloBot" in deleted.stdout
    assert "not revoked at X" in deleted.stderr
    assert restored.returncode == 0, restored.stderr
    assert "X accepts the token" in restored.stdout


def test_accounts_json_is_the_apis_shape(cli_env: dict[str, str], secrets_client: Any) -> None:
    store_account(secrets_client, "HelloBot")

    result = run_cli(cli_env, "accounts", "--json")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "accounts": [
            {
                "screen_name": "HelloBot",
                "user_id": "42",
                "authorized_at": "2026-11-22T03:00:00+00:00",
                "name_conflict": None,
                "status": "ok",
                "checked_at": None,
                "access_level": None,
                "kind": "oauth1",
                "expires_at": None,
                "reported_ok_at": None,
            }
        ],
        "next": None,
    }


def test_deleted_accounts_json(
    cli_env: dict[str, str],
    app_secret: None,
    x_standin: XStandin,
    x_url: str,
    secrets_client: Any,
) -> None:
    onboard_at_standin(x_standin, x_url, secrets_client, "HelloBot")
    run_cli(cli_env, "delete", "HelloBot")

    (entry,) = json.loads(run_cli(cli_env, "accounts", "--deleted", "--json").stdout)["accounts"]

    assert entry["screen_name"] == "HelloBot"
    assert datetime.fromisoformat(entry["deletion_date"]) > datetime.now(UTC)


def test_verify_json_sorts_each_account_and_keeps_the_exit_code(
    cli_env: dict[str, str],
    app_secret: None,
    x_standin: XStandin,
    x_url: str,
    secrets_client: Any,
) -> None:
    for name in ("FineBot", "GoneBot"):
        onboard_at_standin(x_standin, x_url, secrets_client, name)
    x_standin.revoke_all("GoneBot")

    result = run_cli(cli_env, "verify", "--all", "--json")

    assert result.returncode == 1
    document = json.loads(result.stdout)
    assert document["checked"] == 2
    assert document["counts"] == {"ok": 1, "renamed": 0, "revoked": 1, "failed": 0}
    outcomes = {a["screen_name"]: a["outcome"] for a in document["accounts"]}
    assert outcomes == {"FineBot": "ok", "GoneBot": "revoked"}


def stored_app_secret(secrets_client: Any) -> dict[str, str] | None:
    names = [s["Name"] for s in secrets_client.list_secrets()["SecretList"]]
    if "twitter-bots/app" not in names:
        return None
    value: dict[str, str] = json.loads(
        secrets_client.get_secret_value(SecretId="twitter-bots/app")["SecretString"]
    )
    return value


@pytest.mark.slow
def test_bootstrap_proves_the_keys_at_x_before_storing_them(
    cli_env: dict[str, str], secrets_client: Any, x_standin: XStandin
) -> None:
    # End to end through the real entry point: keys on stdin, X asked, the secret written.
    result = run_python_m_app(cli_env, "bootstrap", stdin=f"{CONSUMER_KEY}\n{CONSUMER_SECRET}\n")

    assert result.returncode == 0, result.stderr
    assert "X accepted the consumer keys" in result.stdout
    assert x_standin.calls_to("request_token") == [200]  # an oob request token, signed
    assert (stored_app_secret(secrets_client) or {})["consumer_key"] == CONSUMER_KEY


@pytest.mark.parametrize(
    ("keys", "message", "x_asked"),
    [
        pytest.param(("changethis", CONSUMER_SECRET), "placeholder", False, id="placeholder-key"),
        pytest.param((CONSUMER_KEY, "CHANGEME"), "placeholder", False, id="placeholder-secret"),
        pytest.param(("abc123", CONSUMER_SECRET), "placeholder", False, id="short-key"),
        pytest.param(
            ("ck-not-known-to-x-0000000", CONSUMER_SECRET), "did not accept", True, id="wrong-key"
        ),
        pytest.param(
            (CONSUMER_KEY, "cs-not-the-real-secret-00000000"),
            "did not accept",
            True,
            id="wrong-secret",
        ),
    ],
)
def test_bootstrap_refuses_keys_that_are_not_the_real_thing(
    cli_env: dict[str, str],
    secrets_client: Any,
    x_standin: XStandin,
    keys: tuple[str, str],
    message: str,
    x_asked: bool,
) -> None:
    result = run_cli(cli_env, "bootstrap", stdin=f"{keys[0]}\n{keys[1]}\n")

    assert result.returncode == 1
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert bool(x_standin.calls) is x_asked
    assert stored_app_secret(secrets_client) is None  # nothing written


def test_bootstrap_says_so_when_x_cannot_be_reached_and_offline_skips_the_check(
    cli_env: dict[str, str], secrets_client: Any
) -> None:
    env = {**cli_env, "X_API_BASE_URL": "http://127.0.0.1:9"}
    keys = f"{CONSUMER_KEY}\n{CONSUMER_SECRET}\n"

    checked = run_cli(env, "bootstrap", stdin=keys)
    nothing_stored = stored_app_secret(secrets_client)
    offline = run_cli(env, "bootstrap", "--offline", stdin=keys)

    assert checked.returncode == 1
    assert "--offline" in checked.stderr
    assert nothing_stored is None
    assert offline.returncode == 0, offline.stderr
    assert (stored_app_secret(secrets_client) or {})["consumer_secret"] == CONSUMER_SECRET
