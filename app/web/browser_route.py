"""Routes a person's browser opens: every failure becomes a readable HTML page."""

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

from app.core.errors import BirdhouseError, OnboardingSessionError
from app.web.pages import error_page, render_page

log = logging.getLogger(__name__)


class BrowserRoute(APIRoute):
    """An APIRoute whose errors render as HTML pages instead of JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handle_with_pages(request: Request) -> Response:
            try:
                return await handle(request)
            except RequestValidationError:
                return error_page(
                    OnboardingSessionError(
                        "The link is missing parts or has parts that are too long.",
                        hint="Open the link from your message again, or ask for a new one.",
                    )
                )
            except BirdhouseError as exc:
                if exc.hint is None:
                    # The page says it in plain words; the operator's version goes to the log.
                    log.warning("%s on %s: %s", type(exc).__name__, request.url.path, exc.message)
                return error_page(exc, retry_href=_retry_href(request, exc))
            except Exception:
                # A bug, not the owner's doing; the traceback goes to the log, not the page.
                log.exception("unexpected error on %s", request.url.path)
                return render_page(
                    title="Something went wrong",
                    message="Birdhouse hit an unexpected problem. Nothing was changed.",
                    hint="Try again in a minute; if it keeps happening, tell the person who "
                    "sent you the link.",
                    status_code=500,
                    tone="error",
                    badge="Unexpected problem",
                )

        return handle_with_pages


def _retry_href(request: Request, exc: BirdhouseError) -> str | None:
    """The same address again, relative, where opening it again can help.

    Only for errors that arrive as raised (a translated error's hint already says what to do):
    a failed call to X or to the store before anything was exchanged or saved. Relative, so it
    stays under a REST API stage prefix that the app never sees.
    """
    if not exc.retry_helps or exc.hint is not None or request.method != "GET":
        return None
    last_segment = request.url.path.rsplit("/", 1)[-1]
    query = request.url.query
    return f"{last_segment}?{query}" if query else last_segment
