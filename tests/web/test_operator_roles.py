"""Each role's allowed and refused routes, through the Lambda handler, and the audit record
each state-changing call leaves: one per call, naming who, what and on what; never a secret.

One row per route of the admin API (a test holds the table to the schema). Each row is called
by a viewer, an inviter, an admin and the owner's admin token, in that order, against a world
where the call can succeed: the first role allowed must succeed, every role below it gets 403
naming the role needed, every role above it gets past the check.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from app.core.audit import Outcome, Via
from app.core.operators import Role
from app.main import app
from app.sandbox.x_standin import XStandin
from tests.support.lambda_browser import LambdaBrowser, Page
from tests.support.operators import (
    World,
    answer_secrets,
    audit_records,
    build_world,
    raw_audit_items,
    secrets_in,
)

CALLERS = ("vera", "ines", "adam", "owner")
ROLE_OF = {"vera": Role.VIEWER, "ines": Role.INVITER, "adam": Role.ADMIN, "owner": Role.ADMIN}


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    needs: Role
    # What the audit record calls it; None for a read, which leaves no record.
    action: str | None = None
    path: Callable[[World], str] | None = None
    body: Any = None
    # The record's target: ("account", "hellobot"), ("invite", None: the world's), ...
    target: tuple[str, str | None] | None = None
    # What the first allowed caller gets, where the world cannot give a success: refreshing
    # HelloBot, an OAuth 1.0a account, is 409 not_oauth2 (recorded as failed), which proves the
    # role's gate and the record all the same (the refresh itself: test_refresh_race, the flows).
    allowed_status: int | None = None
    allowed_outcome: Outcome = Outcome.OK

    def concrete_path(self, world: World) -> str:
        return self.path(world) if self.path else self.template

    @property
    def id(self) -> str:
        return f"{self.method} {self.template}"


ROUTES = [
    Route("GET", "/accounts", Role.VIEWER),
    Route("GET", "/accounts/{screen_name}", Role.VIEWER, path=lambda w: "/accounts/HelloBot"),
    Route("GET", "/invites", Role.VIEWER),
    Route("GET", "/audit", Role.VIEWER),
    Route("GET", "/operators/me", Role.VIEWER),
    Route("GET", "/operators", Role.ADMIN),
    Route(
        "POST",
        "/invites",
        Role.INVITER,
        "invite.create",
        body={"screen_name": "NewBot"},
        target=("account", "newbot"),
    ),
    Route(
        "DELETE",
        "/invites/{invite_id}",
        Role.INVITER,
        "invite.withdraw",
        path=lambda w: f"/invites/{w.invite_id}",
        target=("invite", None),
    ),
    Route(
        "POST",
        "/accounts/{screen_name}/verify",
        Role.ADMIN,
        "account.verify",
        path=lambda w: "/accounts/HelloBot/verify",
        target=("account", "hellobot"),
    ),
    Route(
        "POST",
        "/accounts/{screen_name}/test-tweet",
        Role.ADMIN,
        "account.test_tweet",
        path=lambda w: "/accounts/HelloBot/test-tweet",
        target=("account", "hellobot"),
    ),
    Route(
        "POST",
        "/accounts/{screen_name}/reset",
        Role.ADMIN,
        "account.reset",
        path=lambda w: "/accounts/HelloBot/reset",
        target=("account", "hellobot"),
    ),
    Route(
        "POST",
        "/accounts/{screen_name}/rename",
        Role.ADMIN,
        "account.rename",
        path=lambda w: "/accounts/HelloBot/rename",
        target=("account", "hellobot"),
    ),
    Route(
        "DELETE",
        "/accounts/{screen_name}",
        Role.ADMIN,
        "account.delete",
        path=lambda w: "/accounts/@HelloBot",
        target=("account", "hellobot"),
    ),
    Route(
        "POST",
        "/accounts/{screen_name}/restore",
        Role.ADMIN,
        "account.restore",
        path=lambda w: "/accounts/GoneBot/restore",
        target=("account", "gonebot"),
    ),
    Route(
        "POST",
        "/accounts/{screen_name}/refresh",
        Role.ADMIN,
        "account.refresh",
        path=lambda w: "/accounts/HelloBot/refresh",
        target=("account", "hellobot"),
        allowed_status=409,
        allowed_outcome=Outcome.FAILED,
    ),
    Route(
        "POST",
        "/operators",
        Role.ADMIN,
        "operator.add",
        body={"name": "newbie", "role": "viewer"},
        target=("target_operator", "newbie"),
    ),
    Route(
        "DELETE",
        "/operators/{name}",
        Role.ADMIN,
        "operator.revoke",
        path=lambda w: "/operators/victim",
        target=("target_operator", "victim"),
    ),
    # No queue in this world: 503 sweep_queue_unavailable, past the role's gate.
    Route("GET", "/sweep", Role.VIEWER, allowed_status=503),
]


def test_the_table_holds_every_route_of_the_admin_api() -> None:
    secured = {
        f"{method.upper()} {path}"
        for path, item in app.openapi()["paths"].items()
        for method, operation in item.items()
        if operation.get("security")
    }

    assert {route.id for route in ROUTES} == secured


def call(browser: LambdaBrowser, world: World, who: str, route: Route) -> Page:
    return browser.open(
        f"{browser.front_door.base_url}{route.concrete_path(world)}",
        method=route.method,
        headers={
            "Authorization": f"Bearer {world.bearer(who)}",
            "Content-Type": "application/json",
        },
        body=None if route.body is None else json.dumps(route.body),
    )


@pytest.fixture
def world(birdhouse: XStandin, aws: Any, dynamodb: Any, x_url: str) -> World:
    return build_world(aws, dynamodb, birdhouse, x_url)


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.id)
def test_each_role_is_allowed_or_refused_and_each_change_is_recorded_once(
    route: Route, world: World, browser: LambdaBrowser, dynamodb: Any
) -> None:
    records_before = len(audit_records(dynamodb))
    handed_out: set[str] = set()
    first_allowed = True

    for who in CALLERS:
        page = call(browser, world, who, route)
        answer = json.loads(page.body)
        handed_out |= answer_secrets(page.body)
        if not ROLE_OF[who].allows(route.needs):
            assert page.status == 403, (who, page.body)
            assert answer["code"] == "role_required"
            assert answer["required_role"] == route.needs.value
            assert f"needs the {route.needs.value} role" in answer["detail"]
        elif first_allowed:
            if route.allowed_status is None:
                assert 200 <= page.status < 300, (who, page.body)
            else:
                assert page.status == route.allowed_status, (who, page.body)
            first_allowed = False
        else:
            assert page.status not in (401, 403), (who, page.body)

    records = audit_records(dynamodb)[records_before:]
    if route.action is None:
        assert records == []
        return
    assert [record.operator for record in records] == list(CALLERS)
    assert {record.action for record in records} == {route.action}
    assert {record.via for record in records} == {Via.API}
    outcomes = [record.outcome for record in records]
    refused = [who for who in CALLERS if not ROLE_OF[who].allows(route.needs)]
    assert outcomes[: len(refused)] == [Outcome.REFUSED] * len(refused)
    assert outcomes[len(refused)] is route.allowed_outcome
    assert route.target is not None
    field, value = route.target
    assert {getattr(record, field) for record in records} == {value or world.invite_id}
    assert len({record.request_id for record in records}) == len(CALLERS)
    raw = json.dumps(raw_audit_items(dynamodb))
    assert secrets_in(raw, world.secrets | handed_out) == []


def test_the_invite_a_call_makes_is_named_in_its_record(
    world: World, browser: LambdaBrowser, dynamodb: Any
) -> None:
    created = json.loads(call(browser, world, "ines", ROUTES[6]).body)
    reset = call(browser, world, "adam", ROUTES[10])

    minted, reset_record = audit_records(dynamodb)[-2:]
    assert minted.invite == created["id"]
    assert reset_record.invite == json.loads(reset.body)["invite"]["id"]
