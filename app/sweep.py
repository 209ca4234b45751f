"""The sweep's Lambda entry points, and the in-process sweep of `python -m app sweep`.

- `app.sweep.handler` (scheduled): plans only. Lists the fleet and sends each account that
  needs a check to the work queue (SWEEP_QUEUE_URL); no X call.
- `app.sweep.worker` (SQS event source mapping, at most SWEEP_MAX_CONCURRENCY at once): checks
  each account of its batch, records the status, announces changes, and answers
  `batchItemFailures` for what it could not finish (SQS retries, then dead-letters them).
- `app.sweep.report` (an EventBridge rule on Birdhouse's bus): a bot job's report; an account
  in trouble is verified at once, a healthy one is noted so the sweep can leave it be.
"""

import logging
from dataclasses import asdict
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from app import wiring
from app.config import get_settings
from app.flows.bot_reports import handle_bot_report
from app.flows.fleet_sweep import PlanReport, Received, WorkReport, plan_sweep, work_sweep
from app.flows.health import SweepReport, sweep
from app.logging_setup import configure_logging
from birdhouse_client.layout import REPORT_DETAIL_TYPE, REPORT_SOURCE, BotReport

if TYPE_CHECKING:
    from app.config import Settings

log = logging.getLogger(__name__)

# The worker leaves a task for SQS to deliver again when less than this is left of its run:
# one check (X's timeout and the recording) must fit.
_WORKER_MARGIN_SECONDS = 5.0


def run_sweep(
    settings: "Settings | None" = None, *, budget_seconds: float | None = None
) -> SweepReport:
    """Every account checked in this process (the shell's sweep, for runs without a queue)."""
    settings = settings or get_settings()
    app_secret = wiring.app_secret(settings)
    recorder = wiring.sweep_recorder(settings, signing_keys=app_secret.signing_keys)
    return sweep(
        store=wiring.account_store(settings),
        x_client=wiring.x_client(settings, app_secret),
        recorder=recorder,
        # OAuth 2.0 accounts: checked with Bearer as they are (the refresher renews them; the
        # sweep writes no secret).
        oauth2=wiring.oauth2_accounts(settings, app_secret, may_refresh=False),
        budget_seconds=budget_seconds or settings.sweep_budget_seconds,
        concurrency=settings.sweep_concurrency,
        seconds_between_calls=settings.sweep_seconds_between_calls,
    )


def run_plan(settings: "Settings | None" = None) -> PlanReport:
    settings = settings or get_settings()
    return plan_sweep(
        store=wiring.account_store(settings),
        queue=wiring.sweep_queue(settings),
        reported_healthy_within=timedelta(days=settings.sweep_reported_healthy_days),
    )


def handler(_event: dict[str, Any], _context: Any) -> dict[str, Any]:
    """The schedule's: plan the sweep (list, enqueue); the worker does the checking."""
    configure_logging()
    report = run_plan()
    log.info("sweep planned: %s", report)
    return asdict(report)


def worker(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """An SQS batch: check each account; answer the ids SQS should deliver again."""
    configure_logging()
    settings = get_settings()
    app_secret = wiring.app_secret(settings)

    def time_left() -> float:
        if context is None:
            return float("inf")
        return float(context.get_remaining_time_in_millis()) / 1000 - _WORKER_MARGIN_SECONDS

    report: WorkReport = work_sweep(
        [Received(r["messageId"], r.get("body", "")) for r in event.get("Records", [])],
        store=wiring.account_store(settings),
        x_client=wiring.x_client(settings, app_secret),
        recorder=wiring.sweep_recorder(settings, signing_keys=app_secret.signing_keys),
        queue=wiring.sweep_queue(settings),
        # OAuth 2.0 accounts: checked with Bearer as they are (the refresher renews them).
        oauth2=wiring.oauth2_accounts(settings, app_secret, may_refresh=False),
        time_left=time_left,
        seconds_per_check=settings.x_timeout_seconds,
    )
    log.info(
        "sweep worker: checked %d %s, put back %d, failed %d",
        report.checked,
        report.statuses,
        report.put_back,
        len(report.failed),
    )
    return {"batchItemFailures": [{"itemIdentifier": i} for i in report.failed]}


def report(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    """A bot job's report (source birdhouse.bot-jobs), routed here by a rule on the bus."""
    configure_logging()
    if event.get("source") != REPORT_SOURCE or event.get("detail-type") != REPORT_DETAIL_TYPE:
        log.warning("not a bot-job report: %s / %s", event.get("source"), event.get("detail-type"))
        return {"action": "ignored", "reason": "not a bot-job report"}
    try:
        bot_report = BotReport.from_detail(event.get("detail"))
    except ValueError as exc:
        log.warning("unreadable bot-job report: %s", exc)
        return {"action": "ignored", "reason": str(exc)}
    settings = get_settings()
    store = wiring.account_store(settings)
    app_secret = wiring.app_secret(settings)
    outcome = handle_bot_report(
        bot_report,
        store=store,
        x_client=wiring.x_client(settings, app_secret),
        recorder=wiring.sweep_recorder(settings, signing_keys=app_secret.signing_keys),
        oauth2=wiring.oauth2_accounts(settings, app_secret, may_refresh=False),
    )
    log.info("bot-job report for @%s: %s", bot_report.screen_name, outcome)
    return asdict(outcome)
