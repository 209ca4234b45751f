"""Events: what happened to an account, and what an operator did, announced to whoever
listens (EventBridge)."""

from typing import Any, Protocol

ACCOUNT_CONNECTED = "Account connected"
ACCOUNT_STATUS_CHANGED = "Account status changed"
ACCOUNT_DELETED = "Account deleted"
ACCOUNT_RESTORED = "Account restored"


class EventPublisher(Protocol):
    """Where account events go. A failed publish answers False and never raises."""

    def publish(self, detail_type: str, detail: dict[str, Any]) -> bool: ...


# Who did what: one per audit record (app/flows/audit.py).
OPERATOR_ACTION = "Operator action"
