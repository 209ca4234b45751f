"""Fixtures of the web tests: the events Birdhouse publishes, a fleet in trouble, and Birdhouse
with an OAuth 2.0 client."""

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from app.sandbox.x_standin import Fault, XStandin
from birdhouse_client.leases import create_lease_table
from tests.support.constants import (
    ACCOUNT_EVENTS,
    APP_SECRET_ID,
    CLIENT_ID,
    CLIENT_SECRET,
    CONSUMER_KEY,
    CONSUMER_SECRET,
    OAUTH2_APP_SECRET_VALUE,
    REFRESH_LEASES_TABLE,
)
from tests.support.lambda_browser import LambdaBrowser
from tests.support.lambda_events import REGION
from tests.support.owner_flows import connect

CREDITS_DEPLETED = Fault(
    status=402,
    body='{"title": "CreditsDepleted", "type": "https://api.x.com/2/problems/credits", '
    '"detail": "Your enrolled account does not have any credits"}',
)
CLIENT_FORBIDDEN = Fault(
    status=403,
    body='{"title": "Client Forbidden", "reason": "client-not-enrolled", '
    '"type": "https://api.x.com/2/problems/client-forbidden"}',
)


@pytest.fixture
def events(aws: Any) -> Iterator[Any]:
    """Every account event Birdhouse publishes, routed by a rule into a queue the test reads."""
    sqs = boto3.client("sqs", region_name=REGION)
    queue = sqs.create_queue(QueueName="birdhouse-events")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    bridge = boto3.client("events", region_name=REGION)
    bridge.put_rule(Name="birdhouse-accounts", EventPattern=json.dumps(ACCOUNT_EVENTS))
    bridge.put_targets(Rule="birdhouse-accounts", Targets=[{"Id": "queue", "Arn": arn}])

    class Inbox:
        def read(self) -> list[dict[str, Any]]:
            messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get(
                "Messages", []
            )
            for message in messages:
                sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
            return [json.loads(m["Body"]) for m in messages]

        def read_all(self) -> list[dict[str, Any]]:
            found: list[dict[str, Any]] = []
            while batch := self.read():
                found += batch
            return found

    yield Inbox()
    bridge.remove_targets(Rule="birdhouse-accounts", Ids=["queue"])
    bridge.delete_rule(Name="birdhouse-accounts")


@pytest.fixture
def fleet(birdhouse: XStandin, browser: LambdaBrowser, events: Any) -> XStandin:
    """Five bots connected, then life happens to four of them."""
    for name in ("FineBot", "GoneBot", "OldName", "ReaderBot", "BrokeBot"):
        connect(browser, invite_for=name, log_in_as=name)
    events.read_all()  # the five "Account connected"
    birdhouse.revoke_all("GoneBot")
    birdhouse.rename("OldName", "NewName")
    birdhouse.account("ReaderBot").can_write = False
    birdhouse.fail_for("BrokeBot", CREDITS_DEPLETED)
    return birdhouse


@pytest.fixture
def x2(
    aws: Any,
    dynamodb: Any,
    _x_server: Any,
    x_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> XStandin:
    """Birdhouse with an OAuth 2.0 client in its app secret, against the stand-in."""
    aws.create_secret(Name=APP_SECRET_ID, SecretString=json.dumps(OAUTH2_APP_SECRET_VALUE))
    create_lease_table(dynamodb, REFRESH_LEASES_TABLE)
    standin = XStandin(
        consumers={CONSUMER_KEY: CONSUMER_SECRET}, oauth2_clients={CLIENT_ID: CLIENT_SECRET}
    )
    _x_server[0].current = standin.app
    monkeypatch.setenv("X_API_BASE_URL", x_url)
    monkeypatch.setenv("X_OAUTH2_AUTHORIZE_URL", f"{x_url}/i/oauth2/authorize")
    return standin
