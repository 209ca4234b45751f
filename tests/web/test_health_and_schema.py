"""Health check and the OpenAPI document."""

from typing import Any

from openapi_spec_validator import validate

from app.main import app
from tests.support.lambda_browser import LambdaBrowser


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


ADMIN_OPERATIONS = {
    ("/invites", "post"),
    ("/invites", "get"),
    ("/invites/{invite_id}", "delete"),
    ("/accounts", "get"),
    ("/accounts/{screen_name}", "get"),
    ("/accounts/{screen_name}", "delete"),
    ("/accounts/{screen_name}/verify", "post"),
    ("/accounts/{screen_name}/test-tweet", "post"),
    ("/accounts/{screen_name}/restore", "post"),
    ("/accounts/{screen_name}/reset", "post"),
    ("/accounts/{screen_name}/rename", "post"),
    ("/operators", "post"),
    ("/operators", "get"),
    ("/operators/me", "get"),
    ("/operators/{name}", "delete"),
    ("/audit", "get"),
    ("/accounts/{screen_name}/refresh", "post"),
    ("/sweep", "get"),
}
PUBLIC_OPERATIONS = {("/healthz", "get"), ("/onboard", "get"), ("/callback", "get")}


def test_openapi_schema_is_valid() -> None:
    validate(app.openapi())


def test_schema_lists_exactly_the_routes_we_serve() -> None:
    operations = {
        (path, method) for path, item in app.openapi()["paths"].items() for method in item
    }

    assert operations == ADMIN_OPERATIONS | PUBLIC_OPERATIONS


def test_every_admin_route_is_secured_in_the_schema() -> None:
    schema: dict[str, Any] = app.openapi()

    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    for path, method in ADMIN_OPERATIONS:
        operation = schema["paths"][path][method]
        assert operation["security"] == [{"HTTPBearer": []}], (path, method)
        assert "401" in operation["responses"], (path, method)
    for path, method in PUBLIC_OPERATIONS:
        assert "security" not in schema["paths"][path][method], (path, method)


def test_admin_responses_have_models_in_the_schema() -> None:
    schema: dict[str, Any] = app.openapi()

    test_tweet = schema["paths"]["/accounts/{screen_name}/test-tweet"]["post"]["responses"]
    assert test_tweet["201"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/PostedTweet"
    )
    assert test_tweet["429"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")
