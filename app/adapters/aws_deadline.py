"""AWS calls that stop when the request's deadline would pass (botocore event handlers).

Two rules, on any botocore client:
- an attempt starts only if a whole attempt (connect + read timeouts) fits in the time left;
- a retry happens only if botocore's longest wait before it plus a whole attempt fits.
When neither fits, the call ends with `DeadlineReached` (a BotoCoreError, so the adapters
translate it like any other), naming what failed last. Outside a deadline nothing changes.
"""

import inspect
from functools import partial
from typing import Any

from botocore.exceptions import BotoCoreError
from botocore.retries.standard import (
    ExponentialBackoff,
    RetryEventAdapter,
    StandardRetryConditions,
    ThrottlingErrorDetector,
)

from app.core.deadline import SECRETS_ATTEMPTS, current_deadline


class DeadlineReached(BotoCoreError):
    """Not enough of the request's time left for another AWS attempt."""

    fmt = "no time left in this request ({reason})"


_RETRY_EVENTS = RetryEventAdapter()


def _longest_wait_formula() -> ExponentialBackoff:
    """botocore's own backoff with its jitter pinned at the top: the longest it could wait.

    Lambda runs the botocore its runtime ships (boto3 is not packaged), and older releases
    take no throttling detector (their waits are the throttling ones: the longer).
    """
    if "throttling_detector" in inspect.signature(ExponentialBackoff).parameters:
        return ExponentialBackoff(
            random=lambda: 1.0, throttling_detector=ThrottlingErrorDetector(_RETRY_EVENTS)
        )
    return ExponentialBackoff(random=lambda: 1.0)


_LONGEST_WAIT = _longest_wait_formula()


def bound_by_deadline(client: Any) -> None:
    """Make `client` respect the current request's deadline (idempotent)."""
    config = client.meta.config
    attempt_seconds = float(config.connect_timeout) + float(config.read_timeout)
    retries = config.retries or {}
    attempts = retries.get("total_max_attempts") or SECRETS_ATTEMPTS
    events = client.meta.events
    events.register_first(
        "before-send",
        partial(_start_only_if_it_fits, attempt_seconds=attempt_seconds),
        unique_id="birdhouse-deadline-attempt",
    )
    events.register_first(
        "needs-retry",
        partial(
            _retry_only_if_it_fits,
            attempt_seconds=attempt_seconds,
            retryable=StandardRetryConditions(max_attempts=attempts),
        ),
        unique_id="birdhouse-deadline-retry",
    )


def _start_only_if_it_fits(attempt_seconds: float, **kwargs: Any) -> None:
    deadline = current_deadline()
    if deadline is not None and deadline.remaining() < attempt_seconds:
        raise DeadlineReached(
            reason=f"{deadline.remaining():.2f}s left, an attempt takes up to {attempt_seconds:g}s"
        )


def _retry_only_if_it_fits(
    attempt_seconds: float, retryable: StandardRetryConditions, **kwargs: Any
) -> None:
    deadline = current_deadline()
    if deadline is None:
        return
    context = _RETRY_EVENTS.create_retry_context(**kwargs)
    if not retryable.is_retryable(context):
        return  # botocore won't retry either: its answer, or error, stands
    needed = _LONGEST_WAIT.delay_amount(context) + attempt_seconds
    if deadline.remaining() < needed:
        raise DeadlineReached(reason=f"{_what_failed(context)}, and no time to try again")


def _what_failed(context: Any) -> str:
    if context.caught_exception is not None:
        return type(context.caught_exception).__name__
    error = (context.parsed_response or {}).get("Error", {})
    return str(error.get("Code") or "an error")
