"""One JSON error body for every JSON answer that is not a success: {"detail", "code"}.

Birdhouse's own errors, FastAPI's validation errors (422, the fields under `errors`), the
router's 404 and 405, a body that is not JSON, and a bug (500) all answer in the shape
ErrorBody describes. The routes a person's browser opens render pages instead (BrowserRoute).
"""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.core.errors import (
    BirdhouseError,
    NotAuthenticated,
    RoleRequired,
    TooManyAttempts,
    XRateLimited,
)
from app.web.error_responses import ErrorBody, FieldError

log = logging.getLogger(__name__)

VALIDATION_CODE = "invalid_request"
INTERNAL_CODE = "internal_error"
# The router's and Starlette's own refusals, by status: a code for each, as for ours.
_HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
}
# pydantic's prefix on a validator's own ValueError; the message after it is ours.
_VALUE_ERROR_PREFIX = "Value error, "
# The 500 handler runs outside every middleware, SecurityHeaders included.
_BUG_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def error_response(
    body: ErrorBody, status_code: int, headers: dict[str, str] | None = None
) -> JSONResponse:
    # Optional keys appear only when they say something (retry_pointless_today, errors).
    return JSONResponse(
        body.model_dump(exclude_none=True), status_code=status_code, headers=headers
    )


def _birdhouse_error(_request: Request, exc: Exception) -> JSONResponse:
    """A BirdhouseError outside the browser routes: its message, code and status."""
    assert isinstance(exc, BirdhouseError)
    headers = {}
    if isinstance(exc, NotAuthenticated):
        headers["WWW-Authenticate"] = "Bearer"
    retry_pointless_today = None
    if isinstance(exc, XRateLimited | TooManyAttempts):
        headers["Retry-After"] = str(exc.retry_after_seconds)
    if isinstance(exc, XRateLimited):
        retry_pointless_today = exc.retry_pointless_today
    required_role = exc.required_role if isinstance(exc, RoleRequired) else None
    body = ErrorBody(
        detail=exc.message,
        code=exc.code,
        retry_pointless_today=retry_pointless_today,
        required_role=required_role,
    )
    return error_response(body, exc.status_code, headers)


def field_errors(exc: RequestValidationError) -> list[FieldError]:
    """Each invalid field: where (`loc`), why (`msg`, in our words where we wrote them), what
    kind (`type`, pydantic's). Never the value sent: it may be a token pasted by mistake."""
    errors = []
    for error in exc.errors():
        message = str(error.get("msg", ""))
        errors.append(
            FieldError(
                loc=[part if isinstance(part, int) else str(part) for part in error["loc"]],
                msg=message.removeprefix(_VALUE_ERROR_PREFIX),
                type=str(error.get("type", "")),
            )
        )
    return errors


def _describe(errors: list[FieldError]) -> str:
    parts = []
    for error in errors:
        # The part of the request first (body, query, path), then the field.
        where = ".".join(str(part) for part in error.loc[1:]) or str(error.loc[0])
        parts.append(f"{where}: {error.msg}")
    return "Invalid request: " + "; ".join(parts)


def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = field_errors(exc)
    body = ErrorBody(detail=_describe(errors), code=VALIDATION_CODE, errors=errors)
    return error_response(body, 422)


def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    """The router's 404 and 405, and any HTTPException: its words, and a code for its status."""
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, f"http_{exc.status_code}")
    body = ErrorBody(detail=str(exc.detail), code=code)
    return error_response(body, exc.status_code, dict(exc.headers or {}))


def _bug(request: Request, exc: Exception) -> JSONResponse:
    # Starlette logs the traceback too (it raises the exception again after this answer).
    log.error("unexpected %s on %s", type(exc).__name__, request.url.path)
    body = ErrorBody(
        detail="Birdhouse hit an unexpected problem; the log has the details. "
        "If the request changed something, check before you send it again.",
        code=INTERNAL_CODE,
    )
    return error_response(body, 500, _BUG_HEADERS)


def install(app: FastAPI) -> None:
    """Register the handlers: every JSON error the app can give has the same shape."""
    app.add_exception_handler(BirdhouseError, _birdhouse_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _bug)


def error_body_schemas() -> dict[str, Any]:
    """ErrorBody and FieldError as the OpenAPI document's components hold them."""
    schema = ErrorBody.model_json_schema(
        mode="serialization", ref_template="#/components/schemas/{model}"
    )
    definitions = schema.pop("$defs", {})
    return {"ErrorBody": schema, **definitions}
