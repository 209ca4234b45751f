"""`make dev`: Birdhouse locally, with an embedded Secrets Manager and X sandbox when needed.

What is configured (in the environment or .env) is used for real; what is not is stood in for:
- AWS counts as configured when AWS_ENDPOINT_URL(_SECRETS_MANAGER), AWS_PROFILE or
  AWS_ACCESS_KEY_ID is set. Otherwise a moto server on loopback plays Secrets Manager, seeded
  with an app secret.
- X counts as configured when CONSUMER_KEY and CONSUMER_SECRET are set. Otherwise the
  signature-verifying X stand-in is served on its own port, with an authorize page.

The app runs under `uvicorn --reload` in a child process; Ctrl-C stops all of it.
"""

import argparse
import json
import logging
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from types import FrameType
from urllib.parse import urlencode

import requests

from app.app_secret import load_app_secret
from app.config import Settings
from app.errors import BirdhouseError
from app.invites import mint_invite
from app.sandbox import refuse_to_run_in_lambda

_AWS_CONFIGURED_BY = (
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_SECRETS_MANAGER",
    "AWS_PROFILE",
    "AWS_ACCESS_KEY_ID",
)
# The app is advertised on `localhost` and the X sandbox on `127.0.0.1`: two sites, so the
# redirect back from "X" is cross-site as it is in production, and SameSite=Lax is exercised.
_APP_HOST = "localhost"
_SANDBOX_HOST = "127.0.0.1"
_REPOSITORY = Path(__file__).resolve().parents[2]


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
    parser.add_argument("--port", type=int, default=8000, help="the app's port (default 8000)")
    parser.add_argument("--x-port", type=int, default=8001, help="the X sandbox's port")
    parser.add_argument("--no-reload", action="store_true", help="don't restart on code changes")
    args = parser.parse_args(argv)

    started = time.monotonic()
    # Explicit, so Ctrl-C works even where SIGINT was inherited as ignored (background jobs).
    signal.signal(signal.SIGINT, _stop_on_signal)
    signal.signal(signal.SIGTERM, _stop_on_signal)
    with ExitStack() as stack:
        dev = stack.enter_context(_dev_stack(app_port=args.port, x_port=args.x_port))
        app = _start_app(dev, port=args.port, reload=not args.no_reload)
        try:
            _wait_until_up(f"{dev.app_url}/healthz", app)
            _print_welcome(dev, seconds=time.monotonic() - started)
            return app.wait()
        except KeyboardInterrupt:
            print("\nStopping Birdhouse…", flush=True)
            return 0
        finally:
            _stop(app)


@contextmanager
def _dev_stack(*, app_port: int, x_port: int) -> Iterator[DevStack]:
    """Start moto and the X sandbox where nothing real is configured; yield the app's env."""
    from app.sandbox.serve import serve_in_background

    settings = Settings()
    env = dict(os.environ)
    public_url = settings.public_base_url or f"http://{_APP_HOST}:{app_port}"
    dev = DevStack(app_url=public_url, env=env)
    env["PUBLIC_BASE_URL"] = public_url
    with ExitStack() as stack:
        sandboxed_aws = not any(env.get(name) for name in _AWS_CONFIGURED_BY)
        if sandboxed_aws:
            endpoint = stack.enter_context(_moto_server())
            env.update(
                AWS_ENDPOINT_URL=endpoint,
                AWS_ACCESS_KEY_ID="sandbox",
                AWS_SECRET_ACCESS_KEY="sandbox",  # noqa: S106 - moto accepts anything
                AWS_DEFAULT_REGION=env.get("AWS_DEFAULT_REGION", "us-east-1"),
            )
            dev.notes.append(f"Secrets Manager: embedded moto server at {endpoint}")
        else:
            dev.notes.append("Secrets Manager: real, from your AWS settings")

        if settings.consumer_key and settings.consumer_secret:
            dev.notes.append(f"X: real, at {settings.x_api_base_url}")
        else:
            from app.sandbox.x_standin import XStandin

            consumer_key = "sandbox-consumer-key"
            consumer_secret = secrets.token_urlsafe(24)
            standin = XStandin(consumers={consumer_key: consumer_secret}, sandbox_banner=True)
            x_server = serve_in_background(standin.app, host=_SANDBOX_HOST, port=x_port)
            stack.callback(x_server.stop)
            env.update(
                X_API_BASE_URL=x_server.url,
                CONSUMER_KEY=consumer_key,
                CONSUMER_SECRET=consumer_secret,
            )
            dev.notes.append(f"X: SANDBOX at {x_server.url} (any username, no password)")

        if sandboxed_aws:
            dev.admin_token = secrets.token_urlsafe(24)
            dev.signing_key = secrets.token_urlsafe(32)
            _seed_app_secret(
                env, settings, admin_token=dev.admin_token, signing_key=dev.signing_key
            )
        yield dev


@contextmanager
def _moto_server() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def _seed_app_secret(
    env: dict[str, str], settings: Settings, *, admin_token: str, signing_key: str
) -> None:
    import boto3

    client = boto3.client(
        "secretsmanager",
        endpoint_url=env["AWS_ENDPOINT_URL"],
        region_name=env["AWS_DEFAULT_REGION"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
    )
    client.create_secret(
        Name=settings.app_secret_id,
        SecretString=json.dumps(
            {
                "consumer_key": env["CONSUMER_KEY"],
                "consumer_secret": env["CONSUMER_SECRET"],
                "admin_token": admin_token,
                "signing_key": signing_key,
            }
        ),
    )


def _start_app(dev: DevStack, *, port: int, reload: bool) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--app-dir", str(_REPOSITORY)]
    if reload:
        command += ["--reload", "--reload-dir", str(_REPOSITORY / "app")]
    return subprocess.Popen(command, env=dev.env)  # noqa: S603 - our own interpreter


def _wait_until_up(url: str, app: subprocess.Popen[bytes], timeout_seconds: float = 30) -> None:
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        if app.poll() is not None:
            raise SystemExit(f"uvicorn exited with {app.returncode}; see its output above")
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise SystemExit(f"Birdhouse did not answer {url} within {timeout_seconds:g} s")


def _print_welcome(dev: DevStack, *, seconds: float) -> None:
    link = _onboarding_link(dev)
    lines = [
        "",
        "🐦 Birdhouse is running (Ctrl-C stops everything)",
        f"  App:             {dev.app_url}  (API docs: {dev.app_url}/docs)",
        *(f"  {note}" for note in dev.notes),
        f"  Admin token:     {dev.admin_token or 'the admin_token in your app secret'}",
        f"  Onboarding link: {link}",
        f"  Ready in {seconds:.1f} s",
        "",
    ]
    print("\n".join(lines), flush=True)


def _onboarding_link(dev: DevStack) -> str:
    signing_key = dev.signing_key
    if signing_key is None:
        # Real AWS: the signing key is in the app secret (environment overrides included).
        from app.store import SecretsManagerStore, create_secrets_client

        settings = Settings()
        store = SecretsManagerStore(create_secrets_client(), secrets_prefix=settings.secrets_prefix)
        try:
            signing_key = load_app_secret(settings=settings, store=store).signing_key
        except BirdhouseError as exc:
            # The app still runs and will answer the same; say why there is no link.
            return f"(none: {exc.message})"
    _invite, token = mint_invite(
        signing_key=signing_key, screen_name=None, lifetime=timedelta(days=1)
    )
    return f"{dev.app_url}/onboard?{urlencode({'invite': token})}"


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


if __name__ == "__main__":
    sys.exit(main())
