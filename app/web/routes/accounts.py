from typing import Annotated, Literal

from fastapi import APIRouter, Body, Path, Query
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from app.core.operators import Role
from app.flows import account_admin
from app.flows.account_admin import (
    DeletedAccount,
    PostedTweet,
    Removal,
    Rename,
    Restoration,
    Verification,
)
from app.flows.audit import AuditEntry
from app.web.deps import (
    AppSecretDep,
    EventsDep,
    LedgerDep,
    OAuth2AccountsDep,
    PublicBaseUrlDep,
    RecorderDep,
    SettingsDep,
    StoreDep,
    XClientDep,
    audited,
    needs,
)
from app.web.error_responses import ADMIN_ERRORS, X_ERRORS
from app.web.routes.invites import InviteCreated, invite_created
from birdhouse_client.layout import STATUSES, AccountSummary

router = APIRouter(prefix="/accounts", tags=["accounts"], responses=ADMIN_ERRORS)

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


# GET /accounts answers at most this many per page: about 0.4 MB, 10 ListSecrets calls.
MAX_PAGE = 1000


class AccountList(BaseModel):
    accounts: list[AccountSummary]
    next: str | None = Field(
        description="Pass as `next` for the following page; null on the last one."
    )


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


@router.get("", dependencies=[needs(Role.VIEWER)])
def list_accounts(
    store: StoreDep,
    status: Annotated[
        Literal[STATUSES] | None,  # type: ignore[valid-type]
        Query(description="Only accounts the last check found in this state."),
    ] = None,
    prefix: Annotated[
        str | None,
        Query(
            pattern=r"^@?[A-Za-z0-9_]{1,15}$",
            description="Only accounts whose screen name starts with this (any case).",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Accounts per page.")] = 100,
    next_cursor: Annotated[
        str | None,
        Query(
            alias="next",
            max_length=4096,
            description="The `next` of the previous page, with the same filters.",
        ),
    ] = None,
    deleted: Annotated[
        bool, Query(description="List the accounts scheduled for deletion instead.")
    ] = False,
) -> AccountList | DeletedAccountList:
    """Onboarded accounts, a page at a time: who, when, and how each was last found; never a
    token. Filters run at AWS (ListSecrets' name and tag filters). `next` is null on the last
    page. With deleted=true, those scheduled for deletion, with the date each goes for good."""
    if deleted:
        return DeletedAccountList(accounts=account_admin.list_deleted_accounts(store=store))
    page = store.list_accounts_page(
        limit=limit,
        cursor=next_cursor,
        status=status,
        name_prefix=prefix.removeprefix("@") if prefix else None,
    )
    return AccountList(accounts=page.accounts, next=page.next_cursor)


@router.get("/{screen_name}", dependencies=[needs(Role.VIEWER)])
def get_account(screen_name: ScreenNamePath, store: StoreDep) -> AccountSummary:
    return account_admin.describe_account(screen_name=screen_name, store=store)


@router.post(
    "/{screen_name}/verify",
    responses=X_ERRORS,
    dependencies=[audited("account.verify", Role.ADMIN)],
)
def verify_account(
    screen_name: ScreenNamePath,
    store: StoreDep,
    x_client: XClientDep,
    recorder: RecorderDep,
    oauth2: OAuth2AccountsDep,
) -> Verification:
    """Check the token at X (GET /2/users/me) without posting; records the status. An OAuth
    2.0 token near its end is refreshed first."""
    return account_admin.verify_account(
        screen_name=screen_name, store=store, x_client=x_client, recorder=recorder, oauth2=oauth2
    )


@router.post(
    "/{screen_name}/test-tweet",
    status_code=201,
    responses=X_ERRORS,
    dependencies=[audited("account.test_tweet", Role.ADMIN)],
)
def post_test_tweet(
    screen_name: ScreenNamePath,
    store: StoreDep,
    x_client: XClientDep,
    oauth2: OAuth2AccountsDep,
    request: Annotated[TestTweetRequest | None, Body()] = None,
) -> PostedTweet:
    """Post through POST /2/tweets as the account (OAuth 2.0: Bearer, refreshed first when
    near its end)."""
    return account_admin.post_test_tweet(
        screen_name=screen_name,
        text=request.text if request else None,
        store=store,
        x_client=x_client,
        oauth2=oauth2,
    )


@router.delete(
    "/{screen_name}",
    responses=X_ERRORS,
    dependencies=[audited("account.delete", Role.ADMIN)],
)
def remove_account(
    screen_name: ScreenNamePath,
    store: StoreDep,
    x_client: XClientDep,
    ledger: LedgerDep,
    settings: SettingsDep,
    events: EventsDep,
    oauth2: OAuth2AccountsDep,
    recovery_window_days: Annotated[
        int | None, Query(ge=7, le=30, description="Days the secret can still be restored.")
    ] = None,
) -> Removal:
    """Revoke the token at X, withdraw the account's pending invites, then schedule the
    secret's deletion."""
    return account_admin.remove_account(
        screen_name=screen_name,
        store=store,
        x_client=x_client,
        ledger=ledger,
        events=events,
        recovery_window_days=recovery_window_days or settings.deletion_recovery_days,
        oauth2=oauth2,
    )


class AccountResetAnswer(BaseModel):
    screen_name: str
    revoked_at_x: bool
    x_detail: str | None
    invite: InviteCreated = Field(description="A single-use link for this account's owner.")


@router.post("/{screen_name}/reset", responses=X_ERRORS)
def reset_account(
    entry: Annotated[AuditEntry, audited("account.reset", Role.ADMIN)],
    screen_name: ScreenNamePath,
    store: StoreDep,
    x_client: XClientDep,
    ledger: LedgerDep,
    app_secret: AppSecretDep,
    base_url: PublicBaseUrlDep,
    oauth2: OAuth2AccountsDep,
) -> AccountResetAnswer:
    """A leaked token: revoke it at X, mark the secret, and get a fresh invite for the account."""
    reset = account_admin.reset_account(
        screen_name=screen_name,
        store=store,
        x_client=x_client,
        ledger=ledger,
        signing_keys=app_secret.signing_keys,
        oauth2=oauth2,
    )
    entry.invite = reset.invite.record.id
    return AccountResetAnswer(
        screen_name=reset.screen_name,
        revoked_at_x=reset.revoked_at_x,
        x_detail=reset.x_detail,
        invite=invite_created(reset.invite, base_url=base_url),
    )


@router.post(
    "/{screen_name}/restore",
    dependencies=[audited("account.restore", Role.ADMIN)],
)
def restore_account(
    screen_name: ScreenNamePath,
    store: StoreDep,
    x_client: XClientDep,
    events: EventsDep,
    app_secret: AppSecretDep,
    oauth2: OAuth2AccountsDep,
) -> Restoration:
    """Undo a deletion within its recovery window, then check the token at X: a token
    revoked at X stays revoked, and the answer says so and what to do. Refused (409) while
    the same X user is connected under another name."""
    return account_admin.restore_account(
        screen_name=screen_name,
        store=store,
        x_client=x_client,
        events=events,
        app_secret=app_secret,
        oauth2=oauth2,
    )


@router.post(
    "/{screen_name}/rename",
    responses=X_ERRORS,
    dependencies=[audited("account.rename", Role.ADMIN)],
)
def rename_account(
    screen_name: ScreenNamePath,
    store: StoreDep,
    x_client: XClientDep,
    settings: SettingsDep,
    oauth2: OAuth2AccountsDep,
) -> Rename:
    """The account was renamed at X (same user id): move its secret to the new name."""
    return account_admin.rename_account(
        screen_name=screen_name,
        store=store,
        x_client=x_client,
        recovery_window_days=settings.deletion_recovery_days,
        oauth2=oauth2,
    )
