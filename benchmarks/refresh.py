"""What the OAuth 2.0 refresher costs: refreshes, Secrets Manager writes and DynamoDB calls per
account per day at the default schedule, and the monthly cost at 1,000 accounts.

    .venv/bin/python -m benchmarks.refresh [--accounts 20] [--days 2]

Runs the scheduled refresher's real pass (`refresh_due`, the real adapters) every
REFRESH_SCHEDULE (15 minutes) over simulated days, a moved clock, against moto in-process and
the X stand-in on loopback (two-hour tokens, single-use rotating refresh tokens). Accounts are
onboarded at spread-out times, and every AWS call the refresher makes is counted.
"""

import argparse
import json
import logging
import math
import os
import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

SCHEDULE_SECONDS = 15 * 60  # serverless.yml's refreshSchedule: rate(15 minutes)
DAY = 86_400
FLEET = 1_000
# AWS list prices, us-east-1, 2026 (check the pricing pages).
SECRETS_MANAGER_PER_10K_CALLS = 0.05
DYNAMODB_PER_MILLION_WRITES = 0.625  # on-demand write request units (an item under 1 KB)
LAMBDA_PER_MILLION_REQUESTS = 0.20
LAMBDA_PER_GB_SECOND = 0.0000133334  # arm64
LAMBDA_GB = 0.5  # the refresher's 512 MB
LIST_PAGE = 100  # ListSecrets returns up to 100 accounts a page


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=20, help="OAuth 2.0 accounts simulated")
    parser.add_argument("--days", type=float, default=2, help="simulated days")
    args = parser.parse_args()
    os.environ.update(
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",  # noqa: S106 - moto accepts anything
        AWS_DEFAULT_REGION="us-east-1",
    )
    offset = [0.0]

    def now() -> datetime:
        return datetime.fromtimestamp(time.time() + offset[0], UTC)

    from moto import mock_aws

    from app.sandbox.serve import serve_in_background
    from app.sandbox.x_standin import XStandin
    from tests.support.constants import CLIENT_ID as client_id
    from tests.support.constants import CLIENT_SECRET as client_secret

    standin = XStandin(
        consumers={"bench-ck": "bench-cs-0123456789"},
        oauth2_clients={client_id: client_secret},
        clock=lambda: time.time() + offset[0],
    )
    x_server = serve_in_background(standin.app)
    os.environ["X_API_BASE_URL"] = x_server.url
    try:
        with mock_aws():
            figures = _simulate(args.accounts, args.days, standin, x_server.url, offset, now,
                                client_id=client_id, client_secret=client_secret)  # fmt: skip
    finally:
        x_server.stop()
    _report(figures, accounts=args.accounts, days=args.days)


def _simulate(
    accounts: int,
    days: float,
    standin: Any,
    x_url: str,
    offset: list[float],
    now: Any,
    *,
    client_id: str,
    client_secret: str,
) -> dict[str, Any]:
    import boto3

    from app import wiring
    from app.adapters.dynamodb import create_dynamodb_client
    from app.adapters.secrets_manager import create_secrets_client
    from app.config import Settings
    from app.flows.refresh import refresh_due
    from birdhouse_client.layout import OAuth2AccountSecret
    from birdhouse_client.leases import create_lease_table
    from tests.support.constants import APP_SECRET_VALUE
    from tests.support.owner_flows import oauth2_account

    logging.getLogger("app").setLevel(logging.WARNING)
    secrets_client = boto3.client("secretsmanager")
    secrets_client.create_secret(
        Name="twitter-bots/app",
        SecretString=json.dumps(
            {**APP_SECRET_VALUE, "client_id": client_id, "client_secret": client_secret}
        ),
    )
    create_lease_table(boto3.client("dynamodb"), "birdhouse-refresh-leases")
    from app.adapters.invite_ledger import create_invites_table

    create_invites_table(boto3.client("dynamodb"), "birdhouse-invites")
    # Onboarded at spread-out moments: each token's two hours start at a different time.
    for index in range(accounts):
        offset[0] = index * 7200 / accounts
        account = oauth2_account(standin, x_url, f"Bot{index}")
        name = f"twitter-bots/accounts/bot{index}"
        secrets_client.create_secret(Name=name, SecretString=json.dumps(account.as_secret_dict()))
        secrets_client.tag_resource(
            SecretId=name, Tags=[{"Key": k, "Value": v} for k, v in account.tags().items()]
        )
    offset[0] = 7200.0
    calls: Counter[str] = Counter()
    create_secrets_client().meta.events.register(
        "before-call.secretsmanager", lambda model, **_: calls.update([model.name])
    )
    create_dynamodb_client().meta.events.register(
        "before-call.dynamodb", lambda model, **_: calls.update([model.name])
    )
    settings = Settings()
    app_secret = wiring.app_secret(settings)
    refresher = replace(wiring.refresher(settings, app_secret), now=now)
    store = wiring.account_store(settings)
    refreshes_before = len(standin.oauth2.record.refreshes)
    runs, seconds, least_left = 0, 0.0, float("inf")
    start = offset[0]
    while offset[0] < start + days * DAY:
        began = time.perf_counter()
        report = refresh_due(
            store=store, refresher=refresher, ahead_seconds=settings.refresh_ahead_seconds
        )
        seconds += time.perf_counter() - began
        assert not report.failed, report.failed
        runs += 1
        for summary in store.list_accounts():
            looked = store.get_account(summary.screen_name)
            assert isinstance(looked, OAuth2AccountSecret)
            least_left = min(least_left, looked.seconds_left(now()))
        calls.subtract(["ListSecrets"] + ["GetSecretValue"] * accounts)  # that look, not the run
        offset[0] += SCHEDULE_SECONDS
    return {
        "runs": runs,
        "refreshes": len(standin.oauth2.record.refreshes) - refreshes_before,
        "invalid_grants": standin.oauth2.record.invalid_grants,
        "calls": dict(calls),
        "seconds": seconds,
        "least_left": least_left,
    }


def _report(figures: dict[str, Any], *, accounts: int, days: float) -> None:
    per_day = 1 / (accounts * days)
    calls: dict[str, int] = figures["calls"]
    refreshes = figures["refreshes"] * per_day
    puts = calls.get("PutSecretValue", 0) * per_day
    gets = calls.get("GetSecretValue", 0) * per_day
    updates = calls.get("UpdateItem", 0) * per_day
    runs_per_day = figures["runs"] / days
    print(f"{accounts} OAuth 2.0 accounts, {days:g} simulated days, a run every 15 minutes")
    print(f"runs: {figures['runs']}, invalid_grant: {figures['invalid_grants']}")
    print(f"least time a token had left after any run: {figures['least_left'] / 60:.1f} min\n")
    print("per account per day:")
    print(f"  refreshes at X              {refreshes:6.2f}")
    print(f"  Secrets Manager writes      {puts:6.2f}  (PutSecretValue, the new pair)")
    print(f"  Secrets Manager reads       {gets:6.2f}  (GetSecretValue: tokens near their end)")
    print(f"  DynamoDB calls              {updates:6.2f}  (UpdateItem: take, mark, release)")
    tags = calls.get("TagResource", 0) * per_day
    print(f"  Secrets Manager tags        {tags:6.2f}  (TagResource: the new expiry)")
    counted = ("PutSecretValue", "GetSecretValue", "UpdateItem", "TagResource")
    other = {k: v for k, v in calls.items() if k not in counted and v}
    print(f"  other AWS calls in all runs {other}")
    # At 1,000 accounts: ListSecrets pages scale with the fleet, not per account.
    month = 30
    sm_calls = (puts + gets + tags) * FLEET * month + runs_per_day * math.ceil(
        FLEET / LIST_PAGE
    ) * month
    sm_cost = sm_calls / 10_000 * SECRETS_MANAGER_PER_10K_CALLS
    ddb_cost = updates * FLEET * month / 1e6 * DYNAMODB_PER_MILLION_WRITES
    seconds_per_account_run = figures["seconds"] / (figures["runs"] * accounts)
    lambda_seconds = seconds_per_account_run * FLEET * runs_per_day * month
    lambda_cost = (
        runs_per_day * month / 1e6 * LAMBDA_PER_MILLION_REQUESTS
        + lambda_seconds * LAMBDA_GB * LAMBDA_PER_GB_SECOND
    )
    print(f"\nat {FLEET:,} accounts, per month (AWS list prices, us-east-1):")
    print(f"  Secrets Manager calls  {sm_calls:12,.0f}  ${sm_cost:8.2f}")
    print(f"  DynamoDB writes        {updates * FLEET * month:12,.0f}  ${ddb_cost:8.2f}")
    print(
        f"  Lambda                 {runs_per_day * month:12,.0f} runs, "
        f"{lambda_seconds / 3600:.1f} h at 512 MB (time measured here, moto and the "
        f"stand-in)  ${lambda_cost:8.2f}"
    )
    print(f"  total                  ${sm_cost + ddb_cost + lambda_cost:.2f}"
          f" (${(sm_cost + ddb_cost + lambda_cost) / FLEET:.4f} per account)")  # fmt: skip


if __name__ == "__main__":
    main()
