"""What a command works with: one run's settings, and the services wired from them on first use.

A command is one short run, so the app secret is always read afresh (no container cache), and
settings are read once per `main()` call: an in-process test that changes the environment
between two commands gets two different runs, as two processes would.
"""

import uuid
from functools import cached_property
from typing import TYPE_CHECKING

from app import wiring
from app.app_secret import clear_app_secret_cache
from app.cli.output import UsageError
from app.core.accounts import AccountStore
from app.core.app_secret import AppSecret, AppSecretSource
from app.core.audit import AuditTrail, Via
from app.core.events import EventPublisher
from app.core.invites import InviteLedger
from app.core.operators import OperatorRegistry
from app.core.x import XClient
from app.flows.audit import Actor, Audit, AuditEntry
from app.flows.health import Recorder

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient

    from app.config import Settings
    from app.flows.oauth2_accounts import OAuth2Accounts
    from app.flows.refresh import Refresher


class Context:
    def __init__(self, settings: "Settings | None" = None) -> None:
        self._settings = settings
        # The record of this run's action, when it has one: a command names what it made.
        self.audit_entry = AuditEntry(action="")

    @cached_property
    def settings(self) -> "Settings":
        if self._settings is None:
            from app.config import Settings

            self._settings = Settings()
        return self._settings

    @cached_property
    def store(self) -> AccountStore:
        return wiring.account_store(self.settings)

    @cached_property
    def ledger(self) -> InviteLedger:
        return wiring.invite_ledger(self.settings)

    @cached_property
    def events(self) -> EventPublisher:
        return wiring.event_publisher(self.settings)

    @cached_property
    def operators(self) -> OperatorRegistry:
        return wiring.operator_registry(self.settings)

    @cached_property
    def audit_trail(self) -> AuditTrail:
        return wiring.audit_trail(self.settings)

    @cached_property
    def audit(self) -> Audit:
        """This run's records name the AWS identity it runs as (one STS call)."""
        actor = Actor(operator=wiring.caller_arn(), via=Via.CLI, request_id=uuid.uuid4().hex)
        return Audit(trail=self.audit_trail, events=self.events, actor=actor)

    @cached_property
    def app_secret_source(self) -> AppSecretSource:
        return wiring.app_secret_source()

    @cached_property
    def secrets_client(self) -> "SecretsManagerClient":
        return wiring.secrets_client()

    @cached_property
    def app_secret(self) -> AppSecret:
        clear_app_secret_cache()  # what is there now, not what an earlier command read
        return wiring.app_secret(self.settings)

    @cached_property
    def x_client(self) -> XClient:
        return wiring.x_client(self.settings, self.app_secret)

    def x_client_for_keys(self, consumer_key: str, consumer_secret: str) -> XClient:
        return wiring.x_client_for_keys(
            self.settings, consumer_key=consumer_key, consumer_secret=consumer_secret
        )

    @cached_property
    def recorder(self) -> Recorder:
        return wiring.recorder(self.settings)

    @cached_property
    def oauth2(self) -> "OAuth2Accounts | None":
        return wiring.oauth2_accounts(self.settings, self.app_secret, recorder=self.recorder)

    @cached_property
    def refresher(self) -> "Refresher":
        return wiring.refresher(self.settings, self.app_secret, recorder=self.recorder)

    def base_url(self, given: str | None, *, required: bool = True) -> str:
        """Where browsers reach Birdhouse: --base-url, else PUBLIC_BASE_URL."""
        base_url = (given or self.settings.public_base_url or "").rstrip("/")
        if required and not base_url.startswith(("https://", "http://")):
            raise UsageError(
                "no base URL: pass --base-url or set PUBLIC_BASE_URL to where browsers reach "
                "Birdhouse"
            )
        return base_url
