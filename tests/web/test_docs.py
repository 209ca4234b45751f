"""/docs and /openapi.json: off in Lambda unless DOCS_ENABLED, and when on, Swagger UI from the
pinned files shipped with the app under a CSP; the schema itself stays available to tests."""

import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from app.config import Settings
from app.main import app
from tests.support.lambda_browser import LambdaBrowser

STATIC = Path(__file__).resolve().parents[2] / "app" / "web" / "static"


def test_docs_are_served_outside_lambda_from_the_apps_own_files(
    front_door_browser: LambdaBrowser,
) -> None:
    base = front_door_browser.front_door.base_url

    page = front_door_browser.open(f"{base}/docs")

    assert page.status == 200
    assert page.headers["content-type"].startswith("text/html")
    # Every script and stylesheet is relative to the page, so it stays under a stage prefix.
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.body)
    # The console's link is relative too.
    assert sources == [
        "docs/swagger-ui.css",
        "console",
        "docs/swagger-ui-bundle.js",
        "docs/docs.js",
    ]
    for source in sources:
        asset = front_door_browser.open(f"{base}/{source}")
        assert asset.status == 200, source
    assert "<script>" not in page.body  # no inline script: the CSP would refuse it


def test_docs_page_runs_under_a_csp_that_allows_only_its_own_origin(
    browser: LambdaBrowser,
) -> None:
    page = browser.open(f"{browser.front_door.base_url}/docs")

    csp = dict(
        part.strip().split(" ", 1) for part in page.headers["content-security-policy"].split(";")
    )
    assert csp["default-src"] == "'none'"
    assert csp["script-src"] == "'self'"
    assert csp["connect-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'"
    assert "unsafe-eval" not in page.headers["content-security-policy"]
    assert page.headers["referrer-policy"] == "no-referrer"
    assert not re.search(r"https?://", page.body)  # no CDN


def test_the_served_assets_are_the_pinned_files(browser: LambdaBrowser) -> None:
    sums = {
        name: digest
        for digest, name in (
            line.split("  ", 1)
            for line in (STATIC / "swagger-ui" / "SHA256SUMS").read_text().splitlines()
        )
    }

    for name in ("swagger-ui-bundle.js", "swagger-ui.css"):
        on_disk = (STATIC / "swagger-ui" / name).read_bytes()
        assert hashlib.sha256(on_disk).hexdigest() == sums[name], f"{name} was changed"
        served = browser.open(f"{browser.front_door.base_url}/docs/{name}")
        assert served.body.encode() == on_disk
    for name in ("LICENSE", "NOTICE", "swagger-ui-bundle.js.LICENSE.txt"):
        assert hashlib.sha256((STATIC / "swagger-ui" / name).read_bytes()).hexdigest() == sums[name]


def test_swagger_ui_is_told_not_to_call_the_public_validator() -> None:
    assert "validatorUrl: null" in (STATIC / "docs.js").read_text()


def test_only_the_known_assets_are_served(browser: LambdaBrowser) -> None:
    for name in ("..%2Fconfig.py", "README.md", "SHA256SUMS", "favicon.png"):
        assert browser.open(f"{browser.front_door.base_url}/docs/{name}").status == 404


def test_openapi_json_is_the_apps_schema(browser: LambdaBrowser) -> None:
    page = browser.open(f"{browser.front_door.base_url}/openapi.json")

    assert page.status == 200
    assert json.loads(page.body) == app.openapi()


@pytest.mark.parametrize("path", ["/docs", "/openapi.json", "/docs/swagger-ui-bundle.js", "/redoc"])
def test_docs_are_off_in_lambda_by_default(
    browser: LambdaBrowser, use_settings: Callable[..., Settings], path: str
) -> None:
    use_settings(aws_lambda_function_name="birdhouse-prod-api")

    page = browser.open(f"{browser.front_door.base_url}{path}")

    assert page.status == 404
    assert json.loads(page.body) == {"detail": "Not Found", "code": "not_found"}


def test_docs_enabled_turns_them_on_in_lambda(
    browser: LambdaBrowser, use_settings: Callable[..., Settings]
) -> None:
    use_settings(aws_lambda_function_name="birdhouse-prod-api", docs_enabled=True)

    assert browser.open(f"{browser.front_door.base_url}/docs").status == 200
    assert browser.open(f"{browser.front_door.base_url}/openapi.json").status == 200


def test_docs_enabled_false_turns_them_off_anywhere(
    browser: LambdaBrowser, use_settings: Callable[..., Settings]
) -> None:
    use_settings(docs_enabled=False)

    assert browser.open(f"{browser.front_door.base_url}/docs").status == 404


def test_home_page_links_the_docs_only_where_they_are_served(
    browser: LambdaBrowser, use_settings: Callable[..., Settings]
) -> None:
    served = browser.open(f"{browser.front_door.base_url}/")
    use_settings(aws_lambda_function_name="birdhouse-prod-api")
    hidden = browser.open(f"{browser.front_door.base_url}/")

    assert 'href="docs"' in served.body
    assert 'href="docs"' not in hidden.body
    # The console works wherever the admin API does: linked from both.
    assert 'href="console"' in served.body
    assert 'href="console"' in hidden.body


def test_lambda_sets_the_variable_the_settings_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "birdhouse-prod-api")
    monkeypatch.setenv("DOCS_ENABLED", "true")

    settings = Settings()

    assert settings.in_lambda
    assert settings.docs_served
