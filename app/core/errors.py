"""Birdhouse's own exceptions: each knows its HTTP status and a message safe to show anyone."""


class BirdhouseError(Exception):
    """An error with an answer for whoever caused it; never carries a secret."""

    status_code = 500
    title = "Something went wrong"
    # A stable, machine-readable name for API clients (the JSON body's `code`).
    code = "internal_error"
    # Plain words above the title on a bot owner's page: what state they are in, never a status.
    badge = "Not connected"
    # What a bot owner's page says when this error reaches it as raised, without a hint: the
    # message was written for the operator (log, JSON) and may name secrets or endpoints.
    page_message: str | None = None
    page_hint = (
        "Try again in a minute. If it keeps happening, tell the person who sent you the link."
    )
    # Whether opening the same address again can help when the error arrives untranslated:
    # nothing was exchanged with X or saved yet, so the page offers a "Try again" button.
    retry_helps = False

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def for_owner(self) -> tuple[str, str]:
        """What happened and what to do, in words for the bot owner's page."""
        if self.hint is not None:
            return self.message, self.hint  # written for the owner where it was raised
        return self.page_message or self.message, self.page_hint


class AppSecretError(BirdhouseError):
    """The app secret is missing, unreadable or incomplete."""

    status_code = 503
    title = "Birdhouse is not set up yet"
    badge = "Setup problem"
    page_message = "It cannot take your authorization until it is fully set up."
    page_hint = "Tell the person who sent you the link; nothing you do here can fix it."
    code = "app_secret_invalid"


class AdminUnavailable(BirdhouseError):
    """The admin check could not read the app secret; says nothing of where it is kept."""

    status_code = 503
    title = "The admin API is unavailable"
    code = "app_secret_unavailable"


class StoreUnavailable(BirdhouseError):
    """Secrets Manager refused or did not answer."""

    status_code = 503
    title = "Storage is unavailable"
    badge = "Try again shortly"
    page_message = "Birdhouse could not reach the place it keeps keys. Nothing was saved."
    page_hint = "Try again in a minute."
    retry_helps = True
    code = "store_unavailable"


class StoreOutOfTime(StoreUnavailable):
    """Secrets Manager was not asked: the request had no time left for an attempt."""

    code = "out_of_time"


class UntrustedHost(BirdhouseError):
    """Outside Lambda, a Host header that is neither loopback nor in ALLOWED_HOSTS."""

    status_code = 400
    title = "Unknown host"
    code = "untrusted_host"


class InvalidScreenName(BirdhouseError):
    """Not 1-15 of [A-Za-z0-9_]."""

    status_code = 422
    title = "Invalid screen name"
    code = "invalid_screen_name"


class NotAuthenticated(BirdhouseError):
    """Missing or wrong admin bearer token."""

    status_code = 401
    title = "Not authenticated"
    code = "not_authenticated"


class InvalidInvite(BirdhouseError):
    """The invite link was altered, truncated or made for another deployment."""

    status_code = 400
    title = "This link is not valid"
    badge = "Link problem"
    code = "invalid_invite"


class ExpiredInvite(BirdhouseError):
    """The invite link is past its expiry."""

    status_code = 410
    title = "This link has expired"
    badge = "Link expired"
    code = "invite_expired"


class InviteAlreadyUsed(BirdhouseError):
    """The invite connected an account already; each connects one."""

    status_code = 409
    title = "This link was already used"
    code = "invite_used"


class InviteWithdrawn(BirdhouseError):
    """The operator withdrew the invite."""

    status_code = 410
    title = "This link was withdrawn"
    code = "invite_withdrawn"


class TooManyAttempts(BirdhouseError):
    """One invite started too many X authorizations in a short while."""

    status_code = 429
    title = "Too many attempts"
    code = "too_many_attempts"
    retry_after_seconds = 15 * 60


class InviteNotFound(BirdhouseError):
    """No invite in the ledger has this id."""

    status_code = 404
    title = "Unknown invite"
    code = "invite_not_found"


class InviteNotPending(BirdhouseError):
    """The invite is used, withdrawn or expired: nothing to withdraw."""

    status_code = 409
    title = "The invite is not pending"
    code = "invite_not_pending"


class LedgerUnavailable(BirdhouseError):
    """DynamoDB refused or did not answer."""

    status_code = 503
    title = "Invites are unavailable"
    code = "ledger_unavailable"
    # The message names the action and AWS's error code for the operator; the owner's page
    # says what it means instead.
    page_message = "Birdhouse could not check your link just now. Nothing was saved."
    page_hint = "Try again in a minute."
    retry_helps = True


class ScreenNameTaken(BirdhouseError):
    """The screen name's stored account belongs to another X user: the name changed hands."""

    status_code = 409
    title = "This name belongs to another account here"
    code = "screen_name_taken"


class RotationRefused(BirdhouseError):
    """A rotation stopped before or between writes; the message says what is done."""

    status_code = 409
    title = "Rotation stopped"
    code = "rotation_refused"


class BootstrapRefused(BirdhouseError):
    """Bootstrap wrote nothing: the keys are missing, placeholders, or refused by X."""

    status_code = 409
    title = "Bootstrap stopped"
    code = "bootstrap_refused"


class KeysNotProven(BootstrapRefused):
    """X did not accept the consumer keys (or could not be asked), so nothing was written."""


class OnboardingSessionError(BirdhouseError):
    """The callback does not match an authorization started in this browser."""

    status_code = 400
    title = "This authorization can't be completed"
    code = "onboarding_session_invalid"


class RestoreRefused(BirdhouseError):
    """Restoring would give one X user two secrets, or bring back a secret with no tokens."""

    status_code = 409
    title = "This account can't be restored"
    code = "restore_refused"


class AccountMismatch(BirdhouseError):
    """The owner authorized a different account than the invite names."""

    status_code = 403
    title = "Wrong account"
    code = "account_mismatch"


class XError(BirdhouseError):
    """Base for failures talking to X."""

    status_code = 502
    title = "X could not be reached"
    page_message = "Birdhouse could not get through to X just now. Nothing was saved."
    page_hint = "Try again in a minute."
    code = "x_error"


class XUnavailable(XError):
    """X answered 5xx or the connection failed."""

    badge = "Try again shortly"
    retry_helps = True
    code = "x_unavailable"


class XTimeout(XError):
    """X did not answer within the timeout."""

    status_code = 504
    title = "X did not answer in time"
    badge = "Try again shortly"
    page_message = "X is slow to answer right now. Nothing was saved."
    retry_helps = True
    code = "x_timeout"


class XBadResponse(XError):
    """X answered 2xx with a body we cannot use."""

    title = "X sent an unexpected answer"
    page_message = "Birdhouse could not use what X sent back. Nothing was saved."
    code = "x_bad_response"


class XRejected(XError):
    """X answered 4xx; `x_status` is what X said."""

    title = "X refused the request"
    code = "x_refused"
    page_message = "X turned the request down. Nothing was saved."
    page_hint = "Tell the person who sent you the link."

    def __init__(self, message: str, *, x_status: int, x_body: str = "", hint: str | None = None):
        super().__init__(message, hint=hint)
        self.x_status = x_status
        # X's own error text (never contains our secrets: X does not echo signatures back).
        self.x_body = x_body[:500]


class XTokenRevoked(XRejected):
    """X answered 401 to an account's token: revoked, or the password changed."""

    status_code = 410
    title = "The account's token no longer works"
    code = "token_revoked"


class XPermissionMissing(XRejected):
    """X answered 403 oauth1-permissions: the token lacks write access."""

    status_code = 403
    title = "The token may not post"
    code = "missing_write_permission"


class XDuplicateContent(XRejected):
    """X refused a post identical to an earlier one."""

    status_code = 409
    title = "Duplicate post"
    code = "duplicate_content"


class XForbidden(XRejected):
    """X answered 403 for another reason (suspended or locked account, for instance)."""

    status_code = 403
    code = "x_forbidden"


class XRateLimited(XRejected):
    """X answered 429: `retry_after_seconds` from the 24-hour reset when a 24-hour cap is spent
    (then `retry_pointless_today`), else from x-rate-limit-reset (the 15-minute window)."""

    status_code = 429
    title = "X is rate-limiting this account"
    code = "rate_limited"

    badge = "Try again later"
    retry_helps = True

    def __init__(
        self,
        message: str,
        *,
        x_status: int,
        retry_after_seconds: int,
        x_body: str = "",
        retry_pointless_today: bool = False,
    ):
        super().__init__(message, x_status=x_status, x_body=x_body)
        self.retry_after_seconds = retry_after_seconds
        self.retry_pointless_today = retry_pointless_today

    def for_owner(self) -> tuple[str, str]:
        minutes = max(1, round(self.retry_after_seconds / 60))
        return (
            "X is limiting requests for now. Nothing was saved.",
            f"Try again in about {minutes} minute{'s' if minutes > 1 else ''}.",
        )


class XCreditsDepleted(XRejected):
    """X answered 402 CreditsDepleted: the developer account's pay-per-use credits ran out."""

    status_code = 402
    title = "The X developer account is out of credits"
    code = "x_credits_depleted"


class XAppNotEnrolled(XRejected):
    """X answered 403 client-forbidden / client-not-enrolled: an app setup problem."""

    status_code = 403
    title = "The X app may not use this endpoint"
    code = "x_app_not_enrolled"


class AppKeysRejected(XRejected):
    """X refused the app's own consumer key and secret (wrong, or regenerated at X)."""

    status_code = 502
    title = "X refuses the app's keys"
    code = "app_keys_rejected"


class AccountNotFound(BirdhouseError):
    """No onboarded account has this screen name."""

    status_code = 404
    title = "Unknown account"
    code = "account_not_found"


class RoleRequired(BirdhouseError):
    """The signed-in operator's role does not allow this call; the message names the role."""

    status_code = 403
    title = "Not allowed"
    code = "role_required"

    def __init__(
        self, message: str, *, required_role: str | None = None, hint: str | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.required_role = required_role


class InvalidOperatorName(BirdhouseError):
    """Not 1-32 of lower-case letters, digits, '.' and '-', starting with a letter or digit."""

    status_code = 422
    title = "Invalid operator name"
    code = "invalid_operator_name"


class OperatorExists(BirdhouseError):
    """An operator with this name has a key already."""

    status_code = 409
    title = "The operator exists"
    code = "operator_exists"


class OperatorNotFound(BirdhouseError):
    """No operator has this name."""

    status_code = 404
    title = "Unknown operator"
    code = "operator_not_found"


class OperatorsUnavailable(BirdhouseError):
    """The operator table (DynamoDB) refused or did not answer."""

    status_code = 503
    title = "Operator keys are unavailable"
    code = "operators_unavailable"


class AuditUnavailable(BirdhouseError):
    """The audit trail (DynamoDB) refused or did not answer a read."""

    status_code = 503
    title = "The audit trail is unavailable"
    code = "audit_unavailable"


class InvalidAuditCursor(BirdhouseError):
    """A `next` value that no page of this query handed out."""

    status_code = 400
    title = "Invalid page cursor"
    code = "invalid_cursor"


class OAuth2NotConfigured(BirdhouseError):
    """OAuth 2.0 was asked for, and the app secret has no client_id / client_secret."""

    status_code = 409
    title = "OAuth 2.0 is not set up"
    code = "oauth2_not_configured"
    badge = "Setup problem"
    page_message = "This link asks for an OAuth 2.0 authorization, which is not set up here."
    page_hint = "Tell the person who sent you the link; nothing you do here can fix it."


class XRefreshRejected(XRejected):
    """X refused an OAuth 2.0 refresh token (invalid_grant): the owner must authorize again."""

    status_code = 410
    title = "The account's refresh token no longer works"
    code = "refresh_rejected"


class XRefreshLost(XError):
    """A refresh reached X (or may have) and its answer never came back: the refresh token is
    spent, and is never sent again."""

    status_code = 502
    title = "The refresh's answer was lost"
    code = "refresh_lost"


class RefreshLost(BirdhouseError):
    """X rotated (or may have rotated) the token and the new pair was never stored."""

    status_code = 502
    title = "The account's new token was lost"
    code = "refresh_lost"


class RefreshBusy(BirdhouseError):
    """Another refresher held the account's lease and no new token appeared in time."""

    status_code = 503
    title = "A refresh is already under way"
    code = "refresh_busy"


class LeaseUnavailable(BirdhouseError):
    """DynamoDB refused or did not answer for the refresh lease."""

    status_code = 503
    title = "Refresh leases are unavailable"
    code = "lease_unavailable"


class NotOAuth2Account(BirdhouseError):
    """Only OAuth 2.0 accounts have tokens to refresh."""

    status_code = 409
    title = "Not an OAuth 2.0 account"
    code = "not_oauth2"


class BadCursor(BirdhouseError):
    """A listing's `next` cursor that Birdhouse did not hand out, or one for other filters."""

    status_code = 400
    title = "Unknown page cursor"
    code = "bad_cursor"


class QueueUnavailable(BirdhouseError):
    """The sweep's work queue (SQS) is not configured, refused or did not answer."""

    status_code = 503
    title = "The sweep's queue is unavailable"
    code = "sweep_queue_unavailable"
