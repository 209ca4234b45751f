"""The FastAPI app, and the Lambda entry point that serves it through Mangum."""

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from mangum import Mangum

from app import __version__
from app.errors import BirdhouseError, NotAuthenticated, XRateLimited
from app.logging_setup import configure_logging
from app.web.deps import require_trusted_host, start_request_deadline
from app.web.error_responses import ErrorBody
from app.web.routes import accounts, docs, health, home, invites, onboarding
from app.web.security_headers import SecurityHeaders


def _json_error(_request: Request, exc: Exception) -> JSONResponse:
    """Every BirdhouseError outside the browser routes: {"detail", "code"} and its status."""
    assert isinstance(exc, BirdhouseError)
    headers = {}
    if isinstance(exc, NotAuthenticated):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, XRateLimited):
        headers["Retry-After"] = str(exc.retry_after_seconds)
    body = ErrorBody(detail=exc.message, code=exc.code)
    return JSONResponse(body.model_dump(), status_code=exc.status_code, headers=headers)


def create_app() -> FastAPI:
    configure_logging()
    app = FastAPI(
        title="Birdhouse",
        summary="Connect bot accounts on X to the programs that drive them.",
        version=__version__,
        # Its 307 to the slash-less path is built without the REST API stage prefix.
        redirect_slashes=False,
        # Served by routes/docs.py instead: pinned assets, a CSP, and off in Lambda by default.
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    # Liveness answers any host: it builds no link and stays off the thread pool. The docs
    # build no link either (everything in them is relative).
    app.include_router(health.router)
    app.include_router(docs.router)
    # First the deadline, so the admin check's read of the app secret draws from it too.
    guards = [Depends(start_request_deadline), Depends(require_trusted_host)]
    for router in (home.router, invites.router, accounts.router, onboarding.router):
        app.include_router(router, dependencies=guards)
    app.add_exception_handler(BirdhouseError, _json_error)
    app.add_middleware(SecurityHeaders)
    return app


app = create_app()
handler = Mangum(app, lifespan="off")
