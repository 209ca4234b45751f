"""One process of the refresh race test: bot jobs, the scheduled refresher, or the admin route.

`python -m tests.support.race_worker ROLE THREADS SCREEN_NAME`, with Birdhouse's settings in
the environment (a moto server, the X stand-in). For each line {"offset": seconds} on stdin it
moves its clock by that much from the system's, runs one round with THREADS threads at once,
and answers one JSON line: what each thread saw. An empty line ends it.
"""

import asyncio
import json
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import boto3
import requests

OFFSET = [0.0]


def now() -> datetime:
    return datetime.fromtimestamp(time.time() + OFFSET[0], UTC)


def bot_job(screen_name: str) -> Callable[[], str]:
    """A bot job: load the account through the client (which refreshes through the lease when
    the token is about to expire), then post with its Bearer token."""
    from birdhouse_client import load_account
    from birdhouse_client.layout import OAuth2AccountSecret

    secrets_client = boto3.client("secretsmanager")
    dynamodb = boto3.client("dynamodb")
    session = requests.Session()
    base = _env("X_API_BASE_URL")

    def one() -> str:
        account = load_account(screen_name, client=secrets_client, dynamodb=dynamodb, now=now)
        assert isinstance(account, OAuth2AccountSecret)
        answer = session.post(
            f"{base}/2/tweets",
            json={"text": f"race {uuid.uuid4()}"},
            headers=account.authorization_header(),
            timeout=10,
        )
        return f"post {answer.status_code}"

    return one


def scheduled_refresher(_screen_name: str) -> Callable[[], str]:
    """app.refresher's pass, wired as run_refresher wires it, on the moved clock."""
    from app import wiring
    from app.config import Settings
    from app.flows.refresh import refresh_due

    settings = Settings()
    app_secret = wiring.app_secret(settings)

    def one() -> str:
        refresher = replace(wiring.refresher(settings, app_secret), now=now)
        report = refresh_due(
            store=wiring.account_store(settings),
            refresher=refresher,
            ahead_seconds=settings.refresh_ahead_seconds,
        )
        return f"refresher refreshed={report.refreshed} failed={len(report.failed)}"

    return one


def admin_route(screen_name: str) -> Callable[[], str]:
    """POST /accounts/{name}/refresh, then a test tweet, through the Lambda handler."""
    from app import wiring
    from app.main import app, handler
    from app.web.deps import AppSecretDep, RecorderDep, SettingsDep, get_refresher
    from tests.support.constants import ADMIN_TOKEN
    from tests.support.lambda_events import LambdaContext, http_api_v2_event

    def on_the_moved_clock(
        settings: SettingsDep, app_secret: AppSecretDep, recorder: RecorderDep
    ) -> Any:
        return replace(wiring.refresher(settings, app_secret, recorder=recorder), now=now)

    app.dependency_overrides[get_refresher] = on_the_moved_clock
    headers = {"authorization": f"Bearer {ADMIN_TOKEN}", "content-type": "application/json"}

    def one() -> str:
        # Mangum runs the app on the thread's event loop; a Lambda has one, a thread has not.
        asyncio.set_event_loop(asyncio.new_event_loop())
        refreshed = handler(
            http_api_v2_event("POST", f"/accounts/{screen_name}/refresh", headers=headers),
            LambdaContext(),  # type: ignore[arg-type]
        )
        posted = handler(
            http_api_v2_event(
                "POST",
                f"/accounts/{screen_name}/test-tweet",
                headers=headers,
                body=json.dumps({"text": f"admin {uuid.uuid4()}"}),
            ),
            LambdaContext(),  # type: ignore[arg-type]
        )
        return f"refresh {refreshed['statusCode']} post {posted['statusCode']}"

    return one


ROLES = {"bot": bot_job, "refresher": scheduled_refresher, "admin": admin_route}


def _env(name: str) -> str:
    import os

    return os.environ[name]


def _round(work: Callable[[], str], threads: int) -> list[str]:
    seen: list[str] = []
    start = threading.Barrier(threads)

    def run() -> None:
        start.wait()  # every thread at once
        try:
            seen.append(work())
        except Exception as exc:  # reported to the test, which fails on it
            seen.append(f"error {type(exc).__name__}: {exc}")

    pool = [threading.Thread(target=run) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return seen


def main() -> None:
    role, threads, screen_name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    work = ROLES[role](screen_name)
    print(json.dumps({"ready": role}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            break
        OFFSET[0] = float(json.loads(line)["offset"])
        print(json.dumps({"role": role, "seen": _round(work, threads)}), flush=True)


if __name__ == "__main__":
    main()
