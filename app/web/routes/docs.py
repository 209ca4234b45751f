"""The API docs: Swagger UI from files shipped with the app, and the OpenAPI schema.

Off in Lambda unless DOCS_ENABLED says otherwise: the schema maps every admin route, and the
docs page is where operators paste the admin token, so it runs no third-party code from a CDN:
the Swagger UI files are pinned in app/web/static and served from Birdhouse's own origin under
a CSP that allows nothing else.
"""

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse
from starlette.responses import Response

from app.web.deps import SettingsDep
from app.web.shipped_files import STATIC, TEMPLATES, Assets, asset_response, page_headers, read

SWAGGER_UI_VERSION = "5.35.0"
_ASSETS: Assets = {
    "swagger-ui-bundle.js": (STATIC / "swagger-ui" / "swagger-ui-bundle.js", "text/javascript"),
    "swagger-ui.css": (STATIC / "swagger-ui" / "swagger-ui.css", "text/css"),
    "docs.js": (STATIC / "docs.js", "text/javascript"),
}
_PAGE = TEMPLATES / "docs.html"

DOCS_CSP = (
    "default-src 'none'; script-src 'self'; "
    # Swagger UI sets style attributes from script; it needs no eval and no other origin.
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
_PAGE_HEADERS = page_headers(DOCS_CSP)


def require_docs(settings: SettingsDep) -> None:
    """A plain 404, as for any unknown path, where the docs are off."""
    if not settings.docs_served:
        raise HTTPException(status_code=404, detail="Not Found")


router = APIRouter(include_in_schema=False, dependencies=[Depends(require_docs)])


@router.get("/openapi.json")
def openapi_schema(request: Request) -> JSONResponse:
    return JSONResponse(request.app.openapi())


@router.get("/docs")
def docs_page() -> Response:
    return Response(read(_PAGE), media_type="text/html", headers=_PAGE_HEADERS)


@router.get("/docs/{name}")
def docs_asset(name: str) -> Response:
    return asset_response(_ASSETS, name, csp=DOCS_CSP)
