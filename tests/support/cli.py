"""The command line as operators run it, against a moto server and the X stand-in on loopback:
the helpers and fixtures the command-line tests share.

`run_cli` loads `.env` and calls `app.cli.main(argv)` in this process, as `python -m app` does
in a fresh one: the environment is exactly the one given, stdin/stdout/stderr are its own, and
the per-process caches (AWS clients, boto3's default session and its credentials, settings, the
app secret) start empty and are emptied again afterwards. `run_python_m_app` is the real entry
point, for the few smoke tests that keep it covered.
"""

import contextlib
import functools
import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO, cast
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import boto3
import botocore.loaders
import botocore.session
import pytest
import requests

from app.adapters.audit_trail import create_audit_table
from app.adapters.dynamodb import create_dynamodb_client
from app.adapters.events import create_events_client
from app.adapters.invite_ledger import create_invites_table
from app.adapters.operator_registry import create_operators_table
from app.adapters.secrets_manager import SecretsManagerAccountStore, create_secrets_client
from app.app_secret import clear_app_secret_cache
from app.cli import main
from app.config import get_settings
from app.env_file import load_env_file
from app.sandbox.x_standin import XStandin
from birdhouse_client.layout import AccountSecret
from tests.support.constants import (
    ACCOUNT_EVENTS,
    APP_SECRET_VALUE,
    AUDIT_TABLE,
    CONSUMER_KEY,
    CONSUMER_SECRET,
    INVITES_TABLE,
    OPERATORS_TABLE,
)
from tests.support.owner_flows import tokens_from_standin

REPOSITORY = Path(__file__).resolve().parents[2]

# What the operator types: a fixed text, or an answer to what the command printed so far.
Typed = str | Callable[[str], str]


@dataclass(frozen=True)
class CliResult:
    """What a run left behind, named as subprocess.CompletedProcess names it."""

    returncode: int
    stdout: str
    stderr: str


class _Keyboard:
    """stdin, not a terminal: the lines of a text, or one line worked out from the output when
    the command asks (`ask()` reads no more than `isatty` and `readline`)."""

    def __init__(self, typed: Typed, printed: io.StringIO) -> None:
        self._lines = io.StringIO(typed if isinstance(typed, str) else "")
        self._answer = None if isinstance(typed, str) else typed
        self._printed = printed

    def isatty(self) -> bool:
        return False

    def readline(self) -> str:
        if self._answer is not None:
            answer, self._answer = self._answer, None
            return answer(self._printed.getvalue())
        return self._lines.readline()


@functools.cache
def _service_models() -> botocore.loaders.Loader:
    return botocore.loaders.create_loader()


def _fresh_boto3_session() -> boto3.Session:
    """A new default session, with its own credentials and config as a new process has, reading
    the service models through one loader for the run: loading them is most of a client's cost."""
    core = botocore.session.Session()
    core.register_component("data_loader", _service_models())
    session = boto3.Session(botocore_session=core)
    paths = _service_models().search_paths  # each boto3.Session adds its own data folder again
    paths[:] = list(dict.fromkeys(paths))
    return session


def clear_process_caches() -> None:
    """What a fresh process starts without: made on first use, from the environment then."""
    create_secrets_client.cache_clear()
    create_dynamodb_client.cache_clear()
    create_events_client.cache_clear()
    get_settings.cache_clear()
    clear_app_secret_cache()


@contextlib.contextmanager
def _fresh_process(env: dict[str, str]) -> Iterator[None]:
    app_logger = logging.getLogger("app")
    root = logging.getLogger()
    saved = (app_logger.level, root.level, list(root.handlers), boto3.DEFAULT_SESSION)
    clear_process_caches()
    boto3.DEFAULT_SESSION = _fresh_boto3_session()  # a session keeps the credentials it found
    try:
        with mock.patch.dict(os.environ, env, clear=True):
            yield
    finally:
        clear_process_caches()  # the session is put back below
        # main() sets the log levels for its one run; the next test's logs are its own.
        app_logger.setLevel(saved[0])
        root.setLevel(saved[1])
        root.handlers[:] = saved[2]
        boto3.DEFAULT_SESSION = saved[3]


def run_cli(env: dict[str, str], *args: str, stdin: Typed = "") -> CliResult:
    """`python -m app ARGS` with this environment and input, run in this process."""
    stdout, stderr = io.StringIO(), io.StringIO()
    keyboard = _Keyboard(stdin, stdout)
    saved_stdin = sys.stdin
    sys.stdin = cast(TextIO, keyboard)
    try:
        with (
            _fresh_process(env),
            contextlib.redirect_stdout(stdout),
            contextlib.redirect_stderr(stderr),
        ):
            try:
                load_env_file()  # what `python -m app` does before main()
                returncode = main(list(args))
            except SystemExit as exit_:  # argparse: --help, --version, usage errors
                code = exit_.code
                returncode = code if isinstance(code, int) else (0 if code is None else 1)
    finally:
        sys.stdin = saved_stdin
    return CliResult(returncode, stdout.getvalue(), stderr.getvalue())


def run_python_m_app(
    env: dict[str, str], *args: str, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """The real entry point, in a subprocess: for the smoke tests."""
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


def moto_client(moto_server: str, service: str) -> Any:
    """A boto3 client for the moto server, to look inside it."""
    return boto3.client(
        service,  # type: ignore[call-overload]  # any service name the test asks for
        endpoint_url=moto_server,
        region_name="us-east-1",
        aws_access_key_id="cli",
        aws_secret_access_key="cli",
    )


def ledger_client(moto_server: str) -> Any:
    return moto_client(moto_server, "dynamodb")


@pytest.fixture
def secrets_client(moto_server: str) -> Any:
    requests.post(f"{moto_server}/moto-api/reset", timeout=5)
    ledger = ledger_client(moto_server)
    create_invites_table(ledger, INVITES_TABLE)
    create_operators_table(ledger, OPERATORS_TABLE)
    create_audit_table(ledger, AUDIT_TABLE)
    return moto_client(moto_server, "secretsmanager")


class EventInbox:
    """Every account event Birdhouse published, routed by an EventBridge rule into an SQS
    queue (the operators' "Operator action" events go by another rule)."""

    def __init__(self, sqs: Any, queue_url: str) -> None:
        self._sqs, self._queue_url = sqs, queue_url

    def read_all(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        while messages := self._sqs.receive_message(
            QueueUrl=self._queue_url, MaxNumberOfMessages=10
        ).get("Messages", []):
            for message in messages:
                self._sqs.delete_message(
                    QueueUrl=self._queue_url, ReceiptHandle=message["ReceiptHandle"]
                )
                found.append(json.loads(message["Body"]))
        return found


@pytest.fixture
def event_inbox(moto_server: str, secrets_client: Any) -> EventInbox:
    """The moto server's default bus (freshly reset by secrets_client), read through a queue."""
    sqs = moto_client(moto_server, "sqs")
    queue_url = sqs.create_queue(QueueName="birdhouse-events")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    bridge = moto_client(moto_server, "events")
    bridge.put_rule(Name="birdhouse-accounts", EventPattern=json.dumps(ACCOUNT_EVENTS))
    bridge.put_targets(Rule="birdhouse-accounts", Targets=[{"Id": "queue", "Arn": arn}])
    return EventInbox(sqs, queue_url)


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
        # The checkout's client, not whichever copy the venv installed.
        PYTHONPATH=os.pathsep.join([str(REPOSITORY), str(REPOSITORY / "client" / "src")]),
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


def start_pin(
    env: dict[str, str], screen_name: str
) -> tuple[subprocess.Popen[str], dict[str, list[str]]]:
    """`python -m app pin` in a subprocess, up to its PIN prompt; the process and the authorize
    link's query."""
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


class PinFromX:
    """Typed at `pin`'s prompt: the operator opens the link the command printed, the owner logs
    in at X as `log_in_as` and authorizes, and the operator types the PIN X shows."""

    def __init__(self, x_standin: XStandin, *, log_in_as: str, typed: str = "{pin}\n") -> None:
        self.x_standin, self.log_in_as, self.typed = x_standin, log_in_as, typed
        self.query: dict[str, list[str]] = {}
        self.pin = ""

    def __call__(self, printed: str) -> str:
        self.query = parse_qs(urlsplit(printed.splitlines()[1].strip()).query)
        self.pin = pin_shown_by_x(
            self.x_standin, self.query["oauth_token"][0], log_in_as=self.log_in_as
        )
        return self.typed.format(pin=self.pin)
