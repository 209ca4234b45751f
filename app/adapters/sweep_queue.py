"""The sweep's work queue on Amazon SQS: SendMessageBatch (10 a call) and the queues' depth."""

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from app.core.errors import QueueUnavailable
from app.core.sweep_queue import MAX_DELAY_SECONDS, QueueDepth, SweepTask

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import SendMessageBatchRequestEntryTypeDef

log = logging.getLogger(__name__)

BATCH_SIZE = 10  # SendMessageBatch's limit
# Queue name → URL, per container: a queue's URL does not change.
_URLS: dict[str, str] = {}
SQS_CLIENT_CONFIG = Config(
    connect_timeout=2, read_timeout=5, retries={"mode": "standard", "total_max_attempts": 3}
)


@lru_cache
def create_sqs_client() -> "SQSClient":
    return boto3.client("sqs", config=SQS_CLIENT_CONFIG)


@contextmanager
def _translated_errors(action: str) -> Iterator[None]:
    try:
        yield
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "Unknown")
        raise QueueUnavailable(f"SQS could not {action} ({code})") from exc
    except BotoCoreError as exc:
        raise QueueUnavailable(f"SQS could not {action} ({type(exc).__name__})") from exc


class SqsSweepQueue:
    """The work queue (SWEEP_QUEUE_URL) and its dead-letter queue (for the depth only)."""

    def __init__(
        self,
        client: "SQSClient | None",
        *,
        queue_url: str | None,
        dead_letter_queue_url: str | None = None,
    ) -> None:
        self._client = client
        self._queue_url = queue_url
        self._dead_letter_queue_url = dead_letter_queue_url

    def send(self, tasks: Sequence[SweepTask], *, delay_seconds: int = 0) -> None:
        queue_url = self._url()
        delay = max(0, min(MAX_DELAY_SECONDS, delay_seconds))
        client = self._client or create_sqs_client()
        for start in range(0, len(tasks), BATCH_SIZE):
            entries: list[SendMessageBatchRequestEntryTypeDef] = [
                {"Id": str(i), "MessageBody": task.to_body(), "DelaySeconds": delay}
                for i, task in enumerate(tasks[start : start + BATCH_SIZE])
            ]
            with _translated_errors("send sweep tasks"):
                answer = client.send_message_batch(QueueUrl=queue_url, Entries=entries)
                failed = {f["Id"] for f in answer.get("Failed", [])}
                if failed:
                    # Partial failures are throttling or a blip: one more try for those.
                    again = [e for e in entries if e["Id"] in failed]
                    answer = client.send_message_batch(QueueUrl=queue_url, Entries=again)
                    if answer.get("Failed"):
                        codes = sorted({f.get("Code", "?") for f in answer["Failed"]})
                        raise QueueUnavailable(
                            f"SQS refused {len(answer['Failed'])} sweep task(s): {codes}"
                        )

    def depth(self) -> QueueDepth:
        client = self._client or create_sqs_client()
        with _translated_errors("read the queue's depth"):
            work = client.get_queue_attributes(
                QueueUrl=self._url(),
                AttributeNames=[
                    "ApproximateNumberOfMessages",
                    "ApproximateNumberOfMessagesNotVisible",
                    "ApproximateNumberOfMessagesDelayed",
                ],
            )["Attributes"]
            dead = {}
            if self._dead_letter_queue_url:
                dead = client.get_queue_attributes(
                    QueueUrl=self._resolved(self._dead_letter_queue_url),
                    AttributeNames=["ApproximateNumberOfMessages"],
                )["Attributes"]
        return QueueDepth(
            waiting=int(work.get("ApproximateNumberOfMessages", 0)),
            in_flight=int(work.get("ApproximateNumberOfMessagesNotVisible", 0)),
            delayed=int(work.get("ApproximateNumberOfMessagesDelayed", 0)),
            dead_letters=int(dead.get("ApproximateNumberOfMessages", 0)),
        )

    def _url(self) -> str:
        if not self._queue_url:
            raise QueueUnavailable(
                "SWEEP_QUEUE_URL is not set: the sweep's queue is unknown (serverless.yml sets "
                "it; locally, python -m app sweep checks in-process instead)"
            )
        return self._resolved(self._queue_url)

    def _resolved(self, url_or_name: str) -> str:
        """A queue's URL as given, or looked up from its name once per container (a URL holds
        the account id, which serverless.yml's plain-string environment does not know)."""
        if url_or_name.startswith(("https://", "http://")):
            return url_or_name
        if url_or_name not in _URLS:
            with _translated_errors(f"find the queue {url_or_name}"):
                client = self._client or create_sqs_client()
                _URLS[url_or_name] = client.get_queue_url(QueueName=url_or_name)["QueueUrl"]
        return _URLS[url_or_name]
