import os

from fastapi import APIRouter, Response
from pydantic import BaseModel

router = APIRouter(tags=["health"])

# Set by `make dev` for its child server: the answer proves the launcher reached its own
# Birdhouse, not whatever else already listens on the port.
INSTANCE_VARIABLE = "BIRDHOUSE_INSTANCE_ID"
INSTANCE_HEADER = "X-Birdhouse-Instance"


class Health(BaseModel):
    status: str


@router.get("/healthz")
async def healthz(response: Response) -> Health:
    """Liveness only: no AWS or X call, so it stays cheap and never flaps with them."""
    # async: no I/O here, so no worker thread (nor, on a cold start, the thread pool).
    if instance := os.environ.get(INSTANCE_VARIABLE):
        response.headers[INSTANCE_HEADER] = instance
    return Health(status="ok")
