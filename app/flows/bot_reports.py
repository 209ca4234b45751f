"""Bot-job reports: what X told a bot job, acted on at once (trouble) or noted (health).

A report in trouble (401, 402, 403 client-forbidden or permissions, a spent 24-hour cap) leads
to one verify of that account, recorded and announced like any check. A healthy report is a
tag: the sweep's planner then leaves the account out for a while, so paid reads go to the bots
that are silent. Reports come from principals allowed to read the account's tokens (the
bot-jobs policy); they are never trusted for a status, only as a reason to ask X.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from app.core.accounts import AccountStore
from app.core.x import XClient
from app.flows.health import Recorder, check_account
from app.flows.oauth2_accounts import OAuth2Accounts
from birdhouse_client.layout import REPORT_OK, STATUS_UNCHECKED, BotReport

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReportOutcome:
    """What Birdhouse did: "noted" (healthy), "checked" (and found `status`), or "ignored"."""

    action: str
    status: str | None = None
    reason: str | None = None


def handle_bot_report(
    report: BotReport,
    *,
    store: AccountStore,
    x_client: XClient,
    recorder: Recorder,
    oauth2: OAuth2Accounts | None = None,
    now: datetime | None = None,
) -> ReportOutcome:
    when = (now or datetime.now(UTC)).isoformat()
    if report.outcome == REPORT_OK:
        # Birdhouse's clock, not the report's: a report cannot buy a longer rest than it is old.
        store.note_reported_ok(report.screen_name, reported_at=when)
        return ReportOutcome("noted")
    before = store.describe_account(report.screen_name)
    if before is None:
        return ReportOutcome("ignored", reason="no such account")
    if report.user_id and before.user_id and report.user_id != before.user_id:
        # A job still holding an earlier account's keys under this name.
        return ReportOutcome("ignored", reason="another X user's report")
    if before.checked_at and report.reported_at and before.checked_at > report.reported_at:
        return ReportOutcome("ignored", reason="checked since the report")
    account = store.get_account(report.screen_name)
    if account is None:
        return ReportOutcome("ignored", reason="no such account")
    log.info(
        "@%s: its bot job reports %s (%s)", report.screen_name, report.problem, report.x_status
    )
    finding = check_account(account, x_client=x_client, oauth2=oauth2)
    recorder.record(finding, previous_status=before.status or STATUS_UNCHECKED)
    return ReportOutcome("checked", status=finding.status)
