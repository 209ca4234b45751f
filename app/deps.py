"""Every dependency a route can ask for, named once."""

import hmac
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.app_secret import AppSecret, load_app_secret
from app.config import get_settings
from app.errors import NotAuthenticated
from app.public_url import public_base_url
from app.store import CredentialStore, SecretsManagerStore, create_secrets_client
from app.x_client import OAuth1XClient, XClient

if TYPE_CHECKING:
    # Not at import: app.config loads the Settings class on first use.
    from app.config import Settings

SettingsDep = Annotated["Settings", Depends(get_settings)]


def get_store(settings: SettingsDep) -> CredentialStore:
    return SecretsManagerStore(create_secrets_client(), secrets_prefix=settings.secrets_prefix)


StoreDep = Annotated[CredentialStore, Depends(get_store)]


def get_app_secret(settings: SettingsDep, store: StoreDep) -> AppSecret:
    return load_app_secret(settings=settings, store=store)


AppSecretDep = Annotated[AppSecret, Depends(get_app_secret)]


def get_x_client(settings: SettingsDep, app_secret: AppSecretDep) -> XClient:
    return OAuth1XClient(
        base_url=settings.x_api_base_url,
        consumer_key=app_secret.consumer_key,
        consumer_secret=app_secret.consumer_secret,
        timeout_seconds=settings.x_timeout_seconds,
    )


XClientDep = Annotated[XClient, Depends(get_x_client)]


def get_public_base_url(request: Request, settings: SettingsDep) -> str:
    return public_base_url(request, settings)


PublicBaseUrlDep = Annotated[str, Depends(get_public_base_url)]

_bearer = HTTPBearer(auto_error=False, description="The admin token from the app secret.")


def require_admin(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    settings: SettingsDep,
    store: StoreDep,
) -> None:
    """Bearer admin token, compared in constant time."""
    # Refuse anonymous callers before any AWS call is spent on them.
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise NotAuthenticated("Send 'Authorization: Bearer <admin token>'.")
    app_secret = load_app_secret(settings=settings, store=store)
    if not hmac.compare_digest(credentials.credentials.encode(), app_secret.admin_token.encode()):
        raise NotAuthenticated("The admin token is not valid.")


AdminDep = Depends(require_admin)
