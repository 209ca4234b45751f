"""Fleet health: X's 2026 answers read right, statuses on every account, the sweep, and the
events it publishes (EventBridge, read back through a rule into an SQS queue, all in moto)."""

import json
import time
from typing import Any

import boto3
import pytest

from app.sandbox.x_standin import Fault, XStandin
from app.sweep import run_sweep
from birdhouse_client import account_statuses, load_accounts
from tests.support.admin_api import AdminApi
from tests.support.constants import ACCOUNT_EVENTS
from tests.support.lambda_browser import LambdaBrowser
from tests.support.lambda_events import REGION
from tests.support.owner_flows import connect
from tests.web.conftest import CLIENT_FORBIDDEN, CREDITS_DEPLETED


def tags(aws: Any, name: str) -> dict[str, str]:
    entry = aws.describe_secret(SecretId=f"twitter-bots/accounts/{name.lower()}")
    return {t["Key"]: t["Value"] for t in entry["Tags"]}


# --- X's answers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "status", "code"),
    [
        (CREDITS_DEPLETED, 402, "x_credits_depleted"),
        (CLIENT_FORBIDDEN, 403, "x_app_not_enrolled"),
    ],
)
def test_x_billing_and_app_setup_answers_have_their_own_codes(
    birdhouse: XStandin, browser: LambdaBrowser, fault: Fault, status: int, code: str
) -> None:
    connect(browser, invite_for="HelloBot", log_in_as="HelloBot")
    birdhouse.fail_next("tweets", fault)

    answer = AdminApi(browser).call("POST", "/accounts/HelloBot/test-tweet")

    assert (answer.status, answer.json["code"]) == (status, code)


def test_a_spent_24_hour_cap_says_when_and_that_today_is_pointless(
    birdhouse: XStandin, browser: LambdaBrowser
) -> None:
    connect(browser, invite_for="HelloBot", log_in_as="HelloBot")
    reset = int(time.time()) + 7 * 3600
    birdhouse.fail_next(
        "tweets",
        Fault(
            status=429,
            body='{"title": "Too Many Requests"}',
            headers={
                "x-rate-limit-reset": str(int(time.time()) + 60),
                "x-user-limit-24hour-remaining": "0",
                "x-user-limit-24hour-reset": str(reset),
            },
        ),
    )

    answer = AdminApi(browser).call("POST", "/accounts/HelloBot/test-tweet")

    assert answer.status == 429
    assert answer.json["retry_pointless_today"] is True
    assert abs(int(answer.headers["retry-after"]) - 7 * 3600) <= 5


def test_the_burst_window_alone_is_a_short_wait(
    birdhouse: XStandin, browser: LambdaBrowser
) -> None:
    connect(browser, invite_for="HelloBot", log_in_as="HelloBot")
    birdhouse.fail_next(
        "tweets",
        Fault(status=429, headers={"x-rate-limit-reset": str(int(time.time()) + 60)}),
    )

    answer = AdminApi(browser).call("POST", "/accounts/HelloBot/test-tweet")

    assert answer.json["retry_pointless_today"] is False
    assert int(answer.headers["retry-after"]) <= 61


def test_a_bare_401_with_working_app_keys_is_a_revoked_token(
    birdhouse: XStandin, browser: LambdaBrowser, aws: Any
) -> None:
    connect(browser, invite_for="HelloBot", log_in_as="HelloBot")
    birdhouse.revoke_all("HelloBot")

    answer = AdminApi(browser).call("POST", "/accounts/HelloBot/verify")

    assert (answer.status, answer.json["code"]) == (410, "token_revoked")
    assert tags(aws, "HelloBot")["birdhouse:status"] == "revoked"


def test_verify_records_a_revoked_token_but_mints_no_invite_and_sends_no_link(
    birdhouse: XStandin, browser: LambdaBrowser, aws: Any, events: Any
) -> None:
    connect(browser, invite_for="HelloBot", log_in_as="HelloBot")
    events.read_all()
    invites_before = AdminApi(browser).call("GET", "/invites").json["invites"]
    birdhouse.revoke_all("HelloBot")

    AdminApi(browser).call("POST", "/accounts/HelloBot/verify")

    (changed,) = events.read_all()
    assert changed["detail"]["status"] == "revoked"
    assert "invite_url" not in changed["detail"]
    assert "invite_id" not in changed["detail"]
    assert AdminApi(browser).call("GET", "/invites").json["invites"] == invites_before


def test_the_sweeps_event_names_the_invite_but_carries_no_link_unless_asked(
    fleet: XStandin, events: Any, use_settings: Any
) -> None:
    settings = use_settings(sweep_seconds_between_calls=0, public_base_url="https://b.example")

    run_sweep(settings)

    changes = {e["detail"]["screen_name"]: e["detail"] for e in events.read_all()}
    assert changes["GoneBot"]["invite_id"]
    assert "invite_url" not in changes["GoneBot"]


def test_a_bare_401_with_rejected_app_keys_blames_the_keys_not_the_token(
    birdhouse: XStandin, browser: LambdaBrowser, aws: Any
) -> None:
    connect(browser, invite_for="HelloBot", log_in_as="HelloBot")
    birdhouse.fail_for("HelloBot", Fault(status=401, body='{"title": "Unauthorized"}'))
    birdhouse.fail_next("request_token", Fault(status=401, body='{"errors": [{"code": 32}]}'))

    answer = AdminApi(browser).call("POST", "/accounts/HelloBot/verify")

    assert (answer.status, answer.json["code"]) == (502, "app_keys_rejected")
    assert "rotate-consumer-keys" in answer.json["detail"]
    assert tags(aws, "HelloBot")["birdhouse:status"] == "app_keys_rejected"


def test_verify_reports_the_access_level_and_whether_the_token_can_post(
    birdhouse: XStandin, browser: LambdaBrowser, aws: Any
) -> None:
    connect(browser, invite_for="HelloBot", log_in_as="HelloBot")
    birdhouse.account("HelloBot").can_write = False

    answer = AdminApi(browser).call("POST", "/accounts/HelloBot/verify")

    assert answer.json["access_level"] == "read"
    assert answer.json["can_post"] is False
    assert answer.json["status"] == "read_only"
    listed = AdminApi(browser).call("GET", "/accounts?status=read_only").json["accounts"]
    assert [a["screen_name"] for a in listed] == ["HelloBot"]
    assert listed[0]["checked_at"]


# --- the sweep ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_sweep_records_each_status_and_announces_each_change_once(
    fleet: XStandin, events: Any, aws: Any, use_settings: Any
) -> None:
    settings = use_settings(
        sweep_seconds_between_calls=0,
        public_base_url="https://b.example",
        events_invite_links=True,
    )

    report = run_sweep(settings)

    assert report.checked == 5
    assert {
        name: tags(aws, name)["birdhouse:status"]
        for name in ("FineBot", "GoneBot", "OldName", "ReaderBot", "BrokeBot")
    } == {
        "FineBot": "ok",
        "GoneBot": "revoked",
        "OldName": "renamed",
        "ReaderBot": "read_only",
        "BrokeBot": "credits_depleted",
    }
    published = events.read_all()
    changes = {e["detail"]["screen_name"]: e["detail"] for e in published}
    assert len(published) == 4
    assert {e["detail-type"] for e in published} == {"Account status changed"}
    assert sorted(changes) == ["BrokeBot", "GoneBot", "OldName", "ReaderBot"]
    assert changes["GoneBot"]["previous_status"] == "ok"
    assert changes["GoneBot"]["invite_url"].startswith("https://b.example/onboard?invite=")
    sent = json.dumps(published)
    assert not any(secret in sent for secret in fleet.issued_secrets)  # never a token

    again = run_sweep(settings)

    assert again.checked == 5
    assert again.changes == 0
    assert events.read_all() == []


@pytest.mark.slow
def test_a_sweep_out_of_time_stops_and_the_next_starts_with_the_rest(
    fleet: XStandin, use_settings: Any
) -> None:
    settings = use_settings(sweep_seconds_between_calls=0, sweep_concurrency=2)

    first = run_sweep(settings, budget_seconds=1e-9)  # time for one batch only
    second = run_sweep(settings, budget_seconds=1e-9)
    third = run_sweep(settings, budget_seconds=1e-9)

    assert first.out_of_time
    assert (first.checked, second.checked, third.checked) == (2, 2, 2)
    assert len(set(first.checked_names + second.checked_names + third.checked_names[:1])) == 5


@pytest.mark.slow
def test_rename_moves_a_renamed_account(fleet: XStandin, browser: LambdaBrowser, aws: Any) -> None:
    answer = AdminApi(browser).call("POST", "/accounts/OldName/rename")

    assert answer.status == 200
    assert answer.json["moved"] is True
    assert tags(aws, "NewName")["birdhouse:user_id"] == fleet.account("NewName").user_id
    old = aws.describe_secret(SecretId="twitter-bots/accounts/oldname")
    assert "DeletedDate" in old


def test_connecting_deleting_and_restoring_are_announced(
    birdhouse: XStandin, browser: LambdaBrowser, events: Any
) -> None:
    connect(browser, invite_for="HelloBot", log_in_as="HelloBot")
    AdminApi(browser).call("DELETE", "/accounts/HelloBot")
    AdminApi(browser).call("POST", "/accounts/HelloBot/restore")

    published = [(e["detail-type"], e["detail"]["screen_name"]) for e in events.read_all()]

    assert sorted(published) == [
        ("Account connected", "HelloBot"),
        ("Account deleted", "HelloBot"),
        ("Account restored", "HelloBot"),
    ]


def test_a_failed_publish_never_fails_the_request(
    birdhouse: XStandin, browser: LambdaBrowser, use_settings: Any
) -> None:
    use_settings(event_bus_name="no-such-bus")

    page = connect(browser, invite_for="HelloBot", log_in_as="HelloBot")

    assert page.status == 200


def test_events_go_to_the_configured_bus(
    birdhouse: XStandin, browser: LambdaBrowser, use_settings: Any, events: Any
) -> None:
    """Deployed, EVENT_BUS_NAME is Birdhouse's own bus: nothing reaches the default one."""
    sqs = boto3.client("sqs", region_name=REGION)
    queue = sqs.create_queue(QueueName="birdhouse-own-bus")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    bridge = boto3.client("events", region_name=REGION)
    bridge.create_event_bus(Name="birdhouse-test")
    bridge.put_rule(
        Name="team", EventBusName="birdhouse-test", EventPattern=json.dumps(ACCOUNT_EVENTS)
    )
    bridge.put_targets(
        Rule="team", EventBusName="birdhouse-test", Targets=[{"Id": "q", "Arn": arn}]
    )
    use_settings(event_bus_name="birdhouse-test")
    try:
        connect(browser, invite_for="HelloBot", log_in_as="HelloBot")

        received = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
        assert [json.loads(m["Body"])["detail-type"] for m in received] == ["Account connected"]
        assert events.read_all() == []
    finally:
        bridge.remove_targets(Rule="team", EventBusName="birdhouse-test", Ids=["q"])
        bridge.delete_rule(Name="team", EventBusName="birdhouse-test")
        bridge.delete_event_bus(Name="birdhouse-test")


@pytest.mark.slow
def test_bot_jobs_see_statuses_and_can_skip_dead_accounts(
    fleet: XStandin, aws: Any, use_settings: Any
) -> None:
    run_sweep(use_settings(sweep_seconds_between_calls=0))

    healthy = load_accounts(client=aws, healthy_only=True)
    statuses = account_statuses(client=aws)

    assert sorted(healthy) == ["finebot"]
    assert statuses["gonebot"] == "revoked"
    assert statuses["readerbot"] == "read_only"
    assert len(load_accounts(["FineBot", "GoneBot"], client=aws, healthy_only=True)) == 1
