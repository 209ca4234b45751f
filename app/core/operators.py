"""Operators: named people (or scripts) with a key and a role, and where their keys are kept.

A key is `bho_<name>_<secret>`: the prefix lets secret scanners find a leaked one, the name
lets the service read exactly one record (a strongly consistent read, so a revoke counts at
once everywhere), and the secret is 256 random bits, kept only as its SHA-256.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from app.core.errors import InvalidOperatorName

KEY_PREFIX = "bho_"
# What a scanner matches: the prefix, the operator's name, and 43 URL-safe characters.
KEY_PATTERN = r"bho_[a-z0-9][a-z0-9.-]{0,31}_[A-Za-z0-9_-]{43}"
OPERATOR_NAME_PATTERN = r"^[a-z0-9][a-z0-9.-]{0,31}$"
# The app secret's admin token signs in as this name; `me` is GET /operators/me.
OWNER = "owner"
RESERVED_NAMES = frozenset({OWNER, "me"})
_NAME = re.compile(OPERATOR_NAME_PATTERN)


class Role(StrEnum):
    """Each role can do everything the one before it can."""

    VIEWER = "viewer"
    INVITER = "inviter"
    ADMIN = "admin"

    def allows(self, needed: "Role") -> bool:
        order = list(Role)
        return order.index(self) >= order.index(needed)


# What each role adds, in words (the README, the console and `operators --help` say the same).
ROLE_POWERS = {
    Role.VIEWER: "reads accounts, invites, statuses and the audit trail",
    Role.INVITER: "also mints and withdraws invites",
    Role.ADMIN: "everything: verify, test-tweet, reset, rename, delete, restore, operators",
}


@dataclass(frozen=True)
class Operator:
    """Who is signed in, or one row of GET /operators; never the key."""

    name: str
    role: Role
    created_at: datetime | None = None
    last_used_at: datetime | None = None


@dataclass(frozen=True)
class StoredOperator:
    """An operator as the registry keeps it: the key only as its hash."""

    operator: Operator
    key_hash: str


class OperatorRegistry(Protocol):
    """Where operators and their key hashes are kept (one record per name)."""

    def add(self, stored: StoredOperator) -> None:
        """Raises OperatorExists if the name has a record."""

    def get(self, name: str) -> StoredOperator | None:
        """Read as of now: a record removed a moment ago is not returned."""

    def list_operators(self) -> list[Operator]: ...

    def remove(self, name: str) -> bool:
        """False if there was no such operator."""

    def touch(self, name: str, *, key_hash: str, now: datetime, unless_since: datetime) -> None:
        """Set last_used_at to `now` unless it is already at or after `unless_since`."""


def operator_name(text: str) -> str:
    """The name as stored (lower case), or InvalidOperatorName."""
    name = text.strip().lower()
    if not _NAME.fullmatch(name):
        raise InvalidOperatorName(
            f"{text!r} is not an operator name: 1-32 of a-z, 0-9, '.' and '-', starting with a "
            "letter or digit."
        )
    if name in RESERVED_NAMES:
        raise InvalidOperatorName(f"{name!r} is reserved; pick another name.")
    return name
