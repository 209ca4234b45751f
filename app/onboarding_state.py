"""The request-token secret, carried between /onboard and /callback in a signed cookie.

Lambda keeps no memory between requests, and Secrets Manager is too slow and costly for state
that lives a few minutes, so the browser carries it. One cookie per `oauth_token`, so two tabs
onboarding two accounts don't overwrite each other.
"""

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from app.errors import OnboardingSessionError

if TYPE_CHECKING:
    from itsdangerous import URLSafeTimedSerializer

STATE_MAX_AGE_SECONDS = 15 * 60
STATE_COOKIE_PREFIX = "bh_state_"
# X's tokens are URL-safe; anything else can't be one and must not become a cookie name.
OAUTH_TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_\-]{1,128}$")

_SALT = "birdhouse.oauth-state.v1"


@dataclass(frozen=True)
class OnboardingState:
    oauth_token: str
    request_token_secret: str = field(repr=False)
    expected_screen_name: str | None


def state_cookie_name(oauth_token: str) -> str:
    if not OAUTH_TOKEN_PATTERN.fullmatch(oauth_token):
        raise OnboardingSessionError(
            "The link back from X is not one Birdhouse made.",
            hint="Open your invite link again.",
        )
    return f"{STATE_COOKIE_PREFIX}{oauth_token}"


def seal_state(state: OnboardingState, *, signing_key: str) -> str:
    payload = {
        "t": state.oauth_token,
        "s": state.request_token_secret,
        "n": state.expected_screen_name,
    }
    return str(_serializer(signing_key).dumps(payload))


def open_state(
    cookie_value: str | None,
    *,
    oauth_token: str,
    signing_key: str,
    max_age_seconds: int = STATE_MAX_AGE_SECONDS,
) -> OnboardingState:
    """Verify the cookie and that it belongs to this oauth_token."""
    if not cookie_value:
        raise OnboardingSessionError(
            "This browser has no authorization in progress for this link. It may have been "
            "completed already, started in another browser, or cookies may be blocked.",
            hint="Open your invite link again in this browser.",
        )
    from itsdangerous import BadData, SignatureExpired

    try:
        payload = _serializer(signing_key).loads(cookie_value, max_age=max_age_seconds)
    except SignatureExpired:
        raise OnboardingSessionError(
            "This authorization took longer than 15 minutes and has expired.",
            hint="Open your invite link again.",
        ) from None
    except BadData:
        raise _not_ours() from None
    if not isinstance(payload, dict) or payload.get("t") != oauth_token:
        raise _not_ours()
    secret, expected = payload.get("s"), payload.get("n")
    if not isinstance(secret, str) or not (expected is None or isinstance(expected, str)):
        raise _not_ours()
    return OnboardingState(
        oauth_token=oauth_token, request_token_secret=secret, expected_screen_name=expected
    )


def _serializer(signing_key: str) -> "URLSafeTimedSerializer":
    # itsdangerous loads with the first onboarding, not with the app (/healthz never signs).
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(signing_key, salt=_SALT)


def _not_ours() -> OnboardingSessionError:
    return OnboardingSessionError(
        "The authorization details in this browser don't match the link back from X.",
        hint="Open your invite link again.",
    )
