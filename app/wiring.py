"""Builds Birdhouse's services from settings: the one place every entry point wires from.

The web app (through the thin FastAPI wrappers in `deps.py`), the command line and the dev
launcher all call these; none of them borrows another's wiring.
"""

from typing import TYPE_CHECKING

from app.adapters.events import EventBridgePublisher
from app.adapters.invite_ledger import DynamoDBInviteLedger, create_dynamodb_client
from app.adapters.secrets_manager import (
    SecretsManagerAccountStore,
    SecretsManagerAppSecret,
    create_secrets_client,
)
from app.adapters.x_client import OAuth1XClient
from app.flows.health import Recorder
from app.signing import SigningKeys

if TYPE_CHECKING:
    from app.config import Settings
from app.app_secret import AppSecret, load_app_secret


def account_store(settings: "Settings") -> SecretsManagerAccountStore:
    return SecretsManagerAccountStore(
        create_secrets_client(),
        secrets_prefix=settings.secrets_prefix,
        kms_key_id=settings.secrets_kms_key_id,
    )


def app_secret_source() -> SecretsManagerAppSecret:
    return SecretsManagerAppSecret(create_secrets_client())


def app_secret(settings: "Settings") -> AppSecret:
    """Read once per container (environment variables override single keys)."""
    return load_app_secret(settings=settings, source=app_secret_source())


def x_client(settings: "Settings", secret: AppSecret) -> OAuth1XClient:
    return x_client_for_keys(
        settings, consumer_key=secret.consumer_key, consumer_secret=secret.consumer_secret
    )


def x_client_for_keys(
    settings: "Settings", *, consumer_key: str, consumer_secret: str
) -> OAuth1XClient:
    """For keys not stored yet: `bootstrap` proves them at X before it writes them."""
    return OAuth1XClient(
        base_url=settings.x_api_base_url,
        consumer_key=consumer_key,
        consumer_secret=consumer_secret,
        timeout_seconds=settings.x_timeout_seconds,
    )


def invite_ledger(settings: "Settings") -> DynamoDBInviteLedger:
    return DynamoDBInviteLedger(create_dynamodb_client(), table_name=settings.invites_table)


def event_publisher(settings: "Settings") -> EventBridgePublisher:
    return EventBridgePublisher(None, bus_name=settings.event_bus_name)


def recorder(settings: "Settings", *, signing_keys: SigningKeys = ()) -> Recorder:
    """Writes check findings as tags and announces changes, with re-invites where it can."""
    return Recorder(
        store=account_store(settings),
        events=event_publisher(settings),
        ledger=invite_ledger(settings),
        signing_keys=signing_keys,
        base_url=settings.public_base_url,
    )
