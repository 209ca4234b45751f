"""Birdhouse's own exceptions: each knows its HTTP status and a message safe to show anyone."""


class BirdhouseError(Exception):
    """An error with an answer for whoever caused it; never carries a secret."""

    status_code = 500
    title = "Something went wrong"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class AppSecretError(BirdhouseError):
    """The app secret is missing, unreadable or incomplete."""

    status_code = 503
    title = "Birdhouse is not set up yet"


class StoreUnavailable(BirdhouseError):
    """Secrets Manager refused or did not answer."""

    status_code = 503
    title = "Storage is unavailable"


class InvalidScreenName(BirdhouseError):
    """Not 1-15 of [A-Za-z0-9_]."""

    status_code = 422
    title = "Invalid screen name"


class NotAuthenticated(BirdhouseError):
    """Missing or wrong admin bearer token."""

    status_code = 401
    title = "Not authenticated"


class InvalidInvite(BirdhouseError):
    """The invite link was altered, truncated or made for another deployment."""

    status_code = 400
    title = "This link is not valid"


class ExpiredInvite(BirdhouseError):
    """The invite link is past its expiry."""

    status_code = 410
    title = "This link has expired"


class OnboardingSessionError(BirdhouseError):
    """The callback does not match an authorization started in this browser."""

    status_code = 400
    title = "This authorization can't be completed"


class AccountMismatch(BirdhouseError):
    """The owner authorized a different account than the invite names."""

    status_code = 403
    title = "Wrong account"


class XError(BirdhouseError):
    """Base for failures talking to X."""

    status_code = 502
    title = "X could not be reached"


class XUnavailable(XError):
    """X answered 5xx or the connection failed."""


class XTimeout(XError):
    """X did not answer within the timeout."""

    status_code = 504
    title = "X did not answer in time"


class XBadResponse(XError):
    """X answered 2xx with a body we cannot use."""

    title = "X sent an unexpected answer"


class XRejected(XError):
    """X answered 4xx; `x_status` is what X said."""

    title = "X refused the request"

    def __init__(self, message: str, *, x_status: int, x_body: str = "", hint: str | None = None):
        super().__init__(message, hint=hint)
        self.x_status = x_status
        # X's own error text (never contains our secrets: X does not echo signatures back).
        self.x_body = x_body[:500]
