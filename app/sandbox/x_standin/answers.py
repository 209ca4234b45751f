"""What the stand-in's endpoints answer with, and how they are routed."""

from collections.abc import Awaitable, Callable
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, urlencode

from fastapi import Request
from fastapi.responses import PlainTextResponse
from starlette.responses import Response

Handler = Callable[[Request], Awaitable[Response]]


class Route(NamedTuple):
    method: str
    path: str
    # The name `fail_next` and `calls` know it by (one of ENDPOINTS).
    endpoint: str
    handler: Handler


class Refused(Exception):
    """An answer X gives instead of the work: its status and JSON body."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


def v1_error(code: int, message: str) -> dict[str, Any]:
    return {"errors": [{"code": code, "message": message}]}


def invalid_token() -> Refused:
    """X's answer to a token it does not know, or no longer honours."""
    return Refused(401, v1_error(89, "Invalid or expired token."))


def not_authenticated() -> Refused:
    """X's answer to a bad signature, an unknown app or a replayed nonce."""
    return Refused(401, v1_error(32, "Could not authenticate you."))


def form_answer(**fields: str) -> PlainTextResponse:
    return PlainTextResponse(urlencode(fields), media_type="application/x-www-form-urlencoded")


async def form_fields(request: Request) -> dict[str, str]:
    """A form-encoded body's fields (blank ones kept)."""
    return dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))


def with_query(url: str, **params: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"
