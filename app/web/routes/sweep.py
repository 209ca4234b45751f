from fastapi import APIRouter
from pydantic import BaseModel

from app.core.operators import Role
from app.web.deps import SweepQueueDep, needs
from app.web.error_responses import ADMIN_ERRORS

router = APIRouter(prefix="/sweep", tags=["sweep"], responses=ADMIN_ERRORS)


class SweepQueueDepth(BaseModel):
    waiting: int
    in_flight: int
    delayed: int
    dead_letters: int


@router.get("", dependencies=[needs(Role.VIEWER)])
def sweep_queue_depth(queue: SweepQueueDep) -> SweepQueueDepth:
    """The sweep's work queue (approximate, as SQS counts) and its dead letters: accounts the
    worker failed on `maxReceiveCount` times (the alarm fires on the first)."""
    depth = queue.depth()
    return SweepQueueDepth(
        waiting=depth.waiting,
        in_flight=depth.in_flight,
        delayed=depth.delayed,
        dead_letters=depth.dead_letters,
    )
