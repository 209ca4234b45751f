"""The sweep's work queue: the planner puts accounts on it, the worker function takes them off.

Lambda hands the worker its messages (an SQS event source mapping), so the queue's interface is
only what Birdhouse itself sends and asks: tasks in batches, with a delay, and how deep it is.
"""

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Protocol

from birdhouse_client.layout import parse_screen_name

# SQS's longest DelaySeconds. A task that must wait longer carries `not_before` and is sent
# again, 15 minutes at a time, until then (each hop is one message: no X call, no AWS write).
MAX_DELAY_SECONDS = 900


class NotATask(ValueError):
    """A message body that is not a sweep task (a poisoned message: it ends in the DLQ)."""


@dataclass(frozen=True)
class SweepTask:
    """Check this account; `status` is what the planner listed (the change is announced
    against it); `not_before` (epoch seconds) when X asked the sweep to wait."""

    screen_name: str
    planned_at: str
    status: str = "unchecked"
    not_before: float | None = None

    def to_body(self) -> str:
        return json.dumps({k: v for k, v in asdict(self).items() if v is not None})

    @classmethod
    def from_body(cls, body: str) -> "SweepTask":
        try:
            data = json.loads(body)
            task = cls(
                screen_name=parse_screen_name(str(data["screen_name"])),
                planned_at=str(data["planned_at"]),
                status=str(data.get("status") or "unchecked"),
                not_before=float(data["not_before"]) if data.get("not_before") else None,
            )
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise NotATask(f"not a sweep task: {type(exc).__name__}") from None
        return task


@dataclass(frozen=True)
class QueueDepth:
    """SQS's approximate counts: waiting, being worked on, delayed, and dead letters."""

    waiting: int
    in_flight: int
    delayed: int
    dead_letters: int


class SweepQueue(Protocol):
    """Where sweep tasks wait. Raises QueueUnavailable when SQS refuses or is not configured."""

    def send(self, tasks: Sequence[SweepTask], *, delay_seconds: int = 0) -> None: ...

    def depth(self) -> QueueDepth: ...
