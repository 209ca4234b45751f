"""The JSON error shape and the error responses routes declare in the OpenAPI schema."""

from typing import Any

from pydantic import BaseModel


class ErrorBody(BaseModel):
    detail: str
    code: str | None = None


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


ADMIN_ERRORS: dict[int | str, dict[str, Any]] = {
    401: _error("Missing or wrong admin token"),
    404: _error("No onboarded account has this name"),
    503: _error("Secrets Manager or the app secret is unavailable"),
}

X_ERRORS: dict[int | str, dict[str, Any]] = {
    403: _error("X says the token may not post, or refuses the account"),
    409: _error("X refused a duplicate post"),
    410: _error("X no longer accepts the token: onboard the account again"),
    429: _error("X is rate-limiting; see Retry-After"),
    502: _error("X refused or failed"),
    504: _error("X did not answer in time"),
}
