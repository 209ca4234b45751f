"""The scheduled sweep's Lambda entry point: `app.sweep.handler`, on an EventBridge schedule.

Checks every account (each a paid X read), records what it found on the secret's tags, and
publishes one "Account status changed" event per change. `python -m app sweep` runs the same.
"""

import logging
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from app import wiring
from app.config import get_settings
from app.flows.health import SweepReport, sweep
from app.logging_setup import configure_logging

if TYPE_CHECKING:
    from app.config import Settings

log = logging.getLogger(__name__)


def run_sweep(
    settings: "Settings | None" = None, *, budget_seconds: float | None = None
) -> SweepReport:
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


def handler(_event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Within the function's own time: stop in time to record, finish the rest next run."""
    configure_logging()
    remaining = context.get_remaining_time_in_millis() / 1000 if context else None
    budget = max(5.0, remaining - 30) if remaining else None
    report = run_sweep(budget_seconds=budget)
    log.info("sweep: %s", report)
    return asdict(report)
