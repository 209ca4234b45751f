"""Operators and their audit trail, for the tests: keys handed out, records read back raw."""

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from app.adapters.audit_trail import DynamoDBAuditTrail
from app.adapters.invite_ledger import DynamoDBInviteLedger
from app.adapters.operator_registry import DynamoDBOperatorRegistry
from app.adapters.secrets_manager import SecretsManagerAccountStore
from app.core.audit import AuditRecord
from app.core.operators import Role
from app.flows.invites import create_invite
from app.flows.operators import add_operator
from app.sandbox.x_standin import XStandin
from birdhouse_client.layout import AccountSecret
from tests.support.constants import (
    ADMIN_TOKEN,
    AUDIT_TABLE,
    CONSUMER_KEY,
    CONSUMER_SECRET,
    INVITES_TABLE,
    OPERATORS_TABLE,
    SIGNING_KEY,
)
from tests.support.owner_flows import tokens_from_standin

# One operator per role, and the owner's break-glass token, lowest role first.
OPERATORS = {"vera": Role.VIEWER, "ines": Role.INVITER, "adam": Role.ADMIN}


def registry(dynamodb: Any) -> DynamoDBOperatorRegistry:
    return DynamoDBOperatorRegistry(dynamodb, table_name=OPERATORS_TABLE)


def audit_trail(dynamodb: Any) -> DynamoDBAuditTrail:
    return DynamoDBAuditTrail(dynamodb, table_name=AUDIT_TABLE, retention=timedelta(days=400))


def give_key(dynamodb: Any, name: str, role: Role) -> str:
    return add_operator(registry=registry(dynamodb), name=name, role=role).key


def raw_audit_items(dynamodb: Any) -> list[dict[str, Any]]:
    """Every item in the audit table, as DynamoDB holds it (for scanning for secrets)."""
    return list(dynamodb.scan(TableName=AUDIT_TABLE)["Items"])


def audit_records(dynamodb: Any) -> list[AuditRecord]:
    """Every record, oldest first."""
    page = audit_trail(dynamodb).page(
        operator=None, account=None, limit=200, cursor=None, now=datetime.now(UTC)
    )
    return list(reversed(page.records))


@dataclass
class World:
    """A deployment with something to act on: HelloBot connected (real stand-in tokens),
    GoneBot scheduled for deletion, a pending invite, an operator to revoke, and a key per
    role. `secrets` holds every secret the test knows, to scan records for."""

    keys: dict[str, str]
    invite_id: str
    secrets: set[str] = field(default_factory=set)

    def bearer(self, who: str) -> str:
        return ADMIN_TOKEN if who == "owner" else self.keys[who]


def build_world(aws: Any, dynamodb: Any, x_standin: XStandin, x_url: str) -> World:
    store = SecretsManagerAccountStore(aws, secrets_prefix="twitter-bots")
    known = {ADMIN_TOKEN, CONSUMER_KEY, CONSUMER_SECRET, SIGNING_KEY}
    for name in ("HelloBot", "GoneBot"):
        access = tokens_from_standin(x_standin, x_url, name)
        tokens = access.tokens
        known |= {tokens.token, tokens.secret}
        store.save_account(
            AccountSecret(
                screen_name=name,
                user_id=access.user_id,
                authorized_at="2026-11-22T03:00:00+00:00",
                consumer_key=CONSUMER_KEY,
                consumer_secret=CONSUMER_SECRET,
                access_token=tokens.token,
                access_token_secret=tokens.secret,
            )
        )
    store.schedule_deletion("GoneBot", recovery_window_days=7)
    invite = create_invite(
        ledger=DynamoDBInviteLedger(dynamodb, table_name=INVITES_TABLE),
        store=store,
        signing_key=SIGNING_KEY,
        screen_name=None,
        lifetime=timedelta(days=1),
    )
    keys = {name: give_key(dynamodb, name, role) for name, role in OPERATORS.items()}
    keys["victim"] = give_key(dynamodb, "victim", Role.VIEWER)
    known |= set(keys.values()) | {invite.token}
    return World(keys=keys, invite_id=invite.record.id, secrets=known)


def secrets_in(text: str, secrets: set[str]) -> list[str]:
    """Which of the known secrets (or any invite link) the text holds."""
    found = [secret for secret in secrets if secret and secret in text]
    if "onboard?invite=" in text or "bho_" in text:
        found.append("a link or an operator key")
    return found


def answer_secrets(body: str) -> set[str]:
    """Secrets an answer handed out: links, keys, tokens."""
    try:
        document = json.loads(body)
    except ValueError:
        return set()
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                if key in ("url", "key") and isinstance(inner, str):
                    found.add(inner)
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk(document)
    return found
