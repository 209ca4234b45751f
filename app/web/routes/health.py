import os

from fastapi import APIRouter, Response
from pydantic import BaseModel

from app.config import INSTANCE_HEADER, INSTANCE_ID_VARIABLE

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str


@router.get("/healthz")
async def healthz(response: Response) -> Health:
    """Liveness only: no AWS or X call, so it stays cheap and never flaps with them."""
    # async: no I/O here, so no worker thread (nor, on a cold start, the thread pool).
    if instance := os.environ.get(INSTANCE_ID_VARIABLE):
        response.headers[INSTANCE_HEADER] = instance
    return Health(status="ok")
