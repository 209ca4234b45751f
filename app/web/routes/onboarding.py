import logging
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import HTMLResponse, Response

from app.core.errors import OnboardingSessionError
from app.flows.invites import MAX_INVITE_TOKEN_LENGTH
from app.flows.onboarding import complete_onboarding, start_onboarding
from app.web.browser_route import BrowserRoute
from app.web.deps import (
    AppSecretDep,
    AppSecretRefresherDep,
    EventsDep,
    LedgerDep,
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


@router.get("/onboard", status_code=303, response_class=Response, responses=ONBOARD_PAGES)
def onboard(
    app_secret: AppSecretDep,
    x_client: XClientDep,
    ledger: LedgerDep,
    base_url: PublicBaseUrlDep,
    refresh_app_secret: AppSecretRefresherDep,
    invite: Annotated[str, Query(max_length=MAX_INVITE_TOKEN_LENGTH)] = "",
) -> Response:
    """The link a bot owner opens: sends them to X to authorize the bot account."""
    start = start_onboarding(
        invite_token=invite,
        app_secret=app_secret,
        x_client=x_client,
        ledger=ledger,
        callback_url=f"{base_url}/callback",
        refresh_app_secret=refresh_app_secret,
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
    oauth_token: OAuthParam = None,
    oauth_verifier: OAuthParam = None,
    denied: OAuthParam = None,
    error: OAuthParam = None,
) -> Response:
    """Where X sends the owner back, with a verifier, or with `denied` (or `error`) on Cancel."""
    # X says ?denied=<token>; other OAuth 1.0a servers say ?error=access_denied, OAuth 2 style.
    if error == "access_denied" and denied is None:
        denied = oauth_token or ""
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
    state = open_state(cookie, oauth_token=oauth_token, signing_key=app_secret.signing_keys)
    connected = complete_onboarding(
        state=state,
        verifier=oauth_verifier,
        app_secret=app_secret,
        x_client=x_client,
        store=store,
        ledger=ledger,
        events=events,
        recovery_window_days=settings.deletion_recovery_days,
    )
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
