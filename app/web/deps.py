"""Every dependency a route can ask for, named once: thin wrappers over `app.wiring`."""

import hmac
import json
import logging
import secrets
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app import wiring
from app.app_secret import load_app_secret
from app.config import get_settings
from app.core.accounts import AccountStore
from app.core.app_secret import AppSecret, AppSecretRefresher, AppSecretSource
from app.core.audit import AuditTrail, Via
from app.core.deadline import lambda_deadline, set_request_deadline
from app.core.errors import AdminUnavailable, BirdhouseError, NotAuthenticated, StoreOutOfTime
from app.core.events import EventPublisher
from app.core.invites import InviteLedger
from app.core.operators import OWNER, Operator, OperatorRegistry, Role
from app.core.sweep_queue import SweepQueue
from app.core.x import XClient
from app.flows.audit import Actor, Audit, AuditEntry
from app.flows.health import Recorder
from app.flows.operators import name_in_key, operator_for_key, require_role
from app.web.public_url import ensure_trusted_host, public_base_url

if TYPE_CHECKING:
    # Not at import: app.config loads the Settings class on first use.
    from app.config import Settings
    from app.core.oauth2 import OAuth2Client
    from app.flows.oauth2_accounts import OAuth2Accounts
    from app.flows.refresh import Refresher

log = logging.getLogger(__name__)

SettingsDep = Annotated["Settings", Depends(get_settings)]


def get_store(settings: SettingsDep) -> AccountStore:
    return wiring.account_store(settings)


StoreDep = Annotated[AccountStore, Depends(get_store)]


def get_ledger(settings: SettingsDep) -> InviteLedger:
    return wiring.invite_ledger(settings)


LedgerDep = Annotated[InviteLedger, Depends(get_ledger)]


def get_events(settings: SettingsDep) -> EventPublisher:
    return wiring.event_publisher(settings)


EventsDep = Annotated[EventPublisher, Depends(get_events)]


def get_app_secret_source() -> AppSecretSource:
    return wiring.app_secret_source()


AppSecretSourceDep = Annotated[AppSecretSource, Depends(get_app_secret_source)]


def get_app_secret(settings: SettingsDep, source: AppSecretSourceDep) -> AppSecret:
    return load_app_secret(settings=settings, source=source)


AppSecretDep = Annotated[AppSecret, Depends(get_app_secret)]


def get_app_secret_refresher(settings: SettingsDep) -> AppSecretRefresher:
    return wiring.app_secret_refresher(settings)


AppSecretRefresherDep = Annotated[AppSecretRefresher, Depends(get_app_secret_refresher)]


def get_x_client(settings: SettingsDep, app_secret: AppSecretDep) -> XClient:
    return wiring.x_client(settings, app_secret)


XClientDep = Annotated[XClient, Depends(get_x_client)]


def get_sweep_queue(settings: SettingsDep) -> SweepQueue:
    return wiring.sweep_queue(settings)


SweepQueueDep = Annotated[SweepQueue, Depends(get_sweep_queue)]


def get_public_base_url(request: Request, settings: SettingsDep) -> str:
    return public_base_url(request, settings)


PublicBaseUrlDep = Annotated[str, Depends(get_public_base_url)]


def get_recorder(store: StoreDep, events: EventsDep) -> Recorder:
    # Verify's recorder mints no invite (the operator asks for a link with reset or POST
    # /invites). From the request's own dependencies, so a test's override reaches it.
    return Recorder(store=store, events=events)


RecorderDep = Annotated[Recorder, Depends(get_recorder)]


def require_trusted_host(request: Request, settings: SettingsDep) -> None:
    ensure_trusted_host(request, settings)


async def start_request_deadline(request: Request, settings: SettingsDep) -> None:
    """Every X and Secrets Manager call of this request draws from the Lambda's remaining time.

    async, so it runs in the request's own context: the dependencies and the route after it
    run in threads that start from a copy of that context, deadline included.
    """
    set_request_deadline(
        lambda_deadline(
            request.scope.get("aws.context"), margin_seconds=settings.deadline_margin_seconds
        )
    )


def get_operator_registry(settings: SettingsDep) -> OperatorRegistry:
    return wiring.operator_registry(settings)


OperatorRegistryDep = Annotated[OperatorRegistry, Depends(get_operator_registry)]


def get_audit_trail(settings: SettingsDep) -> AuditTrail:
    return wiring.audit_trail(settings)


AuditTrailDep = Annotated[AuditTrail, Depends(get_audit_trail)]

_bearer = HTTPBearer(
    auto_error=False, description="An operator key (bho_…), or the app secret's admin token."
)


def signed_in(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    settings: SettingsDep,
    source: AppSecretSourceDep,
    registry: OperatorRegistryDep,
) -> Operator:
    """The operator whose key this is (read afresh: a revoke counts at once), or `owner` for
    the admin token, compared in constant time."""
    # Refuse anonymous callers before any AWS call is spent on them.
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise NotAuthenticated("Send 'Authorization: Bearer <operator key or admin token>'.")
    presented = credentials.credentials
    looks_like_a_key = name_in_key(presented) is not None
    if looks_like_a_key:
        operator = operator_for_key(presented, registry=registry)
        if operator is not None:
            return operator
    try:
        app_secret = load_app_secret(settings=settings, source=source)
    except BirdhouseError as exc:
        # Anyone can send a bearer: the answer names no secret, store or AWS error code.
        log.error("the admin check could not read the app secret: %s", exc.message)
        why = (
            "there was no time left in this request"
            if isinstance(exc, StoreOutOfTime)
            else "the service's log says why"
        )
        raise AdminUnavailable(
            f"The admin API is unavailable: Birdhouse could not read its app secret ({why})."
        ) from exc
    if not hmac.compare_digest(presented.encode(), app_secret.admin_token.encode()):
        raise NotAuthenticated(
            "The operator key is not valid (revoked, mistyped, or never issued)."
            if looks_like_a_key
            else "The admin token is not valid."
        )
    return Operator(name=OWNER, role=Role.ADMIN)


SignedInDep = Annotated[Operator, Depends(signed_in)]


def needs(role: Role) -> Any:
    """For a route that reads: the signed-in operator, if their role allows `role`."""

    def check(operator: SignedInDep) -> Operator:
        require_role(operator, role)
        return operator

    return Depends(check)


# The console says so in this header: its calls are recorded as `console`, not `api`.
CLIENT_HEADER = "X-Birdhouse-Client"


def get_audit(
    request: Request, operator: SignedInDep, trail: AuditTrailDep, events: EventsDep
) -> Audit:
    via = Via.CONSOLE if request.headers.get(CLIENT_HEADER) == "console" else Via.API
    return Audit(
        trail=trail,
        events=events,
        actor=Actor(operator=operator.name, via=via, request_id=request_id(request)),
    )


AuditDep = Annotated[Audit, Depends(get_audit)]


def request_id(request: Request) -> str:
    """API Gateway's id for the request (its `apigw-requestid` answer header and access log),
    else Lambda's, else a fresh one (uvicorn)."""
    event = request.scope.get("aws.event") or {}
    gateway_id = (event.get("requestContext") or {}).get("requestId")
    if isinstance(gateway_id, str) and gateway_id:
        return gateway_id
    context = request.scope.get("aws.context")
    lambda_id = getattr(context, "aws_request_id", None)
    return lambda_id if isinstance(lambda_id, str) and lambda_id else secrets.token_hex(16)


# Path parameters and body fields that name what an action is about (the audit flow keeps
# only values shaped like a screen name, an invite id or an operator name).
_TARGETS = {"screen_name": "account", "invite_id": "invite", "name": "target_operator"}


async def action_targets(request: Request) -> dict[str, str]:
    """What the call is about, from its path and its JSON body: a refused call's record names
    what was tried too. async: the body was read already, and the request keeps it."""
    found = {
        field: str(request.path_params[param])
        for param, field in _TARGETS.items()
        if param in request.path_params
    }
    try:
        document = json.loads(await request.body() or b"null")
    except ValueError:
        return found
    if isinstance(document, dict):
        for param, field in _TARGETS.items():
            if isinstance(document.get(param), str):
                found.setdefault(field, document[param])
    return found


def audited(action: str, role: Role) -> Any:
    """For a route that changes something: one audit record, refused (403) or done, and how
    it ended. The route may name a target it makes (a new invite) on the entry."""

    def record(
        operator: SignedInDep,
        audit: AuditDep,
        targets: Annotated[dict[str, str], Depends(action_targets)],
    ) -> Iterator[AuditEntry]:
        with audit.action(action, **targets) as entry:
            require_role(operator, role)
            yield entry

    return Depends(record)


def get_oauth2_accounts(
    settings: SettingsDep, app_secret: AppSecretDep, recorder: RecorderDep
) -> "OAuth2Accounts | None":
    return wiring.oauth2_accounts(settings, app_secret, recorder=recorder)


OAuth2AccountsDep = Annotated["OAuth2Accounts | None", Depends(get_oauth2_accounts)]


def get_refresher(
    settings: SettingsDep, app_secret: AppSecretDep, recorder: RecorderDep
) -> "Refresher":
    return wiring.refresher(settings, app_secret, recorder=recorder)


RefresherDep = Annotated["Refresher", Depends(get_refresher)]


def get_oauth2_client(settings: SettingsDep, app_secret: AppSecretDep) -> "OAuth2Client | None":
    """X's OAuth 2.0 for onboarding; None when the app secret has no client id and secret."""
    if not app_secret.has_oauth2_client:
        return None
    return wiring.oauth2_client(settings, app_secret)


OAuth2ClientDep = Annotated["OAuth2Client | None", Depends(get_oauth2_client)]
