"""A call's whole exchange ends within its budget, whatever the server does: slow to answer,
trickling its headers or its body a byte at a time (each gap shorter than a read timeout),
or silent after accepting. Real sockets on loopback; nothing is faked."""

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest
import requests

from app.adapters.bounded_http import (
    BodyTooLarge,
    CallTimedOut,
    bounded_request,
    bounded_session,
)

GAP = 0.05  # between bytes: far below every read timeout here
Serve = Callable[[socket.socket], None]


def _trickle(conn: socket.socket, data: bytes) -> None:
    for index in range(len(data)):
        conn.sendall(data[index : index + 1])
        time.sleep(GAP)


def trickled_headers(conn: socket.socket) -> None:
    _trickle(conn, b"HTTP/1.1 200 OK\r\n" + b"X-Slow: " + b"a" * 30 + b"\r\n\r\n")


def trickled_body(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 30\r\n\r\n")
    _trickle(conn, b"b" * 30)


def trickled_body_without_length(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
    _trickle(conn, b"c" * 30)


def silent(conn: socket.socket) -> None:
    # Not a byte, until the client gives up and hangs up (recv then returns b"").
    conn.settimeout(5)
    conn.recv(1)


def prompt(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello")


def flood(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"f" * 100_000)


@pytest.fixture
def server() -> Iterator[Callable[[Serve], str]]:
    """A one-connection-at-a-time HTTP server on loopback that answers as told, then stops."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.2)
    stop = threading.Event()
    behaviour: list[Serve] = []

    def run() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.recv(65536)  # the request
                # OSError: the client hung up, which is what a bounded client does.
                with contextlib.suppress(OSError):
                    behaviour[0](conn)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()

    def serve(how: Serve) -> str:
        behaviour[:] = [how]
        return f"http://127.0.0.1:{listener.getsockname()[1]}/"

    yield serve
    stop.set()
    thread.join(timeout=5)
    listener.close()


def timed(call: Callable[[], object]) -> float:
    started = time.monotonic()
    with pytest.raises((CallTimedOut, requests.RequestException)):
        call()
    return time.monotonic() - started


@pytest.mark.parametrize(
    "how", [trickled_headers, trickled_body, trickled_body_without_length, silent]
)
def test_the_whole_call_ends_within_its_budget(server: Callable[[Serve], str], how: Serve) -> None:
    url = server(how)

    elapsed = timed(
        lambda: bounded_request(
            bounded_session(),
            "GET",
            url,
            budget_seconds=0.4,
            connect_seconds=0.4,
            max_body_bytes=1000,
        )
    )

    assert 0.35 < elapsed < 0.6


def trickled_short_body(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n")
    _trickle(conn, b"b" * 12)


def test_requests_alone_would_wait_out_the_trickle(server: Callable[[Serve], str]) -> None:
    # A trickled body with requests' own timeout: each gap restarts it.
    url = server(trickled_short_body)

    started = time.monotonic()
    answer = requests.get(url, timeout=0.2)

    assert answer.content == b"b" * 12
    # 12 gaps of 0.05 s, each within the 0.2 s: more than twice the timeout in all.
    assert time.monotonic() - started > 0.5


def test_a_prompt_answer_arrives_whole(server: Callable[[Serve], str]) -> None:
    answer = bounded_request(
        bounded_session(),
        "GET",
        server(prompt),
        budget_seconds=2,
        connect_seconds=1,
        max_body_bytes=1000,
    )

    assert (answer.status_code, answer.text) == (200, "hello")


def test_a_flood_is_refused(server: Callable[[Serve], str]) -> None:
    with pytest.raises(BodyTooLarge):
        bounded_request(
            bounded_session(),
            "GET",
            server(flood),
            budget_seconds=2,
            connect_seconds=1,
            max_body_bytes=1000,
        )


def test_a_refused_connection_is_requests_own_error() -> None:
    with pytest.raises(requests.ConnectionError):
        bounded_request(
            bounded_session(),
            "GET",
            "http://127.0.0.1:9/",
            budget_seconds=1,
            connect_seconds=1,
            max_body_bytes=1000,
        )
