"""Fixtures for the browser tests: the `make dev` stack in a process group, and Chromium."""

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.local_stack import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PHONE,
    REPOSITORY,
    LocalStack,
    free_port,
    read_welcome,
)


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """`python -m app.sandbox.dev` in its own process group, with nothing real configured.

    One for the browser tests of a worker: each test mints its own links and names its own
    bots, and none counts on what the others leave (starting and stopping it costs 3 s)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "CONSUMER_", "ADMIN_", "SIGNING_", "X_API", "PUBLIC_"))
    }
    env["PYTHONPATH"] = os.pathsep.join([str(REPOSITORY), str(REPOSITORY / "client" / "src")])
    env["PYTHONUNBUFFERED"] = "1"
    command = [sys.executable, "-m", "app.sandbox.dev", "--no-reload"]
    command += ["--port", str(free_port()), "--x-port", str(free_port())]
    # Its own embedded AWS: a port of its own, and state kept away from the repository's.
    command += ["--moto-port", str(free_port())]
    command += ["--state-dir", str(tmp_path_factory.mktemp("dev-state"))]
    process = subprocess.Popen(
        command,
        cwd=tmp_path_factory.mktemp("dev"),  # no developer .env
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    drain: threading.Thread | None = None
    try:
        welcome = read_welcome(process)
        # The access log goes on for the whole run: read it away, or a full pipe (64 KiB)
        # would block the stack's logging and with it every request.
        assert process.stdout is not None
        drain = threading.Thread(target=process.stdout.read, name="dev-stack-log", daemon=True)
        drain.start()
        yield welcome
    finally:
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C sends to the terminal's group
        try:
            if drain is None:
                process.communicate(timeout=15)  # drains and closes the pipe
            else:
                process.wait(timeout=15)
                drain.join(timeout=15)
                assert process.stdout is not None
                process.stdout.close()
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise
    assert process.returncode == 0, f"make dev's Ctrl-C exit status: {process.returncode}"


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Per module: Playwright's sync API keeps an event loop of its own while it is open, and
    the tests that follow on this worker run asyncio (Mangum) in the same thread."""
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
