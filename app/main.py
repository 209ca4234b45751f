"""The FastAPI app, and the Lambda entry point that serves it through Mangum."""

from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.openapi.models import Schema
from fastapi.responses import JSONResponse
from mangum import Mangum

from app import __version__
from app.core.errors import BirdhouseError, NotAuthenticated, TooManyAttempts, XRateLimited
from app.logging_setup import configure_logging
from app.web.deps import require_trusted_host, start_request_deadline
from app.web.error_responses import ErrorBody
from app.web.routes import accounts, console, docs, health, home, invites, onboarding, refresh
from app.web.security_headers import SecurityHeaders
from app.web.startup import report_setup_problem


def _json_error(_request: Request, exc: Exception) -> JSONResponse:
    """Every BirdhouseError outside the browser routes: {"detail", "code"} and its status."""
    assert isinstance(exc, BirdhouseError)
    headers = {}
    if isinstance(exc, NotAuthenticated):
        headers["WWW-Authenticate"] = "Bearer"
    extra: dict[str, bool] = {}
    if isinstance(exc, XRateLimited | TooManyAttempts):
        headers["Retry-After"] = str(exc.retry_after_seconds)
    if isinstance(exc, XRateLimited):
        extra["retry_pointless_today"] = exc.retry_pointless_today
    body = ErrorBody(detail=exc.message, code=exc.code, **extra)
    content = body.model_dump()
    if content["retry_pointless_today"] is None:
        del content["retry_pointless_today"]  # only X's 429 says it
    return JSONResponse(content, status_code=exc.status_code, headers=headers)


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
        # Under uvicorn only: Mangum runs with lifespan="off".
        lifespan=report_setup_problem,
    )
    # Liveness answers any host: it builds no link and stays off the thread pool. The docs
    # build no link either (everything in them is relative).
    app.include_router(health.router)
    app.include_router(docs.router)
    # The console page is static apart from the secrets prefix; its API calls carry the guards.
    app.include_router(console.router)
    # First the deadline, so the admin check's read of the app secret draws from it too.
    guards = [Depends(start_request_deadline), Depends(require_trusted_host)]
    routers = (home.router, invites.router, accounts.router, refresh.router, onboarding.router)
    for router in routers:
        app.include_router(router, dependencies=guards)
    app.add_exception_handler(BirdhouseError, _json_error)
    _document_error_body(app)
    app.add_middleware(SecurityHeaders)
    return app


def _document_error_body(app: FastAPI) -> None:
    """Put ErrorBody, which the routes' error responses refer to, into the OpenAPI schema."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            components = generate().setdefault("components", {})
            # Encoded and ordered as FastAPI does the models it finds itself.
            error_body = Schema(**ErrorBody.model_json_schema(mode="serialization"))
            components["schemas"] = dict(
                sorted(
                    {
                        **components.get("schemas", {}),
                        "ErrorBody": jsonable_encoder(error_body, by_alias=True, exclude_none=True),
                    }.items()
                )
            )
        return app.openapi_schema  # type: ignore[return-value]  # set by generate()

    app.openapi = openapi  # type: ignore[method-assign]


app = create_app()
handler = Mangum(app, lifespan="off")
