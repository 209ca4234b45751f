"""The audit trail: who did what, newest first, a page at a time."""

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from app.core.audit import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, AuditRecord
from app.core.operators import Role
from app.flows.audit import audit_page
from app.web.deps import AuditTrailDep, needs
from app.web.error_responses import ADMIN_ERRORS, AUDIT_ERRORS

router = APIRouter(tags=["audit"], responses=ADMIN_ERRORS)


class AuditAnswer(BaseModel):
    records: list[AuditRecord]
    next: str | None = Field(description="Pass as ?next= for the following page; null at the end.")


@router.get(
    "/audit",
    dependencies=[needs(Role.VIEWER)],
    responses=AUDIT_ERRORS,
)
def list_audit(
    trail: AuditTrailDep,
    operator: Annotated[
        str | None,
        Query(max_length=256, description="Only what this operator (or `owner`, or ARN) did."),
    ] = None,
    account: Annotated[
        str | None,
        Query(pattern=r"^@?[A-Za-z0-9_]{1,15}$", description="Only actions on this account."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    next: Annotated[str | None, Query(max_length=2048, description="A page's `next`.")] = None,
) -> AuditAnswer:
    """Every operator action, newest first: when, who, through what, what, on which account
    or invite, how it ended, the request's id. Never a token, key or link."""
    page = audit_page(trail=trail, operator=operator, account=account, limit=limit, cursor=next)
    return AuditAnswer(records=page.records, next=page.next)
