"""The scheduled refresher's Lambda entry point: `app.refresher.handler`, on an EventBridge
schedule (every 15 minutes by default).

Refreshes every OAuth 2.0 account whose token has less than REFRESH_AHEAD_SECONDS (30 minutes)
left, through the per-account lease, so a bot job reading its secret finds minutes left.
`python -m app refresh --due` runs the same.
"""

import logging
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from app import wiring
from app.config import get_settings
from app.flows.refresh import RefreshReport, refresh_due
from app.logging_setup import configure_logging

if TYPE_CHECKING:
    from app.config import Settings

log = logging.getLogger(__name__)


def run_refresher(settings: "Settings | None" = None) -> RefreshReport:
    settings = settings or get_settings()
    app_secret = wiring.app_secret(settings)
    if not app_secret.has_oauth2_client:
        log.info("no OAuth 2.0 client in the app secret: nothing to refresh")
        return RefreshReport()
    # The sweep's recorder: an account whose refresh X refused gets a re-invite in its event.
    recorder = wiring.sweep_recorder(settings, signing_keys=app_secret.signing_keys)
    return refresh_due(
        store=wiring.account_store(settings),
        refresher=wiring.refresher(settings, app_secret, recorder=recorder),
        ahead_seconds=settings.refresh_ahead_seconds,
    )


def handler(_event: dict[str, Any], _context: Any) -> dict[str, Any]:
    configure_logging()
    report = run_refresher()
    log.info("refresher: %s", report)
    return asdict(report)
