from typing import Annotated

from fastapi import APIRouter, Body, Path, Query
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from app.flows import account_admin
from app.flows.account_admin import (
    DeletedAccount,
    PostedTweet,
    Removal,
    Restoration,
    Verification,
)
from app.web.deps import AdminDep, SettingsDep, StoreDep, XClientDep
from app.web.error_responses import ADMIN_ERRORS, X_ERRORS
from birdhouse_client.layout import AccountSummary

router = APIRouter(
    prefix="/accounts", tags=["accounts"], dependencies=[AdminDep], responses=ADMIN_ERRORS
)

# Any case, with or without @; routes get it without the @.
ScreenNamePath = Annotated[
    str,
    Path(
        pattern=r"^@?[A-Za-z0-9_]{1,15}$",
        description="The account's screen name, any case, with or without @.",
        examples=["HelloBot"],
    ),
    AfterValidator(lambda name: name.removeprefix("@")),
]


class AccountList(BaseModel):
    accounts: list[AccountSummary]


class DeletedAccountList(BaseModel):
    accounts: list[DeletedAccount]


class TestTweetRequest(BaseModel):
    # A misspelt field ("txt") must not quietly post the default text.
    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(
        default=None,
        min_length=1,
        max_length=280,
        description="Defaults to a unique 'Test post from Birdhouse' line.",
    )


@router.get("")
def list_accounts(
    store: StoreDep,
    deleted: Annotated[
        bool, Query(description="List the accounts scheduled for deletion instead.")
    ] = False,
) -> AccountList | DeletedAccountList:
    """Every onboarded account: who and when, never a token. Or, with deleted=true, those
    scheduled for deletion, with the date each goes for good."""
    if deleted:
        return DeletedAccountList(accounts=account_admin.list_deleted_accounts(store=store))
    return AccountList(accounts=list(store.list_accounts()))


@router.get("/{screen_name}")
def get_account(screen_name: ScreenNamePath, store: StoreDep) -> AccountSummary:
    return account_admin.describe_account(screen_name=screen_name, store=store)


@router.post("/{screen_name}/verify", responses=X_ERRORS)
def verify_account(
    screen_name: ScreenNamePath, store: StoreDep, x_client: XClientDep
) -> Verification:
    """Check the token at X (GET /2/users/me) without posting."""
    return account_admin.verify_account(screen_name=screen_name, store=store, x_client=x_client)


@router.post("/{screen_name}/test-tweet", status_code=201, responses=X_ERRORS)
def post_test_tweet(
    screen_name: ScreenNamePath,
    store: StoreDep,
    x_client: XClientDep,
    request: Annotated[TestTweetRequest | None, Body()] = None,
) -> PostedTweet:
    """Post through POST /2/tweets as the account."""
    return account_admin.post_test_tweet(
        screen_name=screen_name,
        text=request.text if request else None,
        store=store,
        x_client=x_client,
    )


@router.delete("/{screen_name}", responses=X_ERRORS)
def remove_account(
    screen_name: ScreenNamePath,
    store: StoreDep,
    x_client: XClientDep,
    settings: SettingsDep,
    recovery_window_days: Annotated[
        int | None, Query(ge=7, le=30, description="Days the secret can still be restored.")
    ] = None,
) -> Removal:
    """Revoke the token at X, then schedule the secret's deletion."""
    return account_admin.remove_account(
        screen_name=screen_name,
        store=store,
        x_client=x_client,
        recovery_window_days=recovery_window_days or settings.deletion_recovery_days,
    )


@router.post("/{screen_name}/restore")
def restore_account(
    screen_name: ScreenNamePath, store: StoreDep, x_client: XClientDep
) -> Restoration:
    """Undo a deletion within its recovery window, then check the token at X: a token
    revoked at X stays revoked, and the answer says so and what to do."""
    return account_admin.restore_account(screen_name=screen_name, store=store, x_client=x_client)
