from datetime import datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Path, Query
from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.core.errors import InvalidScreenName, OAuth2NotConfigured
from app.core.invites import (
    DEFAULT_INVITE_LIFETIME,
    INVITE_ID_PATTERN,
    MAX_INVITE_LIFETIME,
    MAX_NOTE_LENGTH,
    MIN_INVITE_LIFETIME,
    InviteRecord,
    InviteStatus,
    invite_link,
)
from app.core.operators import Role
from app.core.screen_names import validate_screen_name
from app.flows.audit import AuditEntry
from app.flows.invites import NewInvite, create_invite, list_invites, withdraw_invite
from app.web.deps import AppSecretDep, LedgerDep, PublicBaseUrlDep, StoreDep, audited, needs
from app.web.error_responses import ADMIN_ERRORS, INVITE_ERRORS, OAUTH2_SETUP_ERRORS
from birdhouse_client.layout import KIND_OAUTH2

NOT_CONFIGURED_FOR_INVITES = (
    "An OAuth 2.0 invite needs the X app's OAuth 2.0 Client ID and Secret in the app secret "
    "(client_id, client_secret); nothing was recorded."
)

router = APIRouter(tags=["invites"], responses=ADMIN_ERRORS)

InviteIdPath = Annotated[str, Path(pattern=INVITE_ID_PATTERN, description="The invite's id.")]


class InviteRequest(BaseModel):
    # A misspelt field (screenName) must not quietly mint a link for any account.
    model_config = ConfigDict(extra="forbid")

    screen_name: str | None = Field(
        default=None,
        description="The bot account the owner must authorize; any account if omitted.",
        examples=["OptionalBot"],
    )
    expires_in: int = Field(
        default=int(DEFAULT_INVITE_LIFETIME.total_seconds()),
        ge=int(MIN_INVITE_LIFETIME.total_seconds()),
        le=int(MAX_INVITE_LIFETIME.total_seconds()),
        description="Seconds until the link stops working.",
    )
    note: str | None = Field(
        default=None,
        max_length=MAX_NOTE_LENGTH,
        description="Free text for the operator (who it was sent to, why); never shown to owners.",
    )
    auth: Literal["oauth1", "oauth2"] = Field(
        default="oauth1",
        description="How the owner authorizes at X: OAuth 1.0a, or OAuth 2.0 with PKCE (the "
        "account's token then lasts two hours and Birdhouse refreshes it).",
    )

    @field_validator("screen_name")
    @classmethod
    def _valid_screen_name(cls, value: str | None) -> str | None:
        # A ValueError becomes FastAPI's usual 422 listing the field, like any other.
        try:
            return None if value is None else validate_screen_name(value)
        except InvalidScreenName as exc:
            raise ValueError(exc.message) from None


class InviteCreated(BaseModel):
    id: str
    url: str
    expires_at: datetime
    screen_name: str | None
    auth: str = "oauth1"


class InviteList(BaseModel):
    invites: list[InviteRecord]


@router.post("/invites", status_code=201, responses=OAUTH2_SETUP_ERRORS)
def create(
    entry: Annotated[AuditEntry, audited("invite.create", Role.INVITER)],
    app_secret: AppSecretDep,
    base_url: PublicBaseUrlDep,
    ledger: LedgerDep,
    store: StoreDep,
    request: Annotated[InviteRequest | None, Body()] = None,
) -> InviteCreated:
    """Mint a single-use onboarding link to send to a bot's owner, and record it."""
    request = request or InviteRequest()
    if request.auth == KIND_OAUTH2 and not app_secret.has_oauth2_client:
        raise OAuth2NotConfigured(NOT_CONFIGURED_FOR_INVITES)
    invite = create_invite(
        ledger=ledger,
        store=store,
        signing_key=app_secret.signing_keys,
        screen_name=request.screen_name,
        lifetime=timedelta(seconds=request.expires_in),
        note=request.note,
        auth=request.auth,
    )
    entry.invite = invite.record.id
    return invite_created(invite, base_url=base_url)


def invite_created(invite: NewInvite, *, base_url: str) -> InviteCreated:
    return InviteCreated(
        id=invite.record.id,
        url=invite_link(base_url, invite.token),
        expires_at=invite.record.expires_at,
        screen_name=invite.record.screen_name,
        auth=invite.record.auth,
    )


@router.get("/invites", dependencies=[needs(Role.VIEWER)])
def list_all(
    ledger: LedgerDep,
    status: Annotated[InviteStatus | None, Query(description="Only invites in this state.")] = None,
) -> InviteList:
    """Every invite, newest first: status, whom it is for, what it connected. Never a link."""
    return InviteList(invites=list_invites(ledger=ledger, status=status))


@router.delete(
    "/invites/{invite_id}",
    responses=INVITE_ERRORS,
    dependencies=[audited("invite.withdraw", Role.INVITER)],
)
def withdraw(invite_id: InviteIdPath, ledger: LedgerDep) -> InviteRecord:
    """Withdraw a pending invite: its link then shows "This link was withdrawn"."""
    return withdraw_invite(invite_id, ledger=ledger)
