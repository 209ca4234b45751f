"""Routes a person's browser opens: every failure becomes a readable HTML page."""

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

from app.errors import BirdhouseError, OnboardingSessionError
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
                return error_page(exc)
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
                    badge="Error 500",
                )

        return handle_with_pages
