"""The owner's side in a real browser: headless Chromium against the stack `make dev` starts.

Two sites (the app on localhost, the X sandbox on 127.0.0.1), real redirects between them, and
a SameSite=Lax state cookie that must survive the cross-site redirect back. Screenshots of
each final page land in test-artifacts/.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
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

pytestmark = pytest.mark.browser


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


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """`python -m app.sandbox.dev` in its own process group, with nothing real configured."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "CONSUMER_", "ADMIN_", "SIGNING_", "X_API", "PUBLIC_"))
    }
    env["PYTHONPATH"] = str(REPOSITORY)
    env["PYTHONUNBUFFERED"] = "1"
    command = [sys.executable, "-m", "app.sandbox.dev", "--no-reload"]
    command += ["--port", str(_free_port()), "--x-port", str(_free_port())]
    process = subprocess.Popen(
        command,
        cwd=tmp_path_factory.mktemp("dev"),  # no developer .env
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        yield _read_welcome(process)
    finally:
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C sends to the terminal's group
        try:
            process.communicate(timeout=15)  # drains and closes the pipe
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise


def _read_welcome(process: subprocess.Popen[str]) -> LocalStack:
    assert process.stdout is not None
    printed: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        printed.append(line)
        if "Onboarding link:" in line:
            return _parse_welcome("".join(printed))
    raise AssertionError("make dev printed no onboarding link:\n" + "".join(printed))


def _parse_welcome(text: str) -> LocalStack:
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


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("CI must install Debian's chromium (see .ci/run)")
        pytest.skip("Debian's chromium is not installed: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    """A fresh phone-sized browser profile: no cookies from other tests."""
    context = chromium.new_context(viewport=PHONE, device_scale_factor=2)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


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


def screenshot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_owner_authorizes_and_the_account_is_connected(local_stack: LocalStack, page: Any) -> None:
    page.goto(local_stack.onboarding_link)
    page.wait_for_url(f"{local_stack.x_url}/oauth/authorize?*")
    assert "X SANDBOX" in page.inner_text(".banner")
    screenshot(page, "1-sandbox-authorize-page")

    page.fill("#screen_name", "BrowserBot")
    page.click("button.authorize")
    page.wait_for_url(f"{local_stack.app_url}/callback?*")

    assert page.inner_text("h1") == "@BrowserBot is connected"
    # The stylesheet applied: the page's CSP let it through.
    assert page.eval_on_selector(".card", "e => getComputedStyle(e).borderTopLeftRadius") == "14px"
    screenshot(page, "2-connected")
    assert local_stack.stored("BrowserBot")

    reopened = page.goto(local_stack.onboarding_link)  # single use: the link is spent
    assert reopened is not None
    assert reopened.status == 409
    assert page.inner_text("h1") == "This link was already used"
    assert "@BrowserBot" in page.inner_text("main")
    screenshot(page, "2b-link-already-used")


def test_owner_cancels_and_nothing_is_stored(local_stack: LocalStack, page: Any) -> None:
    page.goto(fresh_link(local_stack))
    page.fill("#screen_name", "CancelledBot")
    page.click("button.cancel")
    page.wait_for_url(f"{local_stack.app_url}/callback?*")

    assert page.inner_text("h1") == "Nothing was saved"
    screenshot(page, "3-cancelled")
    assert not local_stack.stored("CancelledBot")


def test_owner_authorizes_the_wrong_account_and_is_refused(
    local_stack: LocalStack, page: Any
) -> None:
    response = page.goto(fresh_link(local_stack, "InvitedBot"))
    assert response is not None
    assert page.input_value("#screen_name") == "InvitedBot"  # prefilled from screen_name
    page.fill("#screen_name", "PersonalAcct")
    page.click("button.authorize")
    page.wait_for_url(f"{local_stack.app_url}/callback?*")

    assert page.inner_text("h1") == "Wrong account"
    body = page.inner_text("main")
    assert "@InvitedBot" in body
    assert "@PersonalAcct" in body
    screenshot(page, "4-wrong-account")
    assert not local_stack.stored("PersonalAcct")
    assert not local_stack.stored("InvitedBot")


def test_expired_or_tampered_link_is_a_readable_page(local_stack: LocalStack, page: Any) -> None:
    response = page.goto(fresh_link(local_stack)[:-3])

    assert response is not None
    assert response.status == 400
    assert page.inner_text("h1") == "This link is not valid"
    screenshot(page, "5-invalid-link")


def test_api_docs_render_from_pinned_assets_under_their_csp(
    local_stack: LocalStack, page: Any
) -> None:
    problems: list[str] = []
    origins: set[str] = set()
    page.on("console", lambda message: problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("request", lambda request: origins.add(request.url.split("/")[2]))

    page.goto(f"{local_stack.app_url}/docs")
    page.wait_for_selector(".opblock-tag", state="visible")

    assert "Birdhouse" in page.inner_text(".info .title")
    assert page.locator(".opblock").count() >= 7  # every admin and public operation
    assert origins == {local_stack.app_url.split("/")[2]}  # nothing from a CDN
    assert [p for p in problems if "Content Security Policy" in p or "Refused" in p] == []
    screenshot(page, "6-api-docs")
