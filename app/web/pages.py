"""HTML pages for the bot owner's browser, with the headers every such page needs."""

import base64
import hashlib
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.responses import Response

from app.core.errors import BirdhouseError

if TYPE_CHECKING:
    from jinja2 import Environment

_TEMPLATES = Path(__file__).parent / "templates"


@lru_cache
def _environment() -> "Environment":
    # Imported on the first page, not with the app: a cold start that answers /healthz or the
    # admin API never renders one (jinja2 is about 5 % of the import floor).
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    return Environment(loader=FileSystemLoader(_TEMPLATES), autoescape=select_autoescape())


@lru_cache
def _stylesheet() -> str:
    return (_TEMPLATES / "style.css").read_text().strip()


@lru_cache
def browser_headers() -> dict[str, str]:
    """No caching, no referrer (the callback URL holds the verifier), no framing, no scripts."""
    style_hash = base64.b64encode(hashlib.sha256(_stylesheet().encode()).digest()).decode()
    return {
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": (
            f"default-src 'none'; style-src 'sha256-{style_hash}'; "
            "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
        ),
    }


def render_page(
    *,
    title: str,
    message: str,
    status_code: int = 200,
    hint: str | None = None,
    tone: str = "ok",
    badge: str = "Done",
    links: Sequence[tuple[str, str]] = (),
    action: tuple[str, str] | None = None,
) -> HTMLResponse:
    """A page for a person; `action` is the next step as (label, href), shown as a button.

    Links and the button are plain anchors: the CSP allows no script and no form.
    """
    html = (
        _environment()
        .get_template("page.html")
        .render(
            title=title,
            message=message,
            hint=hint,
            tone=tone,
            badge=badge,
            links=links,
            action=action,
            stylesheet=_stylesheet(),
        )
    )
    return HTMLResponse(html, status_code=status_code, headers=browser_headers())


def error_page(error: BirdhouseError, *, retry_href: str | None = None) -> HTMLResponse:
    """What happened and what to do, in plain words; a "Try again" button where that helps."""
    message, hint = error.for_owner()
    return render_page(
        title=error.title,
        message=message,
        hint=hint,
        status_code=error.status_code,
        tone="error",
        badge=error.badge,
        action=("Try again", retry_href) if retry_href else None,
    )


def redirect(url: str) -> Response:
    return RedirectResponse(url, status_code=303, headers=browser_headers())
