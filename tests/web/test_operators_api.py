"""Operator keys through the Lambda handler: added (the key once), listed (never a key),
revoked (refused on the very next request of a warm app), and the audit trail's pages."""

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from app.adapters.dynamodb import create_dynamodb_client
from app.core.audit import Outcome
from app.core.operators import Role
from app.sandbox.x_standin import XStandin
from tests.support.admin_api import AdminApi
from tests.support.constants import ADMIN_TOKEN
from tests.support.lambda_browser import LambdaBrowser
from tests.support.lambda_events import REGION
from tests.support.operators import audit_records, give_key, registry


@pytest.fixture
def owner(birdhouse: XStandin, browser: LambdaBrowser) -> AdminApi:
    return AdminApi(browser)


def test_an_admin_adds_an_operator_and_sees_the_key_once(
    owner: AdminApi, browser: LambdaBrowser, dynamodb: Any
) -> None:
    added = owner.call("POST", "/operators", {"name": "Ada", "role": "inviter"})
    listed = owner.call("GET", "/operators")

    assert added.status == 201
    assert added.json["name"] == "ada"
    assert added.json["key"].startswith("bho_ada_")
    assert listed.json["operators"][0]["name"] == "ada"
    assert listed.json["operators"][0]["role"] == "inviter"
    assert set(listed.json["operators"][0]) == {"name", "role", "created_at", "last_used_at"}
    assert added.json["key"] not in json.dumps(listed.json)
    stored = json.dumps(dynamodb.scan(TableName="birdhouse-operators")["Items"])
    assert added.json["key"] not in stored
    me = AdminApi(browser, token=added.json["key"]).call("GET", "/operators/me")
    assert me.json["name"] == "ada"
    assert me.json["role"] == "inviter"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"name": "owner", "role": "viewer"}, 422),
        ({"name": "Ada Lovelace", "role": "viewer"}, 422),
        ({"name": "ada", "role": "superuser"}, 422),
        ({"name": "ada"}, 422),
        ({"name": "ada", "role": "viewer", "rol": "admin"}, 422),
    ],
)
def test_a_bad_operator_is_refused_with_a_reason(
    owner: AdminApi, body: dict[str, str], status: int
) -> None:
    answer = owner.call("POST", "/operators", body)

    assert answer.status == status
    assert answer.json["detail"]


def test_a_name_with_a_key_is_not_given_another_and_an_unknown_one_is_not_revoked(
    owner: AdminApi,
) -> None:
    owner.call("POST", "/operators", {"name": "ada", "role": "viewer"})

    again = owner.call("POST", "/operators", {"name": "ada", "role": "admin"})
    unknown = owner.call("DELETE", "/operators/nobody")

    assert (again.status, again.json["code"]) == (409, "operator_exists")
    assert (unknown.status, unknown.json["code"]) == (404, "operator_not_found")


def test_a_revoked_key_is_refused_on_the_next_request_of_a_warm_app(
    owner: AdminApi, browser: LambdaBrowser, dynamodb: Any
) -> None:
    key = give_key(dynamodb, "ada", Role.ADMIN)
    ada = AdminApi(browser, token=key)
    assert ada.call("GET", "/accounts").status == 200  # the container is warm, the key known

    assert owner.call("DELETE", "/operators/ada").json == {"name": "ada", "revoked": True}
    refused = ada.call("GET", "/accounts")

    assert refused.status == 401
    assert refused.headers["www-authenticate"] == "Bearer"
    # Revoked another way (the command line, another container): the same.
    other = give_key(dynamodb, "bob", Role.VIEWER)
    bob = AdminApi(browser, token=other)
    assert bob.call("GET", "/accounts").status == 200
    registry(dynamodb).remove("bob")
    assert bob.call("GET", "/accounts").status == 401


@pytest.mark.parametrize(
    "key",
    [
        "bho_ada_" + "A" * 43,  # the shape, not the key
        "bho_nobody_" + "A" * 43,
        "bho_",
        "bho_ada",
        "bho_owner_" + "A" * 43,
        "not-the-admin-token",
    ],
)
def test_a_key_that_is_not_one_is_refused(
    owner: AdminApi, browser: LambdaBrowser, dynamodb: Any, key: str
) -> None:
    give_key(dynamodb, "ada", Role.ADMIN)

    assert AdminApi(browser, token=key).call("GET", "/accounts").status == 401


def test_the_admin_token_still_signs_in_as_owner(owner: AdminApi) -> None:
    me = owner.call("GET", "/operators/me")

    assert me.json["name"] == "owner"
    assert me.json["role"] == "admin"


def test_last_use_is_listed_and_written_once_within_a_minute(
    owner: AdminApi, browser: LambdaBrowser, dynamodb: Any
) -> None:
    ada = AdminApi(browser, token=give_key(dynamodb, "ada", Role.VIEWER))
    calls: list[str] = []
    app_client = create_dynamodb_client()  # the one the app's requests use

    def count(**kwargs: Any) -> None:
        calls.append("update")

    app_client.meta.events.register("before-call.dynamodb.UpdateItem", count)
    try:
        for _ in range(3):
            ada.call("GET", "/invites")
    finally:
        app_client.meta.events.unregister("before-call.dynamodb.UpdateItem", count)

    (listed,) = owner.call("GET", "/operators").json["operators"]
    assert listed["last_used_at"] is not None
    assert calls == ["update"]


@pytest.fixture
def operator_events(aws: Any) -> Iterator[Any]:
    sqs = boto3.client("sqs", region_name=REGION)
    queue = sqs.create_queue(QueueName="birdhouse-operator-actions")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    bridge = boto3.client("events", region_name=REGION)
    pattern = {"source": ["birdhouse"], "detail-type": ["Operator action"]}
    bridge.put_rule(Name="operator-actions", EventPattern=json.dumps(pattern))
    bridge.put_targets(Rule="operator-actions", Targets=[{"Id": "q", "Arn": arn}])

    def read() -> list[dict[str, Any]]:
        messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
        return [json.loads(m["Body"]) for m in messages]

    yield read
    bridge.remove_targets(Rule="operator-actions", Ids=["q"])
    bridge.delete_rule(Name="operator-actions")
    sqs.delete_queue(QueueUrl=queue)


def test_each_action_is_announced_as_an_operator_action(
    owner: AdminApi, operator_events: Any, dynamodb: Any
) -> None:
    owner.call("POST", "/invites", {"screen_name": "HelloBot"})

    (event,) = operator_events()
    (record,) = audit_records(dynamodb)
    assert event["detail-type"] == "Operator action"
    detail = event["detail"]
    assert detail["operator"] == "owner"
    assert detail["action"] == "invite.create"
    assert detail["account"] == "hellobot"
    assert detail["invite"] == record.invite
    assert detail["outcome"] == "ok"
    assert detail["audit_id"] == record.id
    assert "url" not in json.dumps(detail)
    assert ADMIN_TOKEN not in json.dumps(event)


def test_the_trail_pages_newest_first_and_filters_by_operator_and_account(
    owner: AdminApi, browser: LambdaBrowser, dynamodb: Any
) -> None:
    ines = AdminApi(browser, token=give_key(dynamodb, "ines", Role.INVITER))
    for name in ("OneBot", "TwoBot", "OneBot"):
        ines.call("POST", "/invites", {"screen_name": name})
    owner.call("POST", "/invites", {"screen_name": "OneBot"})
    owner.call("DELETE", "/accounts/OneBot")  # failed: never onboarded; recorded all the same

    first = owner.call("GET", "/audit?limit=3")
    second = owner.call("GET", f"/audit?limit=3&next={first.json['next']}")
    by_ines = owner.call("GET", "/audit?operator=ines")
    ines_on_one = owner.call("GET", "/audit?operator=ines&account=@ONEBOT")
    on_one = owner.call("GET", "/audit?account=onebot&limit=2")
    on_one_rest = owner.call("GET", f"/audit?account=onebot&limit=2&next={on_one.json['next']}")

    everything = first.json["records"] + second.json["records"]
    assert [r["operator"] for r in everything] == ["owner", "owner", "ines", "ines", "ines"]
    assert everything[0]["action"] == "account.delete"
    assert everything[0]["outcome"] == Outcome.FAILED
    assert everything[0]["error_code"] == "account_not_found"
    assert [r["at"] for r in everything] == sorted((r["at"] for r in everything), reverse=True)
    assert (
        second.json["next"] is None
        or owner.call("GET", f"/audit?limit=3&next={second.json['next']}").json["records"] == []
    )
    assert len(by_ines.json["records"]) == 3
    assert [r["account"] for r in ines_on_one.json["records"]] == ["onebot", "onebot"]
    assert {r["operator"] for r in ines_on_one.json["records"]} == {"ines"}
    on_one_all = on_one.json["records"] + on_one_rest.json["records"]
    assert [r["operator"] for r in on_one_all] == ["owner", "owner", "ines", "ines"]


@pytest.mark.parametrize(
    "query",
    [
        "next=garbage",
        "next=eyJpIjogbnVsbH0",  # JSON, but no key
        # A page of one listing handed to another.
        "operator=ines&next=eyJpIjogbnVsbCwgImsiOiB7InRyYWlsIjogImF1ZGl0IiwgInNrIjogIngifX0",
    ],
)
def test_a_next_value_from_elsewhere_is_a_clear_400(owner: AdminApi, query: str) -> None:
    answer = owner.call("GET", f"/audit?{query}")

    assert (answer.status, answer.json["code"]) == (400, "invalid_cursor")


def test_a_bad_account_filter_is_refused_before_any_read(owner: AdminApi) -> None:
    assert owner.call("GET", "/audit?account=not%20a%20name").status == 422
