"""Health check and the OpenAPI document."""

from typing import Any

from app.main import app
from tests.lambda_browser import LambdaBrowser


def test_healthz_answers_without_touching_aws_or_x(browser: LambdaBrowser) -> None:
    # No moto, no stand-in: a call to either would fail this test.
    page = browser.open(f"{browser.front_door.base_url}/healthz")

    assert page.status == 200
    assert page.body == '{"status":"ok"}'


def test_unknown_path_is_a_json_404(browser: LambdaBrowser) -> None:
    page = browser.open(f"{browser.front_door.base_url}/nope")

    assert page.status == 404
    assert page.headers["content-type"] == "application/json"


def test_trailing_slash_is_not_redirected_off_the_stage(front_door_browser: LambdaBrowser) -> None:
    page = front_door_browser.open(f"{front_door_browser.front_door.base_url}/healthz/")

    assert page.status == 404


def test_invites_route_is_secured_in_the_schema() -> None:
    schema: dict[str, Any] = app.openapi()

    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert schema["paths"]["/invites"]["post"]["security"] == [{"HTTPBearer": []}]
    assert "security" not in schema["paths"]["/onboard"]["get"]
