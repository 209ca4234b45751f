"""The operator console: one HTML page and its script and style, all shipped with the app.

Not behind the admin token: the page holds nothing secret. The operator pastes the token into
it, the script keeps it in sessionStorage and sends it as a Bearer header on each call to the
admin API, which checks it as for curl. No cookie, so no CSRF; a CSP that allows no inline
script and no other origin, so an injected string cannot run or send the token anywhere.
"""

import html
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, HTTPException
from starlette.responses import Response

from app.web.deps import SettingsDep
from birdhouse_client.layout import accounts_prefix

QRCODE_GENERATOR_VERSION = "2.0.4"
_STATIC = Path(__file__).resolve().parents[1] / "static" / "console"
_ASSETS = {
    "console.js": (_STATIC / "console.js", "text/javascript"),
    "console.css": (_STATIC / "console.css", "text/css"),
    "qrcode.js": (_STATIC / "qrcode.js", "text/javascript"),
}
_PAGE = Path(__file__).resolve().parents[1] / "templates" / "console.html"

# The QR code is a GIF data URL, hence img-src data:. No 'unsafe-inline' anywhere.
CONSOLE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
_PAGE_HEADERS = {
    "Content-Security-Policy": CONSOLE_CSP,
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

router = APIRouter(include_in_schema=False)


@lru_cache
def _read(path: Path) -> bytes:
    return path.read_bytes()


@router.get("/console")
def console_page(settings: SettingsDep) -> Response:
    # The bot-job snippet names the secret; its prefix is configuration, not a secret.
    page = _read(_PAGE).replace(
        b"{{accounts_prefix}}", html.escape(accounts_prefix(settings.secrets_prefix)).encode()
    )
    return Response(page, media_type="text/html", headers=_PAGE_HEADERS)


@router.get("/console/{name}")
def console_asset(name: str) -> Response:
    if name not in _ASSETS:
        raise HTTPException(status_code=404, detail="Not Found")
    path, media_type = _ASSETS[name]
    return Response(
        _read(path),
        media_type=media_type,
        headers={"Cache-Control": "public, max-age=3600", "Content-Security-Policy": CONSOLE_CSP},
    )
