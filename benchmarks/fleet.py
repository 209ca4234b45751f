"""A fleet at scale: the queued sweep, the paged listing and what health costs.

    .venv/bin/python -m benchmarks.fleet --accounts 10000 [--latency 0.15] [--concurrency N]

A moto server in its own process (benchmarks.moto_paged: its ListSecrets describes only the
page it answers; AWS's costs one round trip a page) holds the fleet's secrets, the queues, the
ledger and the bus; the X stand-in answers GET /2/users/me after `--latency` s, as X's round
trip would. The planner and the worker run through their Lambda entry points
(app.sweep.handler, app.sweep.worker); N worker threads, N the default maximum concurrency,
each poll the queue as Lambda's event source mapping does. Prints the planner's time and
calls, the worker's time per account, the whole fleet's time, X reads and AWS calls per
account, GET /accounts' first page, and the cost per account per month.
"""

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import boto3

from app.sandbox.serve import serve_in_background
from app.sandbox.x_standin import XStandin
from tests.support.lambda_events import LambdaContext, http_api_v2_event, sqs_event
from tests.support.local_stack import free_port

REGION = "us-east-1"
CONSUMER_KEY, CONSUMER_SECRET = "bench-consumer-key-0001", "bench-consumer-secret-000000001"
ADMIN_TOKEN = "bench-admin-token-0000000001"  # noqa: S105 - moto and the stand-in only

# AWS list prices (us-east-1, 2026) and X's pay-per-use read.
SECRET_MONTH = 0.40
SECRETS_PER_CALL = 0.05 / 10_000
SQS_PER_CALL = 0.40 / 1_000_000
EVENTS_PER_EVENT = 1.00 / 1_000_000
LAMBDA_PER_REQUEST = 0.20 / 1_000_000
LAMBDA_PER_GB_SECOND = 0.0000133334
CLOUDWATCH_ALARM_MONTH = 0.10
X_READ = 0.010
WORKER_MEMORY_GB = 0.5
DAYS = 30


class CallCounter:
    """Every AWS call this process makes, by service:operation (botocore's one funnel)."""

    def __init__(self) -> None:
        from botocore.client import BaseClient

        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()
        original = vars(BaseClient)["_make_api_call"]
        counter = self

        def counting(client: Any, operation: str, params: Any) -> Any:
            with counter._lock:
                counter.counts[f"{client.meta.service_model.signing_name}:{operation}"] += 1
            return original(client, operation, params)

        BaseClient._make_api_call = counting  # type: ignore[attr-defined]

    @contextmanager
    def phase(self) -> Iterator[Counter[str]]:
        before = Counter(self.counts)
        found: Counter[str] = Counter()
        yield found
        found.update(self.counts - before)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--latency", type=float, default=0.15, help="X's answer time, seconds")
    parser.add_argument("--concurrency", type=int, help="worker threads (default: the setting)")
    parser.add_argument("--active-share", type=float, default=0.8, help="bots posting daily")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("app").setLevel(logging.WARNING)

    port = free_port()
    moto = subprocess.Popen(  # noqa: S603 - moto's own server, on loopback
        [
            sys.executable,
            "-m",
            "benchmarks.moto_paged",
            "-H",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    standin = XStandin(consumers={CONSUMER_KEY: CONSUMER_SECRET})
    standin.latency_seconds = args.latency
    x_server = serve_in_background(standin.app)
    try:
        _wait_for(f"http://127.0.0.1:{port}/moto-api/")
        run(args, endpoint=f"http://127.0.0.1:{port}", standin=standin, x_url=x_server.url)
    finally:
        x_server.stop()
        moto.terminate()
        moto.wait(10)


def run(args: argparse.Namespace, *, endpoint: str, standin: XStandin, x_url: str) -> None:
    os.environ.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",  # noqa: S106 - moto accepts anything
        AWS_DEFAULT_REGION=REGION,
        X_API_BASE_URL=x_url,
        X_TIMEOUT_SECONDS="8",
        ALLOWED_HOSTS="*",
        LOG_LEVEL="WARNING",
    )
    from app import sweep, wiring
    from app.config import get_settings
    from app.core.errors import StoreUnavailable
    from app.main import handler as api_handler
    from birdhouse_client.layout import AccountSecret

    sqs = boto3.client("sqs")
    dead = sqs.create_queue(QueueName="bench-sweep-dlq")["QueueUrl"]
    dead_arn = sqs.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    work = sqs.create_queue(
        QueueName="bench-sweep",
        Attributes={
            "VisibilityTimeout": "720",
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dead_arn, "maxReceiveCount": 3}),
        },
    )["QueueUrl"]
    work_arn = sqs.get_queue_attributes(QueueUrl=work, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    os.environ.update(SWEEP_QUEUE_URL=work, SWEEP_DEAD_LETTER_QUEUE_URL=dead)
    get_settings.cache_clear()
    settings = get_settings()
    concurrency = args.concurrency or settings.sweep_max_concurrency
    wiring.create_tables(settings, client=boto3.client("dynamodb"))
    secrets = boto3.client("secretsmanager")
    secrets.create_secret(
        Name=settings.app_secret_id,
        SecretString=json.dumps(
            {
                "consumer_key": CONSUMER_KEY,
                "consumer_secret": CONSUMER_SECRET,
                "admin_token": ADMIN_TOKEN,
                "signing_key": "bench-signing-key-00000000001",
            }
        ),
    )
    store = wiring.account_store(settings)
    names = [f"Bot{n:06d}" for n in range(args.accounts)]

    def seed(name: str) -> None:
        user_id, token, secret = standin.seed_account(name, consumer_key=CONSUMER_KEY)
        account = AccountSecret(
            screen_name=name,
            user_id=user_id,
            authorized_at="2026-11-22T03:00:00+00:00",
            consumer_key=CONSUMER_KEY,
            consumer_secret=CONSUMER_SECRET,
            access_token=token,
            access_token_secret=secret,
        )
        for attempt in range(3):  # moto's server answers an odd 500 under concurrent writes
            try:
                store.save_account(account)
                return
            except StoreUnavailable:
                if attempt == 2:
                    raise

    started = time.monotonic()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(seed, names))
    print(f"seeded {args.accounts} accounts in {time.monotonic() - started:.0f} s")
    counter = CallCounter()

    # 1. The planner: list, enqueue; no X call.
    x_before = len(standin.calls)
    with counter.phase() as plan_calls:
        started = time.monotonic()
        plan = sweep.handler({}, None)
        plan_seconds = time.monotonic() - started
    assert len(standin.calls) == x_before, "the planner called X"
    print(
        f"planner: {plan_seconds:.1f} s for {plan['enqueued']} accounts; calls {_calls(plan_calls)}"
    )

    # 2. The workers: `concurrency` threads, each polling as the event source mapping does.
    invocation_seconds: list[float] = []
    per_account: list[float] = []
    lock = threading.Lock()

    def poll() -> None:
        client = boto3.client("sqs")
        empty = 0
        while empty < 3:
            messages = client.receive_message(
                QueueUrl=work, MaxNumberOfMessages=10, AttributeNames=["All"]
            ).get("Messages", [])
            if not messages:
                empty += 1
                time.sleep(0.2)
                continue
            empty = 0
            began = time.monotonic()
            answer = sweep.worker(
                sqs_event([dict(m) for m in messages], queue_arn=work_arn), LambdaContext(120_000)
            )
            took = time.monotonic() - began
            failed = {f["itemIdentifier"] for f in answer["batchItemFailures"]}
            done = [m for m in messages if m["MessageId"] not in failed]
            if done:
                client.delete_message_batch(
                    QueueUrl=work,
                    Entries=[
                        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                        for i, m in enumerate(done)
                    ],
                )
            with lock:
                invocation_seconds.append(took)
                per_account.append(took / len(messages))

    with counter.phase() as work_calls:
        started = time.monotonic()
        threads = [threading.Thread(target=poll) for _ in range(concurrency)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        fleet_seconds = time.monotonic() - started - 0.6  # less the pollers' last empty waits
    reads = sum(1 for name, _ in standin.calls[x_before:] if name == "users_me")
    checked = sum(1 for _ in store.list_accounts())
    per_account_s = statistics.median(per_account)
    print(
        f"worker: {per_account_s * 1000:.0f} ms per account (median of {len(per_account)} "
        f"batches of up to 10; X answers in {args.latency * 1000:.0f} ms)"
    )
    print(
        f"fleet: {checked} accounts checked in {fleet_seconds:.0f} s ({fleet_seconds / 60:.1f} "
        f"min) at the default maximum concurrency {concurrency}; {reads} X reads; "
        f"calls {_calls(work_calls)}"
    )

    # 3. Bot jobs report: the active share reports a good answer once a day, the next plan
    # leaves those out for SWEEP_REPORTED_HEALTHY_DAYS.
    active = names[: int(len(names) * args.active_share)]
    with counter.phase(), ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda n: store.note_reported_ok(n, reported_at=_now()), active))
    plan2 = sweep.handler({}, None)
    daily_reads = plan2["enqueued"] / len(names)
    print(
        f"with {args.active_share:.0%} of bots posting daily (reporting once a day): the next "
        f"plan enqueues {plan2['enqueued']} of {len(names)}, {plan2['reported_healthy']} "
        f"reported healthy: {daily_reads * DAYS:.1f} X reads per account per month, against "
        f"{DAYS} at one a day ({DAYS / max(daily_reads * DAYS, 1e-9):.1f}x fewer)"
    )
    sqs.purge_queue(QueueUrl=work)

    # 4. The first page of GET /accounts, through the Lambda handler.
    times = []
    for _ in range(5):
        event = http_api_v2_event(
            "GET",
            "/accounts",
            query="limit=100",
            headers={"authorization": f"Bearer {ADMIN_TOKEN}"},
        )
        began = time.monotonic()
        answer = api_handler(event, LambdaContext())  # type: ignore[arg-type]
        times.append(time.monotonic() - began)
        body = json.loads(answer["body"])
    first_page = statistics.median(times)
    print(
        f"GET /accounts?limit=100: {first_page * 1000:.0f} ms (median of 5), "
        f"{len(body['accounts'])} accounts, {len(answer['body']) / 1024:.0f} KB, next: "
        f"{'yes' if body['next'] else 'no'}"
    )

    # 5. Per account per day, and what it costs.
    checked_share = daily_reads
    per_check = {k: v / checked for k, v in work_calls.items()}
    planner = {k: v / len(names) for k, v in plan_calls.items()}
    per_day: dict[str, float] = {}
    for k, v in planner.items():
        per_day[k] = per_day.get(k, 0.0) + v
    for k, v in per_check.items():
        per_day[k] = per_day.get(k, 0.0) + v * checked_share
    per_day["events:PutEvents (bot-job reports)"] = args.active_share
    per_day["lambda:Invoke (bot-job reports)"] = args.active_share
    per_day["secretsmanager:TagResource (reported ok)"] = args.active_share
    per_day["lambda:Invoke (worker, per account)"] = checked_share / 10
    print(
        "AWS calls per account per day: "
        + ", ".join(f"{k} {v:.3f}" for k, v in sorted(per_day.items()))
    )
    print(f"  in all {sum(per_day.values()):.2f}")

    def month_cost(accounts: int) -> dict[str, float]:
        secrets_calls = sum(v for k, v in per_day.items() if k.startswith("secretsmanager"))
        sqs_calls = sum(v for k, v in per_day.items() if k.startswith("sqs"))
        invocations = sum(v for k, v in per_day.items() if k.startswith("lambda"))
        gb_seconds = (
            per_account_s * checked_share * WORKER_MEMORY_GB
            + args.active_share * 0.1 * WORKER_MEMORY_GB
        )
        return {
            "secret": SECRET_MONTH,
            "Secrets Manager calls": secrets_calls * DAYS * SECRETS_PER_CALL,
            "SQS": sqs_calls * DAYS * SQS_PER_CALL,
            "EventBridge": args.active_share * DAYS * EVENTS_PER_EVENT,
            "Lambda": DAYS * (invocations * LAMBDA_PER_REQUEST + gb_seconds * LAMBDA_PER_GB_SECOND),
            "fixed (app secret, DLQ alarm) shared": (SECRET_MONTH + CLOUDWATCH_ALARM_MONTH)
            / accounts,
            "X reads": daily_reads * DAYS * X_READ,
        }

    for accounts in (1_000, 10_000, 100_000):
        cost = month_cost(accounts)
        aws = sum(v for k, v in cost.items() if k != "X reads")
        print(
            f"cost per account per month at {accounts}: ${aws + cost['X reads']:.4f} "
            f"(AWS ${aws:.4f}: "
            + ", ".join(f"{k} ${v:.5f}" for k, v in cost.items() if k != "X reads")
            + f"; X reads ${cost['X reads']:.4f}; before: X ${DAYS * X_READ:.2f})"
        )
    # 100,000 from the per-account figures: the workers scale with concurrency, except for
    # Secrets Manager's TagResource quota (50 a second, not adjustable), one per check.
    minutes = 100_000 * per_account_s / concurrency / 60
    floor = 100_000 / 50 / 60
    print(
        f"100,000 accounts: the planner about {plan_seconds * 100_000 / len(names):.0f} s; the "
        f"checks about {minutes:.0f} min at concurrency {concurrency} (but never under "
        f"{floor:.0f} min: one TagResource per check, at most 50 a second per region; "
        f"{floor * 60 / 100_000 * len(names) / 60:.1f} min for this fleet)"
    )


def _calls(found: Counter[str]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(found.items())) or "none"


def _now() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat()


def _wait_for(url: str) -> None:
    import urllib.request

    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url, timeout=1)  # noqa: S310 - loopback
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


if __name__ == "__main__":
    main()
