"""The refresh race: a fleet of bot jobs, the scheduled refresher and the admin route, in four
processes and 22 threads, on one OAuth 2.0 account across five expiries moved with a clock.

X's stand-in is as strict as the strictest provider: a refresh token works once, and a second
use revokes the whole token family. So any race would show as an invalid_grant, a dead token
and failed posts. The test wants exactly one refresh per expiry and every post through.

DynamoDB applies conditional writes to one item one at a time. moto's server is threaded and
its backend does not lock around a condition and its write, so the test's moto server applies
one DynamoDB request at a time (`_OneDynamoDBRequestAtATime`): DynamoDB's per-item atomicity,
modelled explicitly (coarser than AWS's, the same for one item).
"""

import json
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from app.env_file import ENV_FILE_VARIABLE
from app.sandbox.serve import serve_in_background
from app.sandbox.x_standin import XStandin
from birdhouse_client.layout import account_secret_name
from birdhouse_client.leases import create_lease_table
from tests.support.constants import (
    APP_SECRET_ID,
    CLIENT_ID,
    CLIENT_SECRET,
    CONSUMER_KEY,
    CONSUMER_SECRET,
    INVITES_TABLE,
    OAUTH2_APP_SECRET_VALUE,
    REFRESH_LEASES_TABLE,
)
from tests.support.lambda_events import REGION
from tests.support.owner_flows import oauth2_account

REPOSITORY = Path(__file__).resolve().parents[1]
SCREEN_NAME = "RaceBot"
EXPIRIES = 5
# role → threads: 8 + 8 bot-job threads, 2 refresher runs and 4 admin calls at once.
WORKERS = [("bot", 8), ("bot", 8), ("refresher", 2), ("admin", 4)]
# Each round starts with this much left on the token: inside every refresher's margin.
SECONDS_LEFT_AT_EACH_ROUND = 60


class _OneDynamoDBRequestAtATime:
    """DynamoDB's per-item atomicity for a threaded moto server: one DynamoDB call at a time."""

    def __init__(self, app: Any) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB"):
            with self._lock:
                return list(self._app(environ, start_response))
        return self._app(environ, start_response)


@pytest.fixture
def serialised_moto() -> Iterator[str]:
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app = _OneDynamoDBRequestAtATime(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=MotoRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    requests.post(f"{url}/moto-api/reset", timeout=5)
    yield url
    server.shutdown()
    thread.join()


def _client(service: str, endpoint: str) -> Any:
    return boto3.client(  # type: ignore[call-overload]
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="race",
        aws_secret_access_key="race",
    )


def _start(role: str, threads: int, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.support.race_worker", role, str(threads), SCREEN_NAME],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env,
        cwd=REPOSITORY,
        text=True,
    )


@pytest.mark.slow
def test_a_fleet_never_races_a_refresh(serialised_moto: str, tmp_path: Path) -> None:
    offset = [0.0]
    standin = XStandin(
        consumers={CONSUMER_KEY: CONSUMER_SECRET},
        oauth2_clients={CLIENT_ID: CLIENT_SECRET},
        clock=lambda: time.time() + offset[0],
    )
    x_server = serve_in_background(standin.app)
    secrets_client = _client("secretsmanager", serialised_moto)
    dynamodb = _client("dynamodb", serialised_moto)
    secrets_client.create_secret(
        Name=APP_SECRET_ID, SecretString=json.dumps(OAUTH2_APP_SECRET_VALUE)
    )
    create_lease_table(dynamodb, REFRESH_LEASES_TABLE)
    from app.adapters.invite_ledger import create_invites_table

    create_invites_table(dynamodb, INVITES_TABLE)
    account = oauth2_account(standin, x_server.url, SCREEN_NAME)
    secret_id = account_secret_name(SCREEN_NAME, prefix="twitter-bots")
    secrets_client.create_secret(Name=secret_id, SecretString=json.dumps(account.as_secret_dict()))

    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "X_"))},
        "AWS_ENDPOINT_URL": serialised_moto,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "race",
        "AWS_SECRET_ACCESS_KEY": "race",
        "X_API_BASE_URL": x_server.url,
        "REFRESH_LEASES_TABLE": REFRESH_LEASES_TABLE,
        "INVITES_TABLE": INVITES_TABLE,
        ENV_FILE_VARIABLE: str(tmp_path / "no.env"),
        "PYTHONPATH": os.pathsep.join(
            [str(REPOSITORY), str(REPOSITORY / "client" / "src"), os.environ.get("PYTHONPATH", "")]
        ),
    }
    workers = [_start(role, threads, env) for role, threads in WORKERS]
    try:
        for worker in workers:
            assert worker.stdout is not None
            assert json.loads(worker.stdout.readline()).get("ready")
        seen: list[str] = []
        refreshes_per_round = []
        for _round in range(EXPIRIES):
            stored = json.loads(secrets_client.get_secret_value(SecretId=secret_id)["SecretString"])
            expires = datetime.fromisoformat(stored["expires_at"]).timestamp()
            offset[0] = expires - time.time() - SECONDS_LEFT_AT_EACH_ROUND
            before = len(standin.oauth2.record.refreshes)
            for worker in workers:
                assert worker.stdin is not None
                worker.stdin.write(json.dumps({"offset": offset[0]}) + "\n")
                worker.stdin.flush()
            for worker in workers:
                assert worker.stdout is not None
                seen += json.loads(worker.stdout.readline())["seen"]
            refreshes_per_round.append(len(standin.oauth2.record.refreshes) - before)
    finally:
        for worker in workers:
            if worker.stdin:
                worker.stdin.write("\n")
                worker.stdin.close()
        for worker in workers:
            worker.wait(timeout=10)
            if worker.stdout:
                worker.stdout.close()
        x_server.stop()

    assert refreshes_per_round == [1] * EXPIRIES
    assert standin.oauth2.record.invalid_grants == 0
    assert [line for line in seen if line.startswith("error")] == []
    refresher_runs = [line for line in seen if line.startswith("refresher")]
    assert len(refresher_runs) == 2 * EXPIRIES
    assert all(line.endswith("failed=0") for line in refresher_runs)
    posts = [line for line in seen if line.startswith("post ")]
    admin = [line for line in seen if line.startswith("refresh ")]
    assert posts == ["post 201"] * 16 * EXPIRIES
    assert admin == ["refresh 200 post 201"] * 4 * EXPIRIES
    assert len(standin.tweets) == (16 + 4) * EXPIRIES
