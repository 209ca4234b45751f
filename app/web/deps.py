"""Every dependency a route can ask for, named once: thin wrappers over `app.wiring`."""

import hmac
import logging
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app import wiring
from app.app_secret import load_app_secret
from app.config import get_settings
from app.core.accounts import AccountStore
from app.core.app_secret import AppSecret, AppSecretRefresher, AppSecretSource
from app.core.deadline import lambda_deadline, set_request_deadline
from app.core.errors import AdminUnavailable, BirdhouseError, NotAuthenticated, StoreOutOfTime
from app.core.events import EventPublisher
from app.core.invites import InviteLedger
from app.core.x import XClient
from app.flows.health import Recorder
from app.web.public_url import ensure_trusted_host, public_base_url

if TYPE_CHECKING:
    # Not at import: app.config loads the Settings class on first use.
    from app.config import Settings
    from app.core.oauth2 import OAuth2Client
    from app.flows.oauth2_accounts import OAuth2Accounts
    from app.flows.refresh import Refresher

log = logging.getLogger(__name__)

SettingsDep = Annotated["Settings", Depends(get_settings)]


def get_store(settings: SettingsDep) -> AccountStore:
    return wiring.account_store(settings)


StoreDep = Annotated[AccountStore, Depends(get_store)]


def get_ledger(settings: SettingsDep) -> InviteLedger:
    return wiring.invite_ledger(settings)


LedgerDep = Annotated[InviteLedger, Depends(get_ledger)]


def get_events(settings: SettingsDep) -> EventPublisher:
    return wiring.event_publisher(settings)


EventsDep = Annotated[EventPublisher, Depends(get_events)]


def get_app_secret_source() -> AppSecretSource:
    return wiring.app_secret_source()


AppSecretSourceDep = Annotated[AppSecretSource, Depends(get_app_secret_source)]


def get_app_secret(settings: SettingsDep, source: AppSecretSourceDep) -> AppSecret:
    return load_app_secret(settings=settings, source=source)


AppSecretDep = Annotated[AppSecret, Depends(get_app_secret)]


def get_app_secret_refresher(settings: SettingsDep) -> AppSecretRefresher:
    return wiring.app_secret_refresher(settings)


AppSecretRefresherDep = Annotated[AppSecretRefresher, Depends(get_app_secret_refresher)]


def get_x_client(settings: SettingsDep, app_secret: AppSecretDep) -> XClient:
    return wiring.x_client(settings, app_secret)


XClientDep = Annotated[XClient, Depends(get_x_client)]


def get_public_base_url(request: Request, settings: SettingsDep) -> str:
    return public_base_url(request, settings)


PublicBaseUrlDep = Annotated[str, Depends(get_public_base_url)]


def get_recorder(store: StoreDep, events: EventsDep) -> Recorder:
    # Verify's recorder mints no invite (the operator asks for a link with reset or POST
    # /invites). From the request's own dependencies, so a test's override reaches it.
    return Recorder(store=store, events=events)


RecorderDep = Annotated[Recorder, Depends(get_recorder)]


def require_trusted_host(request: Request, settings: SettingsDep) -> None:
    ensure_trusted_host(request, settings)


async def start_request_deadline(request: Request, settings: SettingsDep) -> None:
    """Every X and Secrets Manager call of this request draws from the Lambda's remaining time.

    async, so it runs in the request's own context: the dependencies and the route after it
    run in threads that start from a copy of that context, deadline included.
    """
    set_request_deadline(
        lambda_deadline(
            request.scope.get("aws.context"), margin_seconds=settings.deadline_margin_seconds
        )
    )


_bearer = HTTPBearer(auto_error=False, description="The admin token from the app secret.")


def require_admin(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    settings: SettingsDep,
    source: AppSecretSourceDep,
) -> None:
    """Bearer admin token, compared in constant time."""
    # Refuse anonymous callers before any AWS call is spent on them.
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise NotAuthenticated("Send 'Authorization: Bearer <admin token>'.")
    try:
        app_secret = load_app_secret(settings=settings, source=source)
    except BirdhouseError as exc:
        # Anyone can send a bearer: the answer names no secret, store or AWS error code.
        log.error("the admin check could not read the app secret: %s", exc.message)
        why = (
            "there was no time left in this request"
            if isinstance(exc, StoreOutOfTime)
            else "the service's log says why"
        )
        raise AdminUnavailable(
            f"The admin API is unavailable: Birdhouse could not read its app secret ({why})."
        ) from exc
    if not hmac.compare_digest(credentials.credentials.encode(), app_secret.admin_token.encode()):
        raise NotAuthenticated("The admin token is not valid.")


AdminDep = Depends(require_admin)


def get_oauth2_accounts(
    settings: SettingsDep, app_secret: AppSecretDep, recorder: RecorderDep
) -> "OAuth2Accounts | None":
    return wiring.oauth2_accounts(settings, app_secret, recorder=recorder)


OAuth2AccountsDep = Annotated["OAuth2Accounts | None", Depends(get_oauth2_accounts)]


def get_refresher(
    settings: SettingsDep, app_secret: AppSecretDep, recorder: RecorderDep
) -> "Refresher":
    return wiring.refresher(settings, app_secret, recorder=recorder)


RefresherDep = Annotated["Refresher", Depends(get_refresher)]


def get_oauth2_client(settings: SettingsDep, app_secret: AppSecretDep) -> "OAuth2Client | None":
    """X's OAuth 2.0 for onboarding; None when the app secret has no client id and secret."""
    if not app_secret.has_oauth2_client:
        return None
    return wiring.oauth2_client(settings, app_secret)


OAuth2ClientDep = Annotated["OAuth2Client | None", Depends(get_oauth2_client)]
