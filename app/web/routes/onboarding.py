import logging
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import HTMLResponse, Response

from app.core.errors import OAuth2NotConfigured, OnboardingSessionError
from app.core.oauth2 import code_verifier, signing_key_named
from app.flows.invites import MAX_INVITE_TOKEN_LENGTH
from app.flows.oauth2_accounts import NOT_CONFIGURED
from app.flows.onboarding import (
    ConnectedAccount,
    complete_oauth2_onboarding,
    complete_onboarding,
    start_onboarding,
)
from app.web.browser_route import BrowserRoute
from app.web.deps import (
    AppSecretDep,
    AppSecretRefresherDep,
    EventsDep,
    LedgerDep,
    OAuth2ClientDep,
    PublicBaseUrlDep,
    SettingsDep,
    StoreDep,
    XClientDep,
)
from app.web.error_responses import CALLBACK_PAGES, ONBOARD_PAGES
from app.web.onboarding_state import (
    OAUTH_TOKEN_PATTERN,
    clear_state_cookie,
    connected_before,
    open_oauth2_state,
    open_state,
    set_done_cookie,
    set_state_cookie,
    state_cookie_name,
)
from app.web.pages import redirect, render_page

log = logging.getLogger(__name__)

router = APIRouter(tags=["onboarding"], route_class=BrowserRoute)

# What X (or another OAuth server) may say in ?error= on its way back, in words.
_X_ERRORS = {
    "temporarily_unavailable": "X was busy and ended the authorization.",
    "server_error": "X had a problem and ended the authorization.",
    "invalid_request": "X could not read the authorization request.",
    "unauthorized_client": "X did not let this app ask for an authorization.",
}

OAuthParam = Annotated[str | None, Query(max_length=256)]
# OAuth 2.0 codes are longer than OAuth 1.0a verifiers; X's are about 90 characters.
CodeParam = Annotated[str | None, Query(max_length=1024)]


@router.get("/onboard", status_code=303, response_class=Response, responses=ONBOARD_PAGES)
def onboard(
    app_secret: AppSecretDep,
    x_client: XClientDep,
    ledger: LedgerDep,
    base_url: PublicBaseUrlDep,
    refresh_app_secret: AppSecretRefresherDep,
    oauth2: OAuth2ClientDep,
    invite: Annotated[str, Query(max_length=MAX_INVITE_TOKEN_LENGTH)] = "",
) -> Response:
    """The link a bot owner opens: sends them to X to authorize the bot account (OAuth 1.0a,
    or OAuth 2.0 with PKCE when the invite asks for it)."""
    start = start_onboarding(
        invite_token=invite,
        app_secret=app_secret,
        x_client=x_client,
        ledger=ledger,
        callback_url=f"{base_url}/callback",
        refresh_app_secret=refresh_app_secret,
        oauth2=oauth2,
    )
    response = redirect(start.authorize_url)
    set_state_cookie(response, start.state, signing_key=app_secret.signing_keys, base_url=base_url)
    return response


@router.get("/callback", response_class=Response, responses=CALLBACK_PAGES)
def callback(
    request: Request,
    app_secret: AppSecretDep,
    x_client: XClientDep,
    store: StoreDep,
    ledger: LedgerDep,
    settings: SettingsDep,
    events: EventsDep,
    base_url: PublicBaseUrlDep,
    oauth2: OAuth2ClientDep,
    oauth_token: OAuthParam = None,
    oauth_verifier: OAuthParam = None,
    denied: OAuthParam = None,
    error: OAuthParam = None,
    code: CodeParam = None,
    state: OAuthParam = None,
) -> Response:
    """Where X sends the owner back, for either OAuth (one registered URL): OAuth 1.0a with a
    verifier, OAuth 2.0 with a code and the state, or `denied` (or `error`) on Cancel."""
    # X says ?denied=<token>; other OAuth 1.0a servers, and OAuth 2.0, ?error=access_denied.
    if error == "access_denied" and denied is None:
        denied = oauth_token or state or ""
    if denied is not None:
        response = render_page(
            title="Nothing was saved",
            message="You cancelled the authorization on X, so Birdhouse did not connect "
            "any account.",
            hint="Changed your mind? Open your invite link again.",
            tone="notice",
            badge="Cancelled",
        )
        if OAUTH_TOKEN_PATTERN.fullmatch(denied):
            clear_state_cookie(response, oauth_token=denied, base_url=base_url)
        return response
    if error is not None:
        # A fixed sentence per code: the query string is anyone's to write, so none of it
        # reaches a Birdhouse page.
        log.info("X ended an authorization with error=%r", error[:64])
        raise OnboardingSessionError(
            _X_ERRORS.get(error, "X ended the authorization without connecting the account.")
            + " Nothing was saved.",
            hint="Open your invite link again.",
        )
    if oauth_token is None and (code is not None or state is not None):
        return _oauth2_callback(
            request,
            code=code,
            state=state,
            app_secret=app_secret,
            oauth2=oauth2,
            store=store,
            ledger=ledger,
            settings=settings,
            events=events,
            base_url=base_url,
        )
    if not oauth_token or not oauth_verifier:
        raise OnboardingSessionError(
            "This page is where X sends you back after you authorize, and the details X "
            "adds are missing.",
            hint="Start from your invite link.",
        )
    cookie = request.cookies.get(state_cookie_name(oauth_token))
    # A reload of the success page (or a restored tab): say it again, ask X nothing, write
    # nothing. X would refuse the spent verifier anyway.
    if screen_name := connected_before(
        cookie, oauth_token=oauth_token, signing_key=app_secret.signing_keys
    ):
        return _connected_page(screen_name)
    started = open_state(cookie, oauth_token=oauth_token, signing_key=app_secret.signing_keys)
    connected = complete_onboarding(
        state=started,
        verifier=oauth_verifier,
        app_secret=app_secret,
        x_client=x_client,
        store=store,
        ledger=ledger,
        events=events,
        recovery_window_days=settings.deletion_recovery_days,
    )
    return _connected(connected, oauth_token=oauth_token, app_secret=app_secret, base_url=base_url)


def _oauth2_callback(
    request: Request,
    *,
    code: str | None,
    state: str | None,
    app_secret: AppSecretDep,
    oauth2: OAuth2ClientDep,
    store: StoreDep,
    ledger: LedgerDep,
    settings: SettingsDep,
    events: EventsDep,
    base_url: str,
) -> Response:
    """The OAuth 2.0 return: the state names this browser's cookie; the PKCE verifier is
    derived again from it, never read from anywhere."""
    if not code or not state:
        raise OnboardingSessionError(
            "This page is where X sends you back after you authorize, and the details X "
            "adds are missing.",
            hint="Start from your invite link.",
        )
    cookie = request.cookies.get(state_cookie_name(state))
    if screen_name := connected_before(
        cookie, oauth_token=state, signing_key=app_secret.signing_keys
    ):
        return _connected_page(screen_name)
    opened = open_oauth2_state(cookie, state=state, signing_key=app_secret.signing_keys)
    key = signing_key_named(opened.key_id, app_secret.signing_keys)
    if key is None:
        # The signing key was rotated with --revoke-links since this authorization began.
        raise OnboardingSessionError(
            "This authorization was started before a change on our side and can't be finished.",
            hint="Open your invite link again.",
        )
    if oauth2 is None:
        log.error("an OAuth 2.0 callback arrived; %s", NOT_CONFIGURED)
        raise OAuth2NotConfigured(
            "This authorization is OAuth 2.0, which is not set up here yet. Nothing was saved.",
            hint="Tell the person who sent you the link; nothing you do here can fix it.",
        )
    connected = complete_oauth2_onboarding(
        state=opened,
        code=code,
        code_verifier=code_verifier(opened.state, signing_key=key),
        redirect_uri=f"{base_url}/callback",
        app_secret=app_secret,
        oauth2=oauth2,
        store=store,
        ledger=ledger,
        events=events,
        recovery_window_days=settings.deletion_recovery_days,
    )
    return _connected(connected, oauth_token=state, app_secret=app_secret, base_url=base_url)


def _connected(
    connected: ConnectedAccount, *, oauth_token: str, app_secret: AppSecretDep, base_url: str
) -> Response:
    moved = (
        f" It was @{connected.moved_from} here before; its keys now live under its new name."
        if connected.moved_from
        else ""
    )
    response = _connected_page(connected.screen_name, moved=moved, read_only=connected.read_only)
    set_done_cookie(
        response,
        oauth_token=oauth_token,
        screen_name=connected.screen_name,
        signing_key=app_secret.signing_keys,
        base_url=base_url,
    )
    return response


def _connected_page(screen_name: str, *, moved: str = "", read_only: bool = False) -> HTMLResponse:
    if read_only:
        return render_page(
            title=f"@{screen_name} is connected, but may only read",
            message=f"Birdhouse saved the keys for @{screen_name}.{moved} X gave them "
            "read-only access, so the bot cannot post yet.",
            hint="Tell the person who sent you the link: the X app needs 'Read and write' "
            "permission, then a new link for you to open.",
            tone="notice",
            badge="Read only",
        )
    return render_page(
        title=f"@{screen_name} is connected",
        message=f"Birdhouse saved the keys for @{screen_name}.{moved} "
        "Its bot can start posting; you can close this page.",
        hint="You can log out of the bot account on X now. To disconnect the bot later, "
        "revoke Birdhouse's access in the account's X settings.",
        badge="Connected",
    )
