"""Operator keys: mint one (shown once), list, revoke, and tell who sent a key.

Keys are stored as SHA-256, not a slow password hash: a slow hash protects guessable
passwords from offline guessing, and a key holds 256 random bits, which no amount of hashing
speed lets anyone guess from its hash; a fast hash keeps every request's check at microseconds.
"""

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from app.core.errors import (
    InvalidOperatorName,
    OperatorNotFound,
    OperatorsUnavailable,
    RoleRequired,
)
from app.core.operators import (
    KEY_PREFIX,
    Operator,
    OperatorRegistry,
    Role,
    StoredOperator,
    operator_name,
)

log = logging.getLogger(__name__)

# A key's last use is written at most this often: one small write a minute for a busy key.
LAST_USED_GRANULARITY = timedelta(minutes=1)
_SECRET_BYTES = 32


@dataclass(frozen=True)
class NewOperator:
    operator: Operator
    # Shown to whoever added the operator, once; only its hash is kept.
    key: str


def add_operator(
    *, registry: OperatorRegistry, name: str, role: Role, now: datetime | None = None
) -> NewOperator:
    """A new operator and their key; refused if the name has one (revoke it first)."""
    operator = Operator(
        name=operator_name(name),
        role=role,
        created_at=(now or datetime.now(UTC)).replace(microsecond=0),
    )
    key = f"{KEY_PREFIX}{operator.name}_{secrets.token_urlsafe(_SECRET_BYTES)}"
    registry.add(StoredOperator(operator=operator, key_hash=key_hash(key)))
    log.info("operator %s added as %s", operator.name, role.value)
    return NewOperator(operator=operator, key=key)


def list_operators(*, registry: OperatorRegistry) -> list[Operator]:
    return sorted(registry.list_operators(), key=lambda operator: operator.name)


def revoke_operator(*, registry: OperatorRegistry, name: str) -> str:
    """The key stops working on the next request, everywhere; the name may be added again."""
    try:
        stored_name = operator_name(name)
    except InvalidOperatorName:
        stored_name = ""  # `owner`, or no name at all: no operator has it
    if not stored_name or not registry.remove(stored_name):
        raise OperatorNotFound(f"No operator is called {name.strip().lower()!r}.")
    log.info("operator %s revoked", stored_name)
    return stored_name


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def name_in_key(key: str) -> str | None:
    """The operator a key names, if it has a key's shape (nothing is looked up)."""
    if not key.startswith(KEY_PREFIX):
        return None
    name, separator, secret = key.removeprefix(KEY_PREFIX).partition("_")
    if not separator or not secret:
        return None
    try:
        return operator_name(name)
    except InvalidOperatorName:
        return None


def operator_for_key(
    key: str, *, registry: OperatorRegistry, now: datetime | None = None
) -> Operator | None:
    """The operator whose key this is, read afresh (a revoke counts at once); None otherwise.

    Notes the key's use, at most once per LAST_USED_GRANULARITY; a failed note never refuses
    the request.
    """
    name = name_in_key(key)
    if name is None:
        return None
    stored = registry.get(name)
    if stored is None or not hmac.compare_digest(stored.key_hash, key_hash(key)):
        return None
    moment = now or datetime.now(UTC)
    operator = stored.operator
    last_used = operator.last_used_at
    if last_used is None or moment - last_used >= LAST_USED_GRANULARITY:
        try:
            registry.touch(
                name,
                key_hash=stored.key_hash,
                now=moment,
                unless_since=moment - LAST_USED_GRANULARITY,
            )
        except OperatorsUnavailable as exc:
            log.warning("could not note operator %s's use: %s", name, exc.message)
        operator = replace(operator, last_used_at=moment)
    return operator


def require_role(operator: Operator, needed: Role) -> None:
    """RoleRequired (403, naming the role) unless the operator's role allows `needed`."""
    if not operator.role.allows(needed):
        raise RoleRequired(
            f"This needs the {needed.value} role (or above); {operator.name} is a "
            f"{operator.role.value}.",
            required_role=needed.value,
        )
