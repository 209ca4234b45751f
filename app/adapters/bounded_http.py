"""HTTP calls with a wall-clock bound on the whole exchange, not just on each read.

`requests`' read timeout restarts on every byte, so a server that trickles its headers or body
can hold a call far past it. Here a watchdog timer shuts down the call's socket when its time
is up, wherever the call is: connecting, the TLS handshake, waiting for headers or reading the
body. The blocked read fails at once, and the call ends as `CallTimedOut`.

The watchdog finds the socket through connection classes that register themselves with the
call in progress (a context variable, so only this thread's call), mounted by `bounded_session`.
"""

import contextlib
import json
import socket
import threading
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_CHUNK_BYTES = 16 * 1024


class CallTimedOut(Exception):
    """The whole call took longer than its budget."""


class BodyTooLarge(Exception):
    """The answer's body was larger than the caller accepts."""


@dataclass(frozen=True)
class HttpAnswer:
    """A whole answer, read within the budget."""

    status_code: int
    headers: Mapping[str, str]
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """As requests' Response.json: ValueError when the body is not JSON."""
        return json.loads(self.text)


class _Watch:
    """Shuts down the socket of the call's connection once `seconds` have passed."""

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self._connection: HTTPConnection | None = None
        # http.client drops the connection's socket once an answer without a length starts
        # (it reads that body until the connection closes): keep our own reference.
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def start(self) -> None:
        self._timer.start()

    def cancel(self) -> None:
        self._timer.cancel()

    def attach(self, connection: HTTPConnection) -> None:
        with self._lock:
            self._connection = connection
            self._socket = getattr(connection, "sock", None) or self._socket
            if self.expired:
                self._shut_down()

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            self._shut_down()

    def _shut_down(self) -> None:
        # shutdown, not close: it wakes a read blocked in another thread, and the owner closes.
        for sock in (getattr(self._connection, "sock", None), self._socket):
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


_current_watch: ContextVar[_Watch | None] = ContextVar("bounded_http_watch", default=None)


def _attach(connection: HTTPConnection) -> None:
    watch = _current_watch.get()
    if watch is not None:
        watch.attach(connection)


class _WatchedHTTPConnection(HTTPConnection):
    def connect(self) -> None:
        _attach(self)  # before: the socket exists while connecting, before the handshake
        super().connect()
        _attach(self)  # after: shut at once if the time ran out meanwhile

    def request(self, *args: Any, **kwargs: Any) -> None:
        _attach(self)  # a pooled connection, already connected
        super().request(*args, **kwargs)


class _WatchedHTTPSConnection(HTTPSConnection):
    def connect(self) -> None:
        _attach(self)
        super().connect()
        _attach(self)

    def request(self, *args: Any, **kwargs: Any) -> None:
        _attach(self)
        super().request(*args, **kwargs)


class _WatchedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class _WatchedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _WatchedHTTPConnectionPool,
            "https": _WatchedHTTPSConnectionPool,
        }


def bounded_session() -> requests.Session:
    """A session whose connections the watchdog can reach."""
    session = requests.Session()
    adapter = _WatchedAdapter()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def bounded_request(
    session: requests.Session,
    method: str,
    url: str,
    *,
    budget_seconds: float,
    connect_seconds: float,
    max_body_bytes: int,
    **kwargs: Any,
) -> HttpAnswer:
    """One exchange, over within `budget_seconds` whatever the server does.

    Raises CallTimedOut, BodyTooLarge, or requests' own errors (a refused connection, a
    per-read timeout that came first).
    """
    watch = _Watch(budget_seconds)
    token = _current_watch.set(watch)
    watch.start()
    try:
        response = session.request(
            method,
            url,
            stream=True,
            timeout=(min(connect_seconds, budget_seconds), budget_seconds),
            **kwargs,
        )
        with response:
            content = _read_body(response, max_body_bytes, watch)
    except requests.RequestException as exc:
        if watch.expired:
            raise CallTimedOut(f"no whole answer within {budget_seconds:g} s") from exc
        raise
    finally:
        watch.cancel()
        _current_watch.reset(token)
    return HttpAnswer(response.status_code, response.headers, content)


def _read_body(response: requests.Response, max_body_bytes: int, watch: _Watch) -> bytes:
    body = bytearray()
    for chunk in response.iter_content(_CHUNK_BYTES):
        # Also bounded where the watchdog can't reach the socket (a session of another kind).
        if watch.expired:
            raise CallTimedOut("the answer's body did not arrive in time")
        body += chunk
        if len(body) > max_body_bytes:
            raise BodyTooLarge(f"more than {max_body_bytes} bytes")
    if watch.expired:
        # A body without a length ends at the connection's end, which the watchdog caused:
        # what arrived is not the whole answer.
        raise CallTimedOut("the answer's body did not arrive in time")
    return bytes(body)
