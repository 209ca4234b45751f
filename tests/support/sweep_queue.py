"""The sweep's queues in moto, and a stand-in for Lambda's SQS event source mapping."""

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3

from tests.support.lambda_events import REGION, LambdaContext, sqs_event


@dataclass
class SweepQueues:
    sqs: Any
    url: str
    arn: str
    dead_letter_url: str

    def attributes(self, url: str | None = None) -> dict[str, int]:
        answer = self.sqs.get_queue_attributes(QueueUrl=url or self.url, AttributeNames=["All"])
        return {
            k: int(v) for k, v in answer["Attributes"].items() if k.startswith("ApproximateNumber")
        }

    def bodies(self) -> list[dict[str, Any]]:
        """Every message now visible, read and made visible again."""
        found = []
        while batch := self.sqs.receive_message(
            QueueUrl=self.url, MaxNumberOfMessages=10, VisibilityTimeout=30
        ).get("Messages", []):
            found += batch
        for message in found:
            self.sqs.change_message_visibility(
                QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
            )
        return [json.loads(m["Body"]) for m in found]

    def deliver(
        self, worker: Callable[[dict[str, Any], Any], dict[str, Any]], *, batch_size: int = 10
    ) -> list[dict[str, Any]]:
        """One poll as the event source mapping does it: receive, invoke, delete what worked.

        The failed ones are made visible at once (in AWS they wait out the visibility
        timeout), so a test sees SQS's retries and its redrive without waiting."""
        messages: list[dict[str, Any]] = self.sqs.receive_message(
            QueueUrl=self.url,
            MaxNumberOfMessages=batch_size,
            VisibilityTimeout=60,
            AttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return []
        answer = worker(sqs_event(messages, queue_arn=self.arn), LambdaContext(60_000))
        failed = {f["itemIdentifier"] for f in answer.get("batchItemFailures", [])}
        for message in messages:
            if message["MessageId"] in failed:
                self.sqs.change_message_visibility(
                    QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                )
            else:
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
        return messages

    def drain(self, worker: Callable[[dict[str, Any], Any], dict[str, Any]]) -> int:
        """Deliver until nothing is visible; answers how many deliveries there were."""
        deliveries = 0
        while self.deliver(worker):
            deliveries += 1
        return deliveries


def create_sweep_queues(name: str, *, max_receive_count: int = 3) -> SweepQueues:
    """The work queue with its redrive policy to a dead-letter queue, as serverless.yml has."""
    sqs = boto3.client("sqs", region_name=REGION)
    dead_letter_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dead_letter_arn = sqs.get_queue_attributes(
        QueueUrl=dead_letter_url, AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    url = sqs.create_queue(
        QueueName=name,
        Attributes={
            "VisibilityTimeout": "360",
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": dead_letter_arn, "maxReceiveCount": max_receive_count}
            ),
        },
    )["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return SweepQueues(sqs=sqs, url=url, arn=arn, dead_letter_url=dead_letter_url)
