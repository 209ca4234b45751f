"""The sweep on a queue: a planner that only lists and enqueues, and a worker that checks.

The planner (the scheduled function) makes no X call: it lists the fleet, least recently
checked first, leaves out what is already queued or was reported healthy lately by its bot
job, and sends the rest to the work queue. The worker (an SQS-triggered function, many at
once) checks each account exactly as verify and the old sweep do (health.check_account and the
Recorder), and when X says its limit is spent it stops and puts the rest back until the reset.
"""

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from app.core.accounts import AccountStore
from app.core.errors import BirdhouseError, QueueUnavailable
from app.core.sweep_queue import MAX_DELAY_SECONDS, NotATask, SweepQueue, SweepTask
from app.core.x import XClient
from app.flows.health import Recorder, check_account
from app.flows.oauth2_accounts import OAuth2Accounts
from birdhouse_client.layout import STATUS_OK, AccountSummary

log = logging.getLogger(__name__)


@dataclass
class PlanReport:
    accounts: int
    enqueued: int = 0
    already_queued: int = 0
    reported_healthy: int = 0


def _parse(text: str | None) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(text) if text else None
    except ValueError:
        return None
    if parsed is not None and parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def reported_healthy(account: AccountSummary, *, now: datetime, within: timedelta) -> bool:
    """Its bot job saw X answer well lately, and the last check found nothing wrong."""
    reported = _parse(account.reported_ok_at)
    return account.status == STATUS_OK and reported is not None and now - reported <= within


def plan_sweep(
    *,
    store: AccountStore,
    queue: SweepQueue,
    reported_healthy_within: timedelta,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> PlanReport:
    """Enqueue every account that needs a check, least recently checked first (no X call).

    One plan at a time: while the queue still holds tasks to deliver or being worked on, every
    account of the last plan is queued or done, so this run sends nothing. That costs one
    GetQueueAttributes, where a queued-at tag per account would cost one TagResource each
    (Secrets Manager allows 50 a second for TagResource, shared with the worker's records).
    Tasks delayed until X's reset do not hold a plan back; at worst such an account is checked
    twice in a day, which X does not bill twice.
    """
    depth = queue.depth()
    if depth.waiting or depth.in_flight:
        return PlanReport(accounts=0, already_queued=depth.waiting + depth.in_flight)
    started = now()
    fleet = sorted(store.list_accounts(), key=lambda a: (a.checked_at or "", a.screen_name))
    report = PlanReport(accounts=len(fleet))
    due = []
    for account in fleet:
        if reported_healthy(account, now=started, within=reported_healthy_within):
            report.reported_healthy += 1
        else:
            due.append(account)
    planned_at = started.isoformat()
    for start in range(0, len(due), 10):
        batch = due[start : start + 10]
        queue.send([SweepTask(a.screen_name, planned_at, status=a.status) for a in batch])
        report.enqueued += len(batch)
    return report


@dataclass(frozen=True)
class Received:
    """One message Lambda handed the worker: its id (for batchItemFailures) and body."""

    message_id: str
    body: str


@dataclass
class WorkReport:
    checked: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    put_back: int = 0
    # Message ids SQS should deliver again (and, after maxReceiveCount, dead-letter).
    failed: list[str] = field(default_factory=list)
    # Seconds until X's limit resets, when the worker stopped for it.
    stopped_for_seconds: int | None = None


def work_sweep(
    messages: Sequence[Received],
    *,
    store: AccountStore,
    x_client: XClient,
    recorder: Recorder,
    queue: SweepQueue,
    oauth2: OAuth2Accounts | None = None,
    time_left: Callable[[], float] = lambda: float("inf"),
    clock: Callable[[], float] = time.time,
    seconds_per_check: float = 10.0,
) -> WorkReport:
    """Check each task's account; what cannot be finished is put back or answered as failed.

    - a task whose `not_before` is ahead is sent again, delayed (at most SQS's 15 minutes);
    - when X says its limit is spent (a 429, or 0 remaining), the rest, the refused one first,
      is sent again with `not_before` at X's reset: no fixed pause, no read X would refuse;
    - an unreadable message, a store that fails, or no time left: failed, so SQS retries it
      and, after maxReceiveCount, moves it to the dead-letter queue.
    """
    report = WorkReport()
    later: list[SweepTask] = []
    for message in messages:
        try:
            task = SweepTask.from_body(message.body)
        except NotATask as exc:
            log.warning("sweep message %s: %s", message.message_id, exc)
            report.failed.append(message.message_id)
            continue
        if report.stopped_for_seconds is not None:
            later.append(_until(task, clock() + report.stopped_for_seconds))
            continue
        if task.not_before and task.not_before > clock():
            later.append(task)
            continue
        if time_left() < seconds_per_check:
            report.failed.append(message.message_id)
            continue
        try:
            wait = _check_task(
                task, store=store, x_client=x_client, oauth2=oauth2, recorder=recorder, into=report
            )
        except BirdhouseError as exc:
            log.warning("sweep could not check @%s: %s", task.screen_name, exc.message)
            report.failed.append(message.message_id)
            continue
        if wait is not None:
            report.stopped_for_seconds = wait.seconds
            if wait.again:
                later.append(_until(task, clock() + wait.seconds))
    if later:
        unsent = {t.screen_name for t in _put_back(later, queue=queue, clock=clock)}
        report.put_back = len(later) - len(unsent)
        # Could not put them back: SQS delivers the originals again instead.
        report.failed += [m.message_id for m in messages if _name_in(m) in unsent]
    return report


@dataclass(frozen=True)
class _Wait:
    seconds: int
    again: bool  # the account itself was refused and needs another try


def _check_task(
    task: SweepTask,
    *,
    store: AccountStore,
    x_client: XClient,
    oauth2: OAuth2Accounts | None,
    recorder: Recorder,
    into: WorkReport,
) -> _Wait | None:
    account = store.get_account(task.screen_name)
    if account is None:  # deleted since it was planned
        return None
    finding = check_account(account, x_client=x_client, oauth2=oauth2)
    if finding.error is not None and finding.wait_seconds is not None:
        # X refused this read for its limit: nothing learnt about the account, nothing recorded.
        return _Wait(finding.wait_seconds, again=True)
    # The status the planner listed, as the old sweep used: no DescribeSecret per account.
    recorder.record(finding, previous_status=task.status)
    into.checked += 1
    into.statuses[finding.status] = into.statuses.get(finding.status, 0) + 1
    return None if finding.wait_seconds is None else _Wait(finding.wait_seconds, again=False)


def _until(task: SweepTask, epoch: float) -> SweepTask:
    return replace(task, not_before=epoch)


def _put_back(
    tasks: list[SweepTask], *, queue: SweepQueue, clock: Callable[[], float]
) -> list[SweepTask]:
    """Send the tasks again, each delayed until its `not_before` (at most 15 minutes a hop);
    answers those that could not be sent."""
    by_delay: dict[int, list[SweepTask]] = {}
    for task in tasks:
        delay = round((task.not_before or 0) - clock())
        by_delay.setdefault(max(0, min(MAX_DELAY_SECONDS, delay)), []).append(task)
    unsent: list[SweepTask] = []
    for delay, group in sorted(by_delay.items()):
        try:
            queue.send(group, delay_seconds=delay)
        except QueueUnavailable as exc:
            log.warning("could not put %d sweep task(s) back: %s", len(group), exc.message)
            unsent += group
    return unsent


def _name_in(message: Received) -> str | None:
    try:
        return SweepTask.from_body(message.body).screen_name
    except NotATask:
        return None
