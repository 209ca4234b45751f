"""The request-token secret, carried between /onboard and /callback in a signed cookie.

Lambda keeps no memory between requests, and Secrets Manager is too slow and costly for state
that lives a few minutes, so the browser carries it. One cookie per `oauth_token`, so two tabs
onboarding two accounts don't overwrite each other.

On success the same cookie is overwritten with a signed "done" note (the account's screen name,
no secret), so reloading the success page, or a browser restoring the tab, shows it again
without asking X or writing anything: one Set-Cookie per answer, and the request-token secret
leaves the browser.
"""

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from starlette.responses import Response

from app.core.errors import OnboardingSessionError
from app.core.signing import SigningKeys, itsdangerous_keys
from app.core.x import TokenPair
from app.flows.onboarding import OAuth2OnboardingState, OnboardingState

if TYPE_CHECKING:
    from itsdangerous import URLSafeTimedSerializer

STATE_MAX_AGE_SECONDS = 15 * 60
# Long enough for a reload or a restored tab; short, since the page it shows is not re-checked.
DONE_MAX_AGE_SECONDS = 60 * 60
STATE_COOKIE_PREFIX = "bh_state_"
# X's tokens are URL-safe; anything else can't be one and must not become a cookie name.
OAUTH_TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_\-]{1,128}$")

_SALT = "birdhouse.oauth-state.v1"
# Another salt: a done note can never be read as a state, nor the other way round.
_DONE_SALT = "birdhouse.oauth-done.v1"
# And one for OAuth 2.0 states: never read as an OAuth 1.0a state.
_OAUTH2_SALT = "birdhouse.oauth2-state.v1"


def state_cookie_name(oauth_token: str) -> str:
    if not OAUTH_TOKEN_PATTERN.fullmatch(oauth_token):
        raise OnboardingSessionError(
            "The link back from X is not one Birdhouse made.",
            hint="Open your invite link again.",
        )
    return f"{STATE_COOKIE_PREFIX}{oauth_token}"


def seal_state(state: OnboardingState, *, signing_key: SigningKeys) -> str:
    payload = {
        "t": state.request_token.token,
        "s": state.request_token.secret,
        "n": state.expected_screen_name,
        "u": state.expected_user_id,
        "i": state.invite_id,
    }
    return str(_serializer(signing_key).dumps(payload))


def open_state(
    cookie_value: str | None,
    *,
    oauth_token: str,
    signing_key: SigningKeys,
    max_age_seconds: int = STATE_MAX_AGE_SECONDS,
) -> OnboardingState:
    """Verify the cookie and that it belongs to this oauth_token."""
    if not cookie_value:
        raise _no_authorization_here()
    from itsdangerous import BadData, SignatureExpired

    try:
        payload = _serializer(signing_key).loads(cookie_value, max_age=max_age_seconds)
    except SignatureExpired:
        raise _too_slow() from None
    except BadData:
        raise _not_ours() from None
    if not isinstance(payload, dict) or payload.get("t") != oauth_token:
        raise _not_ours()
    secret = payload.get("s")
    optional = {key: payload.get(key) for key in ("n", "u", "i")}
    if not isinstance(secret, str) or not all(
        value is None or isinstance(value, str) for value in optional.values()
    ):
        raise _not_ours()
    return OnboardingState(
        request_token=TokenPair(token=oauth_token, secret=secret),
        expected_screen_name=optional["n"],
        expected_user_id=optional["u"],
        invite_id=optional["i"],
    )


def seal_oauth2_state(state: OAuth2OnboardingState, *, signing_key: SigningKeys) -> str:
    """The OAuth 2.0 state: whom the invite wants, which key derives the PKCE verifier; the
    verifier itself never leaves Birdhouse."""
    payload = {
        "t": state.state,
        "k": state.key_id,
        "n": state.expected_screen_name,
        "u": state.expected_user_id,
        "i": state.invite_id,
    }
    return str(_serializer(signing_key, salt=_OAUTH2_SALT).dumps(payload))


def open_oauth2_state(
    cookie_value: str | None,
    *,
    state: str,
    signing_key: SigningKeys,
    max_age_seconds: int = STATE_MAX_AGE_SECONDS,
) -> OAuth2OnboardingState:
    """Verify the cookie and that it belongs to this `state` (X sends it back as it got it)."""
    if not cookie_value:
        raise _no_authorization_here()
    from itsdangerous import BadData, SignatureExpired

    try:
        payload = _serializer(signing_key, salt=_OAUTH2_SALT).loads(
            cookie_value, max_age=max_age_seconds
        )
    except SignatureExpired:
        raise _too_slow() from None
    except BadData:
        raise _not_ours() from None
    if not isinstance(payload, dict) or payload.get("t") != state:
        raise _not_ours()
    key = payload.get("k")
    optional = {name: payload.get(name) for name in ("n", "u", "i")}
    if not isinstance(key, str) or not all(
        value is None or isinstance(value, str) for value in optional.values()
    ):
        raise _not_ours()
    return OAuth2OnboardingState(
        state=state,
        key_id=key,
        expected_screen_name=optional["n"],
        expected_user_id=optional["u"],
        invite_id=optional["i"],
    )


def set_state_cookie(
    response: Response,
    state: OnboardingState | OAuth2OnboardingState,
    *,
    signing_key: SigningKeys,
    base_url: str,
) -> None:
    sealed = (
        seal_oauth2_state(state, signing_key=signing_key)
        if isinstance(state, OAuth2OnboardingState)
        else seal_state(state, signing_key=signing_key)
    )
    response.set_cookie(
        state_cookie_name(state.oauth_token),
        sealed,
        max_age=STATE_MAX_AGE_SECONDS,
        **_cookie_attributes(base_url),
    )


def set_done_cookie(
    response: Response,
    *,
    oauth_token: str,
    screen_name: str,
    signing_key: SigningKeys,
    base_url: str,
) -> None:
    """Replace the state cookie with a signed note that this authorization connected the account."""
    note = _serializer(signing_key, salt=_DONE_SALT).dumps({"t": oauth_token, "n": screen_name})
    response.set_cookie(
        state_cookie_name(oauth_token),
        str(note),
        max_age=DONE_MAX_AGE_SECONDS,
        **_cookie_attributes(base_url),
    )


def connected_before(
    cookie_value: str | None, *, oauth_token: str, signing_key: SigningKeys
) -> str | None:
    """The screen name this browser connected through this oauth_token, if its cookie says so."""
    if not cookie_value:
        return None
    from itsdangerous import BadData

    try:
        payload = _serializer(signing_key, salt=_DONE_SALT).loads(
            cookie_value, max_age=DONE_MAX_AGE_SECONDS
        )
    except BadData:
        return None
    if not isinstance(payload, dict) or payload.get("t") != oauth_token:
        return None
    screen_name = payload.get("n")
    return screen_name if isinstance(screen_name, str) and screen_name else None


def clear_state_cookie(response: Response, *, oauth_token: str, base_url: str) -> None:
    response.delete_cookie(state_cookie_name(oauth_token), **_cookie_attributes(base_url))


def _cookie_attributes(base_url: str) -> dict[str, Any]:
    """Set and cleared with the same attributes, or the browser keeps a second cookie."""
    return {
        # Scoped to the callback, so no other request carries it.
        "path": f"{urlsplit(base_url).path.rstrip('/')}/callback",
        "secure": True,
        "httponly": True,
        # Lax, not Strict: X's redirect back is a cross-site top-level navigation.
        "samesite": "lax",
    }


def _serializer(signing_key: SigningKeys, *, salt: str = _SALT) -> "URLSafeTimedSerializer":
    # itsdangerous loads with the first onboarding, not with the app (/healthz never signs).
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(itsdangerous_keys(signing_key), salt=salt)


def _no_authorization_here() -> OnboardingSessionError:
    return OnboardingSessionError(
        "This browser has no authorization in progress for this link. It may have been "
        "completed already, started in another browser, or cookies may be blocked.",
        hint="Open your invite link again in this browser.",
    )


def _too_slow() -> OnboardingSessionError:
    return OnboardingSessionError(
        "This authorization took longer than 15 minutes and has expired.",
        hint="Open your invite link again.",
    )


def _not_ours() -> OnboardingSessionError:
    return OnboardingSessionError(
        "The authorization details in this browser don't match the link back from X.",
        hint="Open your invite link again.",
    )
