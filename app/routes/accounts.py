from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Body, Path, Query
from pydantic import BaseModel, Field

from app import account_admin
from app.accounts import AccountSummary
from app.deps import AdminDep, SettingsDep, StoreDep, XClientDep
from app.responses import ADMIN_ERRORS, X_ERRORS

router = APIRouter(
    prefix="/accounts", tags=["accounts"], dependencies=[AdminDep], responses=ADMIN_ERRORS
)

ScreenName = Annotated[
    str,
    Path(
        pattern=r"^@?[A-Za-z0-9_]{1,15}$",
        description="The account's screen name, any case, with or without @.",
        examples=["HelloBot"],
    ),
]


class AccountInfo(BaseModel):
    screen_name: str
    user_id: str
    authorized_at: str

    @classmethod
    def of(cls, summary: AccountSummary) -> "AccountInfo":
        return cls(
            screen_name=summary.screen_name,
            user_id=summary.user_id,
            authorized_at=summary.authorized_at,
        )


class AccountList(BaseModel):
    accounts: list[AccountInfo]


class Verified(BaseModel):
    ok: bool
    screen_name: str = Field(description="The account's screen name at X now.")
    user_id: str
    stored_screen_name: str = Field(description="The screen name it was onboarded under.")
    renamed: bool
    detail: str


class TestTweetRequest(BaseModel):
    text: str | None = Field(
        default=None,
        min_length=1,
        max_length=280,
        description="Defaults to a unique 'Test post from Birdhouse' line.",
    )


class TestTweetPosted(BaseModel):
    id: str
    text: str
    url: str


class AccountRemoved(BaseModel):
    screen_name: str
    revoked_at_x: bool
    x_detail: str | None
    deletion_date: datetime
    recovery_window_days: int
    restore: str = Field(description="How to undo this before the deletion date.")


@router.get("")
def list_accounts(store: StoreDep) -> AccountList:
    """Every onboarded account: who and when, never a token."""
    return AccountList(accounts=[AccountInfo.of(s) for s in store.list_accounts()])


@router.get("/{screen_name}")
def get_account(screen_name: ScreenName, store: StoreDep) -> AccountInfo:
    return AccountInfo.of(
        account_admin.describe_account(screen_name=screen_name.lstrip("@"), store=store)
    )


@router.post("/{screen_name}/verify", responses=X_ERRORS)
def verify_account(screen_name: ScreenName, store: StoreDep, x_client: XClientDep) -> Verified:
    """Check the token at X (GET /2/users/me) without posting."""
    result = account_admin.verify_account(
        screen_name=screen_name.lstrip("@"), store=store, x_client=x_client
    )
    detail = (
        f"X now calls this account @{result.screen_name}; it was onboarded as "
        f"@{result.stored_screen_name}. Onboard it again to store it under its new name."
        if result.renamed
        else "The token works."
    )
    return Verified(
        ok=True,
        screen_name=result.screen_name,
        user_id=result.user_id,
        stored_screen_name=result.stored_screen_name,
        renamed=result.renamed,
        detail=detail,
    )


@router.post("/{screen_name}/test-tweet", status_code=201, responses=X_ERRORS)
def post_test_tweet(
    screen_name: ScreenName,
    store: StoreDep,
    x_client: XClientDep,
    request: Annotated[TestTweetRequest | None, Body()] = None,
) -> TestTweetPosted:
    """Post through POST /2/tweets as the account."""
    posted = account_admin.post_test_tweet(
        screen_name=screen_name.lstrip("@"),
        text=request.text if request else None,
        store=store,
        x_client=x_client,
    )
    return TestTweetPosted(id=posted.tweet_id, text=posted.text, url=posted.url)


@router.delete("/{screen_name}", responses=X_ERRORS)
def remove_account(
    screen_name: ScreenName,
    store: StoreDep,
    x_client: XClientDep,
    settings: SettingsDep,
    recovery_window_days: Annotated[
        int | None, Query(ge=7, le=30, description="Days the secret can still be restored.")
    ] = None,
) -> AccountRemoved:
    """Revoke the token at X, then schedule the secret's deletion."""
    removal = account_admin.remove_account(
        screen_name=screen_name.lstrip("@"),
        store=store,
        x_client=x_client,
        recovery_window_days=recovery_window_days or settings.deletion_recovery_days,
    )
    return AccountRemoved(
        screen_name=removal.screen_name,
        revoked_at_x=removal.revoked_at_x,
        x_detail=removal.x_detail,
        deletion_date=removal.deletion_date,
        recovery_window_days=removal.recovery_window_days,
        restore=f"POST /accounts/{removal.screen_name}/restore before the deletion date",
    )


@router.post("/{screen_name}/restore")
def restore_account(screen_name: ScreenName, store: StoreDep) -> AccountInfo:
    """Undo a deletion within its recovery window. A token revoked at X stays revoked."""
    return AccountInfo.of(
        account_admin.restore_account(screen_name=screen_name.lstrip("@"), store=store)
    )
