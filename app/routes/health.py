from fastapi import APIRouter
from pydantic import BaseModel

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str


@router.get("/healthz")
def healthz() -> Health:
    """Liveness only: no AWS or X call, so it stays cheap and never flaps with them."""
    return Health(status="ok")
