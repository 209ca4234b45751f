"""Builds Birdhouse's services from settings: the one place that constructs adapters.

The web app (through the thin FastAPI wrappers in `deps.py`), the command line, the sweep and
the dev launcher all call these; none of them borrows another's wiring, and nothing else
imports `app.adapters` (tests/test_layers.py).
"""

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from app.app_secret import load_app_secret, refresh_app_secret
from app.core.app_secret import AppSecret, AppSecretRefresher
from app.core.errors import OAuth2NotConfigured
from app.core.signing import SigningKeys
from app.flows.health import Recorder
from app.flows.oauth2_accounts import NOT_CONFIGURED as OAUTH2_NOT_CONFIGURED
from app.flows.oauth2_accounts import OAuth2Accounts
from app.flows.refresh import Refresher

# Each adapter is imported inside the function that builds it: boto3 and requests load when a
# request first needs them, not with the app (a cold start's /healthz needs neither).
if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_secretsmanager import SecretsManagerClient

    from app.adapters.audit_trail import DynamoDBAuditTrail
    from app.adapters.events import EventBridgePublisher
    from app.adapters.invite_ledger import DynamoDBInviteLedger
    from app.adapters.operator_registry import DynamoDBOperatorRegistry
    from app.adapters.refresh_lease import ServiceRefreshLease
    from app.adapters.secrets_manager import SecretsManagerAccountStore, SecretsManagerAppSecret
    from app.adapters.sweep_queue import SqsSweepQueue
    from app.adapters.x_client import OAuth1XClient
    from app.adapters.x_oauth2 import OAuth2XClient
    from app.config import Settings


def secrets_client() -> "SecretsManagerClient":
    """The container's Secrets Manager client (region and endpoint from AWS_* variables)."""
    from app.adapters.secrets_manager import create_secrets_client

    return create_secrets_client()


def account_store(
    settings: "Settings", *, client: "SecretsManagerClient | None" = None
) -> "SecretsManagerAccountStore":
    from app.adapters.secrets_manager import SecretsManagerAccountStore, create_secrets_client

    return SecretsManagerAccountStore(
        client or create_secrets_client(),
        secrets_prefix=settings.secrets_prefix,
        kms_key_id=settings.secrets_kms_key_id,
    )


def app_secret_source(*, client: "SecretsManagerClient | None" = None) -> "SecretsManagerAppSecret":
    from app.adapters.secrets_manager import SecretsManagerAppSecret, create_secrets_client

    return SecretsManagerAppSecret(client or create_secrets_client())


def app_secret(settings: "Settings") -> AppSecret:
    """Read once per container and again after its TTL (environment variables override keys)."""
    return load_app_secret(settings=settings, source=app_secret_source())


def app_secret_refresher(settings: "Settings") -> AppSecretRefresher:
    """For the flows: read the app secret again now (at most every 30 s)."""

    def refresh() -> None:
        refresh_app_secret(settings=settings, source=app_secret_source())

    return refresh


def x_client(settings: "Settings", secret: AppSecret) -> "OAuth1XClient":
    return x_client_for_keys(
        settings, consumer_key=secret.consumer_key, consumer_secret=secret.consumer_secret
    )


def x_client_for_keys(
    settings: "Settings", *, consumer_key: str, consumer_secret: str
) -> "OAuth1XClient":
    """For keys not stored yet: bootstrap and rotation prove them at X before writing them."""
    from app.adapters.x_client import OAuth1XClient

    return OAuth1XClient(
        base_url=settings.x_api_base_url,
        consumer_key=consumer_key,
        consumer_secret=consumer_secret,
        timeout_seconds=settings.x_timeout_seconds,
    )


def invite_ledger(
    settings: "Settings", *, client: "DynamoDBClient | None" = None
) -> "DynamoDBInviteLedger":
    from app.adapters.dynamodb import create_dynamodb_client
    from app.adapters.invite_ledger import DynamoDBInviteLedger

    return DynamoDBInviteLedger(
        client or create_dynamodb_client(), table_name=settings.invites_table
    )


def operator_registry(
    settings: "Settings", *, client: "DynamoDBClient | None" = None
) -> "DynamoDBOperatorRegistry":
    from app.adapters.dynamodb import create_dynamodb_client
    from app.adapters.operator_registry import DynamoDBOperatorRegistry

    return DynamoDBOperatorRegistry(
        client or create_dynamodb_client(), table_name=settings.operators_table
    )


def audit_trail(
    settings: "Settings", *, client: "DynamoDBClient | None" = None
) -> "DynamoDBAuditTrail":
    from app.adapters.audit_trail import DynamoDBAuditTrail
    from app.adapters.dynamodb import create_dynamodb_client

    return DynamoDBAuditTrail(
        client or create_dynamodb_client(),
        table_name=settings.audit_table,
        retention=timedelta(days=settings.audit_retention_days),
    )


def caller_arn() -> str:
    """The command line's AWS identity, as the audit trail names it."""
    from app.adapters.aws_identity import caller_arn

    return caller_arn()


def create_tables(settings: "Settings", *, client: "DynamoDBClient") -> None:
    """The ledger's, the operators', the audit trail's and the refresh leases' tables as
    serverless.yml declares them (for an embedded DynamoDB)."""
    from app.adapters.audit_trail import create_audit_table
    from app.adapters.invite_ledger import create_invites_table
    from app.adapters.operator_registry import create_operators_table

    create_invites_table(client, settings.invites_table)
    create_operators_table(client, settings.operators_table)
    create_audit_table(client, settings.audit_table)
    create_refresh_lease_table(settings, client=client)


def event_publisher(settings: "Settings", *, client: Any = None) -> "EventBridgePublisher":
    from app.adapters.events import EventBridgePublisher

    return EventBridgePublisher(client, bus_name=settings.event_bus_name)


def recorder(settings: "Settings") -> Recorder:
    """Verify's: writes what a check found as tags and announces changes; mints nothing."""
    return Recorder(store=account_store(settings), events=event_publisher(settings))


def sweep_recorder(settings: "Settings", *, signing_keys: SigningKeys) -> Recorder:
    """The sweep's: also mints an invite for each account it finds revoked. The event names
    the invite; it carries the link itself only when EVENTS_INVITE_LINKS says so."""
    return Recorder(
        store=account_store(settings),
        events=event_publisher(settings),
        ledger=invite_ledger(settings),
        signing_keys=signing_keys,
        base_url=settings.public_base_url if settings.events_invite_links else None,
    )


def oauth2_client(settings: "Settings", secret: AppSecret) -> "OAuth2XClient":
    """X's OAuth 2.0 for the app secret's client id and secret (OAuth2NotConfigured if unset)."""
    if not secret.client_id or not secret.client_secret:
        raise OAuth2NotConfigured(OAUTH2_NOT_CONFIGURED)
    return oauth2_client_for(
        settings, client_id=secret.client_id, client_secret=secret.client_secret
    )


def oauth2_client_for(
    settings: "Settings", *, client_id: str, client_secret: str
) -> "OAuth2XClient":
    """For a client not stored yet: its rotation proves it at X before writing it."""
    from app.adapters.x_oauth2 import OAuth2XClient

    return OAuth2XClient(
        base_url=settings.x_api_base_url,
        authorize_url=settings.x_oauth2_authorize_url,
        client_id=client_id,
        client_secret=client_secret,
        scopes=settings.x_oauth2_scopes,
        timeout_seconds=settings.x_timeout_seconds,
    )


def refresh_lease(
    settings: "Settings", *, client: "DynamoDBClient | None" = None
) -> "ServiceRefreshLease":
    from app.adapters.dynamodb import create_dynamodb_client
    from app.adapters.refresh_lease import ServiceRefreshLease

    return ServiceRefreshLease(
        client or create_dynamodb_client(), table_name=settings.refresh_leases_table
    )


def create_refresh_lease_table(settings: "Settings", *, client: "DynamoDBClient") -> None:
    """The refresh leases' table as serverless.yml declares it (for an embedded DynamoDB)."""
    from app.adapters.refresh_lease import create_lease_table

    create_lease_table(client, settings.refresh_leases_table)


def refresher(
    settings: "Settings", secret: AppSecret, *, recorder: Recorder | None = None
) -> Refresher:
    """Refreshes OAuth 2.0 tokens through the lease; `recorder` records and announces a
    refresh that X refused or whose answer was lost (default: verify's, minting nothing)."""
    store = account_store(settings)
    return Refresher(
        store=store,
        lease=refresh_lease(settings),
        client=oauth2_client(settings, secret),
        recorder=recorder or Recorder(store=store, events=event_publisher(settings)),
    )


def oauth2_accounts(
    settings: "Settings",
    secret: AppSecret,
    *,
    recorder: Recorder | None = None,
    may_refresh: bool = True,
) -> OAuth2Accounts | None:
    """Bearer calls for OAuth 2.0 accounts; None when the app secret has no OAuth 2.0 client
    (an OAuth 2.0 account then answers 409 oauth2_not_configured). `may_refresh=False` (the
    sweep, which writes no secret) uses tokens as they are."""
    if not secret.has_oauth2_client:
        return None
    client = oauth2_client(settings, secret)
    if not may_refresh:
        return OAuth2Accounts(client)
    return OAuth2Accounts(client, refresher(settings, secret, recorder=recorder))


def sweep_queue(settings: "Settings", *, client: Any = None) -> "SqsSweepQueue":
    """The sweep's work queue (and its dead-letter queue, for the depth)."""
    from app.adapters.sweep_queue import SqsSweepQueue

    return SqsSweepQueue(
        client,
        queue_url=settings.sweep_queue_url,
        dead_letter_queue_url=settings.sweep_dead_letter_queue_url,
    )
