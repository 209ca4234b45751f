"""Faults: what an endpoint (or one account's calls) answers instead of its work."""

import asyncio
import threading
from collections import defaultdict, deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from fastapi.responses import StreamingResponse
from starlette.responses import Response

ENDPOINTS = (
    "request_token",
    "authorize",
    "access_token",
    "invalidate_token",
    "users_me",
    "tweets",
    "verify_credentials",
    "statuses_update",
    "oauth2_authorize",
    "oauth2_token",
    "oauth2_revoke",
)


@dataclass(frozen=True)
class Fault:
    """What an endpoint does instead of its work, once."""

    status: int = 503
    body: str = '{"title": "Service Unavailable"}'
    delay_seconds: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"
    # Send the body a byte at a time, this far apart: each gap shorter than a read timeout,
    # so only a bound on the whole call stops the client.
    trickle_seconds: float = 0.0
    # Do the endpoint's work first, then answer with this fault: X acted (rotated a token,
    # say) and its answer was lost on the way back.
    after_work: bool = False


class Faults:
    """Faults queued per endpoint (`fail_next`) and standing per account (`fail_for`)."""

    def __init__(self) -> None:
        self._queued: dict[str, deque[Fault]] = defaultdict(deque)
        self._by_account: dict[str, Fault] = {}
        self._lock = threading.Lock()

    def fail_next(self, endpoint: str, fault: Fault | None = None, *, times: int = 1) -> None:
        if endpoint not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {endpoint!r}; one of {ENDPOINTS}")
        with self._lock:
            self._queued[endpoint].extend([fault or Fault()] * times)

    def fail_for(self, screen_name: str, fault: Fault | None) -> None:
        with self._lock:
            if fault is None:
                self._by_account.pop(screen_name.lower(), None)
            else:
                self._by_account[screen_name.lower()] = fault

    def next_for(self, endpoint: str) -> Fault | None:
        """The endpoint's next queued fault, taken off the queue; None: do the work."""
        with self._lock:
            queued = self._queued[endpoint]
            return queued.popleft() if queued else None

    def for_account(self, screen_name: str) -> Fault | None:
        with self._lock:
            return self._by_account.get(screen_name.lower())


def fault_response(fault: Fault) -> Response:
    if fault.trickle_seconds:
        return StreamingResponse(
            _trickle(fault.body.encode(), fault.trickle_seconds),
            status_code=fault.status,
            headers=fault.headers,
            media_type=fault.content_type,
        )
    return Response(
        fault.body, status_code=fault.status, headers=fault.headers, media_type=fault.content_type
    )


async def _trickle(body: bytes, gap_seconds: float) -> AsyncIterator[bytes]:
    for index in range(len(body)):
        await asyncio.sleep(gap_seconds)
        yield body[index : index + 1]
