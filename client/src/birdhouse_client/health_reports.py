"""Tell Birdhouse what X answers a bot job: trouble at once, health now and then.

The client's sessions (`oauth1_session`, `tweepy_client`) install this by themselves when
BIRDHOUSE_EVENT_BUS names Birdhouse's event bus (e.g. `birdhouse-prod`); the job's code does
not change. For a requests session of your own:

    session.hooks["response"].append(report_hook(account))

Reported: 401 (token revoked), 402 (out of credits), 403 client-forbidden or oauth1-permissions,
and a 429 whose 24-hour cap is spent, each at most every 15 minutes per account and problem;
and a good answer at most every BIRDHOUSE_REPORT_OK_EVERY_SECONDS (6 hours) per account in this
process. Each report is one PutEvents (source `birdhouse.bot-jobs`) with the account's name and
user id, X's status and its word for the problem: never a token, a URL or a body. A report that
cannot be sent is logged and never fails the job's request. The job's role needs
`events:PutEvents` on the bus (`python -m app policy` includes it).
"""

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from birdhouse_client.layout import (
    REPORT_DETAIL_TYPE,
    REPORT_OK,
    REPORT_SOURCE,
    REPORT_TROUBLE,
    BotReport,
    StoredAccount,
)

if TYPE_CHECKING:
    from requests import Response

log = logging.getLogger(__name__)

BUS_VARIABLE = "BIRDHOUSE_EVENT_BUS"
OK_EVERY_VARIABLE = "BIRDHOUSE_REPORT_OK_EVERY_SECONDS"
DEFAULT_OK_EVERY_SECONDS = 6 * 3600
TROUBLE_EVERY_SECONDS = 15 * 60


def classify(status: int, headers: Mapping[str, str], body: str) -> tuple[str, str | None] | None:
    """(outcome, problem) for an X answer worth reporting; None for the rest."""
    if 200 <= status < 300:
        return REPORT_OK, None
    if status == 401:
        return REPORT_TROUBLE, "unauthorized"
    if status == 402:
        return REPORT_TROUBLE, "credits_depleted"
    if status == 403:
        text = body[:4000]
        if "client-forbidden" in text or "client-not-enrolled" in text:
            return REPORT_TROUBLE, "client_forbidden"
        if "oauth1-permissions" in text:
            return REPORT_TROUBLE, "oauth1_permissions"
        return None  # duplicate content, a suspended account's words: the job's own business
    if status == 429 and any(
        headers.get(f"x-{scope}-limit-24hour-remaining") == "0" for scope in ("user", "app")
    ):
        return REPORT_TROUBLE, "daily_cap"
    return None


class HealthReporter:
    """Sends reports to one bus, throttled per account in this process."""

    def __init__(
        self,
        *,
        bus_name: str,
        client: Any = None,
        ok_every_seconds: float = DEFAULT_OK_EVERY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._bus = bus_name
        self._client = client
        self._ok_every = ok_every_seconds
        self._clock = clock
        self._last: dict[tuple[str, str | None], float] = {}
        self._lock = threading.Lock()
        self.sent = 0

    def observe(
        self, account: StoredAccount, status: int, headers: Mapping[str, str], body: str
    ) -> None:
        found = classify(status, headers, body)
        if found is None:
            return
        outcome, problem = found
        key = (account.screen_name.lower(), problem)
        every = self._ok_every if outcome == REPORT_OK else TROUBLE_EVERY_SECONDS
        now = self._clock()
        with self._lock:
            last = self._last.get(key)
            if last is not None and now - last < every:
                return
            self._last[key] = now
        self._send(
            BotReport(
                screen_name=account.screen_name,
                user_id=account.user_id,
                outcome=outcome,
                reported_at=datetime.now(UTC).isoformat(),
                x_status=status,
                problem=problem,
            )
        )

    def response_hook(self, account: StoredAccount) -> Callable[..., None]:
        """A requests response hook reporting what X answered this account."""

        def hook(response: "Response", *_args: Any, **_kwargs: Any) -> None:
            ok = 200 <= response.status_code < 300
            # Error bodies are small JSON; a good answer's body is not read here.
            body = "" if ok else response.text
            self.observe(account, response.status_code, response.headers, body)

        return hook

    def _send(self, report: BotReport) -> None:
        try:
            client = self._client or _events_client()
            answer = client.put_events(
                Entries=[
                    {
                        "Source": REPORT_SOURCE,
                        "DetailType": REPORT_DETAIL_TYPE,
                        "Detail": json.dumps(report.to_detail()),
                        "EventBusName": self._bus,
                    }
                ]
            )
        except Exception as exc:
            log.warning("could not report @%s to Birdhouse: %s", report.screen_name, exc)
            return
        if answer.get("FailedEntryCount"):
            log.warning("Birdhouse's bus refused the report for @%s", report.screen_name)
            return
        self.sent += 1


@lru_cache
def _events_client() -> Any:
    import boto3
    from botocore.config import Config

    # One quick try: the job's request is waiting.
    config = Config(connect_timeout=1, read_timeout=2, retries={"total_max_attempts": 1})
    return boto3.client("events", config=config)


_reporter: HealthReporter | None = None
_reporter_lock = threading.Lock()


def default_reporter() -> HealthReporter | None:
    """This process's reporter, on BIRDHOUSE_EVENT_BUS; None (no reports) when it is unset."""
    global _reporter
    bus = os.environ.get(BUS_VARIABLE)
    if not bus:
        return None
    with _reporter_lock:
        if _reporter is None or _reporter._bus != bus:
            every = float(os.environ.get(OK_EVERY_VARIABLE) or DEFAULT_OK_EVERY_SECONDS)
            _reporter = HealthReporter(bus_name=bus, ok_every_seconds=every)
        return _reporter


def report_hook(account: StoredAccount) -> Callable[..., None]:
    """For a requests session of your own: `session.hooks["response"].append(...)`. Does
    nothing while BIRDHOUSE_EVENT_BUS is unset."""

    def hook(response: "Response", *args: Any, **kwargs: Any) -> None:
        reporter = default_reporter()
        if reporter is not None:
            reporter.response_hook(account)(response, *args, **kwargs)

    return hook
