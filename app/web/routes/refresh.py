from typing import Annotated

from fastapi import APIRouter, Query

from app.core.operators import Role
from app.flows.refresh import TokenRefresh, refresh_now
from app.web.deps import RefresherDep, audited
from app.web.error_responses import ADMIN_ERRORS, X_ERRORS
from app.web.routes.accounts import ScreenNamePath

router = APIRouter(prefix="/accounts", tags=["accounts"], responses=ADMIN_ERRORS)


@router.post(
    "/{screen_name}/refresh",
    responses=X_ERRORS,
    dependencies=[audited("account.refresh", Role.ADMIN)],
)
def refresh_account(
    screen_name: ScreenNamePath,
    refresher: RefresherDep,
    force: Annotated[
        bool, Query(description="Refresh even a token that still has time left.")
    ] = False,
) -> TokenRefresh:
    """An OAuth 2.0 account's token, refreshed now if it is near its end (or with force),
    through the per-account lease every refresher shares: never a second refresh racing one
    under way. 410 refresh_rejected or 502 refresh_lost: the owner must authorize again."""
    return refresh_now(screen_name, refresher=refresher, force=force)
