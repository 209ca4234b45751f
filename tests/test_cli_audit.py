"""The command line's audit records: each run of a command that changes something (or reads an
account's keys) writes exactly one, naming the caller's AWS identity (STS), the action, its
target and how it ended; read-only commands write none; no record holds a secret. Operator
keys through the command line: added (printed once), listed (never a key), revoked."""

import json
import re
from typing import Any

import pytest

from app.core.operators import KEY_PATTERN
from app.sandbox.x_standin import XStandin
from tests.support.cli import (
    PinFromX,
    app_secret,
    cli_env,
    ledger_client,
    moto_client,
    onboard_at_standin,
    run_cli,
    secrets_client,
)
from tests.support.constants import ADMIN_TOKEN, CONSUMER_KEY, CONSUMER_SECRET, SIGNING_KEY
from tests.support.operators import audit_records, raw_audit_items, secrets_in

SHARED_FIXTURES = (app_secret, cli_env, secrets_client)
BASE = ("--base-url", "https://b.example")


def _only_invite_id(printed: str) -> str:
    found = re.search(r"[Ii]nvite ([A-Za-z0-9_][A-Za-z0-9_-]{7,63})", printed)
    assert found, printed
    return found.group(1)


@pytest.mark.slow
def test_every_changing_command_writes_one_record_and_reading_ones_none(
    cli_env: dict[str, str],
    app_secret: None,
    x_standin: XStandin,
    x_url: str,
    secrets_client: Any,
    moto_server: str,
) -> None:
    onboard_at_standin(x_standin, x_url, secrets_client, "HelloBot")
    caller = moto_client(moto_server, "sts").get_caller_identity()["Arn"]
    dynamodb = ledger_client(moto_server)
    known = {ADMIN_TOKEN, CONSUMER_KEY, CONSUMER_SECRET, SIGNING_KEY}
    stored = json.loads(
        secrets_client.get_secret_value(SecretId="twitter-bots/accounts/hellobot")["SecretString"]
    )
    known |= {stored["access_token"], stored["access_token_secret"]}
    printed: list[str] = []

    def run(*args: str, stdin: Any = "", returncode: int = 0) -> dict[str, Any]:
        before = len(audit_records(dynamodb))
        result = run_cli(cli_env, *args, stdin=stdin)
        assert result.returncode == returncode, (args, result.stdout, result.stderr)
        printed.append(result.stdout + result.stderr)
        new = audit_records(dynamodb)[before:]
        assert len(new) == 1, (args, new)
        (record,) = new
        assert record.operator == caller
        assert record.via == "cli"
        return {
            "action": record.action,
            "outcome": record.outcome.value,
            "account": record.account,
            "invite": record.invite,
            "target_operator": record.target_operator,
            "error_code": record.error_code,
        }

    def expect(action: str, outcome: str = "ok", **targets: str | None) -> dict[str, Any]:
        return {
            "action": action,
            "outcome": outcome,
            "account": None,
            "invite": None,
            "target_operator": None,
            "error_code": None,
            **targets,
        }

    assert run("operators", "add", "Ada", "--role", "viewer") == expect(
        "operator.add", target_operator="ada"
    )
    key = printed[-1].splitlines()[0]
    assert re.fullmatch(KEY_PATTERN, key)
    known.add(key)
    assert run("operators", "revoke", "ada") == expect("operator.revoke", target_operator="ada")
    invite = run("invite", "--screen-name", "NewBot", *BASE)
    invite_id = _only_invite_id(printed[-1])
    assert invite == expect("invite.create", account="newbot", invite=invite_id)
    assert run("invites", "revoke", invite_id) == expect("invite.withdraw", invite=invite_id)
    assert run("creds", "HelloBot") == expect("account.read_keys", account="hellobot")
    assert run("verify", "HelloBot") == expect("account.verify", account="hellobot")
    assert run("tweet", "HelloBot") == expect("account.test_tweet", account="hellobot")
    assert run("rename", "HelloBot") == expect("account.rename", account="hellobot")
    reset = run("reset", "HelloBot", *BASE)
    assert reset == expect("account.reset", account="hellobot", invite=_only_invite_id(printed[-1]))
    assert run("delete", "HelloBot") == expect("account.delete", account="hellobot")
    # Restored, but reset revoked its token at X: it needs the operator (exit 1).
    assert run("restore", "HelloBot", returncode=1) == expect(
        "account.restore", "attention", account="hellobot"
    )
    assert run("delete", "NoSuchBot", returncode=1) == expect(
        "account.delete", "failed", account="nosuchbot", error_code="account_not_found"
    )
    assert run("verify", "--all", returncode=1) == expect("account.verify", "attention")
    assert run("sweep", returncode=1) == expect("fleet.sweep", "attention")
    pin = PinFromX(x_standin, log_in_as="PinBot")
    assert run("pin", "--screen-name", "PinBot", stdin=pin) == expect(
        "account.connect", account="pinbot"
    )
    # No OAuth 2.0 client in this app secret: nothing to refresh (exit 1, recorded as failed).
    assert run("refresh", "PinBot", returncode=1) == expect(
        "account.refresh", "failed", account="pinbot", error_code="oauth2_not_configured"
    )
    assert run("refresh", "--due") == expect("fleet.refresh")
    new_key, new_secret = x_standin.regenerate_consumer_key(CONSUMER_KEY)
    known |= {new_key, new_secret}
    assert run("rotate-consumer-keys", *BASE, stdin=f"{new_key}\n{new_secret}\n") == expect(
        "app_secret.rotate_consumer_keys"
    )
    assert run("bootstrap", "--offline", stdin=f"{new_key}\n{new_secret}\n") == expect(
        "app_secret.bootstrap"
    )

    before = len(audit_records(dynamodb))
    for reading in (
        ["accounts"],
        ["invites"],
        ["operators"],
        ["audit"],
        ["policy", "HelloBot"],
        ["accounts", "--deleted"],
    ):
        assert run_cli(cli_env, *reading).returncode == 0, reading
    assert len(audit_records(dynamodb)) == before

    handed_out = set(re.findall(r"https://\S+", "\n".join(printed)))
    assert handed_out  # the invite and reset links
    raw = json.dumps(raw_audit_items(dynamodb))
    assert secrets_in(raw, known | handed_out) == []


def test_operators_are_listed_without_their_keys_and_the_trail_is_readable(
    cli_env: dict[str, str], app_secret: None, secrets_client: Any, moto_server: str
) -> None:
    added = run_cli(cli_env, "operators", "add", "ines", "--role", "inviter")
    key = added.stdout.splitlines()[0]
    listed = run_cli(cli_env, "operators")
    trail = run_cli(cli_env, "audit", "--operator", "nobody")
    everything = run_cli(cli_env, "audit", "--json")

    assert added.returncode == 0
    assert "shown only now" in added.stdout
    assert re.search(r"^ines\s+inviter\s+\S+ \S+\s+never$", listed.stdout, re.MULTILINE)
    assert key not in listed.stdout + trail.stdout + everything.stdout
    assert trail.stdout.strip() == "No audit records."
    (record,) = json.loads(everything.stdout)["records"]
    assert record["action"] == "operator.add"
    assert record["target_operator"] == "ines"
    table = run_cli(cli_env, "audit").stdout
    assert "operator.add" in table
    assert "operator ines" in table


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["operators", "add", "ines"], "usage: operators add NAME --role"),
        (["operators", "revoke"], "usage: operators revoke NAME"),
        (["operators", "revoke", "nobody"], "No operator is called 'nobody'"),
        (["operators", "add", "owner", "--role", "admin"], "reserved"),
        (["operators", "revoke", "owner"], "No operator is called 'owner'"),
        (["audit", "--next", "garbage"], "does not continue this listing"),
    ],
)
def test_operator_commands_say_what_is_wrong(
    cli_env: dict[str, str], secrets_client: Any, args: list[str], says: str
) -> None:
    result = run_cli(cli_env, *args)

    assert result.returncode == 1
    assert says in result.stderr
