"""One JSON error body everywhere: {"detail", "code"}, through the Lambda handler, for our own
errors, FastAPI's validation (422, fields under `errors`), the router's 404 and 405, and a bug."""

import json
import logging
from typing import Any

import pytest

from app.main import app
from tests.support.admin_api import AdminApi, ApiAnswer
from tests.support.constants import ADMIN_TOKEN
from tests.support.error_shape import assert_error_body
from tests.support.lambda_browser import LambdaBrowser


def call(browser: LambdaBrowser, method: str, path: str, body: str | None = None) -> ApiAnswer:
    page = browser.open(
        f"{browser.front_door.base_url}{path}",
        method=method,
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"},
        body=body,
    )
    assert page.headers["content-type"] == "application/json", page.body
    return ApiAnswer(page.status, page.headers, json.loads(page.body))


def test_an_unknown_path_is_a_404_in_the_error_shape(browser: LambdaBrowser) -> None:
    answer = call(browser, "GET", "/no-such-route")

    assert answer.status == 404
    assert answer.json == {"detail": "Not Found", "code": "not_found"}


def test_a_method_the_path_lacks_is_a_405_in_the_error_shape(browser: LambdaBrowser) -> None:
    answer = call(browser, "PUT", "/invites")

    assert answer.status == 405
    assert answer.json == {"detail": "Method Not Allowed", "code": "method_not_allowed"}
    assert "POST" in answer.headers["allow"]  # the router's own header is kept


def test_a_validation_error_names_each_field_under_errors_in_our_words(
    app_secret_stored: Any, browser: LambdaBrowser
) -> None:
    answer = call(browser, "POST", "/invites", json.dumps({"screen_name": "not a name!"}))

    assert answer.status == 422
    error = assert_error_body(answer.json)
    assert error.code == "invalid_request"
    assert error.errors is not None
    (field,) = error.errors
    assert field.loc == ["body", "screen_name"]
    assert field.type == "value_error"
    assert field.msg.startswith("A screen name is")  # ours, without pydantic's "Value error, "
    assert error.detail == f"Invalid request: screen_name: {field.msg}"
    assert set(answer.json["errors"][0]) == {"loc", "msg", "type"}  # not pydantic's `input`


def test_a_body_that_is_not_json_is_a_422_in_the_error_shape(
    app_secret_stored: Any, browser: LambdaBrowser
) -> None:
    answer = call(browser, "POST", "/invites", "{not json")

    assert answer.status == 422
    error = assert_error_body(answer.json)
    assert error.errors is not None
    assert [field.type for field in error.errors] == ["json_invalid"]


def test_our_own_errors_all_carry_a_code(app_secret_stored: Any, browser: LambdaBrowser) -> None:
    answer = AdminApi(browser, token="wrong-admin-token").call("GET", "/accounts")

    assert answer.status == 401
    assert assert_error_body(answer.json).code == "not_authenticated"


def test_a_bug_behind_an_admin_route_is_a_json_500_that_says_nothing_inside(
    app_secret_stored: Any,
    browser: LambdaBrowser,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # What serverless-offline did to `!Ref`s: a setting that cannot be read.
    monkeypatch.setenv("X_TIMEOUT_SECONDS", "[object Object]")

    with caplog.at_level(logging.ERROR):
        answer = call(browser, "POST", "/invites", "{}")

    assert answer.status == 500
    assert assert_error_body(answer.json).code == "internal_error"
    assert "object Object" not in answer.json["detail"]
    assert "Traceback" not in answer.json["detail"]
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "ValidationError on /invites" in caplog.text


def test_the_openapi_document_gives_every_json_error_the_error_body() -> None:
    document = app.openapi()

    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert schemas["ErrorBody"]["required"] == ["detail", "code"]
    assert "FieldError" in schemas
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                json_body = response.get("content", {}).get("application/json")
                if int(status) >= 400 and json_body is not None:
                    assert json_body["schema"] == {"$ref": "#/components/schemas/ErrorBody"}, (
                        method,
                        path,
                        status,
                    )
