"""/console: a static page, its own script and style, under a CSP that runs no inline script.

The console's behaviour in a real browser is tests/sandbox/test_console_browser.py."""

import hashlib
import re
from pathlib import Path

import pytest

from tests.support.constants import ADMIN_TOKEN
from tests.support.lambda_browser import LambdaBrowser

STATIC = Path(__file__).resolve().parents[2] / "app" / "web" / "static" / "console"


def _csp(header: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


def test_console_page_is_html_from_the_apps_own_files(
    front_door_browser: LambdaBrowser,
) -> None:
    base = front_door_browser.front_door.base_url

    page = front_door_browser.open(f"{base}/console")

    assert page.status == 200
    assert page.headers["content-type"].startswith("text/html")
    # Relative, so they stay under a REST API stage prefix.
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.body)
    assert sources == ["data:,", "console/console.css", "console/qrcode.js", "console/console.js"]
    assert not re.search(r"<script>|<script [^>]*>[^<]|\son\w+=|style=", page.body)
    assert not re.search(r"https?://", page.body)  # no CDN


def test_console_runs_under_a_csp_without_inline_script(front_door_browser: LambdaBrowser) -> None:
    page = front_door_browser.open(f"{front_door_browser.front_door.base_url}/console")

    csp = _csp(page.headers["content-security-policy"])
    assert csp["default-src"] == "'none'"
    assert csp["script-src"] == "'self'"
    assert csp["style-src"] == "'self'"
    assert csp["connect-src"] == "'self'"
    assert csp["img-src"] == "'self' data:"
    assert csp["frame-ancestors"] == "'none'"
    assert "unsafe" not in page.headers["content-security-policy"]
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("console.js", "text/javascript"),
        ("console.css", "text/css"),
        ("qrcode.js", "text/javascript"),
    ],
)
def test_console_assets_are_served_with_their_types(
    browser: LambdaBrowser, name: str, content_type: str
) -> None:
    asset = browser.open(f"{browser.front_door.base_url}/console/{name}")

    assert asset.status == 200
    assert asset.headers["content-type"].startswith(content_type)
    assert asset.body.encode() == (STATIC / name).read_bytes()
    assert asset.headers["x-content-type-options"] == "nosniff"


def test_only_the_known_console_assets_are_served(browser: LambdaBrowser) -> None:
    for name in ("..%2Fconfig.py", "SHA256SUMS", "QRCODE-LICENSE.txt", "console.html"):
        assert browser.open(f"{browser.front_door.base_url}/console/{name}").status == 404


def test_console_holds_no_secret_and_needs_no_token(browser: LambdaBrowser) -> None:
    page = browser.open(f"{browser.front_door.base_url}/console")

    assert page.status == 200  # no Authorization header sent
    served = page.body + "".join(
        browser.open(f"{browser.front_door.base_url}/console/{name}").body
        for name in ("console.js", "console.css")
    )
    assert ADMIN_TOKEN not in served
    # The bot-job snippet's secret name comes from the configured prefix.
    assert 'data-accounts-prefix="twitter-bots/accounts/"' in page.body


def test_the_script_puts_api_values_into_the_page_as_text_only() -> None:
    script = (STATIC / "console.js").read_text()

    assert "innerHTML" not in script
    assert "eval(" not in script


def test_the_vendored_qr_encoder_is_the_pinned_file() -> None:
    sums = {
        name: digest
        for digest, name in (
            line.split("  ", 1) for line in (STATIC / "SHA256SUMS").read_text().splitlines()
        )
    }

    on_disk = (STATIC / "qrcode.js").read_bytes()
    assert hashlib.sha256(on_disk).hexdigest() == sums["qrcode.js"]
    assert "Licensed under the MIT license" in on_disk.decode()
    assert "Kazuhiko Arase" in (STATIC / "QRCODE-LICENSE.txt").read_text()
