"""Birdhouse's speed and cost figures: warm overhead, AWS calls, package size.

    .venv/bin/python -m benchmarks.performance [--requests 200]

Runs in-process through the Lambda handler with real API Gateway events, moto for Secrets
Manager and the X stand-in on loopback. Cold start is measured from the deploy zip, on the
runtime's Python, by benchmarks/cold_start.py.
"""

import argparse
import functools
import json
import logging
import math
import os
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from infra.check_package import ZIP_SIZE_GOAL_BYTES

REPOSITORY = Path(__file__).resolve().parents[1]
CONSUMER_KEY, CONSUMER_SECRET = "bench-ck", "bench-cs-0123456789"
ADMIN_TOKEN, SIGNING_KEY = "bench-admin-token-0123456789", "bench-signing-key-0123456789"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200, help="requests per warm figure")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, {sys.platform}\n")
    with birdhouse_in_process() as world:
        warm_overhead(world, args.requests)
        secrets_manager_calls(world)
    package_size()


# --- the service in-process -------------------------------------------------------------------


@contextmanager
def birdhouse_in_process() -> Iterator[dict[str, Any]]:
    os.environ.update(
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",  # noqa: S106 - moto accepts anything
        AWS_DEFAULT_REGION="us-east-1",
    )
    from moto import mock_aws

    from app.sandbox.serve import serve_in_background
    from app.sandbox.x_standin import XStandin

    standin = XStandin(consumers={CONSUMER_KEY: CONSUMER_SECRET})
    x_server = serve_in_background(standin.app)
    os.environ["X_API_BASE_URL"] = x_server.url
    with mock_aws():
        import boto3

        from app import wiring
        from app.adapters.dynamodb import create_dynamodb_client
        from app.adapters.secrets_manager import create_secrets_client
        from app.main import handler

        logging.getLogger("app").setLevel(logging.WARNING)  # after app.main set it up

        boto3.client("secretsmanager").create_secret(
            Name="twitter-bots/app",
            SecretString=json.dumps(
                {
                    "consumer_key": CONSUMER_KEY,
                    "consumer_secret": CONSUMER_SECRET,
                    "admin_token": ADMIN_TOKEN,
                    "signing_key": SIGNING_KEY,
                }
            ),
        )
        from app.config import Settings

        wiring.create_tables(Settings(), client=boto3.client("dynamodb"))
        calls: list[str] = []
        create_secrets_client().meta.events.register(
            "before-call.secretsmanager", lambda model, **_: calls.append(model.name)
        )
        create_dynamodb_client().meta.events.register(
            "before-call.dynamodb", lambda model, **_: calls.append(model.name)
        )
        try:
            yield {"handler": handler, "standin": standin, "calls": calls}
        finally:
            logging.getLogger("app").setLevel(logging.INFO)
    x_server.stop()


def _invoke(
    handler: Any,
    method: str,
    path: str,
    *,
    query: str = "",
    cookies: list[str] | None = None,
    body: Any = None,
    admin: bool = False,
    key: str | None = None,
) -> dict[str, Any]:
    from tests.support.lambda_events import LambdaContext, http_api_v2_event

    headers = {"content-type": "application/json"}
    if admin or key:
        headers["authorization"] = f"Bearer {key or ADMIN_TOKEN}"
    event = http_api_v2_event(
        method,
        path,
        query=query,
        cookies=cookies,
        headers=headers,
        body=None if body is None else json.dumps(body),
    )
    answer: dict[str, Any] = handler(event, LambdaContext())
    return answer


def _invite_query(handler: Any, screen_name: str) -> str:
    answer = _invoke(handler, "POST", "/invites", body={"screen_name": screen_name}, admin=True)
    url: str = json.loads(answer["body"])["url"]
    return urlsplit(url).query


def _start(handler: Any, standin: Any, screen_name: str) -> tuple[str, list[str]]:
    """/onboard then the owner approving at X: the callback query and the state cookie."""
    answer = _invoke(handler, "GET", "/onboard", query=_invite_query(handler, screen_name))
    token = parse_qs(urlsplit(answer["headers"]["location"]).query)["oauth_token"][0]
    callback = standin.approve(token, screen_name=screen_name)
    cookies = [c.split(";")[0] for c in answer["cookies"]]
    return urlsplit(callback).query, cookies


# --- warm overhead ----------------------------------------------------------------------------


def warm_overhead(world: dict[str, Any], requests: int) -> None:
    handler, standin = world["handler"], world["standin"]
    _connect(handler, standin, "BenchBot")  # warm: app secret cached, account stored
    invite = _invite_query(handler, "BenchBot")
    # One link is timed `requests` times here; the per-link brake is for people, not this. A
    # window shorter than a request keeps the brake's record as small as a person's would be
    # (a huge limit instead would let its list of attempt times grow with every request).
    import app.flows.invites

    app.flows.invites.ATTEMPT_WINDOW = timedelta(microseconds=1)

    def callback_once() -> Callable[[], Any]:
        query, cookies = _start(handler, standin, "BenchBot")
        return lambda: _invoke(handler, "GET", "/callback", query=query, cookies=cookies)

    rows = [
        (
            "bare FastAPI+Mangum /ping",
            _timed(_bare_handler(), requests, lambda h: _invoke(h, "GET", "/ping")),
        ),
        ("/healthz", _timed(handler, requests, lambda h: _invoke(h, "GET", "/healthz"))),
        (
            "/onboard (X request token)",
            _timed(handler, requests, lambda h: _invoke(h, "GET", "/onboard", query=invite)),
        ),
        ("/callback (X access token + write)", _timed_prepared(callback_once, requests)),
        (
            "test-tweet (read + X post)",
            _timed(
                handler,
                requests,
                lambda h: _invoke(h, "POST", "/accounts/BenchBot/test-tweet", admin=True),
            ),
        ),
    ]
    print(f"Warm handler time per request, {requests} requests each (ms)")
    print(f"  {'route':<36} {'p50':>7} {'p99':>7}")
    for name, samples in rows:
        print(f"  {name:<36} {_percentile(samples, 50):7.2f} {_percentile(samples, 99):7.2f}")
    print(
        "  (X and Secrets Manager are the loopback stand-in and in-process moto: the figures"
        " are Birdhouse's own work plus theirs, not AWS or X latency)\n"
    )


def _bare_handler() -> Any:
    from fastapi import FastAPI
    from mangum import Mangum

    bare = FastAPI()

    @bare.get("/ping")
    def ping() -> dict[str, bool]:
        return {"ok": True}

    return Mangum(bare, lifespan="off")


def _timed(handler: Any, count: int, call: Callable[[Any], dict[str, Any]]) -> list[float]:
    for _ in range(5):
        call(handler)
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        answer = call(handler)
        samples.append((time.perf_counter() - started) * 1000)
        assert answer["statusCode"] < 400, answer
    return samples


def _timed_prepared(prepare: Callable[[], Callable[[], dict[str, Any]]], count: int) -> list[float]:
    samples = []
    for _ in range(count):
        call = prepare()
        started = time.perf_counter()
        answer = call()
        samples.append((time.perf_counter() - started) * 1000)
        assert answer["statusCode"] == 200, answer
    return samples


def _percentile(samples: list[float], percent: int) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, math.ceil(percent / 100 * len(ordered)) - 1)]


def _connect(handler: Any, standin: Any, screen_name: str) -> None:
    query, cookies = _start(handler, standin, screen_name)
    answer = _invoke(handler, "GET", "/callback", query=query, cookies=cookies)
    assert answer["statusCode"] == 200, answer


# --- Secrets Manager calls ------------------------------------------------------------------------


def secrets_manager_calls(world: dict[str, Any]) -> None:
    from app.adapters.secrets_manager import create_secrets_client
    from app.app_secret import clear_app_secret_cache
    from birdhouse_client.loaders import load_account, load_accounts

    handler, standin, calls = world["handler"], world["standin"], world["calls"]

    def count(action: Callable[[], Any]) -> list[str]:
        calls.clear()
        action()
        return list(calls)

    rows: list[tuple[str, list[str]]] = []
    clear_app_secret_cache()
    rows.append(
        (
            "onboarding, cold container (invite+onboard+callback)",
            count(lambda: _connect(handler, standin, "FreshBot")),
        )
    )
    rows.append(("onboarding, warm container", count(lambda: _connect(handler, standin, "NewBot"))))
    rows.append(
        ("re-onboarding a known account", count(lambda: _connect(handler, standin, "NewBot")))
    )
    standin.rename("FreshBot", "RenamedBot")
    rows.append(
        (
            "onboarding a renamed account (moves it)",
            count(lambda: _connect(handler, standin, "RenamedBot")),
        )
    )
    client = create_secrets_client()
    rows.append(("bot job: load_account", count(lambda: load_account("BenchBot", client=client))))
    rows.append(
        (
            "bot job: load_accounts() of every account (3)",
            count(lambda: load_accounts(client=client)),
        )
    )
    for name, method, path in (
        ("GET /accounts", "GET", "/accounts"),
        ("GET /accounts/{name}", "GET", "/accounts/NewBot"),
        ("POST .../verify", "POST", "/accounts/NewBot/verify"),
        ("POST .../test-tweet", "POST", "/accounts/NewBot/test-tweet"),
        ("DELETE /accounts/{name}", "DELETE", "/accounts/NewBot"),
    ):
        rows.append((name, count(functools.partial(_invoke, handler, method, path, admin=True))))
    from app import wiring
    from app.config import Settings
    from app.core.operators import Role
    from app.flows.operators import add_operator

    key = add_operator(
        registry=wiring.operator_registry(Settings()), name="bench", role=Role.ADMIN
    ).key
    for name, method, path in (
        ("GET /accounts with an operator key, first use", "GET", "/accounts"),
        ("GET /accounts with an operator key, again", "GET", "/accounts"),
        ("POST /invites with an operator key", "POST", "/invites"),
    ):
        rows.append((name, count(functools.partial(_invoke, handler, method, path, key=key))))
    rows.append(
        (
            "  load_accounts() once one is scheduled for deletion (*)",
            count(lambda: load_accounts(client=client)),
        )
    )
    print("AWS calls (Secrets Manager, and DynamoDB: ledger, operators, audit trail)")
    for name, made in rows:
        summary = ", ".join(f"{made.count(op)} {op}" for op in dict.fromkeys(made)) or "none"
        print(f"  {name:<56} {len(made):>2}  ({summary})")
    print(
        "  (*) moto refuses a filtered batch that matches a deleted secret, so birdhouse_client"
        " falls back to ListSecrets + batches by name\n"
    )


# --- package size ---------------------------------------------------------------------------------


def package_size() -> None:
    zips = sorted((REPOSITORY / ".serverless").glob("*.zip"))
    if not zips:
        print("Package: no .serverless/*.zip (run `make package-check` first)")
        return
    with zipfile.ZipFile(zips[0]) as archive:
        unzipped = sum(info.file_size for info in archive.infolist())
    print(
        f"Package: {zips[0].name} {zips[0].stat().st_size / 2**20:.2f} MB zipped, "
        f"{unzipped / 2**20:.2f} MB unzipped (goal {ZIP_SIZE_GOAL_BYTES / 2**20:.0f} MB zipped)"
    )


if __name__ == "__main__":
    main()
