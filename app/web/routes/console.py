"""The operator console: one HTML page and its script and style, all shipped with the app.

Not behind a key: the page holds nothing secret. The operator pastes their operator key (or
the admin token) into it, the script keeps it in sessionStorage and sends it as a Bearer header
on each call to the admin API, which checks it and its role as for curl. No cookie, so no
CSRF; a CSP that allows no inline script and no other origin, so an injected string cannot run
or send the key anywhere.
"""

import html

from fastapi import APIRouter
from starlette.responses import Response

from app.web.deps import SettingsDep
from app.web.shipped_files import STATIC, TEMPLATES, Assets, asset_response, page_headers, read
from birdhouse_client.layout import accounts_prefix

QRCODE_GENERATOR_VERSION = "2.0.4"
_STATIC = STATIC / "console"
_ASSETS: Assets = {
    "console.js": (_STATIC / "console.js", "text/javascript"),
    "console.css": (_STATIC / "console.css", "text/css"),
    "qrcode.js": (_STATIC / "qrcode.js", "text/javascript"),
}
_PAGE = TEMPLATES / "console.html"

# The QR code is a GIF data URL, hence img-src data:. No 'unsafe-inline' anywhere.
CONSOLE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
_PAGE_HEADERS = page_headers(CONSOLE_CSP)

router = APIRouter(include_in_schema=False)


@router.get("/console")
def console_page(settings: SettingsDep) -> Response:
    # The bot-job snippet names the secret; its prefix is configuration, not a secret.
    page = read(_PAGE).replace(
        b"{{accounts_prefix}}", html.escape(accounts_prefix(settings.secrets_prefix)).encode()
    )
    return Response(page, media_type="text/html", headers=_PAGE_HEADERS)


@router.get("/console/{name}")
def console_asset(name: str) -> Response:
    return asset_response(_ASSETS, name, csp=CONSOLE_CSP)
