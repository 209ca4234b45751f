"""The FastAPI app, and the Lambda entry point that serves it through Mangum."""

from typing import Any

from fastapi import Depends, FastAPI
from fastapi.encoders import jsonable_encoder
from fastapi.openapi.models import Schema
from mangum import Mangum

from app import __version__
from app.logging_setup import configure_logging
from app.web import json_errors
from app.web.deps import require_trusted_host, start_request_deadline
from app.web.error_responses import ERROR_BODY_SCHEMA_REF
from app.web.routes import (
    accounts,
    audit,
    console,
    docs,
    health,
    home,
    invites,
    onboarding,
    operators,
    refresh,
    sweep,
)
from app.web.security_headers import SecurityHeaders
from app.web.startup import report_setup_problem


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
    routers = (
        home.router,
        invites.router,
        accounts.router,
        refresh.router,
        sweep.router,
        operators.router,
        audit.router,
    )
    for router in (*routers, onboarding.router):
        app.include_router(router, dependencies=guards)
    json_errors.install(app)
    _document_error_body(app)
    app.add_middleware(SecurityHeaders)
    return app


def _document_error_body(app: FastAPI) -> None:
    """Put ErrorBody, which the routes' error responses refer to, into the OpenAPI schema, and
    make FastAPI's own 422 answers refer to it too (that is what they answer)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()
            components = document.setdefault("components", {})
            schemas = {
                name: schema
                for name, schema in components.get("schemas", {}).items()
                if name not in _FASTAPI_VALIDATION_SCHEMAS
            }
            for name, schema in json_errors.error_body_schemas().items():
                # Encoded and ordered as FastAPI does the models it finds itself.
                schemas[name] = jsonable_encoder(Schema(**schema), by_alias=True, exclude_none=True)
            components["schemas"] = dict(sorted(schemas.items()))
            for operation in _operations(document):
                invalid = operation.get("responses", {}).get("422")
                if invalid is not None:
                    invalid["description"] = "Invalid request: each field under `errors`"
                    invalid["content"] = {
                        "application/json": {"schema": {"$ref": ERROR_BODY_SCHEMA_REF}}
                    }
        return app.openapi_schema  # type: ignore[return-value]  # set by generate()

    app.openapi = openapi  # type: ignore[method-assign]


# What FastAPI documents its 422 with; Birdhouse answers ErrorBody instead.
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


def _operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        operation
        for path_item in document.get("paths", {}).values()
        for operation in path_item.values()
        if isinstance(operation, dict)
    ]


app = create_app()
handler = Mangum(app, lifespan="off")
