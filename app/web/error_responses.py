"""The JSON error shape and the error responses routes declare in the OpenAPI schema."""

from typing import Any

from pydantic import BaseModel, Field


class FieldError(BaseModel):
    """One invalid part of a request (422): where, why, and pydantic's name for the kind."""

    loc: list[str | int] = Field(description='Where: ["body", "screen_name"], ["path", "name"]')
    msg: str
    type: str = Field(description="pydantic's error type, e.g. extra_forbidden, string_too_long")


class ErrorBody(BaseModel):
    """Every JSON error Birdhouse answers, whatever its status."""

    detail: str = Field(description="What went wrong and what to do, in words")
    code: str = Field(description="A stable name for the error, e.g. account_not_found")
    # On 429 from X: true when a 24-hour cap is spent, so retrying before Retry-After is futile.
    retry_pointless_today: bool | None = Field(
        default=None, description="Only on 429 from X: a 24-hour cap is spent"
    )
    errors: list[FieldError] | None = Field(
        default=None, description="Only on 422 (code invalid_request): each invalid field"
    )
    required_role: str | None = Field(
        default=None, description="Only on 403 role_required: the role the call needs"
    )


# A reference, not {"model": ErrorBody}: FastAPI builds a pydantic adapter for each route and
# status that names a model (50 of them, a third of what defining the routes costs on a cold
# start). app.main adds ErrorBody's schema to the document's components once.
ERROR_BODY_SCHEMA_REF = "#/components/schemas/ErrorBody"


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": ERROR_BODY_SCHEMA_REF}}},
    }


ADMIN_ERRORS: dict[int | str, dict[str, Any]] = {
    400: _error("The body is not valid JSON, or the host is not trusted"),
    401: _error("Missing or wrong key: an operator key (bho_…) or the admin token"),
    403: _error("The operator's role does not allow this (role_required names the role)"),
    404: _error("No onboarded account has this name"),
    503: _error("Secrets Manager, the invite ledger or the app secret is unavailable"),
}

OPERATOR_ERRORS: dict[int | str, dict[str, Any]] = {
    404: _error("No operator has this name"),
    409: _error("An operator with this name exists: revoke it first"),
}

AUDIT_ERRORS: dict[int | str, dict[str, Any]] = {
    400: _error("A 'next' value from another listing, or a damaged one"),
}

INVITE_ERRORS: dict[int | str, dict[str, Any]] = {
    404: _error("No invite has this id"),
    409: _error("The invite is used, withdrawn or expired"),
}

OAUTH2_SETUP_ERRORS: dict[int | str, dict[str, Any]] = {
    409: _error("OAuth 2.0 asked for, and the app secret has no client_id / client_secret"),
}

X_ERRORS: dict[int | str, dict[str, Any]] = {
    402: _error("The X developer account is out of credits: top it up"),
    403: _error("X says the token may not post, refuses the account, or the app is not enrolled"),
    409: _error("X refused a duplicate post"),
    410: _error("X no longer accepts the token: onboard the account again"),
    429: _error("X is rate-limiting; see Retry-After"),
    502: _error("X refused or failed"),
    504: _error("X did not answer in time"),
}


def _page(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}


_PAGE_FAILURES: dict[int | str, dict[str, Any]] = {
    400: _page("The link or the details X sent back are invalid, expired or already used"),
    409: _page("The link was already used to connect an account"),
    410: _page("The link has expired or was withdrawn"),
    429: _page("X is rate-limiting, or the link was opened too often; try again later"),
    500: _page("Unexpected problem; nothing was changed"),
    502: _page("X refused or failed"),
    503: _page("Secrets Manager or the app secret is unavailable; nothing was saved"),
    504: _page("X did not answer in time"),
}

ONBOARD_PAGES: dict[int | str, dict[str, Any]] = {
    303: {"description": "On to X's authorize page; sets the state cookie"},
    **_PAGE_FAILURES,
}

CALLBACK_PAGES: dict[int | str, dict[str, Any]] = {
    200: _page("Connected, or cancelled at X (nothing saved)"),
    403: _page("The owner authorized a different account than the invite names"),
    409: _page("The link was already used, or the name belongs to another account here"),
    **_PAGE_FAILURES,
}
