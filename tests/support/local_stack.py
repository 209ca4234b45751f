"""The stack `make dev` starts, as the browser tests see it: URLs, admin token, helpers."""

import re
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import requests

REPOSITORY = Path(__file__).resolve().parents[2]
ARTIFACTS = REPOSITORY / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}


@dataclass(frozen=True)
class LocalStack:
    app_url: str
    x_url: str
    aws_endpoint: str
    admin_token: str
    onboarding_link: str

    def secrets_client(self) -> Any:
        return boto3.client(
            "secretsmanager",
            endpoint_url=self.aws_endpoint,
            region_name="us-east-1",
            aws_access_key_id="sandbox",
            aws_secret_access_key="sandbox",
        )

    def stored(self, screen_name: str) -> bool:
        name = f"twitter-bots/accounts/{screen_name.lower()}"
        listed = self.secrets_client().list_secrets(Filters=[{"Key": "name", "Values": [name]}])[
            "SecretList"
        ]
        return any(entry["Name"] == name for entry in listed)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def read_welcome(process: subprocess.Popen[str]) -> LocalStack:
    assert process.stdout is not None
    printed: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        printed.append(line)
        if "Onboarding link:" in line:
            return parse_welcome("".join(printed))
    raise AssertionError("make dev printed no onboarding link:\n" + "".join(printed))


def parse_welcome(text: str) -> LocalStack:
    def field(pattern: str) -> str:
        match = re.search(pattern, text)
        assert match, text
        return match.group(1)

    return LocalStack(
        app_url=field(r"App:\s+(\S+)"),
        x_url=field(r"SANDBOX at (\S+)"),
        aws_endpoint=field(r"moto server at (\S+)"),
        admin_token=field(r"Admin token:\s+(\S+)"),
        onboarding_link=field(r"Onboarding link:\s+(\S+)"),
    )


def fresh_link(local_stack: LocalStack, screen_name: str | None = None) -> str:
    """A new single-use invite from the admin API (the printed one connects one account)."""
    answer = requests.post(
        f"{local_stack.app_url}/invites",
        headers={"Authorization": f"Bearer {local_stack.admin_token}"},
        json={"screen_name": screen_name} if screen_name else {},
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["url"])


def connect_over_http(local_stack: LocalStack, screen_name: str, link: str) -> None:
    """The owner's clicks, without a browser: the link, "Authorize app" as `screen_name`, back.
    The state cookie is Secure, which requests keeps from plain http (a browser does not, on
    localhost), so it is carried by hand."""
    opened = requests.get(link, allow_redirects=False, timeout=10)
    assert opened.status_code == 303, opened.text
    state_cookie = opened.headers["set-cookie"].split(";", 1)[0]
    oauth_token = parse_qs(urlsplit(opened.headers["location"]).query)["oauth_token"][0]
    approved = requests.post(
        f"{local_stack.x_url}/oauth/authorize",
        data={"oauth_token": oauth_token, "screen_name": screen_name, "action": "authorize"},
        allow_redirects=False,
        timeout=10,
    )
    assert approved.status_code == 302, approved.text
    back = requests.get(approved.headers["location"], headers={"Cookie": state_cookie}, timeout=10)
    assert f"@{screen_name} is connected" in back.text


def screenshot(page: Any, name: str, *, full_page: bool = True) -> None:
    """A JPEG for people to look at afterwards: Chromium encodes it in about half the time
    of a PNG (45 against 81 ms for a 1280 px viewport, 176 against 306 for a whole page)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.jpg"), full_page=full_page, quality=80)
