"""The one JSON error shape, as the tests check it: ErrorBody and nothing else."""

from typing import Any

from app.web.error_responses import ErrorBody

ERROR_KEYS = {"detail", "code", "retry_pointless_today", "errors"}


def assert_error_body(body: Any) -> ErrorBody:
    """The body is an ErrorBody with a detail and a code, and no other key."""
    assert isinstance(body, dict), body
    assert set(body) <= ERROR_KEYS, body
    error = ErrorBody.model_validate(body)
    assert error.detail, body
    assert error.code, body
    return error
