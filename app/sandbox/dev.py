"""`make dev`: Birdhouse locally, with an embedded Secrets Manager and X sandbox when needed.

Settings come from the environment and the repository's `.env` (loaded first; the environment
wins). What is configured is used for real; what is not is stood in for:
- AWS counts as configured when AWS_ENDPOINT_URL (or a service's AWS_ENDPOINT_URL_<SERVICE>),
  AWS_PROFILE or AWS_ACCESS_KEY_ID is set. Otherwise a moto server on loopback plays Secrets
  Manager, DynamoDB, EventBridge and SNS, seeded with an app secret and the invite table.
  Configured AWS is local only when every one of those services points at loopback.
- X counts as configured when CONSUMER_KEY and CONSUMER_SECRET are set. Otherwise the
  signature-verifying X stand-in is served on its own port, with an authorize page.

The X sandbox approves any account without a password, so it runs only beside AWS on this
machine (the embedded one, or endpoints on loopback for every service): never beside real AWS,
not even one real service, unless --allow-sandbox-with-real-aws says so. The app runs in a
child process; Ctrl-C stops all.
"""

import argparse
import itertools
import json
import logging
import os
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import timedelta
from enum import Enum
from pathlib import Path
from types import FrameType
from typing import Any, BinaryIO
from urllib.parse import urlsplit

import requests

from app import wiring
from app.config import INSTANCE_HEADER, INSTANCE_ID_VARIABLE, LOOPBACK_HOSTS, Settings
from app.core.invites import invite_link
from app.env_file import load_env_file
from app.flows.invites import create_invite
from app.sandbox import refuse_to_run_in_lambda
from app.sandbox.dev_state import DEFAULT_STATE_DIR, DevState, replay

# Every AWS service Birdhouse calls, with boto3's service-specific endpoint variable (which wins
# over AWS_ENDPOINT_URL for that service). A sandbox beside one of them at AWS writes fake
# accounts' invites or events there, so each must be on loopback for AWS to count as local.
_SERVICE_ENDPOINT_VARIABLES = {
    "Secrets Manager": "AWS_ENDPOINT_URL_SECRETS_MANAGER",
    "DynamoDB": "AWS_ENDPOINT_URL_DYNAMODB",
    "EventBridge": "AWS_ENDPOINT_URL_EVENTBRIDGE",
    "SNS": "AWS_ENDPOINT_URL_SNS",
}
# Set to true, boto3 ignores every AWS_ENDPOINT_URL* variable: everything goes to AWS.
_IGNORE_ENDPOINTS = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"
_AWS_CONFIGURED_BY = (
    "AWS_ENDPOINT_URL",
    *_SERVICE_ENDPOINT_VARIABLES.values(),
    "AWS_PROFILE",
    "AWS_ACCESS_KEY_ID",
)
# With the sandbox, the app is advertised on `localhost` and the sandbox on `127.0.0.1`: two
# sites, so the redirect back from "X" is cross-site as it is in production, and SameSite=Lax
# is exercised. With real X the app is on 127.0.0.1: X refuses `localhost` callback URLs.
_SANDBOX_APP_HOST = "localhost"
_LOOPBACK = "127.0.0.1"
_REPOSITORY = Path(__file__).resolve().parents[2]
# What the command line needs to reach the dev stack, printed as `export` lines: where things
# are, and the embedded store's throwaway credentials (never credentials of your own).
_CLI_VARIABLES = ("AWS_ENDPOINT_URL", "AWS_DEFAULT_REGION", "X_API_BASE_URL", "PUBLIC_BASE_URL")
_EMBEDDED_CREDENTIALS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")


class DevRefusal(Exception):
    """make dev will not start; the message is one line saying why and what to change."""


class SecretsManagerKind(Enum):
    EMBEDDED = "embedded"  # a moto server this launcher starts and seeds
    LOCAL = "local"  # an AWS_ENDPOINT_URL on loopback (your own moto server, say)
    REAL = "real"  # AWS itself


@dataclass(frozen=True)
class DevPlan:
    """What make dev will run for real and what it will stand in for."""

    secrets_manager: SecretsManagerKind
    x_sandbox: bool
    app_host: str

    @property
    def sandbox_with_real_aws(self) -> bool:
        return self.x_sandbox and self.secrets_manager is SecretsManagerKind.REAL


def plan(
    environ: Mapping[str, str], settings: Settings, *, allow_sandbox_with_real_aws: bool
) -> DevPlan:
    """Decide the stack from the environment; refuse the sandbox beside real AWS."""
    configured = [name for name in _AWS_CONFIGURED_BY if environ.get(name)]
    at_aws = _services_not_on_loopback(environ)
    if not configured:
        kind = SecretsManagerKind.EMBEDDED
    elif not at_aws:
        kind = SecretsManagerKind.LOCAL
    else:
        kind = SecretsManagerKind.REAL
    x_sandbox = not (settings.consumer_key and settings.consumer_secret)
    if x_sandbox and kind is SecretsManagerKind.REAL and not allow_sandbox_with_real_aws:
        raise DevRefusal(
            f"refusing to run the X sandbox (any account, no password) against real AWS "
            f"({', '.join(configured)} set; {_where_at_aws(environ, at_aws)}): set "
            f"CONSUMER_KEY and CONSUMER_SECRET to use real X, or unset {', '.join(configured)} "
            "to use the embedded AWS (--allow-sandbox-with-real-aws if you truly mean it)"
        )
    return DevPlan(
        secrets_manager=kind,
        x_sandbox=x_sandbox,
        app_host=_SANDBOX_APP_HOST if x_sandbox else _LOOPBACK,
    )


def _services_not_on_loopback(environ: Mapping[str, str]) -> list[str]:
    """The services boto3 would send to AWS: no endpoint on loopback, as boto3 resolves it."""
    if environ.get(_IGNORE_ENDPOINTS, "").strip().lower() == "true":
        return list(_SERVICE_ENDPOINT_VARIABLES)
    return [
        service
        for service, variable in _SERVICE_ENDPOINT_VARIABLES.items()
        if not _is_loopback(environ.get(variable) or environ.get("AWS_ENDPOINT_URL"))
    ]


def _is_loopback(endpoint: str | None) -> bool:
    return bool(endpoint) and (urlsplit(endpoint).hostname or "") in LOOPBACK_HOSTS


def _where_at_aws(environ: Mapping[str, str], services: list[str]) -> str:
    """Which services go to AWS, and why, in a few words."""
    if environ.get(_IGNORE_ENDPOINTS, "").strip().lower() == "true":
        return f"{_IGNORE_ENDPOINTS}=true makes boto3 ignore every endpoint variable"
    if len(services) == len(_SERVICE_ENDPOINT_VARIABLES):
        return "no endpoint on loopback"
    variables = ", ".join(_SERVICE_ENDPOINT_VARIABLES[service] for service in services)
    return f"{', '.join(services)} not on loopback: point {variables} there too"


def busy_port_problem(port: int, variable: str) -> str | None:
    """A one-line complaint if something already listens on this loopback port."""
    with socket.socket() as probe:
        # As uvicorn binds: a listener conflicts, a closing connection in TIME_WAIT does not.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((_LOOPBACK, port))
        except OSError:
            return f"port {port} is in use by another program: choose another with {variable}=…"
    return None


@dataclass
class DevStack:
    app_url: str
    env: dict[str, str]
    notes: list[str] = field(default_factory=list)
    admin_token: str | None = None
    signing_key: str | None = None


def main(argv: list[str] | None = None) -> int:
    refuse_to_run_in_lambda()
    parser = argparse.ArgumentParser(prog="python -m app.sandbox.dev", description=__doc__)
    parser.add_argument("--port", type=int, help="the app's port (default: PORT, else 8000)")
    parser.add_argument(
        "--x-port", type=int, help="the X sandbox's port (default: X_PORT, else 8001)"
    )
    parser.add_argument(
        "--moto-port",
        type=int,
        help="the embedded AWS's port (default: MOTO_PORT, else 8002): stable, so the printed "
        "exports keep working across restarts",
    )
    parser.add_argument(
        "--state-dir",
        type=Path,
        help="where the embedded AWS and the X sandbox keep their state across restarts "
        "(default: DEV_STATE_DIR, else .dev-state in the repository, which git ignores)",
    )
    parser.add_argument(
        "--fresh", action="store_true", help="forget the kept state and start clean"
    )
    parser.add_argument("--no-reload", action="store_true", help="don't restart on code changes")
    parser.add_argument(
        "--allow-sandbox-with-real-aws",
        action="store_true",
        help="run the X sandbox even though AWS is configured: its fake accounts are then "
        "written to that real Secrets Manager",
    )
    args = parser.parse_args(argv)

    started = time.monotonic()
    load_env_file()
    try:
        app_port = args.port or _port_from_environment("PORT", default=8000)
        x_port = args.x_port or _port_from_environment("X_PORT", default=8001)
        moto_port = args.moto_port or _port_from_environment("MOTO_PORT", default=8002)
        dev_plan = plan(
            os.environ, Settings(), allow_sandbox_with_real_aws=args.allow_sandbox_with_real_aws
        )
        _check_ports(dev_plan, app_port=app_port, x_port=x_port, moto_port=moto_port)
    except DevRefusal as exc:
        print(f"make dev: {exc}", file=sys.stderr)
        return 2
    # Explicit, so Ctrl-C works even where SIGINT was inherited as ignored (background jobs).
    signal.signal(signal.SIGINT, _stop_on_signal)
    signal.signal(signal.SIGTERM, _stop_on_signal)
    with ExitStack() as stack:
        try:
            state = DevState(
                args.state_dir or Path(os.environ.get("DEV_STATE_DIR") or DEFAULT_STATE_DIR)
            )
            if args.fresh:
                state.wipe()
            # First, so that it loads the app while moto and the X sandbox start (a second of a
            # 2.4 s start); it serves once it has their addresses and keys.
            app, handover = _start_app(port=app_port, reload=not args.no_reload)
            stack.callback(_stop, app)  # if the rest fails to start
            stack.callback(handover.close)  # (first: an app still waiting then exits by itself)
            dev = stack.enter_context(
                _dev_stack(
                    dev_plan, app_port=app_port, x_port=x_port, moto_port=moto_port, state=state
                )
            )
            # On every way out from here on, the app stops first, then moto and the X sandbox.
            stack.callback(_stop, app)
            instance = secrets.token_hex(8)
            dev.env[INSTANCE_ID_VARIABLE] = instance
            _hand_over_environment(app, handover, dev.env)
        except KeyboardInterrupt:
            return 0
        try:
            _wait_until_up(f"http://{_LOOPBACK}:{app_port}/healthz", app, instance=instance)
            _print_welcome(dev, dev_plan, seconds=time.monotonic() - started)
            return app.wait()
        except DevRefusal as exc:
            print(f"make dev: {exc}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("\nStopping Birdhouse…", flush=True)
            return 0


def _port_from_environment(variable: str, *, default: int) -> int:
    value = os.environ.get(variable, "").strip()
    if not value:
        return default
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise DevRefusal(f"{variable}={value!r} is not a port number (1-65535)")
    return int(value)


def _check_ports(dev_plan: DevPlan, *, app_port: int, x_port: int, moto_port: int) -> None:
    """Every port free before anything starts, so no half-started stack is left behind."""
    wanted = [(app_port, "PORT")]
    if dev_plan.x_sandbox:
        wanted.append((x_port, "X_PORT"))
    if dev_plan.secrets_manager is SecretsManagerKind.EMBEDDED:
        wanted.append((moto_port, "MOTO_PORT"))
    for (port, variable), (other_port, other) in itertools.combinations(wanted, 2):
        if port == other_port:
            raise DevRefusal(f"{variable} and {other} are both {port}: give them different ports")
    for port, variable in wanted:
        if problem := busy_port_problem(port, variable):
            raise DevRefusal(problem)


@contextmanager
def _dev_stack(
    dev_plan: DevPlan, *, app_port: int, x_port: int, moto_port: int, state: DevState
) -> Iterator[DevStack]:
    """Start moto and the X sandbox as planned, restoring their kept state; yield the app's
    environment."""
    from app.sandbox.serve import serve_in_background

    settings = Settings()
    env = dict(os.environ)
    public_url = settings.public_base_url or f"http://{dev_plan.app_host}:{app_port}"
    dev = DevStack(app_url=public_url, env=env)
    env["PUBLIC_BASE_URL"] = public_url
    embedded = dev_plan.secrets_manager is SecretsManagerKind.EMBEDDED
    kept_secret: dict[str, str] | None = None
    with ExitStack() as stack:
        if embedded:
            restoring = state.kept()
            requests_kept = state.prepare_recording()  # before moto is imported
            endpoint = stack.enter_context(_moto_server(moto_port))
            env.update(
                AWS_ENDPOINT_URL=endpoint,
                AWS_ACCESS_KEY_ID="sandbox",
                AWS_SECRET_ACCESS_KEY="sandbox",  # noqa: S106 - moto accepts anything
                AWS_DEFAULT_REGION=env.get("AWS_DEFAULT_REGION", "us-east-1"),
            )
            dev.notes.append(f"Secrets Manager: embedded moto server at {endpoint}")
            if restoring:
                replay(endpoint)
                kept_secret = _read_app_secret(env, settings)
            dev.notes.append(_state_note(state, restored=kept_secret, requests=requests_kept))
        elif dev_plan.secrets_manager is SecretsManagerKind.LOCAL:
            dev.notes.append(
                "AWS: yours on this machine (Secrets Manager, DynamoDB, EventBridge and SNS "
                "endpoints on loopback)"
            )
        else:
            dev.notes.append("AWS: REAL, from your AWS settings")

        if not dev_plan.x_sandbox:
            dev.notes.append(f"X: real, at {settings.x_api_base_url}")
            dev.notes.append(
                f"    Register {public_url}/callback as a callback URL on your X app "
                "(X refuses localhost; 127.0.0.1 works)."
            )
        else:
            from app.sandbox.x_standin import XStandin
            from app.sandbox.x_standin.oauth2 import AUTHORIZE_PATH as OAUTH2_AUTHORIZE_PATH

            consumer_key = "sandbox-consumer-key"
            consumer_secret = secrets.token_urlsafe(24)
            if kept_secret is not None:
                consumer_key = kept_secret["consumer_key"]
                consumer_secret = kept_secret["consumer_secret"]
            # The sandbox's OAuth 2.0 client too, so `"auth": "oauth2"` invites work locally.
            client_id, client_secret = "sandbox-client-id", secrets.token_urlsafe(24)
            if kept_secret is not None and kept_secret.get("client_secret"):
                client_secret = kept_secret["client_secret"]
            standin = XStandin(
                consumers={consumer_key: consumer_secret},
                oauth2_clients={client_id: client_secret},
                sandbox_banner=True,
                # Kept only beside the embedded AWS, whose secrets hold the tokens it issued.
                on_change=(lambda: state.save_x_sandbox(standin.snapshot())) if embedded else None,
            )
            kept_sandbox = state.load_x_sandbox() if kept_secret is not None else None
            if kept_sandbox is not None:
                standin.restore(kept_sandbox)
            x_server = serve_in_background(standin.app, host=_LOOPBACK, port=x_port)
            stack.callback(x_server.stop)
            env.update(
                X_API_BASE_URL=x_server.url,
                X_OAUTH2_AUTHORIZE_URL=f"{x_server.url}{OAUTH2_AUTHORIZE_PATH}",
                CONSUMER_KEY=consumer_key,
                CONSUMER_SECRET=consumer_secret,
                CLIENT_ID=client_id,
                CLIENT_SECRET=client_secret,
            )
            dev.notes.append(f"X: SANDBOX at {x_server.url} (any username, no password)")

        if embedded:
            if kept_secret is None:
                kept_secret = _seed_app_secret(env, settings)
                wiring.create_tables(settings, client=_embedded_client(env, "dynamodb"))
            dev.admin_token = kept_secret["admin_token"]
            dev.signing_key = kept_secret["signing_key"]
            dev.notes.append(
                f"Invite ledger, operators, audit trail, refresh leases: DynamoDB tables "
                f"{settings.invites_table}, {settings.operators_table}, {settings.audit_table}, "
                f"{settings.refresh_leases_table}, embedded"
            )
        yield dev


def _state_note(state: DevState, *, restored: dict[str, str] | None, requests: int) -> str:
    where = _shown_path(state.directory)
    if restored is not None:
        return (
            f"State: KEPT from the last run ({requests} changes replayed from {where}; "
            "make dev FRESH=1 starts clean)"
        )
    return f"State: FRESH, kept in {where} across restarts (make dev FRESH=1 starts clean)"


def _shown_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(_REPOSITORY)) + "/"
    except ValueError:
        return str(path)


@contextmanager
def _moto_server(port: int) -> Iterator[str]:
    from app.sandbox.moto_server import serve_moto

    server = serve_moto(host=_LOOPBACK, port=port)
    try:
        yield server.url
    finally:
        server.stop()


def _embedded_client(env: Mapping[str, str], service: str) -> Any:
    import boto3

    return boto3.client(
        service,  # type: ignore[call-overload]
        endpoint_url=env["AWS_ENDPOINT_URL"],
        region_name=env["AWS_DEFAULT_REGION"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
    )


def _seed_app_secret(env: dict[str, str], settings: Settings) -> dict[str, str]:
    """A new app secret in the embedded store, with a fresh admin token and signing key."""
    value = {
        "consumer_key": env["CONSUMER_KEY"],
        "consumer_secret": env["CONSUMER_SECRET"],
        "admin_token": secrets.token_urlsafe(24),
        "signing_key": secrets.token_urlsafe(32),
        # The X app's OAuth 2.0 client, where one is configured (the sandbox's, or .env's).
        **{key: env[key.upper()] for key in ("client_id", "client_secret") if env.get(key.upper())},
    }
    client = _embedded_client(env, "secretsmanager")
    client.create_secret(Name=settings.app_secret_id, SecretString=json.dumps(value))
    return value


def _read_app_secret(env: dict[str, str], settings: Settings) -> dict[str, str] | None:
    """The app secret a replayed store holds, or None if the replay did not bring one back."""
    client = _embedded_client(env, "secretsmanager")
    try:
        answer = client.get_secret_value(SecretId=settings.app_secret_id)
    except client.exceptions.ResourceNotFoundException:
        return None
    value: dict[str, str] = json.loads(answer["SecretString"])
    return value


def _start_app(*, port: int, reload: bool) -> tuple[subprocess.Popen[bytes], BinaryIO]:
    """The app's process, loading the app and waiting for its environment on a pipe of its own
    (stdin stays the terminal's, for a breakpoint()); and that pipe's end to write."""
    read_end, write_end = os.pipe()
    command = [sys.executable, "-m", "app.sandbox.serve_local", "--port", str(port)]
    command += ["--environment-fd", str(read_end)]
    if reload:
        command.append("--reload")
    try:
        app = subprocess.Popen(command, cwd=_REPOSITORY, pass_fds=(read_end,))  # noqa: S603 - our own interpreter
    except BaseException:
        os.close(write_end)
        raise
    finally:
        os.close(read_end)  # the child's now; if it dies, writing fails instead of blocking
    return app, os.fdopen(write_end, "wb", buffering=0)


def _hand_over_environment(
    app: subprocess.Popen[bytes], handover: BinaryIO, env: Mapping[str, str]
) -> None:
    """The app's whole environment, on one line: then it serves. An app that exited while
    loading is left to _wait_until_up to report."""
    with handover:
        if app.poll() is not None:
            return
        with suppress(BrokenPipeError):  # it exited since
            handover.write(json.dumps(dict(env)).encode() + b"\n")


def _wait_until_up(
    url: str, app: subprocess.Popen[bytes], *, instance: str, timeout_seconds: float = 30
) -> None:
    """Until our own child answers: another server on the port cannot echo this run's id."""
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        if app.poll() is not None:
            raise DevRefusal(f"the app exited with status {app.returncode}; see its output above")
        try:
            answer = requests.get(url, timeout=1)
            if answer.status_code == 200 and answer.headers.get(INSTANCE_HEADER) == instance:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise DevRefusal(f"Birdhouse did not answer {url} within {timeout_seconds:g} s")


def _print_welcome(dev: DevStack, dev_plan: DevPlan, *, seconds: float) -> None:
    lines = [""]
    if dev_plan.sandbox_with_real_aws:
        lines += [
            "!" * 78,
            "!! X SANDBOX AGAINST REAL AWS: anyone who opens a link can connect any account",
            "!! name without a password, and its fake tokens overwrite real account secrets.",
            "!" * 78,
        ]
    lines += [
        "🐦 Birdhouse is running (Ctrl-C stops everything)",
        f"  App:             {dev.app_url}  (API docs: {dev.app_url}/docs)",
        f"  Console:         {dev.app_url}/console  (sign in with the admin token below)",
        *(f"  {note}" for note in dev.notes),
        "  Command line against this stack (paste into another shell, then python -m app …):",
        *(f"    {line}" for line in _cli_exports(dev.env)),
        f"  Admin token:     {dev.admin_token or 'the admin_token in your app secret'}",
        f"  Onboarding link: {_onboarding_link(dev)}",
        f"  Ready in {seconds:.1f} s",
        "",
    ]
    print("\n".join(lines), flush=True)


def _cli_exports(env: Mapping[str, str]) -> list[str]:
    """`export` lines that point `python -m app` here; your own AWS credentials never appear."""
    names = [name for name in _CLI_VARIABLES if env.get(name)]
    names += [name for name in _EMBEDDED_CREDENTIALS if env.get(name) != os.environ.get(name)]
    return [f"export {name}={shlex.quote(env[name])}" for name in names]


def _onboarding_link(dev: DevStack) -> str:
    if dev.signing_key is None:
        # Only the embedded store's own, throwaway signing key signs a printed link: a key
        # from a real app secret would make an any-account link that outlives this session.
        return "mint one with 'python -m app invite' or POST /invites"
    settings = Settings()
    invite = create_invite(
        ledger=wiring.invite_ledger(settings, client=_embedded_client(dev.env, "dynamodb")),
        store=wiring.account_store(settings, client=_embedded_client(dev.env, "secretsmanager")),
        signing_key=dev.signing_key,
        screen_name=None,
        lifetime=timedelta(days=1),
        note="printed by make dev",
    )
    return invite_link(dev.app_url, invite.token)


def _stop(app: subprocess.Popen[bytes]) -> None:
    if app.poll() is None:
        app.send_signal(signal.SIGINT)
        try:
            app.wait(timeout=10)
        except subprocess.TimeoutExpired:
            app.kill()
            app.wait()


def _stop_on_signal(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _exit_now(code: int) -> None:
    """Exit once everything has stopped, without the interpreter's teardown of moto's modules
    (0.4 s after every Ctrl-C). Nothing is left to save: moto's recorder and the X sandbox
    write their state as it changes, and the app has stopped."""
    try:
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
    finally:  # a closed pipe on the other end is no reason to exit another way
        os._exit(code)


if __name__ == "__main__":
    _exit_now(main())
