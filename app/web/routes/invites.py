from datetime import datetime, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Body
from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.errors import InvalidScreenName
from app.flows.invites import (
    DEFAULT_INVITE_LIFETIME,
    MAX_INVITE_LIFETIME,
    MIN_INVITE_LIFETIME,
    mint_invite,
)
from app.screen_names import validate_screen_name
from app.web.deps import AdminDep, AppSecretDep, PublicBaseUrlDep
from app.web.error_responses import ADMIN_ERRORS

router = APIRouter(tags=["invites"], dependencies=[AdminDep], responses=ADMIN_ERRORS)


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

    @field_validator("screen_name")
    @classmethod
    def _valid_screen_name(cls, value: str | None) -> str | None:
        # A ValueError becomes FastAPI's usual 422 listing the field, like any other.
        try:
            return None if value is None else validate_screen_name(value)
        except InvalidScreenName as exc:
            raise ValueError(exc.message) from None


class InviteCreated(BaseModel):
    url: str
    expires_at: datetime
    screen_name: str | None


@router.post("/invites", status_code=201)
def create_invite(
    app_secret: AppSecretDep,
    base_url: PublicBaseUrlDep,
    request: Annotated[InviteRequest | None, Body()] = None,
) -> InviteCreated:
    """Mint an onboarding link to send to a bot's owner."""
    request = request or InviteRequest()
    invite, token = mint_invite(
        signing_key=app_secret.signing_key,
        screen_name=request.screen_name,
        lifetime=timedelta(seconds=request.expires_in),
    )
    return InviteCreated(
        url=f"{base_url}/onboard?{urlencode({'invite': token})}",
        expires_at=invite.expires_at,
        screen_name=invite.screen_name,
    )
