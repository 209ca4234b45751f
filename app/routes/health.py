from fastapi import APIRouter
from pydantic import BaseModel

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str


@router.get("/healthz")
async def healthz() -> Health:
    """Liveness only: no AWS or X call, so it stays cheap and never flaps with them."""
    # async: no I/O here, so no worker thread (nor, on a cold start, the thread pool).
    return Health(status="ok")
