"""The sweep on SQS, through its Lambda entry points with the events AWS sends them: the planner
(scheduled), the worker (an SQS batch) and the bot-job report (an EventBridge event), against
moto's SQS, Secrets Manager, DynamoDB and EventBridge and the signature-checking X stand-in."""

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from app import sweep
from app.adapters import sweep_queue as sweep_queue_adapter
from app.adapters.secrets_manager import SecretsManagerAccountStore
from app.config import get_settings
from app.core.sweep_queue import SweepTask
from app.sandbox.x_standin import Fault, XStandin
from birdhouse_client import health_reports, oauth1_session
from tests.support.admin_api import AdminApi
from tests.support.lambda_browser import LambdaBrowser
from tests.support.lambda_events import REGION, LambdaContext, eventbridge_event
from tests.support.owner_flows import connect, oauth2_account
from tests.support.sweep_queue import SweepQueues, create_sweep_queues

FLEET = ("FineBot", "GoneBot", "OldName", "ReaderBot", "BrokeBot")


@pytest.fixture
def queues(aws: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[SweepQueues]:
    """The work queue and its dead-letter queue, named in the environment as deployed."""
    created = create_sweep_queues(f"sweep-{uuid.uuid4().hex[:8]}", max_receive_count=2)
    # By name, as serverless.yml sets it (the adapter looks the URL up); the other by URL.
    monkeypatch.setenv("SWEEP_QUEUE_URL", created.url.rsplit("/", 1)[1])
    monkeypatch.setenv("SWEEP_DEAD_LETTER_QUEUE_URL", created.dead_letter_url)
    get_settings.cache_clear()
    yield created
    created.sqs.delete_queue(QueueUrl=created.url)
    created.sqs.delete_queue(QueueUrl=created.dead_letter_url)


def tags(aws: Any, name: str) -> dict[str, str]:
    entry = aws.describe_secret(SecretId=f"twitter-bots/accounts/{name.lower()}")
    return {t["Key"]: t["Value"] for t in entry["Tags"]}


def x_reads(standin: XStandin) -> int:
    return len(standin.calls_to("users_me"))


def test_the_planner_makes_no_x_call_and_enqueues_every_account_once(
    fleet: XStandin, queues: SweepQueues, aws: Any
) -> None:
    reads_before, calls_before = x_reads(fleet), len(fleet.calls)

    first = sweep.handler({"source": "aws.events", "detail-type": "Scheduled Event"}, None)
    again = sweep.handler({"source": "aws.events", "detail-type": "Scheduled Event"}, None)

    assert len(fleet.calls) == calls_before
    assert x_reads(fleet) == reads_before
    assert (first["accounts"], first["enqueued"]) == (5, 5)
    assert (again["enqueued"], again["already_queued"]) == (0, 5)  # the last plan is queued
    assert sorted(task["screen_name"] for task in queues.bodies()) == sorted(FLEET)


@pytest.mark.slow
def test_the_worker_records_each_status_and_announces_each_change_once(
    fleet: XStandin, queues: SweepQueues, events: Any, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://b.example")
    monkeypatch.setenv("EVENTS_INVITE_LINKS", "true")
    get_settings.cache_clear()
    sweep.handler({}, None)

    queues.drain(sweep.worker)

    assert {name: tags(aws, name)["birdhouse:status"] for name in FLEET} == {
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
    assert not any(secret in json.dumps(published) for secret in fleet.issued_secrets)
    assert queues.attributes()["ApproximateNumberOfMessages"] == 0

    # Checked since they were queued: the next plan sends them all again; nothing new to say.
    assert sweep.handler({}, None)["enqueued"] == 5
    queues.drain(sweep.worker)
    assert events.read_all() == []


def test_a_429_with_a_reset_puts_the_rest_back_until_then(
    birdhouse: XStandin, browser: LambdaBrowser, queues: SweepQueues, aws: Any
) -> None:
    for name in ("Alpha", "Bravo", "Charlie"):
        connect(browser, invite_for=name, log_in_as=name)
    sweep.handler({}, None)
    reset = int(time.time()) + 120
    birdhouse.fail_next(
        "users_me", Fault(status=429, body="{}", headers={"x-rate-limit-reset": str(reset)})
    )
    reads_before = x_reads(birdhouse)

    answer_ids = queues.deliver(sweep.worker)

    assert len(answer_ids) == 3
    assert x_reads(birdhouse) == reads_before + 1  # the refused read, and no other
    waiting = queues.attributes()
    assert waiting["ApproximateNumberOfMessages"] == 0  # nothing to deliver before the reset
    assert waiting["ApproximateNumberOfMessagesDelayed"] == 3
    assert {tags(aws, n)["birdhouse:status"] for n in ("Alpha", "Bravo", "Charlie")} == {"ok"}


@pytest.mark.parametrize("window", ["refused with 429", "spent by the first read"])
def test_oauth2_accounts_are_put_back_until_x_resets_too(
    x2: XStandin, x_url: str, queues: SweepQueues, aws: Any, window: str
) -> None:
    store = SecretsManagerAccountStore(aws, secrets_prefix="twitter-bots")
    names = ("Alpha", "Bravo", "Charlie")
    for name in names:
        store.save_account(oauth2_account(x2, x_url, name))
    sweep.handler({}, None)
    reset = {"x-rate-limit-reset": str(int(time.time()) + 120)}
    if window == "refused with 429":
        x2.fail_next("users_me", Fault(status=429, body="{}", headers=reset))
    else:  # X answers the first read, and says no read is left in this window
        me = json.dumps({"data": {"id": x2.account("Alpha").user_id, "username": "Alpha"}})
        x2.fail_next("users_me", Fault(200, me, headers={**reset, "x-rate-limit-remaining": "0"}))
    reads_before = x_reads(x2)

    answer_ids = queues.deliver(sweep.worker)

    assert len(answer_ids) == 3
    assert x_reads(x2) == reads_before + 1  # one read, then the rest wait for the reset
    waiting = queues.attributes()
    assert waiting["ApproximateNumberOfMessages"] == 0  # nothing to deliver before the reset
    put_back = 3 if window == "refused with 429" else 2
    assert waiting["ApproximateNumberOfMessagesDelayed"] == put_back
    # A 429 records nothing; the one answer read (Alpha's, the first on the queue) is ok.
    assert {name: tags(aws, name)["birdhouse:status"] for name in names} == dict.fromkeys(
        names, "ok"
    )


def test_a_poisoned_message_ends_in_the_dead_letter_queue_and_shows(
    birdhouse: XStandin, browser: LambdaBrowser, queues: SweepQueues
) -> None:
    queues.sqs.send_message(QueueUrl=queues.url, MessageBody='{"screen_name": "not a name!"}')

    deliveries = queues.drain(sweep.worker)  # received twice (maxReceiveCount), then moved

    assert deliveries == 2
    assert queues.attributes(queues.dead_letter_url)["ApproximateNumberOfMessages"] == 1
    depth = AdminApi(browser).call("GET", "/sweep")
    assert depth.status == 200
    assert depth.json == {"waiting": 0, "in_flight": 0, "delayed": 0, "dead_letters": 1}


def test_without_a_queue_the_depth_says_what_is_missing(
    birdhouse: XStandin, browser: LambdaBrowser
) -> None:
    answer = AdminApi(browser).call("GET", "/sweep")

    assert (answer.status, answer.json["code"]) == (503, "sweep_queue_unavailable")
    assert "SWEEP_QUEUE_URL" in answer.json["detail"]


# --- bot-job reports ----------------------------------------------------------------------------


@pytest.fixture
def reports(aws: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Birdhouse's bus with a rule for bot-job reports; a queue stands in for its function
    (moto delivers rule targets to SQS), so a test hands the report function what AWS would."""
    sqs = boto3.client("sqs", region_name=REGION)
    queue = sqs.create_queue(QueueName=f"reports-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    bridge = boto3.client("events", region_name=REGION)
    bridge.create_event_bus(Name="birdhouse-reports")
    bridge.put_rule(
        Name="bot-reports",
        EventBusName="birdhouse-reports",
        EventPattern=json.dumps(
            {"source": ["birdhouse.bot-jobs"], "detail-type": ["Bot job report"]}
        ),
    )
    bridge.put_targets(
        Rule="bot-reports", EventBusName="birdhouse-reports", Targets=[{"Id": "q", "Arn": arn}]
    )
    monkeypatch.setenv("BIRDHOUSE_EVENT_BUS", "birdhouse-reports")
    monkeypatch.setattr(health_reports, "_reporter", None)  # this process's throttle, fresh

    class Reports:
        def delivered(self) -> list[dict[str, Any]]:
            messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get(
                "Messages", []
            )
            for message in messages:
                sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
            return [json.loads(m["Body"]) for m in messages]

    yield Reports()
    bridge.remove_targets(Rule="bot-reports", EventBusName="birdhouse-reports", Ids=["q"])
    bridge.delete_rule(Name="bot-reports", EventBusName="birdhouse-reports")
    bridge.delete_event_bus(Name="birdhouse-reports")
    sqs.delete_queue(QueueUrl=queue)


def bot_job_session(aws: Any, x_url: str, name: str) -> Any:
    """What a bot job has: the client's session for the account, pointed at the stand-in."""
    return oauth1_session(name, client=aws)


def test_a_bot_jobs_revoked_token_report_leads_to_one_verify_and_one_event(
    birdhouse: XStandin,
    browser: LambdaBrowser,
    aws: Any,
    x_url: str,
    events: Any,
    reports: Any,
) -> None:
    connect(browser, invite_for="HelloBot", log_in_as="HelloBot")
    events.read_all()
    session = bot_job_session(aws, x_url, "HelloBot")
    birdhouse.revoke_all("HelloBot")

    # The job's own code: a post, which X now refuses. The session reports it by itself.
    assert session.post(f"{x_url}/2/tweets", json={"text": "hello"}, timeout=5).status_code == 401
    (report,) = reports.delivered()
    assert report["detail"]["problem"] == "unauthorized"
    assert not any(secret in json.dumps(report) for secret in birdhouse.issued_secrets)
    reads_before = x_reads(birdhouse)

    outcome = sweep.report(report, LambdaContext())

    assert outcome["action"] == "checked"
    assert outcome["status"] == "revoked"
    assert x_reads(birdhouse) == reads_before + 1
    (changed,) = events.read_all()
    assert changed["detail"]["status"] == "revoked"
    assert changed["detail"]["invite_id"]
    assert tags(aws, "HelloBot")["birdhouse:status"] == "revoked"


def test_a_healthy_report_keeps_the_account_out_of_the_next_sweep(
    birdhouse: XStandin,
    browser: LambdaBrowser,
    aws: Any,
    x_url: str,
    reports: Any,
    queues: SweepQueues,
) -> None:
    for name in ("BusyBot", "QuietBot"):
        connect(browser, invite_for=name, log_in_as=name)
    session = bot_job_session(aws, x_url, "BusyBot")
    session.post(f"{x_url}/2/tweets", json={"text": "hello"}, timeout=5)
    session.post(f"{x_url}/2/tweets", json={"text": "hello again"}, timeout=5)
    (report,) = reports.delivered()  # one per account per few hours, not one per post

    assert sweep.report(report, LambdaContext())["action"] == "noted"
    plan = sweep.handler({}, None)

    assert (plan["enqueued"], plan["reported_healthy"]) == (1, 1)
    assert [task["screen_name"] for task in queues.bodies()] == ["QuietBot"]


def test_a_report_that_is_not_one_is_ignored(birdhouse: XStandin) -> None:
    forged = eventbridge_event(
        source="birdhouse.bot-jobs", detail_type="Bot job report", detail={"outcome": "maybe"}
    )

    assert sweep.report(forged, LambdaContext())["action"] == "ignored"


# --- each function calls exactly what its role grants -------------------------------------------


@pytest.fixture
def aws_calls(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """Every AWS call made from now on, as an IAM action (service:Operation)."""
    from botocore.client import BaseClient

    called: set[str] = set()
    make_api_call = vars(BaseClient)["_make_api_call"]  # where every client call passes

    def recording(client: Any, operation: str, params: Any) -> Any:
        action = f"{client.meta.service_model.signing_name}:{operation}"
        called.add(BATCH_ACTIONS.get(action, action))
        return make_api_call(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", recording)
    return called


# IAM authorises a batch call as its single action.
BATCH_ACTIONS = {
    "sqs:SendMessageBatch": "sqs:SendMessage",
    "sqs:DeleteMessageBatch": "sqs:DeleteMessage",
}


def role_row(handler: str) -> set[str]:
    from infra.check_package import ROLE_ACTIONS

    return set(ROLE_ACTIONS[handler])


# Granted for what AWS does on the function's behalf: its logs, KMS under Secrets Manager, and
# the event source mapping's own look at the queue.
ON_ITS_BEHALF = ("logs:", "kms:", "sqs:GetQueueAttributes")


def test_the_planner_calls_exactly_what_its_role_grants(
    fleet: XStandin, queues: SweepQueues, aws_calls: set[str]
) -> None:
    sweep.handler({}, None)

    assert aws_calls == {a for a in role_row("app.sweep.handler") if not a.startswith("logs:")}


def test_the_worker_calls_exactly_what_its_role_grants(
    fleet: XStandin, queues: SweepQueues, aws_calls: set[str]
) -> None:
    """The fleet's revoked account takes the re-invite path; a task X asked to wait for goes
    back on the queue."""
    sweep.handler({}, None)
    waiting = SweepTask("FineBot", "2026-11-23T06:00:00+00:00", not_before=time.time() + 600)
    queues.sqs.send_message(QueueUrl=queues.url, MessageBody=waiting.to_body())
    aws_calls.clear()
    sweep_queue_adapter._URLS.clear()  # a worker's container of its own: it looks the URL up

    queues.drain(sweep.worker)

    granted = role_row("app.sweep.worker")
    assert aws_calls == {a for a in granted if not a.startswith(ON_ITS_BEHALF)}


def test_the_report_function_calls_exactly_what_its_role_grants(
    fleet: XStandin, aws_calls: set[str]
) -> None:
    revoked = eventbridge_event(
        source="birdhouse.bot-jobs",
        detail_type="Bot job report",
        detail={
            "screen_name": "GoneBot",
            "user_id": fleet.account("GoneBot").user_id,
            "outcome": "trouble",
            "x_status": 401,
            "problem": "unauthorized",
            "reported_at": "2999-01-01T00:00:00+00:00",
        },
    )
    healthy = eventbridge_event(
        source="birdhouse.bot-jobs",
        detail_type="Bot job report",
        detail={"screen_name": "FineBot", "outcome": "ok", "reported_at": "2026-11-23T06:00:00"},
    )

    assert sweep.report(revoked, LambdaContext())["status"] == "revoked"
    assert sweep.report(healthy, LambdaContext())["action"] == "noted"

    granted = role_row("app.sweep.report")
    assert aws_calls == {a for a in granted if not a.startswith(ON_ITS_BEHALF)}
