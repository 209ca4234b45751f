"""One deadline per request: every call to X and Secrets Manager draws from the time the Lambda
has left, so no route outlives the function timeout, however slow its upstreams are.

In Lambda the deadline is the invocation's remaining time (the context Mangum puts in the
ASGI scope) minus a margin for writing the answer. Outside Lambda (uvicorn, the command line)
there is none: each call keeps only its own limits. The deadline travels in a context
variable, which FastAPI copies into the worker thread that runs a route.
"""

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol

# Secrets Manager, one attempt: at most this long to connect and to wait for each read (its
# answers come in one read). Three attempts in all, with standard mode's waits between them
# (up to 1 s, then 2 s, for throttling). Used by the adapter's client and by the settings check.
SECRETS_CONNECT_TIMEOUT_SECONDS = 1.0
SECRETS_READ_TIMEOUT_SECONDS = 2.0
SECRETS_ATTEMPTS = 3
SECRETS_OPERATION_WORST_SECONDS = (
    SECRETS_ATTEMPTS * (SECRETS_CONNECT_TIMEOUT_SECONDS + SECRETS_READ_TIMEOUT_SECONDS) + 1 + 2
)
# One Secrets Manager call and one invite-ledger call, each a single attempt (connect + read).
ONE_SECRETS_CALL_SECONDS = SECRETS_CONNECT_TIMEOUT_SECONDS + SECRETS_READ_TIMEOUT_SECONDS
ONE_LEDGER_CALL_SECONDS = 3.0
# A save is up to three calls when the secret exists (create refused, describe, put).
SAVE_SECONDS = 3 * ONE_SECRETS_CALL_SECONDS
# The callback claims an invite only with this much time left: the claim, the keys' save,
# then the claim's release should the save fail, each get at least one attempt.
CLAIM_SAVE_RELEASE_SECONDS = ONE_LEDGER_CALL_SECONDS + SAVE_SECONDS + ONE_LEDGER_CALL_SECONDS
# What a route keeps back from the Lambda's remaining time to render and return its answer.
DEFAULT_MARGIN_SECONDS = 1.0
# An X call with less time than this left is not started: it could not finish.
MIN_X_CALL_SECONDS = 0.25

Clock = Callable[[], float]


class LambdaContext(Protocol):
    def get_remaining_time_in_millis(self) -> int: ...


@dataclass(frozen=True)
class Deadline:
    """A moment on `clock` (monotonic seconds) by which the request's upstream calls end."""

    at: float
    clock: Clock = field(default=time.monotonic, compare=False)

    @classmethod
    def after(cls, seconds: float, *, clock: Clock = time.monotonic) -> "Deadline":
        return cls(at=clock() + seconds, clock=clock)

    def remaining(self) -> float:
        return self.at - self.clock()


_current: ContextVar[Deadline | None] = ContextVar("birdhouse_deadline", default=None)


def current_deadline() -> Deadline | None:
    return _current.get()


def set_request_deadline(deadline: Deadline | None) -> None:
    """For the rest of this request (its task, and the threads FastAPI starts from it)."""
    _current.set(deadline)


@contextmanager
def deadline_scope(deadline: Deadline | None) -> Iterator[None]:
    token = _current.set(deadline)
    try:
        yield
    finally:
        _current.reset(token)


def lambda_deadline(
    aws_context: Any, *, margin_seconds: float, clock: Clock = time.monotonic
) -> Deadline | None:
    """The invocation's remaining time less the margin; None outside Lambda."""
    remaining_ms = getattr(aws_context, "get_remaining_time_in_millis", None)
    if remaining_ms is None:
        return None
    return Deadline(at=clock() + remaining_ms() / 1000 - margin_seconds, clock=clock)
