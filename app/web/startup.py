"""Start-up under uvicorn: say in one line what the setup lacks, before a request finds out.

Runs as the app's lifespan, which uvicorn starts and Mangum does not (it runs with
lifespan="off"), so a Lambda cold start pays nothing for it.
"""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from pydantic import ValidationError

from app import wiring
from app.config import get_settings
from app.core.errors import BirdhouseError

log = logging.getLogger(__name__)


def setup_problem() -> str | None:
    """What keeps Birdhouse from onboarding (no region, no readable app secret), or None.

    One line, and never a secret: BirdhouseError messages name keys and places, not values.
    """
    try:
        settings = get_settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]).upper() or "settings"
        return f"{exc.error_count()} setting(s) not valid, first {where}: {first['msg']}"
    if settings.in_lambda:
        return None
    try:
        # The app secret's source builds the Secrets Manager client, which needs the region.
        wiring.app_secret(settings)
    except BirdhouseError as exc:
        return " ".join(exc.message.split())
    return None


@asynccontextmanager
async def report_setup_problem(_app: Any) -> AsyncIterator[None]:
    problem = setup_problem()
    if problem:
        log.warning("Birdhouse is up, but cannot onboard yet: %s", problem)
    yield
